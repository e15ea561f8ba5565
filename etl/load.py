"""Load a SOURCE directory of extracts into the warehouse: read, validate, quarantine, merge.

The new warehouse is built beside the live one (``<db>.building``) from the live one plus the
extracts, checked, then swapped in with ``os.replace``. Any failure leaves the live file exactly
as it was; a dashboard holding the old file keeps reading the old inode.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from etl import (
    assessment,
    check_days,
    child_cases_now,
    custody_days,
    daily,
    history,
    last_entries,
    readings,
)

# The warehouse-build toolkit (lock, previous warehouse, swap-in, load ids, carry-over) lives
# in etl/build.py; its names stay importable from here for the loaders and tests that use them.
from etl.build import (  # noqa: F401
    LoadError,
    _no_space,
    attach_previous,
    carry_over,
    exclusive_lock,
    leftovers,
    next_load_id,
    swap_in,
    warehouse_lock,
)
from etl.contract import (
    ALL_EXTRACTS,
    EXTRACTS,
    INVESTIGATIONS,
    OPTIONAL_EXTRACTS,
    SUPERVISION,
    Extract,
)
from etl.reader import StagedFile, stage_file
from etl.redact import redact
from etl.settings import Settings
from etl.validate import Checked, Validated, check_columns, define_macros, load_cutoff, validate
from etl.warehouse import (
    VERSIONS_TABLE,
    create_marts,
    create_schema,
    defined_as_now,
    few_dead_rows,
    prev_has_table,
    run_checks,
)

Progress = Callable[[str], None]

# The tables a load on top changes where they are, when the previous warehouse defines them as
# this code does (etl/build.py): the large ones, which copying cost most of a ten-year
# warehouse's daily load. Every other table is made again, as in an empty file.
IN_PLACE = frozenset(
    {ex.name for ex in ALL_EXTRACTS}
    | {VERSIONS_TABLE, "quarantine", "load_log", assessment.TABLE, readings.TABLE}
)


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


def _merge(
    con: duckdb.DuckDBPyConnection, ex: Extract, v: Validated, load_id: int, in_place: bool
) -> tuple[int, int, int]:
    """Upsert valid rows by id. Unchanged rows keep their old version (and load_id).
    ``in_place``: the table already holds the previous warehouse's rows (etl/build.py)."""
    key = ex.key
    cols = ", ".join(ex.stored_names)
    if (
        not prev_has_table(con, ex.name)
        or not con.execute(f"SELECT 1 FROM prev.{ex.name} LIMIT 1").fetchall()
    ):
        # The first load: every valid row is new, and nothing need be compared or joined.
        # Not sorted by record: the row groups each thread leaves part-filled stay as they
        # are (etl/build.py), and sorting the long notes costs more than they do.
        con.execute(
            f"INSERT INTO {ex.name} ({cols}, load_id) SELECT {cols}, {load_id} FROM {v.valid_table}"
        )
        return v.valid, 0, 0
    # A column a warehouse made by older code lacks (an optional one added since) was empty.
    old = {c: f"p.{c}" if prev_has_table(con, ex.name, c) else "NULL" for c in ex.names}
    same = " AND ".join(f"{old[c]} IS NOT DISTINCT FROM v.{c}" for c in ex.names if c != key)
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
    changed = f"(SELECT {key} FROM diff_{ex.name} WHERE _change <> 'unchanged')"
    if in_place:
        con.execute(f"DELETE FROM {ex.name} WHERE {key} IN {changed}")
    else:
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


def _keep_absent(con: duckdb.DuckDBPyConnection, ex: Extract, kept: frozenset[str]) -> None:
    """An optional extract this source did not bring: what earlier loads brought stays."""
    if ex.name not in kept and prev_has_table(con, ex.name):
        con.execute(f"INSERT INTO {ex.name} BY NAME SELECT * FROM prev.{ex.name}")


def _merge_quarantine(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    reject_tables: list[str],
    extracts: tuple[Extract, ...] = EXTRACTS,
    in_place: bool = False,
) -> None:
    """Keep each distinct bad record once; a record rejected again updates its latest load.
    ``reject_tables``: this load's rejected rows, a table per extract read (a record once
    each: validate.py folds exact duplicates). ``in_place``: the table holds the previous
    warehouse's rows (etl/build.py)."""
    rejects = " UNION ALL ".join(f"SELECT * FROM {t}" for t in reject_tables)
    con.execute(f"CREATE OR REPLACE TEMP TABLE rejects_all AS {rejects}")
    if in_place:
        con.execute(
            """
            UPDATE quarantine AS p SET load_id = r.load_id, line = coalesce(r.line, p.line)
            FROM rejects_all AS r
            WHERE (p.source, p.raw_hash, p.reason) = (r.source, r.raw_hash, r.reason)
            """
        )
    else:
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
    _mark_resolved(con, load_id, extracts)


