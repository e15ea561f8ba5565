"""Today's custody checks of every day, made at load time: the table ``custody_days``,
custody_checks.sql's rows for each as-of day over the ``recent_days`` to it (the window Today
reads), stored by day.

Today's cards ask the rule for a day and the day before on every first visit to a day, and
most of its cost is DuckDB planning it (12-15 ms of a first visit's CPU, however few the
detentions). A detention is in the window of ``recent_days`` as-of days only, so every day's
rows are a few times the detentions: the load runs the same file once over every day and
keeps them; a first visit then reads a range of a small table (custody_checks_on_days.sql).

The rule's rows depend on the asker's areas in one way: a detention naming a case now outside
them leaves the case empty. The load runs the rule for every area (so it leaves none empty)
and keeps each case's area beside it (``case_area``); the reading query leaves the case empty
for an asker who does not hold that area, as the rule would. Rows outside the asker's areas
are filtered by the detention's area, as the rule filters them.

The build records the days it holds (the flags' ``through``) and the fingerprint of the rule,
its settings and ``recent_days``; the dashboard reads the table only for a day it holds with
the running settings, else runs the rule. Every load makes the table again: a pass over the
detentions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import duckdb

from etl import daily, queries
from etl.settings import Settings

TABLE = "custody_days"
BUILD = "custody_days_build"
RULE = "custody_checks"
READER = "custody_checks_on_days"
STORED_ORDER = "as_of, detained_at DESC, custody_id"  # a day's rows together (zone maps)
DDL = f"""
CREATE TABLE {BUILD} (
  through DATE,          -- the last as-of day materialised (flag_spans_build's)
  rules VARCHAR          -- fingerprint of custody_checks.sql, its settings and recent_days
)
"""


def rules(settings: Settings) -> str:
    """What the rows depend on besides the data: the rule's text, the settings it names and
    the window it is run over (``recent_days``, given to it as ``$window_days``)."""
    given = {"as_of_days": None, "window_days": None, "areas": None}
    rule = queries.fingerprint(queries.sql(RULE), settings, **given)
    return f"{rule}:recent_days={settings.recent_days}"


def through(con: duckdb.DuckDBPyConnection, settings: Settings) -> date | None:
    """The last day the warehouse's table holds as the rule gives it with ``settings`` over
    ``recent_days`` (every day before it too), or None."""
    return daily.held_through(con, BUILD, rules(settings))


def create_tables(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """The empty tables (the rule's columns and ``case_area``), made after the extracts are
    merged and before the build carries the previous warehouse's other tables over (so the
    previous rows are not copied: ``build`` makes them again whole)."""
    con.execute(DDL)
    text = queries.sql(RULE)
    params = queries.params(text, settings, as_of_days=[], window_days=1, areas=[])
    con.execute(
        f"CREATE TABLE {TABLE} AS SELECT *, CAST(NULL AS VARCHAR) AS case_area "
        f"FROM ({text}) WHERE false",
        params,
    )


def build(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    say: Callable[[str], None] = lambda _msg: None,
) -> None:
    """Make ``custody_days`` in the warehouse being built, for the days the flags step
    materialised (after it)."""
    last = con.execute("SELECT max(through) FROM flag_spans_build").fetchall()[0][0]
    first = con.execute("SELECT min(CAST(detained_at AS DATE)) FROM custody").fetchall()[0][0]
    con.execute(f"INSERT INTO {BUILD} VALUES (?, ?)", [last, rules(settings)])
    text = queries.sql(RULE)
    days = [] if last is None or first is None else _days(first, last)
    say("keeping the custody checks of every day")
    # Every area a detention or a case names: the rule then leaves no case empty, and the
    # reading query does it per asker from case_area.
    areas = [
        r[0]
        for r in con.execute(
            "SELECT area FROM custody WHERE area IS NOT NULL UNION "
            "SELECT area FROM investigations WHERE area IS NOT NULL"
        ).fetchall()
    ]
    params = queries.params(
        text, settings, as_of_days=days, window_days=settings.recent_days, areas=areas
    )
    con.execute(
        f"INSERT INTO {TABLE} BY NAME SELECT c.*, i.area AS case_area FROM ({text}) AS c "
        "LEFT JOIN (SELECT investigation_id, any_value(area) AS area FROM investigations "
        "GROUP BY investigation_id) AS i ON i.investigation_id = c.investigation_id "
        f"ORDER BY {STORED_ORDER}",
        params,
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
