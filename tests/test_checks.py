"""The inspection's other findings as checks (issue 17): each edge hand-worked on a real load.

Hours are counted to the end of the as-of day (local midnight, as an instant): on 30/06/2018
(British Summer Time) that is 2018-06-30 23:00 UTC. So a case opened at 00:00 on 29/06 has
waited exactly 48 hours at the end of 30/06, and one opened at 23:00 on 28/06, 49.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest
from conftest import use_warehouse

from etl import check_days, daily, queries
from etl.settings import Settings

DAY = date(2018, 6, 30)
ALL = ["West", "East", "South"]


def frame(db, settings: Settings, name: str, areas=ALL, text=None, **given) -> pd.DataFrame:
    text = text or queries.sql(name)
    con = duckdb.connect(str(db), read_only=True)
    try:
        df = con.execute(text, queries.params(text, settings, areas=areas, **given)).df()
        for col in ("due_on", "detained_on", "reported_on"):
            if col in df:
                df[col] = df[col].dt.date
        return df
    finally:
        con.close()


def run(db, settings: Settings, name: str, areas=ALL, **given) -> list[dict]:
    return frame(db, settings, name, areas, **given).to_dict("records")


def window(first: date, last: date) -> dict:
    """custody_checks.sql's and missing_checks.sql's parameters for the days ``first`` to
    ``last``, as known at the end of ``last``."""
    return {"as_of_days": [last], "window_days": (last - first).days + 1}


def ways(db, settings, days: list[date]) -> dict[str, pd.DataFrame]:
    """case_checks.sql on ``days`` every way it can be read here: the rule worked out from
    child_cases; from the load's child-related spans, where they hold the days; from the runs
    the load made (check_spans, what the dashboard reads), where they hold them."""
    span = {"first_day": min(days), "last_day": max(days), "as_of_days": days}
    with duckdb.connect(str(db), read_only=True) as con:
        flags_hold = daily.covers(con, settings, max(days))
        checks_hold = check_days.covers(con, settings, max(days))
    out = {"rule": frame(db, settings, "case_checks", materialised=False, from_spans=False, **span)}
    if flags_hold:
        out["child spans"] = frame(
            db, settings, "case_checks", materialised=False, from_spans=True, **span
        )
    if checks_hold:
        out["check spans"] = frame(
            db, settings, "case_checks", materialised=True, from_spans=False, **span
        )
        # What the dashboard runs there: the rule's text answered by the table, not planned.
        out["check spans, rule not planned"] = frame(
            db, settings, "case_checks", materialised=True, from_spans=False, **span,
            text=queries.answered_by_table("case_checks", "check_spans", check_days.SPANS),
        )  # fmt: skip
    return out


EVERY_WAY = {"rule", "child spans", "check spans", "check spans, rule not planned"}


def same_rows(found: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rule = found["rule"]
    for way, df in found.items():
        # An empty result's text columns come back typed otherwise: the rows are compared.
        pd.testing.assert_frame_equal(df, rule, check_dtype=len(rule) > 0, obj=way)
    return rule


def case_checks(db, settings, as_of=DAY) -> dict[tuple[str, str], dict]:
    """The rule's rows on the day, checked to be what every other way reads, edge by edge."""
    rule = same_rows(ways(db, settings, [as_of]))
    return {(r["investigation_id"], r["check_name"]): r for r in rule.to_dict("records")}


def child_case(case_id: str, opened: str = "2018-06-01 10:00", **extra) -> dict:
    """An open response case with a child victim (child-related)."""
    return {"investigation_id": case_id, "opened_at": opened, "victim_age": "10", **extra}


# --- unallocated: 48 vs 49 hours -----------------------------------------------------------


def test_unallocated_after_more_than_48_hours_counted_to_the_end_of_the_day(
    load_rows, db, settings
):
    load_rows(
        investigations=[
            child_case("H48", "2018-06-29 00:00", allocated_at=""),
            child_case("H49", "2018-06-28 23:00", allocated_at=""),
            # 23:00Z on 28/06 is midnight BST on 29/06: 48 hours, not 49.
            child_case("Z48", "2018-06-28T23:00:00Z", allocated_at=""),
            child_case("DONE", "2018-06-20 10:00", allocated_at="2018-06-30 23:59"),
            child_case("LATER", "2018-06-20 10:00", allocated_at="2018-07-01 00:30"),
            # Not child-related: no check at all.
            {"investigation_id": "ADULT", "opened_at": "2018-06-01", "victim_age": "40",
             "allocated_at": ""},
        ]
    )  # fmt: skip
    rows = {
        cid: r for (cid, check), r in case_checks(db, settings).items() if check == "unallocated"
    }
    assert set(rows) == {"H49", "LATER"}
    assert rows["H49"]["hours"] == 49 and rows["H49"]["due_on"] == date(2018, 6, 30)
    # Replayed on the day after, the case allocated at 00:30 on 01/07 is no longer waiting.
    later = case_checks(db, settings, date(2018, 7, 1))
    assert ("LATER", "unallocated") not in later and ("H48", "unallocated") in later


