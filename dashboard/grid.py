"""Server-side paging, sorting and filtering for AG Grid's infinite row model, and exports.

The browser only ever receives the block of rows it asked for. Filter and sort requests name
columns; only the grid's own columns are honoured, and values are compared in pandas, never
pasted into SQL.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import dash_ag_grid as dag
import pandas as pd

from etl.spreadsheet import write_csv, xlsx_bytes

BLOCK = 100


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    kind: str = "text"  # text | number | date | datetime (shown DD/MM/YYYY HH:MM)
    width: int | None = None
    link: str | None = None  # URL prefix: the cell links to prefix + value
    tooltip: str | None = None  # what the header's tooltip explains
    long_text: bool = False  # wraps into the row's height, the whole text on hover too
    words: Callable[[object], str] | None = None  # a code shown in words ("Child protection")
    empty_text: str | None = None  # shown (not exported) in an empty cell: what a click does

    def col_def(self) -> dict:
        col = {
            "field": self.field,
            "headerName": self.header,
            "sortable": True,
            "filter": {
                "number": "agNumberColumnFilter",
                "date": "agDateColumnFilter",
                "datetime": "agDateColumnFilter",
            }.get(self.kind, "agTextColumnFilter"),
            "filterParams": {"buttons": ["reset"], "maxNumConditions": 1, "inRangeInclusive": True},
            "resizable": True,
        }
        if self.width:
            # A fixed width, not a share of what is left: key columns stay readable at 1366 px.
            col["width"] = self.width
            col["flex"] = 0
        if self.tooltip:
            col["headerTooltip"] = self.tooltip
        if self.long_text:
            col.update(tooltipField=self.field, wrapText=True, cellStyle={"lineHeight": "1.35"})
            col["minWidth"] = 260
        if self.link:
            col["cellRenderer"] = "markdown"
        if self.empty_text:
            shown = json.dumps(self.empty_text)
            col["valueFormatter"] = {"function": f"params.value ? params.value : {shown}"}
            col["cellStyle"] = {**col.get("cellStyle", {}), "cursor": "pointer"}
        return col


def grid(
    grid_id: str, columns: list[Column], height: str = "60vh", keyed: bool = False
) -> dag.AgGrid:
    """``keyed``: each row carries ``_id`` (rows_response ``key``), the grid's row id, so a
    click on a cell (``cellClicked.rowId``) names its row."""
    extra = {"getRowId": "params.data._id"} if keyed else {}
    return dag.AgGrid(
        id=grid_id,
        **extra,
        columnDefs=[c.col_def() for c in columns],
        rowModelType="infinite",
        defaultColDef={"flex": 1, "minWidth": 110},
        dashGridOptions={
            "cacheBlockSize": BLOCK,
            "maxBlocksInCache": 20,
            "rowBuffer": 0,
            "infiniteInitialRowCount": 1,
            "ensureDomOrder": True,
        },
        style={"height": height},
        className="ag-theme-quartz",
    )


def _text_mask(series: pd.Series, kind: str, value: str) -> pd.Series:
    text = series.astype("string").fillna("").str.lower()
    value = str(value or "").lower()
    ops = {
        "contains": lambda: text.str.contains(value, regex=False),
        "notContains": lambda: ~text.str.contains(value, regex=False),
        "equals": lambda: text == value,
        "notEqual": lambda: text != value,
        "startsWith": lambda: text.str.startswith(value),
        "endsWith": lambda: text.str.endswith(value),
        "blank": lambda: text == "",
        "notBlank": lambda: text != "",
    }
    return ops.get(kind, ops["contains"])()


def _number_mask(series: pd.Series, kind: str, value, value_to) -> pd.Series:
    num = pd.to_numeric(series, errors="coerce")
    v = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    w = pd.to_numeric(pd.Series([value_to]), errors="coerce").iloc[0]
    ops = {
        "equals": lambda: num == v,
        "notEqual": lambda: num != v,
        "greaterThan": lambda: num > v,
        "greaterThanOrEqual": lambda: num >= v,
        "lessThan": lambda: num < v,
        "lessThanOrEqual": lambda: num <= v,
        "inRange": lambda: (num >= v) & (num <= w),
        "blank": lambda: num.isna(),
        "notBlank": lambda: num.notna(),
    }
    return ops.get(kind, ops["equals"])().fillna(False)


def _date_mask(series: pd.Series, kind: str, date_from, date_to) -> pd.Series:
    """By calendar day: a date filter compares days, whatever time a value holds."""
    day = pd.to_datetime(series, errors="coerce").dt.normalize()
    start = pd.to_datetime(pd.Series([date_from]), errors="coerce").dt.normalize().iloc[0]
    stop = pd.to_datetime(pd.Series([date_to]), errors="coerce").dt.normalize().iloc[0]
    ops = {
        "equals": lambda: day == start,
        "notEqual": lambda: day != start,
        "greaterThan": lambda: day > start,
        "lessThan": lambda: day < start,
        "inRange": lambda: (day >= start) & (day <= stop),
        "blank": lambda: day.isna(),
        "notBlank": lambda: day.notna(),
    }
    return ops.get(kind, ops["equals"])().fillna(False)


def _condition_mask(series: pd.Series, cond: dict) -> pd.Series:
    if "conditions" in cond:  # combined: {"operator": "AND"|"OR", "conditions": [...]}
        masks = [_condition_mask(series, c) for c in cond["conditions"]]
        out = masks[0]
        for m in masks[1:]:
            out = (out & m) if cond.get("operator") == "AND" else (out | m)
        return out
    if cond.get("filterType") == "date":
        return _date_mask(series, cond.get("type"), cond.get("dateFrom"), cond.get("dateTo"))
    if cond.get("filterType") == "number":
        return _number_mask(series, cond.get("type"), cond.get("filter"), cond.get("filterTo"))
    return _text_mask(series, cond.get("type"), cond.get("filter"))


def sort_model(column_state: list[dict] | None) -> list[dict]:
    """The grid's sort, in its order, from its column state (what an export or a print is
    given, since those are not a rows request)."""
    return [
        {"colId": s["colId"], "sort": s["sort"]}
        for s in sorted(
            (s for s in (column_state or []) if s.get("sort")),
            key=lambda s: s.get("sortIndex") or 0,
        )
    ]


def apply_model(
    df: pd.DataFrame,
    columns: list[Column],
    filter_model: dict | None = None,
    sort_model: list | None = None,
    words_for: set[str] | None = None,
) -> pd.DataFrame:
    """Filter and sort ``df`` as the grid asked, on the grid's own columns only, as the grid
    shows them (codes in words), which is also how they are exported and printed. With
    ``words_for``, only those columns are put in words (the rest are left to ``in_words``)."""
    df = with_words(df, [c for c in columns if words_for is None or c.field in words_for])
    allowed = {c.field for c in columns}
    for field, cond in (filter_model or {}).items():
        if field in allowed and field in df and isinstance(cond, dict):
            df = df[_condition_mask(df[field], cond).to_numpy()]
    sorts = [s for s in (sort_model or []) if s.get("colId") in allowed and s.get("colId") in df]
    if sorts:
        df = df.sort_values(
            [s["colId"] for s in sorts],
            ascending=[s.get("sort") != "desc" for s in sorts],
            kind="stable",
            na_position="last",
        )
    return df


def with_words(df: pd.DataFrame, columns: list[Column]) -> pd.DataFrame:
    """``df`` with the codes of ``columns`` that have words put in words (a copy, if any)."""
    coded = [c for c in columns if c.words and c.field in df]
    if not coded:
        return df
    df = df.copy()
    for c in coded:
        df[c.field] = df[c.field].map(c.words)
    return df


# Characters that can start or end markdown syntax inside a link's text.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#!|~&\"])")


def markdown_link(value: object, prefix: str, query: str = "") -> str:
    """A markdown link to ``prefix`` + the value, %-encoded (then ``?query`` when given), with
    the value as escaped text: an id holding ``]``, ``(``, spaces or ``<`` neither breaks the
    link nor adds markup."""
    text = "" if value is None else str(value)
    shown = _MARKDOWN.sub(r"\\\1", text)
    if shown[:1] in ("-", "+"):
        shown = "\\" + shown  # not a list item
    shown = re.sub(r"^(\d+)([.)])", r"\1\\\2", shown)  # nor a numbered one
    return f"[{shown}]({prefix}{quote(text, safe='')}{'?' + query if query else ''})"


def _missing(value: object) -> bool:
    """None, NaN, NaT or pd.NA: what ``tolist`` leaves for a missing value of any dtype."""
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def for_browser(df: pd.DataFrame, columns: list[Column], link_query: str = "") -> list[dict]:
    """Rows as the grid shows them: UK dates, links as markdown (carrying ``link_query``),
    missing values (and links to a missing id) as null. Built from plain lists, a column at a
    time: a frame of the block turned into records cost a grid callback 3-5 ms of its 10-15,
    and pandas' own null masking (astype, notna, where) a tenth of a cached callback's CPU."""
    values = []
    for c in columns:
        s = df[c.field] if c.field in df else pd.Series("", index=df.index)
        if c.kind in ("date", "datetime"):
            shown = "%d/%m/%Y %H:%M" if c.kind == "datetime" else "%d/%m/%Y"
            values.append(pd.to_datetime(s, errors="coerce").dt.strftime(shown).fillna("").tolist())
        elif c.link:
            # A missing id links nowhere: an empty cell, not "[nan](/case/nan)".
            values.append(
                [None if pd.isna(v) else markdown_link(v, c.link, link_query) for v in s.tolist()]
            )
        else:
            values.append([None if _missing(v) else v for v in s.tolist()])
    fields = [c.field for c in columns]
    return [dict(zip(fields, row, strict=True)) for row in zip(*values, strict=True)]


def rows_response(
    df: pd.DataFrame,
    columns: list[Column],
    request: dict | None,
    link_query: str = "",
    key: tuple[str, ...] = (),
    distinct: str | None = None,
) -> dict[str, object]:
    """The block of rows asked for, and the total after filtering; with ``key``, each row's
    ``_id`` is those fields' values joined by "|" (see ``grid(keyed=True)``); with
    ``distinct``, ``_distinct`` counts that field's values after filtering (the caller takes
    it out before the grid gets the answer)."""
    request = request or {}
    filters, sorts = request.get("filterModel"), request.get("sortModel")
    # Codes are put in words over the whole table only where the grid filters or sorts on
    # them; the rest, on the block sent (a copy of the day's list per block cost more).
    asked = set(filters or {}) | {s.get("colId") for s in (sorts or []) if isinstance(s, dict)}
    df = apply_model(df, columns, filters, sorts, words_for=asked)
    start = max(int(request.get("startRow") or 0), 0)
    end = min(max(int(request.get("endRow") or start + BLOCK), start), start + 1000)
    block = with_words(df.iloc[start:end], [c for c in columns if c.field not in asked])
    rows = for_browser(block, columns, link_query)
    if key:
        values = zip(*(block[k].astype(str) for k in key), strict=True)
        for row, parts in zip(rows, values, strict=True):
            row["_id"] = "|".join(parts)
    response: dict[str, object] = {"rowData": rows, "rowCount": len(df)}
    if distinct and distinct in df:
        response["_distinct"] = int(df[distinct].nunique())
    return response


_FILTER_WORDS = {
    "contains": "contains", "notContains": "does not contain", "equals": "is",
    "notEqual": "is not", "startsWith": "starts with", "endsWith": "ends with",
    "blank": "is blank", "notBlank": "is not blank", "greaterThan": ">",
    "greaterThanOrEqual": ">=", "lessThan": "<", "lessThanOrEqual": "<=", "inRange": "between",
}  # fmt: skip


def _condition_words(cond: dict) -> str:
    if "conditions" in cond:
        joiner = " and " if cond.get("operator") == "AND" else " or "
        return joiner.join(_condition_words(c) for c in cond["conditions"] if isinstance(c, dict))
    kind = str(cond.get("type") or "contains")
    words = _FILTER_WORDS.get(kind, kind)
    if kind in ("blank", "notBlank"):
        return words
    if cond.get("filterType") == "date":
        low, high = (str(cond.get(k) or "")[:10] for k in ("dateFrom", "dateTo"))
        return f"{words} {low} and {high}" if kind == "inRange" else f"{words} {low}"
    if kind == "inRange":
        return f"{words} {cond.get('filter')} and {cond.get('filterTo')}"
    return f"{words} {cond.get('filter')!s}"


def describe_grid_filters(filter_model: dict | None, columns: list[Column]) -> str:
    """The grid's own filters in words ("Team contains CP; Days >= 28"), or "none"."""
    headers = {c.field: c.header for c in columns}
    parts = [
        f"{headers[field]} {_condition_words(cond)}"
        for field, cond in (filter_model or {}).items()
        if field in headers and isinstance(cond, dict)
    ]
    return "; ".join(parts) or "none"


