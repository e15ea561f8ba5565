"""The access audit log: append-only, in its own SQLite file (the warehouse is replaced on every
load, so it cannot hold the log). Triggers refuse UPDATE and DELETE, and the app offers no way to
change a row: it can only ``record`` and ``read``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,            -- UTC, ISO 8601
  username TEXT NOT NULL,
  event TEXT NOT NULL,         -- view, case_view, export, pack, sign_in, sign_in_failed, ...
  page TEXT,
  case_id TEXT,
  detail TEXT,                 -- JSON: filters, export format, row count
  address TEXT
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(SCHEMA)
        self.path.chmod(0o600)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10)
        con.execute("PRAGMA journal_mode=WAL")
        return con

    def record(
        self,
        username: str,
        event: str,
        page: str | None = None,
        case_id: str | None = None,
        detail: dict | None = None,
        address: str | None = None,
    ) -> None:
        with self._connect() as con:
            con.execute(
                "INSERT INTO audit (at, username, event, page, case_id, detail, address) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    username,
                    event,
                    page,
                    case_id,
                    json.dumps(detail, default=str, sort_keys=True) if detail else None,
                    address,
                ),
            )
        # sqlite3's context manager commits but does not close.
        con.close()

    def read(self, limit: int = 5000) -> pd.DataFrame:
        con = self._connect()
        try:
            return pd.read_sql_query(
                "SELECT id, at, username, event, page, case_id, detail, address FROM audit "
                "ORDER BY id DESC LIMIT ?",
                con,
                params=(limit,),
            )
        finally:
            con.close()

    def failures_since(self, username: str, address: str | None, minutes: int) -> int:
        since = (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")
        con = self._connect()
        try:
            return con.execute(
                "SELECT count(*) FROM audit WHERE event = 'sign_in_failed' AND username = ? "
                "AND coalesce(address, '') = coalesce(?, '') AND at >= ?",
                (username, address, since),
            ).fetchone()[0]
        finally:
            con.close()
