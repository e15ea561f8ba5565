"""The access audit log: append-only, in its own SQLite file (the warehouse is replaced on every
load, so it cannot hold the log). Triggers refuse DELETE and every UPDATE except the growth of a
coalesced "read" entry's counters, and the app offers no way to change a row: it can only
``record``, ``record_read`` and ``read``. What an entry holds is capped (``cap``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,            -- UTC, ISO 8601
  username TEXT NOT NULL,
  event TEXT NOT NULL,         -- read, view, case_view, export, pack, sign_in, ...
  page TEXT,
  case_id TEXT,
  detail TEXT,                 -- JSON: filters, export format, row count (sizes capped)
  address TEXT
);
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
# Added for coalesced reads (issue 10): an older log gains them when first opened.
READ_COLUMNS = {
    "read_key": "TEXT",  # hash of user, address, page, case and filter set
    "rows_read": "INTEGER",  # rows read, added up over the entry's window
    "reads": "INTEGER",  # requests coalesced into the entry
    "last_at": "TEXT",  # the latest of them, UTC
}
# Nothing may change an entry, except that a "read" entry's counters may grow while reads
# are being coalesced into it.
NO_UPDATE = (
    "DROP TRIGGER IF EXISTS audit_no_update",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN NOT (OLD.event = 'read' AND NEW.event = 'read' AND NEW.id = OLD.id AND NEW.at = OLD.at
          AND NEW.username = OLD.username AND NEW.page IS OLD.page
          AND NEW.case_id IS OLD.case_id AND NEW.detail IS OLD.detail
          AND NEW.address IS OLD.address AND NEW.read_key IS OLD.read_key
          AND NEW.rows_read >= OLD.rows_read AND NEW.reads > OLD.reads
          AND NEW.last_at >= OLD.last_at)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    "CREATE INDEX IF NOT EXISTS audit_read_key ON audit (read_key)",
)

# What one entry may hold: a 1 MB filter value is logged as its first 200 characters and
# its length, never whole.
MAX_TEXT = 200
MAX_ITEMS = 20
MAX_DEPTH = 4
MAX_DETAIL = 4000
MAX_FIELD = {"username": 100, "event": 40, "page": 100, "case_id": 200, "address": 64}


def cap(value, depth: int = 0):
    """``value`` with long strings cut, long lists and dicts shortened, deep nesting elided."""
    if isinstance(value, str):
        if len(value) <= MAX_TEXT:
            return value
        return f"{value[:MAX_TEXT]}... ({len(value):,} characters)"
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_DEPTH:
        return "..."
    if isinstance(value, dict):
        items = list(value.items())
        out = {str(k)[:MAX_TEXT]: cap(v, depth + 1) for k, v in items[:MAX_ITEMS]}
        if len(items) > MAX_ITEMS:
            out["..."] = f"{len(items) - MAX_ITEMS} more"
        return out
    if isinstance(value, list | tuple | set):
        items = list(value)
        out = [cap(v, depth + 1) for v in items[:MAX_ITEMS]]
        if len(items) > MAX_ITEMS:
            out.append(f"... {len(items) - MAX_ITEMS} more")
        return out
    return cap(str(value), depth)


def detail_json(detail: dict | None) -> str | None:
    if not detail:
        return None
    text = json.dumps(cap(detail), default=str, sort_keys=True)
    if len(text) > MAX_DETAIL:
        text = json.dumps({"truncated": text[:MAX_DETAIL]})
    return text


def _field(name: str, value: str | None) -> str | None:
    return None if value is None else str(value)[: MAX_FIELD[name]]


class AuditLog:
    def __init__(self, path: Path, coalesce_minutes: int = 5) -> None:
        self.path = Path(path)
        self.coalesce = timedelta(minutes=coalesce_minutes)
        self._kept = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = self._connect()
        try:
            con.executescript(SCHEMA)
            con.isolation_level = None
            con.execute("BEGIN IMMEDIATE")  # one process at a time adds the columns
            have = {row[1] for row in con.execute("PRAGMA table_info(audit)")}
            for column, kind in READ_COLUMNS.items():
                if column not in have:
                    con.execute(f"ALTER TABLE audit ADD COLUMN {column} {kind}")
            for statement in NO_UPDATE:
                con.execute(statement)
            con.execute("COMMIT")
        finally:
            con.close()
        self.path.chmod(0o600)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10)
        # WAL is kept in the file. While another process turns a new file to WAL (gunicorn's
        # workers booting together), SQLite answers "locked" at once, without the busy
        # timeout: a worker failed to boot so. Wait for it here instead.
        deadline = time.monotonic() + 10
        while True:
            try:
                con.execute("PRAGMA journal_mode=WAL")
                return con
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    con.close()
                    raise
                time.sleep(0.02)

    def _writer(self) -> sqlite3.Connection:
        """This thread's connection for writing, kept open: opening one and closing it again
        (which checkpoints the WAL) cost 0.9 ms of every callback's 1.25 ms of auditing.
        Every write still commits to disk (synchronous=FULL) before the request goes on. A
        process made by fork opens its own."""
        kept = getattr(self._kept, "con", None)
        if kept is None or self._kept.pid != os.getpid():
            kept = self._connect()
            kept.isolation_level = None
            kept.execute("PRAGMA synchronous=FULL")
            self._kept.con, self._kept.pid = kept, os.getpid()
        return kept

    def record(
        self,
        username: str,
        event: str,
        page: str | None = None,
        case_id: str | None = None,
        detail: dict | None = None,
        address: str | None = None,
    ) -> None:
        self._writer().execute(
            "INSERT INTO audit (at, username, event, page, case_id, detail, address) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                _now(),
                _field("username", username) or "",
                _field("event", event),
                _field("page", page),
                _field("case_id", case_id),
                detail_json(detail),
                _field("address", address),
            ),
        )

    def record_read(
        self,
        username: str,
        page: str,
        rows: int,
        detail: dict | None = None,
        case_id: str | None = None,
        address: str | None = None,
    ) -> None:
        """A read of case-level rows. Reads by the same user, address, page and filter set
        within ``coalesce_minutes`` of the first make one "read" entry whose ``rows_read`` and
        ``reads`` add up; nothing (no flag, no empty changedPropIds) skips the count."""
        values = (
            _field("username", username) or "",
            _field("page", page),
            _field("case_id", case_id),
            detail_json(detail),
            _field("address", address),
        )
        key = hashlib.sha256(json.dumps(values).encode()).hexdigest()
        con = self._writer()
        try:
            con.execute("BEGIN IMMEDIATE")
            # The clock is read holding the lock: read before it, a request that waited would
            # write an earlier last_at than the one before it, which the append-only trigger
            # refuses (the read lost, the callback failed). max() holds if the clock steps back.
            now = _now()
            since = (datetime.now(UTC) - self.coalesce).isoformat(timespec="seconds")
            found = con.execute(
                "SELECT id FROM audit WHERE read_key = ? AND event = 'read' AND at >= ? "
                "ORDER BY id DESC LIMIT 1",
                (key, since),
            ).fetchone()
            if found:
                con.execute(
                    "UPDATE audit SET rows_read = rows_read + ?, reads = reads + 1, "
                    "last_at = max(last_at, ?) "
                    "WHERE id = ?",
                    (int(rows), now, found[0]),
                )
            else:
                con.execute(
                    "INSERT INTO audit (at, username, event, page, case_id, detail, address, "
                    "read_key, rows_read, reads, last_at) "
                    "VALUES (?, ?, 'read', ?, ?, ?, ?, ?, ?, 1, ?)",
                    (now, values[0], *values[1:], key, int(rows), now),
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def read(self, limit: int | None = 5000) -> pd.DataFrame:
        """The newest ``limit`` entries (every one when None), newest first."""
        con = self._connect()
        try:
            return pd.read_sql_query(
                "SELECT id, at, username, event, page, case_id, detail, address, rows_read, "
                "reads, last_at FROM audit ORDER BY id DESC LIMIT ?",
                con,
                params=(-1 if limit is None else limit,),
            )
        finally:
            con.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
