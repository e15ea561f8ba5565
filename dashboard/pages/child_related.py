"""Child-related: the open child-related investigations, why, where, and the weekly trend."""

from __future__ import annotations

import dash

from dashboard import data, words
from dashboard.compose import page_layout, register


def layout(**query):
    return page_layout(
        "child",
        "Child-related investigations",
        words.child_related_definition(data.settings()),
        query,
    )


dash.register_page(
    __name__,
    path="/child-related",
    name="Child-related",
    title="Child-related",
    order=2,
    layout=layout,
    panels="child",
)
register("child")