def test_the_checks_read_from_the_loads_runs_are_the_rules_rows_every_day(load_rows, db, settings):
    """case_checks(), above, compares every way wherever the load's runs hold the day: here
    they do, on every day of a month, and every way finds the cases."""
    load_rows(
        investigations=[
            child_case("H49", "2018-06-28 23:00", allocated_at="2018-07-02 10:00"),
            child_case("D8", "2018-06-22 10:00", plan_recorded_at="", closed_at="2018-07-10"),
            child_case("V2", "2018-06-02 10:00", suspect_status="rui", cawn_issued="true"),
        ]
    )
    found = set()
    days = [date(2018, 6, day) for day in range(1, 31)]
    for as_of in days:
        found_ways = ways(db, settings, [as_of])
        assert set(found_ways) == EVERY_WAY
        found |= set(case_checks(db, settings, as_of))
    assert {("H49", "unallocated"), ("D8", "no_plan"), ("V2", "rui_with_cawn")} <= found
    # The month in one run (Today's cards ask two days so) is each day's rows, day by day.
    month = same_rows(ways(db, settings, days))
    for as_of in days:
        one = same_rows(ways(db, settings, [as_of]))
        day = month[month["as_of"] == pd.Timestamp(as_of)].reset_index(drop=True)
        pd.testing.assert_frame_equal(day, one, check_dtype=len(one) > 0)


@pytest.mark.parametrize(
    ("opened", "last_day_waiting", "first_day_flagged", "hours"),
    [
        # Autumn: opened 00:10 BST on 27/10 (23:10 UTC on 26/10); the clocks go back in the
        # night of 27-28/10, so the end of 28/10 (midnight GMT) is 48 h 50 min later: flagged on
        # 28/10, the day before the wall clock's 48 hours would say.
        ("2018-10-27 00:10", date(2018, 10, 27), date(2018, 10, 28), 48),
        # Spring: opened 23:30 GMT on 23/03; the clocks go forward in the night of 24-25/03, so
        # the end of 25/03 (midnight BST) is only 47 h 30 min later: flagged from 26/03, with 71.
        ("2018-03-23 23:30", date(2018, 3, 25), date(2018, 3, 26), 71),
    ],
)
def test_unallocated_counts_real_hours_across_the_clock_change(
    load_rows, db, settings, opened, last_day_waiting, first_day_flagged, hours
):
    load_rows(investigations=[child_case("DST", opened, allocated_at="")])
    for day, flagged in ((last_day_waiting, False), (first_day_flagged, True)):
        found = ways(db, settings, [day])
        assert len(found) == len(EVERY_WAY)  # every way compared
        rows = case_checks(db, settings, day)
        assert (("DST", "unallocated") in rows) is flagged, day
        if flagged:
            assert rows[("DST", "unallocated")]["hours"] == hours


def test_unallocated_hours_is_a_setting(load_rows, db):
    s = Settings(unallocated_hours=24)
    load_rows(investigations=[child_case("H48", "2018-06-29 00:00", allocated_at="")])
    assert ("H48", "unallocated") in case_checks(db, s)


# --- no plan: day 7 vs day 8 -------------------------------------------------------------


def test_no_plan_after_more_than_7_days(load_rows, db, settings):
    load_rows(
        investigations=[
            child_case("D7", "2018-06-23 10:00", plan_recorded_at=""),
            child_case("D8", "2018-06-22 10:00", plan_recorded_at=""),
            child_case("PLANNED", "2018-06-01 10:00", plan_recorded_at="2018-06-30 09:00"),
        ]
    )
    rows = case_checks(db, settings)
    assert {cid for cid, check in rows if check == "no_plan"} == {"D8"}
    assert rows[("D8", "no_plan")]["days"] == 8
    assert rows[("D8", "no_plan")]["due_on"] == date(2018, 6, 29)
    # Replay: the day before the plan was recorded, it had none (29 days open).
    before = case_checks(db, settings, date(2018, 6, 29))
    assert before[("PLANNED", "no_plan")]["days"] == 28


# --- bail ending today, within 7 days, ended -----------------------------------------------


def test_bail_ending_today_within_the_warning_days_or_already_ended(load_rows, db, settings):
    bailed = {"suspect_status": "bailed"}
    load_rows(
        investigations=[
            child_case("TODAY", bail_until="2018-06-30 18:00", **bailed),
            child_case("IN7", bail_until="2018-07-07 10:00", **bailed),
            child_case("IN8", bail_until="2018-07-08 00:00", **bailed),
            child_case("ENDED", bail_until="2018-06-29 10:00", **bailed),
            child_case("CHARGED", bail_until="2018-06-29 10:00", suspect_status="charged"),
            child_case("NO_DATE", bail_until="", **bailed),
        ]
    )
    rows = {
        cid: r for (cid, check), r in case_checks(db, settings).items() if check == "bail_expiring"
    }
    assert set(rows) == {"TODAY", "IN7", "ENDED"}
    assert (rows["TODAY"]["reasons"], rows["TODAY"]["days"]) == ("bail_ending", 0)
    assert (rows["IN7"]["reasons"], rows["IN7"]["days"]) == ("bail_ending", 7)
    assert (rows["ENDED"]["reasons"], rows["ENDED"]["days"]) == ("bail_lapsed", 1)


