"""Scheduled refresh: load each source in turn, every N minutes, for as long as it runs.

Two refreshes of one warehouse never overlap (a lock beside it); a failing source is recorded
and the others still load; every load is atomic, so the previous warehouse stays live when one
fails. Each attempt is written to a small SQLite log that the data-quality page shows.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from etl.load import exclusive_lock
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
    """'20m', '1h', '45s' or plain seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not m:
        raise ValueError(f"not an interval: {text!r} (use e.g. 20m, 1h, 30s)")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def refresh_lock(db_path: Path) -> contextlib.AbstractContextManager[None]:
    """One refresh at a time per warehouse (loads also take the warehouse's own lock)."""
    path = Path(db_path).with_name(Path(db_path).name + ".refresh.lock")
    return exclusive_lock(path, RefreshRunning(f"another refresh of {db_path} is running"))


class RefreshLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
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
    """The source as logged: a database URL without any password."""
    if "://" not in source:
        return source
    from sqlalchemy.engine import make_url

    return make_url(source).render_as_string(hide_password=True)


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
                except Exception as exc:  # a failing source must not stop the others
                    message = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
                    log.record(cycle, started, shown(source), "failed", message, None)
                    say(f"refresh {cycle}: {shown(source)} FAILED, warehouse unchanged: {message}")
                    continue
                log.record(cycle, started, shown(source), "ok", "", load_id)
                say(f"refresh {cycle}: {shown(source)} loaded")
            if cycles is None or cycle < cycles:
                sleep(every)
