"""One case audit (/audits/<id>): the sampled case's record and supervision timeline beside the
question set. Every answer starts unmarked; the grade cannot be submitted until every question
is answered, and needs a rationale. Then moderation, feedback and the audit's history.

Every write goes through dashboard/audits/service.py, which checks the role and area again on
the server and refuses a form saved over someone else's newer save.
"""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import data, words
from dashboard.access import current_scope
from dashboard.appdb.engine import SchemaNotCurrent
from dashboard.audits import app_db, service
from dashboard.audits.config import get_config
from dashboard.data import NoWarehouse
from dashboard.figures import graph
from dashboard.timeline import figure

STATUS_COLOURS = {
    "sampled": "secondary",
    "draft": "info",
    "submitted": "primary",
    "moderated": "success",
}
FACTS = [
    ("area", "Area"),
    ("team", "Team"),
    ("team_type", "Team type"),
    ("officer_id", "OIC"),
    ("offence", "Offence"),
    ("opened_at", "Opened"),
    ("closed_at", "Closed"),
    ("victim_age", "Youngest victim"),
    ("suspect_age", "Youngest suspect"),
    ("incident_type", "Incident type"),
    ("incident_children_present", "Children present"),
]


def not_found(audit_id) -> html.Div:
    """The same answer for a missing audit and one outside the user's areas."""
    return html.Div(
        [
            html.H1("Audit not found", className="h3"),
            dbc.Alert(
                f"No audit {audit_id} was found in your areas.",
                color="secondary",
                id="audits-not-found",
            ),
        ]
    )


def _when(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).strftime("%d/%m/%Y %H:%M")


def _dl(items) -> html.Dl:
    return html.Dl(
        [
            x
            for k, v in items
            for x in (html.Dt(k, className="col-sm-5"), html.Dd(v, className="col-sm-7 mb-1"))
        ],
        className="row mb-0 small",
    )


def measured(snapshot: dict) -> list[tuple[str, str]]:
    m = snapshot.get("measures") or {}
    s = data.settings()
    longest = m.get("longest_gap_days")
    grades = m.get("entry_grades")
    return [
        ("Entries on the log", str(m.get("entries", ""))),
        ("... by a supervisor rank", str(m.get("supervisor_entries", ""))),
        ("... of them thin", str(m.get("thin_entries", ""))),
        (
            # The window the case was measured with when sampled (a later change of the
            # setting does not rewrite a past audit's figures).
            f"Gaps over {words.days(m.get('review_window_days', s.review_window_days))}",
            str(m.get("gaps_over_window", "")),
        ),
        ("Longest interval (days)", "-" if longest is None else str(longest)),
        (
            "Entry grades",
            "not measured when sampled"
            if grades is None
            else ", ".join(f"{k}: {v}" for k, v in grades.items()),
        ),
    ]


