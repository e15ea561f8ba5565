"""Today: record a follow-up of a flagged case (chased someone, or assigned it to a supervisor)
from the list, and see the latest follow-ups in your areas.

A click on a case's "Follow-up" cell in the list opens the form; saving stores it in the
application database through dashboard/followup.py (which checks, on the server, that the case
is one of your areas' flagged cases today) and refreshes the list.
"""

from __future__ import annotations

from datetime import timedelta

import dash_bootstrap_components as dbc
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    dcc,
    html,
    no_update,
)
from dash.exceptions import PreventUpdate

from dashboard import data, followup, inputs
from dashboard.access import auth, current_scope
from dashboard.audits import app_db
from dashboard.compose import context
from dashboard.figures import empty
from dashboard.panels import Context, Panel
from dashboard.scope import Filters

GRID = "today-actions-grid"
RECENT = 10
PERSON_LABEL = "Who (the person chased, or the supervisor assigned)"
REMIND_LABEL = "Remind me on (optional: hides the case from your list until then)"


def _recent(ctx: Context) -> html.Div:
    df = followup.recent(app_db(), ctx.scope.narrow(ctx.filters.areas), RECENT)
    if df.empty:
        return empty("No follow-ups recorded in these areas yet.")
    head = html.Thead(html.Tr([html.Th(h) for h in ("Case", "Follow-up", "Now")]))
    body = html.Tbody(
        [
            html.Tr([html.Td(r.investigation_id), html.Td(r.follow_up), html.Td(r.state)])
            for r in df.itertuples()
        ]
    )
    return dbc.Table([head, body], size="sm", className="small mb-0", id="follow-up-recent")


def _form() -> dbc.Modal:
    latest = data.latest_day()
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Follow-up", id="follow-up-title")),
            dbc.ModalBody(
                [
                    html.Div(id="follow-up-summary", className="small mb-3"),
                    dbc.Label("What you did", html_for="follow-up-kind"),
                    dbc.RadioItems(
                        id="follow-up-kind",
                        options=[{"label": w, "value": k} for k, w in followup.KINDS.items()],
                        value="chased",
                        inline=True,
                        className="mb-2",
                    ),
                    dbc.Label(PERSON_LABEL, html_for="follow-up-person"),
                    dbc.Input(id="follow-up-person", maxLength=followup.PERSON_MAX),
                    dbc.Label("Note (optional)", html_for="follow-up-note", className="mt-2"),
                    dbc.Textarea(id="follow-up-note", maxLength=followup.NOTE_MAX),
                    dbc.Label(REMIND_LABEL, html_for="follow-up-remind", className="mt-2"),
                    html.Div(
                        dcc.DatePickerSingle(
                            id="follow-up-remind",
                            min_date_allowed=latest + timedelta(days=1) if latest else None,
                            max_date_allowed=followup.remind_latest(latest) if latest else None,
                            display_format="DD/MM/YYYY",
                            first_day_of_week=1,
                            clearable=True,
                        )
                    ),
                    html.Div(id="follow-up-message", className="mt-3", role="status"),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button("Cancel", id="follow-up-cancel", color="secondary"),
                    dbc.Button("Save follow-up", id="follow-up-save", color="primary"),
                ]
            ),
        ],
        id="follow-up-modal",
        is_open=False,
    )


def render(ctx: Context):
    return [
        _form(),
        dcc.Store(id="follow-up-case"),
        dcc.Store(id="follow-up-saved"),
        dcc.Store(id="follow-up-purged"),
        html.Div(_recent(ctx), id="follow-up-recent-box"),
    ]


@callback(
    Output("follow-up-modal", "is_open"),
    Output("follow-up-case", "data"),
    Output("follow-up-title", "children"),
    Output("follow-up-summary", "children"),
    Output("follow-up-person", "value"),
    Output("follow-up-note", "value"),
    Output("follow-up-remind", "date"),
    Output("follow-up-message", "children"),
    Input(GRID, "cellClicked"),
    prevent_initial_call=True,
)
def _open(clicked):
    column, row_id = inputs.cell_click(clicked)
    if column != "follow_up" or not row_id:
        raise PreventUpdate
    case = row_id.rsplit("|", 1)[0]
    scope = current_scope()
    # The case as the newest day of data has it (what a follow-up is recorded against).
    rows = data.action_list(scope, Filters(follow_up="all"))
    rows = rows[rows["investigation_id"] == case]
    auth().record_read("today", len(rows), {"panel": "today-follow-up"}, case_id=case[:64])
    if rows.empty or scope.role not in followup.ACTING_ROLES:
        message = dbc.Alert(
            "You cannot record a follow-up of this case: it is not one of your areas' cases "
            "needing a supervisor on the newest day of data, or your role does not record them.",
            color="warning",
        )
        return True, None, f"Follow-up of {case}", None, "", "", None, message
    first = rows.iloc[0]
    summary = [
        html.Div(f"Needs: {', '.join(rows['flag_words'])}; {first['days']} days."),
        html.Div(f"Team {first['team']}, officer in charge {first['officer_id']}."),
        html.Div(f"Latest follow-up: {first['follow_up'] or 'none'}"),
    ]
    return True, case, f"Follow-up of {case}", summary, "", "", None, None


@callback(
    Output("follow-up-message", "children", allow_duplicate=True),
    Output("follow-up-modal", "is_open", allow_duplicate=True),
    Output("follow-up-saved", "data"),
    Output("follow-up-recent-box", "children"),
    Input("follow-up-save", "n_clicks"),
    State("follow-up-case", "data"),
    State("follow-up-kind", "value"),
    State("follow-up-person", "value"),
    State("follow-up-note", "value"),
    State("follow-up-remind", "date"),
    State("today-filters", "data"),
    prevent_initial_call=True,
)
def _save(_clicks, case, kind, person, note, remind, store):
    if not case:
        raise PreventUpdate
    form = inputs.follow_up_form(case=case, kind=kind, person=person, note=note, remind_on=remind)
    try:
        made = followup.record(
            app_db(), current_scope(), form.case, form.kind or "", form.person, form.note,
            form.remind_on,
        )  # fmt: skip
    except followup.Refused:
        message = "You cannot record a follow-up of this case (not one of your areas' cases "
        refused = dbc.Alert(message + "needing a supervisor today).", color="danger")
        return refused, True, None, no_update
    except followup.Invalid as exc:
        return dbc.Alert(f"Not saved: {exc}.", color="warning"), True, None, no_update
    return None, False, made.id, _recent(context(inputs.filters(store)))


@callback(
    Output("follow-up-modal", "is_open", allow_duplicate=True),
    Input("follow-up-cancel", "n_clicks"),
    prevent_initial_call=True,
)
def _cancel(_clicks):
    return False


# A saved follow-up shows in the list at once: the grid asks the server for its rows again.
clientside_callback(
    ClientsideFunction(namespace="pvp", function_name="purgeGrid"),
    Output("follow-up-purged", "data"),
    Input("follow-up-saved", "data"),
    State(GRID, "id"),
    prevent_initial_call=True,
)


PANEL = Panel(
    id="today-follow-up",
    page="today",
    order=30,
    title="Follow-ups",
    description="Click a case's Follow-up cell in the list above to record that you chased "
    "someone about it or assigned it to a supervisor, with a note and an optional reminder day. "
    "A follow-up never clears a flag: only a review in the extracts does, and the follow-up then "
    "closes by itself. The latest follow-ups in these areas:",
    render=render,
    roles=("area", "force"),
)
