"""Today: the numbers an area manager reads first, each with its change since the day before."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import html

from dashboard import data, words
from dashboard.figures import empty
from dashboard.panels import Context, Panel

# Each flag's card colour and icon (the cards come in words.FLAGS order, titled by
# words.card_titles(settings)).
STYLE = {
    "child_related": ("info", ""),
    "ds_review_overdue": ("danger", "⚠ "),
    "ds_review_due_soon": ("warning", "→ "),
    "response_unsupervised": ("danger", "⚠ "),
    "ds_review_not_substantive": ("warning", "✎ "),
}


def _change(delta: int, as_of: date | None) -> str:
    since = "since yesterday" if as_of == date.today() else "since the day before"
    if delta == 0:
        return f"no change {since}"
    return f"{'▲ up' if delta > 0 else '▼ down'} {abs(delta)} {since}"


def render(ctx: Context):
    first = data.first_data_month()
    if ctx.as_of is not None and ctx.as_of < first:
        # Not zeros and "no change": there is nothing to count before the data starts.
        return empty(f"No data before {first:%B %Y}: nothing to count on {ctx.as_of:%d/%m/%Y}.")
    counts = data.flag_counts(ctx.scope, ctx.filters)
    titles = words.card_titles(data.settings())
    cards = []
    for flag in words.FLAGS:
        colour, icon = STYLE.get(flag, ("secondary", ""))  # a new flag needs no style
        title = titles.get(flag, words.FLAG_WORDS[flag])
        value, delta = counts.get(flag, (0, 0))
        cards.append(
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.H3(f"{icon}{title}", className="h6 card-title"),
                            html.P(f"{value:,}", className="display-6 mb-0", id=f"card-{flag}"),
                            html.P(
                                _change(delta, ctx.as_of),
                                className="small mb-0",
                                id=f"card-{flag}-change",
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
