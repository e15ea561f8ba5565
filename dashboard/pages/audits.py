"""Case audits (/audits): the month's sampled cases for the user's areas with their status,
progress per area, the moderators' agreement with each auditor, and for the public protection
unit the button that draws the month's sample."""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from dashboard import data, inputs, measures
from dashboard.access import current_scope
from dashboard.appdb.engine import SchemaNotCurrent
from dashboard.audits import app_db, results, service
from dashboard.audits.config import get_config
from dashboard.data import NoWarehouse


def table(df, table_id: str):
    if df.empty:
        return html.P("None.", className="text-muted fst-italic", id=table_id)
    return dbc.Table.from_dataframe(df, striped=True, size="sm", hover=True, id=table_id)


def not_ready(exc: Exception) -> dbc.Alert:
    return dbc.Alert(f"The application database is not ready: {exc}", color="warning")


NOT_DRAWN = "No sample has been drawn yet: the public protection unit draws each month's."


def empty_words(empty: list[dict]) -> str:
    """A sample's categories with no eligible case: "West, Missing children; ..."."""
    config = get_config()
    return "; ".join(f"{e['area']}, {config.category_name(e['category'])}" for e in empty)


def worklist(audits, list_id: str = "audits-list", drawn: bool = True) -> dbc.Table | html.P:
    config = get_config()
    if not drawn:
        return html.P(NOT_DRAWN, className="text-muted", id=list_id)
    if not audits:
        return html.P("None in your areas.", className="text-muted", id=list_id)
    head = ["audit", "area", "category", "case", "team", "status", "auditor", "grade", "final"]
    rows = [
        html.Tr(
            [
                html.Td(dcc.Link(str(a.id), href=f"/audits/{a.id}")),
                html.Td(a.area),
                html.Td(config.category_name(a.category)),
                html.Td(a.investigation_id),
                html.Td(a.team),
                html.Td(a.status),
                html.Td(a.auditor or ""),
                html.Td(a.grade or ""),
                html.Td(a.final_grade or ""),
            ]
        )
        for a in audits
    ]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        striped=True,
        size="sm",
        hover=True,
        id=list_id,
    )


def waiting_for_moderation(scope, audits) -> list:
    """For a moderator: every submitted audit of their areas, oldest first, whatever month."""
    if scope.role != "moderator":
        return []
    waiting = sorted(
        (a for a in audits if a.status == "submitted"), key=lambda a: (a.submitted_at, a.id)
    )
    return [
        html.H2(f"Waiting for your moderation ({len(waiting)})", className="h5 mt-2"),
        worklist(waiting, "audits-to-moderate"),
    ]


def next_audit_month() -> date | None:
    try:
        last = data.default_month()
    except NoWarehouse:
        return None
    return measures.add_months(last, 1) if last else None


def sample_card() -> dbc.Card:
    config = get_config()
    month = next_audit_month()
    return dbc.Card(
        [
            dbc.CardHeader("Draw a month's sample (public protection unit)"),
            dbc.CardBody(
                [
                    html.P(
                        f"Per area: one case per category and the force-interest case "
                        f"({data.settings().audit_cases_per_area} by default), at random from "
                        "child-related cases active in the previous month, spread over teams, "
                        f"leaving out cases audited in the last "
                        f"{data.settings().audit_exclude_months} months.",
                        className="small",
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    html.Label(
                                        "Audit month (YYYY-MM)",
                                        htmlFor="audits-sample-month",
                                        className="form-label small",
                                    ),
                                    dcc.Input(
                                        id="audits-sample-month",
                                        className="form-control",
                                        value=f"{month:%Y-%m}" if month else "",
                                    ),
                                ],
                                md=3,
                            ),
                            dbc.Col(
                                [
                                    html.Label(
                                        "Force interest",
                                        htmlFor="audits-sample-interest",
                                        className="form-label small",
                                    ),
                                    dcc.Dropdown(
                                        id="audits-sample-interest",
                                        clearable=False,
                                        value=config.default_interest,
                                        options=[
                                            {"label": c.name, "value": c.key}
                                            for c in config.interest
                                        ],
                                    ),
                                ],
                                md=5,
                            ),
                            dbc.Col(
                                [
                                    html.Label(
                                        "Seed (optional)",
                                        htmlFor="audits-sample-seed",
                                        className="form-label small",
                                    ),
                                    dcc.Input(
                                        id="audits-sample-seed",
                                        type="number",
                                        min=0,
                                        max=service.SEED_LIMIT - 1,
                                        step=1,
                                        className="form-control",
                                    ),
                                ],
                                md=2,
                            ),
                            dbc.Col(
                                dbc.Button("Draw the sample", id="audits-sample-draw"),
                                md=2,
                                className="d-flex align-items-end",
                            ),
                        ],
                        className="g-2",
                    ),
                    html.Div(id="audits-sample-message", className="mt-2"),
                ]
            ),
        ],
        className="mb-3",
    )


