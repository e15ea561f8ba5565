"""Today: the inspection's other findings as checks (issue 17) — a card per check that is on,
and one list of every record failing a check on the day, filterable by check (the page's
Check control). The rules: etl/sql/queries/{case,custody,missing}_checks.sql."""

from __future__ import annotations

from dashboard import data, words
from dashboard.grid import Column
from dashboard.panels import Panel, Table

COLUMNS = [
    Column("check_words", "Check", width=200, long_text=True),
    Column("investigation_id", "Case", link="/case/", width=120),
    Column("record_id", "Record", width=120,
           tooltip="The case, custody record or missing episode the check is about"),
    Column("days", "Days", kind="number", width=80,
           tooltip="Days open (case checks), to or since the end of bail, since detention or "
           "report, or since the return (return interviews)"),
    Column("due_on", "Due by", kind="date", width=128,
           tooltip="The day the check fell (or falls) due"),
    Column("reasons_words", "Why", long_text=True),
    Column("area", "Area", width=90),
    Column("team", "Team", width=170),
    Column("team_type", "Team type", width=150, words=words.team_type_words),
    Column("officer_id", "OIC", width=100),
]  # fmt: skip


def _definitions(s) -> list[str]:
    """Every check's definition, made from the settings (under the table)."""
    defs = words.check_definitions(s)
    return [f"{words.CHECK_WORDS[c]}: {defs[c]}" for c in words.CHECKS]


PANEL = Panel(
    id="today-checks",
    page="today",
    order=25,
    title="Records failing a check",
    description="Every record failing a check on the day, by check, longest first. What each "
    "check counts is under the table.",
    table=Table(
        columns=COLUMNS,
        rows=lambda ctx: data.check_rows(ctx.scope, ctx.filters),
        export_name="records-failing-a-check",
        noun="record",
        row_key=("record_id", "check_name"),
        footnotes=_definitions,
    ),
)
