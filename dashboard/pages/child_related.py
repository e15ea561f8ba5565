"""Child-related: the open child-related investigations, why, where, and the weekly trend."""

from __future__ import annotations

import dash

from dashboard.compose import page_layout, register


def layout(**query):
    return page_layout(
        "child",
        "Child-related investigations",
        "An investigation is child-related when its incident carries the child marker or had "
        "children present, its youngest victim or suspect is under 18, it sits with a "
        "specialist child team, or a child-protection concern is recorded.",
        query,
    )


dash.register_page(
    __name__,
    path="/child-related",
    name="Child-related",
    title="Child-related",
    order=2,
    layout=layout,
)
register("child")