def layout(**query):
    scope = current_scope()
    config = get_config()
    db = app_db()
    try:
        db.check_current()
        months = service.sampled_months(db)
    except SchemaNotCurrent as exc:
        return not_ready(exc)
    chosen = inputs.address_value(query.get("month")) or (f"{months[0]:%Y-%m}" if months else None)
    try:
        month = date.fromisoformat(f"{chosen[:7]}-01") if chosen else None
    except ValueError:
        month = None
    audits = service.list_audits(db, scope, month) if month else []
    everything = service.list_audits(db, scope)
    sample = service.get_sample(db, month) if month else None
    service.log(scope, "view", page="audits", detail={"month": chosen})
    empty = [e for e in (sample.empty_categories if sample else []) if e["area"] in scope.areas]
    proxies = [
        html.Li([html.Strong(c.name + ": "), c.proxy])
        for c in config.categories + config.interest
        if c.proxy
    ]
    return html.Div(
        [
            html.H1("Case audits", className="h3"),
            html.P(
                f"Each area audits {data.settings().audit_cases_per_area} child-related cases "
                "a month, drawn centrally; a chief "
                "inspector answers the question set and grades the case, a detective inspector "
                "moderates, and the themes and agreed actions go to the PVP meeting.",
                className="text-muted",
            ),
            sample_card() if service.can_sample(scope) else None,
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Label(
                                "Month", htmlFor="audits-month", className="form-label small"
                            ),
                            dcc.Dropdown(
                                id="audits-month",
                                clearable=False,
                                value=chosen,
                                options=[
                                    {"label": f"{m:%B %Y}", "value": f"{m:%Y-%m}"} for m in months
                                ],
                            ),
                        ],
                        md=3,
                    ),
                ],
                className="mb-2",
            ),
            dcc.Location(id="audits-url", refresh=True),
            html.P(
                f"Drawn {sample.drawn_at:%d/%m/%Y %H:%M} by {sample.drawn_by}, seed "
                f"{sample.seed}, force interest: {config.category_name(sample.interest_category)};"
                f" facts as of {sample.as_of:%d/%m/%Y}.",
                className="small",
                id="audits-sample-info",
            )
            if sample
            else None,
            dbc.Alert(
                [
                    html.Strong("No eligible case: "),
                    empty_words(empty),
                ],
                color="warning",
                id="audits-empty",
            )
            if empty
            else None,
            *waiting_for_moderation(scope, everything),
            html.H2("Sampled cases", className="h5 mt-2"),
            worklist(audits, drawn=bool(months)),
            html.H2("Progress by area and month", className="h5 mt-3"),
            table(results.overview(everything), "audits-overview"),
            html.H2(
                "Moderation: how often the moderator kept each auditor's grade", className="h5 mt-3"
            ),
            table(results.agreement(everything), "audits-agreement"),
            html.H2("How categories the extracts cannot tell are chosen", className="h6 mt-3"),
            html.Ul(proxies, className="small"),
        ]
    )


@callback(
    Output("audits-url", "href"),
    Input("audits-month", "value"),
    prevent_initial_call=True,
)
def _month(value):
    return f"/audits?month={value}"


@callback(
    Output("audits-sample-message", "children"),
    Input("audits-sample-draw", "n_clicks"),
    State("audits-sample-month", "value"),
    State("audits-sample-interest", "value"),
    State("audits-sample-seed", "value"),
    prevent_initial_call=True,
)
def _draw(_clicks, month, interest, seed):
    scope = current_scope()
    try:
        chosen = date.fromisoformat(f"{str(month)[:7]}-01")
        sample = service.store_sample(
            app_db(), scope, chosen, int(seed) if seed not in (None, "") else None, interest
        )
    except service.Refused:
        return dbc.Alert("Only the public protection unit draws the sample.", color="danger")
    except (service.AlreadySampled, ValueError, TypeError, OverflowError, NoWarehouse) as exc:
        return dbc.Alert(str(exc), color="warning")
    return dbc.Alert(
        [
            f"Drawn {chosen:%B %Y} with seed {sample.seed}; ",
            dcc.Link("show it", href=f"/audits?month={chosen:%Y-%m}"),
            f". No eligible case: {empty_words(sample.empty_categories) or 'none'}.",
        ],
        color="success",
        id="audits-sample-done",
    )


dash.register_page(
    __name__, path="/audits", name="Audits", title="Case audits", order=6, layout=layout
)
