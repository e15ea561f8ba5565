"""Case page: the follow-ups managers recorded from the daily list, newest first, and how each
ended (the review that ended its run of flags, and the days it took)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import followup
from dashboard.audits import app_db, app_db_exists
from dashboard.figures import empty
from dashboard.panels import ALL_ROLES, Context, Panel


def render(ctx: Context):
    if ctx.case_id is None:
        return empty("No case to show.")
    if not app_db_exists():
        return []
    made = followup.history(app_db(), ctx.scope, ctx.case_id)
    if not made:
        return []
    rows = [
        html.Tr(
            [
                html.Td(followup.words(f)),
                html.Td(f"{f.flagged_since:%d/%m/%Y}"),
                html.Td(followup.state(f)),
            ]
        )
        for f in made
    ]
    headers = ["follow-up", "on the list since", "now"]
    return [
        html.H2("Follow-ups", className="h5 mt-3"),
        html.P(
            "Recorded by managers from the daily list. A follow-up never clears a flag: only a "
            "review in the extracts does, and the follow-up then closes by itself.",
            className="text-muted small",
        ),
        dbc.Table(
            [html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(rows)],
            size="sm",
            id="case-follow-ups",
        ),
    ]


PANEL = Panel(
    id="case-follow-ups",
    page="case",
    order=35,
    title="Follow-ups",
    description="Follow-ups recorded from the daily list, and how each ended.",
    render=render,
    roles=ALL_ROLES,
)
