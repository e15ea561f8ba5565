"""Follow-ups of the daily list (issue 15) on a real load, on SQLite and on a real PostgreSQL:
who may record one, that it never clears a flag, that the next load's review closes it, and
the days from first flagged to that review, hand-worked.

The extracts (data day 10/07/2018, then 12/07/2018 after the second load):
  CP1  West CP 1, opened 01/06 10:00, never reviewed: overdue; on the list since 01/06 + 22
       days = 23/06 (due soon from day 22 of the default 28-day window). The second load
       brings a DS review on 12/07: the follow-up closes, reviewed 12/07, 19 days after 23/06.
  R1   West Resp 1, a 9-year-old victim, opened 01/07: unsupervised since 02/07 (open one day).
       The second load closes the case on 11/07 with no supervisor's entry: closed, no review.
  CP2  West CP 1, opened 20/06: 20 days on 10/07, not yet due soon (day 22): child-related
       only, so not a case anyone can follow up.
  E1   East CP 1, opened 01/06, never reviewed: overdue, but not a West manager's case.
"""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import data, followup, pack
from dashboard.appdb.models import CaseFollowUp
from dashboard.audit import AuditLog
from dashboard.scope import Filters, Scope
from etl.load import load
from etl.settings import Settings
from etl.testing import write_extracts

WEST = Scope("west-manager", "area", ("West",))
WEST_2 = Scope("west-manager-2", "area", ("West",))
EAST = Scope("east-manager", "area", ("East",))

INVESTIGATIONS = [
    {"investigation_id": "CP1", "opened_at": "2018-06-01 10:00", "team": "West CP 1",
     "team_type": "child_protection", "officer_id": "DC1"},
    {"investigation_id": "R1", "opened_at": "2018-07-01 10:00", "team": "West Resp 1",
     "team_type": "response", "officer_id": "PC1", "victim_age": "9"},
    {"investigation_id": "CP2", "opened_at": "2018-06-20 10:00", "team": "West CP 1",
     "team_type": "child_protection", "officer_id": "DC1"},
    {"investigation_id": "E1", "area": "East", "opened_at": "2018-06-01 10:00",
     "team": "East CP 1", "team_type": "child_protection", "officer_id": "DC2"},
]  # fmt: skip


@pytest.fixture
def world(tmp_path, monkeypatch, appdb):
    """The first load (data day 10/07/2018), an application database at head, and the
    dashboard's settings pointing at both."""
    write_extracts(tmp_path / "one", investigations=INVESTIGATIONS)
    load(tmp_path / "one", tmp_path / "w.duckdb", Settings(), extracted_on=date(2018, 7, 10))
    here = {
        "db_path": tmp_path / "w.duckdb",
        "audit_path": tmp_path / "access.sqlite",
        "app_db_url": appdb.url,
    }
    moved = data.settings().model_copy(update=here)
    monkeypatch.setattr(data, "settings", lambda: moved)
    return tmp_path, appdb


def second_load(tmp_path) -> None:
    """CP1's DS review on 12/07; R1 closed on 11/07 (the whole extract again, as forces send)."""
    changed = [
        {**row, "closed_at": "2018-07-11 16:00"} if row["investigation_id"] == "R1" else row
        for row in INVESTIGATIONS
    ]
    review = {
        "review_id": "D1", "investigation_id": "CP1", "reviewed_at": "2018-07-12 09:00",
        "reviewer_id": "DS9", "reviewer_rank": "DS", "actions_set": "3",
        "note": "Risk assessed; plan: ABE interview and strategy meeting; next review 9/8.",
    }  # fmt: skip
    write_extracts(tmp_path / "two", investigations=changed, supervision=[review])
    load(tmp_path / "two", tmp_path / "w.duckdb", Settings(), extracted_on=date(2018, 7, 12))


def events(tmp_path) -> list[tuple[str, str, str | None]]:
    log = AuditLog(tmp_path / "access.sqlite").read()
    return [(r.username, r.event, r.case_id) for r in log.itertuples()]


