"""Child-related: open child-related cases by area and team type."""

from __future__ import annotations

import plotly.express as px

from dashboard import data
from dashboard.figures import empty, graph, styled
from dashboard.panels import Context, Panel


def render(ctx: Context):
    df = data.child_cases(ctx.scope, ctx.filters)
    if df.empty:
        return empty()
    counts = df.groupby(["area", "team_type"]).size().reset_index(name="cases")
    fig = px.bar(counts, x="area", y="cases", color="team_type", barmode="group", text="cases")
    fig.update_layout(xaxis_title=None, legend_title_text="Team type")
    summary = "; ".join(
        f"{a} {t}: {n}"
        for a, t, n in zip(counts["area"], counts["team_type"], counts["cases"], strict=True)
    )
    return graph(styled(fig), "child-by-area-graph", summary)


PANEL = Panel(
    id="child-by-area",
    page="child",
    order=20,
    width=6,
    title="Open child-related cases by area and team type",
    description="Where the open child-related work sits on the as-of day.",
    render=render,
)
