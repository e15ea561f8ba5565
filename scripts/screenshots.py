"""Take the README's screenshots from the real app.

    python scripts/screenshots.py URL USER PASSWORD OUTDIR
    python scripts/screenshots.py --audits URL PPU PASSWORD AUDITOR PASSWORD OUTDIR

Signs in with headless Chromium (Debian's chromium + chromium-driver) and saves a PNG per page.
The first form takes the pages an area or force user reads (the README's: as `force`), and the
follow-up dialog on the first case of Today's list, filled in but not saved. ``--audits`` takes
the case-audit pages as the public protection unit and an auditor, once the month's sample is
drawn (it draws nothing itself).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

PAGES = {
    "today": "/",
    "case": None,  # the first case in today's list
    "child-related": "/child-related",
    "quality": "/quality",
    "quality-entries": "/quality/entries?reviewer=DS-E001",
    "data-quality": "/data-quality",
    "pvp": "/pvp",
    "settings": "/settings",
    "today-checks": "/",
    "custody": "/custody",
    "missing": "/missing",
}
# Pages shown from a panel further down: the element scrolled to the top first.
SCROLL_TO = {"today-checks": "panel-today-check-cards"}
# The case-audit pages: (name, who, path; None: the first audit of the list, element to scroll
# to or None). "ppu" and "auditor" are the two users given to --audits.
AUDIT_PAGES = [
    ("audits", "ppu", "/audits", None),
    ("audit-results", "ppu", "/audit-results", None),
    ("pvp-audit-outcomes", "ppu", "/pvp", "pvp-audits"),
    ("audit-form", "auditor", None, None),
    ("audit-form-unmarked", "auditor", None, "audits-q-risk"),
]


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--window-size=1400,1000",
    ):  # fmt: skip
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def sign_in(driver: webdriver.Chrome, base: str, user: str, password: str) -> None:
    driver.get(base + "/login")
    driver.find_element(By.ID, "username").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in").click()
    time.sleep(1)


def main(base: str, user: str, password: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    driver = browser()
    try:
        sign_in(driver, base, user, password)
        for name, path in PAGES.items():
            if path is None:
                links = driver.find_elements(By.CSS_SELECTOR, "#today-actions-grid a")
                if not links:
                    driver.get(base + "/")
                    time.sleep(4)
                    links = driver.find_elements(By.CSS_SELECTOR, "#today-actions-grid a")
                path = links[0].get_attribute("href").replace(base, "") if links else "/case/x"
            driver.get(base + path)
            time.sleep(5)
            if name in SCROLL_TO:
                element = driver.find_element(By.ID, SCROLL_TO[name])
                driver.execute_script("arguments[0].scrollIntoView(true);", element)
                time.sleep(1)
            driver.save_screenshot(str(out / f"{name}.png"))
            print(out / f"{name}.png")
        follow_up(driver, base, out)
    finally:
        driver.quit()


def follow_up(driver: webdriver.Chrome, base: str, out: Path) -> None:
    """The follow-up dialog of the first case on Today's list, filled in, not saved."""
    driver.get(base + "/")
    time.sleep(5)
    cells = driver.find_elements(By.XPATH, "//*[contains(text(), 'record a follow-up')]")
    if not cells:
        print("no case to follow up on Today's list: follow-up.png not taken")
        return
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", cells[0])
    time.sleep(1)
    cells[0].click()
    time.sleep(2)
    driver.find_element(By.ID, "follow-up-person").send_keys("DS Ahmed")
    driver.find_element(By.ID, "follow-up-note").send_keys("Rang: review booked for Friday")
    time.sleep(1)
    driver.save_screenshot(str(out / "follow-up.png"))
    print(out / "follow-up.png")


def audits(base: str, users: dict[str, tuple[str, str]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for who in ("ppu", "auditor"):
        driver = browser()
        try:
            sign_in(driver, base, *users[who])
            for name, user, path, scroll in AUDIT_PAGES:
                if user != who:
                    continue
                if path is None:
                    driver.get(base + "/audits")
                    time.sleep(5)
                    links = driver.find_elements(By.CSS_SELECTOR, "a[href*='/audits/']")
                    if not links:
                        print(f"no audit in {users[who][0]}'s list: draw the sample first")
                        break
                    path = links[0].get_attribute("href").replace(base, "")
                driver.get(base + path)
                time.sleep(6)
                if scroll:
                    element = driver.find_element(By.ID, scroll)
                    driver.execute_script("arguments[0].scrollIntoView(true);", element)
                    time.sleep(1)
                driver.save_screenshot(str(out / f"{name}.png"))
                print(out / f"{name}.png")
        finally:
            driver.quit()


if __name__ == "__main__":
    if sys.argv[1] == "--audits":
        url, ppu, ppu_password, auditor, auditor_password, outdir = sys.argv[2:8]
        audits(url, {"ppu": (ppu, ppu_password), "auditor": (auditor, auditor_password)},
               Path(outdir))  # fmt: skip
    else:
        main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]))
