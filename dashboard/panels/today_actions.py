"""Today: every case that needs a supervisor, worst first."""

from __future__ import annotations

from dashboard import data, words
from dashboard.grid import Column
from dashboard.panels import Panel, Table

COLUMNS = [
    Column("investigation_id", "Case", link="/case/", width=130),
    Column("flag_words", "Needs", width=200),
    Column("days", "Days", kind="number", width=90),
    Column("area", "Area", width=100),
    Column("team", "Team"),
    Column("team_type", "Team type"),
    Column("officer_id", "OIC", width=110),
    Column("last_entry", "Last supervisory entry (who, rank, when, grade)"),
    Column("reasons_words", "Why"),
    Column("opened_on", "Opened", kind="date", width=120),
]


PANEL = Panel(
    id="today-actions",
    page="today",
    order=20,
    title="Cases needing a supervisor",
    description=words.action_list_description,
    table=Table(
        columns=COLUMNS,
        rows=lambda ctx: data.action_list(ctx.scope, ctx.filters),
        export_name="cases-needing-supervision",
    ),
)
