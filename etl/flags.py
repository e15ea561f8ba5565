"""The rules as queries: flags for one as-of date, child-related cases, review intervals.

The SQL lives in etl/sql/queries/ (etl/queries.py reads it and binds each query's parameters
from the settings), so every threshold comes from one place.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from etl import queries
from etl.queries import SQL_DIR
from etl.settings import Settings

__all__ = ["CHILD_CASES_SQL", "SQL_DIR", "bind", "entries", "flags", "latest_date"]

CHILD_CASES_SQL = queries.sql("child_cases")
FLAGS_SQL = queries.sql("flags")
REVIEW_INTERVALS_SQL = queries.sql("review_intervals")
CASE_ENTRIES_SQL = queries.sql("case_entries")
ENTRY_QUALITY_SQL = queries.sql("entry_quality")
ENTRY_COLUMNS = (
    "review_id", "investigation_id", "reviewed_on", "reviewer_id", "reviewer_rank", "counts",
    "grade", "elements", "repeated",
)  # fmt: skip
FLAG_COLUMNS = (
    "investigation_id", "flag", "area", "team", "team_type", "officer_id", "days", "reasons",
    "opened_on", "last_ds_review_on", "due_on", "flagged_since", "quoted_note",
)  # fmt: skip


def bind(sql: str, settings: Settings, **extra) -> dict:
    """The parameters ``sql`` names, from the settings and ``extra`` (etl/queries.py params)."""
    return queries.params(sql, settings, **extra)


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> pd.DataFrame:
    cur = con.cursor()
    try:
        return cur.execute(sql, params).df()
    finally:
        cur.close()


def flags(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    as_of: date,
    areas: list[str] | None = None,
) -> pd.DataFrame:
    """One row per (investigation, flag) open on ``as_of``, worst first."""
    areas = list(settings.areas if areas is None else areas)
    return run(con, FLAGS_SQL, bind(FLAGS_SQL, settings, as_of=as_of, areas=areas))


def entries(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    as_of: date,
    areas: list[str] | None = None,
    investigation_id: str | None = None,
) -> pd.DataFrame:
    """Every entry dated on or before ``as_of``, with its grade and whether it counts."""
    areas = list(settings.areas if areas is None else areas)
    params = bind(
        CASE_ENTRIES_SQL, settings, as_of=as_of, since=None, areas=areas,
        investigation_id=investigation_id,
    )  # fmt: skip
    df = run(con, CASE_ENTRIES_SQL, params)
    df["counts"] = df["does_not_count"].isna()
    return df


def latest_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last day the extracts cover (the newest load's extract day): the dashboard's default
    as-of date. Future-dated rows are quarantined, so one cannot move it."""
    cur = con.cursor()
    try:
        row = cur.execute("SELECT max(extract_day) FROM load_log").fetchall()
    finally:
        cur.close()
    return row[0][0] if row else None