# --- RUI with a CAWN ---------------------------------------------------------------------


def test_rui_with_a_cawn_is_the_missed_opportunity(load_rows, db, settings):
    load_rows(
        investigations=[
            child_case("RUI_CAWN", suspect_status="RUI", cawn_issued="yes"),
            child_case("RUI_ONLY", suspect_status="rui", cawn_issued="no"),
            child_case("BAIL_CAWN", suspect_status="bailed", cawn_issued="yes"),
            child_case("CLOSED", closed_at="2018-06-20", suspect_status="rui", cawn_issued="y"),
        ]
    )
    rows = case_checks(db, settings)
    assert {cid for cid, check in rows if check == "rui_with_cawn"} == {"RUI_CAWN"}
    # Replayed before the close, the closed case was open and flagged then.
    assert ("CLOSED", "rui_with_cawn") in case_checks(db, settings, date(2018, 6, 19))


# --- CSE allocation ------------------------------------------------------------------------


def test_cse_cases_belong_to_the_teams_the_allocation_rules_name(load_rows, db, settings):
    cse = {"team": "West CSE", "team_type": "cse"}
    load_rows(
        investigations=[
            child_case("ONLINE_IN_CSE", online="yes", suspect_age="30", **cse),
            child_case("OFFLINE_IN_CSE", online="no", suspect_age="30", **cse),
            child_case("CHILD_SUSPECT_IN_CSE", online="no", suspect_age="15", **cse),
            # A response case whose offence makes it CSE: child-on-child belongs there.
            child_case("GROOMING_RESPONSE", offence="Grooming", suspect_age="15", online="no"),
            child_case("GROOMING_ADULT", offence="grooming", suspect_age="40", online="no"),
            child_case("UNKNOWN_ONLINE", online="", suspect_age="30", **cse),
        ]
    )
    rows = {
        cid: r for (cid, check), r in case_checks(db, settings).items() if check == "cse_allocation"
    }
    assert {cid: r["reasons"] for cid, r in rows.items()} == {
        "ONLINE_IN_CSE": "cse_online",
        "CHILD_SUSPECT_IN_CSE": "cse_child_suspect",
        "GROOMING_ADULT": "cse_not_online",
    }
    # The rule table is a setting: a force that lets CSE teams hold online cases too.
    wider = Settings(
        cse_allocation={"child_suspect": ["response"], "online": ["online_child_abuse", "cse"],
                        "not_online": ["cse"]}
    )  # fmt: skip
    assert ("ONLINE_IN_CSE", "cse_allocation") not in case_checks(db, wider)


# --- children in custody: the night window and the hours after charge ----------------------


def detention(custody_id: str, charged: str, requested: str, **extra) -> dict:
    return {
        "custody_id": custody_id,
        "detained_at": "2018-06-29 03:00",
        "charged_at": charged,
        "bail_refused": "yes",
        "accommodation_requested_at": requested,
        "accommodation_outcome": "secured",
        **extra,
    }


def test_accommodation_requested_at_night_from_22_00_to_before_06_00(load_rows, db, settings):
    load_rows(
        custody=[
            detention("AT_2159", "2018-06-29 21:00", "2018-06-29 21:59"),
            detention("AT_2200", "2018-06-29 21:00", "2018-06-29 22:00"),
            detention("AT_0559", "2018-06-29 05:00", "2018-06-29 05:59"),
            detention("AT_0600", "2018-06-29 05:00", "2018-06-29 06:00"),
        ]
    )
    rows = {
        r["custody_id"]: r["accommodation_reasons"]
        for r in run(db, settings, "custody_checks", **window(DAY.replace(day=1), DAY))
    }
    # Replayed as of 28/06 nothing had happened yet; the detention on 29/06 is outside too.
    assert run(db, settings, "custody_checks",
               **window(DAY.replace(day=1), date(2018, 6, 28))) == []  # fmt: skip
    assert rows == {
        "AT_2159": "", "AT_2200": "requested_at_night", "AT_0559": "requested_at_night",
        "AT_0600": "",
    }  # fmt: skip


def test_a_detention_names_its_case_only_to_those_who_may_see_the_case(load_rows, db, settings):
    """West's detention K-W9 names E-SECRET, a case of East: West sees the detention and its
    checks but not the East case's id (an adversarial pass found it in West's custody list,
    its export and the pack). A case not loaded names nothing: its id stays."""
    load_rows(
        investigations=[child_case("E-SECRET", area="East"), child_case("W-OWN", area="West")],
        custody=[
            detention("K-W9", "2018-06-29 10:00", "2018-06-29 11:00", area="West",
                      investigation_id="E-SECRET"),
            detention("K-W1", "2018-06-29 10:00", "2018-06-29 11:00", area="West",
                      investigation_id="W-OWN"),
            detention("K-W2", "2018-06-29 10:00", "2018-06-29 11:00", area="West",
                      investigation_id="NOT-LOADED"),
        ],
    )  # fmt: skip

    def named(areas):
        rows = run(db, settings, "custody_checks", areas, **window(DAY.replace(day=1), DAY))
        return {r["custody_id"]: None if pd.isna(r["investigation_id"]) else r["investigation_id"]
                for r in rows}  # fmt: skip

    assert named(["West"]) == {"K-W9": None, "K-W1": "W-OWN", "K-W2": "NOT-LOADED"}
    assert named(["West", "East"])["K-W9"] == "E-SECRET"
    assert named(["East"]) == {}  # the detention itself is West's


