"""A replay that is true: each defect's small extract, loaded by the real loader, against the
answer worked out by hand (issue "A replay that is true")."""

from __future__ import annotations

import io
from datetime import date, datetime

import duckdb
import pandas as pd
import pytest
from conftest import use_warehouse

from dashboard import data, pack
from dashboard.scope import Filters, Scope
from etl.flags import flags, latest_date

FORCE = Scope("tester", "force", ("West", "East", "South"))


def flag_of(db, settings, as_of: date, case_id: str) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        df = flags(con, settings, as_of)
    finally:
        con.close()
    df = df[df["investigation_id"] == case_id]
    return dict(zip(df["flag"], df["days"].astype(int), strict=True))


def specialist(case_id: str, opened: str, **extra) -> dict:
    return {"investigation_id": case_id, "opened_at": opened, "team": "West CP",
            "team_type": "child_protection", **extra}  # fmt: skip


def ds_review(review_id: str, case_id: str, at: str, rank: str = "DS", who: str = "DS1") -> dict:
    return {"review_id": review_id, "investigation_id": case_id, "reviewed_at": at,
            "reviewer_rank": rank, "reviewer_id": who}  # fmt: skip


@pytest.fixture
def use_db(db, monkeypatch):
    """Point the dashboard's reader at the test warehouse."""
    use_warehouse(monkeypatch, db)
    return db


# --- 1. every offset read or refused ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "local", "instant"),
    [
        ("2018-07-02 23:30+00", "2018-07-03 00:30", "2018-07-02 23:30"),
        ("2018-07-02 23:30-05", "2018-07-03 05:30", "2018-07-03 04:30"),
        ("2018-07-02 23:30:00 UTC", "2018-07-03 00:30", "2018-07-02 23:30"),
        ("2018-07-02 23:30 GMT", "2018-07-03 00:30", "2018-07-02 23:30"),
        ("2018-07-02T23:30Z", "2018-07-03 00:30", "2018-07-02 23:30"),
        ("2018-07-02 23:30+0100", "2018-07-02 23:30", "2018-07-02 22:30"),
        ("2018-07-02 23:30 +01:00", "2018-07-02 23:30", "2018-07-02 22:30"),
        ("2018-07-02", "2018-07-02 00:00", "2018-07-01 23:00"),  # a date, not 2018-07 at -02
        ("2018-7-2 9:05", "2018-07-02 09:05", "2018-07-02 08:05"),
        ("2018-07-02 24:00", "2018-07-03 00:00", "2018-07-02 23:00"),
        ("2018-01-15 12:00", "2018-01-15 12:00", "2018-01-15 12:00"),  # GMT in winter
        ("15/01/2018 12:00", "2018-01-15 12:00", "2018-01-15 12:00"),
    ],
)
def test_every_iso_offset_form_is_converted(load_rows, query, text, local, instant):
    load_rows(incidents=[{"incident_id": "I1", "reported_at": text}])
    assert query("SELECT reason FROM quarantine") == []
    row = query("SELECT strftime(reported_at, '%Y-%m-%d %H:%M'), "
                "strftime(reported_at_utc, '%Y-%m-%d %H:%M') FROM incidents")  # fmt: skip
    assert row == [(local, instant)]


@pytest.mark.parametrize(
    "text",
    [
        "2018-07-02 23:30 BST",
        "2018-07-02 23:30+1",
        "2018-07-02 23:30 Europe/London",
        "2018-07-02 23:30+01:00:00",
        "2018-07-02+01",  # an offset needs a time
        "2018-07-02Z",
        "2018-07-02 25:00",
    ],
)
def test_anything_else_after_a_time_is_a_bad_timestamp(load_rows, query, text):
    load_rows(incidents=[{"incident_id": "I1", "reported_at": text}])
    assert query("SELECT reason FROM quarantine") == [("bad_timestamp",)]
    assert query("SELECT count(*) FROM incidents") == [(0,)]


