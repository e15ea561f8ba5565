"""Child-related: why open cases count as child-related (a case can have several reasons)."""

from __future__ import annotations

import plotly.express as px

from dashboard import data, words
from dashboard.figures import empty, graph, styled
from dashboard.panels import Context, Panel


def render(ctx: Context):
    df = data.child_cases(ctx.scope, ctx.filters)
    if df.empty:
        return empty()
    reasons = df["reasons"].str.split(";").explode().value_counts().reset_index()
    reasons.columns = ["reason", "cases"]
    in_words = words.reason_words(data.settings())
    reasons["reason"] = reasons["reason"].map(lambda r: in_words.get(r, r))
    fig = px.bar(reasons, x="cases", y="reason", orientation="h", text="cases")
    fig.update_layout(yaxis={"categoryorder": "total ascending", "title": None})
    summary = "; ".join(
        f"{r}: {c}" for r, c in zip(reasons["reason"], reasons["cases"], strict=True)
    )
    return graph(styled(fig), "child-by-reason-graph", summary)


PANEL = Panel(
    id="child-by-reason",
    page="child",
    order=10,
    width=6,
    title="Open child-related cases by reason",
    description="Each case is counted once for every reason that applies to it.",
    render=render,
)
