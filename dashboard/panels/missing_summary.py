"""Missing page: the window's counts per area — episodes, 'absent' used, return interviews
overdue, offered late and in time, and children missing repeatedly."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard import data, words
from dashboard.figures import empty
from dashboard.panels import Context, Panel


def measures(s) -> dict[str, str]:
    return {
        "episodes": "missing episodes of children",
        "absent": "recorded 'absent'",
        "overdue": f"return interview overdue (over {words.hours(s.rhi_hours)}, none offered)",
        "offered_late": "return interview offered late",
        "offered_in_time": "return interview offered in time",
        "repeat": f"children missing {s.repeat_missing_episodes}+ times in "
        f"{words.days(s.repeat_missing_days)}",
    }


def counts(df: pd.DataFrame, repeats: pd.DataFrame) -> dict[str, int]:
    return {
        "episodes": len(df),
        "absent": int(df["absent_category_used"].sum()),
        "overdue": int((df["rhi_state"] == "overdue").sum()),
        "offered_late": int((df["rhi_state"] == "offered_late").sum()),
        "offered_in_time": int((df["rhi_state"] == "offered_in_time").sum()),
        "repeat": len(repeats),
    }


def render(ctx: Context):
    off = data.checks_off()
    if "rhi_overdue" in off:
        return empty(f"The missing-children checks are off: {off['rhi_overdue']}.")
    df = data.missing_list(ctx.scope, ctx.filters)
    repeats = data.repeat_list(ctx.scope, ctx.filters)
    if df.empty:
        return empty("No child was reported missing in these days.")
    s = data.settings()
    areas = [a for a in s.areas if a in set(df["area"])]
    head = html.Thead(html.Tr([html.Th("")] + [html.Th(a) for a in areas] + [html.Th("all")]))
    by_area = {a: counts(df[df["area"] == a], repeats[repeats["area"] == a]) for a in areas}
    total = counts(df, repeats)
    body = html.Tbody([
        html.Tr([html.Td(w)] + [html.Td(f"{by_area[a][k]:,}") for a in areas]
                + [html.Td(f"{total[k]:,}")])
        for k, w in measures(s).items()
    ])  # fmt: skip
    return dbc.Table([head, body], size="sm", id="missing-summary")


PANEL = Panel(
    id="missing-summary",
    page="missing",
    order=10,
    title="Missing children, by area",
    description=lambda s: (
        f"Episodes reported in the {words.days(s.theme_days)} to the day "
        f"shown. {words.check_definitions(s)['absent_category_used']} "
        f"{words.check_definitions(s)['rhi_overdue']}"
    ),
    render=render,
)
