"""Shared look for charts, and the empty state every chart uses instead of a blank plot."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.io as pio
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


# plotly_white cut to what our bar and line charts read: the whole template is copied and
# checked into every figure it is set on (8-40 ms a chart in a callback); this one about 1 ms.
_WHITE = pio.templates["plotly_white"]
_KEPT = ("annotationdefaults", "autotypenumbers", "colorway", "font", "hoverlabel", "hovermode",
         "paper_bgcolor", "plot_bgcolor", "shapedefaults", "title", "xaxis", "yaxis")  # fmt: skip
pio.templates["pvp_white"] = go.layout.Template(
    layout={k: v for k, v in _WHITE.layout.to_plotly_json().items() if k in _KEPT},
    data={k: v for k, v in _WHITE.data.to_plotly_json().items() if k in ("bar", "scatter")},
)
# The same template as plain JSON, for the charts built as dicts (Chart, below).
_WHITE_JSON = pio.templates["pvp_white"].to_plotly_json()


def _merge(into: dict, props: dict) -> dict:
    """``props`` written into ``into``, nested dicts merged key by key (as plotly's update)."""
    for key, value in props.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


class Chart(dict):
    """A chart as the plain figure dict (``data``, ``layout``) that dcc.Graph draws and
    ``go.Figure(chart)`` turns into plotly's object for an image. The callbacks' charts are
    built so: plotly's graph objects make and check an object for every property set, 10-30 ms
    a chart (a legend alone 4 ms), against well under one here. Its updates are the few the
    panels use, with nested dicts (no "title_side" shorthand)."""

    def __init__(self, data: list[dict], layout: dict) -> None:
        super().__init__(data=data, layout=layout)

    def update_layout(self, **props) -> Chart:
        _merge(self["layout"], props)
        return self

    def update_xaxes(self, **props) -> Chart:
        return self.update_layout(xaxis=props)

    def update_yaxes(self, **props) -> Chart:
        return self.update_layout(yaxis=props)


def team_type_order() -> list[str]:
    return list(TEAM_TYPE_COLOURS)


def styled(fig: go.Figure | Chart, height: int = 320) -> go.Figure | Chart:
    """The shared look: white, the palette, a legend under the plot with room for it (not cut
    off), counts that start at 0, and the plot toolbar only on hover."""
    look = {
        "colorway": PALETTE,
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"orientation": "h", "y": -0.18, "yanchor": "top", "x": 0,
                   "title": {"side": "top"}},
        "font": {"family": "system-ui, sans-serif", "size": 13},
    }  # fmt: skip
    if isinstance(fig, Chart):
        fig["layout"].setdefault("template", _WHITE_JSON)
        fig.update_layout(**look)
    else:
        fig.update_layout(template="pvp_white", **look)
    fig.update_yaxes(rangemode="tozero")
    return fig


def bars(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    colours: dict[str, str] | None = None,
    order: list[str] | None = None,
    horizontal: bool = False,
    text: bool = True,
    stacked: bool = False,
    labels: dict[str, str] | None = None,
) -> Chart:
    """Bars from long data, one trace per value of ``color`` (those in ``order`` first, in that
    order; then the rest as they come), grouped or ``stacked``; ``y`` the counts (on the x axis
    when ``horizontal``), each bar labelled with its count when ``text``. Built with
    graph_objects: plotly express costs 20-100 ms a chart in a callback, this about 2."""
    names = labels or {}
    traces = []
    for name, part in _series(df, color, order):
        values, categories = part[y].tolist(), part[x].tolist()
        traces.append(
            {
                "type": "bar",
                "x": values if horizontal else categories,
                "y": categories if horizontal else values,
                "orientation": "h" if horizontal else "v",
                "name": name,
                "marker": {"color": (colours or {}).get(name)},
                "text": values if text else None,
                "hovertemplate": _hover(name, names.get(x, x), names.get(y, y), horizontal),
                "showlegend": color is not None,
            }
        )
    return Chart(
        data=traces,
        layout={
            "barmode": "stack" if stacked else "group",
            "legend": {"title": {"text": names.get(color, color) if color else None}},
            "xaxis": {"title": {"text": names.get(y if horizontal else x)}},
            "yaxis": {"title": {"text": names.get(x if horizontal else y)}},
        },
    )


def stacked_areas(
    df: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    *,
    colours: dict[str, str] | None = None,
    order: list[str] | None = None,
    labels: dict[str, str] | None = None,
) -> Chart:
    """Filled lines stacked one on another (the top edge is the total), one per value of
    ``color``, as ``bars`` orders them."""
    names = labels or {}
    traces = [
        {
            "type": "scatter", "x": part[x].tolist(), "y": part[y].tolist(), "name": name,
            "mode": "lines", "stackgroup": "one", "line": {"color": (colours or {}).get(name)},
            "hovertemplate": _hover(name, names.get(x, x), names.get(y, y), False),
        }
        for name, part in _series(df, color, order)
    ]  # fmt: skip
    return Chart(
        data=traces,
        layout={
            "legend": {"title": {"text": names.get(color, color)}},
            "xaxis": {"title": {"text": names.get(x, x)}},
            "yaxis": {"title": {"text": names.get(y, y)}},
        },
    )


def _series(df: pd.DataFrame, color: str | None, order: list[str] | None):
    """(name, rows) per trace: one unnamed trace without ``color``."""
    if color is None:
        yield None, df
        return
    present = list(dict.fromkeys(df[color]))
    ranked = [v for v in (order or []) if v in present] + [
        v for v in present if v not in (order or [])
    ]
    for name in ranked:
        yield name, df[df[color] == name]


def _hover(name: str | None, x: str, y: str, horizontal: bool) -> str:
    first, second = ("%{y}", "%{x}") if horizontal else ("%{x}", "%{y}")
    head = f"{name}<br>" if name else ""
    return f"{head}{x}: {first}<br>{y}: {second}<extra></extra>"


def whole_numbers(fig: go.Figure | Chart, largest: float, axis: str = "y") -> go.Figure | Chart:
    """A count axis: from 0, whole-number ticks only (a step of 1 for small counts, where
    plotly would otherwise tick at halves)."""
    ticks = {"rangemode": "tozero", "tickformat": ",d", "tick0": 0}
    if largest <= 8:
        ticks |= {"dtick": 1}
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**ticks)
    return fig


def graph(fig: go.Figure | Chart, graph_id: str, summary: str) -> html.Div:
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
