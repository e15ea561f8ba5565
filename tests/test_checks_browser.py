"""Today's Check control in a real headless Chromium: a force user picks one check, the list of
records failing a check keeps that check's rows only, the address carries the choice, and
clearing it brings every check back."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from test_browser import open_page, sign_in, wait_for
from test_follow_ups_browser import settled_choice, text_of

from dashboard import words

pytestmark = pytest.mark.xdist_group("browser")

CHECK_CELLS = "#today-checks-grid .ag-row .ag-cell[col-id='check_words']"


def checks_shown(duo) -> set[str]:
    """The Check column of the rows the list holds now (empty while it is being redrawn). Read
    as the cells' text content: Selenium's visible text is empty for a row scrolled out of
    the window, which depends on the window an earlier test left."""
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        cells = duo.driver.find_elements(By.CSS_SELECTOR, CHECK_CELLS)
        return {c.get_attribute("textContent").strip() for c in cells} - {""}
    except StaleElementReferenceException:
        return set()


def test_the_check_control_narrows_the_list_to_one_check_and_back(duo):
    sign_in(duo, "force")
    open_page(duo, "/?as_of=2018-06-30")
    chosen = words.CHECK_WORDS["unallocated"]
    # The fixture's day holds more than one check, or narrowing would prove nothing.
    wait_for(lambda: len(checks_shown(duo)) > 1 and chosen in checks_shown(duo), timeout=20)
    wait_for(lambda: settled_choice(duo, "#today-check", chosen), timeout=15)
    wait_for(lambda: "check=unallocated" in duo.driver.current_url)
    wait_for(lambda: checks_shown(duo) == {chosen}, timeout=15)
    assert chosen in text_of(duo, "#today-check")

    # Cleared (the control's own "x"), every check is listed again.
    clear = duo.driver.find_elements(By.CSS_SELECTOR, "#today-check .dash-dropdown-clear")
    assert clear, "the Check control can be cleared"
    duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", clear[0])
    clear[0].click()
    wait_for(lambda: "check=" not in duo.driver.current_url)
    wait_for(lambda: len(checks_shown(duo)) > 1, timeout=15)
