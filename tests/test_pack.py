"""The monthly PVP pack: each measure on hand-worked data (March 2018 holds the change to
British Summer Time, and a case that closes mid-month), the PDF and the workbook."""

from __future__ import annotations

import getpass
import io
import subprocess
import sys
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
from conftest import use_warehouse
from pypdf import PdfReader

from dashboard import data, pack, words
from dashboard.scope import Scope
from etl.load import load
from etl.settings import Settings
from etl.testing import write_extracts

FORCE = Scope("tester", "force", ("West", "East", "South"))
MARCH, FEBRUARY = date(2018, 3, 1), date(2018, 2, 1)


@pytest.fixture
def pvp_db(tmp_path, monkeypatch):
    """Hand-worked month, all West:
    A child_protection, opened 20/02; first DS review 23:30Z on 25/03 = 00:30 BST on 26/03.
      Within 28 days of opening until 20/03; out 21-25/03 (5 days); in again from 26/03.
    B cse, opened 01/03, no review, closed 15/03 (open 1-14/03, all within the window).
    C response, victim 10, opened 05/03, PS entry 06/03 (within 1 day).
    D response, suspect 15, opened 20/03, PS entry 30/03 (10 days: neither).
    E response, victim 8, opened 28/03, never supervised.
    """
    db = tmp_path / "w.duckdb"
    write_extracts(
        tmp_path / "x",
        investigations=[
            {"investigation_id": "A", "opened_at": "2018-02-20 09:00",
             "team": "West CP", "team_type": "child_protection"},
            {"investigation_id": "B", "opened_at": "2018-03-01 09:00",
             "closed_at": "2018-03-15 12:00", "team": "West CSE", "team_type": "cse"},
            {"investigation_id": "C", "opened_at": "2018-03-05 10:00", "victim_age": "10"},
            {"investigation_id": "D", "opened_at": "2018-03-20 10:00", "suspect_age": "15"},
            {"investigation_id": "E", "opened_at": "2018-03-28 10:00", "victim_age": "8"},
        ],
        supervision=[
            {"review_id": "R1", "investigation_id": "A", "reviewed_at": "2018-03-25T23:30:00Z",
             "reviewer_id": "DS1", "reviewer_rank": "DS", "actions_set": "2",
             "note": "Strategy discussion held; ABE interview booked."},
            {"review_id": "R2", "investigation_id": "C", "reviewed_at": "2018-03-06 09:00",
             "reviewer_id": "PS1", "reviewer_rank": "PS", "actions_set": "0", "note": "Seen"},
            {"review_id": "R3", "investigation_id": "D", "reviewed_at": "30/03/2018 16:00",
             "reviewer_id": "PS1", "reviewer_rank": "PS", "actions_set": "1", "note": "ok"},
            {"review_id": "R4", "investigation_id": "A", "reviewed_at": "2018-04-10 10:00",
             "reviewer_id": "DC9", "reviewer_rank": "DC", "actions_set": "0", "note": "x"},
        ],
    )  # fmt: skip
    load(tmp_path / "x", db, Settings())
    use_warehouse(monkeypatch, db)
    return db


def test_march_measures_by_hand(pvp_db):
    m = data.pvp_monthly(FORCE, None, FEBRUARY, MARCH).set_index("month")
    march = m.loc[MARCH]
    assert march["compliance_avg"] == pytest.approx(26 / 31)
    assert march["compliance_month_end"] == 1.0
    assert march["open_specialist_month_end"] == 1
    assert (march["breaches"], march["breach_median_days"]) == (1, 34)  # 20/02 -> 26/03
    assert march["response_never_supervised"] == 1  # E
    assert march["new_response_child"] == 3
    assert march["within_first"] == pytest.approx(1 / 3)
    assert march["within_second"] == pytest.approx(1 / 3)
    assert march["new_child_related"] == 4  # B, C, D, E
    feb = m.loc[FEBRUARY]
    assert (feb["compliance_avg"], feb["breaches"], feb["new_child_related"]) == (1.0, 0, 1)


