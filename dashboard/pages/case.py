"""Case: one investigation joined with its incident, its flags, and its supervision timeline.

The page finds the case (or says it was not found, alike for a case outside the user's areas),
records the view, and shows the panels of page "case" (dashboard/panels/case_*.py) with a
context carrying the case id and the as-of day."""

from __future__ import annotations

from datetime import date
from urllib.parse import unquote

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import data
from dashboard.access import auth, current_scope
from dashboard.compose import no_data_message, render_panels
from dashboard.data import NoWarehouse
from dashboard.panels import Context
from dashboard.scope import Filters
from dashboard.words import case_rule


def not_found(investigation_id: str) -> html.Div:
    """The same answer for a case that does not exist and one outside the user's areas."""
    return html.Div(
        [
            html.H1("Case not found", className="h3"),
            dbc.Alert(
                f"No case {investigation_id} was found in your areas.",
                color="secondary",
                id="case-not-found",
            ),
        ]
    )


def layout(investigation_id: str | None = None, **query):
    scope = current_scope()
    # The browser's path is still %-encoded: "/case/A%20B" opens case "A B".
    investigation_id = unquote(investigation_id or "")[:64]
    try:
        as_of = date.fromisoformat(query["as_of"]) if query.get("as_of") else data.latest_day()
        record = data.case_record(scope, investigation_id)
    except NoWarehouse:
        return no_data_message()
    except ValueError:
        return not_found(investigation_id)
    auth().record("case_view", page="case", case_id=investigation_id, detail={"as_of": str(as_of)})
    if record is None:
        return not_found(investigation_id)
    s = data.settings()
    rule = case_rule(s, record["team_type"] in s.specialist_team_types)
    c = Context(scope=scope, filters=Filters(as_of=as_of), as_of=as_of, case_id=investigation_id)
    return html.Div(
        [
            html.H1(f"Case {investigation_id}", className="h3", id="case-title"),
            html.P(f"As of {as_of:%d/%m/%Y}. {rule}", className="text-muted"),
            *render_panels("case", c),
        ]
    )


dash.register_page(
    __name__,
    path_template="/case/<investigation_id>",
    name="Case",
    title="Case",
    order=9,
    layout=layout,
)
