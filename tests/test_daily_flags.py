"""The rule written over runs of days (flag_spans.sql) gives, on every day, what the rule
written one day at a time gives (tests/sql/flags_day_by_day.sql, an independent form kept as
the oracle), with the default settings and others; the flags the load materialises for every
day (etl/daily.py, read back by flags_on_day.sql) are flags.sql's own rows for that day, after
a base load and after a daily delta, on every day of a real sample (its first and last days,
the day either side and the week after the newest extract day included); a back-dated entry
changes the past days it should; and a day the spans do not hold, or other settings, are
answered by flags.sql itself."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl import check_days, daily, queries
from etl.flags import FLAG_COLUMNS, flags, latest_date, query_for_day
from etl.load import load
from etl.settings import Settings
from etl.testing import write_extracts

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "small"
ORACLE = Path(__file__).parent / "sql" / "flags_day_by_day.sql"


def day_by_day(
    con: duckdb.DuckDBPyConnection, settings: Settings, first: date, last: date
) -> pd.DataFrame:
    """The oracle's rows for every day from ``first`` to ``last``, every area."""
    text = queries.with_includes(ORACLE.read_text())
    params = queries.params(
        text, settings, first_day=first, last_day=last, investigation_ids=None,
        areas=list(settings.areas),
    )  # fmt: skip
    return con.execute(text, params).df()


def flags_sql(con: duckdb.DuckDBPyConnection, settings: Settings, day: date) -> pd.DataFrame:
    """flags.sql itself for the one day, every area: what the spans must give back."""
    text = queries.sql("flags")
    params = queries.params(
        text, settings, first_day=day, last_day=day, investigation_ids=None,
        areas=list(settings.areas),
    )  # fmt: skip
    return con.execute(text, params).df()[list(FLAG_COLUMNS)]


def materialised(con: duckdb.DuckDBPyConnection, settings: Settings, day: date) -> pd.DataFrame:
    text = queries.sql("flags_on_day")
    params = queries.params(text, settings, as_of=day, areas=list(settings.areas))
    return con.execute(text, params).df()[list(FLAG_COLUMNS)]


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory) -> tuple[Path, list[str]]:
    """The committed small sample loaded with the real loader: the base, then the delta."""
    db = tmp_path_factory.mktemp("daily") / "w.duckdb"
    said: list[str] = []
    load(SAMPLE, db, Settings())
    load(SAMPLE / "delta", db, Settings(), progress=said.append)
    return db, said


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"review_window_days": 21, "due_soon_days": 7},
        {"review_window_days": 10, "due_soon_days": 9, "response_min_days_open": 0},
        {"thin_reviews_count": False},
        {"ds_review_ranks": ["DI", "DCI"], "supervisor_ranks": ["DS"]},
    ],
)
def test_the_rule_over_runs_of_days_is_the_rule_day_by_day(sample_warehouse, changes):
    db, _ = sample_warehouse
    s = Settings(**changes)
    con = duckdb.connect(str(db), read_only=True)
    first = con.execute("SELECT min(opened_on) FROM case_history").fetchall()[0][0]
    first, last = first - timedelta(days=1), date(2018, 12, 31)  # a month past the data too
    want = day_by_day(con, s, first, last)
    text = queries.sql("flags")
    params = queries.params(
        text, s, first_day=first, last_day=last, investigation_ids=None, areas=list(s.areas)
    )
    got = con.execute(text, params).df()
    con.close()
    assert len(want) > 20_000 and set(want["flag"]) >= {
        "child_related", "ds_review_overdue", "ds_review_due_soon", "response_unsupervised",
    }  # fmt: skip
    if changes.get("thin_reviews_count") is not False:
        assert "ds_review_not_substantive" in set(want["flag"])
    # Same rows in the same order (the order is part of the rule: worst first within a day).
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_every_day_s_materialised_flags_are_flags_sql_s_rows_for_that_day(sample_warehouse):
    db, _ = sample_warehouse
    s = Settings()
    con = duckdb.connect(str(db), read_only=True)
    first = con.execute("SELECT min(opened_on) FROM case_history").fetchall()[0][0]
    through = con.execute("SELECT through FROM flag_spans_build").fetchall()[0][0]
    # The delta's day (a day after the base's), and the week after it: the flags if nothing
    # new arrives, as flags.sql gives those days.
    assert latest_date(con) == date(2018, 11, 30)
    assert through == date(2018, 11, 30) + timedelta(days=daily.AHEAD_DAYS) == date(2018, 12, 7)
    day, compared = first - timedelta(days=1), 0
    while day <= through:
        want = flags_sql(con, s, day)
        got = materialised(con, s, day)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=str(day))
        assert query_for_day(con, s, day) == "flags_on_day"
        compared += len(want)
        day += timedelta(days=1)
    assert compared > 10_000  # every flag kind, every day: not a comparison of empty frames
    # The day after the spans end is flags.sql's to answer, through the same function.
    after = through + timedelta(days=1)
    assert query_for_day(con, s, after) == "flags"
    pd.testing.assert_frame_equal(flags(con, s, after), flags_sql(con, s, after))
    con.close()


