"""Audit log: admins only."""

from __future__ import annotations

import dash
from dash import html

from dashboard.access import current_scope
from dashboard.compose import page_layout, register


def layout(**query):
    if current_scope().role != "admin":
        return html.Div(
            [
                html.H1("Access audit log", className="h3"),
                html.P(
                    "The access audit log is for admins only; ask an admin if you need to know "
                    "who looked at a case.",
                    id="audit-admins-only",
                ),
            ]
        )
    return page_layout("audit", "Access audit log", "", query, controls=())


dash.register_page(
    __name__, path="/audit", name="Audit log", title="Audit log", order=8, layout=layout
)
register("audit", controls=())
