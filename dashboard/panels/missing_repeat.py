"""Missing page: children missing repeatedly (repeat_missing.sql), the pattern a
missing-from-home co-ordinator looks for."""

from __future__ import annotations

from dashboard import data, words
from dashboard.grid import Column
from dashboard.panels import Panel, Table

COLUMNS = [
    Column("person_ref", "Child (reference)", width=150),
    Column("episodes", "Episodes", kind="number", width=100),
    Column("absent_episodes", "Of them 'absent'", kind="number", width=130),
    Column("first_reported_at", "First reported", kind="datetime", width=150),
    Column("last_reported_at", "Last reported", kind="datetime", width=150),
    Column("still_missing", "Missing now", width=110),
    Column("area", "Area (latest)", width=110),
]

PANEL = Panel(
    id="missing-repeat",
    page="missing",
    order=20,
    title="Children missing repeatedly",
    description=lambda s: (
        words.check_definitions(s)["repeat_missing"] + " Counted to the day shown, in your areas."
    ),
    table=Table(
        columns=COLUMNS,
        rows=lambda ctx: data.repeat_list(ctx.scope, ctx.filters),
        export_name="children-missing-repeatedly",
        noun="child reference",
        footnotes=lambda s: [words.check_definitions(s)["repeat_missing"]],
    ),
)