def test_accommodation_requested_more_than_2_hours_after_charge_or_never(load_rows, db, settings):
    load_rows(
        custody=[
            detention("AT_2H", "2018-06-29 10:00", "2018-06-29 12:00"),
            detention("AT_2H01", "2018-06-29 10:00", "2018-06-29 12:01"),
            detention("NEVER", "2018-06-29 10:00", "", accommodation_outcome="not_requested"),
            detention("BAIL_GIVEN", "2018-06-29 10:00", "", bail_refused="no"),
            detention("NOT_CHARGED", "", ""),
            detention("ADULT", "2018-06-29 10:00", "", child_age="18"),
        ]
    )
    rows = {
        r["custody_id"]: r
        for r in run(db, settings, "custody_checks", **window(DAY.replace(day=1), DAY))
    }
    assert "ADULT" not in rows  # 18 is not a child
    assert {cid: r["accommodation_reasons"] for cid, r in rows.items()} == {
        "AT_2H": "", "AT_2H01": "requested_late", "NEVER": "not_requested", "BAIL_GIVEN": "",
        "NOT_CHARGED": "",
    }  # fmt: skip
    assert rows["AT_2H"]["hours_to_request"] == 2
    assert rows["NEVER"]["overnight"]  # not released: still held at the end of the charge day


def test_certificate_missing_or_without_rationale_when_not_moved(load_rows, db, settings):
    ok = "2018-06-29 10:30"
    load_rows(
        custody=[
            detention("NONE", "2018-06-29 10:00", ok, accommodation_outcome="not_available",
                      certificate_completed="no"),
            detention("BLANK", "2018-06-29 10:00", ok, accommodation_outcome="impracticable",
                      certificate_completed="yes", certificate_rationale="  "),
            detention("GOOD", "2018-06-29 10:00", ok, accommodation_outcome="impracticable",
                      certificate_completed="yes",
                      certificate_rationale="No secure bed in the county; LA duty manager told."),
            detention("MOVED", "2018-06-29 10:00", ok, certificate_completed="no",
                      released_at="2018-06-29 13:00"),
        ]
    )  # fmt: skip
    rows = {
        r["custody_id"]: r
        for r in run(db, settings, "custody_checks", **window(DAY.replace(day=1), DAY))
    }
    assert {
        cid: r["certificate_reason"] for cid, r in rows.items() if r["certificate_missing"]
    } == {
        "NONE": "no_certificate",
        "BLANK": "no_rationale",
    }
    assert not rows["MOVED"]["overnight"] and rows["NONE"]["overnight"]


# --- missing children: 72 vs 73 hours, absent, repeats ----------------------------------------


def episode(episode_id: str, returned: str, offered: str = "", **extra) -> dict:
    return {
        "episode_id": episode_id,
        "reported_at": "2018-06-27 18:00",
        "risk_category": "medium",
        "returned_at": returned,
        "return_interview_offered_at": offered,
        **extra,
    }


def test_return_interview_overdue_after_more_than_72_hours(load_rows, db, settings):
    load_rows(
        missing=[
            episode("H72", "2018-06-28 00:00"),
            episode("H73", "2018-06-27 23:00"),
            episode("OFFERED_71", "2018-06-27 23:00", "2018-06-30 22:00"),
            episode("OFFERED_LATER", "2018-06-27 23:00", "2018-07-01 10:00"),
            episode("STILL_MISSING", ""),
        ]
    )
    states = {
        r["episode_id"]: (r["rhi_state"], r["hours_since_return"])
        for r in run(db, settings, "missing_checks", **window(DAY.replace(day=1), DAY))
    }
    assert states["H72"] == ("not_yet_due", 72)
    assert states["H73"] == ("overdue", 73)
    assert states["OFFERED_71"] == ("offered_in_time", 71)
    # As of 30/06 the offer on 01/07 had not been made: overdue then, offered late now.
    assert states["OFFERED_LATER"][0] == "overdue"
    assert states["STILL_MISSING"][0] == "still_missing"
    later = {
        r["episode_id"]: r["rhi_state"]
        for r in run(db, settings, "missing_checks", **window(DAY.replace(day=1), date(2018, 7, 1)))
    }  # fmt: skip
    assert later["OFFERED_LATER"] == "offered_late" and later["H72"] == "overdue"