def test_the_response_spans_are_the_setting_and_the_pack_says_them(pvp_db, monkeypatch):
    """response_entry_within_days [0, 10]: C's entry a day after opening is not within 0 days
    but is within 10; D's, 10 days after, within 10 too: 0 of 3, then 2 of 3. The pack's
    labels, chart and definitions say the spans (they were typed as 1 and 7)."""
    spans = data.settings().model_copy(update={"response_entry_within_days": [0, 10]})
    monkeypatch.setattr(data, "settings", lambda: spans)
    march = data.pvp_monthly(FORCE, None, FEBRUARY, MARCH).set_index("month").loc[MARCH]
    assert march["within_first"] == 0
    assert march["within_second"] == pytest.approx(2 / 3)
    labels = dict((col, label) for col, label, _kind in pack.headlines(spans))
    assert labels["within_first"] == "... with a supervisor entry within 0 days"
    assert labels["within_second"] == "... with a supervisor entry within 10 days"
    p = pack.build(FORCE, MARCH)
    assert "New response child cases supervised within 0 and 10 days" in dict(pack.figures(p))
    assert "within 0 or 10 days" in words.pvp_definitions(spans)


def test_a_gap_still_running_at_month_end_counts_with_its_length_then(pvp_db):
    # A: no DS review after 26/03; by 30/04 that interval has run 35 days (and goes on).
    april = data.pvp_monthly(FORCE, None, date(2018, 4, 1), date(2018, 4, 1)).iloc[0]
    assert (april["breaches"], april["breach_median_days"]) == (1, 35)


def test_a_gap_ended_by_a_close_counts_in_the_month_of_the_close(tmp_path, monkeypatch):
    """Two CSE cases opened 01/01 and never reviewed: F closes at 00:30 on 01/03 (its gap of 59
    days ends in March, and runs at February's end, 58 days), G at 23:30 on 28/02 (58 days,
    February's). The months' gaps are read only for the cases not closed before the month
    (monthly_breaches.sql, $open_in_month): F must still count in March, G in February alone."""
    case = {"opened_at": "2018-01-01 09:00", "team": "West CSE", "team_type": "cse"}
    write_extracts(tmp_path / "x", investigations=[
        {**case, "investigation_id": "F", "closed_at": "2018-03-01 00:30"},
        {**case, "investigation_id": "G", "closed_at": "2018-02-28 23:30"},
    ])  # fmt: skip
    db = tmp_path / "w.duckdb"
    load(tmp_path / "x", db, Settings(), extracted_on=date(2018, 3, 31))
    use_warehouse(monkeypatch, db)
    m = data.pvp_monthly(FORCE, None, FEBRUARY, MARCH).set_index("month")
    assert (m.loc[FEBRUARY, "breaches"], m.loc[FEBRUARY, "breach_median_days"]) == (2, 58)
    assert (m.loc[MARCH, "breaches"], m.loc[MARCH, "breach_median_days"]) == (1, 59)


def test_other_areas_see_nothing(pvp_db):
    east = Scope("east", "area", ("East",))
    march = data.pvp_monthly(east, None, MARCH, MARCH).iloc[0]
    assert (march["new_child_related"], march["breaches"]) == (0, 0)


@pytest.mark.browser  # headless Chromium prints the PDF
def test_the_pack_pdf_and_workbook(pvp_db, tmp_path):
    p = pack.build(FORCE, MARCH, ["West"])
    headline = p.headline.set_index("measure")
    assert headline.loc["DS-review compliance, month average", "this month"] == "83.9%"
    assert headline.loc["DS-review compliance, month average", "previous month"] == "100.0%"
    assert headline.loc["New child-related investigations", "same month last year"] == "no data"
    assert list(p.longest["case"]) == ["E"]
    pdf_path, xlsx_path = pack.write(p, tmp_path / "out")
    reader = PdfReader(pdf_path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in ("OFFICIAL-SENSITIVE", "West", "March 2018", "83.9%", "Headline",
                     "Twelve-month trends", "By supervisor", "Produced", "Checklist",
                     "Compliance: share of open specialist cases"):  # fmt: skip
        assert expected in text, expected
    assert 2 <= len(reader.pages) <= 8
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=2)  # A4 portrait
    sheets = pd.read_excel(xlsx_path, sheet_name=None)
    assert list(sheets) == [
        "About", "Headline", "Trend", "Demand", "Quality", "By team", "By supervisor",
        "Longest waiting", "Time to review", "Checks", "Overnight after charge",
        "Audit outcomes", "Audit grades", "Audit themes",
        "Actions agreed",
        "Definitions",
    ]  # fmt: skip
    defined = sheets["Definitions"].set_index("Measure")["Definition"]
    assert "within 28 days" in defined["DS-review compliance, month average"]
    assert len(sheets["Trend"]) == 12
    assert sheets["Headline"].iloc[0]["This month"] == pytest.approx(26 / 31)


