"""A word longer than a column (a team name of 409 characters with no space, as an extract may
hold) wraps in the print view and the PDF pack. A fifth adversarial pass (session 17) found
the columns after it pushed off the A4 page: the print view lost team type, officer and opened
for every row, the pack's quality tables every figure."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from urllib.parse import urlencode

import pytest
from conftest import use_warehouse

from dashboard import pack
from dashboard.scope import Scope
from etl.load import load
from etl.settings import Settings
from etl.testing import write_extracts

LONG = "WestCP" + "X" * 400 + "END"
CASES = [
    {"investigation_id": "A1", "opened_at": "2018-03-01 09:00", "team": LONG,
     "team_type": "child_protection", "officer_id": "DC1"},
    {"investigation_id": "A2", "opened_at": "2018-03-02 09:00", "team": "Short team",
     "team_type": "child_protection", "officer_id": "DC2"},
    # The newest day of data: A1 and A2 are overdue on it, so both are on Today's list.
    {"investigation_id": "A3", "opened_at": "2018-05-30 09:00", "team": "Other",
     "team_type": "child_protection", "officer_id": "DC3"},
]  # fmt: skip
REVIEWS = [
    {"review_id": "R1", "investigation_id": "A1", "reviewed_at": "2018-03-25 10:00",
     "reviewer_id": "DS" + "Y" * 300 + "ZED", "reviewer_rank": "DS", "actions_set": "2",
     "note": "Risk assessed; plan: strategy meeting; next review 20/4."},
]  # fmt: skip


# Short words glued by no-break spaces: as long a run for the browser (session 24's pass).
GLUED = {"A1": "West\u00a0CP\u00a0" + "\u00a0".join(["word"] * 80) + "\u00a0END",
         "R1": "DS\u00a0" + "\u202f".join(["yy"] * 100) + "\u00a0ZED"}  # fmt: skip


@pytest.fixture(params=["one long word", "glued by no-break spaces"])
def long_words(tmp_path, monkeypatch, request):
    cases, reviews = CASES, REVIEWS
    if request.param != "one long word":
        cases = [{**c, "team": GLUED["A1"]} if c["investigation_id"] == "A1" else c
                 for c in CASES]  # fmt: skip
        reviews = [{**REVIEWS[0], "reviewer_id": GLUED["R1"]}]
    write_extracts(tmp_path / "x", investigations=cases, supervision=reviews)
    load(tmp_path / "x", tmp_path / "w.duckdb", Settings())
    use_warehouse(monkeypatch, tmp_path / "w.duckdb")


def pdf_text(pdf) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    return done.stdout


@pytest.mark.browser
def test_the_print_view_wraps_a_long_word(dash_app, client_for, long_words, tmp_path):
    query = urlencode({"filters": json.dumps({}), "grid": "{}", "sort": "[]"})
    page = client_for("force").get(f"/print/today-actions?{query}")
    assert page.status_code == 200
    source, out = tmp_path / "p.html", tmp_path / "p.pdf"
    source.write_text(page.get_data(as_text=True))
    subprocess.run(
        [pack.chromium(), "--headless", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
         f"--print-to-pdf={out}", source.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    text = pdf_text(out)
    assert "END" in text  # the whole name, wrapped
    assert "DC1" in text and "DC2" in text  # the officer column is on the page


@pytest.mark.browser
def test_the_pdf_pack_wraps_a_long_word(long_words, tmp_path):
    force = Scope("tester", "force", ("West", "East", "South"))
    pdf, _ = pack.write(pack.build(force, date(2018, 3, 1), ["West"]), tmp_path / "out")
    text = pdf_text(pdf)
    assert "END" in text and "ZED" in text  # the long team and supervisor, wrapped
    assert "Substantive" in text or "substantive" in text  # the figures' columns are there
