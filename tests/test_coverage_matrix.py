"""The interactive coverage matrix (coverage.html) in headless Chromium: at 1366x768 and 390x844
no text in the matrix is under 11 px (computed font size of every element holding text), the page
does not overflow a phone's width, the keyboard reaches every cell, a cell shows its rows and
comments on hover, focus and tap (text only, never markup), find/show/sort work and a cell leads
to its requirement or criterion page. Run on this project's build (50 criteria x 7 schemes, a
hostile comment) and on 60 criteria x 9 schemes (synthetic crosswalks, long labels).
Screenshots: tests/artifacts/coverage-matrix-*.png."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import HOSTILE_MARK, _build, _copy_project, headless_chromium, needs_chromium
from test_serve import start_server, stop
from test_site_browser import ARTIFACTS

pytestmark = needs_chromium

SIZES = ((1366, 768), (390, 844))
MIN_PX = 11.0


@pytest.fixture(scope="module")
def big_site(tmp_path_factory, project):
    """This project with synthetic mappings: 60 criteria, 9 schemes, labels as long as real ones."""
    import yaml

    from bench import synthetic

    root = _copy_project(tmp_path_factory.mktemp("matrix-project") / "project")
    shutil.rmtree(root / "mappings")
    spec = synthetic.crosswalk_spec(9, 30, 60)
    real = yaml.safe_load((project.criteria_file).read_text(encoding="utf-8"))["criteria"]
    spec.criteria = [(cid, real[i % len(real)]["label"]) for i, (cid, _label) in enumerate(spec.criteria)]
    synthetic.write_mappings_tree(root / "mappings", spec, project)
    # the ConformityScheme facts the schemes step needs (mappings/schemes.yaml), plain ones
    facts = {"schemes": {"hc": {"owner_name": "synthetic", "endorsement_level": "endorsed_self", "status": "proposed",
                                "valid_from": "2026-01-01"}}}
    for s in spec.schemes:
        facts["schemes"][s.scheme] = {"owner_id": f"https://example.org/{s.scheme}/", "endorsement_level": "endorsed_self",
                                      "status": "active", "valid_from": "2026-01-01"}
    (root / "mappings" / "schemes.yaml").write_text(yaml.safe_dump(facts, sort_keys=False), encoding="utf-8")
    return _build(root, tmp_path_factory.mktemp("matrix-built") / "site")


@pytest.fixture(scope="module")
def servers(built_site, big_site):
    procs = {}
    for name, site in (("project", built_site), ("big", big_site)):
        procs[name] = start_server(site)
    yield {name: f"http://127.0.0.1:{port}/" for name, (proc, port) in procs.items()}
    for proc, _port in procs.values():
        stop(proc)


@pytest.fixture(scope="module")
def driver():
    ARTIFACTS.mkdir(exist_ok=True)
    with headless_chromium("1366,768", extra_args=('--hide-scrollbars',), logs=('browser',)) as d:
        yield d


def open_matrix(driver, url: str, width: int, height: int, *, touch: bool = False):
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": touch, "maxTouchPoints": 5} if touch else {"enabled": False})
    driver.get_log("browser")
    driver.get(url + "coverage.html")
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "var c = document.querySelector('[data-crm-count]'); return c && / of /.test(c.textContent)"))
    return driver


def cell_grid(driver) -> list[list[str]]:
    """Every grid cell (row header + scheme cells) as 'criterion|scheme', row by row."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('#crm-matrix-table tbody tr')).map(function (tr) {
          return Array.from(tr.querySelectorAll('th a, td.crm-cell a')).map(function (a) {
            var td = a.closest('td'); return tr.dataset.id + '|' + (td ? td.dataset.scheme : ''); });
        });""")


SMALL_TEXT = """
    var out = [], root = document.querySelector('[data-crm-matrix]');
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var seen = 0;
    while (walker.nextNode()) {
      var node = walker.currentNode;
      if (!node.textContent.trim()) continue;
      var el = node.parentElement;
      if (el.closest('script')) continue;
      seen++;
      var px = parseFloat(getComputedStyle(el).fontSize);
      if (px < arguments[0]) out.push([el.tagName, node.textContent.trim().slice(0, 40), px]);
    }
    var opts = root.querySelectorAll('option, input, select');
    for (var i = 0; i < opts.length; i++) {
      var px2 = parseFloat(getComputedStyle(opts[i].tagName === 'OPTION' ? opts[i].parentElement : opts[i]).fontSize);
      if (px2 < arguments[0]) out.push([opts[i].tagName, opts[i].textContent.slice(0, 40), px2]);
    }
    return [seen, out];"""


@pytest.mark.parametrize("site", ["project", "big"])
@pytest.mark.parametrize("width, height", SIZES)
def test_every_label_is_readable(driver, servers, site, width, height, built_site, big_site):
    import json

    open_matrix(driver, servers[site], width, height)
    driver.execute_script("document.querySelector('[data-crm-matrix]').scrollIntoView()")
    driver.save_screenshot(str(ARTIFACTS / f"coverage-matrix-{site}-{width}x{height}.png"))
    seen, small = driver.execute_script(SMALL_TEXT, MIN_PX)
    report = json.loads(((built_site if site == "project" else big_site) / "working" / "coverage.json").read_text())
    n_crit, n_schemes = len(report["criteria"]), len(report["schemes"])
    assert seen >= n_crit * (n_schemes + 2), "the matrix is missing text"
    assert not small, f"text under {MIN_PX} px: {small[:10]}"
    grid = cell_grid(driver)
    assert len(grid) == n_crit and all(len(r) == n_schemes + 1 for r in grid)
    # the page itself never scrolls sideways: the matrix scrolls inside its box
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert not [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


@pytest.mark.parametrize("site", ["project", "big"])
def test_keyboard_reaches_every_cell(driver, servers, site):
    """Tab enters the grid at its first cell; arrow keys, Home and End then reach every cell."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_matrix(driver, servers[site], 1366, 768)
    grid = cell_grid(driver)
    driver.execute_script("""
        window.__visited = [];
        document.getElementById('crm-matrix-table').addEventListener('focusin', function (ev) {
          var tr = ev.target.closest('tbody tr'), td = ev.target.closest('td');
          if (tr) window.__visited.push(tr.dataset.id + '|' + (td ? td.dataset.scheme : ''));
        });""")
    driver.find_element(By.CSS_SELECTOR, "[data-crm-sort]").click()
    driver.find_element(By.CSS_SELECTOR, "[data-crm-sort]").send_keys(Keys.ESCAPE)
    tabs = 0
    while not driver.execute_script("return !!document.activeElement.closest('#crm-matrix-table tbody')"):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        tabs += 1
        assert tabs < 40, "Tab never reached the matrix"
    assert driver.execute_script("return window.__visited[0]") == grid[0][0]
    keys = []
    for r, row in enumerate(grid):
        keys += [Keys.ARROW_RIGHT] * (len(row) - 1)
        if r + 1 < len(grid):
            keys += [Keys.HOME, Keys.ARROW_DOWN]
    chain = ActionChains(driver)
    for k in keys:
        chain.send_keys(k)
    chain.perform()
    visited = set(driver.execute_script("return window.__visited"))
    missing = {c for row in grid for c in row} - visited
    assert not missing, f"{len(missing)} cells never reached, e.g. {sorted(missing)[:5]}"
    # the grid is one tab stop: Tab leaves it
    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert not driver.execute_script("return !!document.activeElement.closest('#crm-matrix-table tbody')")
    # Enter follows the focused cell's link
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    ActionChains(driver).key_down(Keys.CONTROL).send_keys(Keys.HOME).key_up(Keys.CONTROL).send_keys(Keys.ENTER).perform()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 20).until(lambda d: "/criteria/" in d.current_url)
    assert driver.current_url.endswith(f"criteria/{grid[0][0].split('|')[0]}.html")


