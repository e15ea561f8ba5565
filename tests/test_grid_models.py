"""Grid requests a browser never sends, and a sort it does (a fifth adversarial pass, session
17): each hostile model is refused with 400, never a 500 or a worker held for seconds; sorting
Today's checks by "Due by" works whatever checks the day holds."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import call

CHECKS = "..today-checks-grid.getRowsResponse...today-checks-count.children.."
ACTIONS = "..today-actions-grid.getRowsResponse...today-actions-count.children.."


def rows(dash_app, client, key: str, grid: str, request: dict, store: dict | None = None):
    return call(
        dash_app,
        client,
        key,
        {f"{grid}.getRowsRequest": request, "today-filters.data": store or {}},
    )


def test_today_s_checks_sort_by_due_date(dash_app, client_for):
    """The case, custody and missing rows gave `due_on` as Timestamps and dates mixed: East's
    and the force's lists (with a missing child's return interview overdue) answered 500."""
    for user in ("west", "east", "force"):
        for order in ("asc", "desc"):
            request = {"startRow": 0, "endRow": 100, "filterModel": {},
                       "sortModel": [{"colId": "due_on", "sort": order}]}  # fmt: skip
            status, body = rows(
                dash_app, client_for(user), CHECKS, "today-checks-grid", request,
                {"as_of": "2018-06-30"},
            )  # fmt: skip
            assert status == 200, (user, body)
            got = body["response"]["today-checks-grid"]["getRowsResponse"]["rowData"]
            due = [datetime.strptime(r["due_on"], "%d/%m/%Y") for r in got if r.get("due_on")]
            assert due == sorted(due, reverse=order == "desc"), (user, order)


NESTED = {"filterType": "text", "type": "contains", "filter": "a"}
for _ in range(3):
    NESTED = {"operator": "OR", "conditions": [NESTED] * 10}
DEEP = {"filterType": "text", "type": "contains", "filter": "a"}
for _ in range(400):
    DEEP = {"operator": "AND", "conditions": [DEEP]}


@pytest.mark.parametrize(
    "model",
    [
        {"team": {"operator": "AND", "conditions": []}},  # IndexError before
        {"days": {"filterType": "number", "type": "lessThan", "filter": 10**400}},  # Overflow
        {"team": NESTED},  # 1,000 leaves: one full-table mask each (10^5 took 22 s)
        {"team": DEEP},  # RecursionError before
    ],
    ids=["no-conditions", "huge-number", "nested", "deep"],
)
def test_a_hostile_filter_model_is_refused(dash_app, client_for, model):
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": model}
    status, _ = rows(dash_app, client_for("force"), ACTIONS, "today-actions-grid", request)
    assert status == 400


def test_a_combined_filter_of_one_level_still_works(dash_app, client_for):
    model = {"team": {"operator": "OR", "conditions": [
        {"filterType": "text", "type": "contains", "filter": "West"},
        {"filterType": "text", "type": "contains", "filter": "East"}]}}  # fmt: skip
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": model}
    status, body = rows(dash_app, client_for("force"), ACTIONS, "today-actions-grid", request)
    assert status == 200
    teams = {
        r["team"] for r in body["response"]["today-actions-grid"]["getRowsResponse"]["rowData"]
    }
    assert teams and all("West" in t or "East" in t for t in teams)
