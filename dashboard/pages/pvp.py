"""PVP meeting: the month's headline figures against the previous month and the same month
last year, 12-month trends, tables by team and supervisor, the longest-waiting cases, and the
pack to download (A4 PDF and Excel)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import data, inputs, measures, pack, packjobs, words
from dashboard.access import auth, current_scope
from dashboard.audits import app_db, service
from dashboard.compose import no_data_message
from dashboard.data import NoWarehouse
from dashboard.figures import graph
from dashboard.panels import Context
from dashboard.panels import today_published_crime as published_crime
from dashboard.scope import Filters

WHOLE_FORCE = "__force__"


def _table(df, table_id: str) -> dbc.Table:
    if df.empty:
        return html.P("None.", className="text-muted fst-italic")
    return dbc.Table.from_dataframe(df, striped=True, size="sm", hover=True, id=table_id)


def _longest(df) -> html.Div | dbc.Table:
    """The longest-waiting cases, each linking to its case page."""
    if df.empty:
        return html.P("None.", className="text-muted fst-italic")
    head = html.Thead(html.Tr([html.Th(c) for c in df.columns]))
    rows = [
        html.Tr(
            [
                html.Td(dcc.Link(v, href=f"/case/{quote(str(v), safe='')}"))
                if c == "case"
                else html.Td(v)
                for c, v in zip(df.columns, row, strict=True)
            ]
        )
        for row in df.itertuples(index=False)
    ]
    return dbc.Table([head, html.Tbody(rows)], striped=True, size="sm", id="pvp-longest")


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
    chosen_month = query.get("month") or months[0].isoformat()
    chosen_area = query.get("area") or (areas[0]["value"] if areas else None)
    auth().record("view", page="pvp", detail={"month": chosen_month, "area": chosen_area})
    return html.Div(
        [
            html.H1("PVP meeting", className="h3"),
            html.P(
                "Figures for one month, replayed from the history: a pack for a past month is "
                "the same whenever it is produced. Each figure is defined under the table.",
                className="text-muted",
            ),
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
            dcc.Loading(html.Div(id="pvp-body")),
        ]
    )


def _areas(value: str | None) -> list[str] | None:
    return None if value in (None, WHOLE_FORCE) else [value]


@callback(Output("pvp-body", "children"), Input("pvp-month", "value"), Input("pvp-area", "value"))
def _show(month, area):
    if not month:
        raise PreventUpdate
    month, area = inputs.pvp_choice(month, area)
    scope = current_scope()
    with data.counting_rows() as read:
        p = pack.build(scope, month, _areas(area))
    auth().record_read("pvp", read[0], {"month": month.isoformat(), "area": area, "areas": p.areas})
    charts = [
        dbc.Col([html.H3(title, className="h6"), graph(fig, f"pvp-trend-{i}", title)], md=6)
        for i, (title, fig) in enumerate(pack.figures(p))
    ]
    return [
        html.H2(p.title, className="h5", id="pvp-title"),
        _table(p.headline, "pvp-headline"),
        html.P(words.pvp_definitions(data.settings()), className="small text-muted"),
        html.H2(p.longest_title, className="h5 mt-3"),
        _longest(p.longest),
        html.H2("Twelve-month trends", className="h5 mt-3"),
        dbc.Row(charts, className="g-3"),
        html.H2("Published crime in the area, by month", className="h5 mt-3"),
        published_crime.render(
            Context(scope=scope.only(p.areas), filters=Filters(), as_of=measures.month_end(p.month))
        ),
        html.H2(f"Quality of supervision, {p.month:%B %Y}", className="h5 mt-3"),
        html.P(pack.QUALITY_NOTE, className="small text-muted"),
        _table(p.quality, "pvp-quality"),
        html.H2(f"By team, {p.month:%B %Y}", className="h5 mt-3"),
        _table(p.by_team, "pvp-by-team"),
        html.H2(p.supervisors_title, className="h5 mt-3"),
        _table(p.top_supervisors, "pvp-by-supervisor"),
        html.P(p.more_supervisors, className="small text-muted", id="pvp-more-supervisors"),
        *audit_outcomes(p, scope),
    ]


def audit_outcomes(p, scope) -> list:
    """The month's audit grades and themes, and the actions agreed (carried until closed)."""
    out = [
        html.H2(f"Audit outcomes, {p.month:%B %Y}", className="h5 mt-3", id="pvp-audits"),
        html.P(p.audit_note, className="small", id="pvp-audit-note"),
        dbc.Row(
            [
                dbc.Col(
                    [
                        html.H3("Grades by area", className="h6"),
                        _table(p.audit_grades, "pvp-audit-grades"),
                    ],
                    md=6,
                ),
                dbc.Col(
                    [html.H3("Themes", className="h6"), _table(p.audit_themes, "pvp-audit-themes")],
                    md=6,
                ),
            ]
        ),
        html.H3("Actions agreed (open ones are carried to the next meeting)", className="h6"),
        _table(p.audit_actions, "pvp-actions"),
    ]
    areas = [a for a in p.areas if service.can_record_actions(scope, a)]
    if not areas:
        return out
    open_ids = [
        int(i)
        for i, st in zip(
            p.audit_actions.get("action", []), p.audit_actions.get("status", []), strict=True
        )
        if st == "open"
    ]
    area_options = [{"label": a, "value": a} for a in areas]
    if service.can_record_actions(scope, None):
        area_options.insert(0, {"label": "Force-wide", "value": WHOLE_FORCE})
    out.append(
        dbc.Card(
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                dcc.Input(
                                    id="pvp-action-text",
                                    placeholder="Action agreed",
                                    className="form-control",
                                ),
                                md=4,
                            ),
                            dbc.Col(
                                dcc.Input(
                                    id="pvp-action-owner",
                                    placeholder="Owner",
                                    className="form-control",
                                ),
                                md=2,
                            ),
                            dbc.Col(
                                dcc.DatePickerSingle(
                                    id="pvp-action-due",
                                    placeholder="Due",
                                    display_format="DD/MM/YYYY",
                                ),
                                md=2,
                            ),
                            dbc.Col(
                                dcc.Dropdown(
                                    id="pvp-action-area",
                                    options=area_options,
                                    value=area_options[0]["value"],
                                    clearable=False,
                                ),
                                md=2,
                            ),
                            dbc.Col(
                                dbc.Button("Record action", id="pvp-action-add", size="sm"), md=2
                            ),
                        ],
                        className="g-2",
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                dcc.Dropdown(
                                    id="pvp-action-close-id",
                                    placeholder="Action to close",
                                    options=open_ids,
                                ),
                                md=3,
                            ),
                            dbc.Col(
                                dbc.Button(
                                    "Close action",
                                    id="pvp-action-close",
                                    size="sm",
                                    color="secondary",
                                ),
                                md=2,
                            ),
                        ],
                        className="g-2 mt-1",
                    ),
                    html.Div(id="pvp-action-message", className="small mt-1"),
                    dcc.Location(id="pvp-go", refresh=True),
                ]
            ),
            className="mt-2",
        )
    )
    return out


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
    except (service.Invalid, service.Conflict, ValueError, TypeError) as exc:
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
    p = pack.build(current_scope(), month, _areas(area))
    auth().record(
        "pack", page="pvp", detail={"month": month.isoformat(), "areas": p.areas, "format": "xlsx"}
    )
    return dcc.send_bytes(pack.to_excel(p), f"{pack.file_stem(p)}.xlsx")


@callback(
    Output("pvp-download-pdf", "data"),
    Output("pvp-pack-status", "children"),
    Output("pvp-pack-poll", "disabled"),
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
    scope = current_scope()
    clicked = ctx.triggered_id == "pvp-pdf"
    if clicked:
        auth().record(
            "pack",
            page="pvp",
            detail={
                "month": month.isoformat(),
                "areas": scope.narrow(_areas(area)),
                "format": "pdf",
            },
        )
    job = packjobs.ensure(scope, month, _areas(area), retry=clicked)
    if job.state == "ready":
        return dcc.send_bytes(job.read(), job.filename), "The PDF pack is ready.", True
    if job.state == "failed":
        return no_update, "The PDF pack could not be made; try again or ask an admin.", True
    return no_update, f"Preparing the PDF pack ({job.seconds} s)...", False


dash.register_page(
    __name__, path="/pvp", name="PVP meeting", title="PVP meeting", order=5, layout=layout
)
