"""Children in custody (issue 17): detentions of children over the recent days, with the
accommodation and s38(6) certificate checks, for the detective superintendent."""

from __future__ import annotations

import dash

from dashboard import data, words
from dashboard.compose import page_layout, register

CONTROLS = ("as_of", "area")


def layout(**query):
    s = data.settings()
    return page_layout(
        "custody",
        "Children in custody",
        f"Children detained in the {words.days(s.theme_days)} to the day shown. "
        + words.check_definitions(s)["accommodation_late"]
        + " "
        + words.check_definitions(s)["certificate_missing"],
        query,
        CONTROLS,
    )


dash.register_page(
    __name__, path="/custody", name="Custody", title="Children in custody", order=2.5,
    layout=layout,
    panels="custody",
)  # fmt: skip
register("custody", CONTROLS)