def _mark_resolved(
    con: duckdb.DuckDBPyConnection, load_id: int, extracts: tuple[Extract, ...] = EXTRACTS
) -> None:
    """A quarantined record whose id a later load brought in valid (a review re-sent once its
    investigation arrived, a corrected timestamp) is kept, marked resolved by that load. A row
    rejected again in this load is open again."""
    # Only the rows that change: an updated row is written out again with its table.
    con.execute(
        "UPDATE quarantine SET resolved_load_id = NULL "
        f"WHERE load_id = {load_id} AND resolved_load_id IS NOT NULL"
    )
    for ex in extracts:
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
    return Prepared(folder, str(folder.resolve()), {ex.name: ex.file for ex in ALL_EXTRACTS})


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
    _refuse_an_extract_day_out_of_range(extracted_on, settings)
    prepared = source if isinstance(source, Prepared) else prepared_folder(source)
    db_path = Path(db_path)
    result = swap_in(
        db_path,
        lambda con, work, kept: _build(
            con, prepared, db_path, settings, work, kept, say, extracted_on
        ),
        keep=lambda con: few_dead_rows(con, defined_as_now(con, IN_PLACE)),
    )
    say("swapped in the new warehouse")
    return result


def _refuse_an_extract_day_out_of_range(extracted_on: date | None, settings: Settings) -> None:
    """An extract cannot cover a day still to come, nor one before the years a timestamp may
    name (``min_timestamp_year``). The extract day is every page's default day and only moves
    forward (etl/history.py): one typed as 2028 would stay for good; 0001-01-01 on a first
    load made every page's default day year 1 (the PVP page failed on the month before it)."""
    if extracted_on is None:
        return
    if extracted_on.year < settings.min_timestamp_year:
        raise LoadError(
            f"--extracted-on {extracted_on.isoformat()} is before {settings.min_timestamp_year} "
            f"(min_timestamp_year): no extract covers it"
        )
    latest = load_cutoff(settings).astimezone(ZoneInfo(settings.timezone)).date()
    if extracted_on > latest:
        raise LoadError(
            f"--extracted-on {extracted_on.isoformat()} is after today "
            f"({latest.isoformat()} in {settings.timezone}, allowing "
            f"future_tolerance_hours = {settings.future_tolerance_hours}): an extract cannot "
            f"cover days still to come"
        )


def _file_list() -> str:
    return ", ".join(ex.file for ex in EXTRACTS)


