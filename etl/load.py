"""Load a SOURCE directory of extracts into the warehouse: read, validate, quarantine, merge.

The new warehouse is built beside the live one (``<db>.building``) from the live one plus the
extracts, checked, then swapped in with ``os.replace``. Any failure leaves the live file exactly
as it was; a dashboard holding the old file keeps reading the old inode.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from etl import assessment, history
from etl.contract import EXTRACTS, INVESTIGATIONS, Extract
from etl.reader import StagedFile, StructuralError, stage_file
from etl.redact import redact
from etl.settings import Settings
from etl.validate import Validated, define_macros, validate
from etl.warehouse import create_marts, create_schema, run_checks

Progress = Callable[[str], None]
T = TypeVar("T")


class LoadError(Exception):
    """The load was refused; the warehouse is unchanged."""


@dataclass
class FileResult:
    file: str
    encoding: str
    rows_read: int
    loaded: int
    inserted: int
    updated: int
    unchanged: int
    duplicates: int
    quarantined: int
    missing_optional: tuple[str, ...]


@dataclass
class LoadResult:
    load_id: int
    db_path: Path
    files: list[FileResult]


@contextlib.contextmanager
def exclusive_lock(lock_path: Path, refusal: Exception) -> Iterator[None]:
    """Hold an flock on ``lock_path``; if another process holds it, raise ``refusal`` at once
    (a second writer is refused rather than queued)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as fh:
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


