"""Child-related: why open cases count as child-related (a case can have several reasons)."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from dashboard import data, words
from dashboard.figures import bars, empty, graph, styled
from dashboard.panels import Context, Panel


def render(ctx: Context):
    df = data.child_cases(ctx.scope, ctx.filters)
    if df.empty:
        return empty()
    # Each combination of reasons (a few dozen among thousands of cases) split once.
    per_reason: Counter[str] = Counter()
    for combination, cases in df["reasons"].value_counts().items():
        for reason in combination.split(";"):
            per_reason[reason] += int(cases)
    ranked = sorted(per_reason.items(), key=lambda rc: (-rc[1], rc[0]))
    reasons = pd.DataFrame(ranked, columns=["reason", "cases"])
    in_words = words.reason_words(data.settings())
    reasons["reason"] = reasons["reason"].map(lambda r: in_words.get(r, r))
    fig = bars(reasons, "reason", "cases", horizontal=True, labels={"cases": "Cases"})
    fig.update_layout(yaxis={"categoryorder": "total ascending"})
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
