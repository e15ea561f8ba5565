"""Acting on the list in a real headless Chromium: a West manager records follow-ups from the
Today list (chased, then assigned), filters to the cases not yet acted on, saves that as the
view the page opens with, and finds it there on the next visit."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import delete
from test_browser import open_page, sign_in, wait_for

from dashboard.appdb.models import CaseFollowUp, SavedView
from dashboard.audits import app_db

pytestmark = pytest.mark.xdist_group("browser")

CELL = "#today-actions-grid .ag-row[row-id^='W-OVERDUE|'] .ag-cell[col-id='follow_up']"


@pytest.fixture
def duo(duo):
    """conftest's browser on the app, and afterwards the follow-ups and views cleared."""
    yield duo
    with app_db().transaction() as s:  # the app is shared by the session's tests
        s.execute(delete(CaseFollowUp))
        s.execute(delete(SavedView))


def settled(action) -> bool:
    """Do ``action`` (a click) unless the page moved under the pointer first (a tooltip or a
    late render can take the click): False then, to try again."""
    from selenium.common.exceptions import (
        ElementClickInterceptedException,
        StaleElementReferenceException,
    )

    try:
        action()
    except (ElementClickInterceptedException, StaleElementReferenceException):
        return False
    return True


def settled_click(duo, element) -> bool:
    return settled(element.click)


def settled_choice(duo, selector: str, option: str) -> bool:
    """Bring the dropdown ``selector`` into view and choose ``option`` in it; False when a
    redraw moved it away first (a click at a point above the window is intercepted)."""
    duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'});", duo.find_element(selector)
    )
    return settled(lambda: duo.select_dcc_dropdown(selector, option))


def text_of(duo, selector: str) -> str:
    """The element's text now ("" while it is absent or being re-rendered by the grid)."""
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        found = duo.driver.find_elements(By.CSS_SELECTOR, selector)
        return found[0].text if found else ""
    except StaleElementReferenceException:
        return ""


def cell_text(duo) -> str:
    return text_of(duo, CELL)


def test_a_manager_follows_up_a_case_and_saves_the_view(duo):
    sign_in(duo, "west")
    open_page(duo, "/")

    def click_cell() -> bool:
        found = duo.driver.find_elements(By.CSS_SELECTOR, CELL)
        if not found:
            return False
        duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", found[0])
        return settled_click(duo, found[0])

    wait_for(click_cell, timeout=15)
    duo.wait_for_text_to_equal("#follow-up-title", "Follow-up of W-OVERDUE", timeout=10)
    wait_for(lambda: "DS review overdue" in text_of(duo, "#follow-up-summary"))
    duo.find_element("#follow-up-person").send_keys("DS Patel")
    duo.find_element("#follow-up-note").send_keys("Rang twice, review booked")
    duo.find_element("#follow-up-save").click()
    # The list asks the server again: the follow-up shows beside the flag at once.
    wait_for(lambda: cell_text(duo).startswith("Chased DS Patel"), timeout=15)
    assert "by west" in cell_text(duo)
    # The panel under the list is redrawn by its own callback, which may come a little later.
    wait_for(lambda: "W-OVERDUE" in text_of(duo, "#follow-up-recent"), timeout=15)

    # Then assigned to a supervisor: the latest follow-up is the one the list shows.
    wait_for(click_cell, timeout=15)
    wait_for(lambda: "Chased DS Patel" in text_of(duo, "#follow-up-summary"))
    assign = duo.driver.find_element(
        By.XPATH, "//*[@id='follow-up-kind']//label[normalize-space()='Assigned to']"
    )
    duo.driver.execute_script("arguments[0].click();", assign)
    duo.find_element("#follow-up-person").send_keys("DS Khan")
    duo.find_element("#follow-up-save").click()
    wait_for(lambda: cell_text(duo).startswith("Assigned to DS Khan"), timeout=15)
    wait_for(lambda: "open" in text_of(duo, "#follow-up-recent"), timeout=15)

    # The list was scrolled to its cell: the filter is brought back into view, and chosen
    # again if the panel under the list is redrawn just then and moves it.
    wait_for(lambda: settled_choice(duo, "#today-follow_up", "Not yet acted on"), timeout=15)
    wait_for(lambda: "follow_up=not_acted" in duo.driver.current_url)
    wait_for(lambda: not duo.driver.find_elements(By.CSS_SELECTOR, CELL), timeout=15)
    duo.find_element("#today-view-name").send_keys("Not acted on")
    duo.find_element("#today-view-default").click()
    duo.find_element("#today-view-save").click()
    duo.wait_for_contains_text("#today-view-message", "Saved 'Not acted on'", timeout=10)

    # Next morning: the page opens with the saved view, and says so.
    open_page(duo, "/")
    duo.wait_for_contains_text("#today-view-message", "Opened with your view", timeout=10)
    wait_for(lambda: "Not yet acted on" in text_of(duo, "#today-follow_up"))
    duo.wait_for_element("#today-actions-grid .ag-row", timeout=15)
    assert not duo.driver.find_elements(By.CSS_SELECTOR, CELL)
    # And "Without it" shows the whole list again.
    open_page(duo, "/?view=none")
    duo.wait_for_element(CELL, timeout=15)