def test_an_hours_only_offset_moves_the_review_to_the_next_local_day(
    load_rows, db, settings, use_db
):
    """23:30+00 on 2 July is 00:30 BST on 3 July: as of 31/07 that is 28 days, due soon, not 29
    and overdue; the case is within the window at the end of July."""
    load_rows(
        investigations=[specialist("CP1", "2018-06-01 10:00")],
        supervision=[ds_review("R1", "CP1", "2018-07-02 23:30+00")],
    )
    assert flag_of(db, settings, date(2018, 7, 31), "CP1") == {
        "child_related": 60, "ds_review_due_soon": 28}  # fmt: skip
    july = data.pvp_monthly(FORCE, None, date(2018, 7, 1), date(2018, 7, 1)).iloc[0]
    assert july["compliance_month_end"] == 1.0


# --- 2. closure ends the clock -------------------------------------------------------------------


def test_an_entry_after_the_close_counts_for_nothing(load_rows, db, settings, use_db):
    """Open 01/05-10/05; a DS review on 15/06. One interval, 01/05 to 10/05 (9 days), no gap
    in June, no negative interval; the entry stays on the record, marked."""
    load_rows(
        investigations=[
            specialist("X", "2018-05-01 09:00", closed_at="2018-05-10 17:00"),
        ],
        supervision=[ds_review("R1", "X", "2018-06-15 10:00")],
    )
    iv = data.review_intervals(FORCE, date(2018, 6, 30), "X")
    assert iv[["started_on", "ended_on", "days", "is_breach"]].astype(str).values.tolist() == [
        ["2018-05-01", "2018-05-10", "9", "False"]
    ]
    months = data.pvp_monthly(FORCE, None, date(2018, 5, 1), date(2018, 6, 1))
    assert months["breaches"].tolist() == [0, 0]
    entries = data.case_entries(FORCE, "X", date(2018, 6, 30))
    assert entries["does_not_count"].tolist() == ["after the case closed"]


# --- 3. the month end is the month's last day ----------------------------------------------------


def test_month_end_is_the_last_day_even_with_nothing_open(load_rows, use_db):
    """A South case open 01/06-20/06, never reviewed: on 30/06 nothing is open: 0 cases,
    compliance "no cases"; the month average is over 01/06-19/06, all within the window."""
    load_rows(
        investigations=[
            specialist("S1", "2018-06-01 09:00", closed_at="2018-06-20 12:00", area="South",
                       team="South CP"),
        ]
    )  # fmt: skip
    june = data.pvp_monthly(FORCE, None, date(2018, 6, 1), date(2018, 6, 1)).iloc[0]
    assert june["open_specialist_month_end"] == 0
    assert pd.isna(june["compliance_month_end"])
    assert june["compliance_avg"] == 1.0

    p = pack.build(FORCE, date(2018, 6, 1))
    headline = p.headline.set_index("measure")
    month_end = headline.loc["DS-review compliance at month end"]
    assert month_end["this month"] == "no cases"
    assert month_end["same month last year"] == "no data"
    assert headline.loc["Open specialist cases at month end", "this month"] == "0"
    trend = pd.read_excel(io.BytesIO(pack.to_excel(p)), sheet_name="Trend", dtype=object)
    june_1st = pd.Timestamp(2018, 6, 1)
    before = trend[trend["Month"] != june_1st].drop(columns="Month")
    assert len(before) == 11 and (before == "no data").all().all()
    june_row = trend[trend["Month"] == june_1st].iloc[0]
    assert june_row["DS-review compliance at month end"] == "no cases"
    assert june_row["Open specialist cases at month end"] == 0


# --- 4. a later extract moves the opening -------------------------------------------------


def test_a_moved_opening_quarantines_the_reviews_before_it(load_rows, query, db, settings, use_db):
    """Opened 01/04 with a DS review on 10/04; the next extract says it opened on 20/04. The
    review leaves the record for the quarantine, and flags and intervals both count from
    20/04: 30 days on 20/05."""
    load_rows(
        investigations=[specialist("M", "2018-04-01 09:00")],
        supervision=[ds_review("R1", "M", "2018-04-10 10:00")],
    )
    second = load_rows(investigations=[specialist("M", "2018-04-20 09:00")])
    assert query("SELECT count(*) FROM supervision") == [(0,)]
    (row,) = query("SELECT source, record_id, reason, detail, load_id FROM quarantine")
    assert row[:3] == ("warehouse", "R1", "review_before_opened")
    assert f"load {second.load_id} moved the opening (it was 01/04/2018 09:00)" in row[3]
    assert row[4] == second.load_id
    day = date(2018, 5, 20)
    assert flag_of(db, settings, day, "M")["ds_review_overdue"] == 30
    iv = data.review_intervals(FORCE, day, "M")
    assert iv[["started_on", "days", "still_running"]].astype(str).values.tolist() == [
        ["2018-04-20", "30", "True"]
    ]


