"""How well: each entry assessed against the reviewing-officer checklist, hand-worked on real
loads (etl/sql/entry_assessment.sql)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl import assessment, queries, readings
from etl.flags import flags
from etl.load import load
from etl.settings import Settings
from etl.testing import write_extracts
from etl.validate import define_macros


def cp_case(case_id: str = "CP1", opened: str = "2018-06-01 10:00") -> dict:
    return {"investigation_id": case_id, "opened_at": opened, "team": "West CP",
            "team_type": "child_protection"}  # fmt: skip


def adult_case(case_id: str = "AD1") -> dict:
    """Response, adult victim and suspect: not child-related, so `child` does not apply."""
    return {"investigation_id": case_id, "opened_at": "2018-06-01 10:00", "victim_age": "40",
            "suspect_age": "35"}  # fmt: skip


def entry(review_id: str, note: str, case_id: str = "CP1", **extra) -> dict:
    return {"review_id": review_id, "investigation_id": case_id, "reviewed_at": "2018-06-05 10:00",
            "reviewer_id": "DS1", "reviewer_rank": "DS", "actions_set": "", "note": note,
            **extra}  # fmt: skip


def assessed(query) -> dict[str, tuple]:
    rows = query(
        "SELECT review_id, elements, n_elements, n_applicable, grade, repeated, repeated_cases "
        "FROM entry_assessment"
    )
    return {r[0]: r[1:] for r in rows}


def test_every_element_from_its_template_column(load_rows, query):
    load_rows(
        investigations=[cp_case()],
        supervision=[
            entry("R1", "x", actions_set="2", risk_reviewed="yes", plan_updated="Y",
                  child_seen_or_heard="true", next_review_due="2018-07-05 10:00"),
        ],
    )  # fmt: skip
    assert assessed(query)["R1"] == ("risk;actions;plan;next_review;child", 5, 5, "substantive",
                                     False, 0)  # fmt: skip


def test_a_known_template_value_beats_the_notes_words(load_rows, query):
    load_rows(
        investigations=[cp_case()],
        supervision=[
            entry("R1", "Risk assessed. Plan agreed.", risk_reviewed="no", plan_updated="no"),
        ],
    )
    assert assessed(query)["R1"][:2] == ("", 0)


@pytest.mark.parametrize(
    ("note", "elements"),
    [
        ("THRIVE completed, safeguarding in place", "risk"),
        ("Actions: obtain statements", "actions"),
        ("Tasks:\n1. statements\n2. CCTV", "actions"),
        ("Lines of enquiry agreed with the OIC", "plan"),
        ("Review again in 14 days", "next_review"),
        ("Next review 14/12/2018", "next_review"),
        ("Voice of the child recorded", "child"),
        ("ABE interview booked", "child"),
        # Whole words only: these mention none of the phrases.
        ("Riskier than thought; planned visit; 1.5 hours; reviewing", ""),
    ],
)
def test_each_element_from_the_notes_words(load_rows, query, note, elements):
    load_rows(investigations=[cp_case()], supervision=[entry("R1", note)])
    assert assessed(query)["R1"][0] == elements


def test_grade_boundaries(load_rows, query):
    """2 vs 3 elements; no element with a note of 39 vs 40 characters (thin_note_chars)."""
    load_rows(
        investigations=[cp_case()],
        supervision=[
            entry("TWO", "Risk discussed. Plan agreed."),
            entry("THREE", "Risk discussed. Plan agreed. Next review in 14 days."),
            entry("THIN", "x" * 39),
            entry("LONG", "x" * 40),
            entry("EMPTY", ""),
        ],
    )
    got = {k: (v[1], v[3]) for k, v in assessed(query).items()}
    assert got == {
        "TWO": (2, "partial"), "THREE": (3, "substantive"), "THIN": (0, "thin"),
        "LONG": (0, "partial"), "EMPTY": (0, "thin"),
    }  # fmt: skip


def test_child_is_not_applicable_on_a_case_that_is_not_child_related(load_rows, query):
    load_rows(
        investigations=[adult_case()],
        supervision=[entry("R1", "ABE interview booked; risk reviewed", case_id="AD1")],
    )
    assert assessed(query)["R1"][:4] == ("risk", 1, 4, "partial")
    (has_child,) = query("SELECT has_child FROM entry_assessment")[0]
    assert has_child is None


@pytest.mark.parametrize(
    ("days", "cases", "repeated"),
    [
        ((0, 15), 2, False),  # two cases is not yet boilerplate
        ((0, 15, 30), 3, True),  # three cases within 30 days
        ((0, 15, 31), 3, False),  # the third falls on day 31
    ],
)
def test_repeated_text_needs_three_cases_within_thirty_days(load_rows, query, days, cases,
                                                          repeated):  # fmt: skip
    opened = "2018-06-01 09:00"
    load_rows(
        investigations=[cp_case(f"C{i}", opened) for i in range(len(days))] + [cp_case("OTHER")],
        supervision=[
            entry(f"R{i}", "  Reviewed,  progress  NOTED. ", case_id=f"C{i}",
                  reviewed_at=f"{date(2018, 6, 1) + timedelta(days=d)} 10:00")
            for i, d in enumerate(days)
        ]
        # The same text by another reviewer does not count towards DS1's.
        + [entry("X", "reviewed, progress noted.", case_id="OTHER", reviewer_id="DS9")],
    )  # fmt: skip
    got = assessed(query)
    assert {got[f"R{i}"][4] for i in range(len(days))} == {repeated}
    assert got["X"][4] is False
    if repeated:
        assert got["R0"][5] == cases


def test_thin_reviews_count_setting_changes_the_clock_on_the_same_data(tmp_path):
    """A DS review reading "Seen." on 20/06 of a case opened 01/06. As of 01/07: counted, 11
    days since it (no flag for the clock); not counted, 30 days since opening: overdue. The
    not-substantive flag quotes it either way."""
    folder = write_extracts(
        tmp_path / "x",
        investigations=[cp_case()],
        supervision=[entry("R1", "Seen.", reviewed_at="2018-06-20 10:00", actions_set="0")],
    )
    results = {}
    for counts in (True, False):
        settings = Settings(thin_reviews_count=counts)
        db = tmp_path / f"{counts}.duckdb"
        load(folder, db, settings)
        con = duckdb.connect(str(db), read_only=True)
        try:
            df = flags(con, settings, date(2018, 7, 1))
        finally:
            con.close()
        results[counts] = {
            r["flag"]: (r["days"], r["reasons"], r["quoted_note"]) for r in df.to_dict("records")
        }
    assert "ds_review_overdue" not in results[True]
    assert results[False]["ds_review_overdue"][0] == 30
    for counts in (True, False):
        assert results[counts]["ds_review_not_substantive"] == (11, "thin_review", "Seen.")


def test_entries_command_lists_each_entry_with_its_grade(tmp_path):
    folder = write_extracts(
        tmp_path / "x",
        investigations=[cp_case()],
        supervision=[
            entry("R1", "Seen.", reviewed_at="2018-06-20 10:00", actions_set="0"),
            entry("R2", "Risk reviewed; actions: 1. ABE", reviewed_at="2018-06-21 10:00",
                  reviewer_id="DC5", reviewer_rank="DC"),
            entry("R3", "later", reviewed_at="2018-06-25 10:00"),
        ],
    )  # fmt: skip
    db = tmp_path / "w.duckdb"
    load(folder, db, Settings())
    out = subprocess.run(
        [sys.executable, "-m", "etl", "entries", "--db", str(db), "--as-of", "2018-06-22",
         "--investigation", "CP1"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [list(r.values()) for r in rows] == [
        ["R1", "CP1", "2018-06-20", "DS1", "DS", "True", "thin", "", "False"],
        ["R2", "CP1", "2018-06-21", "DC5", "DC", "False", "substantive", "risk;actions;child",
         "False"],
    ]  # fmt: skip


SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "small"
COLUMNS = (
    "review_id, has_risk, has_actions, has_plan, has_next_review, has_child, elements, "
    "n_elements, n_applicable, grade, days_since_previous, note_key, repeated, "
    "repeated_cases, restarts_clock, reviewed_on"
)


def days_unlike_supervision(db: Path) -> int:
    """Entries whose assessment's day is not the one supervision holds, or that have no
    assessment: the quality measures keep a window's assessments by that day."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT count(*) FROM supervision AS s"
            " LEFT JOIN entry_assessment AS a USING (review_id)"
            " WHERE a.reviewed_on IS DISTINCT FROM CAST(s.reviewed_at AS DATE)"
        ).fetchall()[0][0]
    finally:
        con.close()


