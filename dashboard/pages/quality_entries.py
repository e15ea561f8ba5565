"""Supervision quality, drilled down: a supervisor's or team's entries, one by one."""

from __future__ import annotations

import dash

from dashboard.compose import page_layout, register

CONTROLS = ("as_of", "area", "team", "team_type", "reviewer")


def layout(**query):
    return page_layout(
        "quality-entries",
        "Supervision entries",
        "From a figure on the Supervision quality page to the entries behind it: what each "
        "supervisor actually wrote, and what the checklist finds in it.",
        query,
        controls=CONTROLS,
    )


dash.register_page(
    __name__,
    path="/quality/entries",
    name="Supervision entries",
    title="Supervision entries",
    order=4,
    layout=layout,
    panels="quality-entries",
)
register("quality-entries", controls=CONTROLS)
