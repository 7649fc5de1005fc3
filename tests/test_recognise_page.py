"""Recognition in the browser (recognise.html) equals ``crm-vocab recognise --format json``:
for every ordered pair of schemes, and for the pilot Copper Mark credential (UNTP 0.5.0) and the
UNTP 0.7.0 sample credentials against every scheme; compared whole (statuses, reasons, row
provenance, criteria, credential reading), so the page follows the engine, whatever its
statuses. The page asks nothing of any origin but its own (Chrome's performance log)."""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import REPO, headless_chromium, run_cli
from test_serve import start_server, stop
from test_site_browser import ARTIFACTS, CHROMEDRIVER, CHROMIUM

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()),
    reason="chromium/chromedriver not installed (Debian packages chromium chromium-driver; `make test-deps`)")

SAMPLES_070 = sorted((REPO / "model" / "samples" / "untp-0.7.0").glob("*.json"))


@pytest.fixture(scope="module")
def site_url(built_site):
    proc, port = start_server(built_site)
    yield f"http://127.0.0.1:{port}/"
    stop(proc)


@pytest.fixture(scope="module")
def driver():
    ARTIFACTS.mkdir(exist_ok=True)
    with headless_chromium("1366,900", extra_args=(), logs=('browser', 'performance')) as d:
        yield d


@pytest.fixture(scope="module")
def page(driver, site_url):
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(site_url + "recognise.html")
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return !!window.crmRecognise"))
    return driver


@pytest.fixture(scope="module")
def schemes(built_site):
    return sorted(s["scheme"] for s in json.loads((built_site / "recognise" / "index.json").read_text())["schemes"])


