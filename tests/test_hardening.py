"""Issue 10, items 4, 9, 12, 13 and 14: the PVP scope label, quarantine details, the read audit,
malformed callback input and packs off the request path, each tried with crafted requests
against the real app."""

from __future__ import annotations

import base64
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import call, use_warehouse

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


@pytest.mark.parametrize("asked", ["East", "Mars"])
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
    assert headline["Open specialist cases at month end"] in (0, "no data")


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
    use_warehouse(monkeypatch, db)
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


# --- item 4: every read of case rows is audited, coalesced, with capped values ---------------

GRID = "..today-actions-grid.getRowsResponse...today-actions-count.children.."
CARDS = "panel-today-cards-body"


def signed_in_at(dash_app, username: str, address: str):
    from conftest import sign_in

    client = dash_app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    assert sign_in(client, username).status_code == 302
    return client


def callback_body(dash_app, key: str, values: dict, changed: list[str]) -> dict:
    """A callback POST body with exactly the ``changedPropIds`` given (possibly none)."""
    cb = dash_app.callback_map[key]
    outputs = cb["output"]
    out = (
        [{"id": o.component_id, "property": o.component_property} for o in outputs]
        if isinstance(outputs, list)
        else {"id": outputs.component_id, "property": outputs.component_property}
    )

    def fill(items):
        return [
            {
                "id": i["id"],
                "property": i["property"],
                "value": values.get(f"{i['id']}.{i['property']}"),
            }
            for i in items
        ]

    return {
        "output": key,
        "outputs": out,
        "inputs": fill(cb["inputs"]),
        "state": fill(cb["state"]),
        "changedPropIds": changed,
    }


def post_callback(dash_app, client, key: str, values: dict, changed: list[str]):
    response = client.post(
        "/_dash-update-component", json=callback_body(dash_app, key, values, changed)
    )
    return response.status_code, response


def reads_at(address: str):
    from dashboard.access import auth

    log = auth().audit.read()
    return log[(log["event"] == "read") & (log["address"] == address)]


def test_grid_blocks_are_audited_one_entry_per_filter_set_with_rows_added_up(dash_app, client_for):
    client_for("west")  # the pages' callbacks are registered on first use
    client = signed_in_at(dash_app, "west", "192.0.2.60")
    store = {"as_of": "2018-06-30"}
    values = {"today-actions-grid.getRowsRequest": ALL_REQUEST, "today-filters.data": store}
    for changed in (["today-actions-grid.getRowsRequest"], [], []):
        status, _ = post_callback(dash_app, client, GRID, values, changed)
        assert status == 200
    reads = reads_at("192.0.2.60")
    assert len(reads) == 1
    entry = reads.iloc[0]
    assert (entry["username"], entry["page"]) == ("west", "today")
    assert (entry["rows_read"], entry["reads"]) == (12, 3)  # 4 West rows, three times
    east = {**values, "today-filters.data": {"as_of": "2018-06-30", "area": "East"}}
    post_callback(dash_app, client, GRID, east, [])
    reads = reads_at("192.0.2.60")
    assert len(reads) == 2 and reads.iloc[0]["rows_read"] == 0  # a new filter set: its own


def test_cards_and_the_pvp_page_are_audited_even_with_no_changed_property(dash_app, client_for):
    client_for("west")
    client = signed_in_at(dash_app, "west", "192.0.2.61")
    key = next(k for k in dash_app.callback_map if CARDS in k)
    status, _ = post_callback(
        dash_app, client, key, {"today-filters.data": {"as_of": "2018-06-30"}}, []
    )
    assert status == 200
    status, _ = post_callback(
        dash_app,
        client,
        "pvp-body.children",
        {"pvp-month.value": "2018-06-01", "pvp-area.value": "West"},
        [],
    )
    assert status == 200
    reads = reads_at("192.0.2.61")
    assert set(reads["page"]) == {"today", "pvp"}
    assert (reads["rows_read"] > 0).all() and (reads["reads"] == 1).all()


