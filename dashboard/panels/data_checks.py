"""Data quality: which of the inspection's checks are on, and for those that are off, the file
or column the extracts lack (etl/contract.py: each optional input names the checks it
switches on). A missing optional input is a state, never an error."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import data, words
from dashboard.panels import Context, Panel
from etl.contract import ALL_EXTRACTS


def needs() -> dict[str, list[str]]:
    """Each check and the inputs it needs, in words: "custody.csv", "investigations.csv
    allocated_at"."""
    out: dict[str, list[str]] = {}
    for ex in ALL_EXTRACTS:
        for check in ex.enables:
            out.setdefault(check, []).append(ex.file)
        for col in ex.columns:
            for check in col.enables:
                out.setdefault(check, []).append(f"{ex.file} {col.name}")
    return out


def render(ctx: Context):
    off = data.checks_off()
    need = needs()
    rows = [
        html.Tr([
            html.Td(words.CHECK_WORDS[c]),
            html.Td("off" if c in off else "on"),
            html.Td(", ".join(need.get(c, []))),
            html.Td(off.get(c, "")),
        ])
        for c in (*words.CHECKS, "repeat_missing")
    ]  # fmt: skip
    head = html.Thead(html.Tr([html.Th(h) for h in ("check", "state", "needs", "why off")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", id="data-checks")


PANEL = Panel(
    id="data-checks",
    page="data",
    order=14,
    title="The inspection's other checks: on or off",
    description="A check is off while the extracts lack what it needs: an optional file no load "
    "has brought, or a column the newest extract of its file does not have. Add the file or "
    "column to the extract and the check comes on with the next load.",
    render=render,
)
