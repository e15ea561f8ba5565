"""TEMPLATE (not loaded: files starting with _ are skipped). Copy to a new name, e.g.
dashboard/panels/today_oldest_cases.py, and edit. One panel = one module.

The docstring says what the panel shows. Read data only through dashboard.data (which applies
the user's areas on the server) - never open the warehouse yourself.
"""

from __future__ import annotations

from dashboard import data
from dashboard.figures import bars, empty, graph, styled
from dashboard.panels import Context, Panel


def render(ctx: Context):
    # ctx.scope: who is asking; ctx.filters: the page's controls; ctx.as_of: the day shown.
    df = data.child_cases(ctx.scope, ctx.filters)
    if df.empty:
        return empty()  # say why, never a blank chart
    counts = df.groupby("team_type").size().reset_index(name="cases")
    fig = bars(counts, "team_type", "cases")  # dashboard/figures.py: bars, stacked_areas
    return graph(styled(fig), "template-graph", f"{len(df)} open child-related cases")


PANEL = Panel(
    id="template",  # unique; used in component ids
    page="child",  # today | child | quality | data | audit
    order=99,  # position on the page
    width=6,  # of 12 columns
    title="Open child-related cases by team type",
    description="Shown under the title: what is counted and how.",
    render=render,
)
