"""The rules as queries: flags for one as-of date, child-related cases, review intervals.

The SQL lives in etl/sql/; this module binds each query's parameters from the settings, so
every threshold comes from one place.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from etl.settings import Settings

SQL_DIR = Path(__file__).parent / "sql"
CHILD_CASES_SQL = (SQL_DIR / "child_cases.sql").read_text()
FLAGS_SQL = (SQL_DIR / "flags.sql").read_text().replace("{child_cases}", f"({CHILD_CASES_SQL})")
REVIEW_INTERVALS_SQL = (SQL_DIR / "review_intervals.sql").read_text()
CASE_ENTRIES_SQL = (SQL_DIR / "case_entries.sql").read_text()
ENTRY_QUALITY_SQL = (
    (SQL_DIR / "entry_quality.sql").read_text().replace("{case_entries}", CASE_ENTRIES_SQL)
)
ENTRY_COLUMNS = (
    "review_id", "investigation_id", "reviewed_on", "reviewer_id", "reviewer_rank", "counts",
    "grade", "elements", "repeated",
)  # fmt: skip
FLAG_COLUMNS = (
    "investigation_id", "flag", "area", "team", "team_type", "officer_id", "days", "reasons",
    "opened_on", "last_ds_review_on", "quoted_note",
)  # fmt: skip


def rule_parameters(settings: Settings) -> dict:
    """Every setting a rule query may use, by its $name in the SQL."""
    return {
        "child_age_under": settings.child_age_under,
        "review_window_days": settings.review_window_days,
        "due_soon_from_days": settings.due_soon_from_days,
        "response_min_days_open": settings.response_min_days_open,
        "specialist_team_types": list(settings.specialist_team_types),
        "response_team_types": list(settings.response_team_types),
        "ds_review_ranks": list(settings.ds_review_ranks),
        "supervisor_ranks": list(settings.supervisor_ranks),
        "thin_note_chars": settings.thin_note_chars,
        "substantive_min_elements": settings.substantive_min_elements,
        "repeated_min_cases": settings.repeated_min_cases,
        "repeated_within_days": settings.repeated_within_days,
        "thin_reviews_count": settings.thin_reviews_count,
    }


def bind(sql: str, settings: Settings, **extra) -> dict:
    """The parameters ``sql`` names, from the settings and ``extra`` (DuckDB refuses extras)."""
    wanted = set(re.findall(r"\$([a-z_]+)", sql))
    values = rule_parameters(settings) | extra
    return {k: v for k, v in values.items() if k in wanted}


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


def child_cases_sql(select: str = "*", known_on: str | None = None) -> str:
    """A query over every investigation with its ``child_reasons`` (see child_cases.sql): the
    record as now known, or as known on the day the SQL expression ``known_on`` gives (e.g.
    ``$as_of``, or ``last_day(opened_on)`` for "as known at the end of its opening month")."""
    if known_on is None:
        version = "valid_to IS NULL"
    else:
        version = f"valid_from <= {known_on} AND (valid_to IS NULL OR valid_to > {known_on})"
    return (
        f"SELECT {select} FROM (SELECT * EXCLUDE (version, valid_from, valid_to) "
        f"FROM ({CHILD_CASES_SQL}) WHERE {version}) AS child_cases"
    )


def latest_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last day the extracts cover (the newest load's extract day): the dashboard's default
    as-of date. Future-dated rows are quarantined, so one cannot move it."""
    cur = con.cursor()
    try:
        row = cur.execute("SELECT max(extract_day) FROM load_log").fetchall()
    finally:
        cur.close()
    return row[0][0] if row else None
