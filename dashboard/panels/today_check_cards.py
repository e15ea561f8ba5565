"""Today: a card per inspection check that is on (issue 17), with its change since the day
before, and the checks that are off for want of data (dashboard/panels/today_checks.py lists
the records)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import data, words
from dashboard.figures import empty
from dashboard.panels import Context, Panel
from dashboard.panels.today_cards import _change


def cards(ctx: Context):
    if ctx.as_of is None:
        return empty("No data loaded: nothing to check.")
    counts = data.check_counts(ctx.scope, ctx.filters)
    off = data.checks_off()
    shown = []
    for check in words.CHECKS:
        if check not in counts:
            continue
        value, delta = counts[check]
        shown.append(
            dbc.Col(
                dbc.Card(
                    dbc.CardBody([
                        html.H3(words.CHECK_WORDS[check], className="h6 card-title"),
                        html.P(f"{value:,}", className="display-6 mb-0", id=f"card-{check}"),
                        html.P(_change(delta, ctx.as_of), className="small mb-0"),
                    ]),
                    color="warning" if value else "secondary",
                    outline=True,
                    className="h-100",
                ),
                md=3,
            )
        )  # fmt: skip
    parts = [dbc.Row(shown, className="g-3")] if shown else []
    if off:
        parts.append(
            html.P(
                "Off, for want of data: "
                + "; ".join(f"{words.CHECK_WORDS[c]} ({why})" for c, why in sorted(off.items()))
                + ".",
                className="small text-muted mt-2 mb-0",
                id="checks-off",
            )
        )
    if not shown:
        parts.insert(0, empty("No check is on: the extracts carry none of their data."))
    return parts


PANEL = Panel(
    id="today-check-cards",
    page="today",
    order=24,
    title="The inspection's other findings",
    description=words.check_list_description,
    render=cards,
)