def _merge(
    con: duckdb.DuckDBPyConnection, ex: Extract, v: Validated, load_id: int
) -> tuple[int, int, int]:
    """Upsert valid rows by id. Unchanged rows keep their old version (and load_id)."""
    key = ex.key
    same = " AND ".join(f"p.{c} IS NOT DISTINCT FROM v.{c}" for c in ex.names if c != key)
    # Only the key and what happened to it: a copy of every column (each long note) costs
    # as much as the comparison.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE diff_{ex.name} AS
        SELECT v.{key}, CASE WHEN p.{key} IS NULL THEN 'inserted'
                             WHEN {same} THEN 'unchanged' ELSE 'updated' END AS _change
        FROM {v.valid_table} AS v LEFT JOIN prev.{ex.name} AS p USING ({key})
        """
    )
    cols = ", ".join(ex.stored_names)
    changed = f"(SELECT {key} FROM diff_{ex.name} WHERE _change <> 'unchanged')"
    con.execute(
        f"""
        INSERT INTO {ex.name} BY NAME
        SELECT p.* FROM prev.{ex.name} AS p ANTI JOIN {changed} AS d USING ({key})
        """
    )
    con.execute(
        f"INSERT INTO {ex.name} ({cols}, load_id) SELECT {cols}, {load_id} "
        f"FROM {v.valid_table} SEMI JOIN {changed} AS d USING ({key})"
    )
    counts = dict(
        con.execute(f"SELECT _change, count(*) FROM diff_{ex.name} GROUP BY 1").fetchall()
    )
    con.execute(f"DROP TABLE diff_{ex.name}")
    return counts.get("inserted", 0), counts.get("updated", 0), counts.get("unchanged", 0)


def _merge_quarantine(con: duckdb.DuckDBPyConnection, load_id: int) -> None:
    """Keep each distinct bad record once; a record rejected again updates its latest load."""
    rejects = " UNION ALL ".join(f"SELECT * FROM rejects_{ex.name}" for ex in EXTRACTS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE rejects_all AS {rejects}")
    con.execute(
        """
        INSERT INTO quarantine BY NAME
        SELECT p.* REPLACE (coalesce(r.load_id, p.load_id) AS load_id,
                            coalesce(r.line, p.line) AS line)
        FROM prev.quarantine AS p
        LEFT JOIN rejects_all AS r USING (source, raw_hash, reason)
        """
    )
    con.execute(
        """
        INSERT INTO quarantine BY NAME
        SELECT r.* EXCLUDE (load_id), r.load_id AS first_load_id, r.load_id
        FROM rejects_all AS r ANTI JOIN prev.quarantine AS p USING (source, raw_hash, reason)
        ORDER BY source, line
        """
    )
    _mark_resolved(con, load_id)


def _mark_resolved(con: duckdb.DuckDBPyConnection, load_id: int) -> None:
    """A quarantined record whose id a later load brought in valid (a review re-sent once its
    investigation arrived, a corrected timestamp) is kept, marked resolved by that load. A row
    rejected again in this load is open again."""
    con.execute(f"UPDATE quarantine SET resolved_load_id = NULL WHERE load_id = {load_id}")
    for ex in EXTRACTS:
        con.execute(
            f"""
            UPDATE quarantine SET resolved_load_id = {load_id}
            WHERE extract = '{ex.name}' AND resolved_load_id IS NULL AND load_id < {load_id}
              AND record_id IN (SELECT {ex.key} FROM {ex.name} WHERE load_id = {load_id})
            """
        )


@dataclass
class Prepared:
    """Extracts ready for the one loading path: a folder of contract CSVs, however they came.

    ``labels`` name each extract's origin in the quarantine and load log (a file, a sheet, a
    database table); ``record_lines`` makes ``line`` the record's position (+1 for a header)
    where the CSV was written by us from another format; ``after_merge`` writes into the new
    warehouse before it is checked and swapped in (e.g. an incremental pull's watermark).
    """

    folder: Path
    description: str
    labels: dict[str, str]
    record_lines: bool = False
    after_merge: Callable[[duckdb.DuckDBPyConnection], None] | None = None


def prepared_folder(folder: Path) -> Prepared:
    folder = Path(folder)
    if not folder.is_dir():
        raise LoadError(f"{folder}: not a directory of extracts (expected {_file_list()})")
    return Prepared(folder, str(folder.resolve()), {ex.name: ex.file for ex in EXTRACTS})


def leftovers(db_path: Path) -> tuple[Path, ...]:
    """The files a load builds beside ``db_path``: the new warehouse and DuckDB's WAL for it."""
    building = db_path.with_name(db_path.name + ".building")
    return building, building.with_name(building.name + ".wal")


def _no_space(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return isinstance(exc, duckdb.Error) and "No space left on device" in str(exc)


def swap_in(db_path: Path, build: Callable[[duckdb.DuckDBPyConnection, Path], T]) -> T:
    """Build a new warehouse beside ``db_path`` with ``build(con, workdir)`` and swap it in.
    Any failure removes the half-built file and its WAL; the live one is never touched. A full
    disk is a LoadError saying so (exit 2), not a DuckDB traceback."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    building = leftovers(db_path)[0]
    with warehouse_lock(db_path), tempfile.TemporaryDirectory(prefix="etl-") as work:
        # A load killed part-way (kill -9, power) leaves these behind, holding disk space; a
        # stale WAL must never be replayed into this load's file. The lock says no load runs.
        for path in leftovers(db_path):
            path.unlink(missing_ok=True)
        con = None
        try:
            con = duckdb.connect(str(building))
            building.chmod(0o600)  # case data: readable by its owner only, like the other files
            con.execute(f"SET temp_directory = '{Path(work) / 'spill'}'")
            result = build(con, Path(work))
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


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    """The id of the load being built: one more than the previous warehouse's last."""
    return con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM prev.load_log").fetchall()[0][0]


def carry_over(con: duckdb.DuckDBPyConnection) -> None:
    """Copy every table of the previous warehouse that this build did not make itself (the
    published crime data, watermarks, ...), so no load drops another loader's tables."""
    made = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()}  # fmt: skip
    for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'prev'"
    ).fetchall():
        if name not in made:
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM prev."{name}"')


