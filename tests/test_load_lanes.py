"""The load reads and checks the entries file on a lane of its own, beside the other files
(etl/load.py). Whatever the lanes do at once, a refusal is the one a load reading the files one
after another would give, and a failure leaves the live warehouse as it was."""

from __future__ import annotations

import pytest
from conftest import read

from etl.load import LoadError, load
from etl.testing import write_extracts

# Every other column takes etl.testing.DEFAULTS.
CASE = {"investigation_id": "V1", "incident_id": "I1"}
INCIDENT = {"incident_id": "I1"}
REVIEW = {"review_id": "R1", "investigation_id": "V1"}


def _extracts(tmp_path, **broken: str):
    folder = write_extracts(tmp_path / "x", [INCIDENT], [CASE], [REVIEW], custody=[], missing=[])
    for name, header in broken.items():
        (folder / f"{name}.csv").write_text(header + "\n")
    return folder


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        (("supervision",), "supervision.csv"),
        (("incidents", "supervision"), "incidents.csv"),
        (("investigations", "supervision"), "investigations.csv"),
        (("supervision", "custody"), "supervision.csv"),
        (("custody", "missing"), "custody.csv"),
    ],
)
def test_of_several_broken_files_the_first_in_the_contract_order_is_named(
    tmp_path, db, settings, broken, named
):
    load(_extracts(tmp_path), db, settings)
    before = db.read_bytes()
    with pytest.raises(LoadError) as refused:
        load(_extracts(tmp_path, **{name: "nothing_here" for name in broken}), db, settings)
    assert str(refused.value).startswith(f"{named}: missing required column(s)")
    assert db.read_bytes() == before  # the live warehouse is untouched


def test_a_review_of_a_case_quarantined_in_the_same_load_says_why_across_the_lanes(
    tmp_path, db, settings
):
    """The entries lane looks up the cases the other lane quarantined a moment before."""
    bad_case = {**CASE, "closed_at": "2018-05-01 09:00"}  # closed before it opened
    load(write_extracts(tmp_path / "x", [INCIDENT], [bad_case], [REVIEW]), db, settings)
    [(case_reason,)] = read(db, "SELECT reason FROM quarantine WHERE extract = 'investigations'")
    [(reason, detail)] = read(
        db, "SELECT reason, detail FROM quarantine WHERE extract = 'supervision'"
    )
    assert case_reason == "closed_before_opened"
    assert reason == "unknown_investigation"
    assert "its own row was quarantined" in detail and "closed_before_opened" in detail


def test_no_extract_text_or_checked_rows_are_held_once_the_files_are_merged(
    tmp_path, db, settings, monkeypatch
):
    """Each file's staged text is freed once it is validated, its checked rows once it is
    merged: held to the end of the build, ten years of them made the assessment and the flags
    spill to disk."""
    from etl import assessment

    held: list[str] = []
    assess = assessment.assess

    def looking(con, *args, **kwargs):
        held.extend(
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary "
                "UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
            ).fetchall()
        )
        return assess(con, *args, **kwargs)

    monkeypatch.setattr(assessment, "assess", looking)
    two_cases = [CASE, {**CASE, "investigation_id": "V1"}]  # a repeated id: a _ranked table
    load(write_extracts(tmp_path / "x", [INCIDENT], two_cases, [REVIEW]), db, settings)
    staged_or_checked = [n for n in held if n.startswith(("raw_", "valid_"))]
    assert staged_or_checked == []
    assert held  # the look did see the build's own temporary tables (the rejects)