def test_hover_and_focus_show_rows_and_comments_as_text(driver, servers, site_project):
    """The hostile mapping comment shows as text in the details, and never runs."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    open_matrix(driver, servers["project"], 1366, 768)
    crit = site_project["hostile_object"].split(":", 1)[1]
    subject = site_project["hostile_subject"]
    scheme = driver.execute_script(  # the crosswalk the hostile row is in
        "var d = JSON.parse(document.querySelector('[data-crm-matrix-data]').textContent);"
        "return Object.keys(d).filter(s => d[s][arguments[0]].rows.some(r => r.subject === arguments[1]))[0]",
        crit, subject)
    cell = driver.find_element(By.CSS_SELECTOR, f'tr[data-id="{crit}"] td[data-scheme="{scheme}"] a')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    ActionChains(driver).move_to_element(cell).perform()
    details = driver.find_element(By.CSS_SELECTOR, "[data-crm-details]")
    assert f"{scheme} \u00b7 {crit}" in details.text
    assert subject in details.text
    assert f"<script>{HOSTILE_MARK}</script>" in details.text
    assert not details.find_elements(By.CSS_SELECTOR, "script, img")
    assert driver.execute_script("return window.__crm_xss === undefined")
    driver.save_screenshot(str(ARTIFACTS / "coverage-matrix-details.png"))
    # focus shows the same
    other = driver.find_element(By.CSS_SELECTOR, f'tr[data-id="{crit}"] th a')
    driver.execute_script("arguments[0].focus()", other)
    assert crit in details.text and "scheme" in details.text


def test_tap_shows_rows_then_follows_the_link(driver, servers):
    """On a touch screen the first tap on a cell shows its rows, the second opens its page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    open_matrix(driver, servers["project"], 390, 844, touch=True)
    cell = driver.find_element(By.CSS_SELECTOR, 'td.crm-cell[data-status="met"] a')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", cell)
    href = cell.get_attribute("href")
    tr = cell.find_element(By.XPATH, "./ancestor::tr").get_attribute("data-id")

    def tap():
        r = driver.execute_script("var b = arguments[0].getBoundingClientRect(); return [b.x + b.width / 2, b.y + b.height / 2]",
                                  cell)
        for kind in ("touchStart", "touchEnd"):
            driver.execute_cdp_cmd("Input.dispatchTouchEvent", {
                "type": kind, "touchPoints": [{"x": r[0], "y": r[1]}] if kind == "touchStart" else []})

    before = driver.current_url
    tap()
    WebDriverWait(driver, 10).until(lambda d: tr in d.find_element(By.CSS_SELECTOR, "[data-crm-details]").text)
    assert driver.current_url == before
    driver.save_screenshot(str(ARTIFACTS / "coverage-matrix-tap-390x844.png"))
    tap()
    WebDriverWait(driver, 20).until(lambda d: d.current_url == href)
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})