def run_page(driver, *, target: str, source: str | None = None, credential: str | None = None) -> dict:
    """Fill in the form as a user does, press Recognise, return the page's JSON."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    form = driver.find_element(By.CSS_SELECTOR, "[data-crm-recognise] form")
    driver.execute_script("arguments[0].closest('[data-crm-recognise]').dataset.state = ''", form)
    if source is not None:
        form.find_element(By.CSS_SELECTOR, "input[name=held][value=scheme]").click()
        Select(form.find_element(By.NAME, "source")).select_by_value(source)
    else:
        form.find_element(By.CSS_SELECTOR, "input[name=held][value=credential]").click()
        box = form.find_element(By.NAME, "credential")
        driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))",
                              box, credential)
    Select(form.find_element(By.NAME, "target")).select_by_value(target)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "return document.querySelector('[data-crm-recognise]').dataset.state") in ("done", "error"))
    state = driver.execute_script("return document.querySelector('[data-crm-recognise]').dataset.state")
    assert state == "done", driver.find_element(By.CSS_SELECTOR, "[data-crm-result]").text
    return json.loads(driver.execute_script("return document.querySelector('[data-crm-json]').textContent"))


def cli(capsys, root: Path, *argv) -> dict:
    rc, out, err = run_cli(capsys, "--project", str(root), "recognise", *argv, "--format", "json")
    assert rc == 0, err
    return json.loads(out)


ENGINE_BEFORE_ISSUE_10 = pytest.mark.xfail(
    strict=True,
    reason="site/docs/javascripts/recognise.js ports recognise.py as it was before issue 10 (merged into main "
           "while this was built: reviewed rows only, achievement levels, the status 'not established'); "
           "the port of the new rules is pending, and this test says where the page differs until then")


@ENGINE_BEFORE_ISSUE_10
def test_every_ordered_pair_of_schemes(page, capsys, site_project, schemes):
    assert len(schemes) >= 2
    compared = 0
    for source in schemes:
        for target in schemes:
            if source == target:
                continue
            want = cli(capsys, site_project["root"], "--from", source, "--to", target)
            got = run_page(page, source=source, target=target)
            assert got == want, (source, target)
            compared += 1
    assert compared == len(schemes) * (len(schemes) - 1)
    page.save_screenshot(str(ARTIFACTS / "recognise-pair.png"))


def _credential_cases(shared_dir):
    cases = [shared_dir / "external" / "project-crm" / "dcc_coppermark_mine.json"]
    return cases + SAMPLES_070


@ENGINE_BEFORE_ISSUE_10
def test_credentials_against_every_scheme(page, capsys, site_project, schemes, shared_dir):
    """The pilot Copper Mark credential (UNTP 0.5.0) and the 0.7.0 samples, pasted into the page."""
    for path in _credential_cases(shared_dir):
        text = path.read_text(encoding="utf-8")
        for target in schemes:
            want = cli(capsys, site_project["root"], "--credential", str(path), "--to", target)
            got = run_page(page, credential=text, target=target)
            # the source names the file (the CLI's path, the page's "pasted credential")
            assert got["source"] == "credential pasted credential" and got["credential"]["path"] == "pasted credential"
            got["source"], got["credential"]["path"] = want["source"], want["credential"]["path"]
            assert got == want, (path.name, target)
            assert want["held"], f"{path.name}: nothing held: the comparison shows little"
    page.save_screenshot(str(ARTIFACTS / "recognise-credential.png"))


def test_bad_credential_says_what_is_wrong(page):
    from selenium.webdriver.common.by import By

    page.execute_script("document.querySelector('[data-crm-recognise]').dataset.state = ''")
    form = page.find_element(By.CSS_SELECTOR, "[data-crm-recognise] form")
    form.find_element(By.CSS_SELECTOR, "input[name=held][value=credential]").click()
    page.execute_script("arguments[0].value = '{\"credentialSubject\": {\"type\": [\"x\"]}}'", form.find_element(By.NAME, "credential"))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(page, 20).until(lambda d: d.execute_script(
        "return document.querySelector('[data-crm-recognise]').dataset.state") == "error")
    assert "the credential has no assessments" in page.find_element(By.CSS_SELECTOR, "[data-crm-result]").text


def test_no_request_leaves_the_origin(page, site_url):
    """Everything the page (and the tests' runs on it) asked for came from its own origin."""
    urls = []
    for entry in page.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    assert any(u.endswith("recognise/index.json") for u in urls), "the index was not fetched (log empty?)"
    # network requests only (the browser's own chrome:// pages are not fetched from anywhere)
    foreign = [u for u in urls if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp") and not u.startswith(site_url)]
    assert not foreign, foreign
    assert not [e for e in page.get_log("browser") if e.get("level") == "SEVERE"]


# ---- validation in the browser --------------------------------------------------------------
SAMPLES = sorted((REPO / "model" / "samples").glob("*/*.json"))


def page_validate(driver, text: str) -> dict:
    return driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "window.crmValidate.run(arguments[0]).then(function (r) { done({verdict: r.verdict, findings: r.findings}); },"
        " function (e) { done({error: String(e)}); });", text)


def schema_findings(findings: list[dict]) -> list[tuple]:
    return [(f["path"], f["rule"], f["message"], f.get("layer", "")) for f in findings
            if f["check"] == "json-schema" and f.get("severity", "error") == "error"]


def test_validation_verdict_equals_the_cli_on_every_sample(page, capsys, site_project, built_site):
    """Every sample, valid and invalid: the page's JSON Schema verdict is crm-vocab validate's
    (valid exactly when validate reports no json-schema error), with the same findings."""
    assert len(SAMPLES) >= 10
    verdicts = {}
    for path in SAMPLES:
        rc, out, err = run_cli(capsys, "--project", str(site_project["root"]), "validate", str(path),
                               "--artifacts", str(built_site / "working"), "--format", "json")
        assert rc in (0, 1, 4), err
        want = schema_findings(json.loads(out)["reports"][0]["findings"])
        got = page_validate(page, path.read_text(encoding="utf-8"))
        assert "error" not in got, got
        assert got["verdict"] == ("invalid" if want else "valid"), (path.name, want, got["findings"])
        assert schema_findings(got["findings"]) == want, path.name
        verdicts[path.name] = got["verdict"]
    assert "valid" in verdicts.values() and "invalid" in verdicts.values()


def test_validator_is_the_pinned_bundle(built_site):
    import hashlib

    readme = (REPO / "site" / "vendor" / "ajv" / "README.md").read_text(encoding="utf-8")
    digest = re.search(r"# ([0-9a-f]{64})", readme)[1]
    served = built_site / "javascripts" / "vendor" / "ajv2020-formats-8.17.1.min.js"
    assert hashlib.sha256(served.read_bytes()).hexdigest() == digest
    assert (served.parent / "ajv2020-formats-8.17.1.LICENSES.txt").is_file()
