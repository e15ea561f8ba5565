"""Today: every case that needs a supervisor, worst first."""

from __future__ import annotations

from dashboard import data, words
from dashboard.grid import Column
from dashboard.panels import Panel, Table

# The header tooltips name the rules, not their settings (the columns are made once; the
# page's description under the title states the running window and ranks).
DAYS_TIP = (
    "DS review overdue or due soon: days since the last DS review (or since opening if none). "
    "Response case never supervised: days open. Last DS review thin or repeated: days since "
    "that review."
)
DUE_BY_TIP = (
    "When the DS review falls (or fell) due: the last DS review, or the opening, plus the review "
    "window. Response cases: the day they opened."
)

FOLLOW_UP_TIP = (
    "The latest follow-up recorded by a manager (chased, or assigned to a supervisor). Click "
    "the cell to record one. A follow-up never clears a flag: only a review does."
)


def _columns() -> list[Column]:
    return [
        Column("investigation_id", "Case", link="/case/", width=120),
        Column("flag_words", "Needs", width=175, long_text=True),
        Column("follow_up", "Follow-up", width=190, long_text=True, tooltip=FOLLOW_UP_TIP,
               empty_text="+ record a follow-up"),
        Column("days", "Days", kind="number", width=80, tooltip=DAYS_TIP),
        Column("due_on", "Due by", kind="date", width=128, tooltip=DUE_BY_TIP),
        Column("last_on", "Last entry", kind="date", width=128,
               tooltip="The day of the last entry by a supervisor (any rank that supervises)"),
        Column("last_by", "By", width=140, tooltip="Who made that entry, and their rank"),
        Column("last_grade", "Grade", width=128,
               tooltip="That entry against the reviewing-officer checklist"),
        Column("reasons_words", "Why", long_text=True),
        Column("area", "Area", width=90),
        Column("team", "Team", width=170),
        Column("team_type", "Team type", width=150, words=words.team_type_words),
        Column("officer_id", "OIC", width=100),
        Column("opened_on", "Opened", kind="date", width=128),
    ]  # fmt: skip


COLUMNS = _columns()


PANEL = Panel(
    id="today-actions",
    page="today",
    order=20,
    title="Cases needing a supervisor",
    description=words.action_list_description,
    table=Table(
        columns=COLUMNS,
        rows=lambda ctx: data.action_list(ctx.scope, ctx.filters),
        export_name="cases-needing-supervision",
        row_key=("investigation_id", "flag_words"),
        distinct="investigation_id",  # a case with two flags has two rows
        row_noun="flag",
    ),
)
