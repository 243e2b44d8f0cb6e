"""The browser of the HTML tests: Debian's chromium and chromium-driver driven by Selenium,
headless, with every console message kept. Imported by the check-*-in-chromium.py scripts."""
import sys

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service


def start(width=1280, height=2000):
    """A headless Chromium; exits 2 when it cannot start (the browser is part of the test
    environment: the calling test fails)."""
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-extensions", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    except Exception as error:
        print(f"cannot start chromium: {error}", file=sys.stderr)
        sys.exit(2)


def warnings(driver):
    """The console messages at warning level or above since the last call."""
    return [e.get("message") for e in driver.get_log("browser")
            if e.get("level") in ("WARNING", "SEVERE")]
