"""PVP meeting: the open cases (at most ten) that waited longest for a supervisor at month
end."""

from __future__ import annotations

from urllib.parse import quote

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import pack
from dashboard.figures import empty
from dashboard.panels import ALL_ROLES, Context, Panel
from dashboard.words import header_words


def _longest(df) -> html.P | dbc.Table:
    """The longest-waiting cases, each linking to its case page."""
    if df.empty:
        return html.P("None.", className="text-muted fst-italic")
    head = html.Thead(html.Tr([html.Th(header_words(c)) for c in df.columns]))
    rows = [
        html.Tr(
            [
                html.Td(dcc.Link(v, href=f"/case/{quote(str(v), safe='')}"))
                if c == "case"
                else html.Td(v)
                for c, v in zip(df.columns, row, strict=True)
            ]
        )
        for row in df.itertuples(index=False)
    ]
    return dbc.Table([head, html.Tbody(rows)], striped=True, size="sm", id="pvp-longest")


def render(ctx: Context):
    p = pack.for_context(ctx)
    if p is None:
        return empty()
    return [
        html.H2(p.longest_title, className="h5 mt-3"),
        _longest(p.longest),
    ]


PANEL = Panel(
    id="pvp-longest",
    page="pvp",
    order=20,
    title="Longest-waiting open cases at month end",
    description="Overdue DS reviews and response cases never supervised, longest first.",
    render=render,
    roles=ALL_ROLES,
)