def test_a_review_comes_back_when_its_cases_opening_moves_back(
    load_rows, query, db, settings, use_db
):
    """An adversarial pass (session 24): an opening mistyped in one delta and corrected in the
    next left the review in the quarantine for good (a delta never sends an unchanged review
    again): the case was flagged overdue from its opening ever after. Moved to 15/04 it stays
    out; moved back to 01/04 it is back as it was, resolved by that load, assessed again, and
    the flags count from it (20/05: 40 days after 10/04)."""
    load_rows(
        investigations=[specialist("M", "2018-04-01 09:00")],
        supervision=[ds_review("R1", "M", "2018-04-10 10:00")],
    )
    as_loaded = query("SELECT * EXCLUDE (load_id) FROM supervision")
    load_rows(investigations=[specialist("M", "2018-04-20 09:00")])
    load_rows(investigations=[specialist("M", "2018-04-15 09:00")])
    assert query("SELECT count(*) FROM supervision") == [(0,)]
    back = load_rows(investigations=[specialist("M", "2018-04-01 09:00")])
    assert query("SELECT * EXCLUDE (load_id) FROM supervision") == as_loaded
    assert query("SELECT load_id FROM supervision") == [(back.load_id,)]
    assert query("SELECT record_id, resolved_load_id FROM quarantine") == [("R1", back.load_id)]
    assert query("SELECT review_id FROM entry_assessment") == [("R1",)]
    assert flag_of(db, settings, date(2018, 5, 20), "M")["ds_review_overdue"] == 40
    load_rows(investigations=[specialist("M", "2018-04-01 09:00")])  # nothing changes again
    assert query("SELECT review_id FROM supervision") == [("R1",)]


# --- 5. the repeated hour at the end of summer time -----------------------------------------


def test_the_repeated_autumn_hour_is_compared_as_instants(load_rows, query, use_db):
    """On 28/10/2018 01:40+01:00 (00:40Z) comes before 01:10+00:00 (01:10Z)."""
    load_rows(
        investigations=[
            specialist("A", "2018-10-28 01:40+01:00"),
            specialist("B", "2018-10-28 01:40+01:00", closed_at="2018-10-28 01:10+00:00"),
            specialist("C", "2018-10-28 01:10+00:00"),
            specialist("D", "2018-09-01 10:00"),
        ],
        supervision=[
            ds_review("RA", "A", "2018-10-28 01:10+00:00"),  # 30 minutes after opening
            ds_review("RC", "C", "2018-10-28 01:40+01:00"),  # 30 minutes before opening
            ds_review("P1", "D", "2018-10-28 01:40+01:00", rank="PS", who="PS1"),
            ds_review("P2", "D", "2018-10-28 01:10+00:00", rank="PS", who="PS2"),
        ],
    )
    assert query("SELECT record_id, reason FROM quarantine") == [("RC", "review_before_opened")]
    assert query("SELECT investigation_id FROM investigations ORDER BY 1") == [
        ("A",), ("B",), ("C",), ("D",)]  # fmt: skip
    actions = data.action_list(FORCE, Filters(as_of=date(2018, 10, 30)))
    d = actions[actions["investigation_id"] == "D"].iloc[0]
    assert d["last_entry"] == "PS2 (PS), 28/10/2018 01:10, partial"  # the later instant
    assert data.case_entries(FORCE, "D", date(2018, 10, 30))["review_id"].tolist() == ["P1", "P2"]


# --- 6. the history of each investigation -------------------------------------------------


