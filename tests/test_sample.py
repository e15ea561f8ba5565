"""The synthetic sample: deterministic, committed in sync, and as messy as real extracts."""

from __future__ import annotations

import filecmp
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import read as q

from etl.flags import flags
from etl.load import load
from etl.sample import write_sample

COMMITTED = Path(__file__).parent.parent / "sample_data" / "small"
FILES = ["incidents.csv", "investigations.csv", "supervision.csv", "custody.csv", "missing.csv"]


def test_the_same_seed_gives_the_same_files_and_the_committed_sample_is_current(tmp_path):
    write_sample(tmp_path / "a", "small", 2018)
    for sub in ("", "delta"):
        _, mismatch, errors = filecmp.cmpfiles(
            tmp_path / "a" / sub, COMMITTED / sub, FILES, shallow=False
        )
        assert (mismatch, errors) == ([], []), "run `make sample` and commit sample_data/"


def test_another_seed_gives_other_data(tmp_path):
    write_sample(tmp_path / "b", "small", 7)
    assert (tmp_path / "b" / "supervision.csv").read_bytes() != (
        COMMITTED / "supervision.csv"
    ).read_bytes()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    from etl.settings import Settings

    db = tmp_path_factory.mktemp("sample") / "w.duckdb"
    load(COMMITTED, db, Settings())
    load(COMMITTED / "delta", db, Settings())
    return db


def test_the_sample_has_bad_rows_of_every_kind_the_issue_lists(sample_db):
    reasons = {r[0] for r in q(sample_db, "SELECT DISTINCT reason FROM quarantine")}
    assert reasons >= {
        "bad_timestamp", "bad_number", "out_of_range", "bad_boolean", "unknown_enum",
        "missing_required", "closed_before_opened", "review_before_opened",
        "unknown_investigation",
    }  # fmt: skip
    dups = q(sample_db, "SELECT sum(duplicates) FROM load_log")[0][0]
    read = q(sample_db, "SELECT sum(rows_read), sum(quarantined) FROM load_log")[0]
    assert dups > 0
    assert 0.01 < read[1] / read[0] < 0.08  # a few percent


def test_the_sample_has_the_mess_of_real_extracts(sample_db):
    log = dict(q(sample_db, "SELECT file || ':' || load_id, encoding FROM load_log"))
    assert log["supervision.csv:1"] == "utf-8-sig"
    assert log["investigations.csv:2"] == "windows-1252"
    updated = q(sample_db, "SELECT sum(updated) FROM load_log WHERE load_id = 2")[0][0]
    assert updated > 0  # closures and team-type changes in the delta
    # Late-arriving incidents: cases loaded on day 1 whose incident came in the delta.
    late = q(
        sample_db,
        "SELECT count(*) FROM investigations i JOIN incidents n USING (incident_id) "
        "WHERE i.load_id = 1 AND n.load_id = 2 AND n.reported_at < DATE '2018-11-30'",
    )[0][0]
    assert late > 0
    non_supervisors = q(
        sample_db, "SELECT count(*) FROM supervision WHERE reviewer_rank IN ('PC','DC','STAFF')"
    )[0][0]
    assert non_supervisors > 0
    text = (COMMITTED / "supervision.csv").read_text(encoding="utf-8-sig")
    assert "Z," in text and "+01:00," in text and "/2018 " in text


def test_most_specialist_cases_are_on_time_and_many_response_child_cases_are_not(sample_db):
    from etl.settings import Settings

    con = duckdb.connect(str(sample_db), read_only=True)
    df = flags(con, Settings(), date(2018, 11, 30))
    open_specialist = q(
        sample_db,
        "SELECT count(*) FROM investigations WHERE team_type IN "
        "('child_protection','cse','online_child_abuse') AND closed_at IS NULL",
    )[0][0]
    con.close()
    overdue = (df["flag"] == "ds_review_overdue").sum()
    assert 0 < overdue < open_specialist / 2
    assert (df["flag"] == "response_unsupervised").sum() > 0


def test_the_sample_carries_the_inspection_checks_data_with_its_mess(sample_db):
    # Every optional file and column is there, so every check is on; each finds something.
    from dashboard import words
    from etl import queries
    from etl.settings import Settings

    s = Settings()
    reasons = {r[0] for r in q(sample_db, "SELECT DISTINCT source FROM quarantine")}
    assert {"custody.csv", "missing.csv"} <= reasons
    con = duckdb.connect(str(sample_db), read_only=True)

    def run(name, **given):
        text = queries.sql(name)
        return con.execute(text, queries.params(text, s, areas=s.areas, **given)).df()

    try:
        day = date(2018, 11, 30)
        cases = set(
            run(
                "case_checks",
                as_of_days=[day],
                materialised=True,
                first_day=day,
                last_day=day,
                from_spans=False,
            )["check_name"]
        )
        custody = run(
            "custody_checks", as_of_days=[day], window_days=(day - date(2017, 12, 1)).days + 1
        )
        missing = run(
            "missing_checks", as_of_days=[day], window_days=(day - date(2017, 12, 1)).days + 1
        )
        repeats = run("repeat_missing", as_of=day)
    finally:
        con.close()
    assert cases >= set(words.CHECK_THEMES["case"]) - {"cse_allocation"}
    assert custody["accommodation_late"].any() and custody["certificate_missing"].any()
    assert missing["absent_category_used"].any() and (missing["rhi_state"] == "overdue").any()
    assert len(repeats) > 0
