"""Today (home): which cases need a supervisor on the as-of day."""

from __future__ import annotations

import dash

from dashboard.compose import CONTROLS, page_layout, register

# The list's own control: its follow-ups (dashboard/followup.py).
TODAY_CONTROLS = (*CONTROLS, "follow_up")


def layout(**query):
    return page_layout(
        "today",
        "Today",
        "Cases that need a supervisor: overdue and due DS reviews in specialist teams, and "
        "response cases with a child victim or suspect that no supervisor has looked at.",
        query,
        TODAY_CONTROLS,
    )


dash.register_page(
    __name__, path="/", name="Today", title="Today - PVP supervision", order=0, layout=layout
)
register("today", TODAY_CONTROLS)
