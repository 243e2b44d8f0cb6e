#!/usr/bin/env python3
"""Drives the dashboard of a running `tailguard serve` in headless Chromium (Debian's chromium +
chromium-driver, Selenium): logs in through the form, visits every page, counts chart elements
and table rows, sorts (mouse and keyboard) and filters (the GET form and the page's quick filter),
collects console messages at warning level or above, logs out, and saves a screenshot of each
page into SCREENSHOT_DIR. Prints what it saw as JSON. Exits 2 when the browser cannot start.
Used by DashboardTests.dashboardInChromium.

usage: check-dashboard-in-chromium.py BASE_URL TOKEN SCREENSHOT_DIR IMAGE_DIGEST HOSTILE_DIGEST VULN_ID
"""
import json, os, sys

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

import headless_chromium

base, token, shots, image, hostile, vuln = sys.argv[1:7]
driver = headless_chromium.start()

console, counts, sorted_ok, screenshots = [], {}, {}, []


def drain_console():
    console.extend(headless_chromium.warnings(driver))


def visit(path):
    driver.get(base + path)
    drain_console()


def click_and_wait(selector, url_test):
    """Clicks SELECTOR (a submit button) and waits until the next page is loaded and its URL
    passes URL_TEST: a click returns before the navigation it starts has finished."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(old))
    WebDriverWait(driver, 30).until(lambda d: url_test(d.current_url)
                                    and d.execute_script("return document.readyState") == "complete")
    drain_console()


def count(label, selector):
    counts[f"{label} {selector}"] = len(driver.find_elements(By.CSS_SELECTOR, selector))


def shot(name):
    path = os.path.join(shots, name + ".png")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(800, min(int(height) + 100, 6000)))
    driver.save_screenshot(path)
    screenshots.append(path)


def column(table, index):
    return [float(td.get_attribute("data-value"))
            for td in driver.find_elements(By.CSS_SELECTOR, f"table#{table} tbody tr td:nth-child({index})")]


try:
    driver.set_page_load_timeout(60)
    visit("/")
    redirected = driver.current_url.endswith("/login")

    # Log in through the form.
    driver.find_element(By.ID, "token").send_keys(token)
    click_and_wait("form#login button[type=submit]", lambda url: not url.endswith("/login"))
    logged_in = driver.current_url.rstrip("/") == base.rstrip("/")

    # The overview.
    for selector in ("#long-tail-chart rect.usage-bar", "#long-tail-chart circle.finding-point",
                     "#long-tail-chart > title", "#severity-chart rect.severity-bar",
                     "#severity-chart > title", "#sla-chart > title", "#alerts > li",
                     "#long-tail-table tbody tr", "#severity-table tbody tr"):
        count("overview", selector)
    headline = driver.find_element(By.ID, "headline").text
    shot("overview")

    # The image table: rows, sorting by mouse and by keyboard, the page's quick filter.
    visit("/images")
    count("images", "table#images tbody tr")
    headers = driver.find_elements(By.CSS_SELECTOR, "table#images thead th")
    replicas = headers[3]
    replicas.click()
    values = column("images", 4)
    sorted_ok["replicas ascending"] = values == sorted(values) and replicas.get_attribute("aria-sort") == "ascending"
    replicas.click()
    values = column("images", 4)
    sorted_ok["replicas descending"] = values == sorted(values, reverse=True)
    critical = driver.find_elements(By.CSS_SELECTOR, "table#images thead th")[4]
    critical.send_keys(Keys.ENTER)
    values = column("images", 5)
    sorted_ok["keyboard sort aria-sort"] = (critical.get_attribute("aria-sort") == "ascending"
                                           and values == sorted(values)
                                           and critical.get_attribute("tabindex") == "0")
    shot("images")
    quick = driver.find_element(By.ID, "quick-filter")
    quick.send_keys("batch")
    counts["images quick filter 'batch' visible rows"] = len(
        [r for r in driver.find_elements(By.CSS_SELECTOR, "table#images tbody tr") if r.is_displayed()])

    # Filters are GET parameters: by URL, and through the form.
    visit("/images?segment=tail")
    count("images?segment=tail", "table#images tbody tr")
    visit("/images")
    driver.find_element(By.CSS_SELECTOR, "form#filters input[name=kev]").click()
    click_and_wait("form#filters button[type=submit]", lambda url: "kev=1" in url)
    count("images?kev=1 (form)", "table#images tbody tr")

    # One image, and the one whose names are markup.
    visit("/images/" + image)
    count("image", "#findings-table tbody tr")
    count("image", "section#graph")
    for selector in ("section#graph svg.dependency-graph g.node",
                     "section#graph svg.dependency-graph path.edge",
                     "section#graph svg.dependency-graph g.node.hl"):
        count("image", selector)
    shot("image")
    # Graph interaction (the graph's own script, served in /assets/dashboard.js): fold a layer.
    layers = driver.find_elements(By.CSS_SELECTOR, "section#graph svg.dependency-graph g.node.layer")
    if layers:
        driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", layers[0])
        counts["image graph folded layer: hidden packages"] = len(driver.find_elements(
            By.CSS_SELECTOR, "section#graph svg.dependency-graph g.node.package.hidden"))
    visit("/images/" + hostile)
    try:
        driver.switch_to.alert
        alerted = True
    except NoAlertPresentException:
        alerted = False
    title = driver.find_element(By.CSS_SELECTOR, "h1 .ref").text
    escaped = not alerted and "<script>alert(1)</script>" in title
    shot("image-hostile")

    # One vulnerability across the fleet.
    visit("/findings/" + vuln)
    count("finding", "table#finding-images tbody tr")
    shot("finding")

    # The tail's graph: its images together.
    visit("/graph?segment=tail")
    count("graph", "section#graph svg.dependency-graph g.node.image")
    count("graph", "section#graph svg.dependency-graph g.node")
    shot("graph-tail")

    # Log out (POST with the page's CSRF field), then pages redirect again.
    click_and_wait("form.logout button", lambda url: url.endswith("/login"))
    visit("/")
    logged_out = driver.current_url.endswith("/login")

    print(json.dumps({
        "redirectedToLogin": redirected and logged_in,
        "headline": headline,
        "counts": counts,
        "sorted": sorted_ok,
        "escaped": escaped,
        "loggedOut": logged_out,
        "console": console,
        "screenshots": screenshots,
    }))
finally:
    driver.quit()
