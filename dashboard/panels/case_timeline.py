"""Case page: the supervision timeline - every entry on a time axis, the review windows behind
them and every gap longer than the window marked with its length (dashboard/timeline.py)."""

from __future__ import annotations

from dash import html

from dashboard import data
from dashboard.figures import empty, graph
from dashboard.panels import ALL_ROLES, Context, Panel
from dashboard.timeline import figure
from dashboard.words import window


def render(ctx: Context):
    record = data.case_record(ctx.scope, ctx.case_id or "", ctx.as_of)
    if record is None or ctx.as_of is None:
        return empty("No case to show.")
    s = data.settings()
    entries = data.case_entries(ctx.scope, ctx.case_id, ctx.as_of)
    intervals = data.review_intervals(ctx.scope, ctx.as_of, ctx.case_id)
    gaps = intervals[intervals["is_breach"]] if len(intervals) else intervals
    logged = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
    summary = (
        f"{logged}; {len(gaps)} {'gap' if len(gaps) == 1 else 'gaps'} longer "
        f"than {window(s)}: " + ", ".join(f"{int(d)} days" for d in gaps["days"])
        if len(gaps)
        else f"{logged}; no gap longer than {window(s)}."
    )
    counting = entries[entries["does_not_count"].isna()] if len(entries) else entries
    substantive = int((counting["grade"] == "substantive").sum()) if len(counting) else 0
    counted = (
        "the one entry that counts for the rule was"
        if len(counting) == 1
        else f"the {len(counting)} entries that count for the rule were"
    )
    substance = (
        f"{substantive} of {counted} substantive (see Supervision quality for how entries are "
        "assessed)."
    )
    return [
        html.H2("Supervision timeline", className="h5"),
        html.P(summary, id="case-summary", className="mb-1"),
        html.P(substance, id="case-substance"),
        graph(figure(record, entries, intervals, ctx.as_of, s), "case-timeline", summary),
    ]


PANEL = Panel(
    id="case-timeline",
    page="case",
    order=10,
    title="Supervision timeline",
    description="Every entry on the case's log up to the day shown, the review windows and "
    "the gaps longer than the window.",
    render=render,
    roles=ALL_ROLES,
)
