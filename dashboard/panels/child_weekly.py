"""Child-related: new child-related investigations per week over the last 12 months."""

from __future__ import annotations

import pandas as pd

from dashboard import data
from dashboard.figures import (
    TEAM_TYPE_COLOURS,
    empty,
    graph,
    stacked_areas,
    styled,
    team_type_order,
    whole_numbers,
)
from dashboard.panels import Context, Panel
from dashboard.words import team_type_words


def every_week(df: pd.DataFrame) -> pd.DataFrame:
    """Each team type's count for every week from the first to the last shown, 0 where none
    opened (a line that skipped empty weeks would draw through them)."""
    weeks = pd.date_range(df["week"].min(), df["week"].max(), freq="7D")
    full = pd.MultiIndex.from_product([weeks, sorted(df["team_type"].unique())])
    counts = df.assign(week=pd.to_datetime(df["week"])).set_index(["week", "team_type"])["cases"]
    out = counts.reindex(full, fill_value=0).rename_axis(["week", "team_type"]).reset_index()
    out["team_type"] = out["team_type"].map(team_type_words)
    return out


def render(ctx: Context):
    df = data.new_child_cases_by_week(ctx.scope, ctx.filters)
    if df.empty:
        return empty()
    weeks = every_week(df)
    # Stacked: the top edge is the week's total, each band a team type in its own colour.
    fig = stacked_areas(
        weeks, "week", "cases", "team_type", colours=TEAM_TYPE_COLOURS, order=team_type_order(),
        labels={"week": "Week beginning", "cases": "New cases", "team_type": "Team type"},
    )  # fmt: skip
    fig.update_xaxes(tickformat="%d/%m/%Y")
    totals = weeks.groupby("week")["cases"].sum()
    whole_numbers(fig, totals.max())
    total = int(totals.sum())
    return graph(styled(fig, 380), "child-weekly-graph", f"{total} new cases in 12 months")


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