def case_side(scope, audit) -> list:
    snap = audit.snapshot or {}
    record = snap.get("record") or {}
    as_of = date.fromisoformat(snap["as_of"]) if snap.get("as_of") else None
    facts = [
        (
            label,
            _when(record.get(k))
            if k.endswith("_at")
            else ("" if record.get(k) is None else str(record.get(k))),
        )
        for k, label in FACTS
    ]
    facts.append(
        (
            "Why child-related",
            words.reasons_in_words(record.get("child_reasons") or [], data.settings()),
        )
    )
    flags = [
        html.Li(f"{words.FLAG_WORDS.get(f['flag'], f['flag'])}: {f['days']} days")
        for f in snap.get("flags") or []
    ] or [html.Li("No flags.")]
    out = [
        html.H2("The case as sampled", className="h5"),
        html.P(
            f"Facts, flags and measures as of {as_of:%d/%m/%Y}." if as_of else "",
            className="small text-muted",
        ),
        dbc.Card(dbc.CardBody(_dl(facts)), className="mb-2"),
        dbc.Card(
            [dbc.CardHeader("Flags on that day"), dbc.CardBody(html.Ul(flags))], className="mb-2"
        ),
        dbc.Card(
            [
                dbc.CardHeader("Measured supervision"),
                dbc.CardBody(_dl(measured(snap)), id="audits-measured"),
            ],
            className="mb-2",
        ),
        dcc.Link("Open the case page (today's record)", href=f"/case/{audit.investigation_id}"),
    ]
    try:
        live = data.case_record(scope, audit.investigation_id)
        if live is not None and as_of is not None:
            entries = data.case_entries(scope, audit.investigation_id, as_of)
            newest = data.latest_day() or as_of
            later = len(data.case_entries(scope, audit.investigation_id, newest)) - len(entries)
            intervals = data.review_intervals(scope, as_of, audit.investigation_id)
            fig = figure(live, entries, intervals, as_of, data.settings())
            out += [
                html.H2("Supervision timeline", className="h5 mt-3"),
                graph(fig, "audits-timeline", "Supervision timeline of the case"),
            ]
            rows = [
                html.Tr(
                    [
                        html.Td(_when(e.reviewed_at)),
                        html.Td(e.reviewer_rank),
                        html.Td(e.note or "", style={"whiteSpace": "pre-wrap"}),
                    ]
                )
                for e in entries.itertuples()
            ]
            if later > 0:
                out.append(
                    html.P(
                        f"{later} later entries (after the sampling day) are on the case page.",
                        className="small text-muted",
                    )
                )
            if rows:
                out.append(
                    dbc.Table(
                        [
                            html.Thead(
                                html.Tr([html.Th("When"), html.Th("Rank"), html.Th("Note")])
                            ),
                            html.Tbody(rows, id="audits-entries"),
                        ],
                        size="sm",
                        striped=True,
                    )
                )
    except NoWarehouse:
        pass
    return out


def question_block(config, audit, editable: bool) -> list:
    out = []
    for n, q in enumerate(config.questions, 1):
        saved = (audit.answers or {}).get(q.key) or {}
        out.append(
            html.Div(
                [
                    html.Label(
                        f"{n}. {words.fill(q.text, data.settings())}",
                        className="form-label fw-semibold small",
                        htmlFor=f"audits-answer-{q.key}",
                    ),
                    dcc.RadioItems(
                        id={"type": "audits-answer", "q": q.key},
                        options=[
                            {"label": f" {a}", "value": a, "disabled": not editable}
                            for a in config.answers
                        ],
                        value=saved.get("answer"),  # None: unmarked
                        inline=True,
                        inputClassName="me-1",
                        labelClassName="me-3",
                    ),
                    dcc.Textarea(
                        id={"type": "audits-note", "q": q.key},
                        value=saved.get("note") or "",
                        placeholder="Note (what you saw)",
                        maxLength=service.NOTE_MAX,
                        disabled=not editable,
                        className="form-control form-control-sm",
                        style={"height": "2.6rem"},
                    ),
                ],
                className="mb-2 pb-2 border-bottom",
                id=f"audits-q-{q.key}",
            )
        )
    return out


def audit_form(config, audit, editable: bool) -> html.Div:
    controls = [
        *question_block(config, audit, editable),
        html.Label("Grade", className="form-label fw-semibold mt-2", htmlFor="audits-grade"),
        dcc.RadioItems(
            id="audits-grade",
            options=[
                {"label": f" {g}", "value": g, "disabled": not editable} for g in config.grades
            ],
            value=audit.grade,
            inline=True,
            inputClassName="me-1",
            labelClassName="me-3",
        ),
        dcc.Textarea(
            id="audits-rationale",
            value=audit.rationale or "",
            disabled=not editable,
            placeholder="Rationale for the grade (required)",
            maxLength=service.RATIONALE_MAX,
            className="form-control mt-1",
            style={"height": "4rem"},
        ),
        html.Label("Themes", className="form-label fw-semibold mt-2", htmlFor="audits-themes"),
        dcc.Checklist(
            id="audits-themes",
            options=[
                {"label": f" {t}", "value": t, "disabled": not editable} for t in config.themes
            ],
            value=list(audit.themes or []),
            inline=True,
            inputClassName="me-1",
            labelClassName="me-3 small",
        ),
        dcc.Input(
            id="audits-theme-note",
            value=audit.theme_note or "",
            disabled=not editable,
            placeholder="Other themes (free text)",
            maxLength=service.THEME_NOTE_MAX,
            className="form-control form-control-sm mt-1",
        ),
        html.Div(id="audits-progress", className="small text-muted mt-2"),
    ]
    if editable:
        controls.append(
            html.Div(
                [
                    dbc.Button("Save draft", id="audits-save", color="secondary", className="me-2"),
                    dbc.Button("Submit", id="audits-submit", disabled=True),
                ],
                className="mt-2",
            )
        )
    controls.append(html.Div(id="audits-message", className="mt-2"))
    return html.Div(controls, id="audits-form")