def test_a_megabyte_value_is_refused_or_logged_cut_never_whole(dash_app, client_for):
    client_for("west")
    client = signed_in_at(dash_app, "west", "192.0.2.62")
    key = next(k for k in dash_app.callback_map if CARDS in k)
    huge = {"as_of": "2018-06-30", "team": "x" * 1_000_000}
    status, _ = post_callback(dash_app, client, key, {"today-filters.data": huge}, [])
    assert status == 400  # refused at the boundary (item 13)
    status, _ = post_callback(dash_app, client, GRID, {
        "today-actions-grid.getRowsRequest": {**ALL_REQUEST, "filterModel": {
            "team": {"filterType": "text", "type": "contains", "filter": "y" * 1_000_000}}},
        "today-filters.data": {"as_of": "2018-06-30"},
    }, [])  # fmt: skip
    assert status == 400
    # A page's query string reaches the log as its filters: kept, but cut.
    pages = next(k for k in dash_app.callback_map if k.startswith(".._pages_content.children"))
    status, body = post_callback(
        dash_app,
        client,
        pages,
        {"_pages_location.pathname": "/", "_pages_location.search": "?team=" + "z" * 1_000_000},
        ["_pages_location.pathname"],
    )
    assert status == 200
    assert "is not a valid choice" in body.get_data(as_text=True)  # said on the page
    from dashboard.access import auth

    log = auth().audit.read()
    mine = log[log["address"] == "192.0.2.62"]
    assert len(mine) >= 2  # the sign-in and the page view
    assert mine["detail"].fillna("").str.len().max() < 5000
    view = mine[mine["event"] == "view"].iloc[0]
    assert "zzzz" not in view["detail"]  # a refused value is not a filter, nor logged as one


def test_a_coalesced_entry_can_only_grow(dash_app, client_for):
    import sqlite3

    from dashboard.access import auth

    client_for("west")
    client = signed_in_at(dash_app, "west", "192.0.2.63")
    values = {"today-actions-grid.getRowsRequest": ALL_REQUEST, "today-filters.data": {}}
    post_callback(dash_app, client, GRID, values, [])
    entry = int(reads_at("192.0.2.63").iloc[0]["id"])
    con = sqlite3.connect(auth().audit.path)
    try:
        for change in ("rows_read = 0", "reads = 0", "detail = '{}'", "username = 'x'",
                       "event = 'view'", "at = '2000-01-01'"):  # fmt: skip
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(f"UPDATE audit SET {change} WHERE id = ?", (entry,))
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("DELETE FROM audit WHERE id = ?", (entry,))
    finally:
        con.close()


