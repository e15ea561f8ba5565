"""Case page: every entry on the case's log up to the day shown, with its grade, the elements
it shows and misses, and why it does not count when it does not."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard import data
from dashboard.figures import empty
from dashboard.panels import ALL_ROLES, Context, Panel
from dashboard.panels.case_record import when
from etl.assessment import element_words

ENTRY_HEADERS = ("When", "Who", "Rank", "Counts?", "Grade", "Shows", "Misses", "Actions", "Note")


def _grade(entry) -> str:
    grade = entry.grade if isinstance(entry.grade, str) else "not assessed"
    if entry.repeated is True:
        others = int(entry.repeated_cases) - 1
        grade += f"; repeated text: the same note on {others} other case{'s' * (others != 1)}"
    return grade


def render(ctx: Context):
    if ctx.case_id is None or ctx.as_of is None:
        return empty("No case to show.")
    entries = data.case_entries(ctx.scope, ctx.case_id, ctx.as_of)
    rows = [
        html.Tr(
            [
                html.Td(when(e.reviewed_at)),
                html.Td(e.reviewer_id),
                html.Td(e.reviewer_rank),
                html.Td("yes" if pd.isna(e.does_not_count) else f"no - {e.does_not_count}"),
                html.Td(_grade(e)),
                html.Td(element_words(e.elements, e.n_applicable, shown=True) or "none"),
                html.Td(element_words(e.elements, e.n_applicable, shown=False) or "nothing"),
                html.Td("" if pd.isna(e.actions_set) else int(e.actions_set)),
                html.Td(e.note or "", style={"whiteSpace": "pre-wrap"}),
            ]
        )
        for e in entries.itertuples()
    ]
    return [
        html.H2("Entries", className="h5 mt-3"),
        dbc.Table(
            [
                html.Thead(html.Tr([html.Th(h) for h in ENTRY_HEADERS])),
                html.Tbody(rows, id="case-entries"),
            ],
            size="sm",
            striped=True,
        )
        if rows
        else html.P("No entries on this case's log.", className="text-muted"),
    ]


PANEL = Panel(
    id="case-entries",
    page="case",
    order=30,
    title="Entries",
    description="Every entry on the case's log up to the day shown, assessed.",
    render=render,
    roles=ALL_ROLES,
)