def test_every_pdf_page_is_marked_top_and_bottom_and_numbered(pvp_db, tmp_path):
    """Read back with poppler's pdftotext, page by page: the marking is the first and the
    last line of every page, with "page N of M", the area and month, and when it was made."""
    p = pack.build(FORCE, MARCH, ["West"])
    pdf_path, _ = pack.write(p, tmp_path / "out")
    pages = len(PdfReader(pdf_path).pages)
    assert pages >= 2
    for n in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf_path), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[0].startswith("OFFICIAL-SENSITIVE"), (n, lines[0])
        assert lines[0].endswith("PVP pack: West, March 2018"), (n, lines[0])
        assert lines[-1].startswith("OFFICIAL-SENSITIVE"), (n, lines[-1])
        assert lines[-1].endswith(f"page {n} of {pages}"), (n, lines[-1])
        assert f"Produced {p.produced_at:%d/%m/%Y %H:%M} by tester" in lines[-1], n


def test_the_pack_workbook_is_for_analysis(pvp_db, monkeypatch):
    """Numbers are numbers with their formats, months are Excel dates, headers in words, the
    header row frozen and columns sized."""
    one = data.settings().model_copy(update={"min_entries_for_share": 1})
    monkeypatch.setattr(data, "settings", lambda: one)
    book = openpyxl.load_workbook(io.BytesIO(pack.to_excel(pack.build(FORCE, MARCH, ["West"]))))

    def rows(name: str) -> list[list]:
        return [list(r) for r in book[name].iter_rows()]

    headline = {r[0].value: r for r in rows("Headline")[1:]}
    average = headline["DS-review compliance, month average"]
    assert average[1].value == pytest.approx(26 / 31) and average[1].number_format == "0.0%"
    assert average[2].value == 1.0
    new_cases = headline["New child-related investigations"]
    assert (new_cases[1].value, new_cases[1].number_format) == (4, "#,##0")
    assert new_cases[3].value == "no data"

    trend = rows("Trend")
    assert [c.value for c in trend[0]][:2] == ["Month", "DS-review compliance, month average"]
    march = next(r for r in trend[1:] if r[0].value == datetime(2018, 3, 1))
    assert march[0].is_date and march[0].number_format == "DD/MM/YYYY"
    assert march[1].value == pytest.approx(26 / 31) and march[1].number_format == "0.0%"

    quality = {r[0].value: r for r in rows("Quality")[1:]}
    assert quality["Substantive"][1].value == pytest.approx(1 / 3)
    assert quality["Substantive"][1].number_format == "0.0%"
    assert quality["Counting entries by supervisors"][1].value == 3

    supervisors = rows("By supervisor")
    headers = [c.value for c in supervisors[0]]
    assert headers[:3] == ["Supervisor", "Rank", "Counting entries"]
    assert "Substantive" in headers and "substantive %" not in headers
    ds1 = next(r for r in supervisors[1:] if r[0].value == "DS1")
    share = ds1[headers.index("Substantive")]
    assert share.value == pytest.approx(1.0) and share.number_format == "0.0%"
    for name in ("Headline", "Trend", "Quality", "By team", "By supervisor"):
        assert book[name].freeze_panes == "A2", name
        assert book[name].column_dimensions["A"].width >= 8, name


