"""PDF packs made off the request path, and kept: one file per user, month, areas shown and
warehouse version, in ``pack_cache_dir``.

Rendering a PDF (kaleido for the charts, headless Chromium for the page) takes seconds. A web
worker that did it inline could serve nothing else meanwhile (two downloads held both
gunicorn sync workers for 18 s). Here a request only starts a job and answers at once; the
page polls until the file is there. Jobs run in one background thread per worker process (so
at most one Chromium per worker); the state is in files, so whichever worker a poll reaches
sees it. A pending job left by a killed worker is taken over after ``STALE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dashboard import data, pack
from dashboard.data import Scope

log = logging.getLogger("pvp.packjobs")
STALE_SECONDS = 300
KEEP_SECONDS = 7 * 24 * 3600

_executor: tuple[int, ThreadPoolExecutor] | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """One worker thread per process (made after gunicorn forks, never inherited)."""
    global _executor
    with _executor_lock:
        if _executor is None or _executor[0] != os.getpid():
            _executor = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="pvp-pack"))
        return _executor[1]


@dataclass
class Job:
    state: str  # ready | running | failed
    path: Path
    filename: str = ""
    seconds: int = 0
    error: str = ""

    def read(self) -> bytes:
        return self.path.read_bytes()


def cache_dir() -> Path:
    folder = Path(data.settings().pack_cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def _key(scope: Scope, month: date, areas: list[str] | None) -> str:
    version = data.warehouse().version
    shown = scope.narrow(areas)
    parts = [scope.username, scope.role, month.isoformat(), shown, list(version)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def _write(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    os.replace(tmp, path)


def _render(scope: Scope, month: date, areas: list[str] | None, key: str) -> None:
    folder = cache_dir()
    try:
        p = pack.build(scope, month, areas)
        pdf = pack.to_pdf(p)
        _write(
            folder / f"{key}.json", json.dumps({"filename": f"{pack.file_stem(p)}.pdf"}).encode()
        )
        _write(folder / f"{key}.pdf", pdf)
    except Exception as exc:
        log.error("pack %s failed: %s", key, type(exc).__name__)
        _write(folder / f"{key}.failed", type(exc).__name__.encode())
    finally:
        (folder / f"{key}.pending").unlink(missing_ok=True)


def _sweep(folder: Path) -> None:
    """Packs older than a week go (the warehouse has moved on; they can be made again)."""
    cutoff = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            pass


def ensure(scope: Scope, month: date, areas: list[str] | None, retry: bool = False) -> Job:
    """The pack's job for this user: ready, running, or (once) failed. Starts it if needed;
    never renders on the caller's thread. ``retry`` starts a failed one again."""
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
    try:
        os.close(os.open(pending, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return Job("running", pdf)  # another request started it just now
    _sweep(folder)
    _pool().submit(_render, scope, month, areas, key)
    return Job("running", pdf)
