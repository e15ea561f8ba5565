"""Each supervisory entry paired with each version of its case that can read it, made at load
time: the table ``entry_readings`` (the rule: etl/sql/entry_readings.sql).

The quality measures (entry_quality.sql) read a window of days of entries, each under the
version of its case valid on the as-of day. Joined on the spot from the entries, their
assessments and the versions, that cost a first visit to the quality page 130-270 ms of CPU at
force; from pairs made once and stored by day it is a range of the table (docs/benchmarks.md,
session 18). The pairs hold nothing that depends on a setting: the reader applies the rank rule
(etl/sql/does_not_count.sql), so a change of settings needs no new load.

Incremental: a load on top of a warehouse paired by the same rule pairs again only the entries
of the cases it can change (etl/history.py changed_cases: the cases the load touched, and those
with an entry whose assessment changed) and carries the rest over in their stored order; the
new pairs follow, sorted by day. tests/test_entry_quality.py checks that this gives what
pairing everything gives.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from etl import history, queries
from etl.settings import Settings
from etl.warehouse import prev_made_by

TABLE = "entry_readings"
BUILD = "entry_readings_build"
RULE = "entry_readings"
STORED_ORDER = "reviewed_on"  # a window of days is a range of the table (zone maps)


def rules(settings: Settings) -> str:
    """What the pairs depend on besides the data: the rule's text (it names no setting)."""
    return queries.fingerprint(queries.sql(RULE), settings, investigation_ids=None)


def build(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    load_id: int,
    say: Callable[[str], None] = lambda _msg: None,
    in_place: bool = False,
) -> None:
    """Fill ``entry_readings`` after the entry assessment. The table starts empty, or
    (``in_place``) holding the previous warehouse's pairs (etl/build.py)."""
    fingerprint = rules(settings)
    con.execute(f"INSERT INTO {BUILD} VALUES (?)", [fingerprint])
    text = queries.sql(RULE)
    if not prev_made_by(con, TABLE, BUILD, fingerprint):
        say("pairing every entry with the versions of its case")
        if in_place:
            con.execute(f"DELETE FROM {TABLE}")
        con.execute(
            f"INSERT INTO {TABLE} BY NAME SELECT * FROM ({text}) ORDER BY {STORED_ORDER}",
            {"investigation_ids": None},
        )
        return
    changed = history.changed_cases(con, load_id)
    say(f"pairing the entries of {changed} changed case(s) with the versions of their case")
    # Copied whole (or kept in place), then the changed cases' pairs deleted: a filtered copy
    # (an anti-join) does not keep the stored order, and sorting the whole table again is a
    # load's work at ten years.
    if not in_place:
        con.execute(f"INSERT INTO {TABLE} BY NAME SELECT * FROM prev.{TABLE}")
    con.execute(
        f"DELETE FROM {TABLE} "
        "WHERE investigation_id IN (SELECT investigation_id FROM changed_cases)"
    )
    if changed:
        ids = [r[0] for r in con.execute("SELECT investigation_id FROM changed_cases").fetchall()]
        con.execute(
            f"INSERT INTO {TABLE} BY NAME SELECT * FROM ({text}) ORDER BY {STORED_ORDER}",
            {"investigation_ids": ids},
        )
