"""The warehouse-build toolkit every loader uses (extracts: etl/load.py; published crime:
etl/police_uk.py): one writer at a time, the previous warehouse attached read-only, a new one
built beside the live one and swapped in atomically, the next load id, and the other loaders'
tables carried over.

A build never touches the live file: any failure removes the half-built file and its WAL, and
a dashboard holding the old file keeps reading the old inode.

The new file starts empty, or, when the loader names tables it can change where they are, as a
copy of the live file holding those tables (the rest dropped, to be made again): copying every
table through DuckDB was about 17 s of a ten-year warehouse's daily load, copying the file
2-4 s (docs/benchmarks.md, session 19).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import duckdb

from etl.reader import StructuralError
from etl.warehouse import create_schema, has_table

T = TypeVar("T")
Connection = duckdb.DuckDBPyConnection
# A build: fills the new warehouse (its connection, a work directory, the tables it starts with).
Build = Callable[[Connection, Path, frozenset[str]], T]
# Which of the live warehouse's tables, copied, a build can change where they are.
Keep = Callable[[Connection], frozenset[str]]
# The memory DuckDB may use for one build (buffers, hash tables, sorts); Python's own is extra.
BUILD_MEMORY_LIMIT = "3GB"


class LoadError(Exception):
    """The load was refused; the warehouse is unchanged."""


@contextlib.contextmanager
def exclusive_lock(lock_path: Path, refusal: Exception) -> Iterator[None]:
    """Hold an flock on ``lock_path``; if another process holds it, raise ``refusal`` at once
    (a second writer is refused rather than queued)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # Empty, but made like the other files: readable by its owner only (one left 0644 by older
    # code is mended here). An adversarial pass, session 19.
    fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise refusal from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def warehouse_lock(db_path: Path) -> contextlib.AbstractContextManager[None]:
    """One writer at a time per warehouse."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    return exclusive_lock(lock_path, LoadError(f"another load into {db_path} is running"))


def attach_previous(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    if db_path.exists():
        con.execute("ATTACH ? AS prev (READ_ONLY)", [str(db_path)])
    else:
        con.execute("ATTACH ':memory:' AS prev")
        create_schema(con, "prev")


def leftovers(db_path: Path) -> tuple[Path, ...]:
    """The files a load builds beside ``db_path``: the new warehouse and DuckDB's WAL for it."""
    building = db_path.with_name(db_path.name + ".building")
    return building, building.with_name(building.name + ".wal")