def _build(
    con: duckdb.DuckDBPyConnection,
    source: Prepared,
    db_path: Path,
    settings: Settings,
    work: Path,
    kept: frozenset[str],
    say: Progress,
    extracted_on: date | None = None,
) -> LoadResult:
    """Fill the new warehouse; ``kept``: the tables it already holds as the previous one had
    them, which each step changes where they are."""
    started = datetime.now()
    if kept:
        say(f"changing {len(kept)} table(s) of the previous warehouse in place")
    # The optional extracts (custody, missing) are read when the source holds them.
    brought = tuple(ex for ex in OPTIONAL_EXTRACTS if (source.folder / ex.file).is_file())
    order = EXTRACTS + brought
    # Two lanes, each a cursor of this connection, share the machine: the entries file is
    # most of the work, the other files the rest. A TEMP table belongs to its cursor, so a
    # file stays on the lane that read it; what the other lane needs goes through `work`.
    con.execute("ATTACH ':memory:' AS work")
    lanes = (
        _Lane(con, tuple(ex for ex in order if ex is not SUPERVISION)),
        _Lane(con.cursor(), (SUPERVISION,), own_cursor=True),
    )
    try:
        cutoff = load_cutoff(settings)
        for lane in lanes:
            define_macros(lane.con, settings, cutoff)
        # Structural problems surface here, before anything else is done; of several, the
        # first file's (in the contract's order), as if read one after another.
        _together(lanes, [partial(_read, lane, source, work, settings, say) for lane in lanes])
        attach_previous(con, db_path)
        create_schema(con)
        load_id = next_load_id(con)
        cases_merged = threading.Event()

        def others() -> None:
            try:
                _check_and_merge(lanes[0], INVESTIGATIONS, settings, load_id, kept, say)
                _after_investigations(con)
            finally:
                cases_merged.set()  # also on failure: the other lane must not wait for ever
            for ex in lanes[0].extracts:
                if ex is not INVESTIGATIONS:
                    _check_and_merge(lanes[0], ex, settings, load_id, kept, say)

        def entries() -> None:
            # Each entry's own columns are checked while the other lane merges the cases;
            # the checks that look up an entry's case wait for them.
            lane = lanes[1]
            lane.at = ALL_EXTRACTS.index(SUPERVISION)
            staged = lane.staged[SUPERVISION.name]
            say(f"validating {staged.label}")
            checked = check_columns(lane.con, staged, settings)
            cases_merged.wait()
            if INVESTIGATIONS.name in lanes[0].results:  # else the other lane's error is raised
                _case_lookups(lane.con)
                _check_and_merge(lane, SUPERVISION, settings, load_id, kept, say, checked)

        _together(lanes, [others, entries])
        results = {name: r for lane in lanes for name, r in lane.results.items()}
        merged = [results[ex.name] for ex in order]
        for ex in OPTIONAL_EXTRACTS:
            if ex not in brought:
                _keep_absent(con, ex, kept)
        say("recording quarantine, versions and load log")
        day = history.extract_day(con, extracted_on, [r.newest for r in merged])

        def quarantine() -> None:
            rejects = [r.rejects for r in merged]
            _merge_quarantine(con, load_id, rejects, order, in_place="quarantine" in kept)
            if "load_log" not in kept:
                con.execute("INSERT INTO load_log BY NAME SELECT * FROM prev.load_log")

        versions = partial(
            history.record_versions, lanes[1].con, load_id, day, settings,
            in_place=VERSIONS_TABLE in kept,
        )  # fmt: skip
        _together(lanes, [quarantine, versions])
    except BaseException:
        with contextlib.suppress(Exception):  # the load fails with its own error, not this
            lanes[1].con.close()
        raise
    for lane in lanes:
        lane.close()
    con.execute("DETACH work")
    moved = history.quarantine_reviews_before_moved_openings(
        con, load_id, only_changed_cases=SUPERVISION.name in kept
    )
    if moved:
        say(f"{moved} earlier review(s) quarantined: their case's opening moved after them")
    restored = history.restore_reviews_after_moved_openings(
        con, load_id, settings, only_changed_cases=SUPERVISION.name in kept
    )
    if restored:
        say(f"{restored} review(s) back from the quarantine: their case's opening moved back")
    finished = datetime.now()
    files = [r.file for r in merged]
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
    history.record_entry_arrivals(con)
    daily.create_tables(con)
    last_entries.create_tables(con)
    child_cases_now.create_tables(con)
    custody_days.create_tables(con, settings)
    carry_over(con)
    create_marts(con)
    assessment.assess(con, settings, load_id, say, in_place=assessment.TABLE in kept)
    readings.build(con, settings, load_id, say, in_place=readings.TABLE in kept)
    daily.build(con, settings, load_id, say)
    failing: dict[str, int] = {}

    def check(cur: duckdb.DuckDBPyConnection) -> None:
        say("checking the new warehouse")
        failing.update(run_checks(cur))

    # The last steps read the flags and what came before, each writes its own table, and the
    # checks read none of those tables: they run side by side. The last entries' runs go on
    # the load's own connection (the previous warehouse, the changed cases).
    _side_by_side(
        con,
        lambda own: last_entries.build(own, settings, load_id, say),
        lambda cur: check_days.build(cur, settings, say),
        lambda cur: child_cases_now.build(cur, settings, say),
        lambda cur: custody_days.build(cur, settings, say),
        check,
    )
    con.execute("DETACH prev")
    if failing:
        raise RuntimeError(f"warehouse checks failed, nothing was changed: {failing}")
    return LoadResult(load_id=load_id, db_path=db_path, files=files)


@dataclass
class _Merged:
    """One extract checked and merged: its load-log line, where its rejected rows are (readable
    from every lane) and its newest day (history.extract_day). Its work tables are freed by
    then (_check_and_merge)."""

    file: FileResult
    rejects: str
    newest: date | None


@dataclass
class _Lane:
    """A cursor of the build's connection and the extracts it reads, checks and merges."""

    con: duckdb.DuckDBPyConnection
    extracts: tuple[Extract, ...]
    own_cursor: bool = False  # False: the load's own connection
    staged: dict[str, StagedFile] = field(default_factory=dict)
    results: dict[str, _Merged] = field(default_factory=dict)
    at: int = 0  # the position (in the load's order) of the extract being worked on

    def close(self) -> None:
        """Close the lane's cursor when it has one of its own (each extract's work tables are
        freed as it is merged)."""
        if self.own_cursor:
            self.con.close()


