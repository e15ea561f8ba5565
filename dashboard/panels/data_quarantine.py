"""Data quality: quarantined rows by reason, with the rows themselves to download."""

from __future__ import annotations

from dashboard import data
from dashboard.figures import bars, empty, graph, styled
from dashboard.panels import Context, Panel


def render(ctx: Context):
    df = data.quarantine_by_reason(ctx.scope)
    if df.empty:
        return empty("Nothing is quarantined.")
    fig = bars(
        df, "reason", "rows", color="source", horizontal=True, stacked=True,
        labels={"rows": "Rows", "source": "File"},
    )  # fmt: skip
    fig.update_layout(yaxis={"categoryorder": "total ascending"})
    summary = "; ".join(
        f"{s} {r}: {n}" for s, r, n in zip(df["source"], df["reason"], df["rows"], strict=True)
    )
    return graph(styled(fig), "quarantine-graph", summary)


PANEL = Panel(
    id="data-quarantine",
    page="data",
    order=20,
    title="Quarantine by reason",
    description="Rows the loader set aside, by file and reason code (see the README).",
    render=render,
)
