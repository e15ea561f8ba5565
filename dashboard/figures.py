"""Shared look for charts, and the empty state every chart uses instead of a blank plot."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from dash import dcc, html

# Colour-blind-safe (Okabe-Ito); colour is never the only signal: labels carry the meaning.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
px.defaults.color_discrete_sequence = PALETTE


def styled(fig: go.Figure, height: int = 320) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        colorway=PALETTE,
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.2},
        font={"family": "system-ui, sans-serif", "size": 13},
    )
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
    return dbc.Table.from_dataframe(df, striped=True, size="sm", hover=True, id=table_id)
