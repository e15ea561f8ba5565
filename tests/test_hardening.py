"""Issue 10, items 4, 9, 12, 13 and 14: the PVP scope label, quarantine details, the read audit,
malformed callback input and packs off the request path, each tried with crafted requests
against the real app."""

from __future__ import annotations

import base64
import io

import openpyxl
import pytest
from conftest import call

from etl.load import load
from etl.settings import Settings
from etl.testing import write_extracts

ALL_REQUEST = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


# --- item 12: the PVP page and pack say what they show, and never widen --------------------


def pvp_body(dash_app, client, area):
    status, body = call(
        dash_app,
        client,
        "pvp-body.children",
        {"pvp-month.value": "2018-06-01", "pvp-area.value": area},
    )
    assert status == 200, body
    return str(body)


@pytest.mark.parametrize("asked", ["East", "Mars", ["East", "South"]])
def test_an_area_outside_the_scope_shows_nothing_and_says_so(dash_app, client_for, asked):
    west = client_for("west")
    own = pvp_body(dash_app, west, "West")
    assert "PVP supervision pack: West, June 2018" in own and "W-OVERDUE" in own
    text = pvp_body(dash_app, west, asked)
    assert "PVP supervision pack: No areas (none of the areas asked for is yours)" in text
    for case in ("W-OVERDUE", "W-RESP", "E-OVERDUE", "E-RESP", "S-DUE"):
        assert case not in text, case
    for team in ("West CP 1", "West CSE", "East CP 1", "South OCA"):  # by team / supervisor
        assert team not in text, team


def test_the_pack_workbook_for_an_area_outside_the_scope_is_empty_and_labelled(
    dash_app, client_for
):
    download = next(k for k in dash_app.callback_map if k.startswith("pvp-download"))
    status, body = call(
        dash_app,
        client_for("west"),
        download,
        {"pvp-xlsx.n_clicks": 1, "pvp-month.value": "2018-06-01", "pvp-area.value": "East"},
        changed="pvp-xlsx.n_clicks",
    )
    assert status == 200
    data = body["response"]["pvp-download"]["data"]
    assert data["filename"] == "pvp-pack-none-2018-06.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(data["content"])))
    about = [r[0] for r in book["About"].iter_rows(values_only=True)]
    assert (
        "PVP supervision pack: No areas (none of the areas asked for is yours), June 2018" in about
    )
    assert book["Longest waiting"].max_row == 1  # the header only
    assert book["By team"].max_row == 1
    headline = {r[0]: r[1] for r in book["Headline"].iter_rows(min_row=2, values_only=True)}
    assert headline["Open specialist cases at month end"] in ("0", "-")


# --- item 14: quarantine details never leak another area's records --------------------------


@pytest.fixture
def leaky_warehouse(tmp_path, monkeypatch):
    """Quarantined rows that are West by their own area but name East records."""
    db = tmp_path / "w.duckdb"
    write_extracts(
        tmp_path / "x",
        incidents=[{"incident_id": "I-EAST", "area": "East"}],
        investigations=[
            # Same id twice with different values: the later (East) row is kept, the West one
            # is quarantined as duplicate_id with a detail naming the case.
            {"investigation_id": "E-SECRET", "area": "West", "team": "West CP 1"},
            {"investigation_id": "E-SECRET", "area": "East", "team": "East CP 1"},
            # A West case linked to an East incident, quarantined for its date.
            {"investigation_id": "W-LINKED", "incident_id": "I-EAST", "opened_at": "nonsense"},
            {"investigation_id": "W-PLAIN", "opened_at": "nonsense"},
            {"investigation_id": "W-CASE"},
        ],
        supervision=[
            {"review_id": "R-SECRET", "investigation_id": "E-SECRET", "note": "kept"},
            {"review_id": "R-SECRET", "investigation_id": "W-CASE", "note": "dropped"},
        ],
    )
    load(tmp_path / "x", db, Settings())
    monkeypatch.setenv("PVP_DB_PATH", str(db))
    return db


def quarantined_ids(dash_app, client) -> set[str]:
    key = next(k for k in dash_app.callback_map if k.startswith("..data-quarantine-rows-grid"))
    request = {"data-quarantine-rows-grid.getRowsRequest": ALL_REQUEST, "data-filters.data": {}}
    status, body = call(dash_app, client, key, request)
    assert status == 200, body
    rows = body["response"]["data-quarantine-rows-grid"]["getRowsResponse"]["rowData"]
    return {r["record_id"] for r in rows}


def test_quarantine_rows_naming_another_areas_records_are_not_shown(
    dash_app, client_for, leaky_warehouse
):
    west, east, force = (client_for(u) for u in ("west", "east", "force"))
    assert quarantined_ids(dash_app, west) == {"W-PLAIN"}
    assert quarantined_ids(dash_app, east) == set()  # each names a West record too
    assert quarantined_ids(dash_app, force) == {"E-SECRET", "W-LINKED", "W-PLAIN", "R-SECRET"}
