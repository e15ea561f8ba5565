"""Case: one investigation joined with its incident, its flags, and its supervision timeline."""

from __future__ import annotations

from datetime import date
from urllib.parse import unquote

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard import data
from dashboard.access import auth, current_scope
from dashboard.compose import no_data_message
from dashboard.data import NoWarehouse
from dashboard.figures import graph
from dashboard.timeline import figure
from dashboard.words import FLAG_WORDS, case_rule, reasons_in_words, window
from etl.assessment import element_words

ENTRY_HEADERS = ("When", "Who", "Rank", "Counts?", "Grade", "Shows", "Misses", "Actions", "Note")


def _when(value) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%d/%m/%Y %H:%M")


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
    entries = data.case_entries(scope, investigation_id, as_of)
    versions = data.case_versions(scope, investigation_id)
    intervals = data.review_intervals(scope, as_of, investigation_id)
    flags = data.case_flags(scope, investigation_id, as_of)
    rule = case_rule(s, record["team_type"] in s.specialist_team_types)
    present = record["incident_children_present"]
    incident = record["incident_id"] or "none linked"
    if record["has_incident"]:
        reported = _when(record["incident_reported_at"])
        incident += f", {record['incident_type']}, reported {reported}"
    elif record["incident_id"]:
        incident += " (not loaded yet)"
    facts = [
        ("Area", record["area"]),
        ("Team", f"{record['team']} ({record['team_type']})"),
        ("Officer in charge", record["officer_id"]),
        ("Offence", record["offence"]),
        ("Opened", _when(record["opened_at"])),
        ("Closed", _when(record["closed_at"]) or "open"),
        ("Youngest victim", _age(record["victim_age"])),
        ("Youngest suspect", _age(record["suspect_age"])),
        ("Child-protection concern", _yes_no(record["child_protection_concern"])),
        ("Incident", incident),
        ("Incident child marker", _yes_no(record["incident_child_linked"])),
        ("Children present at the incident", _age(present) if record["has_incident"] else ""),
        ("Why child-related", reasons_in_words(list(record["child_reasons"]), s) or "none"),
    ]
    flag_items = [
        html.Li(f"{FLAG_WORDS[f]}: {int(d)} days ({reasons_in_words(r, s)})")
        for f, d, r in zip(flags["flag"], flags["days"], flags["reasons"], strict=True)
    ] or [html.Li("No flags on this day.")]
    rows = [
        html.Tr(
            [
                html.Td(_when(e.reviewed_at)),
                html.Td(e.reviewer_id),
                html.Td(e.reviewer_rank),
                html.Td("yes" if pd.isna(e.does_not_count) else f"no - {e.does_not_count}"),
                html.Td(_grade(e)),
                html.Td(element_words(e.elements, e.n_applicable, shown=True) or "none"),
                html.Td(element_words(e.elements, e.n_applicable, shown=False) or "nothing"),
                html.Td("" if pd.isna(e.actions_set) else int(e.actions_set)),
                html.Td(e.note or "", style={"whiteSpace": "pre-wrap"}),
            ]
        )
        for e in entries.itertuples()
    ]
    gaps = intervals[intervals["is_breach"]] if len(intervals) else intervals
    summary = (
        f"{len(entries)} entries; {len(gaps)} gap(s) longer than {window(s)}: "
        + ", ".join(f"{int(d)} days" for d in gaps["days"])
        if len(gaps)
        else f"{len(entries)} entries; no gap longer than {window(s)}."
    )
    counting = entries[entries["does_not_count"].isna()] if len(entries) else entries
    substantive = int((counting["grade"] == "substantive").sum()) if len(counting) else 0
    substance = (
        f"{substantive} of the {len(counting)} entries that count for the rule were "
        "substantive (see Supervision quality for how entries are assessed)."
    )
    return html.Div(
        [
            html.H1(f"Case {investigation_id}", className="h3", id="case-title"),
            html.P(f"As of {as_of:%d/%m/%Y}. {rule}", className="text-muted"),
            html.H2("Supervision timeline", className="h5"),
            html.P(summary, id="case-summary", className="mb-1"),
            html.P(substance, id="case-substance"),
            graph(figure(record, entries, intervals, as_of, s), "case-timeline", summary),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(
                                html.Dl(
                                    [
                                        x
                                        for k, v in facts
                                        for x in (
                                            html.Dt(k, className="col-sm-5"),
                                            html.Dd(v, className="col-sm-7 mb-1"),
                                        )
                                    ],
                                    className="row mb-0 small",
                                )
                            )
                        ),
                        md=5,
                    ),
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader("Flags"),
                                dbc.CardBody(html.Ul(flag_items, id="case-flags")),
                            ]
                        ),
                        md=7,
                    ),
                ],
                className="g-3 mb-3",
            ),
            html.H2("Entries", className="h5 mt-3"),
            dbc.Table(
                [
                    html.Thead(html.Tr([html.Th(h) for h in ENTRY_HEADERS])),
                    html.Tbody(rows, id="case-entries"),
                ],
                size="sm",
                striped=True,
            )
            if rows
            else html.P("No entries on this case's log.", className="text-muted"),
            *record_history(versions),
        ]
    )


def record_history(versions: pd.DataFrame) -> list:
    """The case's record as each extract gave it, when it changed: figures for a past day use
    the version known then, so an old pack can differ from this page."""
    if len(versions) < 2:
        return []
    rows = [
        html.Tr(
            [
                html.Td(v.version),
                html.Td("first loaded" if pd.isna(v.known_from) else f"{v.known_from:%d/%m/%Y}"),
                html.Td(f"{v.team} ({v.team_type})"),
                html.Td(v.area),
                html.Td(_when(v.opened_at)),
                html.Td(_when(v.closed_at) or "open"),
            ]
        )
        for v in versions.itertuples()
    ]
    headers = ["version", "known from", "team", "area", "opened", "closed"]
    return [
        html.H2("Record history", className="h5 mt-3"),
        html.P(
            "This page shows the record as now known (the last version). Flags and packs for a "
            "past day use the version known on that day.",
            className="text-muted small",
        ),
        dbc.Table(
            [html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(rows)],
            size="sm",
            id="case-versions",
        ),
    ]


def _grade(entry) -> str:
    grade = entry.grade if isinstance(entry.grade, str) else "not assessed"
    if entry.repeated is True:
        others = int(entry.repeated_cases) - 1
        grade += f"; repeated text: the same note on {others} other case{'s' * (others != 1)}"
    return grade


def _age(value) -> str:
    return "unknown" if value is None or pd.isna(value) else str(int(value))


def _yes_no(value) -> str:
    if value is None or pd.isna(value):
        return "unknown"
    return "yes" if value else "no"


dash.register_page(
    __name__,
    path_template="/case/<investigation_id>",
    name="Case",
    title="Case",
    order=9,
    layout=layout,
)