def made_again_whole(
    db: Path, tmp_path: Path, rows: str, tables: tuple[str, str], make: Callable
) -> tuple[int, int]:
    """(rows only in the warehouse, rows only when made from nothing) of ``rows`` (a SELECT),
    in a copy of ``db`` whose ``tables`` (the table and its build record) ``make(con)`` fills
    again with no previous warehouse to carry over from."""
    copy = tmp_path / "whole.duckdb"
    shutil.copy(db, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(f"CREATE TABLE incremental AS {rows}")
        con.execute("; ".join(f"DELETE FROM {table}" for table in tables))
        con.execute("ATTACH ':memory:' AS prev")  # nothing made before: every entry
        make(con)
        only_here = f"SELECT count(*) FROM (FROM incremental EXCEPT ALL {rows})"
        only_whole = f"SELECT count(*) FROM ({rows} EXCEPT ALL FROM incremental)"
        return con.execute(only_here).fetchall()[0][0], con.execute(only_whole).fetchall()[0][0]
    finally:
        con.close()


def assessed_again_whole(db: Path, tmp_path: Path) -> tuple[int, int]:
    """``made_again_whole`` for the entry assessment."""

    def assess(con: duckdb.DuckDBPyConnection) -> None:
        define_macros(con, Settings())
        assessment.assess(con, Settings(), load_id=99)

    rows = f"SELECT {COLUMNS} FROM entry_assessment"
    return made_again_whole(db, tmp_path, rows, (assessment.TABLE, assessment.BUILD), assess)


def test_a_delta_assesses_only_what_it_can_change_and_gives_what_a_whole_assessment_gives(
    tmp_path,
):
    db = tmp_path / "w.duckdb"
    said: list[str] = []
    load(SAMPLE, db, Settings())
    load(SAMPLE / "delta", db, Settings(), progress=said.append)
    line = next(m for m in said if m.startswith("assessing"))
    assert "changed case(s)" in line, said  # the delta did not assess every entry again
    con = duckdb.connect(str(db), read_only=True)
    total, repeated = con.execute(
        "SELECT count(*), count(*) FILTER (repeated) FROM entry_assessment"
    ).fetchall()[0]
    con.close()
    assert total > 4_000 and repeated > 50  # a real sample, repeated notes among it
    assert int(line.split()[4]) < total / 10  # far fewer cases than entries
    assert assessed_again_whole(db, tmp_path) == (0, 0)
    assert days_unlike_supervision(db) == 0


def test_a_changed_note_takes_the_repeated_mark_from_the_other_cases_of_its_group(tmp_path):
    """Three cases with the same DS's "Seen." within a month: all repeated. The next day's
    extract corrects one of them into a real review: the other two, untouched by the delta,
    are no longer repeated (two cases are under the threshold), and one new case with "Seen."
    makes them repeated again in the load after."""
    db = tmp_path / "w.duckdb"
    cases = [cp_case(f"CP{i}") for i in (1, 2, 3, 4)]
    seen = [entry(f"R{i}", "Seen.", case_id=f"CP{i}") for i in (1, 2, 3)]
    load(write_extracts(tmp_path / "base", investigations=cases, supervision=seen), db,
         Settings(), extracted_on=date(2018, 6, 30))  # fmt: skip

    def marks() -> dict[str, tuple]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            rows = con.execute(
                "SELECT review_id, repeated, repeated_cases, grade FROM entry_assessment"
            ).fetchall()
            return {r[0]: r[1:] for r in rows}
        finally:
            con.close()

    assert marks() == {f"R{i}": (True, 3, "thin") for i in (1, 2, 3)}
    fixed = entry("R3", "Risk reviewed; actions set; plan agreed; next review in 28 days.",
                  case_id="CP3")  # fmt: skip
    load(write_extracts(tmp_path / "d1", supervision=[fixed]), db, Settings(),
         extracted_on=date(2018, 7, 1))  # fmt: skip
    got = marks()
    assert got["R1"] == got["R2"] == (False, 0, "thin") and got["R3"][:2] == (False, 0)
    again = entry("R4", "seen.", case_id="CP4", reviewed_at="2018-06-20 09:00")
    load(write_extracts(tmp_path / "d2", supervision=[again]), db, Settings(),
         extracted_on=date(2018, 7, 2))  # fmt: skip
    assert {k: v[:2] for k, v in marks().items() if k != "R3"} == {
        "R1": (True, 3), "R2": (True, 3), "R4": (True, 3),
    }  # fmt: skip
    assert assessed_again_whole(db, tmp_path) == (0, 0)
    assert days_unlike_supervision(db) == 0


def test_an_entry_taken_away_or_moved_to_another_case_leaves_no_old_assessment(tmp_path):
    """A delta moves CP1's opening after its review R1 (R1 leaves for the quarantine) and
    moves R3 from CP2 to CP3: the warehouse holds an assessment for exactly the entries it
    holds, each as a whole assessment gives it (the other cases' entries carried over)."""
    db = tmp_path / "w.duckdb"
    cases = [cp_case(f"CP{i}") for i in (1, 2, 3, 4)]
    notes = [entry("R1", "Seen."), entry("R2", "Seen.", case_id="CP2"),
             entry("R3", "Risk reviewed.", case_id="CP2"),
             entry("R4", "Seen.", case_id="CP4")]  # fmt: skip
    load(write_extracts(tmp_path / "base", investigations=cases, supervision=notes), db,
         Settings(), extracted_on=date(2018, 6, 30))  # fmt: skip
    later = cp_case("CP1", opened="2018-06-10 10:00")
    # Moved, and its day corrected: the assessment's day follows.
    moved = entry("R3", "Risk reviewed.", case_id="CP3", reviewed_at="2018-06-06 11:30")
    load(write_extracts(tmp_path / "d1", investigations=[later], supervision=[moved]), db,
         Settings(), extracted_on=date(2018, 7, 1))  # fmt: skip
    con = duckdb.connect(str(db), read_only=True)
    try:
        kept = con.execute(
            "SELECT review_id, investigation_id FROM supervision ORDER BY 1"
        ).fetchall()
        assessed_ids = con.execute("SELECT review_id FROM entry_assessment ORDER BY 1").fetchall()
    finally:
        con.close()
    assert kept == [("R2", "CP2"), ("R3", "CP3"), ("R4", "CP4")]
    assert assessed_ids == [("R2",), ("R3",), ("R4",)]
    assert assessed_again_whole(db, tmp_path) == (0, 0)
    assert days_unlike_supervision(db) == 0


def test_a_load_with_other_settings_assesses_every_entry_again(tmp_path):
    """ "Seen to." (8 characters, no element) is thin under thin_note_chars 40; loaded again into
    the same warehouse with thin_note_chars 5, nothing in the extract changed, it is partial."""
    db = tmp_path / "w.duckdb"
    folder = write_extracts(tmp_path / "x", investigations=[cp_case()],
                            supervision=[entry("R1", "Seen to.")])  # fmt: skip

    def grade() -> str:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute("SELECT grade FROM entry_assessment").fetchall()[0][0]
        finally:
            con.close()

    said: list[str] = []
    load(folder, db, Settings())
    assert grade() == "thin"
    load(folder, db, Settings(thin_note_chars=5), progress=said.append)
    assert grade() == "partial"
    assert "assessing every entry against the reviewing-officer checklist" in said


# --- the quality measures' pairs of entry and version (etl/readings.py) ------------------------


def quality_oracle() -> str:
    """entry_quality.sql with its window made from the case log's entries
    (tests/sql/entry_quality_from_the_log.sql) instead of entry_readings."""
    product = queries.sql("entry_quality")
    window = (Path(__file__).parent / "sql" / "entry_quality_from_the_log.sql").read_text()
    return window + product[product.index("counted AS (") :]


LAST_ORACLE = (Path(__file__).parent / "sql" / "last_entry_from_the_log.sql").read_text()
READINGS = "SELECT * FROM entry_readings"


def quality_by(db: Path, text: str, areas: list[str], **given) -> pd.DataFrame:
    """entry_quality.sql's rows (or the oracle's) in one order."""
    text = queries.with_includes(text)
    values = {"since": None, "team": None, "team_type": None, "investigation_id": None, **given}
    con = duckdb.connect(str(db), read_only=True)
    try:
        df = con.execute(text, queries.params(text, Settings(), areas=areas, **values)).df()
    finally:
        con.close()
    keys = ["grouping", "reviewer_id", "area", "team"]
    return df.sort_values(keys, na_position="first").reset_index(drop=True)


def test_quality_and_last_entry_from_the_pairs_made_at_load_are_the_case_logs(tmp_path):
    """The sample and its next day's delta (versions that changed, entries back-dated): on days
    across the history, for every area and one, with and without a team type and a window, the
    measures read from entry_readings are those of the case log's entries joined on the spot,
    and so is each case's last supervisory entry."""
    db = tmp_path / "w.duckdb"
    load(SAMPLE, db, Settings())
    load(SAMPLE / "delta", db, Settings())
    con = duckdb.connect(str(db), read_only=True)
    first, last = con.execute(
        "SELECT min(reviewed_on), max(reviewed_on) FROM entry_readings"
    ).fetchall()[0]
    areas = sorted(r[0] for r in con.execute("SELECT DISTINCT area FROM investigations").fetchall())
    con.close()
    product, oracle = queries.sql("entry_quality"), quality_oracle()
    latest = queries.sql("last_supervisory_entry")
    compared = 0
    for as_of in [first + (last - first) * k // 4 for k in range(1, 5)] + [last + timedelta(3)]:
        for chosen, narrowing in [
            (areas, {}),
            (areas[:1], {"since": as_of - timedelta(days=90)}),
            (areas, {"since": as_of - timedelta(days=30), "team_type": "child_protection"}),
        ]:
            got = quality_by(db, product, chosen, as_of=as_of, **narrowing)
            want = quality_by(db, oracle, chosen, as_of=as_of, **narrowing)
            pd.testing.assert_frame_equal(got, want, check_dtype=False)
            compared += len(got)
        for chosen in (areas, areas[-1:]):
            got, want = (last_entries(db, text, chosen, as_of) for text in (latest, LAST_ORACLE))
            pd.testing.assert_frame_equal(got, want, check_dtype=False)
            compared += len(got)
    assert compared > 200  # real rows, not empty frames compared


def last_entries(db: Path, text: str, areas: list[str], as_of: date) -> pd.DataFrame:
    """last_supervisory_entry.sql's rows (or its oracle's) for every case, in one order."""
    text = queries.with_includes(text)
    con = duckdb.connect(str(db), read_only=True)
    try:
        values = queries.params(text, Settings(), areas=areas, as_of=as_of, investigation_ids=None)
        df = con.execute(text, values).df()
    finally:
        con.close()
    return df.sort_values("investigation_id").reset_index(drop=True)


def team_of_each_entry_read(db: Path, as_of: date) -> dict[str, list]:
    """entry_quality.sql's entries per team as of ``as_of`` (its last 90 days)."""
    got = quality_by(db, queries.sql("entry_quality"), ["West"], as_of=as_of,
                     since=as_of - timedelta(days=90))  # fmt: skip
    teams = got[got["grouping"] == "team"]
    return dict(zip(teams["team"], teams["entries"].astype(int), strict=True))


def test_an_entry_is_measured_under_the_team_that_held_its_case_on_the_day_asked(tmp_path):
    """CP1 is West CP's (child protection) with a DS review on 5 June; the extract of 10 July
    gives it to West CID with a second review on 8 July. As of 1 July the one review is West
    CP's; as of 12 July both are West CID's and West CP has none: the record as then known."""
    db = tmp_path / "w.duckdb"
    load(write_extracts(tmp_path / "base", investigations=[cp_case()],
                        supervision=[entry("R1", "Risk reviewed; plan agreed.")]), db,
         Settings(), extracted_on=date(2018, 6, 30))  # fmt: skip
    moved = {**cp_case(), "team": "West CID", "team_type": "cid"}
    later = entry("R2", "Risk reviewed; plan agreed.", reviewed_at="2018-07-08 10:00")
    load(write_extracts(tmp_path / "d1", investigations=[moved], supervision=[later]), db,
         Settings(), extracted_on=date(2018, 7, 10))  # fmt: skip
    assert team_of_each_entry_read(db, date(2018, 7, 1)) == {"West CP": 1}
    assert team_of_each_entry_read(db, date(2018, 7, 12)) == {"West CID": 2}
    assert readings_again_whole(db, tmp_path) == (0, 0)


def test_a_promoted_supervisor_is_shown_with_the_rank_of_their_latest_entry(tmp_path):
    """X1 writes as a PS on 5 June and as a DS on 20 June (the later entry first in the
    extract): as of 30 June the quality table shows X1 once, with both entries, as a DS; as of
    10 June, as the PS they then were. (It showed whichever rank was read first.)"""
    db = tmp_path / "w.duckdb"
    case = {"investigation_id": "R1", "opened_at": "2018-06-01 10:00", "team": "West Resp",
            "team_type": "response"}  # fmt: skip
    note = "Risk reviewed; plan agreed."
    load(write_extracts(tmp_path / "x", investigations=[case], supervision=[
        entry("E2", note, case_id="R1", reviewer_id="X1", reviewer_rank="DS",
              reviewed_at="2018-06-20 10:00"),
        entry("E1", note, case_id="R1", reviewer_id="X1", reviewer_rank="PS"),
    ]), db, Settings(), extracted_on=date(2018, 6, 30))  # fmt: skip

    def shown(as_of: date) -> list:
        for text in (queries.sql("entry_quality"), quality_oracle()):
            got = quality_by(db, text, ["West"], as_of=as_of)
            people = got[got["grouping"] == "reviewer"]
            yield people[["reviewer_id", "reviewer_rank", "entries"]].values.tolist()

    assert list(shown(date(2018, 6, 30))) == [[["X1", "DS", 2]]] * 2
    assert list(shown(date(2018, 6, 10))) == [[["X1", "PS", 1]]] * 2


def readings_again_whole(db: Path, tmp_path: Path) -> tuple[int, int]:
    """``made_again_whole`` for the pairs of entry and version."""
    return made_again_whole(
        db, tmp_path, READINGS, (readings.TABLE, readings.BUILD),
        lambda con: readings.build(con, Settings(), load_id=99),
    )  # fmt: skip


def test_a_delta_pairs_only_the_changed_cases_entries_and_gives_what_pairing_all_gives(
    tmp_path,
):
    db = tmp_path / "w.duckdb"
    said: list[str] = []
    load(SAMPLE, db, Settings())
    load(SAMPLE / "delta", db, Settings(), progress=said.append)
    line = next(m for m in said if m.startswith("pairing"))
    assert "changed case(s)" in line, said  # the delta did not pair every entry again
    con = duckdb.connect(str(db), read_only=True)
    pairs, entries = con.execute(
        "SELECT (SELECT count(*) FROM entry_readings), (SELECT count(*) FROM supervision)"
    ).fetchall()[0]
    con.close()
    assert pairs >= entries > 4_000
    assert int(line.split()[4]) < entries / 10  # far fewer cases than entries
    assert readings_again_whole(db, tmp_path) == (0, 0)
    # Stored by day: the carried pairs in their order, then the new ones (one step back).
    con = duckdb.connect(str(db), read_only=True)
    steps_back = con.execute(
        "SELECT count(*) FROM (SELECT reviewed_on < lag(reviewed_on) OVER (ORDER BY rowid) AS b"
        " FROM entry_readings) WHERE b"
    ).fetchall()[0][0]
    con.close()
    assert steps_back <= 1


def test_pairs_carried_over_keep_their_stored_order_past_one_row_group(tmp_path):
    """A previous warehouse's 300,000 pairs (more than DuckDB's row groups of 122,880), stored
    by day; a delta changes one case in three. The pairs carried over stay in day order (an
    anti-join's parallel copy shuffled them at force scale, and a window of days then read
    every row group)."""
    from etl.warehouse import create_schema

    prev = tmp_path / "prev.duckdb"
    con = duckdb.connect(str(prev))
    create_schema(con)
    con.execute(
        "INSERT INTO entry_readings BY NAME SELECT DATE '2018-01-01' + CAST(i // 1000 AS INTEGER)"
        " AS reviewed_on, DATE '2017-01-01' AS valid_from, 'R' || i AS review_id,"
        " 'C' || (i % 3000) AS investigation_id FROM range(300000) AS r(i) ORDER BY i"
    )
    con.execute("INSERT INTO entry_readings_build VALUES (?)", [readings.rules(Settings())])
    con.close()
    con = duckdb.connect(str(tmp_path / "new.duckdb"))
    try:
        create_schema(con)
        con.execute(f"ATTACH '{prev}' AS prev (READ_ONLY)")
        # The cases this load changed (etl/history.py changed_cases makes it on first use).
        con.execute(
            "CREATE TEMP TABLE changed_cases AS SELECT 'C' || i AS investigation_id "
            "FROM range(0, 3000, 3) AS r(i)"
        )
        readings.build(con, Settings(), load_id=2)
        kept, steps_back = con.execute(
            "SELECT count(*), count(*) FILTER (b) FROM (SELECT reviewed_on < "
            "lag(reviewed_on) OVER (ORDER BY rowid) AS b FROM entry_readings)"
        ).fetchall()[0]
    finally:
        con.close()
    assert kept == 200_000 and steps_back == 0
