"""Extracts from Parquet, an Excel workbook, and a real PostgreSQL server: the same validation,
quarantine and merge as CSV."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import read as q
from sqlalchemy import create_engine, text

from etl.contract import ALL_EXTRACTS, EXTRACTS, MISSING
from etl.load import LoadError
from etl.sources import load_source
from etl.testing import write_extracts

ROWS = {
    "incidents": [{"incident_id": "I1", "child_linked": "yes"}],
    "investigations": [
        {"investigation_id": "A", "incident_id": "I1"},
        {"investigation_id": "B", "team_type": "PPU"},
    ],
    "supervision": [
        {"review_id": "R1", "investigation_id": "A"},
        {"review_id": "R2", "investigation_id": "B"},
    ],
}


def parquet_folder(tmp_path: Path, rows: dict, extracts=EXTRACTS) -> Path:
    """A folder of Parquet extracts (text columns) holding ``rows``, one file per extract; the
    same rows as CSV files are left in ``tmp_path / "csv"``."""
    csvs = write_extracts(tmp_path / "csv", **rows)
    folder = tmp_path / "pq"
    folder.mkdir()
    con = duckdb.connect()
    for ex in extracts:
        con.execute(
            f"COPY (SELECT * FROM read_csv('{csvs / ex.file}', all_varchar=true)) "
            f"TO '{folder / ex.name}.parquet' (FORMAT parquet)"
        )
    con.close()
    return folder


def test_parquet_extracts(tmp_path, db, settings):
    result = load_source(str(parquet_folder(tmp_path, ROWS)), db, settings)
    assert [f.file for f in result.files] == [f"{ex.name}.parquet" for ex in EXTRACTS]
    assert q(db, "SELECT investigation_id FROM investigations") == [("A",)]
    assert q(db, "SELECT source, line, record_id, reason FROM quarantine ORDER BY 1") == [
        ("investigations.parquet", 3, "B", "unknown_enum"),
        ("supervision.parquet", 3, "R2", "unknown_investigation"),
    ]


def test_excel_workbook(tmp_path, db, settings):
    csvs = write_extracts(tmp_path / "csv", **ROWS)
    book = tmp_path / "extract.xlsx"
    with pd.ExcelWriter(book) as xl:
        for ex in EXTRACTS:
            frame = pd.read_csv(csvs / ex.file, dtype=str)
            if ex.name == "investigations":  # a real Excel date, not text
                frame["opened_at"] = pd.to_datetime(frame["opened_at"])
            frame.to_excel(xl, sheet_name=ex.name.title(), index=False)
    result = load_source(str(book), db, settings)
    assert result.files[1].file == "extract.xlsx:investigations"
    assert q(db, "SELECT strftime(opened_at, '%Y-%m-%d %H:%M') FROM investigations") == [
        ("2018-06-01 10:00",)
    ]
    assert q(db, "SELECT source, line FROM quarantine WHERE record_id = 'B'") == [
        ("extract.xlsx:investigations", 3)
    ]
    broken = tmp_path / "two-sheets.xlsx"
    with pd.ExcelWriter(broken) as xl:
        pd.DataFrame({"incident_id": ["x"]}).to_excel(xl, sheet_name="incidents")
    with pytest.raises(LoadError, match="missing sheet investigations"):
        load_source(str(broken), db, settings)


def test_a_sheet_naming_a_column_twice_is_refused_as_a_csv_is(tmp_path, db, settings):
    """An adversarial pass (session 24): pandas renamed the second "area" to "area.1", which
    was then ignored as an extra column; the case loaded in the first area without a word,
    while the same CSV is refused. The area decides who may see a case."""
    csvs = write_extracts(tmp_path / "csv", **ROWS)
    book = tmp_path / "extract.xlsx"
    with pd.ExcelWriter(book) as xl:
        for ex in EXTRACTS:
            frame = pd.read_csv(csvs / ex.file, dtype=str)
            if ex.name == "investigations":
                frame.insert(len(frame.columns), "Area ", "East", allow_duplicates=True)
            frame.to_excel(xl, sheet_name=ex.name, index=False)
    with pytest.raises(
        LoadError, match=r"^extract\.xlsx:investigations: column 'area' appears twice in the header"
    ):
        load_source(str(book), db, settings)
    assert not db.exists()


# --- PostgreSQL ------------------------------------------------------------------------------

MAPPING = """
[incidents]
table = "incident_log"
watermark = "updated_at"
[incidents.columns]
incident_id = "ref"
reported_at = "reported"

