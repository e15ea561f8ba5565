"""Each flagged case's last supervisory entry for every day, made at load time: the table
``last_entry_spans`` (the rule: etl/sql/last_entry_spans.sql).

The Today list names, for each flagged case, the last entry by a supervisor dated on or before
the day (last_supervisory_entry.sql). Asked on the spot, that is a pass over every entry before
the day: 200 ms at ten years, growing with the history (docs/benchmarks.md, session 20). An
entry stays a case's last from its day until the next one, so the load stores each as a run of
days; a day's answer is then the runs that hold it, and runs stored by their last day let
DuckDB's zone maps skip every run that ended before it. Only the cases the flags step gives a
flag to act on (on any day) have runs: the list asks no others.

The runs depend on ``supervisor_ranks`` and, through the cases they are kept for, on the flags'
rule; the build records the fingerprint of both, and the dashboard reads the table only when it
matches the running settings and for the days the flags were materialised (``through``), else
it asks last_supervisory_entry.sql.

Incremental: a load on top of runs made by the same rules makes again only the runs of the cases
it can change (etl/history.py changed_cases, as the pairs and the flags do) and of the cases
flagged for the first time (an unchanged case can fall due in the new days), and carries the
rest over; the runs have no end day to move (the last runs hold until the case changes).
tests/test_last_entries.py checks that this gives what making every run gives.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb

from etl import daily, history, queries
from etl.settings import Settings
from etl.warehouse import FEW_VALUES, UNIQUE_TEXT, made_by, prev_made_by

TABLE = "last_entry_spans"
BUILD = "last_entry_spans_build"
RULE = "last_entry_spans"
REMADE = "last_entry_cases_remade"  # a work table of an incremental build
# By last day: the runs that ended before a day sit together, and a day's zone-map range is
# the runs still going (the rest of a long history is skipped).
STORED_ORDER = "to_day, from_day"
# Text stored by chosen methods, as entry_readings' is (etl/warehouse.py): DuckDB's analysis
# of every method is a share of a step this small.
DDL = f"""
CREATE TABLE {TABLE} (
  investigation_id VARCHAR {UNIQUE_TEXT}, area VARCHAR {FEW_VALUES},
  from_day DATE,         -- the run's first and last as-of day (inclusive)
  to_day DATE,           -- 'infinity': until the case changes
  reviewer_id VARCHAR {FEW_VALUES}, reviewer_rank VARCHAR {FEW_VALUES}, reviewed_at TIMESTAMP,
  grade VARCHAR {FEW_VALUES}
);
CREATE TABLE {BUILD} (
  rules VARCHAR          -- fingerprint of last_entry_spans.sql and the settings it ran with
)
"""


def rules(settings: Settings) -> str:
    """What the runs depend on besides the data: the rule's text, the rule of the pairs it
    reads (entry_readings.sql), the value of every setting it names, and the flags' rules
    (which cases are kept)."""
    text = queries.sql(RULE) + queries.sql("entry_readings")
    return queries.fingerprint(text, settings, investigation_ids=None) + daily.rules(settings)


def through(con: duckdb.DuckDBPyConnection, settings: Settings) -> date | None:
    """The last day the runs answer for with ``settings``: the flags' (``daily.through``: a
    case flagged after it may have no runs), when made with them; else None."""
    return daily.through(con, settings) if made_by(con, BUILD, rules(settings)) else None


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
    """Fill ``last_entry_spans`` after the pairs (entry_readings) and the flags (flag_spans)."""
    fingerprint = rules(settings)
    con.execute(f"INSERT INTO {BUILD} VALUES (?)", [fingerprint])
    text = queries.sql(RULE)
    values = queries.params(text, settings, investigation_ids=None)
    if not prev_made_by(con, TABLE, BUILD, fingerprint):
        say("making each flagged case's last supervisory entry as runs of days")
        con.execute(
            f"INSERT INTO {TABLE} BY NAME SELECT * FROM ({text}) ORDER BY {STORED_ORDER}", values
        )
        return
    history.changed_cases(con, load_id)
    acted_on = queries.sql("flags_to_act_on")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {REMADE} AS
        SELECT investigation_id FROM changed_cases
        UNION
        (SELECT investigation_id FROM flag_spans WHERE {acted_on}
         EXCEPT
         SELECT investigation_id FROM prev.flag_spans WHERE {acted_on})
        """
    )
    ids = [r[0] for r in con.execute(f"SELECT investigation_id FROM {REMADE}").fetchall()]
    say(f"making the last supervisory entry's runs of {len(ids)} changed or newly flagged case(s)")
    con.execute(
        f"""
        INSERT INTO {TABLE} BY NAME
        SELECT * FROM (
          SELECT * FROM prev.{TABLE}
          WHERE investigation_id NOT IN (SELECT investigation_id FROM {REMADE})
          UNION ALL
          SELECT * FROM ({text})
        ) ORDER BY {STORED_ORDER}
        """,
        {**values, "investigation_ids": ids},
    )
    con.execute(f"DROP TABLE {REMADE}")