def load(
    source: Path | Prepared,
    db_path: Path,
    settings: Settings,
    progress: Progress | None = None,
    extracted_on: date | None = None,
) -> LoadResult:
    """Load the three extracts in ``source`` into ``db_path``; raise LoadError if refused.
    ``extracted_on``: the last day the extracts cover, when known (see etl/history.py)."""
    say = progress or (lambda _msg: None)
    prepared = source if isinstance(source, Prepared) else prepared_folder(source)
    db_path = Path(db_path)
    result = swap_in(
        db_path,
        lambda con, work: _build(con, prepared, db_path, settings, work, say, extracted_on),
    )
    say("swapped in the new warehouse")
    return result


def _file_list() -> str:
    return ", ".join(ex.file for ex in EXTRACTS)


def _build(
    con: duckdb.DuckDBPyConnection,
    source: Prepared,
    db_path: Path,
    settings: Settings,
    work: Path,
    say: Progress,
    extracted_on: date | None = None,
) -> LoadResult:
    started = datetime.now()
    define_macros(con, settings)
    # Structural problems surface here, before anything else is done.
    staged: list[StagedFile] = []
    for ex in EXTRACTS:
        say(f"reading {source.labels[ex.name]}")
        st = stage_file(
            con, ex, source.folder / ex.file, work, source.labels[ex.name],
            max_field_bytes=settings.max_field_bytes,
        )  # fmt: skip
        if source.record_lines:
            st.newlines_before = None
        staged.append(st)

    attach_previous(con, db_path)
    create_schema(con)
    load_id = next_load_id(con)

    files: list[FileResult] = []
    validated: list[Validated] = []
    for st in staged:
        ex = st.extract
        say(f"validating {st.label}")
        v = validate(con, st, settings, load_id)
        validated.append(v)
        say(f"merging {st.label}")
        inserted, updated, unchanged = _merge(con, ex, v, load_id)
        history.fill_missing_instants(con, ex.name, ex.name, ex.timestamp_columns, settings)
        if ex is INVESTIGATIONS:
            _after_investigations(con)
        files.append(
            FileResult(
                file=st.label,
                encoding=st.encoding,
                rows_read=v.rows_read,
                loaded=v.valid,
                inserted=inserted,
                updated=updated,
                unchanged=unchanged,
                duplicates=v.duplicates,
                quarantined=v.quarantined,
                missing_optional=st.missing_optional,
            )
        )
    say("recording quarantine and load log")
    _merge_quarantine(con, load_id)
    con.execute("INSERT INTO load_log BY NAME SELECT * FROM prev.load_log")
    day = history.extract_day(con, extracted_on)
    for v in validated:
        v.drop(con)
    history.record_versions(con, load_id, day, settings)
    moved = history.quarantine_reviews_before_moved_openings(con, load_id)
    if moved:
        say(f"{moved} earlier review(s) quarantined: their case's opening moved after them")
    finished = datetime.now()
    for f in files:
        con.execute(
            "INSERT INTO load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id, started, finished, redact(source.description), f.file, f.encoding,
                f.rows_read, f.loaded, f.inserted, f.updated, f.unchanged, f.duplicates,
                f.quarantined, ",".join(f.missing_optional), day,
            ],
        )  # fmt: skip
    if source.after_merge:
        source.after_merge(con)
    carry_over(con)
    create_marts(con)
    say("assessing every entry against the reviewing-officer checklist")
    assessment.assess(con, settings)
    con.execute("DETACH prev")
    say("checking the new warehouse")
    failing = run_checks(con)
    if failing:
        raise RuntimeError(f"warehouse checks failed, nothing was changed: {failing}")
    return LoadResult(load_id=load_id, db_path=db_path, files=files)


def _after_investigations(con: duckdb.DuckDBPyConnection) -> None:
    """What the review checks look up: the merged cases, and every case row ever quarantined."""
    con.execute("CREATE OR REPLACE TEMP VIEW merged_investigations AS SELECT * FROM investigations")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE all_case_rejects AS
        SELECT record_id, source, line, reason, load_id FROM prev.quarantine
        WHERE extract = '{INVESTIGATIONS.name}' AND record_id IS NOT NULL
        UNION ALL
        SELECT record_id, source, line, reason, load_id FROM rejects_investigations
        WHERE record_id IS NOT NULL
        """
    )
