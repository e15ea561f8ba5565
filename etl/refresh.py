"""Scheduled refresh: load each source in turn, every N minutes, for as long as it runs.

Two refreshes of one warehouse never overlap (a lock beside it); a failing source is recorded
and the others still load; every load is atomic, so the previous warehouse stays live when one
fails. Each attempt is written to a small SQLite log that the data-quality page shows.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from etl.load import exclusive_lock
from etl.redact import redact
from etl.settings import Settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS refresh_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, cycle INTEGER, started_at TEXT, finished_at TEXT,
  source TEXT, status TEXT, message TEXT, load_id INTEGER
)
"""


class RefreshRunning(Exception):
    """Another refresh of this warehouse is running."""


def parse_interval(text: str) -> float:
    """'20m', '1h', '45s' or plain seconds; at most a week (3,000,000 hours was taken, and the
    wait after the first round overflowed: an adversarial pass, session 24)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not m:
        raise ValueError(f"not an interval: {text!r} (use e.g. 20m, 1h, 30s)")
    seconds = float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]
    if seconds > LONGEST_INTERVAL_S:
        raise ValueError(f"an interval of at most a week, not {text!r}")
    return seconds


LONGEST_INTERVAL_S = 7 * 24 * 3600


def refresh_lock(db_path: Path) -> contextlib.AbstractContextManager[None]:
    """One refresh at a time per warehouse (loads also take the warehouse's own lock)."""
    path = Path(db_path).with_name(Path(db_path).name + ".refresh.lock")
    return exclusive_lock(path, RefreshRunning(f"another refresh of {db_path} is running"))


class RefreshLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(mode=0o600, exist_ok=True)
        self.path.chmod(0o600)
        with contextlib.closing(sqlite3.connect(self.path)) as con, con:
            con.execute(SCHEMA)

    def record(self, cycle: int, started: datetime, source: str, status: str, message: str,
               load_id: int | None) -> None:  # fmt: skip
        with contextlib.closing(sqlite3.connect(self.path, timeout=10)) as con, con:
            con.execute(
                "INSERT INTO refresh_runs (cycle, started_at, finished_at, source, status, "
                "message, load_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (cycle, started.isoformat(timespec="seconds"),
                 datetime.now(UTC).isoformat(timespec="seconds"), source, status, message,
                 load_id),
            )  # fmt: skip

    def recent(self, limit: int = 50) -> pd.DataFrame:
        if not self.path.exists():
            return pd.DataFrame(columns=["started_at", "source", "status", "message"])
        with contextlib.closing(sqlite3.connect(self.path)) as con:
            return pd.read_sql_query(
                "SELECT id, cycle, started_at, finished_at, source, status, message, load_id "
                "FROM refresh_runs ORDER BY id DESC LIMIT ?",
                con,
                params=(limit,),
            )


def run_source(source: str, db_path: Path, settings: Settings, mapping: Path | None):
    """One source: ``police-uk:DIR`` for published crime, anything else for the extracts."""
    if source.startswith("police-uk:"):
        from etl.police_uk import load_police_uk

        load_police_uk(Path(source.removeprefix("police-uk:")), db_path, settings)
        return None
    from etl.sources import load_source

    return load_source(source, db_path, settings, mapping=mapping).load_id


def shown(source: str) -> str:
    """The source as logged: any password or secret query value redacted."""
    return redact(source)


def _report(log: RefreshLog, say: Callable[[str], None], cycle: int, started: datetime,
            source: str, status: str, message: str, load_id: int | None) -> None:  # fmt: skip
    """Record and announce one attempt; neither failing may stop the refresh loop."""
    if status == "ok":
        line = f"refresh {cycle}: {source} loaded"
    else:
        line = f"refresh {cycle}: {source} FAILED, warehouse unchanged: {message}"
    try:
        log.record(cycle, started, source, status, message, load_id)
    except Exception as exc:  # e.g. a full disk or a locked log: the loads still go on
        line += f" (not recorded in {log.path}: {type(exc).__name__})"
    try:
        say(line)
    except Exception:
        print(line, file=sys.stderr)


def refresh(
    sources: list[str],
    db_path: Path,
    settings: Settings,
    every: float,
    cycles: int | None = None,
    mapping: Path | None = None,
    say: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Load every source, then wait ``every`` seconds; ``cycles`` times (None: for ever)."""
    log = RefreshLog(settings.refresh_log_path)
    with refresh_lock(db_path):
        cycle = 0
        while cycles is None or cycle < cycles:
            cycle += 1
            for source in sources:
                started = datetime.now(UTC)
                try:
                    load_id = run_source(source, db_path, settings, mapping)
                    status, message = "ok", ""
                except Exception as exc:  # a failing source must not stop the others
                    text = str(exc).splitlines()[0][:500] if str(exc).strip() else ""
                    load_id, status, message = None, "failed", redact(text or type(exc).__name__)
                _report(log, say, cycle, started, shown(source), status, message, load_id)
            if cycles is None or cycle < cycles:
                sleep(every)
