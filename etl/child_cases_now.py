"""The child-related cases as now known, made at load time: the table ``child_cases_now``,
child_cases.sql's rows for each case's latest version with a child reason (the columns its
readers name), stored by opening day.

The child-related page's weekly chart counts the cases opened in the year to a day, each by its
record as now known (child_cases_opened.sql). Run on the spot, the rule reads every version of
the history: 90 ms at ten years for each year a first visit lacks, growing with the history
(docs/benchmarks.md, session 20). Its rows do not depend on the day asked, so the load keeps
them; a year is then a range of a small table (DuckDB's zone maps skip the other years).

The rows depend on child_cases.sql's settings; the build records the fingerprint of the rule
and its settings, and the dashboard reads the table only when it matches the running settings
(else it runs the rule). Every load makes the table again: one pass over the latest versions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb

from etl import queries
from etl.settings import Settings
from etl.warehouse import made_by

TABLE = "child_cases_now"
BUILD = "child_cases_now_build"
RULE = "child_cases"
# What the rows are: the rule's rows the readers' own filter would keep (child_cases_opened.sql
# repeats it, so its answer is the same from the table or from the rule).
WHERE = "valid_to IS NULL AND len(child_reasons) > 0"
STORED_ORDER = "opened_on"  # a year of openings is a range of the table (zone maps)
# The columns its readers name, not the rule's 25: the whole rows cost the load twice as much
# (0.22 against 0.13 s at force, 1.25 against 0.65 s at ten years). A reader naming another
# column fails to bind, loudly.
COLUMNS = "opened_on, area, team, team_type, officer_id, valid_to, child_reasons"
DDL = f"""
CREATE TABLE {TABLE} (
  opened_on DATE, area VARCHAR, team VARCHAR, team_type VARCHAR, officer_id VARCHAR,
  valid_to DATE,         -- NULL: the version known now (all of them)
  child_reasons VARCHAR[]
);
CREATE TABLE {BUILD} (
  rules VARCHAR          -- fingerprint of child_cases.sql and the settings it ran with
)
"""


def rules(settings: Settings) -> str:
    """What the rows depend on besides the data: the rule's text and its settings' values."""
    return queries.fingerprint(queries.sql(RULE), settings)


def through(con: duckdb.DuckDBPyConnection, settings: Settings) -> date | None:
    """``date.max`` when the warehouse's table was made with ``settings`` (the record as now
    known answers every day alike), else None: what dashboard/data.py asks of every table a
    load materialises."""
    return date.max if made_by(con, BUILD, rules(settings)) else None


def reading_the_table(name: str) -> str:
    """Query ``name``'s text with its ``{child_cases}`` read from the table: for a reader that
    keeps only the rows the table holds (``WHERE``) and knows the table was made with the
    running settings (``through``)."""
    text, rule = queries.sql(name), queries.sql(RULE)
    if rule not in text or WHERE not in text:
        raise ValueError(f"{name}.sql does not read {{{RULE}}} filtered by {WHERE}")
    return text.replace(rule, f"SELECT * FROM {TABLE}")


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The empty tables, made before the build carries the previous warehouse's other tables
    over (so the previous rows are not copied)."""
    con.execute(DDL)


def build(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    say: Callable[[str], None] = lambda _msg: None,
) -> None:
    """Make ``child_cases_now`` in the warehouse being built, after the marts (case_history)."""
    say("keeping the child-related cases as now known")
    text = queries.sql(RULE)
    con.execute(f"INSERT INTO {BUILD} VALUES (?)", [rules(settings)])
    con.execute(
        f"INSERT INTO {TABLE} BY NAME SELECT {COLUMNS} FROM ({text}) AS c WHERE {WHERE} "
        f"ORDER BY {STORED_ORDER}",
        queries.params(text, settings),
    )