def moderation_block(config, audit, can_moderate: bool) -> list:
    if audit.status == "moderated":
        verdict = "agreed" if audit.final_grade == audit.grade else f"changed from {audit.grade}"
        return [
            dbc.Alert(
                [
                    html.Strong(f"Final grade: {audit.final_grade}"),
                    f" ({verdict}) by {audit.moderator}, {_when(audit.moderated_at)}. ",
                    audit.moderation_reason or "",
                ],
                color="success",
                id="audits-final",
            )
        ]
    if audit.status != "submitted" or not can_moderate:
        return []
    return [
        dbc.Card(
            [
                dbc.CardHeader("Moderation"),
                dbc.CardBody(
                    [
                        html.P(
                            f"The auditor's grade: {audit.grade}. Agree, or change it with a "
                            "reason; the audit is then final.",
                            className="small",
                        ),
                        dcc.RadioItems(
                            id="audits-mod-grade",
                            options=[{"label": f" {g}", "value": g} for g in config.grades],
                            value=None,
                            inline=True,
                            inputClassName="me-1",
                            labelClassName="me-3",
                        ),
                        dcc.Textarea(
                            id="audits-mod-reason",
                            className="form-control mt-1",
                            placeholder="Reason (required when the grade changes)",
                            maxLength=service.NOTE_MAX,
                        ),
                        dbc.Button("Moderate", id="audits-moderate", className="mt-2"),
                        html.Div(id="audits-mod-message", className="mt-2"),
                    ]
                ),
            ],
            className="mt-3",
        )
    ]


def feedback_block(audit, can_give: bool) -> list:
    given = [
        html.Li(
            f"{f.given_on:%d/%m/%Y}: to the {f.recipient}, by {f.given_by}"
            + (f" - {f.note}" if f.note else "")
        )
        for f in audit.feedback
    ]
    out = [
        html.H2("Feedback to the officer and supervisor", className="h6 mt-3"),
        html.Ul(given or [html.Li("None recorded.")], id="audits-feedback-list"),
    ]
    if can_give and audit.status in service.FINAL:
        out.append(
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id="audits-fb-recipient",
                            value="officer",
                            clearable=False,
                            options=list(service.RECIPIENTS),
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        dcc.DatePickerSingle(
                            id="audits-fb-date",
                            date=date.today(),
                            min_date_allowed=(
                                audit.submitted_at.date() if audit.submitted_at else None
                            ),
                            max_date_allowed=date.today(),
                            display_format="DD/MM/YYYY",
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        dcc.Input(
                            id="audits-fb-note",
                            placeholder="Note",
                            className="form-control",
                            maxLength=service.NOTE_MAX,
                        ),
                        md=4,
                    ),
                    dbc.Col(dbc.Button("Record", id="audits-fb-add", size="sm"), md=2),
                ],
                className="g-2",
            )
        )
        out.append(html.Div(id="audits-fb-message", className="small mt-1"))
    return out


