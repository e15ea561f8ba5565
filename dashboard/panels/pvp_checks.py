"""PVP meeting: the inspection's other findings (issue 17), a section per theme — cases,
children in custody, missing children — with the month, the month before and the same month
last year, and the month's children held overnight after charge."""

from __future__ import annotations

from dash import html

from dashboard import data, pack, words
from dashboard.figures import empty, table
from dashboard.panels import ALL_ROLES, Context, Panel


def render(ctx: Context):
    p = pack.for_context(ctx)
    if p is None or p.checks.empty:
        return empty()
    defs = words.check_definitions(data.settings())
    out = [html.H2(f"The inspection's other findings, {p.month:%B %Y}", className="h5 mt-3")]
    for key, theme in pack.THEMES.items():
        rows = p.checks[p.checks["theme"] == theme].drop(columns="theme")
        out += [html.H3(theme, className="h6 mt-2"), table(rows, f"pvp-checks-{key}")]
        out.append(
            html.Ul(
                [html.Li(f"{words.CHECK_WORDS[c]}: {defs[c]}") for c in words.CHECK_THEMES[key]],
                className="small text-muted",
            )
        )
    out += [
        html.H3(f"Children held overnight after charge, {p.month:%B %Y}", className="h6 mt-2"),
        html.P(pack.OVERNIGHT_NOTE, className="small text-muted"),
        table(p.overnight, "pvp-overnight"),
    ]
    return out


PANEL = Panel(
    id="pvp-checks",
    page="pvp",
    order=57,
    title="The inspection's other findings",
    description="Each check's figures for the month, the month before and the same month last "
    "year, and the children held overnight after charge.",
    render=render,
    roles=ALL_ROLES,
)
