#!/usr/bin/env python3
"""Loads an HTML file in headless Chromium (Debian's chromium + chromium-driver, Selenium) and
prints what the page shows as JSON: the number of elements matching each CSS selector given,
the text of #headline, the document title, and every browser console message at warning level
or above. Exits 2 when the browser cannot start. Used by the tests of HTML reports.

usage: check-html-in-chromium.py FILE SELECTOR...
"""
import json, sys

from selenium.webdriver.common.by import By

import headless_chromium

path, selectors = sys.argv[1], sys.argv[2:]
driver = headless_chromium.start()
try:
    driver.set_page_load_timeout(60)
    driver.get("file://" + path)
    counts = {s: len(driver.find_elements(By.CSS_SELECTOR, s)) for s in selectors}
    headline = driver.find_elements(By.ID, "headline")
    # Sorting: click the first sortable header twice and read the first column.
    sorted_ok = None
    headers = driver.find_elements(By.CSS_SELECTOR, "table.sortable th[data-kind=num]")
    if headers:
        headers[0].click()
        column = [float(td.get_attribute("data-value")) for td in driver.find_elements(By.CSS_SELECTOR, "table.sortable tbody tr td:first-child")]
        sorted_ok = column == sorted(column)
    logs = headless_chromium.warnings(driver)
    print(json.dumps({
        "title": driver.title,
        "headline": headline[0].text if headline else None,
        "counts": counts,
        "sortedAscending": sorted_ok,
        "console": logs,
    }))
finally:
    driver.quit()
