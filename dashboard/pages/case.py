"""Case: one investigation joined with its incident, its flags, and its supervision timeline.

The page finds the case (or says it was not found, alike for a case outside the user's areas),
records the view, and shows the panels of page "case" (dashboard/panels/case_*.py) with a
context carrying the case id and the as-of day."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import data, inputs
from dashboard.access import auth, current_scope
from dashboard.auth import safe_local_path
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
        as_of = inputs.address_day(query.get("as_of")) or data.latest_day()
        # A case that moved area: the area holding it now reads its past too; one it left, the
        # days it held it (data.case_scope).
        scope = data.case_scope(scope, investigation_id, as_of) if as_of else None
        record = data.case_record(scope, investigation_id, as_of) if scope else None
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
    asked_from = inputs.address_value(query.get("from"))
    back = safe_local_path(asked_from) if asked_from else None
    return html.Div(
        [
            dcc.Link("← Back to the list", href=back, id="case-back") if back else None,
            html.H1(f"Case {investigation_id}", className="h3", id="case-title"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Label("As of", htmlFor="case-as-of", className="form-label small"),
                            dcc.DatePickerSingle(
                                id="case-as-of",
                                date=as_of.isoformat(),
                                max_date_allowed=data.latest_day(),
                                display_format="DD/MM/YYYY",
                                first_day_of_week=1,
                                clearable=False,
                            ),
                        ],
                        width="auto",
                    ),
                    dbc.Col(html.P(rule, className="text-muted mb-0"), className="align-self-end"),
                ],
                className="g-3 mb-3",
            ),
            html.P(f"Everything on this page is as of {as_of:%d/%m/%Y}.", className="small"),
            dcc.Location(id="case-go", refresh="callback-nav"),
            dcc.Store(id="case-from", data=back),
            *render_panels("case", c),
        ]
    )


@callback(
    Output("case-go", "href"),
    Input("case-as-of", "date"),
    State("case-title", "children"),
    State("case-from", "data"),
    prevent_initial_call=True,
)
def _other_day(day, title, back):
    """Open the same case as of the day picked (the page is rebuilt for that day); a cleared
    picker changes nothing."""
    chosen = inputs.filters({"as_of": day}).as_of
    if chosen is None:
        raise PreventUpdate
    case_id = str(title).removeprefix("Case ")
    query = {"as_of": chosen.isoformat(), **({"from": back} if back else {})}
    return f"/case/{quote(case_id, safe='')}?{urlencode(query)}"


dash.register_page(
    __name__,
    path_template="/case/<investigation_id>",
    name="Case",
    title="Case",
    order=9,
    layout=layout,
)
