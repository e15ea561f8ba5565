"""Case audits' writes on both databases (SQLite and a real PostgreSQL): the version check
that stops a lost update, and actions agreed at the PVP meeting carried until closed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm.exc import StaleDataError

from dashboard.appdb.models import Audit
from dashboard.audits import service
from dashboard.audits.config import get_config
from dashboard.scope import Scope
from tests.test_audits_sampling import JULY, PPU, warehouse  # noqa: F401

WEST_AUDITOR = Scope("wa", "auditor", ("West",))
WEST_AUDITOR_2 = Scope("wb", "auditor", ("West",))


def answers(value: str = "yes") -> dict:
    return {q.key: {"answer": value, "note": ""} for q in get_config().questions}


@pytest.fixture
def west_audit(warehouse, appdb):  # noqa: F811
    service.store_sample(appdb, PPU, JULY, seed=3)
    return next(a for a in service.list_audits(appdb, PPU, JULY) if a.area == "West")


def test_a_save_from_a_stale_form_is_refused_with_who_and_when(appdb, west_audit):
    service.save_audit(appdb, WEST_AUDITOR, west_audit.id, 1, answers("no"), None, None, [], None)
    with pytest.raises(service.Conflict) as caught:
        service.save_audit(appdb, WEST_AUDITOR_2, west_audit.id, 1, answers(), None, None, [], None)
    assert caught.value.by == "wa" and "reload" in str(caught.value)
    kept = service.get_audit(appdb, WEST_AUDITOR, west_audit.id)
    assert kept.answers["risk"]["answer"] == "no" and kept.version == 2


def test_no_one_moderates_an_audit_they_drafted_or_submitted(appdb, west_audit):
    """Two auditors wrote it (wa drafted, wb submitted); each is later made a moderator of
    West. Neither may moderate it; a third moderator may."""
    service.save_audit(appdb, WEST_AUDITOR, west_audit.id, 1, answers("no"), None, None, [], None)
    service.save_audit(
        appdb, WEST_AUDITOR_2, west_audit.id, 2, answers(), "good", "Plan and risk seen.", [],
        None, submit=True,
    )  # fmt: skip
    for who in ("wa", "wb"):
        with pytest.raises(service.Refused, match="your own audit"):
            service.moderate(appdb, Scope(who, "moderator", ("West",)), west_audit.id, 3,
                             "good", None)  # fmt: skip
    assert service.get_audit(appdb, WEST_AUDITOR, west_audit.id).status == "submitted"
    done = service.moderate(appdb, Scope("wm", "moderator", ("West",)), west_audit.id, 3,
                            "good", None)  # fmt: skip
    assert (done.status, done.moderator) == ("moderated", "wm")


def test_two_writers_past_the_check_at_once_cannot_both_commit(appdb, west_audit):
    # Both sessions read version 1; the second UPDATE ... WHERE version = 1 matches no row.
    with appdb.transaction() as first:
        mine = first.get(Audit, west_audit.id)
        mine.grade = "good"
        service.save_audit(appdb, WEST_AUDITOR_2, west_audit.id, 1, answers(), None, None, [], None)
        with pytest.raises(StaleDataError):
            first.flush()
        first.rollback()
    assert service.get_audit(appdb, WEST_AUDITOR, west_audit.id).grade is None


def test_actions_are_carried_from_meeting_to_meeting_until_closed(appdb, warehouse):  # noqa: F811
    moderator = Scope("west-di", "moderator", ("West",))
    a = service.add_action(
        appdb,
        moderator,
        "West",
        date(2018, 7, 1),
        "Brief DSs on the 28-day rule",
        "DI West",
        date(2018, 8, 31),
    )
    force = service.add_action(appdb, PPU, None, date(2018, 8, 1), "Audit RUI use", "PPU", None)
    with pytest.raises(service.Refused):
        service.add_action(appdb, moderator, "East", date(2018, 7, 1), "x", "y", None)
    with pytest.raises(service.Refused):
        service.add_action(appdb, Scope("wa", "auditor", ("West",)), "West", JULY, "x", "y", None)

    def listed(month):
        return [x.id for x in service.actions_for(appdb, PPU, month, ["West", "East"])]

    assert listed(date(2018, 7, 1)) == [a.id]
    assert listed(date(2018, 8, 1)) == [a.id, force.id]
    assert listed(date(2018, 9, 1)) == [a.id, force.id]
    service.close_action(appdb, moderator, a.id, 1)
    # Closed for good (an adversarial pass, session 25: a second close from a past month's
    # page moved its close day, and the packs between carried it as open again); a past
    # month's page, where it is shown open, does not offer it.
    closed = service.actions_by_id(appdb, PPU, a.id)
    with pytest.raises(service.Invalid, match="was closed on"):
        service.close_action(appdb, PPU, a.id, closed.version)
    again = service.actions_by_id(appdb, PPU, a.id)
    assert (again.closed_at, again.closed_by, again.version) == (
        closed.closed_at, closed.closed_by, closed.version,
    )  # fmt: skip
    assert service.still_open(appdb, [a.id, force.id]) == {force.id}
    closed_month = date.today().replace(day=1)
    assert a.id in listed(closed_month)  # shown as closed in the month it was closed
    assert a.id not in listed(service.measures.add_months(closed_month, 1))
    assert a.id in listed(date(2018, 9, 1))  # a past month's pack is unchanged
    assert [
        x.id
        for x in service.actions_for(
            appdb, Scope("e", "area", ("East",)), date(2018, 9, 1), ["West", "East"]
        )
    ] == [force.id]


def test_text_over_its_limit_is_refused_with_a_message_never_cut(appdb, west_audit):
    """An adversarial pass saw an 8,023-character rationale stored as 8,000 with no word to the
    auditor. Each text is kept whole up to its limit and refused past it; text of the wrong
    type is refused with a message (it was a 500)."""
    audit_id = west_audit.id

    def save(**changed):
        given = {"answers": answers(), "grade": "good", "rationale": "ok", "themes": [],
                 "theme_note": None, **changed}  # fmt: skip
        return service.save_audit(appdb, WEST_AUDITOR, audit_id, version(), **given)

    def version():
        return service.get_audit(appdb, WEST_AUDITOR, audit_id, log_view=False).version

    long_note = {**answers(), "risk": {"answer": "yes", "note": "N" * 4001}}
    for changed, message in [
        ({"rationale": "R" * 8001}, "The rationale is longer than 8,000 characters"),
        ({"answers": long_note}, "risk: the note is longer than 4,000 characters"),
        ({"theme_note": "T" * 2001}, "The note on themes is longer than 2,000 characters"),
        ({"rationale": 7}, "The rationale must be text"),
        ({"answers": {**answers(), "risk": {"answer": "yes", "note": 5}}}, "must be text"),
        ({"answers": {**answers(), "risk": "yes"}}, "risk: not an answer"),
        ({"themes": "supervision quality"}, "themes are a list"),
    ]:
        with pytest.raises(service.Invalid, match=message):
            save(**changed)
    whole = {**answers(), "risk": {"answer": "yes", "note": "N" * 4000}}
    kept = save(answers=whole, rationale="R" * 8000, theme_note="T" * 2000)
    assert (len(kept.rationale), len(kept.answers["risk"]["note"]), len(kept.theme_note)) == (
        8000, 4000, 2000
    )  # fmt: skip
    service.save_audit(appdb, WEST_AUDITOR, audit_id, version(), answers(), "good", "ok", [],
                       None, submit=True)  # fmt: skip
    with pytest.raises(service.Invalid, match="The reason is longer than 4,000"):
        service.moderate(appdb, Scope("wm", "moderator", ("West",)), audit_id, version(),
                         "inadequate", "X" * 4001)  # fmt: skip


def test_feedback_and_actions_are_checked_before_they_are_stored(appdb, west_audit):
    service.save_audit(appdb, WEST_AUDITOR, west_audit.id, 1, answers(), "good", "ok", [], None,
                       submit=True)  # fmt: skip
    moderator = Scope("wm", "moderator", ("West",))
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(service.Invalid, match="on or before today"):
        service.add_feedback(appdb, moderator, west_audit.id, "officer", tomorrow, None)
    with pytest.raises(service.Invalid, match="longer than 4,000"):
        service.add_feedback(appdb, moderator, west_audit.id, "officer", date.today(), "x" * 4001)
    # Given after the audit it is about: 1901, or the day before it was submitted, were taken
    # (an adversarial pass, session 25).
    for before in (date(1901, 1, 1), date.today() - timedelta(days=1)):
        with pytest.raises(service.Invalid, match="feedback follows the audit: on or after"):
            service.add_feedback(appdb, moderator, west_audit.id, "officer", before, None)
    service.add_feedback(appdb, moderator, west_audit.id, "officer", date.today(), "Told them.")
    july = date(2018, 7, 1)
    for area, month, text, owner, due, message in [
        ("Narnia" * 20, july, "x", "y", None, "area is one of West, East, South"),
        (None, date(9999, 12, 1), "x", "y", None, "a month already begun"),
        (None, july, "x", "y", date(1, 1, 1), "falls due from 01/07/2018 to"),
        (None, july, "x", "y", date(9999, 12, 31), "falls due from 01/07/2018 to"),
        (None, july, "x" * 2001, "y", None, "The action is longer than 2,000"),
        (None, july, "x", "y" * 101, None, "The owner is longer than 100"),
    ]:
        with pytest.raises(service.Invalid, match=message):
            service.add_action(appdb, PPU, area, month, text, owner, due)
    kept = service.add_action(appdb, PPU, "East", july, "x" * 2000, "DI East", date(2018, 7, 1))
    assert (kept.area, len(kept.text), kept.due_on) == ("East", 2000, date(2018, 7, 1))


def test_a_seed_outside_its_range_is_refused(appdb, warehouse):  # noqa: F811
    for seed in (-1, 2**31, 10**30):
        with pytest.raises(service.Invalid, match="a seed is a whole number from 0 to"):
            service.store_sample(appdb, PPU, JULY, seed=seed)
    assert service.store_sample(appdb, PPU, JULY, seed=2**31 - 1).seed == 2**31 - 1


@pytest.mark.parametrize("key", [2**31, 2**63, -1, 0, True])
def test_an_id_no_row_can_have_is_no_such_row_on_either_database(appdb, west_audit, key):
    """An adversarial pass (session 25): on PostgreSQL an id past INTEGER's range (2^31 - 1)
    made the query itself fail, and every audit and action callback answered 500; SQLite
    answered them. Each is now "no such audit / action" on both."""
    moderator = Scope("wm", "moderator", ("West",))
    assert service.get_audit(appdb, WEST_AUDITOR, key) is None
    with pytest.raises(service.Refused):
        service.save_audit(appdb, WEST_AUDITOR, key, 1, answers(), None, None, None, None)
    with pytest.raises(service.Refused):
        service.moderate(appdb, moderator, key, 1, "good", None)
    with pytest.raises(service.Refused):
        service.add_feedback(appdb, moderator, key, "officer", date(2018, 7, 2), None)
    with pytest.raises(service.Refused):
        service.actions_by_id(appdb, PPU, key)
    with pytest.raises(service.Refused):
        service.close_action(appdb, PPU, key, 1)
    assert service.get_audit(appdb, WEST_AUDITOR, west_audit.id) is not None


def test_a_theme_sent_more_than_once_is_stored_and_counted_once(appdb, west_audit):
    """An adversarial pass (session 25): one theme sent three times in a crafted save was
    stored three times and counted as three audits on /audit-results, the PVP page and the
    pack."""
    from dashboard.audits import results

    theme = get_config().themes[0]
    saved = service.save_audit(appdb, WEST_AUDITOR, west_audit.id, 1, answers(), "good", "ok",
                               [theme] * 3, None, submit=True)  # fmt: skip
    assert saved.themes == [theme]
    counted = results.themes([service.get_audit(appdb, WEST_AUDITOR, west_audit.id)])
    assert counted.values.tolist() == [[theme, 1]]
    saved.themes = [theme, theme]  # a row stored before duplicates were refused
    assert results.themes([saved]).values.tolist() == [[theme, 1]]