def test_a_daily_delta_recomputes_only_its_cases_and_gives_what_a_whole_build_gives(
    sample_warehouse, tmp_path
):
    db, said = sample_warehouse
    changed = [m for m in said if m.startswith("materialising the flags:")]
    assert changed and "changed case(s)" in changed[0], said
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    con = duckdb.connect(str(copy))
    con.execute("CREATE TABLE incremental AS SELECT * FROM flag_spans")
    con.execute("DROP TABLE flag_spans; DROP TABLE flag_spans_build")
    con.execute("ATTACH ':memory:' AS prev")  # no previous build: every day of every case
    daily.create_tables(con)
    daily.build(con, Settings(), load_id=99, say=lambda _msg: None)
    for a, b in (("incremental", "flag_spans"), ("flag_spans", "incremental")):
        extra = con.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})").fetchall()
        assert extra[0][0] == 0, f"rows in {a} only"
    assert con.execute("SELECT count(*) FROM incremental").fetchall()[0][0] > 100
    con.close()


CASE = {
    "investigation_id": "CP-1",
    "opened_at": "2018-05-01 09:00",
    "team": "West Child Protection",
    "team_type": "child_protection",
}


def test_a_back_dated_entry_in_a_delta_changes_the_past_days_it_should(tmp_path, settings):
    db = tmp_path / "w.duckdb"
    load(write_extracts(tmp_path / "base", investigations=[CASE]), db, settings,
         extracted_on=date(2018, 6, 30))  # fmt: skip
    day = date(2018, 5, 31)

    def on(day: date) -> list[tuple]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            assert query_for_day(con, settings, day) == "flags_on_day"
            got = flags(con, settings, day)
            pd.testing.assert_frame_equal(got, flags_sql(con, settings, day), check_dtype=False)
            return list(zip(got["flag"], got["days"], strict=True))
        finally:
            con.close()

    assert on(day) == [("ds_review_overdue", 30), ("child_related", 30)]
    # The next day's extract brings a DS review dated 10/05, three weeks before the day.
    review = {"review_id": "R1", "investigation_id": "CP-1", "reviewed_at": "2018-05-10 10:00"}
    load(write_extracts(tmp_path / "delta", supervision=[review]), db, settings,
         extracted_on=date(2018, 7, 1))  # fmt: skip
    assert on(day) == [("child_related", 30)]  # 21 days since the review: not yet due soon
    assert on(date(2018, 6, 1)) == [("ds_review_due_soon", 22), ("child_related", 31)]
    assert on(date(2018, 7, 1)) == [("ds_review_overdue", 52), ("child_related", 61)]


def test_other_settings_are_answered_by_flags_sql_not_by_spans_made_with_others(
    sample_warehouse,
):
    db, _ = sample_warehouse
    other = Settings(review_window_days=21, due_soon_days=7)
    con = duckdb.connect(str(db), read_only=True)
    day = date(2018, 11, 29)
    assert query_for_day(con, Settings(), day) == "flags_on_day"
    assert query_for_day(con, other, day) == "flags"
    got = flags(con, other, day)
    pd.testing.assert_frame_equal(got, flags_sql(con, other, day))
    assert not got.equals(flags(con, Settings(), day))
    con.close()


def test_every_day_s_materialised_checks_are_the_rules_rows_for_that_day(sample_warehouse):
    """The checks' runs the load made (check_spans, etl/check_days.py) give, on every day of
    the sample and the week after it, what check_spans.sql worked out from child_cases gives
    (after a base load and a daily delta on top: the table is made whole by each build)."""
    db, _ = sample_warehouse
    s = Settings()
    con = duckdb.connect(str(db), read_only=True)
    first = con.execute("SELECT min(opened_on) FROM case_history").fetchall()[0][0]
    through = con.execute("SELECT through FROM check_spans_build").fetchall()[0][0]
    assert through == con.execute("SELECT through FROM flag_spans_build").fetchall()[0][0]
    days = [first + timedelta(days=k) for k in range(-1, (through - first).days + 1)]
    assert check_days.covers(con, s, through)
    assert not check_days.covers(con, s, through + timedelta(days=1))
    assert not check_days.covers(con, Settings(unallocated_hours=24), through)
    # The last day held, as the dashboard asks it once per file: the same edges.
    assert check_days.through(con, s) == daily.through(con, s) == through
    assert check_days.through(con, Settings(unallocated_hours=24)) is None
    assert daily.through(con, Settings(review_window_days=29)) is None
    text = queries.sql("case_checks")

    def read(materialised: bool) -> pd.DataFrame:
        params = queries.params(
            text, s, as_of_days=days, first_day=days[0], last_day=days[-1], from_spans=False,
            materialised=materialised, areas=list(s.areas),
        )  # fmt: skip
        return con.execute(text, params).df()

    want, got = read(False), read(True)
    assert len(want) > 5_000 and want["check_name"].nunique() >= 4  # not empty frames
    pd.testing.assert_frame_equal(got, want)
    con.close()
