"""Supervision quality: per team, over the 90 days to the as-of day."""

from __future__ import annotations

from dashboard import data
from dashboard.grid import Column
from dashboard.panels import Context, Panel, Table

COLUMNS = [
    Column("area", "Area", width=100),
    Column("team", "Team"),
    Column("entries", "Entries", kind="number", width=100),
    Column("cases", "Cases", kind="number", width=100),
    Column("median_days_between", "Median days between entries on a case", kind="number"),
    Column("thin_pct", "Thin entries %", kind="number"),
    Column("non_supervisor_pct", "Entries by non-supervisors on child cases %", kind="number"),
]


def rows(ctx: Context):
    df = data.quality(ctx.scope, ctx.filters, by="team")
    if df.empty:
        return df
    df["thin_pct"] = (df["thin_share"] * 100).round(1)
    df["non_supervisor_pct"] = (df["non_supervisor_share_child"] * 100).round(1)
    return df


PANEL = Panel(
    id="quality-teams",
    page="quality",
    order=20,
    title="By team (last 90 days)",
    description=(
        "All entries on the team's cases, by anyone. Entries by non-supervisors on child "
        "cases: of the entries on child-related cases (which need a supervisor), the share "
        "made by constables, detective constables or staff — entries that look like "
        "supervision on the log but do not count as it."
    ),
    table=Table(columns=COLUMNS, rows=rows, noun="team", export_name="supervision-quality-by-team"),
)