def test_find_show_and_sort(driver, servers):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_matrix(driver, servers["big"], 1366, 768)
    rows = lambda: driver.execute_script(  # noqa: E731
        "return Array.from(document.querySelectorAll('#crm-matrix-table tbody tr')).filter(t => !t.hidden)"
        ".map(t => [t.dataset.id, t.dataset.label, Number(t.dataset.full),"
        " Array.from(t.querySelectorAll('td.crm-cell')).map(c => c.dataset.status)])")
    total = len(rows())
    box = driver.find_element(By.CSS_SELECTOR, "[data-crm-filter]")
    box.send_keys("water")
    shown = rows()
    assert 0 < len(shown) < total and all("water" in (r[0] + " " + r[1]).lower() for r in shown)
    assert driver.find_element(By.CSS_SELECTOR, "[data-crm-count]").text == f"{len(shown)} of {total} criteria"
    box.clear()
    box.send_keys(" ")  # an input event with nothing to find
    Select(driver.find_element(By.CSS_SELECTOR, "[data-crm-show]")).select_by_value("uncovered")
    assert all("met" not in r[3] for r in rows())
    Select(driver.find_element(By.CSS_SELECTOR, "[data-crm-show]")).select_by_value("all")
    Select(driver.find_element(By.CSS_SELECTOR, "[data-crm-sort]")).select_by_value("fewest")
    counts = [r[2] for r in rows()]
    assert counts == sorted(counts) and len(counts) == total
    Select(driver.find_element(By.CSS_SELECTOR, "[data-crm-sort]")).select_by_value("most")
    assert [r[2] for r in rows()] == sorted(counts, reverse=True)
    scheme = driver.execute_script("return document.querySelector('#crm-matrix-table thead th[data-scheme]').dataset.scheme")
    Select(driver.find_element(By.CSS_SELECTOR, "[data-crm-sort]")).select_by_value(f"scheme:{scheme}")
    from untp_crm_vocab.coverage import RANK as rank

    firsts = [rank[r[3][0]] for r in rows()]
    assert firsts == sorted(firsts, reverse=True)
    assert driver.find_element(By.CSS_SELECTOR, f'th[data-scheme="{scheme}"]').get_attribute("aria-sort") == "descending"


def test_cells_lead_to_requirement_and_criterion_pages(built_site):
    """Without scripts the matrix is a table of links: a recognising cell to its requirement,
    every row header to its criterion, every link resolving."""
    from html.parser import HTMLParser

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.cells, self.td = [], None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "td" and "crm-cell" in (a.get("class") or ""):
                self.td = a.get("data-status")
            elif tag == "a" and self.td:
                self.cells.append((self.td, a["href"]))
                self.td = None

    p = Links()
    p.feed((built_site / "coverage.html").read_text(encoding="utf-8"))
    assert p.cells
    for status, href in p.cells:
        assert (built_site / href).is_file(), href
        if status == "met":
            assert href.startswith("standards/") and href.count("/") >= 3, href
