"""Today's custody checks of every day, made at load time (etl/custody_days.py): on every day
and for every scope, custody_checks_on_days.sql gives the rows custody_checks.sql gives over
``recent_days``; the dashboard reads the table only for the days and settings it was made with."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
from conftest import use_warehouse

from dashboard import data
from dashboard.scope import Filters, Scope
from etl import custody_days, daily, materialised, queries
from etl.load import load
from etl.settings import Settings

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "small"
SCOPES = [["West", "East", "South"], ["West"], ["East", "South"], ["South"]]


def both_ways(db: Path, settings: Settings, areas: list[str], days: list[date]):
    """(the table's rows, the rule's rows) for ``days`` and ``areas``."""
    rule, reader = queries.sql(custody_days.RULE), queries.sql(custody_days.READER)
    with duckdb.connect(str(db), read_only=True) as con:
        table = con.execute(reader, queries.params(reader, settings, areas=areas,
                                                   as_of_days=days)).df()  # fmt: skip
        want = con.execute(rule, queries.params(rule, settings, areas=areas, as_of_days=days,
                                                window_days=settings.recent_days)).df()  # fmt: skip
    return table, want


def test_every_day_and_scope_reads_the_rules_rows_after_a_load_on_top(tmp_path):
    db = tmp_path / "w.duckdb"
    settings = Settings()
    load(SAMPLE, db, settings)
    load(SAMPLE / "delta", db, settings)
    with duckdb.connect(str(db), read_only=True) as con:
        last = custody_days.through(con, settings)
        assert last == daily.through(con, settings)
        first = con.execute("SELECT min(CAST(detained_at AS DATE)) FROM custody").fetchall()[0][0]
        kept = con.execute(f"SELECT count(*) FROM {custody_days.TABLE}").fetchall()[0][0]
    days = [first - timedelta(days=1) + timedelta(days=n) for n in range((last - first).days + 2)]
    seen = 0
    for areas in SCOPES:
        table, want = both_ways(db, settings, areas, days)
        pd.testing.assert_frame_equal(table, want)
        seen += len(want)
    assert kept > 0 and seen >= kept  # every kept row was compared (the whole force's included)


def test_a_case_now_in_another_area_is_left_empty_for_those_without_it(load_rows, db, settings):
    load_rows(
        # The newest opening makes the extract's day, and the table holds the days to it.
        investigations=[{"investigation_id": "C-EAST", "area": "East",
                         "opened_at": "2018-06-01 10:00"},
                        {"investigation_id": "C-LATEST", "area": "South",
                         "opened_at": "2018-06-30 12:00"}],
        custody=[{"custody_id": "K-W", "investigation_id": "C-EAST", "area": "West",
                  "detained_at": "2018-06-29 10:00"},
                 {"custody_id": "K-NONE", "investigation_id": "C-NOT-LOADED", "area": "West",
                  "detained_at": "2018-06-29 11:00"}],
    )  # fmt: skip
    day = date(2018, 6, 30)
    with duckdb.connect(str(db), read_only=True) as con:
        assert custody_days.through(con, settings) >= day
    for areas, named in ((["West"], {"K-W": None, "K-NONE": "C-NOT-LOADED"}),
                         (["West", "East"], {"K-W": "C-EAST", "K-NONE": "C-NOT-LOADED"}),
                         (["East"], {})):  # fmt: skip
        table, want = both_ways(db, settings, areas, [day])
        pd.testing.assert_frame_equal(table, want)
        got = dict(zip(table["custody_id"], table["investigation_id"], strict=True))
        assert {k: (None if pd.isna(v) else v) for k, v in got.items()} == named


def test_other_settings_or_a_day_past_the_table_run_the_rule(load_rows, db, settings, monkeypatch):
    load_rows(
        investigations=[{"investigation_id": "C-LATEST", "opened_at": "2018-06-30 12:00"}],
        custody=[{"custody_id": "K1", "area": "West", "detained_at": "2018-06-25 10:00",
                  "child_age": "15"}],
    )  # fmt: skip
    with duckdb.connect(str(db), read_only=True) as con:
        last = custody_days.through(con, settings)
        assert last is not None
        assert custody_days.through(con, Settings(recent_days=3)) is None
        assert custody_days.through(con, Settings(child_age_under=15)) is None
        assert "custody_days" not in materialised.lacking(con, settings, last)
        assert "custody_days" in materialised.lacking(con, settings, last + timedelta(days=1))
    use_warehouse(monkeypatch, db)
    force = Scope("force", "force", ("West", "East", "South"))
    asked = []
    real = data.query

    def spy(name, *args, **given):
        asked.append(name)
        return real(name, *args, **given)

    monkeypatch.setattr(data, "query", spy)
    data.check_rows(force, Filters(as_of=date(2018, 6, 30)))
    assert custody_days.READER in asked
    # Three days kept where the table was made with seven: the rule, and its three days.
    asked.clear()
    three = data.settings().model_copy(update={"recent_days": 3})
    monkeypatch.setattr(data, "settings", lambda: three)
    data.check_rows(force, Filters(as_of=date(2018, 6, 30)))
    assert custody_days.READER not in asked