def slug(*parts: str) -> str:
    """A file-name fragment: lower-case letters, digits and single hyphens only (so nothing a
    user typed into a filter can reach a header or a path)."""
    text = "-".join(p for p in parts if p)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:120]


def export_bytes(df: pd.DataFrame, columns: list[Column], fmt: str, about: list[str]) -> bytes:
    """The whole filtered table (not just the loaded block) as a plain CSV (the header on line
    1) or an Excel workbook: the data first, dates as Excel dates, then an About sheet with
    ``about`` (marking, filters, who and when); a CSV carries those in its file name."""
    table = pd.DataFrame({c.header: df.get(c.field, "") for c in columns})
    for c in columns:
        if c.kind in ("date", "datetime"):
            when = pd.to_datetime(table[c.header], errors="coerce")
            if fmt == "csv":
                shown = "%d/%m/%Y %H:%M" if c.kind == "datetime" else "%d/%m/%Y"
                table[c.header] = when.dt.strftime(shown)
            else:
                table[c.header] = when.dt.to_pydatetime() if c.kind == "datetime" else when.dt.date
    if fmt == "csv":
        buf = io.StringIO()
        write_csv(table, buf)
        return buf.getvalue().encode("utf-8-sig")
    return xlsx_bytes({"Data": table, "About": pd.DataFrame({"": about})}, headerless=["About"])
