"""The supervision timeline of one case: every entry on a time axis, the review windows drawn
behind, and every gap longer than the window marked with its length."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures import PALETTE, styled
from etl.settings import Settings

COUNTS = "Counts as supervision for this case"
THIN = "Counts, but thin or repeated text"
DOES_NOT = "Does not count (rank below the rule, or after the close)"


def figure(
    record: dict,
    entries: pd.DataFrame,
    intervals: pd.DataFrame,
    as_of: date,
    settings: Settings,
) -> go.Figure:
    window = settings.review_window_days
    fig = go.Figure()
    opened = pd.Timestamp(record["opened_on"]).date()
    end = (
        min(pd.Timestamp(record["closed_on"]).date(), as_of)
        if pd.notna(record.get("closed_on"))
        else as_of
    )
    for _, iv in intervals.iterrows():
        start = pd.Timestamp(iv["started_on"]).date()
        fig.add_vrect(
            x0=start,
            x1=start + timedelta(days=window),
            fillcolor="#56B4E9",
            opacity=0.12,
            line_width=0,
            layer="below",
        )
        if iv["is_breach"]:
            gap_from = start + timedelta(days=window)
            gap_to = pd.Timestamp(iv["ended_on"]).date()
            running = " and counting" if iv["still_running"] else ""
            # The label reads into the plot from whichever edge of the gap is further from
            # the plot's edge, so it is never cut off.
            late = (gap_from - opened).days > (end - opened).days / 2
            fig.add_vrect(
                x0=gap_from,
                x1=gap_to,
                fillcolor="#D55E00",
                opacity=0.18,
                line_width=0,
                layer="below",
                annotation_text=f"⚠ gap {int(iv['days'])} days{running}",
                annotation_position="bottom right" if late else "bottom left",
            )
    if len(entries):
        weak = (entries["grade"] == "thin") | entries["repeated"].fillna(False).astype(bool)
        counts = entries["does_not_count"].isna()
    else:
        weak = counts = pd.Series(dtype=bool)
    for part_of, label, colour, symbol in (
        (counts & ~weak, COUNTS, PALETTE[0], "circle"),
        (counts & weak, THIN, PALETTE[1], "diamond"),
        (~counts, DOES_NOT, "#7f7f7f", "circle-open"),
    ):
        part = entries[part_of] if len(entries) else entries
        if part.empty:
            continue
        hover = [
            "<br>".join(
                [
                    f"<b>{at:%d/%m/%Y %H:%M}</b> {html.escape(str(who))} ({rank})",
                    html.escape(str(kind or "")),
                    f"actions set: {'' if pd.isna(n) else int(n)}; grade: {grade}",
                    html.escape(str(note or ""))[:200].replace("\n", "<br>"),
                ]
            )
            for at, who, rank, kind, n, note, grade in zip(
                part["reviewed_at"], part["reviewer_id"], part["reviewer_rank"],
                part["review_type"], part["actions_set"], part["note"], part["grade"],
                strict=True,
            )
        ]  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=part["reviewed_at"],
                y=[label] * len(part),
                mode="markers+text",
                text=part["reviewer_rank"],
                textposition=_label_positions(part["reviewed_at"], (end - opened).days),
                marker={"size": 14, "color": colour, "symbol": symbol, "line": {"width": 2}},
                name=label,
                hovertext=hover,
                hoverinfo="text",
            )
        )
    fig.add_vline(x=pd.Timestamp(opened).timestamp() * 1000, line_dash="dot")
    fig.add_annotation(x=opened, y=1.08, yref="paper", text="opened", showarrow=False)
    fig.add_vline(x=pd.Timestamp(end).timestamp() * 1000, line_dash="dash")
    closed = pd.notna(record.get("closed_on")) and end != as_of
    fig.add_annotation(
        x=end, y=1.08, yref="paper", text="closed" if closed else "as of", showarrow=False
    )
    fig.update_layout(
        # Short row names (the legend says each in full), so the plot keeps its width on a
        # phone.
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": [DOES_NOT, THIN, COUNTS],
            "tickvals": [DOES_NOT, THIN, COUNTS],
            "ticktext": ["not counted", "thin", "counts"],
            "range": [-0.5, 2.5],
            "title": None,
        },
        # A date axis even with no entry, or a case opened on the as-of day.
        xaxis={
            "type": "date",
            "tickformat": "%d/%m/%Y",
            "range": [opened - timedelta(days=3), end + timedelta(days=3)],
        },
        showlegend=True,
    )
    styled(fig, 300)
    # The toolbar stands in the right margin, clear of the "opened" and "as of" labels.
    fig.update_layout(modebar={"orientation": "v"}, margin={"r": 40, "t": 40})
    return fig


def _label_positions(times: pd.Series, span_days: int) -> list[str]:
    """Above or below each marker: entries closer than a fortieth of the span alternate, so
    their rank labels do not overlap."""
    near = timedelta(days=max(span_days, 1) / 40)
    out, previous, up = [], None, True
    for at in pd.to_datetime(times):
        up = not up if previous is not None and at - previous < near else True
        out.append("top center" if up else "bottom center")
        previous = at
    return out
