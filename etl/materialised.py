"""Every answer a load materialises for the pages, with how to ask a warehouse for the last
day it holds each with given settings (``None``: not made with them, or not at all).

The pages fall back to the rule run on the spot for a day a table does not hold, so a
warehouse lacking one still answers, only slower. A benchmark or a check that must measure
what a current load gives asks ``lacking``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb

from etl import check_days, child_cases_now, custody_days, daily, last_entries
from etl.settings import Settings

# The table a page reads, and its ``through`` (child_cases_now's is ``date.max`` when it holds).
THROUGH: dict[str, Callable[[duckdb.DuckDBPyConnection, Settings], date | None]] = {
    "flag_spans": daily.through,
    "check_spans": check_days.through,
    "last_entry_spans": last_entries.through,
    "child_cases_now": child_cases_now.through,
    "custody_days": custody_days.through,
}


def lacking(con: duckdb.DuckDBPyConnection, settings: Settings, day: date) -> list[str]:
    """The materialised tables that do not hold ``day`` with ``settings``: missing, made by
    another rule or settings, or ending before it."""
    out = []
    for table, through in THROUGH.items():
        last = through(con, settings)  # None for a warehouse from before the table existed
        if last is None or last < day:
            out.append(table)
    return out
