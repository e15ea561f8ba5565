"""Follow-ups through the app, the way an attacker would try them: hand-made callback requests
from a signed-in West manager for an East case, and a role that does not record follow-ups.
The fixture warehouse (etl/testing.py): W-OVERDUE is West's, E-OVERDUE East's."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import call
from sqlalchemy import delete

from dashboard import data
from dashboard.appdb.models import CaseFollowUp, SavedView
from dashboard.audits import app_db
from tests.test_access import ALL_REQUEST, GRID

GRID_CLICK = "today-actions-grid.cellClicked"


def key_for(app, output: str) -> str:
    """A callback's key in the app's callback map, found by one of its outputs."""
    return next(k for k in app.callback_map if output in k)


def save(app, client, case: str, kind: str = "chased", person: str = "DS Patel"):
    status, body = call(
        app,
        client,
        key_for(app, "follow-up-saved.data"),
        {
            "follow-up-save.n_clicks": 1,
            "follow-up-case.data": case,
            "follow-up-kind.value": kind,
            "follow-up-person.value": person,
            "follow-up-note.value": "crafted",
            "follow-up-remind.date": None,
            "today-filters.data": {},
        },
    )
    assert status == 200, body
    return body["response"]


def stored() -> list[tuple[str, str]]:
    with app_db().transaction() as s:
        return [(f.investigation_id, f.created_by) for f in s.query(CaseFollowUp).all()]


@pytest.fixture
def clean(dash_app, client_for):
    client_for("west").get("/_dash-layout")  # Dash fills its callback map on first use
    yield
    with app_db().transaction() as s:  # the app is shared by the session's tests
        s.execute(delete(CaseFollowUp))
        s.execute(delete(SavedView))


def test_a_west_manager_cannot_follow_up_an_east_case(dash_app, client_for, clean):
    west = client_for("west")
    answer = save(dash_app, west, "E-OVERDUE")
    assert "cannot record" in str(answer["follow-up-message"]["children"])
    assert answer["follow-up-saved"]["data"] is None
    assert stored() == []
    with sqlite3.connect(data.settings().audit_path) as con:
        refused = con.execute(
            "SELECT username, case_id FROM audit WHERE event = 'follow_up_refused'"
        ).fetchall()
    assert ("west", "E-OVERDUE") in refused
    # Opening the form from a crafted click names nothing about the East case.
    status, body = call(
        dash_app,
        west,
        key_for(dash_app, "follow-up-summary.children"),
        {GRID_CLICK: {"colId": "follow_up", "rowId": "E-OVERDUE|DS review overdue"}},
    )
    assert status == 200
    assert "East CP 1" not in str(body) and "DC21" not in str(body)


def test_a_follow_up_shows_in_the_list_and_only_acting_roles_record_one(
    dash_app, client_for, clean
):
    west = client_for("west")
    answer = save(dash_app, west, "W-OVERDUE")
    assert answer["follow-up-saved"]["data"] is not None
    assert "W-OVERDUE" in str(answer["follow-up-recent-box"]["children"])
    assert stored() == [("W-OVERDUE", "west")]
    status, body = call(
        dash_app,
        west,
        GRID,
        {"today-actions-grid.getRowsRequest": ALL_REQUEST, "today-filters.data": {}},
    )
    rows = body["response"]["today-actions-grid"]["getRowsResponse"]["rowData"]
    mine = [r for r in rows if r["_id"].startswith("W-OVERDUE|")]
    assert mine and mine[0]["follow_up"].startswith("Chased DS Patel, ")
    status, body = call(
        dash_app,
        west,
        GRID,
        {
            "today-actions-grid.getRowsRequest": ALL_REQUEST,
            "today-filters.data": {"follow_up": "not_acted"},
        },
    )
    rows = body["response"]["today-actions-grid"]["getRowsResponse"]["rowData"]
    assert rows and not any(r["_id"].startswith("W-OVERDUE|") for r in rows)
    # An auditor of West sees West but does not record follow-ups.
    answer = save(dash_app, client_for("west-auditor"), "W-OVERDUE")
    assert "cannot record" in str(answer["follow-up-message"]["children"])
    assert stored() == [("W-OVERDUE", "west")]
    # A crafted filter value is refused at the door, not used.
    status, _ = call(
        dash_app,
        west,
        GRID,
        {
            "today-actions-grid.getRowsRequest": ALL_REQUEST,
            "today-filters.data": {"follow_up": "everything'; DROP"},
        },
    )
    assert status == 400


def test_my_settings_subscribes_only_with_an_address_and_manages_only_my_views(
    dash_app, client_for, clean
):
    from dashboard import digest, views
    from dashboard.appdb.models import DigestSubscription
    from dashboard.users import UserStore

    db = app_db()
    client_for("west").get("/settings")  # the settings page's callbacks are registered
    west = client_for("west")
    status, body = call(dash_app, west, "settings-subscribe-message.children",
                        {"settings-subscribe.value": True})  # fmt: skip
    assert status == 200 and "No address" in str(body)
    assert not digest.subscribed(db, "west")
    store = UserStore(data.settings().users_file)
    store.set_email("west", "west@force.test")
    try:
        call(dash_app, west, "settings-subscribe-message.children",
             {"settings-subscribe.value": True})  # fmt: skip
        assert digest.subscribed(db, "west")
    finally:
        store.set_email("west", None)
        with db.transaction() as s:
            s.execute(delete(DigestSubscription))
    theirs = views.save(db, "east", "today", "East view", {"area": "East"})
    key = key_for(dash_app, "settings-view-message.children")
    status, _ = call(dash_app, west, key,
                     {"settings-view-delete.n_clicks": 1, "settings-view.value": theirs.id},
                     changed="settings-view-delete.n_clicks")  # fmt: skip
    assert status == 204  # not one of west's views: nothing happens
    with db.transaction() as s:
        assert s.get(SavedView, theirs.id) is not None
    mine = views.save(db, "west", "today", "Mine", {"area": "West"})
    status, body = call(dash_app, west, key,
                        {"settings-view-default.n_clicks": 1, "settings-view.value": mine.id},
                        changed="settings-view-default.n_clicks")  # fmt: skip
    assert status == 200 and "now opens with 'Mine'" in str(body)
    assert views.default_for(db, "west", "today").id == mine.id


def test_my_settings_buttons_act_on_a_chosen_view_and_no_role_is_asked_for_a_useless_address(
    dash_app, client_for
):
    """A newcomer's walk (session 25): the saved-view buttons were live with no view to act on,
    and the audit roles were asked to get an email address for a digest never sent to them."""
    from dashboard.pages import my_settings

    assert my_settings._buttons(None, []) == (True, True, True)
    assert my_settings._buttons(7, [{"label": "mine", "value": 7}]) == (False, False, False)
    assert my_settings._buttons(7, [{"label": "other", "value": 8}]) == (True, True, True)
    key = next(k for k in dash_app.callback_map if k.startswith(".._pages_content.children"))
    page = {"_pages_location.pathname": "/settings", "_pages_location.search": ""}
    _, body = call(dash_app, client_for("west-auditor"), key, page)
    said = json.dumps(body)
    assert "ask an administrator" not in said and "set-email" not in said
    _, body = call(dash_app, client_for("west"), key, page)
    assert "Sent to:" in json.dumps(body) or "ask an administrator" in json.dumps(body)