def layout(audit_id: str | None = None, **query):
    scope = current_scope()
    try:
        number = int(str(audit_id)[:12])
    except ValueError:
        return not_found(str(audit_id)[:12])
    try:
        app_db().check_current()
        audit = service.get_audit(app_db(), scope, number)
    except SchemaNotCurrent as exc:
        return dbc.Alert(f"The application database is not ready: {exc}", color="warning")
    if audit is None:
        return not_found(number)
    config = get_config()
    category = config.category(audit.category)
    editable = service.can_audit(scope, audit.area) and audit.status not in service.FINAL
    proxy = category.proxy if category else None
    history = [
        html.Li(f"{_when(e.at)} {e.username}: {e.event}" + (f" ({e.detail})" if e.detail else ""))
        for e in audit.events
    ]
    return html.Div(
        [
            html.H1(
                [
                    f"Audit {audit.id}: case {audit.investigation_id} ",
                    dbc.Badge(
                        audit.status,
                        color=STATUS_COLOURS.get(audit.status, "secondary"),
                        id="audits-status",
                    ),
                ],
                className="h3",
            ),
            html.P(
                f"{config.category_name(audit.category)} · {audit.area} · "
                f"{audit.month:%B %Y} audits · auditor {audit.auditor or 'not started'}",
                className="text-muted",
            ),
            dbc.Alert(f"How this category is chosen: {proxy}", color="light", className="small")
            if proxy
            else None,
            dcc.Store(id="audits-state", data={"id": audit.id, "version": audit.version}),
            dcc.Location(id="audits-go", refresh=True),
            dbc.Row(
                [
                    dbc.Col(case_side(scope, audit), md=6),
                    dbc.Col(
                        [
                            html.H2("Questions", className="h5"),
                            html.P(
                                "Every answer starts unmarked: look at the record, then "
                                "answer. Submit is possible once every question is "
                                "answered and the grade has a rationale.",
                                className="small text-muted",
                            ),
                            audit_form(config, audit, editable),
                            *moderation_block(
                                config, audit, service.can_moderate(scope, audit.area)
                            ),
                            *feedback_block(audit, service.can_give_feedback(scope, audit.area)),
                            html.H2("History", className="h6 mt-3"),
                            html.Ul(history, className="small", id="audits-history"),
                        ],
                        md=6,
                    ),
                ],
                className="g-4",
            ),
        ]
    )


@callback(
    Output("audits-progress", "children"),
    Output("audits-submit", "disabled"),
    Input({"type": "audits-answer", "q": ALL}, "value"),
    Input("audits-grade", "value"),
    Input("audits-rationale", "value"),
)
def _progress(answers, grade, rationale):
    # The browser sends a list and text; anything else is a crafted request, read as empty.
    answers = answers if isinstance(answers, list) else []
    rationale = rationale if isinstance(rationale, str) else ""
    done = sum(1 for a in answers if a)
    missing = []
    if done < len(answers):
        missing.append(f"{len(answers) - done} question(s) unanswered")
    if not grade:
        missing.append("no grade")
    if not (rationale or "").strip():
        missing.append("no rationale")
    text = f"{done} of {len(answers)} answered" + (
        f"; to submit: {', '.join(missing)}." if missing else "; ready to submit."
    )
    return text, bool(missing)


def _answers_from(values, ids, notes, note_ids) -> dict:
    by_key = {i["q"]: {"answer": v} for v, i in zip(values, ids, strict=True)}
    for v, i in zip(notes, note_ids, strict=True):
        by_key.setdefault(i["q"], {"answer": None})["note"] = v or ""
    return by_key


def conflict_message(exc: service.Conflict) -> dbc.Alert:
    return dbc.Alert(
        [
            html.Strong(f"Not saved: this audit was changed by {exc.by} at {exc.at:%H:%M}. "),
            "Your answers are still in the form: copy what you need, then ",
            html.A("reload", href="", id="audits-reload"),
            " to see their changes.",
        ],
        color="danger",
        id="audits-conflict",
    )


