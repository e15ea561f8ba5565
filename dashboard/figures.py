"""Shared look for charts, and the empty state every chart uses instead of a blank plot."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from dash import dcc, html

from dashboard.words import header_words, team_type_words
from etl.settings import ALL_TEAM_TYPES

# Colour-blind-safe (Okabe-Ito); colour is never the only signal: labels carry the meaning.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
px.defaults.color_discrete_sequence = PALETTE


# One colour per team type, the same on every chart and in the pack (ALL_TEAM_TYPES order;
# the ninth, "other", a neutral grey), keyed by the team type in words as charts show it.
TEAM_TYPE_COLOURS = {
    team_type_words(t): colour
    for t, colour in zip(ALL_TEAM_TYPES, [*PALETTE, "#999999"], strict=False)
}


def team_type_order() -> list[str]:
    return list(TEAM_TYPE_COLOURS)


def styled(fig: go.Figure, height: int = 320) -> go.Figure:
    """The shared look: white, the palette, a legend under the plot with room for it (not cut
    off), counts that start at 0, and the plot toolbar only on hover."""
    fig.update_layout(
        template="plotly_white",
        colorway=PALETTE,
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.18, "yanchor": "top", "x": 0, "title_side": "top"},
        font={"family": "system-ui, sans-serif", "size": 13},
    )
    fig.update_yaxes(rangemode="tozero")
    return fig


def whole_numbers(fig: go.Figure, largest: float, axis: str = "y") -> go.Figure:
    """A count axis: from 0, whole-number ticks only (a step of 1 for small counts, where
    plotly would otherwise tick at halves)."""
    ticks = {"rangemode": "tozero", "tickformat": ",d", "tick0": 0}
    if largest <= 8:
        ticks |= {"dtick": 1}
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**ticks)
    return fig


def graph(fig: go.Figure, graph_id: str, summary: str) -> html.Div:
    """A chart plus a text summary for screen readers and printouts."""
    return html.Div(
        [
            dcc.Graph(id=graph_id, figure=fig, config={"displaylogo": False}),
            html.P(summary, className="visually-hidden"),
        ]
    )


def empty(message: str = "No cases match these filters.") -> html.P:
    return html.P(message, className="text-muted fst-italic empty-state")


def table(df: pd.DataFrame, table_id: str) -> html.P | dbc.Table:
    """A small table of figures (the PVP page), or "None." when it has no rows."""
    if df.empty:
        return html.P("None.", className="text-muted fst-italic")
    shown = df.rename(columns=header_words)
    return dbc.Table.from_dataframe(shown, striped=True, size="sm", hover=True, id=table_id)