def test_several_days_run_together_are_each_day_alone(load_rows, db, settings):
    """Today's cards run the custody and missing checks for a day and the day before at once.
    Each day's rows must be what that day alone gives: its own window (a detention or report
    leaving it), and only what was known by its own end (a request, a charge, a return or an
    offer made on the later day)."""
    load_rows(
        custody=[
            # Enters the 3-day window to 01/07 on its first day, left out of 30/06's.
            detention(
                "FIRST_DAY", "2018-06-29 10:00", "2018-06-29 11:00", detained_at="2018-06-29 00:00"
            ),
            # Leaves the window: in 30/06's (28/06 to 30/06), not in 01/07's.
            detention(
                "LEAVES", "2018-06-28 10:00", "2018-06-28 23:30", detained_at="2018-06-28 08:00"
            ),
            # Requested on 01/07, 26 hours after charge: not requested as of 30/06.
            detention(
                "LATE", "2018-06-30 07:00", "2018-07-01 09:00", detained_at="2018-06-30 06:00"
            ),
            detention("CHARGED_LATER", "2018-07-01 08:00", "", detained_at="2018-06-30 23:00"),
        ],
        missing=[
            episode("RETURNED_LATER", "2018-07-01 01:00", reported_at="2018-06-30 18:00"),
            episode(
                "OFFERED_LATER",
                "2018-06-29 10:00",
                "2018-07-01 10:00",
                reported_at="2018-06-29 09:00",
            ),
            episode("REPORTED_LATER", "", reported_at="2018-07-01 09:00"),
            episode("OLD", "2018-06-28 12:00", reported_at="2018-06-28 11:00"),
        ],
    )
    days = [DAY, date(2018, 7, 1)]
    for name, key in (("custody_checks", "custody_id"), ("missing_checks", "episode_id")):
        together = frame(db, settings, name, as_of_days=days, window_days=3)
        for day in days:
            alone = frame(db, settings, name, as_of_days=[day], window_days=3)
            mine = together[together["as_of"].dt.date == day].reset_index(drop=True)
            assert len(alone) > 0
            pd.testing.assert_frame_equal(mine, alone, check_dtype=False)
        by_day = {d: set(together[together["as_of"].dt.date == d][key]) for d in days}
        if name == "custody_checks":
            assert by_day == {DAY: {"LEAVES", "FIRST_DAY", "LATE", "CHARGED_LATER"},
                              date(2018, 7, 1): {"FIRST_DAY", "LATE", "CHARGED_LATER"}}  # fmt: skip
        else:
            assert by_day == {DAY: {"RETURNED_LATER", "OFFERED_LATER", "OLD"},
                              date(2018, 7, 1): {"RETURNED_LATER", "OFFERED_LATER",
                                                 "REPORTED_LATER"}}  # fmt: skip
    late = frame(db, settings, "custody_checks", as_of_days=days, window_days=3)
    late = late[late["custody_id"] == "LATE"]
    late = late.set_index(late["as_of"].dt.date)
    assert late.loc[DAY, "accommodation_reasons"] == "not_requested"
    assert late.loc[date(2018, 7, 1), "accommodation_reasons"] == "requested_late"
    states = frame(db, settings, "missing_checks", as_of_days=days, window_days=3)
    states = {(r.as_of.date(), r.episode_id): r.rhi_state for r in states.itertuples()}
    assert states[DAY, "RETURNED_LATER"] == "still_missing"
    assert states[date(2018, 7, 1), "RETURNED_LATER"] == "not_yet_due"
    assert states[DAY, "OFFERED_LATER"] == "not_yet_due"
    assert states[date(2018, 7, 1), "OFFERED_LATER"] == "offered_in_time"


def test_absent_category_and_repeat_missing_within_90_days(load_rows, db, settings):
    def reported(eid, person, day, **extra):
        return episode(eid, "", reported_at=f"{day} 20:00", person_ref=person, **extra)

    load_rows(
        missing=[
            reported("A1", "P-A", "2018-04-02"),
            reported("A2", "P-A", "2018-05-15"),
            reported("A3", "P-A", "2018-06-30", risk_category="Absent"),
            # The first is 90 days before 30/06: outside the window.
            reported("B1", "P-B", "2018-04-01"),
            reported("B2", "P-B", "2018-05-15"),
            reported("B3", "P-B", "2018-06-30"),
            reported("OTHER", "P-C", "2018-06-30", area="East"),
            # Before the window's first day (30/06), 89 days back counts, 91 does not: the
            # query reads episodes from $repeat_missing_days before its first day.
            reported("D1", "P-D", "2018-03-31"),
            reported("D2", "P-D", "2018-04-02"),
            reported("D3", "P-D", "2018-06-30"),
        ]
    )
    repeats = run(db, settings, "repeat_missing", as_of=DAY)
    assert [(r["person_ref"], r["episodes"], r["absent_episodes"]) for r in repeats] == [
        ("P-A", 3, 1)
    ]
    episodes = run(db, settings, "missing_checks", **window(DAY, DAY))
    assert {r["episode_id"] for r in episodes if r["absent_category_used"]} == {"A3"}
    assert {r["episode_id"]: r["episodes_in_window"] for r in episodes}["A3"] == 3
    assert {r["episode_id"]: r["episodes_in_window"] for r in episodes}["D3"] == 2
    # A West manager's pattern counts West episodes only.
    assert run(db, settings, "repeat_missing", areas=["East"], as_of=DAY) == []
    assert (
        run(db, Settings(repeat_missing_days=91), "repeat_missing", as_of=DAY)[0]["episodes"] == 3
    )
    assert len(run(db, Settings(repeat_missing_days=91), "repeat_missing", as_of=DAY)) == 2
    # No look-back at all (0 days, allowed): the window's own episodes are all still listed,
    # those of its first day too, each counting none (found by an adversarial pass).
    listed = run(db, Settings(repeat_missing_days=0), "missing_checks", **window(DAY, DAY))
    assert {r["episode_id"]: r["episodes_in_window"] for r in listed} == {
        e: 0 for e in ("A3", "B3", "D3", "OTHER")
    }


