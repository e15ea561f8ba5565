"""Supervision quality: how often and how substantially supervisors write on cases."""

from __future__ import annotations

import dash

from dashboard.compose import page_layout, register

CONTROLS = ("as_of", "area", "team", "team_type")


def layout(**query):
    return page_layout(
        "quality",
        "Supervision quality",
        "Not only whether a supervisor looked, but how often and with what substance: the "
        "qualitative view the inspectorate found missing. Each table says how its measures "
        "are defined.",
        query,
        controls=CONTROLS,
    )


dash.register_page(
    __name__,
    path="/quality",
    name="Supervision quality",
    title="Supervision quality",
    order=3,
    layout=layout,
    panels="quality",
)
register("quality", controls=CONTROLS)
