"""Missing page: every missing episode of a child in the window, newest first, with its checks."""

from __future__ import annotations

from dashboard import data, words
from dashboard.grid import Column
from dashboard.panels import Panel, Table

COLUMNS = [
    Column("episode_id", "Episode", width=120),
    Column("person_ref", "Child (reference)", width=140),
    Column("reported_at", "Reported", kind="datetime", width=150),
    Column("child_age", "Age", kind="number", width=70),
    Column("category_words", "Risk category", width=130),
    Column("returned_at", "Returned", kind="datetime", width=150),
    Column("return_interview_offered_at", "Interview offered", kind="datetime", width=150),
    Column("hours_since_return", "Hours from return", kind="number", width=110),
    Column("rhi_words", "Return interview", width=190),
    Column("episodes_in_window", "Episodes in window", kind="number", width=110),
    Column("area", "Area", width=90),
]


def _definitions(s) -> list[str]:
    defs = words.check_definitions(s)
    return [
        *(f"{words.CHECK_WORDS[c]}: {defs[c]}" for c in ("absent_category_used", "rhi_overdue")),
        f"Episodes in window: the child's episodes in the {words.days(s.repeat_missing_days)} "
        "to this one's report.",
    ]


PANEL = Panel(
    id="missing-list",
    page="missing",
    order=30,
    title="Missing episodes",
    description=lambda s: (
        f"Every episode reported in the {words.days(s.theme_days)} to the day "
        "shown, newest first, with the checks (defined under the table)."
    ),
    table=Table(
        columns=COLUMNS,
        rows=lambda ctx: data.missing_list(ctx.scope, ctx.filters),
        export_name="missing-episodes",
        noun="episode",
        as_of_day=False,  # the window to the day, said above
        footnotes=_definitions,
    ),
)
