"""Case audits' writes on both databases (SQLite and a real PostgreSQL): the version check
that stops a lost update, and actions agreed at the PVP meeting carried until closed."""

from __future__ import annotations

from datetime import date

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
