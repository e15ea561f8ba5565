"""Supervision quality: per supervisor, over the quality_window_days to the as-of day, worst
first."""

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
    Column("reviewer_id", "Supervisor", width=130, link="/quality/entries?reviewer="),
    Column("reviewer_rank", "Rank", width=80),
    Column("entries", "Entries", kind="number", width=95),
    Column("cases", "Cases", kind="number", width=90),
    *SHARE_COLUMNS,
    Column("median_days_between", "Median days between entries on a case", kind="number"),
    Column("small_numbers_words", "Note", width=150),
]


def rows(ctx: Context):
    return as_percentages(data.quality(ctx.scope, ctx.filters, by="reviewer"))


PANEL = Panel(
    id="quality-supervisors",
    page="quality",
    order=10,
    title=lambda s: window_title("By supervisor", s),
    description=lambda s: (
        "Entries by each supervisor that count for their case's rule, assessed against the "
        "reviewing-officer checklist (defined under the tables). Thin or repeated %: the share "
        "that is thin, repeated text, or both; the list starts with the highest. Click a "
        "supervisor to read their entries. " + small_numbers_note(s)
    ),
    table=Table(
        columns=COLUMNS,
        rows=rows,
        noun="supervisor",
        export_name="supervision-quality-by-supervisor",
    ),
)
