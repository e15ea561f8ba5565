"""PVP meeting: the month's headline figures against the previous month and the same month
last year, 12-month trends, tables by team and supervisor, the longest-waiting cases, and the
pack to download (A4 PDF and Excel)."""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import data, inputs, measures, pack, packjobs
from dashboard.access import auth, current_scope
from dashboard.audits import app_db, service
from dashboard.compose import address_alert, no_data_message, render_panels
from dashboard.data import NoWarehouse
from dashboard.panels import Context
from dashboard.panels.pvp_audit_outcomes import WHOLE_FORCE
from dashboard.scope import Filters


def _area_options(scope) -> list[dict]:
    areas = [a for a in data.settings().areas if a in scope.areas]
    options = [{"label": a, "value": a} for a in areas]
    if areas and len(areas) == len(data.settings().areas):
        options.insert(0, {"label": "Whole force", "value": WHOLE_FORCE})
    return options


def layout(**query):
    scope = current_scope()
    try:
        months = data.available_months()
    except NoWarehouse:
        return no_data_message()
    if not months:
        return html.Div([html.H1("PVP meeting", className="h3"), no_data_message()])
    areas = _area_options(scope)
    chosen_month, chosen_area, problems = _from_address(query, months, areas)
    auth().record("view", page="pvp", detail={"month": chosen_month, "area": chosen_area})
    return html.Div(
        [
            html.H1("PVP meeting", className="h3"),
            html.P(
                "Figures for one month, replayed from the history: a pack for a past month is "
                "the same whenever it is produced. Each figure is defined under the table.",
                className="text-muted",
            ),
            address_alert("pvp", problems),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Label("Month", htmlFor="pvp-month", className="form-label small"),
                            dcc.Dropdown(
                                id="pvp-month",
                                options=[
                                    {"label": f"{m:%B %Y}", "value": m.isoformat()} for m in months
                                ],
                                value=chosen_month,
                                clearable=False,
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            html.Label("Area", htmlFor="pvp-area", className="form-label small"),
                            dcc.Dropdown(
                                id="pvp-area", options=areas, value=chosen_area, clearable=False
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Button("Download pack (PDF)", id="pvp-pdf", className="me-2"),
                            dbc.Button("Download pack (Excel)", id="pvp-xlsx", color="secondary"),
                            dcc.Download(id="pvp-download"),
                            dcc.Download(id="pvp-download-pdf"),
                            # The PDF is made in the background; this polls until it is there.
                            dcc.Interval(id="pvp-pack-poll", interval=1500, disabled=True),
                        ],
                        className="d-flex align-items-end",
                    ),
                ],
                className="g-2 mb-3",
            ),
            html.Div(id="pvp-pack-status", className="small text-muted mb-2", role="status"),
            dcc.Store(id="pvp-address"),
            dcc.Loading(html.Div(id="pvp-body")),
        ]
    )


def _from_address(query: dict, months: list, areas: list[dict]) -> tuple[str, str | None, list]:
    """The month and area an address asks for, when they are ones this user can choose; what
    could not be used is said on the page, and the default shown for it."""
    problems = []
    default_month = months[0].isoformat()
    month = inputs.address_value(query.get("month")) or default_month
    if month not in {m.isoformat() for m in months}:
        problems.append(f"Month '{str(month)[:20]}' is not one of the months with data")
        month = default_month
    values = [a["value"] for a in areas]
    area = inputs.address_value(query.get("area")) or (values[0] if values else None)
    if area not in values:
        problems.append(f"Area '{str(area)[:40]}' is not one you can choose")
        area = values[0] if values else None
    return month, area, problems


def _areas(value: str | None) -> list[str] | None:
    return None if value in (None, WHOLE_FORCE) else [value]


# The month and area in the address, as every other page's filters (bookmark, share, Back).
clientside_callback(
    "function (month, area) {"
    " return window.dash_clientside.pvp.filtersToAddress({month: month, area: area}); }",
    Output("pvp-address", "data"),
    Input("pvp-month", "value"),
    Input("pvp-area", "value"),
    prevent_initial_call=True,
)


# Any day of 1900 to 2199 was taken: each was a PDF render, queued without limit, and a month
# after the data showed made-up figures (an adversarial pass, session 24).
NOT_OFFERED = "No pack for that month: the data does not cover it."


@callback(Output("pvp-body", "children"), Input("pvp-month", "value"), Input("pvp-area", "value"))
def _show(month, area):
    if not month:
        raise PreventUpdate
    month, area = inputs.pvp_choice(month, area)
    if not data.month_in_data(month):
        return dbc.Alert(NOT_OFFERED, color="warning")
    scope = current_scope()
    # The panels are given the user narrowed to the areas shown (never beyond their own) and
    # the month's last day; they share one pack (pack.for_context).
    shown = scope.only(scope.narrow(_areas(area)))
    c = Context(scope=shown, filters=Filters(), as_of=measures.month_end(month))
    with data.counting_rows() as read:
        body = render_panels("pvp", c)
    areas = pack.for_context(c).areas
    auth().record_read("pvp", read[0], {"month": month.isoformat(), "area": area, "areas": areas})
    return body


