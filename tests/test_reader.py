"""File-level parsing: encodings, line numbers, malformed rows, structural failures."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from etl.contract import Reason
from etl.load import LoadError, load
from etl.testing import write_extracts

HEADER = "incident_id,reported_at,area,incident_type,child_linked,children_present\n"


def write_incidents(folder, body: bytes | str, encoding="utf-8"):
    write_extracts(folder)
    data = body if isinstance(body, bytes) else body.encode(encoding)
    (folder / "incidents.csv").write_bytes(data)
    return folder


def test_utf8_bom_and_windows_1252(tmp_path, db, settings, query):
    bom = write_incidents(tmp_path / "bom", "\ufeff" + HEADER + "I1,2018-06-01 10:00,West,x,,\n")
    assert load(bom, db, settings).files[0].encoding == "utf-8-sig"
    cp = write_incidents(
        tmp_path / "cp",
        HEADER + "I2,2018-06-01 10:00,West,damage \u2013 \u00a3500,,\n",
        encoding="cp1252",
    )
    assert load(cp, db, settings).files[0].encoding == "windows-1252"
    assert query("SELECT incident_type FROM incidents WHERE incident_id = 'I2'") == [
        ("damage \u2013 \u00a3500",)
    ]


def test_a_bom_before_windows_1252_text_is_not_part_of_the_first_column(
    tmp_path, db, settings, query
):
    """A file with a UTF-8 BOM and one Windows-1252 byte (\\xe9): the BOM read as
    Windows-1252 became "ï»¿incident_id" and refused the whole load, naming the converted
    copy ("incidents.utf8.csv") the user never gave (an adversarial pass)."""
    body = b"\xef\xbb\xbf" + HEADER.encode() + b"I3,2018-06-01 10:00,West,caf\xe9,,\n"
    folder = write_incidents(tmp_path / "mixed", body)
    assert load(folder, db, settings).files[0].encoding == "windows-1252"
    assert query("SELECT incident_type FROM incidents WHERE incident_id = 'I3'") == [("caf\u00e9",)]
    broken = write_incidents(tmp_path / "broken", b"\xef\xbb\xbfid,reported_at\n\xe9,x\n")
    with pytest.raises(
        LoadError, match=r"^incidents\.csv: missing required column\(s\) incident_id"
    ):
        load(broken, db, settings)


def test_header_names_any_case_and_spacing(tmp_path, db, settings, query):
    header = " Incident_ID ,REPORTED_AT,Area,incident_type\n"  # optional columns absent
    folder = write_incidents(tmp_path / "x", header + "I1,2018-06-01 10:00,west,x\n")
    result = load(folder, db, settings)
    assert result.files[0].missing_optional == ("child_linked", "children_present")
    assert query("SELECT incident_id, area, child_linked FROM incidents") == [("I1", "West", None)]


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("2019-01-03 10:00", "2019-01-03 10:00:00"),
        ("2019-01-03T10:00:00", "2019-01-03 10:00:00"),
        ("2019-01-03 10:00:59", "2019-01-03 10:00:59"),
        ("03/01/2019 10:00", "2019-01-03 10:00:00"),
        ("3/1/2019 09:05:30", "2019-01-03 09:05:30"),
        ("2019-01-03T10:00Z", "2019-01-03 10:00:00"),
        ("2019-07-02T23:30:00Z", "2019-07-03 00:30:00"),
        ("2019-07-02 23:30+01:00", "2019-07-02 23:30:00"),
        ("2019-07-02 23:30:00+0000", "2019-07-03 00:30:00"),
        ("2019-01-03", "2019-01-03 00:00:00"),
    ],
)
def test_timestamp_formats(tmp_path, db, settings, query, text, local):
    folder = write_incidents(tmp_path / "x", HEADER + f"I1,{text},West,x,,\n")
    load(folder, db, settings)
    assert query("SELECT strftime(reported_at, '%Y-%m-%d %H:%M:%S') FROM incidents") == [(local,)]


@pytest.mark.parametrize(
    ("text", "value"),
    [("TRUE", True), ("yes", True), ("Y", True), ("1", True), ("False", False), ("NO", False),
     ("n", False), ("0", False), ("", None)],
)  # fmt: skip
def test_booleans(tmp_path, db, settings, query, text, value):
    folder = write_incidents(tmp_path / "x", HEADER + f"I1,2019-01-03 10:00,West,x,{text},\n")
    load(folder, db, settings)
    assert query("SELECT child_linked FROM incidents") == [(value,)]


def test_line_numbers_count_newlines_inside_quoted_values(tmp_path, db, settings, query):
    body = (
        HEADER
        + 'I1,2018-06-01 10:00,West,"two\nlines",,\n'
        + 'I2,2018-06-01 10:00,West,"three\r\nlines\nhere",,\n'
        + "I3,bad,West,x,,\n"
    )
    load(write_incidents(tmp_path / "x", body), db, settings)
    assert query("SELECT line, record_id FROM quarantine") == [(7, "I3")]


def test_rows_with_the_wrong_number_of_fields_are_quarantined_with_their_line(
    tmp_path, db, settings, query
):
    body = (
        HEADER
        + 'I1,2018-06-01 10:00,West,"note\nover two lines",,\n'
        + "I2,2018-06-01 10:00,West,x,,,extra\n"
        + "\n"
        + "I3,2018-06-01 10:00,West\n"
        + "I4,bad,West,x,,\n"
        + "I5,2018-06-01 10:00,West,x,,\n"
    )
    result = load(write_incidents(tmp_path / "x", body), db, settings)
    f = result.files[0]
    assert (f.rows_read, f.loaded, f.quarantined) == (5, 2, 3)
    got = query("SELECT line, reason, detail FROM quarantine ORDER BY line")
    assert [(g[0], g[1]) for g in got] == [
        (4, "malformed_row"),
        (6, "malformed_row"),
        (7, "bad_timestamp"),
    ]
    assert "expected 6 fields as in the header, found 7" in got[0][2]
    assert query("SELECT incident_id FROM incidents ORDER BY 1") == [("I1",), ("I5",)]


def test_every_reason_code_is_reachable(tmp_path, db, settings, query):
    write_extracts(
        tmp_path / "x",
        incidents=[
            {"incident_id": "I1", "reported_at": "bad"},
            {"incident_id": "I2", "children_present": "x"},
            {"incident_id": "I3", "children_present": "-1"},
            {"incident_id": "I4", "child_linked": "?"},
            {"incident_id": "I5", "area": ""},
            {"incident_id": "I6", "area": "Mars"},
            {"incident_id": "I7", "area": "East"},
            {"incident_id": "I7", "area": "West"},
            {"incident_id": "I8", "reported_at": "2099-01-01 10:00"},
        ],
        investigations=[{"investigation_id": "A", "closed_at": "2018-01-01"}],
        supervision=[
            {"review_id": "R1", "investigation_id": "A"},
            {"review_id": "R2", "investigation_id": "B"},
            {"review_id": "R4", "investigation_id": "A", "note": "x" * 1_048_577},
        ],
    )
    with (tmp_path / "x" / "incidents.csv").open("a") as fh:
        fh.write("I9,too,few\n")
    write_extracts(tmp_path / "y", investigations=[{"investigation_id": "B"}])
    write_extracts(
        tmp_path / "z",
        supervision=[{"review_id": "R3", "investigation_id": "B", "reviewed_at": "2018-05-01"}],
    )
    for folder in ("x", "y", "z"):
        load(tmp_path / folder, db, settings)
    assert {r[0] for r in query("SELECT DISTINCT reason FROM quarantine")} == {
        r.value for r in Reason
    }


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("missing_file", "supervision.csv: missing file"),
        ("missing_column", "investigations.csv: missing required column(s) team_type"),
        ("unreadable", "incidents.csv: unreadable file: neither UTF-8 nor Windows-1252"),
        ("empty", "incidents.csv: the file is empty"),
        ("duplicate_column", "incidents.csv: column 'area' appears twice"),
    ],
)
def test_a_structural_problem_fails_the_load_and_leaves_the_warehouse_as_it_was(
    tmp_path, db, settings, breakage, message
):
    load(write_extracts(tmp_path / "good", incidents=[{"incident_id": "I1"}]), db, settings)
    before = digest(db)
    bad = write_extracts(tmp_path / "bad", incidents=[{"incident_id": "I2"}])
    if breakage == "missing_file":
        (bad / "supervision.csv").unlink()
    elif breakage == "missing_column":
        text = (bad / "investigations.csv").read_text().replace("team_type", "teamtype")
        (bad / "investigations.csv").write_text(text)
    elif breakage == "unreadable":
        (bad / "incidents.csv").write_bytes(HEADER.encode() + b"I3,\x81\x8d\x90,West,x,,\n")
    elif breakage == "empty":
        (bad / "incidents.csv").write_bytes(b"")
    elif breakage == "duplicate_column":
        (bad / "incidents.csv").write_text(HEADER.replace("area", "area,area"))
    with pytest.raises(LoadError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(bad, db, settings)
    assert digest(db) == before
    assert not db.with_name(db.name + ".building").exists()


def test_cli_failure_exits_non_zero_names_the_file_and_keeps_stdout_clean(tmp_path, db):
    bad = write_extracts(tmp_path / "bad")
    (bad / "incidents.csv").unlink()
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(bad), "--db", str(db)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "incidents.csv: missing file" in proc.stderr
    assert "warehouse unchanged" in proc.stderr
    assert proc.stdout == ""
    assert not db.exists()


@pytest.mark.parametrize("extra", ["rowid", "_line", "_rec", "_extra_1"])
def test_an_extra_column_named_as_the_readers_own_is_ignored_like_any_other(
    tmp_path, db, settings, query, extra
):
    """An adversarial pass (session 24): a source system's own ``rowid`` column took the place
    of DuckDB's row number, the loader's record number. Equal values crashed the load (row
    accounting), text ones crashed it (int()), and of two rows with one id the earlier was
    kept. ``_line`` with a blank line (the csv-module path) refused a valid file. Both paths."""
    for blank_line in ("", "\n"):
        body = (
            HEADER.rstrip("\n") + f",{extra}\n"
            + "I1,2018-06-01 10:00,West,first,,,2\n" + blank_line
            + "I1,2018-06-01 11:00,West,second (later line),,,1\n"
            + "I2,not a date,West,x,,,abc\n"
            + "I3,2018-06-01 10:00,West,x,,,abc\n"
        )  # fmt: skip
        folder = write_incidents(tmp_path / f"{extra}{len(blank_line)}", body)
        result = load(folder, db, settings).files[0]
        assert (result.rows_read, result.loaded, result.quarantined) == (4, 2, 2)
        assert query("SELECT incident_id, incident_type FROM incidents ORDER BY 1") == [
            ("I1", "second (later line)"),
            ("I3", "x"),
        ]
        assert query(
            "SELECT line, record_id, reason FROM quarantine WHERE load_id = "
            "(SELECT max(load_id) FROM load_log) ORDER BY line"
        ) == [
            (2, "I1", Reason.DUPLICATE_ID.value),
            (4 + len(blank_line), "I2", Reason.BAD_TIMESTAMP.value),
        ]


def test_a_quoted_value_never_closed_sets_its_line_aside_and_the_rest_is_read(
    tmp_path, db, settings, query
):
    """An adversarial pass (session 24): a value opened by a stray quote and never closed took
    every later line of the file in as one value; those records were neither loaded nor
    quarantined, and the load said nothing. A quoted value with a newline inside before it
    still reads as one; no newline at the end of the file. (Two stray quotes close each other:
    what lies between is one value, and its record is set aside for its width.)"""
    body = (
        HEADER
        + "I1,2018-06-01 10:00,West,x,,\n"
        + 'I2,2018-06-01 10:00,West,"two\nlines",,\n'
        + 'I3,2018-06-01 10:00,West,"Seen,,\n'
        + "I4,2018-06-01 10:00,West,x,,\n"
        + "I5,2018-06-01 10:00,West,x,,"
    )
    result = load(write_incidents(tmp_path / "x", body), db, settings).files[0]
    assert (result.rows_read, result.loaded, result.quarantined) == (5, 4, 1)
    assert query("SELECT incident_id, incident_type FROM incidents ORDER BY 1") == [
        ("I1", "x"),
        ("I2", "two\nlines"),
        ("I4", "x"),
        ("I5", "x"),
    ]
    ((line, record_id, reason, detail, raw),) = query(
        "SELECT line, record_id, reason, detail, raw FROM quarantine"
    )
    assert (line, record_id, reason) == (5, "I3", Reason.MALFORMED_ROW.value)
    assert "never closed" in detail
    assert "I4" not in raw


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_extract_is_refused_saying_how_it_was_saved(tmp_path, db, settings, encoding):
    """An adversarial pass (session 24): UTF-16 (Excel's "Unicode Text") was read as
    Windows-1252 and refused as missing every required column. With a byte-order mark or
    without, the message now says what to save it as; nothing is written."""
    folder = write_incidents(
        tmp_path / encoding, HEADER + "I1,2018-06-01 10:00,West,x,,\n", encoding=encoding
    )
    with pytest.raises(LoadError, match=r'^incidents\.csv: saved as UTF-16 .*"CSV UTF-8"'):
        load(folder, db, settings)
    assert not db.exists()


def test_an_area_named_with_an_apostrophe_loads_and_is_named_in_messages(tmp_path, db, query):
    """An adversarial pass (session 24): "King's Lynn" in the areas setting ended every load in
    a DuckDB parser error: the allowed values were pasted into a SQL string unquoted."""
    from etl.settings import Settings

    settings = Settings(areas=["West", "King's Lynn"])
    body = HEADER + "I1,2018-06-01 10:00,king's lynn,x,,\nI2,2018-06-01 10:00,Nowhere,x,,\n"
    result = load(write_incidents(tmp_path / "x", body), db, settings).files[0]
    assert (result.loaded, result.quarantined) == (1, 1)
    assert query("SELECT area FROM incidents") == [("King's Lynn",)]
    assert query("SELECT detail FROM quarantine") == [
        ("area 'Nowhere' is not one of West, King's Lynn",)
    ]
