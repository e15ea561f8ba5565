"""Audit results (/audit-results): grades by area, category and team over twelve months, themes
ranked, and each graded case's measured supervision beside the human grade, with how often the
two agree stated plainly."""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.access import current_scope
from dashboard.appdb.engine import SchemaNotCurrent
from dashboard.audits import app_db, results, service
from dashboard.pages.audits import NOT_DRAWN, not_ready, table


def layout(**query):
    scope = current_scope()
    db = app_db()
    try:
        db.check_current()
    except SchemaNotCurrent as exc:
        return not_ready(exc)
    audits = service.list_audits(db, scope)
    months = service.sampled_months(db)
    last = months[0] if months else date.today().replace(day=1)
    service.log(scope, "view", page="audit-results")
    # Themes and the comparison over the heading's twelve months too, not every audit ever.
    recent = results.in_window(audits, last)
    comparison, sentence = results.human_vs_measured(recent)
    return html.Div(
        [
            html.H1("Audit results", className="h3"),
            html.P(
                f"Graded audits (the moderated grade where there is one) in your areas, "
                f"twelve months to {last:%B %Y}."
                if months
                else f"{NOT_DRAWN} Graded audits are counted here.",
                className="text-muted",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H2("Grades by area", className="h5"),
                            table(results.grades(audits, "area", last), "results-by-area"),
                        ],
                        md=4,
                    ),
                    dbc.Col(
                        [
                            html.H2("Grades by category", className="h5"),
                            table(results.grades(audits, "category", last), "results-by-category"),
                        ],
                        md=8,
                    ),
                ],
                className="g-3",
            ),
            html.H2("Grades by month", className="h5 mt-3"),
            table(results.grades(audits, "month", last), "results-by-month"),
            html.H2("Grades by team", className="h5 mt-3"),
            table(results.grades(audits, "team", last), "results-by-team"),
            html.H2("Themes, most frequent first", className="h5 mt-3"),
            table(results.themes(recent), "results-themes"),
            html.H2("Human grade beside the measured supervision", className="h5 mt-3"),
            dbc.Alert(sentence, color="info", id="results-agreement"),
            html.P(
                "Measured: a review gap longer than the window, or a response child case "
                "never supervised, on the day the case was sampled. Entry grades: the case's "
                "supervisory entries then, by their grade against the reviewing-officer "
                "checklist (see Supervision quality).",
                className="small",
            ),
            table(comparison, "results-comparison"),
        ]
    )


dash.register_page(
    __name__,
    path="/audit-results",
    name="Audit results",
    title="Audit results",
    order=7,
    layout=layout,
)