def test_a_manager_records_a_follow_up_of_their_own_flagged_case(world):
    tmp_path, db = world
    made = followup.record(db, WEST, "CP1", "chased", "DS Patel", "Rang twice", None)
    assert (made.area, made.team, made.flags) == ("West", "West CP 1", ["ds_review_overdue"])
    assert made.flagged_since == date(2018, 6, 23)
    assert ("west-manager", "follow_up", "CP1") in events(tmp_path)
    # It never clears the flag: CP1 is still on the list, with its follow-up beside it.
    rows = data.action_list(WEST, Filters())
    cp1 = rows[rows["investigation_id"] == "CP1"].iloc[0]
    assert cp1["flag_words"] == data.FLAG_WORDS["ds_review_overdue"]
    assert cp1["follow_up"].startswith("Chased DS Patel, ")
    assert cp1["follow_up"].endswith('by west-manager: "Rang twice"')


@pytest.mark.parametrize(
    ("scope", "case"),
    [
        (WEST, "E1"),  # another area's case
        (EAST, "CP1"),
        (WEST, "CP2"),  # child-related only: nothing to follow up
        (WEST, "NO-SUCH"),
        (Scope("west-auditor", "auditor", ("West",)), "CP1"),  # a role that does not act
    ],
)
def test_no_follow_up_outside_the_callers_flagged_cases_and_each_refusal_is_logged(
    world, scope, case
):
    tmp_path, db = world
    with pytest.raises(followup.Refused):
        followup.record(db, scope, case, "chased", "DS Patel")
    with db.transaction() as s:
        assert s.query(CaseFollowUp).count() == 0
    assert (scope.username, "follow_up_refused", case) in events(tmp_path)


def test_what_is_not_acceptable_is_said(world):
    _, db = world
    with pytest.raises(followup.Invalid, match="one of"):
        followup.record(db, WEST, "CP1", "cleared")
    with pytest.raises(followup.Invalid, match="who"):
        followup.record(db, WEST, "CP1", "assigned", "  ")
    with pytest.raises(followup.Invalid, match="after 10/07/2018"):
        followup.record(db, WEST, "CP1", "chased", remind_on=date(2018, 7, 10))
    with pytest.raises(followup.Invalid, match="1000"):
        followup.record(db, WEST, "CP1", "chased", note="x" * 1001)


def test_a_reminder_falls_at_most_remind_max_days_ahead(world):
    """A reminder hides a flagged case until its day: 31/12/9999 (a year mistyped) would hide
    an overdue case until its flag ended. The newest day of data is 10/07/2018 and
    remind_max_days is 28: 07/08/2018 is the last day allowed, in the form's picker too."""
    _, db = world
    assert data.settings().remind_max_days == 28
    for too_late in (date(2018, 8, 8), date(9999, 12, 31)):
        with pytest.raises(followup.Invalid, match="on or before 07/08/2018, 28 days after"):
            followup.record(db, WEST, "CP1", "chased", remind_on=too_late)
    made = followup.record(db, WEST, "CP1", "chased", remind_on=date(2018, 8, 7))
    assert made.remind_on == date(2018, 8, 7)
    assert followup.remind_latest(date(2018, 7, 10)) == date(2018, 8, 7)
    from dashboard.panels.today_follow_up import _form

    picker = _find(_form(), "follow-up-remind")
    assert (picker.min_date_allowed, picker.max_date_allowed) == (
        date(2018, 7, 11), date(2018, 8, 7)
    )  # fmt: skip
    shorter = data.settings().model_copy(update={"remind_max_days": 7})
    with pytest.MonkeyPatch.context() as m:
        m.setattr(data, "settings", lambda: shorter)
        with pytest.raises(followup.Invalid, match="on or before 17/07/2018, 7 days after"):
            followup.record(db, WEST, "CP1", "chased", remind_on=date(2018, 7, 18))


