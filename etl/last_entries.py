"""Each case's last supervisory entry for every day, made at load time: the table
``last_entry_spans`` (the rule: etl/sql/last_entry_spans.sql).

The Today list names, for each flagged case, the last entry by a supervisor dated on or before
the day (last_supervisory_entry.sql). Asked on the spot, that is a pass over every entry before
the day: 200 ms at ten years, growing with the history (docs/benchmarks.md, session 20). An
entry stays a case's last from its day until the next one, so the load stores each as a run of
days; a day's answer is then the runs that hold it, and runs stored by their last day let
DuckDB's zone maps skip every run that ended before it.

The runs depend on one setting, ``supervisor_ranks``; the build records the fingerprint of the
rule and its settings, and the dashboard reads the table only when it matches the running
settings (else it asks last_supervisory_entry.sql).

Incremental: a load on top of runs made by the same rule makes again only the runs of the cases
it can change (etl/history.py changed_cases, as the pairs and the flags do) and carries the
rest over; the runs have no end day to move (the last runs hold until the case changes), so a
new day needs nothing more. tests/test_last_entries.py checks that this gives what making
every run gives.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb

from etl import history, queries
from etl.settings import Settings
from etl.warehouse import has_table, prev_made_by

TABLE = "last_entry_spans"
BUILD = "last_entry_spans_build"
RULE = "last_entry_spans"
# By last day: the runs that ended before a day sit together, and a day's zone-map range is
# the runs still going (the rest of a long history is skipped).
STORED_ORDER = "to_day, from_day"
DDL = f"""
CREATE TABLE {TABLE} (
  investigation_id VARCHAR, area VARCHAR,
  from_day DATE,         -- the run's first and last as-of day (inclusive)
  to_day DATE,           -- 'infinity': until the case changes
  reviewer_id VARCHAR, reviewer_rank VARCHAR, reviewed_at TIMESTAMP, grade VARCHAR
);
CREATE TABLE {BUILD} (
  rules VARCHAR          -- fingerprint of last_entry_spans.sql and the settings it ran with
)
"""


def rules(settings: Settings) -> str:
    """What the runs depend on besides the data: the rule's text, the rule of the pairs it
    reads (entry_readings.sql) and the value of every setting it names."""
    text = queries.sql(RULE) + queries.sql("entry_readings")
    return queries.fingerprint(text, settings, investigation_ids=None)


def through(con: duckdb.DuckDBPyConnection, settings: Settings) -> date | None:
    """``date.max`` when the warehouse's runs were made with ``settings`` (a run has no end to
    move, so they hold every day), else None: what dashboard/data.py asks of every table a
    load materialises."""
    fingerprint = rules(settings)
    if not has_table(con, BUILD):
        return None
    rows = con.execute(f"SELECT rules FROM {BUILD}").fetchall()
    return date.max if rows and rows[0][0] == fingerprint else None


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The empty tables, made before the build carries the previous warehouse's other tables
    over (so the previous runs are not copied whole)."""
    con.execute(DDL)


def build(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    load_id: int,
    say: Callable[[str], None] = lambda _msg: None,
) -> None:
    """Fill ``last_entry_spans`` after the pairs (entry_readings) are made."""
    fingerprint = rules(settings)
    con.execute(f"INSERT INTO {BUILD} VALUES (?)", [fingerprint])
    text = queries.sql(RULE)
    values = queries.params(text, settings, investigation_ids=None)
    if not prev_made_by(con, TABLE, BUILD, fingerprint):
        say("making each case's last supervisory entry as runs of days")
        con.execute(
            f"INSERT INTO {TABLE} BY NAME SELECT * FROM ({text}) ORDER BY {STORED_ORDER}", values
        )
        return
    changed = history.changed_cases(con, load_id)
    say(f"making the last supervisory entry's runs of {changed} changed case(s)")
    ids = [r[0] for r in con.execute("SELECT investigation_id FROM changed_cases").fetchall()]
    con.execute(
        f"""
        INSERT INTO {TABLE} BY NAME
        SELECT * FROM (
          SELECT * FROM prev.{TABLE}
          WHERE investigation_id NOT IN (SELECT investigation_id FROM changed_cases)
          UNION ALL
          SELECT * FROM ({text})
        ) ORDER BY {STORED_ORDER}
        """,
        {**values, "investigation_ids": ids},
    )
