"""The supervision flags for one as-of date: the query in etl/sql/flags.sql, bound to settings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from etl.settings import Settings

FLAGS_SQL = (Path(__file__).parent / "sql" / "flags.sql").read_text()
FLAG_NAMES = ("child_related", "ds_review_overdue", "ds_review_due_soon", "response_unsupervised")
FLAG_COLUMNS = (
    "investigation_id", "flag", "area", "team", "team_type", "officer_id", "days", "reasons",
    "opened_on", "last_ds_review_on",
)  # fmt: skip


def flag_parameters(settings: Settings, as_of: date, areas: list[str] | None = None) -> dict:
    """Bind every rule the query needs; ``areas`` narrows to those areas (default: all)."""
    return {
        "as_of": as_of,
        "child_age_under": settings.child_age_under,
        "review_window_days": settings.review_window_days,
        "due_soon_from_days": settings.due_soon_from_days,
        "response_min_days_open": settings.response_min_days_open,
        "specialist_team_types": list(settings.specialist_team_types),
        "response_team_types": list(settings.response_team_types),
        "ds_review_ranks": list(settings.ds_review_ranks),
        "supervisor_ranks": list(settings.supervisor_ranks),
        "areas": list(settings.areas if areas is None else areas),
    }


def flags(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    as_of: date,
    areas: list[str] | None = None,
) -> pd.DataFrame:
    """One row per (investigation, flag) open on ``as_of``, worst first."""
    cur = con.cursor()
    try:
        return cur.execute(FLAGS_SQL, flag_parameters(settings, as_of, areas)).df()
    finally:
        cur.close()


def latest_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The newest local date of any record: the dashboard's default as-of date."""
    row = con.execute(
        "SELECT greatest(max(CAST(reviewed_at AS DATE)), "
        "(SELECT max(CAST(opened_at AS DATE)) FROM investigations), "
        "(SELECT max(CAST(closed_at AS DATE)) FROM investigations)) FROM supervision"
    ).fetchall()
    return row[0][0] if row else None
