"""The built site in headless Chromium (selenium), served by ``crm-vocab serve``: headings render,
no console errors, and a ``<script>`` in a mapping comment shows as text. Screenshots go to
tests/artifacts/ (git-ignored)."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import HOSTILE_MARK, headless_chromium, needs_chromium

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def driver():
    ARTIFACTS.mkdir(exist_ok=True)
    with headless_chromium("1280,1000", extra_args=('--disable-quic',), logs=('browser',)) as d:
        yield d


def open_page(driver, url: str, shot: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop earlier messages
    driver.get(url)
    WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, "article h1")))
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    driver.save_screenshot(str(ARTIFACTS / f"{shot}.png"))
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, errors
    return driver.find_element(By.CSS_SELECTOR, "article h1").text


def test_home(driver, site_url):
    h1 = open_page(driver, site_url, "home")
    assert "Critical Raw Materials" in h1


def test_class_page(driver, site_url, built_site):
    from selenium.webdriver.common.by import By

    classes = [p for p in sorted(built_site.glob("*.html")) if "crm-kind\">class<" in p.read_text(encoding="utf-8")]
    assert classes, "no class pages"
    page = classes[0]
    h1 = open_page(driver, site_url + page.name, "class")
    assert h1.startswith(page.stem)
    headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "article h2")]
    assert "Properties" in headings and "Diagram" in headings and "Example" in headings


def test_criterion_page_shows_script_as_text(driver, site_url, site_project):
    from selenium.webdriver.common.by import By

    crit = site_project["hostile_object"].split(":", 1)[1]
    h1 = open_page(driver, f"{site_url}criteria/{crit}.html", "criterion")
    assert h1.startswith(crit)
    body = driver.find_element(By.CSS_SELECTOR, "article").text
    assert f"<script>{HOSTILE_MARK}</script>" in body
    assert driver.execute_script("return window.__crm_xss === undefined")
    assert "Requirements mapped to this criterion" in [h.text for h in driver.find_elements(By.CSS_SELECTOR, "article h2")]


def test_coverage_page(driver, site_url, built_site):
    from selenium.webdriver.common.by import By

    h1 = open_page(driver, site_url + "coverage.html", "coverage")
    assert h1 == "Coverage"
    if (built_site / "working" / "coverage.svg").is_file():  # the matrix (tests/test_coverage_matrix.py)
        assert driver.find_elements(By.CSS_SELECTOR, "#crm-matrix-table tbody tr")


def test_search_finds_a_criterion(driver, site_url, site_project):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    crit = site_project["hostile_object"].split(":", 1)[1]
    open_page(driver, site_url, "search-before")
    from selenium.common.exceptions import ElementNotInteractableException
    from selenium.webdriver.support import expected_conditions as EC

    driver.execute_script("document.getElementById('__search').checked = true")  # open the search dialog
    box = WebDriverWait(driver, 20).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "input.md-search__input")))

    def typed(d):
        # the dialog animates open: until the transition ends the input may refuse keys
        try:
            box.click()
            box.send_keys(crit)
            return True
        except ElementNotInteractableException:
            return False

    WebDriverWait(driver, 20, poll_frequency=0.25).until(typed)
    WebDriverWait(driver, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".md-search-result__item"))
    driver.save_screenshot(str(ARTIFACTS / "search.png"))
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, errors


def test_search_results_show_hostile_text_inert(driver, site_url, site_project):
    """The search index holds page text, and Material renders result excerpts as HTML: a
    <script>/<img onerror> in a mapping comment must stay inert there too."""
    from selenium.common.exceptions import ElementNotInteractableException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(driver, site_url, "search-hostile-before")
    driver.execute_script("document.getElementById('__search').checked = true")
    box = WebDriverWait(driver, 20).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "input.md-search__input")))

    def typed(d):
        try:
            box.click()
            box.send_keys("crm_xss onerror")
            return True
        except ElementNotInteractableException:
            return False

    WebDriverWait(driver, 20, poll_frequency=0.25).until(typed)
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".md-search-result__item"))
    import time

    time.sleep(1.0)  # give any injected handler the chance to run
    driver.save_screenshot(str(ARTIFACTS / "search-hostile.png"))
    assert driver.execute_script("return window.__crm_xss === undefined"), "hostile mapping text ran in search results"
    assert not driver.find_elements(By.CSS_SELECTOR, ".md-search-result img[src='x']")
