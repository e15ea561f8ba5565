"""Supervision quality: per supervisor, over the 90 days to the as-of day."""

from __future__ import annotations

from dashboard import data
from dashboard.grid import Column
from dashboard.panels import Context, Panel, Table

COLUMNS = [
    Column("reviewer_id", "Supervisor", width=130),
    Column("reviewer_rank", "Rank", width=90),
    Column("entries", "Entries", kind="number", width=100),
    Column("cases", "Cases", kind="number", width=100),
    Column("median_days_between", "Median days between entries on a case", kind="number"),
    Column("thin_pct", "Thin entries %", kind="number"),
]


def rows(ctx: Context):
    df = data.quality(ctx.scope, ctx.filters, by="reviewer")
    if df.empty:
        return df
    df["thin_pct"] = (df["thin_share"] * 100).round(1)
    return df


PANEL = Panel(
    id="quality-supervisors",
    page="quality",
    order=10,
    title="By supervisor (last 90 days)",
    description=(
        "Entries: supervisory entries made (ranks PS and above). Cases: distinct cases they "
        "wrote on. Median days between entries: for each entry, days since the previous entry "
        "on the same case by anyone; the median of those. Thin entries: no actions set and a "
        "note shorter than the thin-note setting (40 characters by default)."
    ),
    table=Table(
        columns=COLUMNS,
        rows=rows,
        noun="supervisor",
        export_name="supervision-quality-by-supervisor",
    ),
)
