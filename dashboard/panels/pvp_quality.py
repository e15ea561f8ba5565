"""PVP meeting: the month's supervision quality beside the month before, by team and by
supervisor."""

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
        html.H2(f"Quality of supervision, {p.month:%B %Y}", className="h5 mt-3"),
        html.P(pack.QUALITY_NOTE, className="small text-muted"),
        table(p.quality, "pvp-quality"),
        html.H2(f"By team, {p.month:%B %Y}", className="h5 mt-3"),
        table(p.by_team, "pvp-by-team"),
        html.H2(p.supervisors_title, className="h5 mt-3"),
        table(p.top_supervisors, "pvp-by-supervisor"),
        html.P(p.more_supervisors, className="small text-muted", id="pvp-more-supervisors"),
    ]


PANEL = Panel(
    id="pvp-quality",
    page="pvp",
    order=50,
    title="Quality of supervision",
    description=pack.QUALITY_NOTE,
    render=render,
    roles=ALL_ROLES,
)
