"""Today: the four numbers an area manager reads first, each with its change since yesterday."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import data
from dashboard.panels import Context, Panel

CARDS = [
    ("child_related", "Open child-related cases", "info", ""),
    ("ds_review_overdue", "DS reviews overdue", "danger", "⚠ "),
    ("ds_review_due_soon", "DS reviews due within 7 days", "warning", "→ "),
    ("response_unsupervised", "Response child cases never supervised", "danger", "⚠ "),
    ("ds_review_not_substantive", "Last DS review thin or repeated", "warning", "✎ "),
]


def _change(delta: int) -> str:
    if delta == 0:
        return "no change since yesterday"
    return f"{'▲ up' if delta > 0 else '▼ down'} {abs(delta)} since yesterday"


def render(ctx: Context):
    counts = data.flag_counts(ctx.scope, ctx.filters)
    s = data.settings()
    cards = []
    for flag, title, colour, icon in CARDS:
        title = title.replace("7 days", f"{s.due_soon_days} days")
        value, delta = counts.get(flag, (0, 0))
        cards.append(
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.H3(f"{icon}{title}", className="h6 card-title"),
                            html.P(f"{value:,}", className="display-6 mb-0", id=f"card-{flag}"),
                            html.P(
                                _change(delta), className="small mb-0", id=f"card-{flag}-change"
                            ),
                        ]
                    ),
                    color=colour,
                    outline=True,
                    className="h-100",
                ),
                md=True,
            )
        )
    return dbc.Row(cards, className="g-3")


PANEL = Panel(
    id="today-cards",
    page="today",
    order=10,
    title="Today at a glance",
    description="Counts on the as-of day for the areas and filters chosen above.",
    render=render,
)