def test_quality_of_supervision_by_hand(pvp_db, monkeypatch):
    """March's counting entries: R1 (DS on A: actions, strategy, ABE: substantive), R2 (PS on
    C: "Seen", no actions: thin), R3 (PS on D: "ok" with an action: partial). All three cases
    are child-related. February has none. Three entries are too few for shares by default."""
    small = pack.build(FORCE, MARCH).quality.set_index("measure")
    assert small.loc["Substantive"].tolist() == ["-", "-", "-"]
    three = data.settings().model_copy(update={"min_entries_for_share": 3})
    monkeypatch.setattr(data, "settings", lambda: three)
    q = pack.build(FORCE, MARCH).quality.set_index("measure")
    assert q.loc["Counting entries by supervisors"].tolist() == ["3", "0", "+3"]
    expected = {
        "Substantive": "33.3%", "Partial": "33.3%", "Thin": "33.3%", "Repeated text": "0.0%",
        "Risk reviewed": "0.0%", "Actions checked or set": "66.7%",
        "Plan or direction": "33.3%", "Next review set": "0.0%",
        "Child's voice (child cases)": "33.3%",
    }  # fmt: skip
    for measure, share in expected.items():
        assert q.loc[measure].tolist() == [share, "-", "-"], measure


def test_a_past_month_gives_the_same_figures_whenever_produced(pvp_db, tmp_path):
    first = pack.build(FORCE, MARCH, None)
    # Later data (an April review, a new case) must not change March.
    write_extracts(
        tmp_path / "later",
        investigations=[{"investigation_id": "F", "opened_at": "2018-04-02", "victim_age": "3"}],
        supervision=[{"review_id": "R9", "investigation_id": "E", "reviewed_at": "2018-04-03",
                      "reviewer_rank": "PS"}],
    )  # fmt: skip
    load(tmp_path / "later", pvp_db, Settings())
    second = pack.build(FORCE, MARCH, None)
    pd.testing.assert_frame_equal(first.headline, second.headline)
    pd.testing.assert_frame_equal(first.longest, second.longest)


