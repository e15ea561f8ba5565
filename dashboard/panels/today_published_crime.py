"""Today (and the PVP page): how busy the area is, from published crime (data.police.uk)."""

from __future__ import annotations

from dash import html

from dashboard import data
from dashboard.figures import bars, empty, graph, styled
from dashboard.panels import Context, Panel

TOP_TYPES = 6


def render(ctx: Context):
    covered = data.published_months()
    if covered is None:
        return empty("No published crime data loaded (python -m etl load-police-uk DIR --db PATH).")
    until = ctx.as_of or covered[1]
    df = data.published_crime(ctx.scope, ctx.filters.areas, until)
    if df.empty:
        first, last = covered
        return empty(
            f"The published crime data covers {first:%B %Y} to {last:%B %Y}: none for the "
            f"12 months to {until:%B %Y}."
        )
    top = df.groupby("crime_type")["crimes"].sum().nlargest(TOP_TYPES).index
    df = df.assign(crime_type=df["crime_type"].where(df["crime_type"].isin(top), "Other"))
    df = df.groupby(["month", "crime_type"], as_index=False)["crimes"].sum()
    fig = bars(
        df, "month", "crimes", color="crime_type", text=False, stacked=True,
        labels={"crimes": "Crimes", "crime_type": "Crime type"},
    )  # fmt: skip
    fig.update_xaxes(tickformat="%b %Y", title=None, dtick="M1")
    total = int(df["crimes"].sum())
    return html.Div(
        [
            graph(styled(fig, 300), "published-crime-graph", f"{total} published crimes"),
            html.P(
                "Source: data.police.uk (Open Government Licence v3.0). Street-level crime and "
                "anti-social behaviour as published, by month.",
                className="small text-muted mb-0 source-note",
            ),
        ]
    )


PANEL = Panel(
    id="today-published-crime",
    page="today",
    order=30,
    title="Published crime in the area, by month",
    description=(
        "Context for the workload: crimes and anti-social behaviour the force published for "
        "the chosen areas, the six commonest types shown, the rest as Other. Rows outside the "
        "force's areas or without a location are kept in the warehouse but not shown here."
    ),
    render=render,
)
