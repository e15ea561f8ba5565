"""Open the application database, run its migrations, and give out transactions."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaNotCurrent(RuntimeError):
    """The database is not at the migrations' head: run ``python -m dashboard db upgrade``."""


def _alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's ini interpolation treats % specially; a URL may hold %-escapes.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _prepare_file(url: str) -> None:
    """An SQLite file is created private (0600), like every other data file of the product."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Only when it is not there: opening and closing a file SQLite has open in this process
        # would drop SQLite's POSIX locks on it ("disk I/O error" for the other connections).
        if not path.exists():
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    _prepare_file(url)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_con, _record) -> None:  # pragma: no cover - wiring
            cur = dbapi_con.cursor()
            # Foreign keys are off by default in SQLite; WAL lets readers and a writer coexist
            # across gunicorn workers; busy_timeout waits for a writer instead of failing.
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

    return engine


def upgrade(url: str, revision: str = "head") -> None:
    _prepare_file(url)
    command.upgrade(_alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(_alembic_config(url), revision)


def _migrations() -> ScriptDirectory:
    """This code's migrations (no database is opened)."""
    return ScriptDirectory.from_config(_alembic_config("sqlite://"))


def head_revision() -> str | None:
    return _migrations().get_current_head()


def _known_revision(revision: str) -> bool:
    """Whether this code's migrations include ``revision``."""
    from alembic.util import CommandError

    try:
        return _migrations().get_revision(revision) is not None
    except CommandError:
        return False


class AppDB:
    """One engine per process; ``with db.transaction() as s:`` commits or rolls back as one."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def current_revision(self) -> str | None:
        with self.engine.connect() as con:
            return MigrationContext.configure(con).get_current_revision()

    def check_current(self) -> None:
        current, head = self.current_revision(), head_revision()
        if current == head:
            return
        if current is not None and not _known_revision(current):
            # Code rolled back after a newer release migrated the database: "db upgrade" here
            # cannot find that revision (an adversarial pass, session 17).
            raise SchemaNotCurrent(
                f"the application database is at {current}, a revision this code does not "
                f"know (it expects {head}): the database was migrated by a newer release; run "
                f"that release, or its python -m dashboard db downgrade {head}"
            )
        raise SchemaNotCurrent(
            f"the application database is at {current or 'no revision'}, the code expects "
            f"{head}: run python -m dashboard db upgrade"
        )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
