"""Case page: the case's record as each extract gave it, when a later extract changed it."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard import data
from dashboard.figures import empty
from dashboard.panels import ALL_ROLES, Context, Panel
from dashboard.panels.case_record import when


def render(ctx: Context):
    """Figures for a past day use the version known then, so an old pack can differ from the
    case page: the versions say why. Nothing when the record never changed."""
    if ctx.case_id is None:
        return empty("No case to show.")
    versions = data.case_versions(ctx.scope, ctx.case_id)
    if len(versions) < 2:
        return []
    rows = [
        html.Tr(
            [
                html.Td(v.version),
                html.Td("first loaded" if pd.isna(v.known_from) else f"{v.known_from:%d/%m/%Y}"),
                html.Td(f"{v.team} ({v.team_type})"),
                html.Td(v.area),
                html.Td(when(v.opened_at)),
                html.Td(when(v.closed_at) or "open"),
            ]
        )
        for v in versions.itertuples()
    ]
    headers = ["version", "known from", "team", "area", "opened", "closed"]
    return [
        html.H2("Record history", className="h5 mt-3"),
        html.P(
            "This page shows the record as now known (the last version). Flags and packs for a "
            "past day use the version known on that day.",
            className="text-muted small",
        ),
        dbc.Table(
            [html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(rows)],
            size="sm",
            id="case-versions",
        ),
    ]


PANEL = Panel(
    id="case-history",
    page="case",
    order=40,
    title="Record history",
    description="Each version of the record and the day it became known, when it changed.",
    render=render,
    roles=ALL_ROLES,
)
