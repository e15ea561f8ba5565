"""Supervision quality, drilled down: the entries behind a supervisor's or team's figures."""

from __future__ import annotations

from dashboard import data
from dashboard.grid import Column
from dashboard.panels import Context, Panel, Table
from dashboard.quality_columns import window_title

COLUMNS = [
    Column("investigation_id", "Case", link="/case/", width=130),
    Column("reviewed_on", "Date", kind="date", width=128),
    Column("reviewer_id", "Supervisor", width=130),
    Column("reviewer_rank", "Rank", width=80),
    Column("grade", "Grade", width=110),
    # What a reader came for first, wrapped (two lines, the whole text on hover): cut to
    # "Reviewed. Pro..." and "risk reviewed,..." they said nothing (a newcomer's walk,
    # session 25).
    Column("note", "Note", long_text=True),
    Column("missing_words", "Misses", long_text=True),
    Column("elements_words", "Shows", width=150),
    Column("repeated_words", "Repeated text", width=190),
    Column("team", "Team", width=190),
]


def rows(ctx: Context):
    return data.quality_entries(ctx.scope, ctx.filters)


PANEL = Panel(
    id="quality-entries",
    page="quality-entries",
    order=10,
    title=lambda s: window_title("Entries", s),
    description=(
        "Each counting entry with its grade, the checklist elements it shows and misses, and "
        "whether the same supervisor wrote the same text on other cases. Narrow by supervisor "
        "or team above."
    ),
    table=Table(columns=COLUMNS, rows=rows, noun="entry", export_name="supervision-entries"),
)
