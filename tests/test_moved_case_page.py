"""The case page of a case that moved area, through the real app (found by an adversarial pass,
session 16: East's page of a case moved from West showed an empty log for the days before the
move, and West's Today list for those days linked to a page saying "not found").

Hand-worked extracts:
  load 1, extract day 10/07/2018: M in West (West CP 1, child protection), opened 01/06 10:00,
          DS review W1 by DS-W on 20/06 09:00.
  load 2, extract day 20/07/2018: M moved to East (East CP 1), DS review E1 by DS-E on
          20/07 09:00.
So M's version 1 (West) is valid to 19/07 and version 2 (East) from 20/07.
  East, as of 15/07: M is East's now, so its page opens with the record as now known (East CP 1)
      and the log as of 15/07: W1 (the case's history came with it).
  West, as of 15/07: M was West's that day: the page opens with the record as it was then
      (West CP 1), says the case has since moved, shows W1 and nothing of version 2.
  West, as of 20/07: M is East's that day and now: not found, like a case that does not exist.
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import call, use_warehouse

from etl.load import load
from etl.settings import Settings
from etl.testing import write_extracts

CASE = {"investigation_id": "M", "opened_at": "2018-06-01 10:00", "team": "West CP 1",
        "team_type": "child_protection", "officer_id": "DC1"}  # fmt: skip
W1 = {"review_id": "W1", "investigation_id": "M", "reviewed_at": "2018-06-20 09:00",
      "reviewer_id": "DS-W", "reviewer_rank": "DS", "actions_set": "2",
      "note": "Risk assessed; plan: strategy meeting; next review 18/7."}  # fmt: skip
E1 = {**W1, "review_id": "E1", "reviewed_at": "2018-07-20 09:00", "reviewer_id": "DS-E"}


@pytest.fixture
def moved(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    write_extracts(tmp_path / "one", investigations=[CASE], supervision=[W1])
    load(tmp_path / "one", db, Settings(), extracted_on=date(2018, 7, 10))
    east = {**CASE, "area": "East", "team": "East CP 1"}
    write_extracts(tmp_path / "two", investigations=[east], supervision=[W1, E1])
    load(tmp_path / "two", db, Settings(), extracted_on=date(2018, 7, 20))
    use_warehouse(monkeypatch, db)


def page(dash_app, client, day: str) -> str:
    key = next(k for k in dash_app.callback_map if k.startswith(".._pages_content.children"))
    status, body = call(
        dash_app,
        client,
        key,
        {"_pages_location.pathname": "/case/M", "_pages_location.search": f"?as_of={day}"},
    )
    assert status == 200, body
    return str(body)


def test_the_area_holding_a_moved_case_reads_its_past(dash_app, client_for, moved):
    body = page(dash_app, client_for("east"), "2018-07-15")
    assert "Case not found" not in body
    assert "East CP 1" in body  # the record as now known
    assert "DS-W" in body  # W1 on the log as of 15/07 (empty before the fix)
    assert "1 entry; no gap longer than" in body and "of the one entry that counts" in body
    assert "DS-E" not in body  # E1 is dated after the day shown
    assert "case-moved-away" not in body


def test_an_area_a_case_left_reads_the_days_it_held_it(dash_app, client_for, moved):
    west = client_for("west")
    body = page(dash_app, west, "2018-07-15")
    assert "Case not found" not in body  # "not found" before the fix
    assert "West CP 1" in body and "case-moved-away" in body
    assert "DS-W" in body
    assert "East" not in body and "DS-E" not in body
    for day in ("2018-07-20", "2018-07-25"):
        assert "Case not found" in page(dash_app, west, day)
    # A third area never sees it.
    assert "Case not found" in page(dash_app, client_for("nobody"), "2018-07-15")


def test_an_entry_the_new_area_wrote_is_not_read_by_the_old_area_before_it_arrived(
    tmp_path, monkeypatch
):
    """The other finding of that pass: E2, an East DS review dated 15/07, arrived with the load
    of 20/07 that moved M to East. As of 15/07 to 19/07, M is West's (the version then known),
    and West must not read E2: not on the log, the quality window, the list's last entry, the
    intervals, the flags or the month's compliance. East, holding M now, reads it on those days
    only from 20/07, when it became known; on 15/07 its page reads M as West's version did.
    M's clock without E2: W1 on 20/06, so 25 days on 15/07 and overdue from 19/07 (28 days)."""
    from dashboard import data
    from dashboard.scope import Filters, Scope

    db = tmp_path / "w.duckdb"
    write_extracts(tmp_path / "one", investigations=[CASE], supervision=[W1])
    load(tmp_path / "one", db, Settings(), extracted_on=date(2018, 7, 10))
    e2 = {**W1, "review_id": "E2", "reviewed_at": "2018-07-15 09:00", "reviewer_id": "DS-E"}
    east = {**CASE, "area": "East", "team": "East CP 1"}
    write_extracts(tmp_path / "two", investigations=[east], supervision=[W1, e2])
    load(tmp_path / "two", db, Settings(), extracted_on=date(2018, 7, 20))
    use_warehouse(monkeypatch, db)
    west = Scope("w", "area", ("West",))
    both = Scope("f", "force", ("West", "East"))
    for day in (date(2018, 7, 15), date(2018, 7, 19)):
        assert data.case_entries(west, "M", day)["reviewer_id"].tolist() == ["DS-W"]
        assert data.case_entries(both, "M", day)["reviewer_id"].tolist() == ["DS-W"]
        quality = data.quality(west, Filters(as_of=day), "reviewer")
        assert quality["reviewer_id"].tolist() == ["DS-W"]
        intervals = data.review_intervals(west, day, "M")
        assert intervals["started_on"].max().date() == date(2018, 6, 20)
    flags = data.flags(west, Filters(as_of=date(2018, 7, 19)))
    overdue = flags[(flags["investigation_id"] == "M") & (flags["flag"] == "ds_review_overdue")]
    assert len(overdue) == 1  # 29 days since W1: E2 would have made it 4
    assert (
        data.flags(west, Filters(as_of=date(2018, 7, 18)))
        .query("flag == 'ds_review_overdue'")
        .empty
    )
    listed = data.action_list(west, Filters(as_of=date(2018, 7, 19)))
    assert "DS-W" in listed.loc[listed["investigation_id"] == "M", "last_by"].iloc[0]
    assert listed["last_on"].tolist() == [date(2018, 6, 20)]
    compliance = data.query(
        "daily_compliance", west, start=date(2018, 7, 15), end=date(2018, 7, 19)
    ).sort_values("day")
    assert compliance["days_since_ds"].tolist() == [25, 26, 27, 28, 29]
    assert compliance["within_window"].tolist() == [True, True, True, True, False]
    # From 20/07 the case is East's and E2 is known: East reads it, West reads nothing.
    day = date(2018, 7, 20)
    assert data.case_entries(both, "M", day)["reviewer_id"].tolist() == ["DS-W", "DS-E"]
    assert data.case_entries(west, "M", day).empty
