"""The checks' lists and exports (Today's checks, the custody and missing pages) asked for
with crafted requests, as an attacker would: a West manager never gets an East row, whatever
the browser sends."""

from __future__ import annotations

import base64
import csv
import io

import pytest
from conftest import call

ALL_REQUEST = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
# (page, panel, the field naming each row's area)
LISTS = [
    ("today", "today-checks"),
    ("custody", "custody-list"),
    ("missing", "missing-list"),
    ("missing", "missing-repeat"),
]


def rows(app, client, page: str, panel: str, store: dict) -> list[dict]:
    key = next(k for k in app.callback_map if k.startswith(f"..{panel}-grid.getRowsResponse"))
    status, body = call(
        app,
        client,
        key,
        {f"{panel}-grid.getRowsRequest": ALL_REQUEST, f"{page}-filters.data": store},
    )
    assert status == 200, body
    return body["response"][f"{panel}-grid"]["getRowsResponse"]["rowData"]


def export(app, client, page: str, panel: str, store: dict) -> list[list[str]]:
    key = next(k for k in app.callback_map if k.startswith(f"{panel}-download"))
    status, body = call(
        app,
        client,
        key,
        {
            f"{panel}-export-csv.n_clicks": 1,
            f"{page}-filters.data": store,
            f"{panel}-grid.filterModel": {},
            f"{panel}-grid.columnState": [],
        },
        changed=f"{panel}-export-csv.n_clicks",
    )
    assert status == 200, body
    raw = base64.b64decode(body["response"][f"{panel}-download"]["data"]["content"])
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def registered(dash_app, client_for):
    client = client_for("west")
    for path in ("/", "/custody", "/missing"):
        assert client.get(path).status_code == 200
    return client


@pytest.mark.parametrize(("page", "panel"), LISTS)
def test_a_west_manager_gets_west_rows_only_whatever_the_browser_asks(
    dash_app, client_for, registered, page, panel
):
    force = rows(dash_app, client_for("force"), page, panel, {})
    assert len(force), f"{panel}: the fixture has rows, or the test proves nothing"
    west = client_for("west")
    for store in ({}, {"area": "East"}, {"area": ["West", "East"]}, {"area": ["East", "South"]}):
        got = rows(dash_app, west, page, panel, store)
        assert {r["area"] for r in got} <= {"West"}, (panel, store)
        table = export(dash_app, west, page, panel, store)
        area = table[0].index(next(h for h in table[0] if h.startswith("Area")))
        assert {r[area] for r in table[1:]} <= {"West"}, (panel, store)
    assert rows(dash_app, client_for("nobody"), page, panel, {}) == []


def test_the_today_check_filter_narrows_to_one_check(dash_app, client_for, registered):
    got = rows(dash_app, client_for("force"), "today", "today-checks", {"check": "bail_expiring"})
    assert {r["check_words"] for r in got} == {"Bail ending or ended"}
    status, _ = call(
        dash_app,
        client_for("force"),
        next(k for k in dash_app.callback_map if k.startswith("..today-checks-grid")),
        {"today-checks-grid.getRowsRequest": ALL_REQUEST, "today-filters.data": {"check": "x"}},
    )
    assert status == 400  # not a check: refused at the boundary


def page(app, client, path: str, search: str = "") -> str:
    key = next(k for k in app.callback_map if k.startswith(".._pages_content.children"))
    status, body = call(
        app, client, key, {"_pages_location.pathname": path, "_pages_location.search": search}
    )
    assert status == 200, body
    return str(body)


def test_the_theme_pages_and_the_case_page_show_their_checks(dash_app, client_for, registered):
    west = client_for("west")
    assert "Children in custody" in page(dash_app, west, "/custody")
    assert "Missing children" in page(dash_app, west, "/missing")
    case = page(dash_app, west, "/case/W-NEW", "?as_of=2018-06-30")
    assert "Released under investigation with a CAWN" in case
    assert "custody K-W1" in case  # the child's custody record on this case
    assert "Suspect status" in case and "Allocated" in case  # the optional columns it has
    # An East case is answered to West as one that does not exist; East sees its check.
    east_case = ("/case/E-OVERDUE", "?as_of=2018-06-30")
    assert "bail ended 1 day ago" in page(dash_app, client_for("east"), *east_case)
    assert "bail ended" not in page(dash_app, west, *east_case)
