"""Audit log: admins only."""

from __future__ import annotations

import dash
from dash import html

from dashboard.access import current_scope
from dashboard.compose import page_layout, register


def layout(**query):
    if current_scope().role != "admin":
        return html.Div(
            [html.H1("Page not found", className="h3"), html.P("There is no such page.")]
        )
    return page_layout("audit", "Access audit log", "", query, controls=())


dash.register_page(
    __name__, path="/audit", name="Audit log", title="Audit log", order=8, layout=layout
)
register("audit", controls=())
