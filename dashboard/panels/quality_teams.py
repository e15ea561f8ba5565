"""Supervision quality: per team, over the quality_window_days to the as-of day, worst first."""

from __future__ import annotations

from dashboard import data
from dashboard.grid import Column
from dashboard.panels import Context, Panel, Table
from dashboard.quality_columns import (
    SHARE_COLUMNS,
    as_percentages,
    small_numbers_note,
    window_title,
)

COLUMNS = [
    Column("area", "Area", width=90),
    Column("team", "Team", link="/quality/entries?team="),
    Column("entries", "Entries", kind="number", width=95),
    Column("cases", "Cases", kind="number", width=90),
    *SHARE_COLUMNS,
    Column("median_days_between", "Median days between entries on a case", kind="number"),
    Column("non_supervisor_pct", "Entries by non-supervisors on child cases %", kind="number"),
    Column("small_numbers_words", "Note", width=150),
]


def rows(ctx: Context):
    df = as_percentages(data.quality(ctx.scope, ctx.filters, by="team"))
    if len(df):
        df["non_supervisor_pct"] = (df["non_supervisor_share_child"] * 100).round(1)
    return df


PANEL = Panel(
    id="quality-teams",
    page="quality",
    order=20,
    title=lambda s: window_title("By team", s),
    description=lambda s: (
        "The counting entries on the team's cases, assessed as above; click a team to read "
        "them. Entries by non-supervisors on child cases: of all entries on the team's "
        "child-related cases, the share made by ranks that do not supervise — entries that "
        "look like supervision on the log but do not count as it. " + small_numbers_note(s)
    ),
    table=Table(columns=COLUMNS, rows=rows, noun="team", export_name="supervision-quality-by-team"),
)
