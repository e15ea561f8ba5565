"""Supervision quality: how an entry is assessed, in words made from the settings."""

from __future__ import annotations

from dash import html

from dashboard import data
from dashboard.panels import Context, Panel
from etl.assessment import definition


def render(ctx: Context):
    first, *rest = definition(data.settings())
    return html.Div(
        [html.P(first, className="small"), html.Ul([html.Li(s) for s in rest], className="small")],
        id="quality-definition",
    )


PANEL = Panel(
    id="quality-definition",
    page="quality",
    order=30,
    title="How an entry is assessed",
    description="The reviewing-officer checklist (College of Policing) and the inspectorate's "
    "emphasis on the child, as this product measures them.",
    render=render,
)