def test_today_reads_the_missing_checks_without_the_repeat_count_and_the_page_still_has_it(
    load_rows, db, settings, monkeypatch
):
    from dashboard import data
    from dashboard.scope import Filters, Scope

    def reported(eid, person, day, **extra):
        return episode(eid, "", reported_at=f"{day} 20:00", person_ref=person, **extra)

    load_rows(
        missing=[
            reported("A1", "P-A", "2018-05-15"),
            reported("A2", "P-A", "2018-06-29", risk_category="Absent"),
            reported("A3", "P-A", "2018-06-30", returned_at="2018-06-30 21:00"),
            reported("B1", "P-B", "2018-03-01", returned_at="2018-03-02 10:00"),
        ]
    )
    days = [date(2018, 6, 29), DAY]
    given = {"as_of_days": days, "window_days": settings.theme_days}
    whole = frame(db, settings, "missing_checks", **given)
    today = frame(db, settings, "missing_checks",
                  text=queries.left_out("missing_checks", "missing_repeats"), **given)  # fmt: skip
    # The same rows and checks; only the count the page shows is left out.
    assert whole["episodes_in_window"].notna().all() and today["episodes_in_window"].isna().all()
    pd.testing.assert_frame_equal(
        today.drop(columns="episodes_in_window"), whole.drop(columns="episodes_in_window")
    )
    with pytest.raises(ValueError, match="does not include"):
        queries.left_out("custody_checks", "missing_repeats")

    # Today's cards ask the day first; the missing page asked next still counts (each reading
    # is kept under its own key).
    use_warehouse(monkeypatch, db)
    force = Scope("force", "force", tuple(ALL))
    assert data.check_counts(force, Filters(as_of=DAY))["absent_category_used"] == (1, 0)
    listed = data.missing_list(force, Filters(as_of=DAY))
    assert dict(zip(listed["episode_id"], listed["episodes_in_window"], strict=True)) == {
        "A3": 3, "A2": 2, "A1": 1,
    }  # fmt: skip


# --- the optional inputs: validation, quarantine, "off" -----------------------------------


def test_optional_files_are_validated_and_quarantined_like_the_others(load_rows, db, query):
    result = load_rows(
        custody=[
            {"custody_id": "K1", "detained_at": "2018-06-29 10:00"},
            {"custody_id": "K2", "detained_at": "yesterday"},
            {"custody_id": "K3", "accommodation_outcome": "sorted"},
        ],
        missing=[{"episode_id": "M1", "risk_category": "missing"}, {"episode_id": "M2"}],
    )
    files = {f.file: f for f in result.files}
    assert (files["custody.csv"].loaded, files["custody.csv"].quarantined) == (1, 2)
    assert (files["missing.csv"].loaded, files["missing.csv"].quarantined) == (1, 1)
    assert sorted(query("SELECT record_id, reason FROM quarantine")) == [
        ("K2", "bad_timestamp"), ("K3", "unknown_enum"), ("M1", "unknown_enum"),
    ]  # fmt: skip


def test_a_quarantined_detention_or_episode_is_shown_only_where_its_kept_twin_is(
    load_rows, db, monkeypatch
):
    """K-1 and M-1 come twice with different values, West's row first: the later (East's) is
    kept and West's quarantined as a duplicate naming it. West's data-quality page must not
    learn of East's detention or episode through it (an adversarial pass: it did)."""
    from dashboard import data
    from dashboard.scope import Scope

    load_rows(
        custody=[{"custody_id": "K-1", "area": "West"},
                 {"custody_id": "K-1", "area": "East", "child_age": "13"}],
        missing=[{"episode_id": "M-1", "person_ref": "P-W", "area": "West"},
                 {"episode_id": "M-1", "person_ref": "P-E", "area": "East"}],
    )  # fmt: skip
    use_warehouse(monkeypatch, db)
    everyone = Scope("force", "force", ("West", "East", "South"))
    assert sorted(data.quarantine(everyone)["record_id"]) == ["K-1", "M-1"]
    assert data.quarantine(Scope("west", "area", ("West",))).empty
    assert data.quarantine(Scope("we", "area", ("West", "East"))).shape[0] == 2


