"""PVP meeting: the month's headline figures beside the previous month and the same month last
year, and how each is counted (in words made from the settings)."""

from __future__ import annotations

from dash import html

from dashboard import data, pack, words
from dashboard.figures import empty, table
from dashboard.panels import ALL_ROLES, Context, Panel


def render(ctx: Context):
    p = pack.for_context(ctx)
    if p is None:
        return empty()
    return [
        html.H2(p.title, className="h5", id="pvp-title"),
        table(p.headline, "pvp-headline"),
        html.P(words.pvp_definitions(data.settings()), className="small text-muted"),
    ]


PANEL = Panel(
    id="pvp-headline",
    page="pvp",
    order=10,
    title="Headline figures",
    description="The month's figures replayed from the history, beside the previous month and "
    "the same month last year.",
    render=render,
    roles=ALL_ROLES,
)
