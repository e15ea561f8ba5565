"""The saved-views bar of a page with filters: pick one of your views, or save the current
filters under a name (optionally as the view the page opens with). Views are managed (default,
delete, links) on the My settings page. Service: dashboard/views.py."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import inputs, views
from dashboard.access import auth, current_scope
from dashboard.audits import app_db, app_db_exists

DEFAULT_LABEL = "Open this page with it"


def _options(page: str) -> list[dict]:
    mine = views.list_for(app_db(), current_scope().username, page)
    return [
        {"label": v.name + (" (opens this page)" if v.is_default else ""), "value": v.id}
        for v in mine
    ]


def applied_default(page: str, query: dict | None) -> tuple[dict | None, str | None]:
    """The page's query: the address's, or (when it asks for nothing) the user's default view
    for the page, and that view's name."""
    if query or page not in views.PAGES or not app_db_exists():
        return query, None
    view = views.default_for(app_db(), current_scope().username, page)
    if view is None:
        return query, None
    return views.as_query(view.query), view.name


def bar(page: str, default_name: str | None) -> dbc.Row | None:
    if page not in views.PAGES or not app_db_exists():
        return None
    shown = None
    if default_name:
        without = html.A("Without it", href=f"{views.PAGES[page]}?view=none")
        shown = html.Span([f"Opened with your view '{default_name}'. ", without], className="small")
    return dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=f"{page}-view-pick",
                    options=_options(page),
                    placeholder="My saved views",
                    clearable=True,
                ),
                md=3,
            ),
            dbc.Col(
                dbc.Input(
                    id=f"{page}-view-name",
                    placeholder="Name for these filters",
                    maxLength=views.NAME_MAX,
                    size="sm",
                ),
                md=3,
            ),
            dbc.Col(
                dbc.Checkbox(id=f"{page}-view-default", label=DEFAULT_LABEL, value=False),
                width="auto",
            ),
            dbc.Col(
                dbc.Button("Save view", id=f"{page}-view-save", size="sm", color="secondary"),
                width="auto",
            ),
            dbc.Col(html.Div([shown], id=f"{page}-view-message", role="status"), md=3),
            dcc.Location(id=f"{page}-view-go", refresh=True),
        ],
        className="g-2 mb-2 align-items-center",
        id=f"{page}-views",
    )


def register(page: str) -> None:
    if page not in views.PAGES:
        return

    @callback(
        Output(f"{page}-view-message", "children"),
        Output(f"{page}-view-pick", "options"),
        Input(f"{page}-view-save", "n_clicks"),
        State(f"{page}-view-name", "value"),
        State(f"{page}-view-default", "value"),
        State(f"{page}-filters", "data"),
        prevent_initial_call=True,
    )
    def _save(_clicks, name, default, store):
        form = inputs.view_form(name=name, default=default)
        scope = current_scope()
        try:
            view = views.save(app_db(), scope.username, page, form.name, store, form.default)
        except views.Invalid as exc:
            refused = dbc.Alert(f"Not saved: {exc}.", color="warning", className="py-1 mb-0")
            return refused, _options(page)
        auth().record("view_saved", page=page, detail={"view": view.id, "query": view.query})
        saved = [f"Saved '{view.name}'. ", html.A("Link to share", href=views.link(view))]
        return html.Span(saved, className="small"), _options(page)

    @callback(
        Output(f"{page}-view-go", "href"),
        Input(f"{page}-view-pick", "value"),
        prevent_initial_call=True,
    )
    def _go(view_id):
        if not isinstance(view_id, int):
            raise PreventUpdate
        mine = {v.id: v for v in views.list_for(app_db(), current_scope().username, page)}
        if view_id not in mine:
            raise PreventUpdate
        view = mine[view_id]
        # A view with no filters must not open as the user's default view instead.
        return views.link(view) if view.query else f"{views.PAGES[page]}?view=none"
