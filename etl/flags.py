"""The rules as queries: flags for one as-of date, child-related cases, review intervals.

The SQL lives in etl/sql/queries/ (etl/queries.py reads it and binds each query's parameters
from the settings), so every threshold comes from one place.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from etl import daily, queries
from etl.queries import SQL_DIR
from etl.settings import Settings

__all__ = ["CHILD_CASES_SQL", "SQL_DIR", "bind", "entries", "flags", "latest_date"]

CHILD_CASES_SQL = queries.sql("child_cases")
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
    """One row per (investigation, flag) open on ``as_of``, worst first: read from the spans
    the load made (etl/daily.py) when they hold the day with these settings, else flags.sql
    run for that one day. The same rows either way (tests/test_daily_flags.py)."""
    areas = list(settings.areas if areas is None else areas)
    name = query_for_day(con, settings, as_of)
    text = queries.sql(name)
    return one_day(run(con, text, bind(text, settings, areas=areas, **day_given(name, as_of))))


def query_for_day(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date) -> str:
    """The query that answers one day's flags (``day_query``)."""
    return day_query(daily.covers(con, settings, as_of))


def day_query(materialised: bool) -> str:
    """The query that answers one day's flags: ``flags_on_day`` where the load materialised
    the day with these settings (``materialised``), ``flags`` otherwise."""
    return "flags_on_day" if materialised else "flags"


def day_given(name: str, as_of: date) -> dict:
    """What ``name`` (flags or flags_on_day) is given, besides the settings and areas, to
    answer the one day ``as_of``."""
    if name == "flags_on_day":
        return {"as_of": as_of}
    return {"first_day": as_of, "last_day": as_of, "investigation_ids": None}


def one_day(df: pd.DataFrame) -> pd.DataFrame:
    """A day's flags with the columns of FLAG_COLUMNS only (flags.sql also gives the day, the
    record's version and the flag's rank)."""
    return df[list(FLAG_COLUMNS)].reset_index(drop=True)


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
