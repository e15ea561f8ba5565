"""PVP meeting: the twelve-month trend of each headline figure (the pack's charts)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import pack
from dashboard.figures import empty, graph
from dashboard.panels import ALL_ROLES, Context, Panel


def render(ctx: Context):
    p = pack.for_context(ctx)
    if p is None:
        return empty()
    charts = [
        dbc.Col([html.H3(title, className="h6"), graph(fig, f"pvp-trend-{i}", title)], md=6)
        for i, (title, fig) in enumerate(pack.figures(p))
    ]
    return [html.H2("Twelve-month trends", className="h5 mt-3"), dbc.Row(charts, className="g-3")]


PANEL = Panel(
    id="pvp-trends",
    page="pvp",
    order=30,
    title="Twelve-month trends",
    description="Each headline figure over the twelve months to the month shown.",
    render=render,
    roles=ALL_ROLES,
)
