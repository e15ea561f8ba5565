"""PDF packs made off the request path, and kept: one file per user, month, areas shown and
warehouse version, in ``pack_cache_dir``.

Rendering a PDF (kaleido for the charts, headless Chromium for the page) takes seconds. A web
worker that did it inline could serve nothing else meanwhile (two downloads held both
gunicorn sync workers for 18 s). Here a request only starts a job and answers at once; the
page polls until the file is there. One background thread per worker process runs the jobs
one at a time, each in its own ``python -m dashboard.packjobs`` process (so at most one
Chromium per worker, none inside it, and a hung render is killed). The state is in files, so
whichever worker a poll reaches sees it; a pending job left by a killed worker is taken over
after ``STALE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dashboard import data, pack
from dashboard.scope import Scope
from etl.settings import Settings

log = logging.getLogger("pvp.packjobs")
STALE_SECONDS = 300
RENDER_TIMEOUT = 240
# The render process's own deadline: past it the process ends itself (SIGALRM), even when the
# web worker that started it (and so subprocess.run's timeout) is gone.
SELF_DEADLINE_GRACE = 60
KEEP_SECONDS = 7 * 24 * 3600
# PDF packs one user may have in the making at once. Renders run one at a time per worker:
# without a limit, crafted requests for other months or areas queued hundreds of renders ahead
# of everyone else's pack (an adversarial pass, session 24).
IN_FLIGHT_PER_USER = 2

_worker: tuple[int, threading.Thread, queue.Queue] | None = None
_worker_lock = threading.Lock()


def _run(jobs: queue.Queue) -> None:
    """Nothing a job does (nor an asynchronous exception sent to this thread, as dash's test
    runner sends SystemExit to threads it did not start) ends the loop."""
    while True:
        try:
            fn, args = jobs.get()
        except BaseException:
            continue
        try:
            fn(*args)
        except BaseException as exc:
            log.error("pack job stopped: %s", type(exc).__name__)


def _submit(fn, *args) -> None:
    """One background thread per process, made after gunicorn forks and made again if it has
    died (a queued job it lost is taken over once its pending file is stale)."""
    global _worker
    with _worker_lock:
        if _worker is None or _worker[0] != os.getpid() or not _worker[1].is_alive():
            jobs: queue.Queue = queue.Queue()
            thread = threading.Thread(target=_run, args=(jobs,), name="pvp-pack", daemon=True)
            thread.start()
            _worker = (os.getpid(), thread, jobs)
        _worker[2].put((fn, args))


@dataclass
class Job:
    state: str  # ready | running | waiting (the user's other packs first) | failed
    path: Path
    filename: str = ""
    seconds: int = 0
    error: str = ""

    def read(self) -> bytes:
        return self.path.read_bytes()


def cache_dir() -> Path:
    """The packs' folder, made readable by its owner only when this makes it. A folder that
    already exists keeps its mode: an operator who points the setting at a shared folder
    (``data``) must not find it closed to everyone else."""
    folder = Path(data.settings().pack_cache_dir)
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened
    return folder


# What this module writes in the folder: a pack's files, and a write's temporary file.
_OURS = re.compile(r"[0-9a-f]{32}\.(pdf|json|pending|failed)|\.[0-9a-f]{32}\.\w+\.\d+\.\d+")


def _key(scope: Scope, month: date, areas: list[str] | None) -> str:
    version = data.warehouse().version
    shown = scope.narrow(areas)
    # The settings too: a pack made with another review window is another pack.
    rules = data.settings().model_dump_json()
    parts = [scope.username, scope.role, month.isoformat(), shown, list(version), rules]
    parts.append(app_db_state())
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def app_db_state() -> list:
    """What of the application database a pack shows, summed up so that any write changes it:
    audits (their grades and version counters), their events and feedback, the actions agreed
    (a close bumps the version) and the follow-ups (time to review). A PDF made before an
    action was agreed is not served after it (an adversarial pass, session 17)."""
    from sqlalchemy import func, select

    from dashboard.appdb.models import Audit, AuditAction, AuditEvent, AuditFeedback
    from dashboard.appdb.models import CaseFollowUp as F
    from dashboard.audits import app_db, app_db_exists

    if not app_db_exists():
        return []
    measures = [
        (func.count(Audit.id), Audit), (func.sum(Audit.version), Audit),
        (func.max(AuditEvent.id), AuditEvent), (func.max(AuditFeedback.id), AuditFeedback),
        (func.count(AuditAction.id), AuditAction), (func.sum(AuditAction.version), AuditAction),
        (func.count(F.id), F), (func.count(F.closed_at), F), (func.max(F.id), F),
    ]  # fmt: skip
    counts = select(*(select(m).select_from(t).scalar_subquery() for m, t in measures))
    with app_db().transaction() as session:
        return [str(v) for v in session.execute(counts).one()]


def _write(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    os.replace(tmp, path)


def _render(job: dict) -> None:
    """In the background thread: run the render in its own process (kaleido and Chromium stay
    out of the web worker, and a hung render is killed at ``RENDER_TIMEOUT``)."""
    folder = Path(job["folder"])
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dashboard.packjobs"], input=json.dumps(job).encode(),
            capture_output=True, timeout=RENDER_TIMEOUT,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"the pack process exited {done.returncode}")
    except Exception as exc:
        log.error("pack %s failed: %s", job["key"], type(exc).__name__)
        _write(folder / f"{job['key']}.failed", type(exc).__name__.encode())
    finally:
        (folder / f"{job['key']}.pending").unlink(missing_ok=True)


def main() -> int:
    """``python -m dashboard.packjobs < JOB``: make one pack's PDF into the cache (the job on
    stdin, not the command line, where any local user could read it)."""
    signal.alarm(RENDER_TIMEOUT + SELF_DEADLINE_GRACE)
    job = json.loads(sys.stdin.read())
    data.configure(Settings.model_validate(job["settings"]))
    folder, key = Path(job["folder"]), job["key"]
    scope = Scope(job["username"], job["role"], tuple(job["scope_areas"]))
    p = pack.build(scope, date.fromisoformat(job["month"]), job["areas"])
    content = pack.to_pdf(p)
    _write(folder / f"{key}.json", json.dumps({"filename": f"{pack.file_stem(p)}.pdf"}).encode())
    _write(folder / f"{key}.pdf", content)
    return 0


def _sweep(folder: Path) -> None:
    """Packs older than a week go (the warehouse has moved on; they can be made again). Only
    this module's own files: anything else in the folder is left as it is."""
    cutoff = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        if not _OURS.fullmatch(path.name):
            continue
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            pass