def _together(lanes: tuple[_Lane, ...], jobs: list[Callable[[], None]]) -> None:
    """Run each lane's job on a thread of its own and wait for all. A failure is raised once
    every job has stopped: of several, the one met at the earliest extract, as a load reading
    the files one after another would have met it."""
    errors = _at_once(jobs)
    failed = [(lanes[i].at, i) for i, e in enumerate(errors) if e is not None]
    if failed:
        raise errors[min(failed)[1]]  # type: ignore[misc]


def _side_by_side(
    con: duckdb.DuckDBPyConnection, *steps: Callable[[duckdb.DuckDBPyConnection], None]
) -> None:
    """Run steps that each keep about one core busy (each writes its own tables, or none) at
    once, the first on ``con`` (which holds the build's work tables), each other on a cursor of
    its own, and wait for all; the first step's failure of several is raised once every step
    has stopped. One after the other at force, the last entries' runs, the checks' runs, the
    cases as now known and the warehouse checks took 0.15, 0.10, 0.12 and 0.12 s, mostly on one
    core each."""
    cursors = [con.cursor() for _ in steps[1:]]
    try:
        errors = _at_once(
            [partial(step, on) for step, on in zip(steps, [con, *cursors], strict=True)]
        )
    finally:
        for cur in cursors:
            cur.close()
    failed = [e for e in errors if e is not None]
    if failed:
        raise failed[0]


def _at_once(jobs: list[Callable[[], None]]) -> list[BaseException | None]:
    """Run each job on a thread of its own (the first on the caller's; DuckDB works outside
    Python's lock), wait for all, and give each job's failure (None: it ran through), for the
    caller to raise from its own thread."""
    errors: list[BaseException | None] = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            jobs[i]()
        except BaseException as exc:  # raised by the caller
            errors[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(1, len(jobs))]
    for t in threads:
        t.start()
    run(0)
    for t in threads:
        t.join()
    return errors


def _read(lane: _Lane, source: Prepared, work: Path, settings: Settings, say: Progress) -> None:
    for ex in lane.extracts:
        lane.at = ALL_EXTRACTS.index(ex)
        label = source.labels.get(ex.name, ex.file)
        say(f"reading {label}")
        st = stage_file(
            lane.con, ex, source.folder / ex.file, work, label,
            max_field_bytes=settings.max_field_bytes,
        )  # fmt: skip
        if source.record_lines:
            st.newlines_before = None
        lane.staged[ex.name] = st


def _check_and_merge(
    lane: _Lane,
    ex: Extract,
    settings: Settings,
    load_id: int,
    kept: frozenset[str],
    say: Progress,
    checked: Checked | None = None,
) -> None:
    """Validate (the rest of it, when ``checked``) and merge one extract on its lane."""
    lane.at = ALL_EXTRACTS.index(ex)
    con, st = lane.con, lane.staged[ex.name]
    if checked is None:
        say(f"validating {st.label}")
    v = validate(con, st, settings, load_id, checked)
    # The staged text is not read again (the rejected rows have theirs): freed before the
    # merge, not at the end of the build. A decade's text held on made the build spill to disk.
    st.drop(con)
    newest = history.newest_day(con, ex, v.valid_table)
    say(f"merging {st.label}")
    inserted, updated, unchanged = _merge(con, ex, v, load_id, in_place=ex.name in kept)
    history.fill_missing_instants(con, ex.name, ex.name, ex.timestamp_columns, settings)
    rejects = v.reject_table
    if lane.own_cursor:  # the quarantine is written from the load's own connection
        rejects = f"work.{v.reject_table}"
        con.execute(f"CREATE TABLE {rejects} AS SELECT * FROM {v.reject_table}")
    v.drop(con)  # nor are the checked rows
    lane.results[ex.name] = _Merged(
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
        ),
        rejects,
        newest,
    )


def _after_investigations(con: duckdb.DuckDBPyConnection) -> None:
    """What the review checks look up, for any lane: every case row ever quarantined."""
    con.execute(
        f"""
        CREATE TABLE work.all_case_rejects AS
        SELECT record_id, source, line, reason, load_id FROM prev.quarantine
        WHERE extract = '{INVESTIGATIONS.name}' AND record_id IS NOT NULL
        UNION ALL
        SELECT record_id, source, line, reason, load_id FROM rejects_investigations
        WHERE record_id IS NOT NULL
        """
    )


def _case_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """The names the review checks read (etl/validate.py), in the lane that checks reviews:
    the merged cases, and every case row ever quarantined."""
    con.execute("CREATE OR REPLACE TEMP VIEW merged_investigations AS SELECT * FROM investigations")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW all_case_rejects AS SELECT * FROM work.all_case_rejects"
    )
