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


def test_the_list_counts_cases_and_says_when_rows_are_more(
    dash_app, client_for, tmp_path, monkeypatch
):
    """A newcomer's walk (session 17): "24 cases on 30/11/2018" over 21 cases, three of them
    on two rows (overdue, and their last DS review thin). T's last DS review, "Seen." on
    01/05, is thin and 60 days old on 30/06: two flags, one case."""
    from conftest import use_warehouse

    from etl.load import load
    from etl.settings import Settings
    from etl.testing import write_extracts

    cases = [{"investigation_id": "T", "opened_at": "2018-04-01 10:00", "team": "West CP 1",
              "team_type": "child_protection", "officer_id": "DC1"},
             {"investigation_id": "N", "opened_at": "2018-06-30 08:00", "team": "West CP 1",
              "team_type": "child_protection", "officer_id": "DC1"}]  # fmt: skip
    review = {"review_id": "R1", "investigation_id": "T", "reviewed_at": "2018-05-01 09:00",
              "reviewer_id": "DS1", "reviewer_rank": "DS", "note": "Seen.",
              "actions_set": "0"}  # fmt: skip
    write_extracts(tmp_path / "x", investigations=cases, supervision=[review])
    load(tmp_path / "x", tmp_path / "w.duckdb", Settings())
    use_warehouse(monkeypatch, tmp_path / "w.duckdb")
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
    status, body = rows(dash_app, client_for("force"), ACTIONS, "today-actions-grid", request)
    assert status == 200
    got = body["response"]["today-actions-grid"]["getRowsResponse"]
    assert [r["investigation_id"].split("]")[0].lstrip("[") for r in got["rowData"]] == ["T", "T"]
    assert body["response"]["today-actions-count"]["children"] == "1 case (2 flags) on 30/06/2018."
