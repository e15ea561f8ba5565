"""The flags of every day, made at load time: the table ``flag_spans``.

The rule is written over runs of days (``flag_spans.sql``): a case carries one flag with the
same record version and attributes on consecutive days, its ``days`` growing by one a day
(``days = as_of - counted_from``). Each build runs that file once over every day the extracts
cover (and a week after: below) and stores its rows; ``flags_on_day.sql`` reads one day back
(a range filter) and ``flags.sql`` gives any range of days one row per day from the same file,
so a page's first visit to a day costs a filter, whatever the history's length, and nothing of
the rule is restated here or there.

Why a flag's days form runs: within one version of a case (part of the key) the days it is
open are consecutive, its last DS review and latest DS entry only move forward, and each flag's
condition holds on one run of days while they stay put; a new review starts a new anchor
(``counted_from``). The check ``etl/checks/flag_spans_contiguous.sql`` fails the load if a span,
once joined with its continuation from an earlier load, holds fewer days than it covers.

The spans run on ``AHEAD_DAYS`` past the newest extract day: what the flags become if nothing
new arrives (which reviews fall overdue this week), as flags.sql gives those days. A morning
page asking about today, when the night's extract ends yesterday, reads them too.

Incremental: a load that brings a day's changes recomputes, over every day, only the cases whose
record, incident, entries or entry assessments changed (a back-dated entry changes past days),
and only the new days for the rest (the days ahead of the previous build were worked out from
the same record of a case that did not change, so they stand). A change of the rule's settings
or of the rule's files (``flag_spans_build.rules``) recomputes everything; the dashboard
meanwhile computes any day the spans do not cover, or were made with other settings, with
flags.sql directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import duckdb

from etl import history, queries
from etl.settings import Settings
from etl.warehouse import has_table, prev_has_table

SPANS = "flag_spans"
BUILD = "flag_spans_build"
PIECES = "flag_span_pieces"  # a work table of an incremental build
AHEAD_DAYS = 7  # the days after the newest extract day the spans hold
# Every column of flag_spans.sql but the days it covers: equal on every day of a span.
KEY = (
    "investigation_id, version, flag, flag_order, area, team, team_type, officer_id, reasons, "
    "opened_on, last_ds_review_on, due_on, flagged_since, quoted_note"
)
# By day: a day's spans sit together, so DuckDB's zone maps skip the rest of a long history.
STORED_ORDER = "first_day, investigation_id"
SPANS_DDL = f"""
CREATE TABLE {SPANS} (
  investigation_id VARCHAR, version INTEGER, flag VARCHAR, flag_order INTEGER, area VARCHAR,
  team VARCHAR, team_type VARCHAR, officer_id VARCHAR, reasons VARCHAR, opened_on DATE,
  last_ds_review_on DATE, due_on DATE, flagged_since DATE, quoted_note VARCHAR,
  counted_from DATE,     -- days on a day D = D - counted_from
  first_day DATE,        -- the span's first and last as-of day (inclusive)
  last_day DATE,
  days_in_span INTEGER   -- as-of days the pieces joined into it cover (a check)
)
"""
BUILD_DDL = f"""
CREATE TABLE {BUILD} (
  through DATE,          -- the last as-of day materialised: the newest extract day + AHEAD_DAYS
  rules VARCHAR          -- fingerprint of flag_spans.sql and the settings it ran with
)
"""

Progress = Callable[[str], None]


def rules(settings: Settings) -> str:
    """What the spans depend on besides the data: the text of flag_spans.sql (with what it
    includes, and the rule of the entry_readings table it reads) and the value of every
    setting it names."""
    given = {"first_day": None, "last_day": None, "areas": None, "investigation_ids": None}
    text = queries.sql("flag_spans") + queries.sql("entry_readings")
    return queries.fingerprint(text, settings, **given)


def covers(con: duckdb.DuckDBPyConnection, settings: Settings, day: date) -> bool:
    """Whether the warehouse's spans hold ``day`` as flags.sql gives it with ``settings``."""
    return build_holds(con, BUILD, rules(settings), day)


def through(con: duckdb.DuckDBPyConnection, settings: Settings) -> date | None:
    """The last day the warehouse's spans hold as flags.sql gives it with ``settings`` (every
    day before it too), or None: ``covers`` for a reader that asks many days of one file."""
    return held_through(con, BUILD, rules(settings))


def build_holds(con: duckdb.DuckDBPyConnection, build: str, fingerprint: str, day: date) -> bool:
    """Whether what a load materialised, as its ``build`` table records (``through``,
    ``rules``), holds ``day`` (and so every day before it) made with the rules ``fingerprint``
    names (flag_spans here; check_spans in etl/check_days.py)."""
    last = held_through(con, build, fingerprint)
    return last is not None and day <= last


