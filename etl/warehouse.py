"""The warehouse's tables and views, and how to open it.

Base tables hold the merged extracts; ``quarantine`` and ``load_log`` hold the load history.
Views under ``etl/sql/marts`` (one plain SELECT per file, file name = view name) hold the
business logic that does not depend on an as-of date; ``etl/sql/queries/flag_spans.sql``
holds the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from etl.contract import ALL_EXTRACTS, INVESTIGATIONS, Column
from etl.validate import SQL_TYPES

SQL_DIR = Path(__file__).parent / "sql"
MARTS_DIR = SQL_DIR / "marts"
CHECKS_DIR = Path(__file__).parent / "checks"

VERSIONS_TABLE = "investigation_versions"

QUARANTINE_DDL = """
CREATE TABLE {db}quarantine (
  source VARCHAR,        -- where the row came from: file name, sheet or table
  extract VARCHAR,       -- incidents, investigations or supervision
  line BIGINT,           -- line the record starts on (header = line 1)
  record_id VARCHAR,     -- the record's id, when it had one
  reason VARCHAR,        -- stable reason code (etl.contract.Reason)
  detail VARCHAR,        -- what was wrong, for a person
  raw VARCHAR,           -- the record's contract columns as JSON text
  raw_hash VARCHAR,      -- md5 of the whole raw record: the same bad row is kept once
  first_load_id INTEGER, -- the load that first rejected it
  load_id INTEGER,       -- the latest load that rejected it
  resolved_load_id INTEGER -- a later load that loaded a valid row with this id (NULL: open)
)
"""

LOAD_LOG_DDL = """
CREATE TABLE {db}load_log (
  load_id INTEGER, started_at TIMESTAMP, finished_at TIMESTAMP, source VARCHAR,
  file VARCHAR, encoding VARCHAR, rows_read BIGINT, loaded BIGINT, inserted BIGINT,
  updated BIGINT, unchanged BIGINT, duplicates BIGINT, quarantined BIGINT,
  missing_optional_columns VARCHAR,
  extract_day DATE       -- the last local day the load's extracts cover (etl/history.py)
)
"""


# Filled at load time by etl/assessment.py from etl/sql/entry_assessment.sql (see there).
ENTRY_ASSESSMENT_DDL = """
CREATE TABLE {db}entry_assessment (
  review_id VARCHAR, has_risk BOOLEAN, has_actions BOOLEAN, has_plan BOOLEAN,
  has_next_review BOOLEAN, has_child BOOLEAN, elements VARCHAR, n_elements INTEGER,
  n_applicable INTEGER, grade VARCHAR, days_since_previous INTEGER,
  note_key UBIGINT,      -- the folded note's hash (etl/sql/note_key.sql): its repeated-text group
  repeated BOOLEAN, repeated_cases INTEGER, restarts_clock BOOLEAN,
  -- The entry's local day, as supervision's reviewed_at gives it: a window of days (the
  -- quality measures) keeps its assessments before joining them to its entries, not after.
  reviewed_on DATE
);
CREATE TABLE {db}entry_assessment_build (
  rules VARCHAR          -- fingerprint of entry_assessment.sql and the settings it ran with
)
"""


# Entries on cases that changed area, and the area and day each arrived under
# (etl/history.py record_entry_arrivals; the rule: etl/sql/entry_known_under.sql).
ENTRY_ARRIVALS_DDL = """
CREATE TABLE {db}entry_arrivals (
  review_id VARCHAR,
  arrived_on DATE,       -- the extract day of the load that brought the entry as it is
  arrived_area VARCHAR   -- the case's area as known that day
)
"""


# Each entry paired with each version of its case that can read it (etl/readings.py, from
# etl/sql/entry_readings.sql), stored by reviewed_on: the quality measures' window of days.
ENTRY_READINGS_DDL = """
CREATE TABLE {db}entry_readings (
  reviewed_on DATE, version INTEGER, valid_from DATE, valid_to DATE,
  review_id VARCHAR {unique}, investigation_id VARCHAR {unique}, area VARCHAR {few},
  team VARCHAR {few}, team_type VARCHAR {few}, reviewer_id VARCHAR {few},
  reviewer_rank VARCHAR {few}, reviewed_at TIMESTAMP, reviewed_at_utc TIMESTAMP,
  grade VARCHAR {few}, has_risk BOOLEAN,
  has_actions BOOLEAN, has_plan BOOLEAN, has_next_review BOOLEAN, has_child BOOLEAN,
  n_applicable INTEGER, repeated BOOLEAN, days_since_previous INTEGER,
  before_open BOOLEAN,   -- the entry's instant before the version's opening (NULL: unknown)
  after_close BOOLEAN,   -- after the version's close (NULL: open or unknown)
  restarts_clock BOOLEAN
);
CREATE TABLE {db}entry_readings_build (
  rules VARCHAR          -- fingerprint of entry_readings.sql
)
"""


# How entry_readings stores its text, chosen rather than analysed: DuckDB tried every method on
# every column of its 600,000 rows at force, 0.13 s of a 0.7 s step (docs/benchmarks.md,
# session 18). Ids nearly all differ (no method gains); the rest repeat a few values.
UNIQUE_TEXT = "USING COMPRESSION uncompressed"
FEW_VALUES = "USING COMPRESSION dict_fsst"


# The checks of every day as runs (etl/check_days.py), made by each load from check_spans.sql.
CHECK_SPANS_DDL = """
CREATE TABLE {db}check_spans (
  investigation_id VARCHAR, version INTEGER, check_name VARCHAR, reasons VARCHAR, area VARCHAR,
  team VARCHAR, team_type VARCHAR, officer_id VARCHAR, opened_on DATE,
  days_from DATE,        -- days on a day D: D - days_from, or days_from - D when days_down
  days_down BOOLEAN,
  opened_at_utc TIMESTAMP, -- unallocated: its hours on D run from here to the end of D
  due_on DATE,
  first_day DATE,        -- the run's first and last as-of day (inclusive)
  last_day DATE
);
CREATE TABLE {db}check_spans_build (
  through DATE,          -- the last as-of day materialised (flag_spans_build's)
  rules VARCHAR          -- fingerprint of check_spans.sql and the settings it ran with
)
"""


def _stored(column: Column) -> str:
    """How a column is stored: free text without compression. DuckDB's analysis and FSST
    compression of a year's notes cost about 0.3 s of a 5.3 s load at force (no gain at ten
    years); notes are read whole only by the load's assessment and a case's log. The
    warehouse file grows by half (docs/benchmarks.md, session 13)."""
    return " USING COMPRESSION uncompressed" if column.free_text else ""


def base_table_ddl(database: str | None = None) -> list[str]:
    """CREATE TABLE statements for the base tables, in ``database`` (default: the current one)."""
    db = f'"{database}".' if database else ""
    statements = []
    # The optional extracts' tables always exist (empty until a load brings the file).
    for ex in ALL_EXTRACTS:
        cols = ", ".join(
            [f"{c.name} {SQL_TYPES[c.kind]}{_stored(c)}" for c in ex.columns]
            + [f"{name}_utc TIMESTAMP" for name in ex.timestamp_columns]
        )
        statements.append(f"CREATE TABLE {db}{ex.name} ({cols}, load_id INTEGER)")
        if ex is INVESTIGATIONS:
            # Every version of each investigation, and the extract day from which it was known.
            statements.append(
                f"CREATE TABLE {db}{VERSIONS_TABLE} ({cols}, load_id INTEGER, "
                "version INTEGER, known_from DATE, valid_from DATE, valid_to DATE)"
            )
    return [
        *statements,
        QUARANTINE_DDL.format(db=db),
        LOAD_LOG_DDL.format(db=db),
        ENTRY_ASSESSMENT_DDL.format(db=db),
        CHECK_SPANS_DDL.format(db=db),
        ENTRY_ARRIVALS_DDL.format(db=db),
        ENTRY_READINGS_DDL.format(db=db, unique=UNIQUE_TEXT, few=FEW_VALUES),
    ]


def create_schema(con: duckdb.DuckDBPyConnection, database: str | None = None) -> None:
    """The base tables, but those the build kept from the previous warehouse (etl/build.py)."""
    for ddl in base_table_ddl(database):
        con.execute(ddl.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS "))


def defined_as_now(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> frozenset[str]:
    """Of ``tables`` in the connection's database (a copy of the previous warehouse), those
    defined exactly as ``base_table_ddl`` defines them today: a load may change them in place
    (etl/build.py). One made by older code (a column since added, another compression) is
    made again, as in an empty file."""
    con.execute("ATTACH ':memory:' AS defined_now")
    try:
        create_schema(con, "defined_now")
        rows = con.execute(
            """
            SELECT table_name FROM duckdb_tables() AS t
            WHERE database_name = current_database() AND list_contains(?, table_name)
              AND sql = (SELECT sql FROM duckdb_tables()
                         WHERE database_name = 'defined_now' AND table_name = t.table_name)
            """,
            [list(tables)],
        ).fetchall()
    finally:
        con.execute("DETACH defined_now")
    return frozenset(r[0] for r in rows)


def has_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    column: str | None = None,
    database: str | None = None,
) -> bool:
    """Whether table ``name`` exists (with ``column``, when given) in ``database``: the
    connection's own by default, ``"prev"`` for the previous warehouse while building. The one
    "does this table exist" question (loaders, the dashboard's published crime)."""
    sql = "SELECT count(*) FROM duckdb_columns() WHERE table_name = ?"
    params: list = [name]
    if database is None:
        sql += " AND database_name = current_database()"
    else:
        sql += " AND database_name = ?"
        params.append(database)
    if column:
        sql += " AND column_name = ?"
        params.append(column)
    return bool(con.execute(sql, params).fetchall()[0][0])


def prev_has_table(con: duckdb.DuckDBPyConnection, name: str, column: str | None = None) -> bool:
    """Whether the previous warehouse (attached as ``prev``) holds table ``name`` (with
    ``column``, when given)."""
    return has_table(con, name, column, database="prev")


def prev_made_by(
    con: duckdb.DuckDBPyConnection,
    table: str,
    build: str,
    fingerprint: str,
    column: str | None = None,
) -> bool:
    """Whether the previous warehouse holds ``table`` (with ``column``, when given) made by the
    rules ``fingerprint`` names, as its one-row ``build`` table (``rules``) records: a load may
    then carry it over and make again only what it changes (etl/assessment.py,
    etl/readings.py)."""
    if not prev_has_table(con, table, column):
        return False
    return made_by(con, build, fingerprint, database="prev")


def made_by(
    con: duckdb.DuckDBPyConnection, build: str, fingerprint: str, database: str | None = None
) -> bool:
    """Whether the one-row ``build`` table (``rules``) of ``database`` (the connection's own by
    default) records the rules ``fingerprint`` names: what a table a load made from a rule and
    its settings was made with (the dashboard reads such a table only when they are the
    running settings' rules)."""
    if not has_table(con, build, database=database):
        return False
    where = f"{database}.{build}" if database else build
    rows = con.execute(f"SELECT rules FROM {where}").fetchall()
    return bool(rows) and rows[0][0] == fingerprint


# A table kept in place (etl/build.py) carries the rows its loads deleted until a checkpoint's
# vacuum merges its row groups, which the scattered deletes of daily loads rarely allow. Past
# this share of dead rows the next load copies it instead (which drops them): about one load in
# thirty at the ten-year sample's rate of change (0.3% of the entries a day).
MAX_DEAD_SHARE = 0.1


def few_dead_rows(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> frozenset[str]:
    """Of ``tables`` in the connection's database, those whose deleted rows still stored are at
    most MAX_DEAD_SHARE of their rows (DuckDB's ``estimated_size`` counts them; ``count(*)``
    does not)."""
    few = set()
    for table in tables:
        stored = con.execute(
            "SELECT estimated_size FROM duckdb_tables() "
            "WHERE database_name = current_database() AND table_name = ?",
            [table],
        ).fetchall()
        if not stored:
            continue
        live = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
        if stored[0][0] - live <= MAX_DEAD_SHARE * stored[0][0]:
            few.add(table)
    return frozenset(few)


def create_marts(con: duckdb.DuckDBPyConnection) -> None:
    """One view per file; a view reading another is created after it (in as many passes as
    the files need)."""
    pending = sorted(MARTS_DIR.glob("*.sql"))
    while pending:
        failed = []
        for path in pending:
            try:
                con.execute(f"CREATE OR REPLACE VIEW {path.stem} AS {path.read_text()}")
            except duckdb.CatalogException:
                failed.append(path)
        if len(failed) == len(pending):
            con.execute(f"CREATE OR REPLACE VIEW {failed[0].stem} AS {failed[0].read_text()}")
        pending = failed


def run_checks(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Each check is a SELECT of violating rows; returns the failing checks and their counts."""
    failing = {}
    for path in sorted(CHECKS_DIR.glob("*.sql")):
        n = con.execute(f"SELECT count(*) FROM ({path.read_text()})").fetchall()[0][0]
        if n:
            failing[path.stem] = n
    return failing


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"No warehouse at {path}. Load one with: python -m etl load SOURCE --db {path}"
        )
    return duckdb.connect(str(path), read_only=True)
