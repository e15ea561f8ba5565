"""Child-related: open child-related cases by area and team type."""

from __future__ import annotations

from dashboard import data
from dashboard.figures import (
    TEAM_TYPE_COLOURS,
    bars,
    empty,
    graph,
    styled,
    team_type_order,
    whole_numbers,
)
from dashboard.panels import Context, Panel
from dashboard.words import team_type_words


def render(ctx: Context):
    df = data.child_cases(ctx.scope, ctx.filters)
    if df.empty:
        return empty()
    counts = df.groupby(["area", "team_type"]).size().reset_index(name="cases")
    counts["team_type"] = counts["team_type"].map(team_type_words)
    fig = bars(
        counts, "area", "cases", color="team_type", colours=TEAM_TYPE_COLOURS,
        order=team_type_order(), labels={"cases": "Open cases", "team_type": "Team type"},
    )  # fmt: skip
    fig.update_xaxes(categoryorder="array", categoryarray=list(data.settings().areas))
    whole_numbers(fig, counts["cases"].max())
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
