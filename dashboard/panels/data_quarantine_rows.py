"""Data quality: the quarantined rows themselves, to read or download."""

from __future__ import annotations

from dashboard import data
from dashboard.grid import Column
from dashboard.panels import Panel, Table

PANEL = Panel(
    id="data-quarantine-rows",
    page="data",
    order=30,
    title="Quarantined rows",
    description=(
        "Each rejected row with its file, line and what was wrong. A row whose record a later "
        "load brought in valid (say, a review re-sent once its case arrived) is kept, with the "
        "load that resolved it."
    ),
    table=Table(
        columns=[
            Column("source", "File", width=140),
            Column("line", "Line", kind="number", width=90),
            Column("record_id", "Record", width=140),
            Column("reason", "Reason", width=150),
            # What was wrong, in words: the widest column, wrapped, whole on hover.
            Column("detail", "Detail", long_text=True),
            Column("load_id", "Last load", kind="number", width=110),
            Column("resolved_load_id", "Resolved in load", kind="number", width=130),
        ],
        rows=lambda ctx: data.quarantine(ctx.scope),
        noun="quarantined row",
        as_of_day=False,  # the quarantine is every load's, not a day's
        export_name="quarantine",
    ),
)
