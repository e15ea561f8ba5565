"""The Data quality page's quarantined rows stay a readable size whatever a hostile extract
holds (a fifth adversarial pass, session 17: 30 rows with 900 KB ids sent 27 MB in one grid
block, to every user with the page)."""

from __future__ import annotations

from conftest import call, use_warehouse

from etl.load import load
from etl.settings import Settings
from etl.testing import write_extracts

KEY = "..data-quarantine-rows-grid.getRowsResponse...data-quarantine-rows-count.children.."


def test_a_huge_id_is_shown_as_its_start_and_its_length(
    dash_app, client_for, tmp_path, monkeypatch
):
    big = "W" + "x" * 900_000
    rows = [{"investigation_id": f"{big}{i}", "opened_at": "not a date", "team": "T",
             "team_type": "child_protection"} for i in range(30)]  # fmt: skip
    rows.append({"investigation_id": "OK1", "opened_at": "2018-05-01 09:00", "team": "T",
                 "team_type": "child_protection"})  # fmt: skip
    write_extracts(tmp_path / "x", investigations=rows)
    load(tmp_path / "x", tmp_path / "w.duckdb", Settings())
    use_warehouse(monkeypatch, tmp_path / "w.duckdb")
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
    status, body = call(
        dash_app, client_for("force"), KEY,
        {"data-quarantine-rows-grid.getRowsRequest": request, "data-filters.data": {}},
    )  # fmt: skip
    assert status == 200
    shown = body["response"]["data-quarantine-rows-grid"]["getRowsResponse"]["rowData"]
    assert len(shown) == 30
    assert len(str(body)) < 500_000
    ends = {r["record_id"][-24:] for r in shown}  # ids of 900,002 and 900,003 characters
    assert ends == {"... (900,002 characters)", "... (900,003 characters)"}
    assert all(r["record_id"].startswith("Wxxx") for r in shown)
