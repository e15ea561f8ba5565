"""Audit (admins only): who viewed which page or case, and what they exported."""

from __future__ import annotations

import json

import pandas as pd

from dashboard import data
from dashboard.access import auth
from dashboard.grid import Column
from dashboard.panels import Context, Panel, Table


def detail_in_words(detail: object) -> str:
    """The stored JSON detail as "key: value; ..." (lists joined, empty values left out)."""
    if not isinstance(detail, str) or not detail:
        return ""
    try:
        value = json.loads(detail)
    except ValueError:
        return detail
    return _words(value)


def _words(value: object) -> str:
    if isinstance(value, dict):
        parts = [
            f"{str(k).replace('_', ' ')}: {_words(v)}"
            for k, v in value.items()
            if v not in (None, "", [], {})
        ]
        return "; ".join(parts)
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value)
    return str(value)


def local_time(column: pd.Series) -> pd.Series:
    """Stored UTC instants as wall-clock times in the force's time zone (naive)."""
    tz = data.settings().timezone
    return pd.to_datetime(column, utc=True, errors="coerce").dt.tz_convert(tz).dt.tz_localize(None)


def rows(ctx: Context):
    if ctx.scope.role != "admin":
        raise PermissionError("the audit log is for admins")
    # Every entry: the grid pages, filters and sorts on the server (no cap on what it sees).
    df = auth().audit.read(limit=None)
    df["at"] = local_time(df["at"])
    df["last_at"] = local_time(df["last_at"])
    df["detail"] = df["detail"].map(detail_in_words)
    return df


PANEL = Panel(
    id="audit-log",
    page="audit",
    order=10,
    title="Access audit log",
    description=(
        "Append-only: every sign-in, page and case view, read of case rows, filter change and "
        "export, newest first. Reads by one user of one page with one filter set within a few "
        "minutes make one entry, with the rows read and requests added up; nothing else in "
        "the app can change or delete an entry. Times are local (the force's time zone); "
        "filter by user or event in their columns, and by a range of days under When."
    ),
    roles=("admin",),
    table=Table(
        columns=[
            Column("id", "#", kind="number", width=90),
            Column("at", "When", kind="datetime", width=170),
            Column("username", "User", width=120),
            Column("event", "Event", width=140),
            Column("page", "Page", width=110),
            Column("case_id", "Case", width=130),
            Column("detail", "Detail", long_text=True),
            Column("address", "Address", width=130),
            Column("rows_read", "Rows read", kind="number", width=110),
            Column("reads", "Requests", kind="number", width=110),
            Column("last_at", "Last", kind="datetime", width=170),
        ],
        rows=rows,
        export_name="audit-log",
        noun="entry",
        as_of_day=False,
    ),
)