@callback(
    Output("pvp-action-message", "children"),
    Output("pvp-go", "href"),
    Input("pvp-action-add", "n_clicks"),
    Input("pvp-action-close", "n_clicks"),
    State("pvp-action-text", "value"),
    State("pvp-action-owner", "value"),
    State("pvp-action-due", "date"),
    State("pvp-action-area", "value"),
    State("pvp-action-close-id", "value"),
    State("pvp-month", "value"),
    State("pvp-area", "value"),
    prevent_initial_call=True,
)
def _actions(_add, _close, text, owner, due, area, close_id, month, shown_area):
    scope = current_scope()
    try:
        if ctx.triggered_id == "pvp-action-close":
            if not close_id:
                return "Choose the action to close.", dash.no_update
            action = service.actions_by_id(app_db(), scope, int(close_id))
            service.close_action(app_db(), scope, int(close_id), action.version)
        else:
            service.add_action(
                app_db(),
                scope,
                None if area == WHOLE_FORCE else area,
                date.fromisoformat(month),
                text or "",
                owner or "",
                date.fromisoformat(due[:10]) if due else None,
            )
    except service.Refused:
        return "Not allowed for that area.", dash.no_update
    except (service.Invalid, service.Conflict, ValueError, TypeError, OverflowError) as exc:
        return f"Not saved: {exc}", dash.no_update
    return "Saved.", f"/pvp?month={month}&area={shown_area}"


@callback(
    Output("pvp-download", "data"),
    Input("pvp-xlsx", "n_clicks"),
    State("pvp-month", "value"),
    State("pvp-area", "value"),
    prevent_initial_call=True,
)
def _download(_xlsx, month, area):
    """The workbook is quick to make: it is answered at once."""
    if not month:
        raise PreventUpdate
    month, area = inputs.pvp_choice(month, area)
    if not data.month_in_data(month):
        raise PreventUpdate
    p = pack.build(current_scope(), month, _areas(area))
    auth().record(
        "pack", page="pvp", detail={"month": month.isoformat(), "areas": p.areas, "format": "xlsx"}
    )
    return dcc.send_bytes(pack.to_excel(p), f"{pack.file_stem(p)}.xlsx")


@callback(
    Output("pvp-download-pdf", "data"),
    Output("pvp-pack-status", "children"),
    Output("pvp-pack-poll", "disabled"),
    Output("pvp-pdf", "disabled"),
    Input("pvp-pdf", "n_clicks"),
    Input("pvp-pack-poll", "n_intervals"),
    State("pvp-month", "value"),
    State("pvp-area", "value"),
    prevent_initial_call=True,
)
def _pdf(_clicks, _ticks, month, area):
    """Starts (or finds) the PDF job and answers at once; the poll delivers the file."""
    if not month:
        raise PreventUpdate
    month, area = inputs.pvp_choice(month, area)
    if not data.month_in_data(month):
        return no_update, NOT_OFFERED, True, False
    scope = current_scope()
    clicked = ctx.triggered_id == "pvp-pdf"
    job = packjobs.ensure(scope, month, _areas(area), retry=clicked)
    # The button is off while the PDF is made, so a second click cannot queue another.
    if job.state == "ready":
        # Recorded when the file is sent, whichever request sends it: a poll alone (no click)
        # delivers a pack too.
        auth().record(
            "pack",
            page="pvp",
            detail={
                "month": month.isoformat(),
                "areas": scope.narrow(_areas(area)),
                "format": "pdf",
            },
        )
        return dcc.send_bytes(job.read(), job.filename), "The PDF pack is ready.", True, False
    if job.state == "failed":
        failed = "The PDF pack could not be made; try again or ask an admin."
        return no_update, failed, True, False
    if job.state == "waiting":
        waiting = (
            f"You have {packjobs.IN_FLIGHT_PER_USER} PDF packs being made already: this one "
            "starts when one of them is ready..."
        )
        return no_update, [dbc.Spinner(size="sm", spinner_class_name="me-2"), waiting], False, True
    preparing = [
        dbc.Spinner(size="sm", spinner_class_name="me-2"),
        f"Preparing the PDF pack ({job.seconds} s; it takes about ten seconds)...",
    ]
    return no_update, preparing, False, True


dash.register_page(
    __name__, path="/pvp", name="PVP meeting", title="PVP meeting", order=5, layout=layout
)
