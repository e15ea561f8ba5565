"""Case page: the joined record (investigation, incident, why child-related) and its flags on
the day shown."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard import data
from dashboard.figures import empty
from dashboard.panels import ALL_ROLES, Context, Panel
from dashboard.words import FLAG_WORDS, reasons_in_words, team_type_words


def when(value) -> str:
    """A timestamp as DD/MM/YYYY HH:MM ("" when there is none)."""
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%d/%m/%Y %H:%M")


def _age(value) -> str:
    return "unknown" if value is None or pd.isna(value) else str(int(value))


def _yes_no(value) -> str:
    if value is None or pd.isna(value):
        return "unknown"
    return "yes" if value else "no"


def render(ctx: Context):
    record = data.case_record(ctx.scope, ctx.case_id or "", ctx.as_of)
    if record is None or ctx.as_of is None:
        return empty("No case to show.")
    s = data.settings()
    flags = data.case_flags(ctx.scope, ctx.case_id, ctx.as_of)
    present = record["incident_children_present"]
    children = _age(present) if record["has_incident"] else "unknown (no incident loaded)"
    incident = record["incident_id"] or "none linked"
    if record["has_incident"]:
        incident += f", {record['incident_type']}, reported {when(record['incident_reported_at'])}"
    elif record["incident_id"]:
        incident += " (not loaded yet)"
    facts = [
        ("Area", record["area"]),
        ("Team", f"{record['team']} ({team_type_words(record['team_type'])})"),
        ("Officer in charge", record["officer_id"]),
        ("Offence", record["offence"]),
        ("Opened", when(record["opened_at"])),
        ("Closed", when(record["closed_at"]) or "open"),
        ("Youngest victim", _age(record["victim_age"])),
        ("Youngest suspect", _age(record["suspect_age"])),
        ("Child-protection concern", _yes_no(record["child_protection_concern"])),
        ("Incident", incident),
        ("Incident child marker", _yes_no(record["incident_child_linked"])),
        ("Children present at the incident", children),
        ("Why child-related", reasons_in_words(list(record["child_reasons"]), s) or "none"),
    ]
    # The optional columns (issue 17), shown when the extract carries them.
    optional = [
        ("Suspect status", record.get("suspect_status") or ""),
        ("Bail until", when(record.get("bail_until"))),
        ("Child abduction warning notice", "" if pd.isna(record.get("cawn_issued"))
         else _yes_no(record.get("cawn_issued"))),
        ("Online", "" if pd.isna(record.get("online")) else _yes_no(record.get("online"))),
        ("Allocated", when(record.get("allocated_at"))),
        ("Plan recorded", when(record.get("plan_recorded_at"))),
    ]  # fmt: skip
    facts += [(k, v) for k, v in optional if v]
    flag_items = [
        html.Li(f"{FLAG_WORDS[f]}: {int(d)} days ({reasons_in_words(r, s)})")
        for f, d, r in zip(flags["flag"], flags["days"], flags["reasons"], strict=True)
    ] or [html.Li("No flags on this day.")]
    # An area the case has left sees it as it was that day, and is told why (case_record.sql).
    left = (
        html.P(
            f"This case has since moved out of your areas: its record is shown as it was on "
            f"{ctx.as_of:%d/%m/%Y}.",
            className="small text-muted",
            id="case-moved-away",
        )
        if not record.get("latest_version", True)
        else None
    )
    return dbc.Row(
        [
            dbc.Col(left, width=12) if left else None,
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
    )


PANEL = Panel(
    id="case-record",
    page="case",
    order=20,
    title="The record and its flags",
    description="The investigation joined with its incident, why it is child-related, and its "
    "flags on the day shown.",
    render=render,
    roles=ALL_ROLES,
)