def test_the_list_shows_the_latest_and_a_reminder_hides_the_case_until_its_day(world):
    _, db = world
    followup.record(db, WEST, "CP1", "chased", "DS Patel")
    followup.record(db, WEST_2, "CP1", "assigned", "DS Khan", remind_on=date(2018, 7, 11))

    def shown(choice=None, day=None, who=WEST_2):
        rows = data.action_list(who, Filters(as_of=day, follow_up=choice))
        return dict(zip(rows["investigation_id"], rows["follow_up"], strict=True))

    assert "CP1" not in shown()  # its reminder (11/07) is after the day shown (10/07)
    assert shown("all")["CP1"].startswith("Assigned to DS Khan, ")  # the latest of the two
    assert "(reminder 11/07/2018)" in shown("all")["CP1"]
    assert list(shown("acted")) == ["CP1"]
    assert list(shown("not_acted")) == ["R1"]
    assert "CP1" in shown(day=date(2018, 7, 11))  # the reminder's own day
    # Before the run began (23/06) the follow-up is not this case's: nothing is shown.
    assert shown("all", date(2018, 6, 22)).get("CP1", "") == ""


def test_a_past_days_list_shows_only_the_follow_ups_made_by_then(world):
    """An adversarial pass (session 25): the list replayed for a day before a follow-up was
    made showed it, and its author's later reminder hid the overdue case on that day. A
    follow-up counts from the newest day of data when it was recorded (10/07 here)."""
    _, db = world
    made = followup.record(db, WEST_2, "CP1", "assigned", "DS Khan", remind_on=date(2018, 7, 11))
    assert made.made_on == date(2018, 7, 10)

    def shown(day, choice=None):
        rows = data.action_list(WEST_2, Filters(as_of=day, follow_up=choice))
        return dict(zip(rows["investigation_id"], rows["follow_up"], strict=True))

    before = date(2018, 6, 30)  # CP1 overdue since 23/06; nothing done yet
    assert "CP1" in shown(before)  # not hidden by a reminder made later
    assert shown(before, "all")["CP1"] == ""
    assert "CP1" in shown(before, "not_acted")
    assert "CP1" not in shown(date(2018, 7, 10))  # from the day it was made, it hides it
    assert shown(date(2018, 7, 10), "all")["CP1"].startswith("Assigned to DS Khan")


def test_a_reminder_hides_the_case_from_its_author_alone(world):
    """An adversarial pass (session 24): one manager's "remind me on" took an overdue case off
    every colleague's list, a force user's and their digests, for up to remind_max_days. The
    list still shows everyone the latest follow-up and its reminder; a later follow-up of the
    author's without a reminder shows the case to them again."""
    _, db = world
    followup.record(db, WEST_2, "CP1", "assigned", "DS Khan", remind_on=date(2018, 7, 11))
    force = Scope("superintendent", "force", ("West", "East", "South"))

    def listed(who):
        rows = data.action_list(who, Filters())
        return dict(zip(rows["investigation_id"], rows["follow_up"], strict=True))

    assert "CP1" not in listed(WEST_2)
    for other in (WEST, force):
        assert "(reminder 11/07/2018)" in listed(other)["CP1"]
    followup.record(db, WEST, "CP1", "chased", "DS Patel", remind_on=date(2018, 7, 12))
    assert "CP1" not in listed(WEST) and "CP1" not in listed(WEST_2)
    assert listed(force)["CP1"].startswith("Chased DS Patel")
    followup.record(db, WEST_2, "CP1", "chased", "DS Khan")
    assert "CP1" in listed(WEST_2) and "CP1" not in listed(WEST)


