"""Today (home): which cases need a supervisor on the as-of day."""

from __future__ import annotations

import dash

from dashboard.compose import CONTROLS, page_layout, register

# The lists' own controls: follow-ups (dashboard/followup.py), and the checks list's check.
TODAY_CONTROLS = (*CONTROLS, "follow_up", "check")


def layout(**query):
    return page_layout(
        "today",
        "Today",
        "Cases that need a supervisor: overdue and due DS reviews in specialist teams, and "
        "response cases with a child victim or suspect that no supervisor has looked at; "
        "below them, the inspection's other findings as checks.",
        query,
        TODAY_CONTROLS,
    )


dash.register_page(
    __name__,
    path="/",
    name="Today",
    title="Today - PVP supervision",
    order=0,
    layout=layout,
    panels="today",
)
register("today", TODAY_CONTROLS)