def held_through(con: duckdb.DuckDBPyConnection, build: str, fingerprint: str) -> date | None:
    """The last day what a load materialised holds, as its ``build`` table records it, when it
    was made with the rules ``fingerprint`` names; else None."""
    if not has_table(con, build):
        return None
    rows = con.execute(f"SELECT through, rules FROM {build}").fetchall()
    return rows[0][0] if rows and rows[0][1] == fingerprint else None


def every_area(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every area a version of a case names: a load materialises them all."""
    return [
        r[0] for r in con.execute("SELECT DISTINCT area FROM investigation_versions").fetchall()
    ]


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The empty tables, made before the build carries the previous warehouse's other tables
    over (so the previous spans are not copied whole)."""
    con.execute(SPANS_DDL)
    con.execute(BUILD_DDL)


def build(con: duckdb.DuckDBPyConnection, settings: Settings, load_id: int, say: Progress) -> None:
    """Fill ``flag_spans`` in the warehouse being built (the previous one attached as
    ``prev``; entries assessed), through AHEAD_DAYS after the newest extract day."""
    newest = con.execute("SELECT max(extract_day) FROM load_log").fetchall()[0][0]
    through = newest + timedelta(days=AHEAD_DAYS) if newest is not None else None
    fingerprint = rules(settings)
    con.execute(f"INSERT INTO {BUILD} VALUES (?, ?)", [through, fingerprint])
    first = con.execute("SELECT min(CAST(opened_at AS DATE)) FROM investigation_versions")
    first = first.fetchall()[0][0]
    if through is None or first is None or first > through:
        return
    prev_through = _previous_build(con, fingerprint)
    if prev_through is None or prev_through > through:
        say("materialising the flags of every day")
        # One pass gives every run whole (nothing to join), stored sorted for the readers.
        _compute(con, settings, first, through, None, order=True)
        return
    changed = history.changed_cases(con, load_id)
    say(f"materialising the flags: {changed} changed case(s) over every day, the new days")
    # The pieces are gathered in a work table and the warehouse's table written once, sorted.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {PIECES} AS SELECT * FROM prev.{SPANS} "
        "WHERE investigation_id NOT IN (SELECT investigation_id FROM changed_cases)"
    )
    if through > prev_through:
        _compute(
            con, settings, prev_through + timedelta(days=1), through, None,
            skip_changed=True, into=PIECES,
        )  # fmt: skip
    if changed:
        # From the earliest opening of any version of a changed case: its days before that
        # have no flags, and a daily delta's cases rarely go back to the start of the history.
        since = con.execute(
            "SELECT min(CAST(opened_at AS DATE)) FROM investigation_versions "
            "WHERE investigation_id IN (SELECT investigation_id FROM changed_cases)"
        ).fetchall()[0][0]
        _compute(con, settings, max(first, since or first), through, "changed_cases", into=PIECES)
    # A span of the previous build that goes on into the new days is one span again.
    _merge_spans(con)
    con.execute(f"DROP TABLE {PIECES}")


def _previous_build(con: duckdb.DuckDBPyConnection, fingerprint: str) -> date | None:
    """The day the previous warehouse's spans run to, if made with the same rules."""
    if not prev_has_table(con, BUILD) or not prev_has_table(con, SPANS):
        return None
    rows = con.execute(f"SELECT through, rules FROM prev.{BUILD}").fetchall()
    return rows[0][0] if rows and rows[0][1] == fingerprint else None


def _compute(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    first: date,
    last: date,
    only: str | None,
    skip_changed: bool = False,
    order: bool = False,
    into: str = SPANS,
) -> None:
    """flag_spans.sql over ``first``..``last`` (for the cases in table ``only``, or every
    case; without those in changed_cases when ``skip_changed``) into table ``into``, sorted as
    the readers want them (``STORED_ORDER``) when ``order``."""
    text = queries.sql("flag_spans")
    areas = every_area(con)
    ids = None
    if only:
        ids = [r[0] for r in con.execute(f"SELECT investigation_id FROM {only}").fetchall()]
    where = (
        "WHERE investigation_id NOT IN (SELECT investigation_id FROM changed_cases)"
        if skip_changed
        else ""
    )
    params = queries.params(
        text, settings, first_day=first, last_day=last, areas=areas, investigation_ids=ids
    )
    con.execute(
        f"INSERT INTO {into} SELECT *, CAST(last_day - first_day + 1 AS INTEGER) "
        f"FROM ({text}) {where} {f'ORDER BY {STORED_ORDER}' if order else ''}",
        params,
    )


def _merge_spans(con: duckdb.DuckDBPyConnection) -> None:
    """Join the pieces (``PIECES``) of one span computed by different loads or ranges of days
    (same key and anchor, adjacent days), and store the spans sorted by day for the readers."""
    con.execute(
        f"""
        INSERT INTO {SPANS}
        SELECT {KEY}, counted_from, min(first_day) AS first_day, max(last_day) AS last_day,
               CAST(sum(days_in_span) AS INTEGER) AS days_in_span
        FROM {PIECES} GROUP BY ALL ORDER BY {STORED_ORDER}
        """
    )