def test_an_older_audit_log_gains_the_read_columns_and_keeps_its_entries(tmp_path):
    import sqlite3

    from dashboard.audit import AuditLog

    path = tmp_path / "audit.sqlite"
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
          username TEXT NOT NULL, event TEXT NOT NULL, page TEXT, case_id TEXT, detail TEXT,
          address TEXT);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        INSERT INTO audit (at, username, event) VALUES ('2018-01-01T00:00:00+00:00', 'a', 'view');
        """
    )
    con.close()
    log = AuditLog(path)
    log.record_read("b", "today", 3, {"filters": {}})
    log.record_read("b", "today", 4, {"filters": {}})
    AuditLog(path)  # opening again changes nothing
    rows = log.read()
    assert list(rows["event"]) == ["read", "view"]
    assert (rows.iloc[0]["rows_read"], rows.iloc[0]["reads"]) == (7, 2)


# --- item 13: malformed callback input is refused with a short log line ---------------------

RAW = "RAW-INPUT-" + "q" * 5000  # must never reach the log
STORE = "today-filters.data"
ROWS = "today-actions-grid.getRowsRequest"
GOOD_STORE = {"as_of": "2018-06-30"}
MALFORMED = [
    ("cards", {STORE: {"area": 7}}),
    ("cards", {STORE: RAW}),
    ("cards", {STORE: [1, 2]}),
    ("cards", {STORE: {"as_of": "2018-02-30"}}),
    ("cards", {STORE: {"as_of": RAW}}),
    ("cards", {STORE: {"area": ["West", 7]}}),
    ("cards", {STORE: {"team": {"x": RAW}}}),
    ("options", {STORE: {"officer_id": 12}}),
    ("grid", {STORE: GOOD_STORE, ROWS: {"startRow": "abc", "endRow": 100}}),
    ("grid", {STORE: GOOD_STORE, ROWS: {"startRow": 0, "sortModel": RAW}}),
    ("grid", {STORE: GOOD_STORE, ROWS: {"sortModel": [{"colId": "days", "sort": RAW}]}}),
    ("grid", {STORE: GOOD_STORE, ROWS: {"sortModel": [RAW]}}),
    ("grid", {STORE: GOOD_STORE, ROWS: {"filterModel": RAW}}),
    ("grid", {STORE: GOOD_STORE, ROWS: {"filterModel": {"team": RAW}}}),
    ("grid", {STORE: GOOD_STORE, ROWS: {"filterModel": {"team": {"conditions": RAW}}}}),
    ("grid", {STORE: GOOD_STORE, ROWS: RAW}),
    ("grid", {STORE: {"area": 7}, ROWS: ALL_REQUEST}),
    ("export", {STORE: GOOD_STORE, "today-actions-grid.filterModel": RAW}),
    ("export", {STORE: GOOD_STORE, "today-actions-grid.columnState": RAW}),
    ("export", {STORE: GOOD_STORE, "today-actions-grid.columnState": [{"colId": 5}]}),
    ("export", {STORE: GOOD_STORE, "today-actions-grid.columnState": [{"colId": "x", "sort": 1}]}),
    ("pvp", {"pvp-month.value": "2018-02-30", "pvp-area.value": "West"}),
    ("pvp", {"pvp-month.value": RAW, "pvp-area.value": "West"}),
    ("pvp", {"pvp-month.value": 7, "pvp-area.value": "West"}),
    ("pvp", {"pvp-month.value": "2018-06-01", "pvp-area.value": 7}),
    ("pvp", {"pvp-month.value": "2018-06-01", "pvp-area.value": {"a": RAW}}),
    ("pack", {"pvp-xlsx.n_clicks": 1, "pvp-month.value": [RAW], "pvp-area.value": "West"}),
    ("pages", {"_pages_location.pathname": 7}),
    ("pages", {"_pages_location.pathname": [RAW]}),
    ("pages", {"_pages_location.pathname": "/", "_pages_location.search": {"q": RAW}}),
]  # fmt: skip


def callback_key(dash_app, kind: str) -> str:
    starts = {
        "cards": lambda k: CARDS in k,
        "options": lambda k: k.startswith("..today-team.options"),
        "grid": lambda k: k == GRID,
        "export": lambda k: k.startswith("today-actions-download"),
        "pvp": lambda k: k == "pvp-body.children",
        "pack": lambda k: k.startswith("pvp-download"),
        "pages": lambda k: k.startswith(".._pages_content.children"),
    }[kind]
    return next(k for k in dash_app.callback_map if starts(k))


@pytest.mark.parametrize(("kind", "values"), MALFORMED)
def test_malformed_callback_input_is_refused_with_a_short_log_line(
    dash_app, client_for, caplog, kind, values
):
    client = client_for("west")
    key = callback_key(dash_app, kind)
    changed = {"export": ["today-actions-export-csv.n_clicks"], "pack": ["pvp-xlsx.n_clicks"]}
    if kind == "export":
        values = {**values, "today-actions-export-csv.n_clicks": 1}
    first = dash_app.callback_map[key]["inputs"][0]
    caplog.clear()
    with caplog.at_level("INFO"):
        status, response = post_callback(
            dash_app, client, key, values, changed.get(kind, [f"{first['id']}.{first['property']}"])
        )
    assert status == 400, response.get_data(as_text=True)[:300]
    assert "RAW-INPUT" not in response.get_data(as_text=True)
    refused = [r for r in caplog.records if r.name == "pvp.inputs"]
    assert len(refused) == 1 and refused[0].levelname == "WARNING"
    for record in caplog.records:
        text = record.getMessage() + (caplog.text if record.exc_info else "")
        assert "RAW-INPUT" not in text and "2018-02-30" not in text
        assert len(record.getMessage()) < 400
        assert record.exc_info is None  # no traceback


@pytest.mark.parametrize(
    "body",
    [{"output": 5}, {"output": "x", "outputs": {}, "inputs": RAW}, [], "null", b"\xff"],
)
def test_a_body_that_is_not_a_dash_callback_is_refused(dash_app, client_for, caplog, body):
    client = client_for("west")
    with caplog.at_level("INFO"):
        if isinstance(body, bytes | str):
            response = client.post(
                "/_dash-update-component", data=body, content_type="application/json"
            )
        else:
            response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 400
    assert "RAW-INPUT" not in caplog.text


def test_well_formed_input_still_works(dash_app, client_for):
    client = client_for("west")
    request = {
        "startRow": 0,
        "endRow": 100,
        "sortModel": [{"colId": "days", "sort": "desc"}],
        "filterModel": {
            "team": {"filterType": "text", "type": "contains", "filter": "cp"},
            "days": {"filterType": "number", "type": "greaterThan", "filter": 1},
        },
    }
    status, response = post_callback(
        dash_app, client, GRID, {ROWS: request, STORE: {"as_of": "2018-06-30T00:00:00"}}, [ROWS]
    )
    assert status == 200
    rows = response.get_json()["response"]["today-actions-grid"]["getRowsResponse"]["rowData"]
    assert [r["investigation_id"].split("]")[0].lstrip("[") for r in rows] == ["W-OVERDUE"]


# --- item 9: PDF packs are made off the request path -----------------------------------------


@pytest.mark.browser  # headless Chromium prints the PDF
def test_pdf_packs_are_made_in_the_background_and_kept(dash_app, client_for):
    import threading
    import time

    from etl.settings import get_settings

    clients = {user: client_for(user) for user in ("west", "east", "force")}
    key = next(k for k in dash_app.callback_map if "pvp-download-pdf.data" in k)
    ask = {
        "west": {"pvp-month.value": "2018-06-01", "pvp-area.value": "West"},
        "east": {"pvp-month.value": "2018-06-01", "pvp-area.value": "East"},
    }
    answers = {}

    def click(user):
        started = time.monotonic()
        status, body = call(
            dash_app, clients[user], key, {"pvp-pdf.n_clicks": 1, **ask[user]}, "pvp-pdf.n_clicks"
        )
        answers[user] = (status, body, time.monotonic() - started)

    threads = [threading.Thread(target=click, args=(u,)) for u in ask]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for user, (status, body, seconds) in answers.items():
        assert status == 200
        assert "pvp-download-pdf" not in body["response"], user  # not rendered inline
        assert "Preparing the PDF pack" in str(body["response"]["pvp-pack-status"]), user
        assert body["response"]["pvp-pack-poll"]["disabled"] is False
        assert body["response"]["pvp-pdf"]["disabled"] is True  # no second click meanwhile
        assert seconds < 3, (user, seconds)
    # Meanwhile other requests are answered at once.
    started = time.monotonic()
    status, _ = call(
        dash_app, clients["force"], GRID, {ROWS: ALL_REQUEST, STORE: {"as_of": "2018-06-30"}}
    )
    assert status == 200 and time.monotonic() - started < 3
    files = {}
    deadline = time.monotonic() + 240
    while len(files) < 2 and time.monotonic() < deadline:
        time.sleep(1)
        for user in ask:
            if user in files:
                continue
            values = {"pvp-pack-poll.n_intervals": 1, **ask[user]}
            status, body = call(dash_app, clients[user], key, values, "pvp-pack-poll.n_intervals")
            assert status == 200
            if "pvp-download-pdf" in body["response"]:
                files[user] = body["response"]["pvp-download-pdf"]["data"]
                assert body["response"]["pvp-pack-poll"]["disabled"] is True
                assert body["response"]["pvp-pdf"]["disabled"] is False
    assert set(files) == {"west", "east"}
    assert files["west"]["filename"] == "pvp-pack-west-2018-06.pdf"
    assert files["east"]["filename"] == "pvp-pack-east-2018-06.pdf"
    for f in files.values():
        assert base64.b64decode(f["content"]).startswith(b"%PDF")
    # The same pack again comes from the cache, in the click's own answer.
    started = time.monotonic()
    values = {"pvp-pdf.n_clicks": 2, **ask["west"]}
    _, body = call(dash_app, clients["west"], key, values, "pvp-pdf.n_clicks")
    assert body["response"]["pvp-download-pdf"]["data"]["content"] == files["west"]["content"]
    assert time.monotonic() - started < 3
    folder = get_settings().pack_cache_dir
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert {oct(p.stat().st_mode & 0o777) for p in folder.iterdir()} == {"0o600"}
    # A West user asking for East's pack gets a pack of nothing, never East's (or West's).
    values = {"pvp-pdf.n_clicks": 1, "pvp-month.value": "2018-06-01", "pvp-area.value": "East"}
    _, body = call(dash_app, clients["west"], key, values, "pvp-pdf.n_clicks")
    assert "pvp-download-pdf" not in body["response"]

    # Every PDF sent is in the access log, also one fetched by polling alone (no click): an
    # adversarial pass (session 17) had the force user's PDF leave with no entry.
    def sent_to_force() -> int:
        from dashboard.access import auth

        log = auth().audit.read()
        pdfs = (log["event"] == "pack") & log["detail"].str.contains('"format": "pdf"')
        return int((pdfs & (log["username"] == "force")).sum())

    before = sent_to_force()
    values = {"pvp-pack-poll.n_intervals": 1, **ask["west"]}
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        _, body = call(dash_app, clients["force"], key, values, "pvp-pack-poll.n_intervals")
        if "pvp-download-pdf" in body["response"]:
            break
        time.sleep(1)
    assert "pvp-download-pdf" in body["response"]
    assert sent_to_force() == before + 1


@pytest.mark.browser  # headless Chromium prints the PDF
def test_under_gunicorn_two_pdf_downloads_do_not_hold_up_other_requests(
    dash_app, client_for, tmp_path
):
    """The deployment the README recommends, with its worker settings, on a free port."""
    import os
    import re
    import socket
    import subprocess
    import sys
    import threading
    import time
    from pathlib import Path

    import requests
    from conftest import PASSWORD

    client_for("west")  # registers the pages' callbacks in this process (for the bodies)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PVP_PACK_CACHE_DIR=str(tmp_path / "packs"))
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4",
         "--timeout", "60", "-b", f"127.0.0.1:{port}", "--no-control-socket", "app:server"],
        cwd=Path(__file__).parent.parent, env=env, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        sessions = {}
        for user in ("west", "east", "force"):
            s = requests.Session()
            for _ in range(300):  # the workers import the app first (seconds on a busy box)
                try:
                    page = s.get(base + "/login", timeout=30)
                    break
                except requests.RequestException:
                    time.sleep(0.2)
            csrf = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
            form = {"username": user, "password": PASSWORD, "csrf": csrf, "next": "/"}
            assert s.post(base + "/login", data=form, allow_redirects=False).status_code == 302
            sessions[user] = s
        key = next(k for k in dash_app.callback_map if "pvp-download-pdf.data" in k)
        ask = {"west": "West", "east": "East"}
        answers = {}

        def click(user):
            values = {"pvp-pdf.n_clicks": 1, "pvp-month.value": "2018-06-01",
                      "pvp-area.value": ask[user]}  # fmt: skip
            body = callback_body(dash_app, key, values, ["pvp-pdf.n_clicks"])
            started = time.monotonic()
            r = sessions[user].post(base + "/_dash-update-component", json=body, timeout=60)
            answers[user] = (r.status_code, r.json(), time.monotonic() - started)

        threads = [threading.Thread(target=click, args=(u,)) for u in ask]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for user, (status, body, seconds) in answers.items():
            assert status == 200 and "pvp-download-pdf" not in body["response"], user
            assert seconds < 5, (user, seconds)
        # While both packs are being made, pages and data answer at once.
        grid = callback_body(
            dash_app, GRID, {ROWS: ALL_REQUEST, STORE: {"as_of": "2018-06-30"}}, [ROWS]
        )
        for _ in range(4):
            started = time.monotonic()
            assert sessions["force"].get(base + "/", timeout=30).status_code == 200
            r = sessions["force"].post(base + "/_dash-update-component", json=grid, timeout=30)
            assert r.status_code == 200
            assert time.monotonic() - started < 5
        assert len(list((tmp_path / "packs").glob("*.pending"))) >= 1  # still being made
        done = {}
        deadline = time.monotonic() + 240
        while len(done) < 2 and time.monotonic() < deadline:
            time.sleep(1)
            for user in set(ask) - set(done):
                values = {"pvp-pack-poll.n_intervals": 1, "pvp-month.value": "2018-06-01",
                          "pvp-area.value": ask[user]}  # fmt: skip
                body = callback_body(dash_app, key, values, ["pvp-pack-poll.n_intervals"])
                r = sessions[user].post(base + "/_dash-update-component", json=body, timeout=30)
                assert r.status_code == 200
                if "pvp-download-pdf" in r.json()["response"]:
                    done[user] = r.json()["response"]["pvp-download-pdf"]["data"]
        assert set(done) == {"west", "east"}
        assert all(base64.b64decode(d["content"]).startswith(b"%PDF") for d in done.values())
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def test_a_bad_pvp_address_says_so_and_shows_the_default_month(dash_app, client_for):
    client = client_for("west")
    client.get("/_dash-layout")
    pages = next(k for k in dash_app.callback_map if k.startswith(".._pages_content.children"))
    status, body = post_callback(
        dash_app,
        client,
        pages,
        {"_pages_location.pathname": "/pvp", "_pages_location.search": "?month=2018-13&area=East"},
        ["_pages_location.pathname"],
    )
    assert status == 200
    page = body.get_data(as_text=True)
    assert "Month '2018-13' is not one of the months with data" in page
    assert "Area 'East' is not one you can choose" in page


def _open_audit_log(path, barrier, results) -> None:
    from dashboard.audit import AuditLog

    barrier.wait()
    try:
        AuditLog(path).record("worker", "start")
        results.put("ok")
    except Exception as exc:  # what a worker that fails to boot would die of
        results.put(repr(exc))


def test_workers_booting_together_all_open_a_new_audit_log(tmp_path):
    """gunicorn's workers open the audit log as they boot. While one turns a new file to WAL,
    SQLite answered the others "database is locked" at once (no busy timeout), and a worker
    failed to boot: about one round in three of three processes did, before the fix."""
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    outcomes = []
    for round_ in range(15):
        barrier, results = fork.Barrier(3), fork.Queue()
        workers = [
            fork.Process(
                target=_open_audit_log, args=(tmp_path / f"{round_}.sqlite", barrier, results)
            )
            for _ in range(3)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        outcomes += [results.get(timeout=5) for _ in workers]
    assert outcomes == ["ok"] * 45


PVP_MONTH = '"clearable":false,"id":"pvp-month"'  # the month chosen is the value before it


def _page(dash_app, client, path: str, search: str):
    pages = next(k for k in dash_app.callback_map if k.startswith(".._pages_content.children"))
    values = {"_pages_location.pathname": path, "_pages_location.search": search}
    return post_callback(dash_app, client, pages, values, ["_pages_location.pathname"])


@pytest.mark.parametrize(
    ("path", "search", "shown"),
    [
        # A repeated key reaches a page as a list: the first value is used.
        ("/pvp", "?month=2018-04-01&month=2018-05-01", f'"value":"2018-04-01",{PVP_MONTH}'),
        ("/case/W-OVERDUE", "?as_of=2018-06-30&as_of=2018-06-01", "Case W-OVERDUE"),
        ("/case/W-OVERDUE", "?from=/&from=/quality", "Back to the list"),
        ("/audits", "?month=2018-06&month=2018-05", "audit"),
        # A day that cannot be counted from is refused like one that is not a date.
        ("/case/W-OVERDUE", "?as_of=0001-01-01", "Case not found"),
        ("/case/W-OVERDUE", "?as_of=9999-12-31", "Case not found"),
    ],
)
def test_a_crafted_address_is_answered_not_failed(dash_app, client_for, path, search, shown):
    """Addresses an adversarial pass made fail with 500 (a list where text was expected; a day
    whose neighbours overflow)."""
    client = client_for("ppu" if path == "/audits" else "west")
    client.get("/_dash-layout")
    status, body = _page(dash_app, client, path, search)
    assert status == 200
    page = body.get_data(as_text=True)
    assert shown in page, page[-3000:]


def test_a_day_out_of_range_in_a_callback_is_refused_not_failed(dash_app, client_for):
    client = client_for("west")
    key = next(k for k in dash_app.callback_map if CARDS in k)
    for day in ("0001-01-01", "9999-12-31"):
        status, _ = post_callback(dash_app, client, key, {"today-filters.data": {"as_of": day}}, [])
        assert status == 400
    status, _ = post_callback(
        dash_app, client, key, {"today-filters.data": {"as_of": "2018-06-30"}}, []
    )
    assert status == 200


@pytest.mark.parametrize(
    "target",
    ["/\\evil.example/x", "/\\/evil.example", "/\t/evil.example", "/\n/evil.example",
     "//evil.example", "https://evil.example/", "/x\x7f", ["/"], None],
)  # fmt: skip
def test_no_path_that_a_browser_reads_as_another_host_is_kept(target):
    from dashboard.auth import safe_local_path

    assert safe_local_path(target) == "/"


def test_the_case_pages_back_link_stays_on_the_site(dash_app, client_for):
    from dashboard.auth import safe_local_path

    assert safe_local_path("/quality?area=West") == "/quality?area=West"
    client = client_for("west")
    client.get("/_dash-layout")
    _, body = _page(dash_app, client, "/case/W-OVERDUE", "?from=/%5Cevil.example")
    page = body.get_data(as_text=True)
    assert "evil.example" not in page and "Case W-OVERDUE" in page


def test_a_nul_character_in_any_callback_input_is_refused(dash_app, client_for):
    """PostgreSQL refuses to store a NUL (a follow-up note or a view's name with one failed
    with 500 there); no one types one, so the envelope refuses it for every callback."""
    from dashboard.appdb.models import SavedView
    from dashboard.audits import app_db

    client = client_for("west")
    client.get("/_dash-layout")
    key = next(k for k in dash_app.callback_map if "today-view-message.children" in k)
    values = {"today-view-save.n_clicks": 1, "today-view-default.value": False,
              "today-filters.data": {"area": "West"}}  # fmt: skip
    status, _ = post_callback(
        dash_app, client, key, {**values, "today-view-name.value": "a\x00b"},
        ["today-view-save.n_clicks"],
    )  # fmt: skip
    assert status == 400
    status, _ = post_callback(
        dash_app, client, key, {**values, "today-filters.data": {"area": "West\x00"},
                                "today-view-name.value": "ok"},
        ["today-view-save.n_clicks"],
    )  # fmt: skip
    assert status == 400
    with app_db().transaction() as s:
        assert s.query(SavedView).filter(SavedView.username == "west").count() == 0


def _key_triggered_by(dash_app, trigger: str) -> str:
    """The callback that ``trigger`` ("id.property") is an input of."""
    return next(
        key
        for key, cb in dash_app.callback_map.items()
        if "callback" in cb and any(f"{i['id']}.{i['property']}" == trigger for i in cb["inputs"])
    )


CRAFTED = [  # (user, trigger, values): session 24's second adversarial pass; each was a 500
    ("west", "case-as-of.date",
     {"case-as-of.date": None, "case-title.children": "Case W-OVERDUE"}),
    ("west-auditor", "today-actions-grid.getRowsRequest",
     {"today-actions-grid.getRowsRequest": {"startRow": 0, "endRow": 100},
      "today-filters.data": {}, "_pages_location.pathname": "/"}),
    ("ppu", "today-checks-grid.getRowsRequest",
     {"today-checks-grid.getRowsRequest": {"startRow": 0, "endRow": 100},
      "today-filters.data": {}, "_pages_location.pathname": "/"}),
    ("ppu", "pvp-action-close.n_clicks",
     {"pvp-action-close.n_clicks": 1, "pvp-action-close-id.value": 2**63,
      "pvp-month.value": "2018-06-01"}),
    ("west-auditor", "audits-save.n_clicks",
     {"audits-save.n_clicks": 1, "audits-state.data": {"id": 2**63, "version": 1}}),
    ("west-moderator", "audits-moderate.n_clicks",
     {"audits-moderate.n_clicks": 1, "audits-mod-grade.value": "good",
      "audits-state.data": {"id": 2**63, "version": 1}}),
    ("ppu", "audits-sample-draw.n_clicks",
     {"audits-sample-draw.n_clicks": 1, "audits-sample-month.value": "2018-06",
      "audits-sample-seed.value": [1]}),
    ("west-auditor", "audits-rationale.value",
     {"audits-grade.value": None, "audits-rationale.value": 5}),
]  # fmt: skip


@pytest.mark.parametrize(("user", "trigger", "values"), CRAFTED)
def test_a_crafted_input_gets_an_answer_or_a_400_never_a_server_error(
    dash_app, client_for, caplog, user, trigger, values
):
    key = _key_triggered_by(dash_app, trigger)
    with caplog.at_level("INFO"):
        status, response = post_callback(dash_app, client_for(user), key, values, [trigger])
    assert status in (200, 204, 400), response.get_data(as_text=True)[:300]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_client_side_callbacks_output_posted_to_the_server_is_refused(dash_app, client_for):
    """Dash failed on it with a KeyError (a 500): no server callback makes that output."""
    key = next(k for k, cb in dash_app.callback_map.items() if "callback" not in cb)
    status, _ = post_callback(dash_app, client_for("west"), key, {}, [])
    assert status == 400


def test_a_pack_is_made_only_for_a_month_of_the_data_and_once_per_month(
    dash_app, client_for, monkeypatch
):
    """An adversarial pass (session 24): any day of 1900 to 2199 was taken, and each day was
    a PDF render of its own: 328 crafted clicks queued 296 renders ahead of another user's
    pack. A month after the data showed made-up figures (cases waiting 66,353 days). Here
    the render is recorded instead of run: only which jobs start is looked at."""
    from dashboard import packjobs

    started = []
    monkeypatch.setattr(packjobs, "_submit", lambda _render, job: started.append(job))
    client = client_for("west")
    pdf = next(k for k in dash_app.callback_map if "pvp-download-pdf.data" in k)
    body = next(k for k in dash_app.callback_map if k == "pvp-body.children")
    for month in ("2030-06-01", "2018-07-01", "1900-01-01", "2018-03-31"):
        asked = {"pvp-pdf.n_clicks": 1, "pvp-month.value": month, "pvp-area.value": "West"}
        _, answer = call(dash_app, client, pdf, asked, "pvp-pdf.n_clicks")
        assert "the data does not cover it" in str(answer["response"]), month
        _, page = call(dash_app, client, body, asked, "pvp-month.value")
        assert "the data does not cover it" in str(page["response"]), month
    assert started == []
    # May's pack made or started by another test of this session would be found, not started.
    from dashboard.scope import Scope

    key = packjobs._key(Scope("west", "area", ("West",)), date(2018, 5, 1), ["West"])
    for ext in ("pdf", "json", "pending", "failed"):
        (packjobs.cache_dir() / f"{key}.{ext}").unlink(missing_ok=True)
    for day in ("2018-05-09", "2018-05-17", "2018-05-31"):
        asked = {"pvp-pdf.n_clicks": 1, "pvp-month.value": day, "pvp-area.value": "West"}
        call(dash_app, client, pdf, asked, "pvp-pdf.n_clicks")
    assert [job["month"] for job in started] == ["2018-05-01"]
    for job in started:  # leave no pending pack behind for the other tests
        (Path(job["folder"]) / f"{job['key']}.pending").unlink(missing_ok=True)
