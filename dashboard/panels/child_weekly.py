"""Child-related: new child-related investigations per week over the last 12 months."""

from __future__ import annotations

import plotly.express as px

from dashboard import data
from dashboard.figures import empty, graph, styled
from dashboard.panels import Context, Panel


def render(ctx: Context):
    df = data.new_child_cases_by_week(ctx.scope, ctx.filters)
    if df.empty:
        return empty()
    fig = px.line(df, x="week", y="cases", color="team_type", markers=True)
    fig.update_layout(xaxis_title="Week beginning", legend_title_text="Team type")
    fig.update_xaxes(tickformat="%d/%m/%Y")
    total = int(df["cases"].sum())
    return graph(styled(fig, 360), "child-weekly-graph", f"{total} new cases in 12 months")


PANEL = Panel(
    id="child-weekly",
    page="child",
    order=30,
    title="New child-related cases per week, last 12 months",
    description=(
        "Investigations opened each week (Monday to Sunday) that are child-related by any "
        "reason, by the team type they have now."
    ),
    render=render,
)
