"""The child-related cases as now known, made at load time (etl/child_cases_now.py): the rule's
rows after a load on top, the weekly chart read from them, and the rule asked instead when the
running settings are not those the table was made with."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import data
from dashboard.scope import Filters, Scope
from etl import child_cases_now, queries
from etl.load import load
from etl.settings import Settings

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "small"
FORCE = Scope("force", "force", ("West", "East", "South"))
DAY = date(2018, 6, 30)


def test_the_table_is_the_rules_rows_after_a_load_on_top(tmp_path):
    """The sample and its delta (versions changed): the table holds exactly the latest
    version of each case with a child reason (the columns its readers name)."""
    db = tmp_path / "w.duckdb"
    load(SAMPLE, db, Settings())
    load(SAMPLE / "delta", db, Settings())
    text = queries.sql("child_cases")
    rule = f"SELECT {child_cases_now.COLUMNS} FROM ({text}) AS c WHERE {child_cases_now.WHERE}"
    table = f"SELECT * FROM {child_cases_now.TABLE}"
    only = "SELECT count(*) FROM (SELECT * FROM ({}) EXCEPT ALL SELECT * FROM ({}))"
    with duckdb.connect(str(db), read_only=True) as con:
        values = queries.params(text, Settings())
        assert con.execute(f"SELECT count(*) FROM ({table})").fetchall()[0][0] > 100
        for a, b in ((table, rule), (rule, table)):
            assert con.execute(only.format(a, b), values).fetchall()[0][0] == 0
        assert child_cases_now.through(con, Settings()) == date.max
        assert child_cases_now.through(con, Settings(child_age_under=16)) is None


def test_a_query_that_does_not_keep_the_tables_rows_is_refused():
    """Read from the table, a query that keeps other versions (monthly_new_child_cases.sql
    reads each case as known at its month's end) would quietly lose them."""
    with pytest.raises(ValueError, match="does not read"):
        child_cases_now.reading_the_table("monthly_new_child_cases")
    assert child_cases_now.TABLE in child_cases_now.reading_the_table("child_cases_opened")


def test_other_settings_count_the_weeks_by_the_rule_not_by_the_table(dash_app, monkeypatch):
    """With child_age_under lowered to 14 (the table was made with 18), the weekly chart
    counts what the rule gives with 14: fewer cases than with the table's settings."""
    wide = data.new_child_cases_by_week(FORCE, Filters(as_of=DAY))
    narrow_settings = data.settings().model_copy(update={"child_age_under": 14})
    monkeypatch.setattr(data, "settings", lambda: narrow_settings)
    narrow = data.new_child_cases_by_week(FORCE, Filters(as_of=DAY))
    text = queries.sql("child_cases")
    want = data.warehouse().df(
        f"SELECT count(*) AS n FROM ({text}) AS c WHERE {child_cases_now.WHERE} "
        "AND list_contains($areas, area) AND opened_on > $as_of - INTERVAL 365 DAY "
        "AND opened_on <= $as_of",
        queries.params(text + " $areas $as_of", narrow_settings, areas=list(FORCE.areas),
                       as_of=DAY),
    )["n"][0]  # fmt: skip
    assert int(narrow["cases"].sum()) == want < int(wide["cases"].sum())