def _owner(scope: Scope) -> str:
    """Who a pending pack is for, as written in its file (not the name itself)."""
    return hashlib.sha256(f"owner:{scope.username}".encode()).hexdigest()[:32]


def _in_flight(folder: Path, owner: str) -> int:
    """This user's packs in the making: pending, and not left by a worker that died."""
    fresh = time.time() - STALE_SECONDS
    count = 0
    for path in folder.glob("*.pending"):
        try:
            if path.stat().st_mtime >= fresh and path.read_text() == owner:
                count += 1
        except (FileNotFoundError, UnicodeDecodeError):
            pass  # finished meanwhile, or not ours
    return count


def ensure(scope: Scope, month: date, areas: list[str] | None, retry: bool = False) -> Job:
    """The pack's job for this user: ready, running, or (once) failed. Starts it if needed;
    never renders on the caller's thread. ``retry`` starts a failed one again. A pack is a
    month's: any day of it names the same pack (each day was a render of its own)."""
    month = month.replace(day=1)
    folder = cache_dir()
    key = _key(scope, month, areas)
    pdf, pending, failed = (folder / f"{key}.{ext}" for ext in ("pdf", "pending", "failed"))
    if pdf.exists():
        meta = json.loads((folder / f"{key}.json").read_text())
        return Job("ready", pdf, filename=meta["filename"])
    if failed.exists() and not retry:
        return Job("failed", pdf, error=failed.read_text()[:100])
    failed.unlink(missing_ok=True)
    try:
        started = pending.stat().st_mtime
        if time.time() - started < STALE_SECONDS:
            return Job("running", pdf, seconds=int(time.time() - started))
        pending.unlink(missing_ok=True)  # its worker died: take it over
    except FileNotFoundError:
        pass
    owner = _owner(scope)
    try:
        fd = os.open(pending, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return Job("running", pdf)  # another request started it just now
    with os.fdopen(fd, "w") as fh:
        fh.write(owner)
    # Counted once this one is claimed, so two requests at once can never both pass the limit
    # (both may wait, and start at their next poll).
    if _in_flight(folder, owner) > IN_FLIGHT_PER_USER:
        pending.unlink(missing_ok=True)
        return Job("waiting", pdf)
    _sweep(folder)
    job = {
        "folder": str(folder),
        "key": key,
        "username": scope.username,
        "role": scope.role,
        "scope_areas": list(scope.areas),
        "month": month.isoformat(),
        "areas": areas,
        # The settings this process runs with (the warehouse it reads among them), so the
        # render process does not resolve its own from the environment.
        "settings": data.settings().model_dump(mode="json"),
    }
    _submit(_render, job)
    return Job("running", pdf)


if __name__ == "__main__":
    raise SystemExit(main())
