"""The dashboard in a real headless Chromium: what an area manager does at 8am."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import PASSWORD
from selenium.webdriver.common.by import By

DAY = "2018-06-30"
PAGES = [
    "/",
    "/child-related",
    "/quality",
    "/data-quality",
    "/case/E-OVERDUE",
    "/audit",
    "/pvp",
    "/audits",
    "/audit-results",
    "/settings",
]


def sign_in(dash_duo, username: str) -> None:
    dash_duo.driver.get(dash_duo.server_url + "/login")
    dash_duo.wait_for_element("#username").send_keys(username)
    dash_duo.find_element("#password").send_keys(PASSWORD)
    dash_duo.find_element("#sign-in").click()
    dash_duo.wait_for_element("#signed-in-as", timeout=10)


def open_page(dash_duo, path: str) -> None:
    dash_duo.driver.get(dash_duo.server_url + path)
    dash_duo.wait_for_element("#signed-in-as", timeout=10)


def grid_case_ids(dash_duo) -> set[str]:
    links = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#today-actions-grid a")
    return {a.text for a in links}


def centred_click(duo, element) -> None:
    """Click a grid cell in the middle of the window (Chromium's own scrolling leaves a cell
    below the fold under the page's edge)."""
    from selenium.webdriver.common.action_chains import ActionChains

    duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    ActionChains(duo.driver).move_to_element(element).click().perform()


def follow_link(duo, link) -> None:
    """Follow a link in a grid cell, wherever the grid has put it on the page."""
    duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    duo.driver.execute_script("arguments[0].click();", link)


def wait_for(predicate, timeout: float = 10):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def settled(dash_duo) -> bool:
    """The page has rendered its content and no callback is running or queued (twice in a row
    a poll apart, so a callback that triggers the next one is not missed)."""

    def idle() -> bool:
        rendered = dash_duo.driver.execute_script(
            "return !!document.querySelector('#_pages_content h1, #_pages_content .alert');"
        )
        return (
            bool(rendered)
            and dash_duo.redux_state_rqs == []
            and not (dash_duo.redux_state_is_loading)
        )

    if not idle():
        return False
    time.sleep(0.2)  # a poll interval, not a wait for something to finish
    return idle()


def test_today_counts_and_the_area_filter(duo):
    sign_in(duo, "force")
    open_page(duo, f"/?as_of={DAY}")
    duo.wait_for_text_to_equal("#card-child_related", "8", timeout=10)
    assert duo.find_element("#card-ds_review_overdue").text == "3"
    assert duo.find_element("#card-ds_review_due_soon").text == "2"
    assert duo.find_element("#card-response_unsupervised").text == "2"
    assert duo.find_element("#card-ds_review_overdue-change").text == "▲ up 1 since the day before"
    duo.wait_for_text_to_equal("#today-actions-count", "7 cases on 30/06/2018.", timeout=10)
    wait_for(lambda: len(grid_case_ids(duo)) == 7)

    duo.select_dcc_dropdown("#today-area", value="East")
    duo.wait_for_text_to_equal("#card-child_related", "2", timeout=10)
    assert duo.find_element("#card-ds_review_overdue").text == "1"
    assert duo.find_element("#card-ds_review_due_soon").text == "0"
    duo.wait_for_text_to_equal("#today-actions-count", "2 cases on 30/06/2018.", timeout=10)
    assert wait_for(lambda: grid_case_ids(duo) == {"E-OVERDUE", "E-RESP"})


def test_a_case_shows_its_timeline(duo):
    sign_in(duo, "east")
    open_page(duo, f"/case/E-OVERDUE?as_of={DAY}")
    duo.wait_for_text_to_equal(
        "#case-summary", "3 entries; 1 gap longer than 28 days: 60 days", timeout=10
    )
    # "Reviewed." and "Reviewed again." with actions set: partial, not substantive.
    assert duo.find_element("#case-substance").text.startswith(
        "0 of the 2 entries that count for the rule were substantive"
    )
    rows = duo.driver.find_elements(By.CSS_SELECTOR, "#case-entries tr")
    assert len(rows) == 3
    assert "no - rank below the rule" in rows[2].text  # the DC's entry
    points = duo.driver.find_elements(By.CSS_SELECTOR, "#case-timeline .scatterlayer .point")
    assert len(points) == 3
    assert "gap 60 days and counting" in duo.find_element("#case-timeline").text


def test_the_export_downloads(duo):
    sign_in(duo, "west")
    open_page(duo, f"/?as_of={DAY}")
    duo.wait_for_text_to_equal("#today-actions-count", "4 cases on 30/06/2018.", timeout=10)
    duo.find_element("#today-actions-export-csv").click()
    folder = Path(duo.download_path)
    path = wait_for(lambda: next(iter(folder.glob("*.csv")), None), timeout=15)
    text = path.read_text(encoding="utf-8-sig")
    assert path.name == f"official-sensitive-cases-needing-supervision-as-of-{DAY}.csv"
    assert "W-OVERDUE" in text and "E-OVERDUE" not in text


def test_west_user_sees_only_west_then_signs_out(duo):
    sign_in(duo, "west")
    open_page(duo, f"/?as_of={DAY}")
    assert "west (area: West)" in duo.find_element("#signed-in-as").text
    duo.wait_for_text_to_equal("#today-actions-count", "4 cases on 30/06/2018.", timeout=10)
    assert wait_for(lambda: grid_case_ids(duo) == {"W-OVERDUE", "W-NEW", "W-DUE", "W-RESP"})
    duo.find_element("#sign-out").click()
    duo.wait_for_element("#sign-in", timeout=10)
    duo.driver.get(duo.server_url + "/")
    assert "/login" in duo.driver.current_url


@pytest.mark.parametrize("who", ["admin", "west"])  # panels differ by role
def test_no_errors_in_the_browser_console_on_any_page(duo, who):
    sign_in(duo, who)
    for path in PAGES:
        open_page(duo, path + ("?as_of=" + DAY if "?" not in path else ""))
        wait_for(lambda: settled(duo), timeout=30)
        assert duo.get_logs() == [], path


def test_pvp_page_choose_a_month_and_download_the_pack(duo):
    sign_in(duo, "force")
    open_page(duo, "/pvp")
    duo.wait_for_element("#pvp-headline", timeout=20)
    duo.select_dcc_dropdown("#pvp-month", value="April 2018")
    duo.wait_for_text_to_equal(
        "#pvp-title", "PVP supervision pack: Whole force, April 2018", timeout=20
    )
    assert "DS-review compliance, month average" in duo.find_element("#pvp-headline").text
    duo.find_element("#pvp-pdf").click()
    folder = Path(duo.download_path)
    path = wait_for(lambda: next(iter(folder.glob("*.pdf")), None), timeout=60)
    assert path.name == "pvp-pack-whole-force-2018-04.pdf"
    assert path.read_bytes().startswith(b"%PDF")


def test_the_filters_live_in_the_address_survive_a_drill_down_and_back(duo):
    """Choosing East puts area=East in the address; a case opened from the list is as of the
    list's day and links back to the filtered list; browser Back returns to the previous
    filters; the address shared elsewhere gives the same view."""
    sign_in(duo, "force")
    open_page(duo, "/?as_of=2018-06-29")
    duo.wait_for_text_to_equal("#today-actions-count", "7 cases on 29/06/2018.", timeout=10)
    assert duo.find_element("#today-title").text == "As of 29/06/2018"
    duo.select_dcc_dropdown("#today-area", value="East")
    duo.wait_for_text_to_equal("#card-child_related", "2", timeout=10)
    wait_for(lambda: "area=East" in duo.driver.current_url)
    assert "as_of=2018-06-29" in duo.driver.current_url
    shared = duo.driver.current_url

    link = wait_for(lambda: next(iter(duo.driver.find_elements(
        By.CSS_SELECTOR, "#today-actions-grid a[href*='E-OVERDUE']")), None))  # fmt: skip
    follow_link(duo, link)
    duo.wait_for_text_to_equal("#case-title", "Case E-OVERDUE", timeout=10)
    assert "as_of=2018-06-29" in duo.driver.current_url
    assert "Everything on this page is as of 29/06/2018." in duo.find_element("body").text
    back = duo.find_element("#case-back").get_attribute("href")
    assert back.endswith("/?area=East&as_of=2018-06-29"), back

    duo.driver.back()
    duo.wait_for_text_to_equal("#card-child_related", "2", timeout=10)
    duo.driver.back()  # before East was chosen: all areas again
    duo.wait_for_text_to_equal("#card-child_related", "8", timeout=10)
    assert "area=" not in duo.driver.current_url

    duo.driver.get(shared)
    duo.wait_for_text_to_equal("#card-child_related", "2", timeout=10)
    assert duo.find_element("#today-title").text == "As of 29/06/2018"


def test_a_bad_address_says_so_and_shows_the_default_view(duo):
    sign_in(duo, "west")
    open_page(duo, "/?as_of=garbage&area=East")
    alert = duo.wait_for_element("#today-address-problem", timeout=10).text
    assert "As of 'garbage' is not a valid choice" in alert
    assert "Area 'East' is not one of your areas" in alert
    duo.wait_for_text_to_equal("#today-actions-count", "4 cases on 28/06/2018.", timeout=10)
    open_page(duo, "/?as_of=2016-01-01")
    before = duo.wait_for_element("#today-before-data", timeout=10).text
    assert before.startswith("The data starts in") and "01/01/2016" in before
    duo.wait_for_contains_text("#panel-today-cards", "nothing to count on 01/01/2016", timeout=10)
    assert not duo.driver.find_elements(By.ID, "card-child_related")  # no zeros, no "change"


def test_keyboard_and_screen_reader_basics(duo):
    """The page is en-GB, a skip link leads to the content, controls are named by their labels,
    and a case in the grid opens with Enter from its cell."""
    from selenium.webdriver.common.keys import Keys

    sign_in(duo, "west")
    open_page(duo, f"/?as_of={DAY}")
    duo.wait_for_text_to_equal("#today-actions-count", "4 cases on 30/06/2018.", timeout=10)
    driver = duo.driver
    assert driver.execute_script("return document.documentElement.lang") == "en-GB"
    skip = driver.find_element(By.CSS_SELECTOR, "a.skip-link")
    assert skip.get_attribute("href").endswith("#main")

    def name_of(element_id: str) -> str:
        return driver.execute_script(
            "const e = document.getElementById(arguments[0]);"
            "const c = e.matches('button, input') ? e : e.querySelector('button, input');"
            "return (c.getAttribute('aria-labelledby') || '').split(' ')"
            ".map(i => document.getElementById(i).textContent.trim()).join(' ');",
            element_id,
        )

    assert wait_for(lambda: name_of("today-area").startswith("Area"))
    assert name_of("today-as_of") == "As of"

    first_days = "#today-actions-grid .ag-row[row-index='0'] [col-id='days']"

    def days_focused() -> bool:
        """Focus the first row's Days cell by a click (again if the grid re-rendered under it)."""
        found = driver.find_elements(By.CSS_SELECTOR, first_days)
        if not found:
            return False
        centred_click(duo, found[0])
        return driver.switch_to.active_element.get_attribute("col-id") == "days"

    wait_for(days_focused)  # then move to its case by keyboard
    # Days <- Follow-up <- Needs <- Case
    driver.switch_to.active_element.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    focused = driver.switch_to.active_element
    assert focused.get_attribute("col-id") == "investigation_id"
    case_id = focused.text
    focused.send_keys(Keys.ENTER)
    duo.wait_for_text_to_equal("#case-title", f"Case {case_id}", timeout=10)


def test_below_768_px_the_navigation_folds_behind_a_menu(duo):
    sign_in(duo, "force")
    duo.driver.set_window_size(390, 844)
    try:
        open_page(duo, f"/?as_of={DAY}")
        toggle = duo.wait_for_element("#nav-toggle", timeout=10)
        assert toggle.is_displayed()
        menu = duo.find_element("#nav-collapse")
        link = menu.find_element(By.CSS_SELECTOR, "a[href='/child-related']")
        assert not link.is_displayed()
        toggle.click()
        wait_for(link.is_displayed)
    finally:
        duo.driver.set_window_size(1400, 1000)


def test_print_opens_every_filtered_row_on_its_own_page(duo):
    sign_in(duo, "force")
    open_page(duo, f"/?as_of={DAY}")
    duo.wait_for_text_to_equal("#today-actions-count", "7 cases on 30/06/2018.", timeout=10)
    duo.select_dcc_dropdown("#today-area", value="West")
    duo.wait_for_text_to_equal("#today-actions-count", "4 cases on 30/06/2018.", timeout=10)
    link = duo.find_element("#today-actions-print")
    wait_for(lambda: "West" in (link.get_attribute("href") or ""))
    before = set(duo.driver.window_handles)
    follow_link(duo, link)
    new = wait_for(lambda: set(duo.driver.window_handles) - before)
    duo.driver.switch_to.window(new.pop())
    try:
        wait_for(lambda: duo.driver.find_elements(By.CSS_SELECTOR, "tbody tr"))
        rows = duo.driver.find_elements(By.CSS_SELECTOR, "tbody tr")
        assert len(rows) == 4
        text = duo.driver.find_element(By.TAG_NAME, "body").text
        assert "As of: 30/06/2018" in text and "Filters: West" in text
        assert not duo.driver.find_elements(By.ID, "nav-collapse")  # no navigation bar
    finally:
        duo.driver.close()
        duo.driver.switch_to.window(next(iter(before)))
