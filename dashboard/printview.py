"""A printable page for any table panel: every row the user's filters give (not only the rows
the grid has loaded), on A4 landscape pages that carry the marking, the list's name and day, who
printed it and page N of M, with the filters written out in the heading.

``/print/<panel id>?filters=<the page's filter store as JSON>&grid=<the grid's filter model as
JSON>&sort=<its column state as JSON>``: the same inputs, validated the same way, as the grid's
export; the user's scope is applied on the server and the print is written to the access log.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from urllib.parse import urlencode

import flask
import pandas as pd
from dash import Input, Output, State, callback

from dashboard import data, inputs, words
from dashboard.access import auth, current_scope
from dashboard.grid import Column, apply_model, describe_grid_filters, sort_model
from dashboard.panels import Panel, discover
from dashboard.printing import MARKING, breakable, page_rules

ROUTE = "/print/"

CSS = """
body { font-family: 'DejaVu Sans', sans-serif; font-size: 8.5pt; color: #111; margin: 0; }
h1 { font-size: 13pt; margin: 0 0 1mm 0; }
.meta { color: #333; margin: 0 0 3mm 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #bbb; padding: 1mm 1.2mm; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
td.short, th.short { white-space: nowrap; }
td.text { min-width: 22mm; } td.long { min-width: 45mm; }
thead { display: table-header-group; }
th { background: #eee; }
tr { break-inside: avoid; page-break-inside: avoid; }
.noprint { margin: 3mm 0; }
@media print { .noprint { display: none; } }
"""


def _json(name: str):
    raw = flask.request.args.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise inputs.BadInput(f"{name}: not JSON") from None


def _cell(value: object, column: Column) -> str:
    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return ""
    if column.kind in ("date", "datetime"):
        when = pd.to_datetime(value, errors="coerce")
        shown = "%d/%m/%Y %H:%M" if column.kind == "datetime" else "%d/%m/%Y"
        return "" if pd.isna(when) else when.strftime(shown)
    return html.escape(breakable(str(value)))


def page(panel: Panel, rows: pd.DataFrame, about: dict[str, str], produced: str) -> str:
    columns = panel.table.columns
    # Short values (case ids, dates, numbers) stay on one line; text wraps, long text widest.
    kind = {
        c.field: "long" if c.long_text else "short" if c.link or c.kind != "text" else "text"
        for c in columns
    }
    head = "".join(f"<th class='{kind[c.field]}'>{html.escape(c.header)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td class='{kind[c.field]}'>{_cell(row.get(c.field), c)}</td>" for c in columns)
        + "</tr>"
        for row in rows.to_dict("records")
    )
    meta = " &middot; ".join(f"{html.escape(k)}: {html.escape(v)}" for k, v in about.items())
    title = f"{panel.heading(data.settings())}, {about['As of']}"
    return f"""<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{CSS}{page_rules(title, produced, "A4 landscape")}</style></head><body>
<div class="noprint"><button onclick="window.print()">Print</button></div>
<h1>{html.escape(title)}</h1>
<p class="meta">{MARKING} &middot; {meta}</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
</body></html>"""


def _print(panel_id: str):
    panel = discover().get(panel_id)
    scope = current_scope()
    if panel is None or panel.table is None or scope.role not in panel.roles:
        flask.abort(404)
    filters = inputs.filters(_json("filters"))
    filter_model, column_state = inputs.export_state(_json("grid"), _json("sort"))
    from dashboard.compose import context  # the pages' own context, not a copy of it

    ctx = context(filters)
    rows = panel.table.rows(ctx)
    rows = apply_model(rows, panel.table.columns, filter_model, sort_model(column_state))
    as_of = f"{ctx.as_of:%d/%m/%Y}" if ctx.as_of else "no data"
    about = {
        "As of": as_of,
        "Areas": ", ".join(scope.narrow(filters.areas)) or "none",
        "Filters": words.filters_in_words(filters),
        "Grid filters": describe_grid_filters(filter_model, panel.table.columns),
        "Rows": str(len(rows)),
    }
    produced = f"Printed {datetime.now():%d/%m/%Y %H:%M} by {scope.username}"
    auth().record(
        "print",
        page=panel.page,
        detail={"panel": panel.id, "rows": len(rows), "filters": filters.describe(),
                "grid_filters": filter_model},
    )  # fmt: skip
    return flask.Response(page(panel, rows, about, produced), mimetype="text/html")


def install(server: flask.Flask) -> None:
    server.add_url_rule(f"{ROUTE}<panel_id>", "print_view", _print)


def link(panel_id: str, store: dict | None, filter_model: dict | None, state: list | None) -> str:
    """The print view's address for a panel as the user now sees it."""
    query = {"filters": store or {}, "grid": filter_model or {}, "sort": state or []}
    return f"{ROUTE}{panel_id}?" + urlencode({k: json.dumps(v) for k, v in query.items()})


def register(panel: Panel) -> None:
    """Keep the panel's Print link pointing at what the user now sees."""

    @callback(
        Output(f"{panel.id}-print", "href"),
        Input(f"{panel.page}-filters", "data"),
        Input(f"{panel.id}-grid", "filterModel"),
        State(f"{panel.id}-grid", "columnState"),
    )
    def _href(store, filter_model, column_state):
        sort = [
            {"colId": c.get("colId"), "sort": c.get("sort"), "sortIndex": c.get("sortIndex")}
            for c in (column_state or [])
            if isinstance(c, dict) and c.get("sort")
        ]
        return link(panel.id, store, filter_model, sort)
