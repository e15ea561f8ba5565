"""PVP meeting: published crime in the areas shown (the Today panel's chart, for the meeting)."""

from __future__ import annotations

from dash import html

from dashboard.panels import ALL_ROLES, Context, Panel
from dashboard.panels import today_published_crime as published_crime


def render(ctx: Context):
    return [
        html.H2("Published crime in the area, by month", className="h5 mt-3"),
        published_crime.render(ctx),
    ]


PANEL = Panel(
    id="pvp-published-crime",
    page="pvp",
    order=40,
    title=published_crime.PANEL.title,
    description=published_crime.PANEL.description,
    render=render,
    roles=ALL_ROLES,
)
