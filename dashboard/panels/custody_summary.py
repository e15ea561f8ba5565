"""Custody page: the window's counts per area — children detained, charged and refused bail,
accommodation requested late, certificates missing, held overnight after charge."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard import data, words
from dashboard.figures import empty
from dashboard.panels import Context, Panel

MEASURES = {
    "detained": "children detained",
    "refused": "charged and refused bail",
    "accommodation_late": "accommodation requested late (or never)",
    "certificate_missing": "s38(6) certificate missing or without rationale",
    "overnight": "held overnight after charge",
}


def counts(df: pd.DataFrame) -> dict[str, int]:
    refused = df["bail_refused"].fillna(False).astype(bool) & df["charged_at"].notna()
    return {
        "detained": len(df),
        "refused": int(refused.sum()),
        "accommodation_late": int(df["accommodation_late"].sum()),
        "certificate_missing": int(df["certificate_missing"].sum()),
        "overnight": int(df["overnight"].fillna(False).sum()),
    }


def render(ctx: Context):
    off = data.checks_off()
    if "accommodation_late" in off:
        return empty(f"The custody checks are off: {off['accommodation_late']}.")
    df = data.custody_list(ctx.scope, ctx.filters)
    if df.empty:
        return empty("No child was detained in these days.")
    # Every area shown, a 0 where no child was detained (an area left out read as missing).
    shown = set(ctx.scope.narrow(ctx.filters.areas))
    areas = [a for a in data.settings().areas if a in shown]
    head = html.Thead(html.Tr([html.Th("")] + [html.Th(a) for a in areas] + [html.Th("all")]))
    by_area = {a: counts(df[df["area"] == a]) for a in areas}
    total = counts(df)
    body = html.Tbody([
        html.Tr([html.Td(words_)] + [html.Td(f"{by_area[a][k]:,}") for a in areas]
                + [html.Td(f"{total[k]:,}")])
        for k, words_ in MEASURES.items()
    ])  # fmt: skip
    return dbc.Table([head, body], size="sm", id="custody-summary")


PANEL = Panel(
    id="custody-summary",
    page="custody",
    order=10,
    title="Children in custody, by area",
    description=lambda s: f"Detentions in the {words.days(s.theme_days)} to the day shown.",
    render=render,
)
