"""etl/materialised.py: which of the tables a load materialises for the pages hold a day with
given settings, on real loads of the small sample (the dashboard benchmark measures a warehouse
only when none is lacking)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from etl import materialised
from etl.flags import latest_date
from etl.load import load
from etl.settings import Settings

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "small"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("materialised") / "w.duckdb"
    load(SAMPLE, db, Settings())
    return db


def lacking(db: Path, settings: Settings, days_after_latest: int = 0) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        day = latest_date(con) + timedelta(days=days_after_latest)
        return materialised.lacking(con, settings, day)
    finally:
        con.close()


def test_a_load_leaves_every_table_holding_its_latest_day(loaded):
    assert lacking(loaded, Settings()) == []


def test_a_day_past_the_flags_is_held_only_by_the_cases_as_now_known(loaded):
    # child_cases_now answers every day alike; the runs and the custody days end with the
    # flags' days.
    assert lacking(loaded, Settings(), days_after_latest=400) == [
        "flag_spans", "check_spans", "last_entry_spans", "custody_days",
    ]  # fmt: skip


def test_tables_made_with_other_settings_are_lacking(loaded):
    # The child age changes every table's rule; the ranks that count change the flags and
    # so the last entries kept for them, not the checks or the cases as now known.
    assert lacking(loaded, Settings(child_age_under=16)) == list(materialised.THROUGH)
    ranks = Settings(supervisor_ranks=("DI",))
    assert lacking(loaded, ranks) == ["flag_spans", "last_entry_spans"]
    # Today's custody window is the custody days' own setting, and no other table's.
    assert lacking(loaded, Settings(recent_days=3)) == ["custody_days"]


def test_a_warehouse_from_before_a_table_existed_lacks_it(loaded, tmp_path):
    db = tmp_path / "older.duckdb"
    shutil.copy(loaded, db)
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE last_entry_spans_build")
    con.close()
    assert lacking(db, Settings()) == ["last_entry_spans"]
