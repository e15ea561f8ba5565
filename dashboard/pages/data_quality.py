"""Data quality: what each load read, kept and set aside."""

from __future__ import annotations

import dash

from dashboard.compose import page_layout, register

CONTROLS: tuple[str, ...] = ()


def layout(**query):
    return page_layout(
        "data",
        "Data quality",
        "Every row of every extract is loaded, counted as an exact duplicate, or quarantined "
        "with a reason. Nothing is dropped silently.",
        query,
        controls=CONTROLS,
    )


dash.register_page(
    __name__,
    path="/data-quality",
    name="Data quality",
    title="Data quality",
    order=4,
    layout=layout,
    panels="data",
)
register("data", controls=CONTROLS)
