"""Today: every case that needs a supervisor, worst first."""

from __future__ import annotations

from dashboard import data
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


def _description(s) -> str:
    return (
        f"Overdue DS reviews (specialist teams, over {s.review_window_days} days since the last "
        f"review by {', '.join(s.ds_review_ranks)}), response cases with a child victim or "
        f"suspect that no supervisor has looked at, DS reviews due within {s.due_soon_days} "
        "days, and open specialist cases whose last DS review was thin or repeated text (its "
        "note quoted under Why). 'Days' is days since the last DS review (or opening) for DS "
        "reviews, and days open for response cases. The last supervisory entry's grade is its "
        "assessment against the reviewing-officer checklist."
    )


PANEL = Panel(
    id="today-actions",
    page="today",
    order=20,
    title="Cases needing a supervisor",
    description=_description(data.settings()),
    table=Table(
        columns=COLUMNS,
        rows=lambda ctx: data.action_list(ctx.scope, ctx.filters),
        export_name="cases-needing-supervision",
    ),
)
