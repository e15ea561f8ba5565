"""Missing children (issue 17): episodes over the recent days with the 'absent' category and
return-interview checks, and children missing repeatedly: for the detective superintendent
and the force's missing-from-home co-ordinator."""

from __future__ import annotations

import dash

from dashboard import data, words
from dashboard.compose import page_layout, register

CONTROLS = ("as_of", "area")


def layout(**query):
    s = data.settings()
    return page_layout(
        "missing",
        "Missing children",
        f"Missing episodes of children reported in the {words.days(s.theme_days)} to the day "
        "shown, and children missing repeatedly.",
        query,
        CONTROLS,
    )


dash.register_page(
    __name__, path="/missing", name="Missing", title="Missing children", order=2.6,
    layout=layout,
    panels="missing",
)  # fmt: skip
register("missing", CONTROLS)