def test_the_next_loads_review_closes_it_and_keeps_the_days_to_review(world):
    tmp_path, db = world
    followup.record(db, WEST, "CP1", "chased", "DS Patel")
    followup.record(db, WEST_2, "CP1", "assigned", "DS Khan")  # same run: counted once
    followup.record(db, WEST, "R1", "assigned", "PS Jones")
    assert followup.reconcile(db) == 0  # nothing has changed yet
    second_load(tmp_path)
    assert followup.reconcile(db) == 3
    with db.transaction() as s:
        closed = {
            (f.investigation_id, f.person): f for f in s.query(CaseFollowUp).order_by("id").all()
        }
    cp1 = closed[("CP1", "DS Patel")]
    assert (cp1.outcome, cp1.reviewed_on, cp1.cleared_on) == (
        "reviewed", date(2018, 7, 12), date(2018, 7, 12))  # fmt: skip
    assert cp1.days_to_review == 19  # 23/06 -> 12/07
    r1 = closed[("R1", "PS Jones")]
    assert (r1.outcome, r1.reviewed_on, r1.days_to_review) == ("case_closed", None, None)
    assert followup.reconcile(db) == 0
    by_team = followup.time_to_review(db, ["West"], date(2018, 7, 1), date(2018, 7, 31))
    assert by_team.to_dict("records") == [
        {"area": "West", "team": "West CP 1", "runs": 1, "median_days": 19.0}
    ]
    assert followup.time_to_review(db, ["East"], date(2018, 7, 1), date(2018, 7, 31)).empty
    assert followup.time_to_review(db, ["West"], date(2018, 8, 1), date(2018, 8, 31)).empty
    # Replaying the day before the review still shows the follow-up beside the flag.
    rows = data.action_list(WEST, Filters(as_of=date(2018, 7, 10), follow_up="all"))
    assert rows.set_index("investigation_id").loc["CP1", "follow_up"].startswith("Assigned")
    assert "CP1" not in set(data.action_list(WEST, Filters())["investigation_id"])


def test_the_pvp_pack_reports_the_days_to_review(world):
    tmp_path, db = world
    followup.record(db, WEST, "CP1", "chased", "DS Patel")
    second_load(tmp_path)
    force = Scope("pvp", "force", ("West", "East", "South"))
    july = pack.build(force, date(2018, 7, 1))
    assert july.time_to_review.to_dict("records") == [
        {"area": "West", "team": "West CP 1", "cases reviewed": 1, "median days": 19.0}
    ]
    assert pack.build(force, date(2018, 7, 1), ["East"]).time_to_review.empty
    html = pack.to_html(july, [])
    assert "Time to review after a follow-up (July 2018)" in html and "<td>19.0</td>" in html


def test_the_case_page_lists_the_follow_ups_and_how_they_ended(world):
    from dashboard.panels import Context
    from dashboard.panels.case_follow_ups import render

    tmp_path, db = world
    followup.record(db, WEST, "CP1", "chased", "DS Patel")
    second_load(tmp_path)

    def shown(scope) -> str:
        return str(render(Context(scope=scope, filters=Filters(), as_of=None, case_id="CP1")))

    text = shown(WEST)
    assert "Chased DS Patel" in text and "23/06/2018" in text
    assert "closed: reviewed 12/07/2018, 19 days after first flagged" in text
    assert "Chased" not in shown(EAST)  # another area's case shows nothing


def _find(component, wanted_id: str):
    """The component of id ``wanted_id`` inside a Dash layout."""
    if getattr(component, "id", None) == wanted_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = _find(child, wanted_id)
            if found is not None:
                return found
    return None


def test_a_case_moved_to_another_area_keeps_its_follow_ups_on_its_page(world):
    """CP1 is followed up in West, then the next load moves it to East (an adversarial pass:
    East's case page showed no follow-up). Its page, now East's, lists West's follow-up."""
    tmp_path, db = world
    followup.record(db, WEST, "CP1", "chased", "DS Patel", "Rang twice")
    moved = [
        {**row, "area": "East", "team": "East CP 1"} if row["investigation_id"] == "CP1" else row
        for row in INVESTIGATIONS
    ]
    write_extracts(tmp_path / "moved", investigations=moved)
    load(tmp_path / "moved", tmp_path / "w.duckdb", Settings(), extracted_on=date(2018, 7, 11))
    assert [f.note for f in followup.history(db, EAST, "CP1")] == ["Rang twice"]
    assert followup.history(db, Scope("south", "area", ("South",)), "CP1") == []
