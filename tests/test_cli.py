"""The command line, as a user runs it: data on stdout, messages on stderr."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from etl.testing import write_extracts

SAMPLE = Path(__file__).parent.parent / "sample_data" / "small"


def etl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args], capture_output=True, text=True, timeout=120
    )


def test_load_flags_and_rejects_end_to_end(tmp_path):
    db = str(tmp_path / "w.duckdb")
    loaded = etl("load", str(SAMPLE), "--db", db, "--format", "csv")
    assert loaded.returncode == 0, loaded.stderr
    summary = list(csv.DictReader(io.StringIO(loaded.stdout)))
    assert [r["file"] for r in summary] == [
        "incidents.csv",
        "investigations.csv",
        "supervision.csv",
        "custody.csv",  # the optional files, when the source has them (issue 17)
        "missing.csv",
    ]
    for r in summary:
        assert int(r["read"]) == int(r["loaded"]) + int(r["quarantined"]) + int(r["duplicates"])
    assert "quarantined: see python -m etl rejects" in loaded.stderr

    flagged = etl("flags", "--db", db, "--as-of", "2018-11-29", "--format", "csv")
    assert flagged.returncode == 0, flagged.stderr
    rows = list(csv.DictReader(io.StringIO(flagged.stdout)))
    assert list(rows[0])[:8] == [
        "investigation_id", "flag", "area", "team", "team_type", "officer_id", "days", "reasons",
    ]  # fmt: skip
    assert {r["flag"] for r in rows} == {
        "child_related", "ds_review_overdue", "ds_review_due_soon", "response_unsupervised",
        "ds_review_not_substantive",
    }  # fmt: skip
    assert "as of 29/11/2018" in flagged.stderr

    west = etl("flags", "--db", db, "--as-of", "2018-11-29", "--area", "West")
    assert {r["area"] for r in csv.DictReader(io.StringIO(west.stdout))} == {"West"}

    rejects = etl("rejects", "--db", db)
    assert rejects.returncode == 0
    rejected = list(csv.DictReader(io.StringIO(rejects.stdout)))
    assert list(rejected[0])[:5] == ["source", "line", "record_id", "reason", "detail"]
    assert sum(int(r["quarantined"]) for r in summary) == len(rejected)

    table = etl("flags", "--db", db, "--as-of", "2018-11-29", "--format", "table")
    assert table.returncode == 0 and "ds_review_overdue" in table.stdout


def test_flags_on_a_missing_warehouse_says_how_to_load_one(tmp_path):
    got = etl("flags", "--db", str(tmp_path / "none.duckdb"))
    assert got.returncode == 2
    assert "python -m etl load SOURCE" in got.stderr


def test_sample_command_writes_both_extracts(tmp_path):
    got = etl("sample", "--out", str(tmp_path / "s"), "--scale", "small", "--seed", "3")
    assert got.returncode == 0, got.stderr
    for folder in (tmp_path / "s", tmp_path / "s" / "delta"):
        assert sorted(p.name for p in folder.glob("*.csv")) == [
            "custody.csv", "incidents.csv", "investigations.csv", "missing.csv",
            "supervision.csv",
        ]  # fmt: skip


def test_an_empty_warehouse_gives_empty_flags(tmp_path):
    db = str(tmp_path / "w.duckdb")
    assert etl("load", str(write_extracts(tmp_path / "x")), "--db", db).returncode == 0
    got = etl("flags", "--db", db)
    assert got.returncode == 1
    assert "no investigations" in got.stderr
