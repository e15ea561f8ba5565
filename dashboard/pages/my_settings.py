"""My settings: the morning digest (subscribe, where it goes, when it last went) and my saved
views (which one each page opens with, their links, delete)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import data, digest, views
from dashboard.access import auth, current_scope
from dashboard.appdb.models import SavedView
from dashboard.audits import app_db, app_db_exists
from dashboard.users import UserStore


def _views_table(mine: list[SavedView]):
    if not mine:
        return html.P("No saved views yet: save one from the bar under a page's filters.",
                      className="small text-muted")  # fmt: skip
    head = html.Thead(html.Tr([html.Th(h) for h in ("Page", "Name", "Link", "Opens the page")]))
    rows = [
        html.Tr(
            [
                html.Td(v.page),
                html.Td(v.name),
                html.Td(html.A(views.link(v), href=views.link(v))),
                html.Td("yes" if v.is_default else ""),
            ]
        )
        for v in mine
    ]
    return dbc.Table([head, html.Tbody(rows)], size="sm", id="settings-views-table")


def _view_options(mine: list[SavedView]) -> list[dict]:
    return [{"label": f"{v.page}: {v.name}", "value": v.id} for v in mine]


NOT_OFFERED = "The digest is the Today list, which your role does not read."


def layout(**_query):
    scope = current_scope()
    if not app_db_exists():
        missing = "The application database is not set up yet: run python -m dashboard db upgrade."
        alert = dbc.Alert(missing, color="warning")
        return html.Div([html.H1("My settings", className="h3"), alert])
    user = UserStore(data.settings().users_file).get(scope.username)
    address = user.email if user else None
    db = app_db()
    sent = digest.last_sent(db, scope.username)
    mine = views.list_for(db, scope.username)
    detail = data.settings().digest_detail
    return html.Div(
        [
            html.H1("My settings", className="h3"),
            html.H2("Morning digest", className="h5 mt-3"),
            html.P(
                "Each morning after the load: your default Today view by email, new cases first, "
                "then those overdue and due today, each with a link to its case. "
                + (
                    "Case numbers and links only (this force's mail is not accredited for case "
                    "detail)."
                    if detail == "ids_only"
                    else "With each case's needs, days, team and latest follow-up."
                ),
                className="small text-muted",
            ),
            # A role the digest is not for is not sent to ask for an address it cannot use.
            html.P(
                [f"Sent to: {address}"]
                if address
                else [
                    "No address is set for you: ask an administrator ",
                    html.Code(f"python -m dashboard users set-email {scope.username} ADDRESS"),
                    ".",
                ],
                id="settings-address",
            )
            if digest.offered_to(scope.role)
            else html.P(NOT_OFFERED, id="settings-address"),
            dbc.Switch(
                id="settings-subscribe",
                label="Send me the morning digest",
                value=digest.subscribed(db, scope.username),
                disabled=not address or not digest.offered_to(scope.role),
            ),
            html.P(
                f"Last sent {sent:%d/%m/%Y %H:%M}." if sent else "None sent yet.",
                className="small",
            ),
            html.Div(id="settings-subscribe-message", role="status", className="small"),
            html.H2("My saved views", className="h5 mt-4"),
            html.Div(_views_table(mine), id="settings-views"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id="settings-view",
                            options=_view_options(mine),
                            placeholder="Choose a view",
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        [
                            dbc.Button(
                                "Open the page with it",
                                id="settings-view-default",
                                size="sm",
                                className="me-2",
                                disabled=True,
                            ),
                            dbc.Button(
                                "Stop opening with it",
                                id="settings-view-undefault",
                                size="sm",
                                color="secondary",
                                className="me-2",
                                disabled=True,
                            ),
                            dbc.Button(
                                "Delete",
                                id="settings-view-delete",
                                size="sm",
                                color="danger",
                                disabled=True,
                            ),
                        ],
                        width="auto",
                    ),
                ],
                className="g-2 align-items-center",
            ),
            html.Div(id="settings-view-message", role="status", className="small mt-2"),
        ]
    )


@callback(
    Output("settings-subscribe-message", "children"),
    Input("settings-subscribe", "value"),
    prevent_initial_call=True,
)
def _subscribe(on):
    if not isinstance(on, bool):
        raise PreventUpdate
    scope = current_scope()
    user = UserStore(data.settings().users_file).get(scope.username)
    if on and not (user and user.email):
        return "No address is set for you: nothing can be sent."
    if on and not digest.offered_to(scope.role):
        return NOT_OFFERED
    digest.subscribe(app_db(), scope.username, on)
    auth().record("digest_subscription", page="settings", detail={"subscribed": on})
    return "You will get the morning digest." if on else "You will not get the morning digest."


@callback(
    Output("settings-views", "children"),
    Output("settings-view", "options"),
    Output("settings-view-message", "children"),
    Input("settings-view-default", "n_clicks"),
    Input("settings-view-undefault", "n_clicks"),
    Input("settings-view-delete", "n_clicks"),
    State("settings-view", "value"),
    prevent_initial_call=True,
)
def _manage(_a, _b, _c, view_id):
    if not isinstance(view_id, int):
        return dash.no_update, dash.no_update, "Choose a view first."
    username = current_scope().username
    mine = {v.id: v for v in views.list_for(app_db(), username)}
    if view_id not in mine:
        raise PreventUpdate
    view = mine[view_id]
    if ctx.triggered_id == "settings-view-default":
        views.set_default(app_db(), username, view_id)
        said = f"The {view.page} page now opens with '{view.name}'."
    elif ctx.triggered_id == "settings-view-undefault":
        views.set_default(app_db(), username, None, view.page)
        said = f"The {view.page} page opens with no saved view."
    else:
        views.delete(app_db(), username, view_id)
        said = f"Deleted '{view.name}'."
    auth().record("view_changed", page="settings",
                  detail={"view": view_id, "what": str(ctx.triggered_id)})  # fmt: skip
    mine = views.list_for(app_db(), username)
    return _views_table(mine), _view_options(mine), said


@callback(
    Output("settings-view-default", "disabled"),
    Output("settings-view-undefault", "disabled"),
    Output("settings-view-delete", "disabled"),
    Input("settings-view", "value"),
    Input("settings-view", "options"),
)
def _buttons(chosen, options):
    """The view buttons act on the view chosen: off while none is (no views, or one deleted)."""
    off = chosen is None or chosen not in [o.get("value") for o in options or []]
    return off, off, off


dash.register_page(
    __name__, path="/settings", name="My settings", title="My settings", order=9, layout=layout
)
