"""The inspection's checks of every day (issue 17), made at load time: the table check_spans.

The rule is written over runs of days (``check_spans.sql``): a case fails a check on
consecutive days, its ``days`` growing (or, for bail about to end, shrinking) by one a day.
Each build runs that file once over every day the flags are materialised for (the same days,
flag_spans_build's ``through``), reading the open child-related runs the flags step has just
made, and stores its rows sorted by day; ``case_checks.sql`` gives any days one row per day
from the table, or from the same file run on the spot for days the table does not hold (or
made with other settings). So a page's first visit to a day costs a range filter over the
runs, whatever the history's length, and nothing of the rule is restated.

Every build makes the whole table again: it is a pass over the child-related runs (a tenth of
the flags step's work), so an incremental load needs no bookkeeping of its own.
"""

from __future__ import annotations

from datetime import date

import duckdb

from etl import daily, queries
from etl.settings import Settings

SPANS = "check_spans"
BUILD = "check_spans_build"
# By day: a day's runs sit together, so DuckDB's zone maps skip the rest of a long history.
STORED_ORDER = "first_day, investigation_id"


def rules(settings: Settings) -> str:
    """What the runs depend on besides the data: check_spans.sql's text (with what it
    includes) and the value of every setting it names."""
    given = {"first_day": None, "last_day": None, "areas": None, "from_spans": None}
    return queries.fingerprint(queries.sql("check_spans"), settings, **given)


def covers(con: duckdb.DuckDBPyConnection, settings: Settings, day: date) -> bool:
    """Whether the warehouse's check_spans hold ``day`` as check_spans.sql gives it with
    ``settings`` (and so every day before it)."""
    return daily.build_holds(con, BUILD, rules(settings), day)


def through(con: duckdb.DuckDBPyConnection, settings: Settings) -> date | None:
    """The last day the warehouse's check_spans hold as check_spans.sql gives it with
    ``settings`` (every day before it too), or None."""
    return daily.held_through(con, BUILD, rules(settings))


def build(con: duckdb.DuckDBPyConnection, settings: Settings, say: daily.Progress) -> None:
    """Fill ``check_spans`` in the warehouse being built, after the flags step (whose
    child_related spans it reads), for the days the flags were materialised."""
    through = con.execute("SELECT max(through) FROM flag_spans_build").fetchall()[0][0]
    con.execute(f"INSERT INTO {BUILD} VALUES (?, ?)", [through, rules(settings)])
    first = con.execute("SELECT min(first_day) FROM flag_spans").fetchall()[0][0]
    if through is None or first is None:
        return
    say("materialising the checks of every day")
    text = queries.sql("check_spans")
    params = queries.params(
        text, settings, first_day=first, last_day=through, areas=daily.every_area(con),
        from_spans=True,
    )  # fmt: skip
    con.execute(
        f"INSERT INTO {SPANS} BY NAME SELECT * FROM ({text}) ORDER BY {STORED_ORDER}", params
    )
