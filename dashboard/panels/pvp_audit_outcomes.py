"""PVP meeting: the month's audit outcomes (grades by area, themes) and the actions agreed,
open ones carried from meeting to meeting; the PPU and moderators record and close actions."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import pack
from dashboard.audits import app_db, service
from dashboard.figures import empty, table
from dashboard.panels import ALL_ROLES, Context, Panel

WHOLE_FORCE = "__force__"  # the area choice meaning the whole force (pages/pvp.py)


def render(ctx: Context):
    p = pack.for_context(ctx)
    if p is None:
        return empty()
    return audit_outcomes(p, ctx.scope)


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
                        table(p.audit_grades, "pvp-audit-grades"),
                    ],
                    md=6,
                ),
                dbc.Col(
                    [html.H3("Themes", className="h6"), table(p.audit_themes, "pvp-audit-themes")],
                    md=6,
                ),
            ]
        ),
        html.H3("Actions agreed (open ones are carried to the next meeting)", className="h6"),
        table(p.audit_actions, "pvp-actions"),
    ]
    areas = [a for a in p.areas if service.can_record_actions(scope, a)]
    if not areas:
        return out
    shown_open = [
        int(i)
        for i, st in zip(
            p.audit_actions.get("action", []), p.audit_actions.get("status", []), strict=True
        )
        if st == "open"
    ]
    # "open" in the month shown; offered for closing only if not closed since.
    still = service.still_open(app_db(), shown_open)
    open_ids = [i for i in shown_open if i in still]
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
                                    maxLength=service.ACTION_MAX,
                                    className="form-control",
                                ),
                                md=4,
                            ),
                            dbc.Col(
                                dcc.Input(
                                    id="pvp-action-owner",
                                    placeholder="Owner",
                                    maxLength=service.OWNER_MAX,
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


PANEL = Panel(
    id="pvp-audit-outcomes",
    page="pvp",
    order=60,
    title="Audit outcomes",
    description="The month's case-audit grades by area, the themes found, and the actions "
    "agreed (carried to the next meeting until closed).",
    render=render,
    roles=ALL_ROLES,
)