@callback(
    Output("audits-message", "children"),
    Output("audits-state", "data"),
    Output("audits-go", "href"),
    Input("audits-save", "n_clicks"),
    Input("audits-submit", "n_clicks"),
    State({"type": "audits-answer", "q": ALL}, "value"),
    State({"type": "audits-answer", "q": ALL}, "id"),
    State({"type": "audits-note", "q": ALL}, "value"),
    State({"type": "audits-note", "q": ALL}, "id"),
    State("audits-grade", "value"),
    State("audits-rationale", "value"),
    State("audits-themes", "value"),
    State("audits-theme-note", "value"),
    State("audits-state", "data"),
    prevent_initial_call=True,
)
def _save(
    _save_clicks,
    _submit_clicks,
    values,
    ids,
    notes,
    note_ids,
    grade,
    rationale,
    themes,
    theme_note,
    state,
):
    if not state or ctx.triggered_id not in ("audits-save", "audits-submit"):
        raise PreventUpdate
    submit = ctx.triggered_id == "audits-submit"
    scope = current_scope()
    try:
        audit = service.save_audit(
            app_db(),
            scope,
            int(state["id"]),
            int(state["version"]),
            _answers_from(values or [], ids or [], notes or [], note_ids or []),
            grade,
            rationale,
            themes,
            theme_note,
            submit=submit,
        )
    except service.Refused:
        return (
            dbc.Alert("No such audit in your areas.", color="danger"),
            dash.no_update,
            dash.no_update,
        )
    except service.Conflict as exc:
        return conflict_message(exc), dash.no_update, dash.no_update
    except (service.Invalid, TypeError, ValueError, KeyError, OverflowError) as exc:
        return (
            dbc.Alert(f"Not saved: {exc}", color="warning", id="audits-invalid"),
            dash.no_update,
            dash.no_update,
        )
    new_state = {"id": audit.id, "version": audit.version}
    if submit:
        return dbc.Alert("Submitted.", color="success"), new_state, f"/audits/{audit.id}"
    saved = dbc.Alert(
        f"Draft saved at {audit.updated_at:%H:%M}.", color="success", id="audits-saved"
    )
    return saved, new_state, dash.no_update


@callback(
    Output("audits-mod-message", "children"),
    Output("audits-go", "href", allow_duplicate=True),
    Input("audits-moderate", "n_clicks"),
    State("audits-mod-grade", "value"),
    State("audits-mod-reason", "value"),
    State("audits-state", "data"),
    prevent_initial_call=True,
)
def _moderate(_clicks, grade, reason, state):
    if not state or not grade:
        return dbc.Alert("Choose the final grade.", color="warning"), dash.no_update
    try:
        audit = service.moderate(
            app_db(), current_scope(), int(state["id"]), int(state["version"]), grade, reason
        )
    except service.Refused:
        return dbc.Alert("No such audit in your areas.", color="danger"), dash.no_update
    except service.Conflict as exc:
        return conflict_message(exc), dash.no_update
    except (service.Invalid, TypeError, ValueError, KeyError, OverflowError) as exc:
        return dbc.Alert(f"Not saved: {exc}", color="warning"), dash.no_update
    return dbc.Alert("Moderated.", color="success"), f"/audits/{audit.id}"


@callback(
    Output("audits-fb-message", "children"),
    Output("audits-go", "href", allow_duplicate=True),
    Input("audits-fb-add", "n_clicks"),
    State("audits-fb-recipient", "value"),
    State("audits-fb-date", "date"),
    State("audits-fb-note", "value"),
    State("audits-state", "data"),
    prevent_initial_call=True,
)
def _feedback(_clicks, recipient, given_on, note, state):
    try:
        service.add_feedback(
            app_db(),
            current_scope(),
            int(state["id"]),
            recipient,
            date.fromisoformat(str(given_on)[:10]),
            note,
        )
    except service.Refused:
        return "No such audit in your areas.", dash.no_update
    except (service.Invalid, TypeError, ValueError, KeyError, OverflowError) as exc:
        return f"Not recorded: {exc}", dash.no_update
    return "Recorded.", f"/audits/{state['id']}"


dash.register_page(
    __name__,
    path_template="/audits/<audit_id>",
    name="Audit",
    title="Case audit",
    order=11,
    layout=layout,
)
