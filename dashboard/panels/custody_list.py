"""Custody page: every child detained in the window, newest first, with its checks."""

from __future__ import annotations

from dashboard import data, words
from dashboard.grid import Column
from dashboard.panels import Panel, Table

COLUMNS = [
    Column("custody_id", "Custody record", width=140),
    Column("investigation_id", "Case", link="/case/", width=120),
    Column("detained_at", "Detained", kind="datetime", width=150),
    Column("child_age", "Age", kind="number", width=70),
    Column("charged_at", "Charged", kind="datetime", width=150),
    Column("accommodation_requested_at", "Accommodation requested", kind="datetime", width=170),
    Column("hours_to_request", "Whole hours after charge", kind="number", width=110),
    Column("outcome_words", "Outcome", width=130),
    Column("accommodation_words", "Accommodation check", long_text=True),
    Column("certificate_words", "Certificate check", long_text=True),
    Column("released_at", "Released", kind="datetime", width=150),
    Column("area", "Area", width=90),
]


def _definitions(s) -> list[str]:
    defs = words.check_definitions(s)
    return [f"{words.CHECK_WORDS[c]}: {defs[c]}"
            for c in ("accommodation_late", "certificate_missing")]  # fmt: skip


PANEL = Panel(
    id="custody-list",
    page="custody",
    order=20,
    title="Children detained",
    description=lambda s: (
        f"Every child detained in the {words.days(s.theme_days)} to the day "
        "shown, newest first, with the checks (defined under the table)."
    ),
    table=Table(
        columns=COLUMNS,
        rows=lambda ctx: data.custody_list(ctx.scope, ctx.filters),
        export_name="children-in-custody",
        noun="detention",
        as_of_day=False,  # the window to the day, said above
        footnotes=_definitions,
    ),
)
