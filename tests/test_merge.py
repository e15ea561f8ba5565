"""Loads merge: updates by id, history grows, reloads change nothing, swaps are atomic."""

from __future__ import annotations

import hashlib
import threading
from datetime import date

import duckdb

from etl.flags import flags
from etl.load import LoadError, load, warehouse_lock
from etl.testing import write_extracts

TABLES = ("incidents", "investigations", "supervision", "quarantine")  # by value


def snapshot(query) -> dict[str, list]:
    # quarantine.load_id is "last rejected by": a reload updates it by design.
    return {t: sorted(map(repr, query(f"SELECT * EXCLUDE (load_id) FROM {t}"))) for t in TABLES} | {
        "record_load_ids": query("SELECT load_id FROM investigations")
    }


def test_reloading_the_same_extracts_changes_nothing(tmp_path, db, settings, query):
    folder = write_extracts(
        tmp_path / "x",
        incidents=[{"incident_id": "I1", "child_linked": "y"}, {"incident_id": "BAD", "area": ""}],
        investigations=[{"investigation_id": "A", "incident_id": "I1"}],
        supervision=[{"review_id": "R1", "investigation_id": "A"}],
    )
    load(folder, db, settings)
    before = snapshot(query)
    result = load(folder, db, settings)
    assert snapshot(query) == before
    assert [(f.inserted, f.updated, f.unchanged) for f in result.files] == [
        (0, 0, 1),
        (0, 0, 1),
        (0, 0, 1),
    ]
    assert query("SELECT count(DISTINCT load_id) FROM load_log") == [(2,)]


def test_a_delta_closes_a_case_and_adds_reviews(load_rows, db, settings, query):
    load_rows(
        investigations=[{"investigation_id": "A", "victim_age": "8"}],
        supervision=[{"review_id": "R1", "investigation_id": "A", "reviewer_rank": "PC"}],
    )
    result = load_rows(
        investigations=[
            {"investigation_id": "A", "victim_age": "8", "closed_at": "2018-06-20 12:00"}
        ],
        supervision=[{"review_id": "R2", "investigation_id": "A", "reviewed_at": "2018-06-10"}],
    )
    assert (result.files[1].updated, result.files[2].inserted) == (1, 1)
    assert query("SELECT closed_at IS NOT NULL FROM investigations") == [(True,)]
    assert query("SELECT review_id FROM supervision ORDER BY 1") == [("R1",), ("R2",)]
    con = duckdb.connect(str(db), read_only=True)
    assert flags(con, settings, date(2018, 6, 21)).empty
    assert len(flags(con, settings, date(2018, 6, 19))) == 1  # history replays
    con.close()


def test_notes_are_stored_uncompressed_and_read_back_whole(load_rows, query):
    """Free text skips DuckDB's compression (etl/warehouse.py, _stored): in a first load and in
    a delta's merge; an id column is still compressed, and each note reads back as sent."""
    notes = {f"R{i}": "Seen." if i % 2 else f"Risk reviewed; plan {i} updated  " for i in range(40)}
    entries = [{"review_id": r, "investigation_id": "A", "note": n} for r, n in notes.items()]
    load_rows(investigations=[{"investigation_id": "A"}], supervision=entries[:20])
    load_rows(investigations=[{"investigation_id": "A"}], supervision=entries)

    def compression(column: str) -> set[str]:
        return {row[0] for row in query(
            "SELECT compression FROM pragma_storage_info('supervision') "
            "WHERE column_name = ? AND segment_type = 'VARCHAR'", [column])}  # fmt: skip

    assert compression("note") == {"Uncompressed"}
    assert compression("review_id") != {"Uncompressed"}
    stored = dict(query("SELECT review_id, note FROM supervision"))
    assert stored == {r: n.strip() for r, n in notes.items()}  # validate.py trims each value


def test_a_case_can_change_team_type(load_rows, query):
    load_rows(investigations=[{"investigation_id": "A", "team_type": "response"}])
    load_rows(investigations=[{"investigation_id": "A", "team_type": "cse"}])
    assert query("SELECT team_type, load_id FROM investigations") == [("cse", 2)]


def test_a_late_incident_makes_its_case_child_related(load_rows, db, settings):
    load_rows(investigations=[{"investigation_id": "A", "incident_id": "I9"}])
    con = duckdb.connect(str(db), read_only=True)
    assert flags(con, settings, date(2018, 6, 5)).empty
    con.close()
    load_rows(incidents=[{"incident_id": "I9", "child_linked": "Yes"}])
    con = duckdb.connect(str(db), read_only=True)
    got = flags(con, settings, date(2018, 6, 5))
    con.close()
    assert set(zip(got["flag"], got["reasons"], strict=True)) == {
        ("child_related", "child_marker"),
        ("response_unsupervised", "child_marker"),
    }


def test_a_reader_of_the_old_file_keeps_working_through_a_swap(load_rows, db, query):
    load_rows(incidents=[{"incident_id": "I1"}])
    reader = duckdb.connect(str(db), read_only=True)
    load_rows(incidents=[{"incident_id": "I2"}])
    assert reader.execute("SELECT count(*) FROM incidents").fetchall() == [(1,)]
    reader.close()
    assert query("SELECT count(*) FROM incidents") == [(2,)]


def test_a_second_concurrent_load_is_refused(tmp_path, db, settings):
    folder = write_extracts(tmp_path / "x")
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with warehouse_lock(db):
            entered.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    entered.wait(10)
    try:
        try:
            load(folder, db, settings)
            raised = None
        except LoadError as exc:
            raised = str(exc)
    finally:
        release.set()
        t.join()
    assert raised is not None and "another load" in raised
    assert not db.exists()


def test_a_failure_mid_build_leaves_the_warehouse_unchanged(tmp_path, db, settings, monkeypatch):
    load(write_extracts(tmp_path / "a", incidents=[{"incident_id": "I1"}]), db, settings)
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    import etl.load as loader

    def boom(con):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "create_marts", boom)
    try:
        load(write_extracts(tmp_path / "b", incidents=[{"incident_id": "I2"}]), db, settings)
    except RuntimeError as exc:
        assert "disk full" in str(exc)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not db.with_name(db.name + ".building").exists()