def test_an_absent_file_keeps_what_earlier_loads_brought(load_rows, db, query):
    load_rows(custody=[{"custody_id": "K1"}])
    load_rows(investigations=[child_case("C1")])  # no custody.csv in this source
    assert query("SELECT custody_id FROM custody") == [("K1",)]


def test_checks_are_off_until_their_data_comes_and_say_why(load_rows, db, monkeypatch):
    from dashboard import data
    from dashboard.scope import Filters, Scope

    use_warehouse(monkeypatch, db)
    force = Scope("force", "force", tuple(ALL))
    load_rows(investigations=[child_case("C1", "2018-06-01 10:00")])
    off = data.checks_off()
    assert set(off) == {
        "rui_with_cawn", "cse_allocation", "unallocated", "no_plan", "bail_expiring",
        "accommodation_late", "certificate_missing", "absent_category_used", "rhi_overdue",
        "repeat_missing",
    }  # fmt: skip
    assert off["unallocated"] == "the newest investigations.csv (load 1) has no allocated_at"
    assert off["rhi_overdue"] == "no load has brought missing.csv"
    # Off: no case is "unallocated" for want of a column the extract does not carry.
    assert data.check_rows(force, Filters(as_of=DAY)).empty
    load_rows(investigations=[child_case("C1", "2018-06-01 10:00", allocated_at="")])
    assert "unallocated" not in data.checks_off()
    rows = data.check_rows(force, Filters(as_of=DAY))
    assert list(rows["check_name"]) == ["unallocated"]
    assert rows["reasons_words"][0] == "no officer allocated 710 hours after opening"


def test_today_lists_every_check_in_words_scoped_and_filterable(dash_app):
    from dashboard import data
    from dashboard.scope import Filters, Scope

    force = Scope("force", "force", tuple(ALL))
    west = Scope("west", "area", ("West",))
    rows = data.check_rows(force, Filters(as_of=DAY))
    got = {(r["check_name"], r["record_id"]) for r in rows.to_dict("records")}
    assert {
        ("rui_with_cawn", "W-NEW"),
        ("bail_expiring", "W-DUE"),
        ("bail_expiring", "E-OVERDUE"),
        ("accommodation_late", "K-W1"),
        ("certificate_missing", "K-W1"),
        ("absent_category_used", "M-W1"),
        ("rhi_overdue", "M-E1"),
    } <= got
    words_of = {
        (r["check_name"], r["record_id"]): r["reasons_words"] for r in rows.to_dict("records")
    }
    assert words_of[("bail_expiring", "W-DUE")] == "bail ends in 2 days"
    assert words_of[("bail_expiring", "E-OVERDUE")] == (
        "bail ended 1 day ago; suspect still recorded as bailed"
    )
    assert words_of[("accommodation_late", "K-W1")] == (
        "custody K-W1, age 15: accommodation requested more than 2 hours after charge; "
        "accommodation requested at night (22:00 to 06:00)"
    )
    assert words_of[("rhi_overdue", "M-E1")].endswith("no return home interview offered")
    # Bail that has ended comes before bail about to end.
    bail = rows[rows["check_name"] == "bail_expiring"]["record_id"].tolist()
    assert bail == ["E-OVERDUE", "W-DUE"]
    # The check filter; a West manager sees West alone.
    only = data.check_rows(force, Filters(as_of=DAY, check="bail_expiring"))
    assert set(only["check_name"]) == {"bail_expiring"} and len(only) == 2
    assert set(data.check_rows(west, Filters(as_of=DAY))["area"]) == {"West"}
    counts = data.check_counts(west, Filters(as_of=DAY))
    assert counts["rui_with_cawn"][0] == 1 and counts["rhi_overdue"] == (0, 0)


def test_the_cards_count_what_the_list_shows_on_the_day_and_the_day_before(dash_app):
    """The cards count without putting rows in words (data._check_counts); the list puts every
    row in words (data._check_day_rows). Under every kind of filter, on days around the
    fixture's, each card's count and change are the list's rows counted."""
    from datetime import timedelta

    from dashboard import data
    from dashboard.scope import Filters, Scope

    force = Scope("force", "force", tuple(ALL))
    west = Scope("west", "area", ("West",))
    seen = set()
    for day in (DAY - timedelta(days=n) for n in (0, 1, 3, 7, 30)):
        rows = data.check_rows(force, Filters(as_of=day))
        some = rows.dropna(subset=["team"]).head(1).to_dict("records")
        choices = [
            {},
            {"areas": ("West",)},
            {"areas": ("East", "South")},
            {"team_type": "response"},
        ]
        choices += [{"team": r["team"]} for r in some] + [
            {"officer_id": r["officer_id"]} for r in some
        ]
        for scope in (force, west):
            for chosen in choices:
                listed = {
                    d: data.check_rows(scope, Filters(as_of=d, **chosen))["check_name"]
                    .value_counts()
                    .to_dict()
                    for d in (day, day - timedelta(days=1))
                }
                counts = data.check_counts(scope, Filters(as_of=day, **chosen))
                for check, (n, change) in counts.items():
                    today = listed[day].get(check, 0)
                    before = listed[day - timedelta(days=1)].get(check, 0)
                    assert (n, change) == (today, today - before), (day, scope, chosen, check)
                    if n:
                        seen.add(check)
    # Every kind of record was counted somewhere: cases, custody and missing children.
    assert {"bail_expiring", "accommodation_late", "absent_category_used", "rhi_overdue"} <= seen