@pytest.mark.browser  # headless Chromium prints the PDF
def test_pack_command_line(pvp_db, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "dashboard", "pack", "--db", str(pvp_db), "--month", "2018-03",
         "--area", "West", "--out", str(tmp_path / "packs")],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (tmp_path / "packs").iterdir()) == [
        "pvp-pack-west-2018-03.pdf", "pvp-pack-west-2018-03.xlsx",
    ]  # fmt: skip
    bad = subprocess.run(
        [sys.executable, "-m", "dashboard", "pack", "--db", str(pvp_db), "--area", "Mars"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2 and "unknown area" in bad.stderr
    assert io.StringIO(out.stdout).read().count(".pdf") == 1
    # Produced by the account that ran it (a newcomer's walk, session 25: "by scheduled-pack").
    about = openpyxl.load_workbook(tmp_path / "packs" / "pvp-pack-west-2018-03.xlsx")["About"]
    said = " ".join(str(c.value) for row in about.iter_rows() for c in row if c.value)
    assert f"by {getpass.getuser()} (command line)" in said
    # A month after the data made a pack of made-up figures (session 24's adversarial pass).
    later = subprocess.run(
        [sys.executable, "-m", "dashboard", "pack", "--db", str(pvp_db), "--month", "2030-06",
         "--out", str(tmp_path / "later")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert later.returncode == 2 and "does not cover June 2030" in later.stderr
    assert not (tmp_path / "later").exists()


@pytest.fixture
def tied_db(tmp_path, monkeypatch):
    """Four response child cases in West, each with one "Seen" entry by its own sergeant on the
    same day: the four supervisors tie on every measure."""
    db = tmp_path / "tied.duckdb"
    cases = [
        {"investigation_id": f"T{i}", "opened_at": "2018-03-05 10:00", "victim_age": "9",
         "team": f"West Response {name}"}
        for i, name in enumerate("DBCA")
    ]  # fmt: skip
    entries = [
        {"review_id": f"S{i}", "investigation_id": f"T{i}", "reviewed_at": "2018-03-06 09:00",
         "reviewer_id": f"PS-{name}", "reviewer_rank": "PS", "actions_set": "0", "note": "Seen"}
        for i, name in enumerate("DBCA")
    ]  # fmt: skip
    write_extracts(tmp_path / "x", investigations=cases, supervision=entries)
    load(tmp_path / "x", db, Settings())
    use_warehouse(monkeypatch, db)
    one = data.settings().model_copy(update={"min_entries_for_share": 1, "pack_top_supervisors": 2})
    monkeypatch.setattr(data, "settings", lambda: one)
    return db


def _cell_values(workbook: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    return {
        name: [tuple(c.value for c in row) for row in book[name].iter_rows()]
        for name in book.sheetnames
        if name != "About"  # says when it was produced
    }


def test_ties_break_on_the_name_and_two_packs_are_the_same(tied_db):
    first = pack.build(FORCE, MARCH, ["West"])
    assert list(first.by_supervisor["reviewer_id"]) == ["PS-A", "PS-B", "PS-C", "PS-D"]
    assert list(first.by_team["team"]) == [f"West Response {n}" for n in "ABCD"]
    data.warehouse()._cache.clear()  # the second pack reads the warehouse afresh
    second = pack.build(FORCE, MARCH, ["West"])
    assert _cell_values(pack.to_excel(first)) == _cell_values(pack.to_excel(second))


def test_the_supervisor_list_is_cut_to_the_setting_and_says_how_many_more(tied_db):
    p = pack.build(FORCE, MARCH, ["West"])
    assert list(p.top_supervisors["reviewer_id"]) == ["PS-A", "PS-B"]
    assert p.more_supervisors == "and 2 more, in the workbook"
    page = pack.to_html(p, [])
    assert "By supervisor: the 2 of most concern (March 2018)" in page
    assert "and 2 more, in the workbook" in page and "PS-C" not in page
    sheet = _cell_values(pack.to_excel(p))["By supervisor"]
    assert [row[0] for row in sheet[1:]] == ["PS-A", "PS-B", "PS-C", "PS-D"]
    assert p.longest_title == "Longest-waiting open cases at month end: none"


def test_a_render_process_ends_itself_when_no_one_is_left_to_stop_it(tmp_path):
    """A web worker killed mid-render leaves its render process behind, and subprocess.run's
    timeout died with the worker: the process keeps its own deadline (here 1 + 1 s, waiting
    on a job that never comes) and ends by SIGALRM instead of hanging on."""
    import signal
    import subprocess
    import sys
    import time

    code = (
        "import dashboard.packjobs as p; p.RENDER_TIMEOUT = 1; p.SELF_DEADLINE_GRACE = 1; "
        "raise SystemExit(p.main())"
    )
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE)
    try:
        assert proc.wait(timeout=60) == -signal.SIGALRM
    finally:
        proc.kill()
    assert time.monotonic() - started < 60


def test_the_pack_has_a_section_per_check_theme_with_the_months_beside(dash_app, tmp_path):
    """On the fixture (June 2018): the month's checks beside May and June 2017 (no data), and
    the child held overnight after charge with the outcome, in the PDF and the workbook."""
    p = pack.build(FORCE, date(2018, 6, 1), ["West", "East"])
    checks = p.checks.set_index("measure")
    assert checks.loc["Children detained", "this month"] == 2
    assert checks.loc["Accommodation requested late", "this month"] == 1
    assert checks.loc["Children detained", "same month last year"] == "no data"
    row = p.overnight.iloc[0]
    assert (row["custody record"], row["outcome"], row["certificate"]) == (
        "K-W1", "not available", "no s38(6) certificate",
    )  # fmt: skip
    west = pack.build(Scope("west", "area", ("West",)), date(2018, 6, 1), ["West", "East"])
    assert west.checks.set_index("measure").loc["Children detained", "this month"] == 1
    pdf_path, xlsx_path = pack.write(p, tmp_path / "out")
    text = "\n".join(page.extract_text() for page in PdfReader(pdf_path).pages)
    for expected in ("Children in custody", "Missing children", "K-W1", "72 hours"):
        assert expected in text, expected
    sheets = pd.read_excel(xlsx_path, sheet_name=None)
    assert "K-W1" in set(sheets["Overnight after charge"]["Custody record"])
