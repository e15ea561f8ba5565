"""Case page: the inspection's other checks (issue 17) this case fails on the page's day — its
own record (allocation, plan, bail, CAWN, CSE allocation) and its children's custody records —
each with why in words and its definition from the settings."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard import data, words
from dashboard.figures import empty
from dashboard.panels import ALL_ROLES, Context, Panel


def render(ctx: Context):
    if ctx.case_id is None or ctx.as_of is None:
        return empty("No case to show.")
    rows = data.case_check_rows(ctx.scope, ctx.case_id, ctx.as_of)
    if rows.empty:
        return []
    defs = words.check_definitions(data.settings())
    body = [
        html.Tr([html.Td(r["check_words"]), html.Td(r["reasons_words"]),
                 html.Td("" if pd.isna(r["due_on"]) else f"{pd.Timestamp(r['due_on']):%d/%m/%Y}")])
        for r in rows.to_dict("records")
    ]  # fmt: skip
    return [
        html.H2("Other checks", className="h5 mt-3"),
        dbc.Table(
            [
                html.Thead(html.Tr([html.Th(h) for h in ("check", "why", "due by")])),
                html.Tbody(body),
            ],
            size="sm",
            id="case-checks",
        ),
        html.Ul(
            [
                html.Li(f"{words.CHECK_WORDS[c]}: {defs[c]}")
                for c in dict.fromkeys(rows["check_name"])
            ],
            className="text-muted small",
        ),
    ]


PANEL = Panel(
    id="case-checks",
    page="case",
    order=25,
    title="Other checks",
    description="The inspection's other findings this case fails on the day shown.",
    render=render,
    roles=ALL_ROLES,
)
