"""Child-related: the list of open child-related cases."""

from __future__ import annotations

from dashboard import data, words
from dashboard.grid import Column
from dashboard.panels import Panel, Table

COLUMNS = [
    Column("investigation_id", "Case", link="/case/", width=130),
    Column("days", "Days open", kind="number", width=110),
    Column("area", "Area", width=100),
    Column("team", "Team"),
    Column("team_type", "Team type", words=words.team_type_words),
    Column("officer_id", "OIC", width=110),
    Column("reasons_words", "Why child-related"),
    Column("opened_on", "Opened", kind="date", width=120),
]

PANEL = Panel(
    id="child-list",
    page="child",
    order=40,
    title="Open child-related cases",
    description="Every open child-related case on the as-of day, longest open first.",
    table=Table(
        columns=COLUMNS,
        rows=lambda ctx: data.child_cases(ctx.scope, ctx.filters).sort_values(
            ["days", "investigation_id"], ascending=[False, True]
        ),
        export_name="child-related-cases",
    ),
)
