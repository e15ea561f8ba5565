"""Take the README's screenshots from the real app.

    python scripts/screenshots.py URL USER PASSWORD OUTDIR


Signs in with headless Chromium (Debian's chromium + chromium-driver) and saves a PNG per page.
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
    finally:
        driver.quit()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]))
