#!/usr/bin/env python3
"""Loads a `tailguard graph -o html` page in headless Chromium (Debian chromium and
chromium-driver, Selenium) and prints as JSON what it shows and how it answers: the number of
nodes and edges per kind, the highlighted ones, what folding the first layer with packages hides
(by click) and shows again (by the Enter key), whether the focus filter dims the rest, the rows
of the text alternative, and every console message at warning level or above. Saves a
screenshot to SCREENSHOT when given. Exits 2 when the browser cannot start.

usage: check-graph-in-chromium.py FILE [SCREENSHOT]
"""
import json, sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import headless_chromium

path = sys.argv[1]
screenshot = sys.argv[2] if len(sys.argv) > 2 else None
driver = headless_chromium.start(1400, 1200)


def count(selector):
    return len(driver.find_elements(By.CSS_SELECTOR, selector))


def hidden():
    return driver.execute_script(
        "return document.querySelectorAll('svg.dependency-graph .hidden').length")


try:
    driver.set_page_load_timeout(60)
    driver.get("file://" + path)
    seen = {"title": driver.title, "summary": driver.find_element(By.ID, "summary").text}
    seen["nodes"] = {k: count(f"svg.dependency-graph g.node.{k}")
                     for k in ("image", "base", "layer", "package", "vulnerability")}
    seen["edges"] = {k: count(f"svg.dependency-graph path.edge.{k}")
                     for k in ("built-on", "layer", "contains", "affects")}
    seen["highlightedNodes"] = count("svg.dependency-graph g.node.hl")
    seen["svgTitle"] = count("svg.dependency-graph > title") == 1 and count("svg.dependency-graph > desc") == 1
    seen["pathRows"] = count("table#paths tbody tr")
    seen["vulnerabilityRows"] = count("table#vulnerabilities tbody tr")
    if screenshot:
        driver.save_screenshot(screenshot)
    # Fold the first layer that holds packages (a click), then unfold it (Enter).
    layers = [n for n in driver.find_elements(By.CSS_SELECTOR, "svg.dependency-graph g.node.layer")
              if count(f'svg.dependency-graph g.node[data-holder="{n.get_attribute("id")}"]') > 0]
    seen["folded"] = None
    if layers:
        layer = layers[-1]
        held = count(f'svg.dependency-graph g.node[data-holder="{layer.get_attribute("id")}"]')
        driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", layer)
        after_click = hidden()
        expanded = layer.get_attribute("aria-expanded")
        driver.execute_script("arguments[0].focus()", layer)
        layer.send_keys(Keys.ENTER)
        seen["folded"] = {"held": held, "hiddenAfterClick": after_click,
                          "ariaExpandedAfterClick": expanded, "hiddenAfterEnter": hidden(),
                          "ariaExpandedAfterEnter": layer.get_attribute("aria-expanded")}
    focus = driver.find_element(By.ID, "graph-focus")
    focus.click()
    seen["focusFilter"] = "focus" in driver.find_element(
        By.CSS_SELECTOR, "svg.dependency-graph").get_attribute("class")
    seen["console"] = headless_chromium.warnings(driver)
    print(json.dumps(seen))
finally:
    driver.quit()