[investigations]
query = "SELECT * FROM cases WHERE deleted = false"
watermark = "updated_at"
[investigations.columns]
investigation_id = "case_ref"

[supervision]
table = "case_reviews"
watermark = "id"
"""


@pytest.fixture
def source_db(postgres, tmp_path):
    engine = create_engine(postgres)
    with engine.begin() as c:
        for t in ("incident_log", "cases", "case_reviews"):
            c.execute(text(f"DROP TABLE IF EXISTS {t}"))
        c.execute(
            text(
                "CREATE TABLE incident_log (ref text, reported timestamptz, area text, "
                "incident_type text, child_linked boolean, children_present int, "
                "updated_at timestamptz)"
            )
        )
        c.execute(
            text(
                "CREATE TABLE cases (case_ref text, incident_id text, opened_at timestamp, "
                "closed_at timestamp, area text, team text, team_type text, officer_id text, "
                "offence text, victim_age int, suspect_age int, child_protection_concern boolean, "
                "deleted boolean default false, updated_at timestamptz)"
            )
        )
        c.execute(
            text(
                "CREATE TABLE case_reviews (id serial, review_id text, investigation_id text, "
                "reviewed_at timestamptz, reviewer_id text, reviewer_rank text, review_type text, "
                "actions_set int, note text)"
            )
        )
        c.execute(
            text(
                "INSERT INTO incident_log VALUES ('I1', '2018-07-02 23:30+00', 'West', 'domestic', "
                "true, 2, '2018-07-03 08:00+01')"
            )
        )
        c.execute(
            text(
                "INSERT INTO cases (case_ref, incident_id, opened_at, area, team, team_type, "
                "officer_id, victim_age, updated_at) VALUES "
                "('A', 'I1', '2018-07-01 10:00', 'West', 'West CP', 'child_protection', 'DC1', 9, "
                " '2018-07-01 10:00+01'), "
                "('B', NULL, '2018-07-01 10:00', 'Mars', 'X', 'response', 'PC1', 30, "
                " '2018-07-01 10:00+01')"
            )
        )
        c.execute(
            text(
                "INSERT INTO case_reviews (review_id, investigation_id, reviewed_at, reviewer_id, "
                "reviewer_rank, actions_set, note) VALUES "
                "('R1', 'A', '2018-07-05 09:00+01', 'DS1', 'DS', 2, 'Plan agreed.')"
            )
        )
    engine.dispose()
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING)
    return postgres, mapping


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_postgres_full_then_incremental_pull(source_db, db, settings):
    url, mapping = source_db
    first = load_source(url, db, settings, mapping=mapping)
    assert [(f.file, f.rows_read, f.loaded, f.quarantined) for f in first.files] == [
        ("postgresql:incidents", 1, 1, 0),
        ("postgresql:investigations", 2, 1, 1),
        ("postgresql:supervision", 1, 1, 0),
    ]
    # 23:30Z on 2 July is 00:30 on 3 July in Lancashire.
    assert q(db, "SELECT strftime(reported_at, '%d/%m %H:%M') FROM incidents") == [("03/07 00:30",)]
    assert q(db, "SELECT source, reason FROM quarantine") == [
        ("postgresql:investigations", "unknown_enum")
    ]
    assert "@127.0.0.1" in q(db, "SELECT DISTINCT source FROM load_log")[0][0]

    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("UPDATE cases SET closed_at = '2018-07-20 12:00', "
                       "updated_at = '2018-07-20 12:00+01' WHERE case_ref = 'A'"))  # fmt: skip
        c.execute(
            text(
                "INSERT INTO case_reviews (review_id, investigation_id, reviewed_at, reviewer_id, "
                "reviewer_rank, actions_set, note) VALUES "
                "('R2', 'A', '2018-07-15 09:00+01', 'DS1', 'DS', 1, 'Reviewed again.')"
            )
        )
    engine.dispose()
    second = load_source(url, db, settings, mapping=mapping)
    # Only what changed since the last pull is read.
    assert [(f.rows_read, f.inserted, f.updated) for f in second.files] == [
        (0, 0, 0),
        (1, 0, 1),
        (1, 1, 0),
    ]
    assert q(db, "SELECT closed_at IS NOT NULL FROM investigations") == [(True,)]
    assert q(db, "SELECT count(*) FROM supervision") == [(2,)]
    marks = dict(q(db, "SELECT extract, value FROM source_watermarks"))
    assert marks["supervision"] == "2" and marks["investigations"].startswith("2018-07-20")


def test_a_failed_pull_leaves_warehouse_and_watermark_unchanged(source_db, db, settings):
    url, mapping = source_db
    load_source(url, db, settings, mapping=mapping)
    before = digest(db)
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO case_reviews (review_id, investigation_id, reviewed_at, "
                "reviewer_id, reviewer_rank) VALUES ('R9', 'A', now(), 'DS1', 'DS')"
            )
        )
        c.execute(text("ALTER TABLE incident_log RENAME COLUMN reported TO reported_when"))
    engine.dispose()
    with pytest.raises(LoadError, match="reported"):
        load_source(url, db, settings, mapping=mapping)
    assert digest(db) == before  # and so the watermark: R9 will be pulled next time
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("ALTER TABLE incident_log RENAME COLUMN reported_when TO reported"))
    engine.dispose()
    again = load_source(url, db, settings, mapping=mapping)
    assert again.files[2].inserted == 1


def test_a_watermark_column_with_no_values_leaves_the_watermark_unset(source_db, db, settings):
    """An adversarial pass (session 17): every pulled row's watermark NULL stored "NaT" (or
    "nan") as the watermark, and every later pull asked for rows after it: an error on
    PostgreSQL, nothing ever again on SQLite."""
    url, mapping = source_db
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("UPDATE incident_log SET updated_at = NULL"))
    load_source(url, db, settings, mapping=mapping)
    assert "incidents" not in dict(q(db, "SELECT extract, value FROM source_watermarks"))
    with engine.begin() as c:
        c.execute(text("UPDATE incident_log SET updated_at = '2018-07-21 10:00+00'"))
    engine.dispose()
    load_source(url, db, settings, mapping=mapping)  # pulls every incident again, then marks
    marks = dict(q(db, "SELECT extract, value FROM source_watermarks"))
    assert marks["incidents"].startswith("2018-07-21")


def test_a_mapping_naming_a_missing_column_is_a_clear_error(source_db, db, settings, tmp_path):
    url, _ = source_db
    bad = tmp_path / "bad.toml"
    bad.write_text(MAPPING.replace('reported_at = "reported"', 'reported_at = "reported_on"'))
    with pytest.raises(LoadError) as err:
        load_source(url, db, settings, mapping=bad)
    message = str(err.value)
    assert "bad.toml" in message and "reported_at" in message and "'reported_on'" in message
    assert not db.exists()


def test_no_password_on_the_command_line(tmp_path, db, settings, source_db):
    _, mapping = source_db
    with pytest.raises(LoadError, match="no password in the URL"):
        load_source("postgresql+psycopg://u:secret@127.0.0.1:1/x", db, settings, mapping=mapping)


def test_the_optional_extracts_come_from_parquet_and_workbooks_too(tmp_path, db, settings):
    """custody and missing (issue 17): read when there, validated and quarantined alike."""
    rows = {**ROWS, "custody": [{"custody_id": "K1"}, {"custody_id": "K2", "area": "Mars"}],
            "missing": [{"episode_id": "M1"}]}  # fmt: skip
    result = load_source(str(parquet_folder(tmp_path, rows, ALL_EXTRACTS)), db, settings)
    csvs = tmp_path / "csv"  # the same rows as CSV, written by parquet_folder
    assert [f.file for f in result.files][-2:] == ["custody.parquet", "missing.parquet"]
    assert q(db, "SELECT custody_id FROM custody") == [("K1",)]
    assert ("custody.parquet", 3, "K2", "unknown_enum") in q(
        db, "SELECT source, line, record_id, reason FROM quarantine"
    )
    book = tmp_path / "extract.xlsx"
    with pd.ExcelWriter(book) as xl:
        for ex in (*EXTRACTS, MISSING):  # no custody sheet: not supplied, kept as it was
            pd.read_csv(csvs / ex.file, dtype=str).to_excel(xl, sheet_name=ex.name, index=False)
    result = load_source(str(book), db, settings)
    assert [f.file for f in result.files][-1] == "extract.xlsx:missing"
    assert q(db, "SELECT custody_id FROM custody") == [("K1",)]