def _no_space(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return isinstance(exc, duckdb.Error) and "No space left on device" in str(exc)


def swap_in(db_path: Path, build: Build[T], keep: Keep | None = None) -> T:
    """Build a new warehouse beside ``db_path`` with ``build(con, workdir, kept)`` and swap it
    in. ``keep``: given a copy of the live warehouse, the tables the build can change in place;
    the new file then starts as that copy with only those tables (``kept``), else empty. Any
    failure removes the half-built file and its WAL; the live one is never touched. A full
    disk is a LoadError saying so (exit 2), not a DuckDB traceback."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    building = leftovers(db_path)[0]
    with (
        warehouse_lock(db_path),
        tempfile.TemporaryDirectory(prefix="etl-") as work,
        _owner_only_files(),
    ):
        # A load killed part-way (kill -9, power) leaves these behind, holding disk space; a
        # stale WAL must never be replayed into this load's file. The lock says no load runs.
        for path in leftovers(db_path):
            path.unlink(missing_ok=True)
        _refuse_a_live_wal(db_path)
        con = None
        try:
            copied = keep is not None and _can_start_from(db_path)
            if copied:
                shutil.copyfile(db_path, building)
            con = duckdb.connect(str(building))
            kept = frozenset()
            if copied and keep is not None:
                if _only_tables_and_views(con):
                    kept = _keep_only(con, keep(con))
                else:  # made by something else than our loaders: start empty, as before
                    con.close()
                    building.unlink()
                    con = duckdb.connect(str(building))
            building.chmod(0o600)  # case data: readable by its owner only, like the other files
            con.execute(f"SET temp_directory = '{Path(work) / 'spill'}'")
            # DuckDB's default is 80% of the machine: a build would take what it finds and keep
            # it. With a cap it spills to the work directory instead (issue 16: < 4 GB).
            con.execute(f"SET memory_limit = '{BUILD_MEMORY_LIMIT}'")
            # One checkpoint, at the end: an automatic one part-way writes tables the build
            # then changes again (the moved reviews, the versions' days), about 0.5 CPU-s of
            # a year's load for nothing. The WAL holds little: bulk inserts go to the file.
            con.execute("SET checkpoint_threshold = '1TB'")
            if not kept:
                # A parallel insert leaves a part-filled row group per thread; the checkpoint's
                # vacuum would merge them by rewriting the table on one core (0.2 s of a year's
                # load for one row group fewer). In a new file no deleted rows pile up without
                # it; in a kept table they would, load after load.
                con.execute("SET max_vacuum_tasks = 0")
            result = build(con, Path(work), kept)
            con.execute("CHECKPOINT")
            con.close()
        except BaseException as exc:
            if con is not None:
                with contextlib.suppress(Exception):  # after a fatal error close may fail too
                    con.close()
            for path in leftovers(db_path):
                path.unlink(missing_ok=True)
            if isinstance(exc, StructuralError):
                raise LoadError(str(exc)) from exc
            if _no_space(exc):
                raise LoadError(
                    f"no space left on the device while building the new warehouse beside "
                    f"{db_path} (work files in {tempfile.gettempdir()}); the half-built files "
                    f"were removed and the live warehouse is unchanged: free some space and load "
                    f"again"
                ) from exc
            raise
        os.replace(building, db_path)
    return result


def _live_wal(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".wal")


def _refuse_a_live_wal(db_path: Path) -> None:
    """A load never leaves a WAL beside the live file (it checkpoints before its swap), nor
    does the dashboard (read-only); one holding changes means something else wrote to the
    warehouse. Built on, those changes would be lost, and swapped in beside the new file, the
    old WAL made it unopenable: DuckDB replays it and refuses (an adversarial pass, session 19).
    Refused, with the warehouse left as it is."""
    wal = _live_wal(db_path)
    if wal.is_file() and wal.stat().st_size > 0:
        raise LoadError(
            f"{wal} holds changes not yet written into {db_path}: something other than a load "
            f"wrote to the warehouse. Nothing was loaded. Write them in (open it read-write "
            f"once, e.g. `python -c \"import duckdb; duckdb.connect('{db_path}').close()\"`) or "
            f"remove the WAL to drop them, then load again"
        )


def _can_start_from(db_path: Path) -> bool:
    """Whether there is a live file to copy. It is whole on its own: a WAL beside it holding
    changes a copy would miss was refused before (_refuse_a_live_wal)."""
    return db_path.is_file()


def _only_tables_and_views(con: Connection) -> bool:
    """Whether the copied warehouse's catalog holds only tables and views in ``main``, all our
    loaders make. Anything else (a macro, a sequence, another schema) would be kept by a copy
    and not by a build in an empty file."""
    others = con.execute(
        """
        SELECT (SELECT count(*) FROM duckdb_functions() WHERE NOT internal
                  AND database_name = current_database())
             + (SELECT count(*) FROM duckdb_sequences() WHERE database_name = current_database())
             + (SELECT count(*) FROM duckdb_types() WHERE NOT internal
                  AND database_name = current_database())
             + (SELECT count(*) FROM duckdb_indexes() WHERE database_name = current_database())
             + (SELECT count(*) FROM duckdb_schemas() WHERE NOT internal
                  AND database_name = current_database() AND schema_name <> 'main')
        """
    ).fetchall()[0][0]
    return others == 0


def _keep_only(con: Connection, tables: frozenset[str]) -> frozenset[str]:
    """Drop from the copied warehouse every view and every table but ``tables``: the build makes
    them again as it would in an empty file."""
    for (view,) in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal "
        "AND database_name = current_database()"
    ).fetchall():
        con.execute(f'DROP VIEW "{view}"')
    for (table,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall():
        if table not in tables:
            con.execute(f'DROP TABLE "{table}"')
    return tables


@contextlib.contextmanager
def _owner_only_files() -> Iterator[None]:
    """Files made while building are readable by their owner only. DuckDB makes the new
    file's WAL (case data, tens of MB at force scale, left behind by a killed load) with the
    process's umask: 0644 under the usual 0022 (an adversarial pass, session 17)."""
    before = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(before)


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    """The id of the load being built: one more than the previous warehouse's last."""
    return con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM prev.load_log").fetchall()[0][0]


def carry_over(con: duckdb.DuckDBPyConnection) -> None:
    """Copy every table of the previous warehouse that this build did not make itself (the
    published crime data, watermarks, ...), so no load drops another loader's tables."""
    for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'prev'"
    ).fetchall():
        if not has_table(con, name):
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM prev."{name}"')
