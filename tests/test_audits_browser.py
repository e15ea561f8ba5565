"""A case audit in a real headless Chromium: the auditor answers, cannot submit with a question
unanswered, submits; the moderator changes the grade; the PVP page and its PDF pack show it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pypdf import PdfReader
from selenium.webdriver.common.by import By
from test_audits_app import new_audit
from test_browser import open_page, sign_in, wait_for

from dashboard.audits.config import get_config


def click(duo, selector: str) -> None:
    element = duo.find_element(selector)
    # The form is longer than the window: a script click needs no scrolling.
    duo.driver.execute_script("arguments[0].click();", element)


def answer(duo, question: str, value: str) -> None:
    click(duo, f"#audits-q-{question} input[value='{value}']")


def test_audit_submit_moderate_and_the_pack_shows_it(duo):
    # May 2018: the fixture's last complete month, so the PVP page offers it.
    audit = new_audit("West", "W-OVERDUE", date(2018, 5, 1))
    questions = [q.key for q in get_config().questions]
    sign_in(duo, "west-auditor")
    open_page(duo, f"/audits/{audit.id}")
    duo.wait_for_text_to_equal("#audits-status", "sampled", timeout=10)
    for key in questions[:-1]:
        answer(duo, key, "no" if key == "supervision_present" else "yes")
    click(duo, "#audits-grade input[value='good']")
    duo.find_element("#audits-rationale").send_keys("Plan and referral sound.")
    duo.wait_for_contains_text("#audits-progress", "1 question(s) unanswered", timeout=10)
    assert not duo.find_element("#audits-submit").is_enabled()
    answer(duo, questions[-1], "partly")
    duo.wait_for_contains_text("#audits-progress", "ready to submit", timeout=10)
    wait_for(lambda: duo.find_element("#audits-submit").is_enabled())
    click(duo, "#audits-submit")
    duo.wait_for_text_to_equal("#audits-status", "submitted", timeout=15)
    assert not duo.driver.find_elements(By.ID, "audits-submit")  # read-only now

    click(duo, "#sign-out")
    duo.wait_for_element("#sign-in", timeout=10)
    sign_in(duo, "west-moderator")
    open_page(duo, f"/audits/{audit.id}")
    duo.wait_for_element("#audits-mod-grade", timeout=10)
    click(duo, "#audits-mod-grade input[value='inadequate']")
    click(duo, "#audits-moderate")
    duo.wait_for_contains_text("#audits-mod-message", "say why", timeout=10)
    duo.find_element("#audits-mod-reason").send_keys("No DS review for 58 days.")
    click(duo, "#audits-moderate")
    duo.wait_for_contains_text("#audits-final", "Final grade: inadequate", timeout=15)

    click(duo, "#sign-out")
    duo.wait_for_element("#sign-in", timeout=10)
    sign_in(duo, "west")
    open_page(duo, "/pvp?month=2018-05-01&area=West")
    duo.wait_for_contains_text("#pvp-audits", "Audit outcomes, May 2018", timeout=30)
    grades = duo.find_element("#pvp-audit-grades").text
    assert "Inadequate" in grades and "West 0 0 1 0" in grades  # one inadequate, in West
    click(duo, "#pvp-pdf")
    folder = Path(duo.download_path)
    path = wait_for(lambda: next(iter(folder.glob("*.pdf")), None), timeout=90)
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Audit outcomes (May 2018)" in text and "inadequate" in text.lower()