@pytest.mark.parametrize("hours", [24, 72])
def test_every_check_definition_states_its_settings(hours):
    from dashboard import words

    s = Settings(rhi_hours=hours, unallocated_hours=hours + 1, night_from_hour=21)
    defs = words.check_definitions(s)
    assert f"{hours} hours" in defs["rhi_overdue"]
    assert f"{hours + 1} hours" in defs["unallocated"]
    assert "21:00 to 06:00" in defs["accommodation_late"]


def test_a_request_after_the_day_replayed_had_not_been_made(load_rows, db, settings):
    load_rows(custody=[detention("K", "2018-06-29 20:00", "2018-06-30 01:00")])

    def reasons(last_day):
        rows = run(db, settings, "custody_checks", **window(date(2018, 6, 29), last_day))
        return rows[0]["accommodation_reasons"]

    assert reasons(date(2018, 6, 29)) == "not_requested"
    assert reasons(DAY) == "requested_late;requested_at_night"


def test_a_rule_answered_by_its_table_is_not_in_the_text_run():
    text = queries.answered_by_table("case_checks", "check_spans", check_days.SPANS)
    assert queries.sql("check_spans") not in text
    assert f"SELECT * FROM {check_days.SPANS} WHERE false" in text
    assert queries.wanted(text) <= queries.wanted(queries.sql("case_checks"))
    with pytest.raises(ValueError, match="does not include"):
        queries.answered_by_table("flags_on_day", "check_spans", check_days.SPANS)


def test_seconds_over_an_hours_limit_count(load_rows, db, settings):
    """A sixth adversarial pass (session 17): minutes were counted with date_diff('minute'),
    which drops the seconds, so a request 2 h 0 min 59 s after charge, or an interview offered
    72 h 0 min 30 s after the return, passed as within the limit."""
    load_rows(
        custody=[
            detention("ON_TIME", "2018-06-29 10:00:00", "2018-06-29 12:00:00"),
            detention("LATE_30S", "2018-06-29 10:00:00", "2018-06-29 12:00:30"),
            detention("LATE_59S", "2018-06-29 10:00:00", "2018-06-29 12:00:59"),
        ],
        missing=[
            episode("RHI_ON_TIME", "2018-06-27 10:00:00", "2018-06-30 10:00:00"),
            episode("RHI_LATE_30S", "2018-06-27 10:00:00", "2018-06-30 10:00:30"),
        ],
    )
    days = window(DAY.replace(day=1), DAY)
    custody = {r["custody_id"]: r["accommodation_reasons"]
               for r in run(db, settings, "custody_checks", **days)}  # fmt: skip
    assert "requested_late" not in (custody["ON_TIME"] or "")
    assert "requested_late" in custody["LATE_30S"] and "requested_late" in custody["LATE_59S"]
    missing = {r["episode_id"]: r["rhi_state"] for r in run(db, settings, "missing_checks", **days)}
    assert (missing["RHI_ON_TIME"], missing["RHI_LATE_30S"]) == ("offered_in_time", "offered_late")


def test_an_overdue_return_interview_is_due_by_real_hours_across_the_clock_changes(
    load_rows, db, monkeypatch
):
    """A sixth adversarial pass (session 17): "Due by" added 72 wall-clock hours to the local
    return time while the check counts real hours, so a row overdue on 28/10 said due 29/10,
    and one first overdue on 26/03 said due 25/03.
      AUT returned 26/10/2018 00:30 BST = 25/10 23:30 UTC: due 28/10 23:30 UTC = 23:30 GMT.
      SPR returned 22/03/2018 23:30 GMT: due 25/03 23:30 UTC = 26/03 00:30 BST."""
    from conftest import use_warehouse

    from dashboard import data
    from dashboard.scope import Scope

    load_rows(
        investigations=[{"investigation_id": "X", "opened_at": "2018-10-20 10:00",
                         "victim_age": "10"}],
        missing=[episode("AUT", "2018-10-26 00:30", reported_at="2018-10-25 18:00"),
                 episode("SPR", "2018-03-22 23:30", reported_at="2018-03-22 18:00")],
    )  # fmt: skip
    use_warehouse(monkeypatch, db)
    force = Scope("tester", "force", ("West", "East", "South"))

    def due(day: date) -> dict:
        rows = data._check_day_rows(force, day)
        rows = rows[rows["check_name"] == "rhi_overdue"]
        pairs = zip(rows["record_id"], rows["due_on"], strict=True)
        return {r: pd.Timestamp(d).date() for r, d in pairs}

    assert due(date(2018, 10, 28)) == {"AUT": date(2018, 10, 28)}
    assert due(date(2018, 3, 25)) == {}
    assert due(date(2018, 3, 26)) == {"SPR": date(2018, 3, 26)}
