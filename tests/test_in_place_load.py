"""A load on top of a warehouse this code made starts from a copy of the live file and changes
its large tables where they are (etl/build.py; the tables: etl/load.py IN_PLACE). It must give
what a build into an empty file gives, leave the live file as it was when it fails, and make
again, as in an empty file, a table defined otherwise (by older code)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import etl.build
import etl.load
import etl.warehouse
from etl.build import swap_in
from etl.load import IN_PLACE, LoadError, leftovers, load
from etl.settings import Settings
from etl.warehouse import MAX_DEAD_SHARE

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "small"
# Set by each load; the rest of a load-log row must be the same.
WHEN = "started_at, finished_at"


def _rows(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted (the load log without its clock times)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {
            name: sorted(
                con.execute(
                    f"SELECT * EXCLUDE ({WHEN}) FROM load_log"
                    if name == "load_log"
                    else f'SELECT * FROM "{name}"'
                ).fetchall(),
                key=repr,
            )
            for name in names
        }
    finally:
        con.close()


def _load_three_times(db: Path) -> list[str]:
    """The sample, its next day (no bad rows), and the first extract again (its bad rows
    rejected again, the next day's changes undone): what the loads said."""
    said: list[str] = []
    for source in (SAMPLE, SAMPLE / "delta", SAMPLE):
        load(source, db, Settings(), progress=said.append)
    return said


def test_loads_in_place_give_what_builds_in_an_empty_file_give(tmp_path, monkeypatch):
    in_place = tmp_path / "in_place.duckdb"
    said = _load_three_times(in_place)
    assert said.count(f"changing {len(IN_PLACE)} table(s) of the previous warehouse in place") == 2

    monkeypatch.setattr(etl.build, "_can_start_from", lambda _db: False)
    empty = tmp_path / "empty.duckdb"
    said = _load_three_times(empty)
    assert not [m for m in said if m.startswith("changing")]

    here, there = _rows(in_place), _rows(empty)
    assert sorted(here) == sorted(there)
    different = [name for name in here if here[name] != there[name]]
    assert different == []
    assert len(here["supervision"]) > 4_000 and len(here["load_log"]) > 3  # a real sample
    con = duckdb.connect(str(in_place), read_only=True)
    latest = con.execute("SELECT DISTINCT load_id FROM quarantine").fetchall()
    con.close()
    assert latest == [(3,)]  # every bad row rejected again: its latest load changed in place


# The last steps, run side by side (etl/load.py _side_by_side): a failure in either thread.
@pytest.mark.parametrize("step", ["check_days", "child_cases_now"])
def test_a_load_in_place_that_fails_leaves_the_live_warehouse_as_it_was(
    tmp_path, monkeypatch, step
):
    db = tmp_path / "w.duckdb"
    load(SAMPLE, db, Settings())
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    def fail(*_args, **_kwargs):  # the last step: every kept table has been changed by then
        raise RuntimeError("the checks step failed")

    monkeypatch.setattr(getattr(etl.load, step), "build", fail)
    with pytest.raises(RuntimeError, match="the checks step failed"):
        load(SAMPLE / "delta", db, Settings())
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not any(path.exists() for path in leftovers(db))
    monkeypatch.undo()
    said: list[str] = []
    load(SAMPLE / "delta", db, Settings(), progress=said.append)  # and the next load works
    assert any(m.startswith("changing") for m in said)


def test_a_failing_warehouse_check_refuses_the_load_and_leaves_the_live_file(tmp_path, monkeypatch):
    """The warehouse checks run beside the last steps (etl/load.py _side_by_side): a check
    that finds rows still stops the load, names the check, and the live file is as it was."""
    db = tmp_path / "w.duckdb"
    load(SAMPLE, db, Settings())
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    checks = tmp_path / "checks"
    shutil.copytree(etl.warehouse.CHECKS_DIR, checks)
    (checks / "fails_on_every_case.sql").write_text(
        "SELECT investigation_id FROM investigations WHERE investigation_id IS NOT NULL"
    )
    monkeypatch.setattr(etl.warehouse, "CHECKS_DIR", checks)
    with pytest.raises(RuntimeError, match=r"warehouse checks failed.*fails_on_every_case"):
        load(SAMPLE / "delta", db, Settings())
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not any(path.exists() for path in leftovers(db))


def test_a_table_defined_by_older_code_is_made_again_not_kept(tmp_path):
    """A warehouse whose custody table lacks a column added since (older code): the load on
    top makes that table again from the previous one and keeps the others in place."""
    db = tmp_path / "w.duckdb"
    load(SAMPLE, db, Settings())
    con = duckdb.connect(str(db))
    custody = con.execute("SELECT count(*) FROM custody").fetchall()[0][0]
    con.execute("ALTER TABLE custody DROP COLUMN certificate_rationale")
    con.close()
    said: list[str] = []
    load(SAMPLE / "delta", db, Settings(), progress=said.append)
    assert f"changing {len(IN_PLACE) - 1} table(s) of the previous warehouse in place" in said
    con = duckdb.connect(str(db), read_only=True)
    columns = [r[0] for r in con.execute("DESCRIBE custody").fetchall()]
    assert "certificate_rationale" in columns
    assert con.execute("SELECT count(*) FROM custody").fetchall()[0][0] >= custody > 0
    con.close()


def test_a_table_with_many_deleted_rows_is_copied_not_kept(tmp_path):
    """Rows deleted in place stay stored until DuckDB can merge their row groups: past
    MAX_DEAD_SHARE of a table the next load copies it, which leaves none."""
    db = tmp_path / "w.duckdb"
    load(SAMPLE, db, Settings())
    con = duckdb.connect(str(db))
    entries = con.execute("SELECT count(*) FROM supervision").fetchall()[0][0]
    # The same rows deleted and put back: the data unchanged, a fifth of the table dead.
    con.execute(
        "CREATE TEMP TABLE fifth AS SELECT * FROM supervision WHERE hash(review_id) % 5 = 0; "
        "DELETE FROM supervision WHERE review_id IN (SELECT review_id FROM fifth); "
        "INSERT INTO supervision SELECT * FROM fifth; CHECKPOINT"
    )
    dead = "SELECT estimated_size - (SELECT count(*) FROM supervision) FROM duckdb_tables() "
    dead += "WHERE table_name = 'supervision'"
    assert con.execute(dead).fetchall()[0][0] > MAX_DEAD_SHARE * entries
    con.close()
    said: list[str] = []
    load(SAMPLE / "delta", db, Settings(), progress=said.append)
    assert f"changing {len(IN_PLACE) - 1} table(s) of the previous warehouse in place" in said
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(dead).fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM supervision").fetchall()[0][0] >= entries
    con.close()


def _live(db: Path, extra: str = "") -> None:
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE kept (x INTEGER); INSERT INTO kept VALUES (1), (2)")
    con.execute("CREATE TABLE remade (x INTEGER); CREATE VIEW v AS SELECT 1")
    if extra:
        con.execute(extra)
    con.close()


def _start(db: Path) -> tuple[frozenset[str], list[str]]:
    """What a build on top of ``db`` keeps, and the tables and views it starts with."""
    seen: dict = {}

    def build(con, _work, kept):
        seen["kept"] = kept
        seen["names"] = sorted(
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() UNION ALL "
                "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        )

    swap_in(db, build, keep=lambda _con: frozenset({"kept"}))
    return seen["kept"], seen["names"]


def test_the_copy_keeps_only_the_tables_named_and_drops_every_view(tmp_path):
    db = tmp_path / "w.duckdb"
    _live(db)
    assert _start(db) == (frozenset({"kept"}), ["kept"])


def test_a_live_file_holding_more_than_tables_and_views_is_not_copied(tmp_path):
    """Something none of our loaders makes (a macro) would live on in a copy: the build then
    starts empty, as before."""
    db = tmp_path / "w.duckdb"
    _live(db, "CREATE MACRO twice(x) AS x * 2")
    assert _start(db) == (frozenset(), [])


# What the load made only after it kept versions.
LATER_TABLES = (
    "investigation_versions", "entry_arrivals", "entry_assessment", "entry_assessment_build",
    "entry_readings", "entry_readings_build", "flag_spans", "flag_spans_build", "check_spans",
    "check_spans_build", "last_entry_spans", "last_entry_spans_build", "child_cases_now",
    "child_cases_now_build",
)  # fmt: skip


def test_a_warehouse_from_before_versions_gets_every_case_its_days(tmp_path):
    """A warehouse made before versions were kept: its investigations become the first
    versions (with no days yet), and the load on top works out the days of every case, not only
    of those it changes (history.record_versions)."""
    versions = "SELECT investigation_id, version, valid_from, valid_to FROM investigation_versions"
    kept, old = tmp_path / "kept.duckdb", tmp_path / "old.duckdb"
    for db in (kept, old):
        load(SAMPLE, db, Settings())
    con = duckdb.connect(str(old))
    for table in LATER_TABLES:
        con.execute(f"DROP TABLE {table}")
    con.close()
    for db in (kept, old):
        load(SAMPLE / "delta", db, Settings())
    rows = {}
    for db in (kept, old):
        con = duckdb.connect(str(db), read_only=True)
        rows[db] = sorted(con.execute(versions).fetchall(), key=repr)
        con.close()
    assert rows[old] == rows[kept]
    assert {r[1] for r in rows[old]} == {1, 2}  # the delta changed some cases
    assert all(r[2] is not None for r in rows[old])


def _stray_wal(db: Path) -> None:
    """A read-write session that changes the warehouse and dies before its checkpoint: its
    WAL stays beside the live file."""
    code = (
        "import duckdb, os\n"
        f"con = duckdb.connect({str(db)!r})\n"
        'con.execute("PRAGMA disable_checkpoint_on_shutdown")\n'
        "con.execute(\"SET checkpoint_threshold = '1TB'\")\n"
        "con.execute(\"UPDATE investigations SET team = 'Written by hand'"
        ' WHERE investigation_id = (SELECT min(investigation_id) FROM investigations)")\n'
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_wal_holding_changes_beside_the_live_file_is_refused_and_left(tmp_path):
    """An adversarial pass (session 19): the load built on the file without the WAL's changes,
    and the old WAL beside the new file made the warehouse unopenable."""
    db = tmp_path / "w.duckdb"
    wal = tmp_path / "w.duckdb.wal"
    load(SAMPLE, db, Settings())
    _stray_wal(db)
    before = {path: path.read_bytes() for path in (db, wal)}
    assert before[wal]
    with pytest.raises(LoadError, match="holds changes not yet written"):
        load(SAMPLE / "delta", db, Settings())
    assert {path: path.read_bytes() for path in (db, wal)} == before
    duckdb.connect(str(db)).close()  # written in, as the message says
    said: list[str] = []
    load(SAMPLE / "delta", db, Settings(), progress=said.append)
    assert any(m.startswith("changing") for m in said)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "SELECT count(*) FROM investigations WHERE team = 'Written by hand'"
    ).fetchall() == [(1,)]
    con.close()


def test_an_empty_wal_beside_the_live_file_changes_nothing(tmp_path):
    db = tmp_path / "w.duckdb"
    load(SAMPLE, db, Settings())
    (tmp_path / "w.duckdb.wal").touch()
    said: list[str] = []
    load(SAMPLE / "delta", db, Settings(), progress=said.append)
    assert any(m.startswith("changing") for m in said)
    duckdb.connect(str(db), read_only=True).close()


def test_the_lock_file_is_readable_by_its_owner_only(tmp_path):
    db = tmp_path / "w.duckdb"
    lock = tmp_path / "w.duckdb.lock"
    before = os.umask(0o022)
    try:
        lock.touch(mode=0o644)  # as older code left it
        load(SAMPLE, db, Settings())
    finally:
        os.umask(before)
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