def test_a_past_months_pack_is_unchanged_by_a_later_extract(load_rows, query, db, settings, use_db):
    """Extract of 30/11: two response child cases opened 05/10, never supervised. The next day's
    extract moves both to child protection. October's whole pack is the same before and after;
    the days after the move see them as child-protection cases."""
    base = [
        specialist("K", "2018-10-01 09:00"),
        *[{"investigation_id": r, "opened_at": "2018-10-05 10:00", "victim_age": "10"}
          for r in ("R1", "R2")],
    ]  # fmt: skip
    load_rows(
        investigations=base,
        supervision=[ds_review("K1", "K", "2018-10-20 10:00"),
                     ds_review("K2", "K", "2018-11-30 10:00")],
    )  # fmt: skip
    october = date(2018, 10, 1)

    def frames() -> dict[str, pd.DataFrame]:
        p = pack.build(FORCE, october)
        names = ("headline", "trend", "demand", "by_team", "by_supervisor", "longest")
        return {name: getattr(p, name).reset_index(drop=True) for name in names}

    before = frames()
    assert flag_of(db, settings, date(2018, 10, 31), "R1") == {
        "child_related": 26, "response_unsupervised": 26}  # fmt: skip
    moved = [{**case, "team": "West CP", "team_type": "child_protection"}
             for case in base[1:]]  # fmt: skip
    load_rows(investigations=moved, supervision=[ds_review("K3", "K", "2018-12-01 09:00")])

    after = frames()  # first: the reader reopens the swapped-in file (DuckDB shares instances)
    assert query("SELECT load_id, extract_day FROM load_log GROUP BY ALL ORDER BY 1") == [
        (1, date(2018, 11, 30)), (2, date(2018, 12, 1))]  # fmt: skip
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)
    assert flag_of(db, settings, date(2018, 10, 31), "R1") == {
        "child_related": 26, "response_unsupervised": 26}  # fmt: skip
    assert flag_of(db, settings, date(2018, 12, 1), "R1") == {
        "child_related": 57, "ds_review_overdue": 57}  # fmt: skip
    versions = data.case_versions(FORCE, "R1")
    assert versions["team_type"].tolist() == ["response", "child_protection"]
    assert versions["known_from"].astype(str).tolist()[1] == "2018-12-01"


def test_the_extract_day_is_given_or_the_latest_date_and_never_goes_back(load_rows, query, db):
    from etl.load import load
    from etl.settings import Settings
    from etl.testing import write_extracts

    load_rows(investigations=[specialist("A", "2018-06-01 10:00")])
    # A delta that only changes a team type is as new as the last extract, not older.
    load_rows(investigations=[specialist("A", "2018-06-01 10:00", team="West CP 2")])
    folder = write_extracts(db.parent / "given", investigations=[specialist("B", "2018-06-02")])
    load(folder, db, Settings(), extracted_on=date(2018, 6, 9))
    assert query("SELECT DISTINCT load_id, extract_day FROM load_log ORDER BY 1") == [
        (1, date(2018, 6, 1)), (2, date(2018, 6, 1)), (3, date(2018, 6, 9))]  # fmt: skip


# --- a future date cannot move everyone's day ------------------------------------------------


def test_a_future_timestamp_is_quarantined_and_does_not_move_the_default_day(load_rows, query, db):
    load_rows(
        investigations=[specialist("A", "2018-06-01 10:00")],
        supervision=[ds_review("R1", "A", "2018-06-05 10:00"),
                     ds_review("R2", "A", "2099-01-01 10:00")],
    )  # fmt: skip
    assert query("SELECT record_id, reason FROM quarantine") == [("R2", "future_timestamp")]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert latest_date(con) == date(2018, 6, 5)
    finally:
        con.close()


def test_the_future_cutoff_is_the_load_time_plus_the_tolerance(load_rows, query):
    soon = (datetime.now() + pd.Timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    later = (datetime.now() + pd.Timedelta(hours=5)).strftime("%Y-%m-%d %H:%M")
    load_rows(incidents=[{"incident_id": "I1", "reported_at": soon},
                         {"incident_id": "I2", "reported_at": later}])  # fmt: skip
    assert query("SELECT record_id, reason FROM quarantine") == [("I2", "future_timestamp")]
