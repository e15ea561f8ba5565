"""PVP meeting: for cases followed up on the daily list, how long the review took to come."""

from __future__ import annotations

from dash import html

from dashboard import pack
from dashboard.figures import empty, table
from dashboard.panels import ALL_ROLES, Context, Panel


def render(ctx: Context):
    p = pack.for_context(ctx)
    if p is None:
        return empty()
    return [
        html.H2(f"Time to review after a follow-up, {p.month:%B %Y}", className="h5 mt-3"),
        html.P(pack.TIME_TO_REVIEW_NOTE, className="small text-muted"),
        table(p.time_to_review, "pvp-time-to-review"),
    ]


PANEL = Panel(
    id="pvp-time-to-review",
    page="pvp",
    order=55,
    title="Time to review after a follow-up",
    description=pack.TIME_TO_REVIEW_NOTE,
    render=render,
    roles=ALL_ROLES,
)
