"""Recognition in the browser (recognise.html) equals ``crm-vocab recognise --format json``:
for every ordered pair of schemes (a scheme against itself too), at the pass level and at every
achievement level of the held scheme; for the pilot credentials (UNTP 0.5.0: Copper Mark, and
TSM with its scores) and the UNTP 0.7.0 sample credentials against every scheme, with and
without a level chosen. Compared whole (format, statuses, reasons, the levels held and assumed,
row provenance, criteria, credential reading), so the page follows the engine. The page asks
nothing of any origin but its own (Chrome's performance log)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import HOSTILE_COMMENT, REPO, headless_chromium, needs_chromium, run_cli
from test_site_browser import ARTIFACTS

pytestmark = needs_chromium

SAMPLES_070 = sorted((REPO / "model" / "samples" / "untp-0.7.0").glob("*.json"))


@pytest.fixture(scope="module")
def driver():
    ARTIFACTS.mkdir(exist_ok=True)
    with headless_chromium("1366,900", extra_args=(), logs=('browser', 'performance')) as d:
        yield d


@pytest.fixture(scope="module")
def page(driver, site_url):
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(site_url + "recognise.html")
    # the index is loaded (the level chooser is filled from it)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "return document.querySelector('[data-crm-recognise]').dataset.ready === 'yes'"))
    return driver


@pytest.fixture(scope="module")
def index(built_site):
    return json.loads((built_site / "recognise" / "index.json").read_text())


@pytest.fixture(scope="module")
def schemes(index):
    return sorted(s["scheme"] for s in index["schemes"])


@pytest.fixture(scope="module")
def levels(index):
    """scheme -> its achievement levels, lowest first (graded schemes only)."""
    return {s["scheme"]: [lv["id"] for lv in s["levels"]] for s in index["schemes"] if s["levels"]}


# The form filled in one round trip (the tests run it a few hundred times): the kind of thing held,
# the scheme or the credential, the level and the target are set and their change events fired,
# as the browser does for a user's choice; then Recognise is pressed and the answer awaited.
FILL_AND_RUN = """
var a = arguments[0], done = arguments[arguments.length - 1];
var root = document.querySelector('[data-crm-recognise]'), form = root.querySelector('form');
function choose(el, value) {
  if (!Array.from(el.options).some(function (o) { return o.value === value && !o.disabled; })) return false;
  el.value = value;
  el.dispatchEvent(new Event('change', {bubbles: true}));
  return true;
}
root.dataset.state = '';
var radio = form.querySelector('input[name=held][value=' + (a.source !== null ? 'scheme' : 'credential') + ']');
radio.checked = true;
radio.dispatchEvent(new Event('change', {bubbles: true}));
if (a.source !== null) { if (!choose(form.elements.source, a.source)) return done({state: 'no source ' + a.source}); }
else form.elements.credential.value = a.credential;
if (!choose(form.elements.level, a.level || '')) return done({state: 'the level chooser offers no ' + a.level});
if (!choose(form.elements.target, a.target)) return done({state: 'no target ' + a.target});
form.querySelector('button[type=submit]').click();
(function wait() {
  var state = root.dataset.state;
  if (state !== 'done' && state !== 'error') return setTimeout(wait, 2);
  done({state: state, text: root.querySelector('[data-crm-result]').innerText,
        json: root.querySelector('[data-crm-json]').textContent});
})();
"""


def fill_by_hand(driver, *, target: str, source: str | None, credential: str | None, level: str | None) -> None:
    """The form filled with clicks and the select boxes, as a user does."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    form = driver.find_element(By.CSS_SELECTOR, "[data-crm-recognise] form")
    driver.execute_script("arguments[0].closest('[data-crm-recognise]').dataset.state = ''", form)
    if source is not None:
        form.find_element(By.CSS_SELECTOR, "input[name=held][value=scheme]").click()
        Select(form.find_element(By.NAME, "source")).select_by_value(source)
    else:
        form.find_element(By.CSS_SELECTOR, "input[name=held][value=credential]").click()
        form.find_element(By.NAME, "credential").clear()
        driver.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "credential"), credential)
    Select(form.find_element(By.NAME, "level")).select_by_value(level or "")
    Select(form.find_element(By.NAME, "target")).select_by_value(target)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def run_page(driver, *, target: str, source: str | None = None, credential: str | None = None,
             level: str | None = None, expect: str = "done", by_hand: bool = False) -> dict | str:
    """Fill in the form (the level: None leaves the chooser at its default, as recognise without
    --level), press Recognise, return the page's JSON (or, with ``expect="error"``, the message
    it shows)."""
    if by_hand:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        fill_by_hand(driver, target=target, source=source, credential=credential, level=level)
        WebDriverWait(driver, 30, poll_frequency=0.05).until(lambda d: d.execute_script(
            "return document.querySelector('[data-crm-recognise]').dataset.state") in ("done", "error"))
        got = {"state": driver.execute_script("return document.querySelector('[data-crm-recognise]').dataset.state"),
               "text": driver.find_element(By.CSS_SELECTOR, "[data-crm-result]").text,
               "json": driver.execute_script("return document.querySelector('[data-crm-json]').textContent")}
    else:
        got = driver.execute_async_script(FILL_AND_RUN, {"target": target, "source": source, "credential": credential,
                                                         "level": level})
    assert got["state"] == expect, got.get("text", got["state"])
    if expect == "error":
        return got["text"]
    return json.loads(got["json"])


def cli(capsys, root: Path, *argv) -> dict:
    rc, out, err = run_cli(capsys, "--project", str(root), "recognise", *argv, "--format", "json")
    assert rc == 0, err
    return json.loads(out)


def _rows_shown(v: dict) -> list[dict]:
    """The rows the page lists under a requirement, as ``crm-vocab recognise`` prints them: the path
    of a met or partly met one, else the rows that explain the answer."""
    return v["path"] if v["status"] in ("met", "partly met") else v["notes"] or v["path"]


def _check_shown(page, result: dict) -> bool:
    """The table shows every requirement with its status, reason and rows (provenance and comment);
    a hostile comment among them is text, never markup. True when it was among them."""
    shown = page.execute_script(
        "return Array.from(document.querySelectorAll('[data-crm-result] table.crm-recognition tbody tr'))"
        ".map(function (tr) { return [tr.dataset.status, tr.cells[0].textContent, tr.cells[3].textContent,"
        " Array.from(tr.cells[3].querySelectorAll('li')).map(function (li) { return li.textContent; })]; });")
    assert [s[:2] for s in shown] == [[v["status"], v["id"]] for v in result["requirements"]]
    hostile = False
    for (_, _, text, items), v in zip(shown, result["requirements"]):
        assert text.startswith(v["reason"])
        rows = _rows_shown(v)
        assert len(items) == len(rows), v["id"]
        for li, row in zip(items, rows):
            assert f"[{row['where']}]" in li and li.endswith(row["comment"]), (li, row)
            hostile |= row["comment"].endswith(HOSTILE_COMMENT[3:])
    if hostile:
        assert page.execute_script("return window.__crm_xss === undefined"), "a mapping comment ran as markup"
    return hostile


def test_every_ordered_pair_of_schemes(page, capsys, site_project, schemes):
    """Every scheme held (at its pass level, as without --level) against every scheme, itself
    included (its requirements are then held directly)."""
    assert len(schemes) >= 2
    compared, hostile = 0, 0
    statuses = set()
    for source in schemes:
        for target in schemes:
            want = cli(capsys, site_project["root"], "--from", source, "--to", target)
            got = run_page(page, source=source, target=target)
            assert got == want, (source, target)
            hostile += _check_shown(page, got)
            statuses |= {v["status"] for v in want["requirements"]}
            compared += 1
    assert compared == len(schemes) ** 2
    assert statuses == {"met", "partly met", "not met", "not established"}, "a status is never exercised"
    assert hostile, "the hostile comment was never among the rows shown: the escaping is untested here"
    page.save_screenshot(str(ARTIFACTS / "recognise-pair.png"))


def test_every_level_of_every_graded_scheme(page, capsys, site_project, schemes, levels):
    """Each graded scheme held at each of its levels (the page's level chooser, the CLI's --level)
    against every scheme; a level that counts for nothing, one that counts partly and one above
    the pass level all occur (IRMA-Transparency, IRMA-50, TSM AAA), and they change the answer."""
    assert len(levels) >= 2 and any(len(lv) >= 3 for lv in levels.values())
    changed = set()
    for source, ids in sorted(levels.items()):
        for target in schemes:
            default = cli(capsys, site_project["root"], "--from", source, "--to", target)
            for level in ids:
                want = cli(capsys, site_project["root"], "--from", source, "--to", target, "--level", level)
                got = run_page(page, source=source, target=target, level=level)
                assert got == want, (source, level, target)
                assert want["source"].endswith(f" held at {level}")
                if [v["status"] for v in want["requirements"]] != [v["status"] for v in default["requirements"]]:
                    changed.add((source, level))
    # below the pass level, fewer requirements are met (a scheme against itself: "held directly at ...")
    assert ("irma", "IRMA-50") in changed and ("tsm", "B") in changed and ("tsm", "C") in changed, changed
    page.save_screenshot(str(ARTIFACTS / "recognise-level.png"))


def test_the_form_filled_by_hand(page, capsys, site_project, shared_dir, levels):
    """Clicks and select boxes, as a user fills the form: the level chooser offers the held scheme's
    levels (lowest first), none for a scheme without levels, and the answer is the CLI's."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    form = page.find_element(By.CSS_SELECTOR, "[data-crm-recognise] form")
    form.find_element(By.CSS_SELECTOR, "input[name=held][value=scheme]").click()
    for scheme in ("tsm", "oecd"):
        Select(form.find_element(By.NAME, "source")).select_by_value(scheme)
        chooser = form.find_element(By.NAME, "level")
        offered = [o.get_attribute("value") for o in Select(chooser).options]
        assert offered == [""] + levels.get(scheme, []), scheme
        assert chooser.is_enabled() == (scheme in levels)
    want = cli(capsys, site_project["root"], "--from", "tsm", "--to", "irma", "--level", "AA")
    assert run_page(page, source="tsm", target="irma", level="AA", by_hand=True) == want
    path = shared_dir / "external" / "project-crm" / "dcc_coppermark_mine.json"
    want = cli(capsys, site_project["root"], "--credential", str(path), "--to", "irma", "--level", "fully-met")
    got = run_page(page, credential=path.read_text(encoding="utf-8"), target="irma", level="fully-met", by_hand=True)
    got["source"], got["credential"]["path"] = want["source"], want["credential"]["path"]
    assert got == want


def test_a_level_the_scheme_does_not_have(page, capsys, site_project):
    """The page refuses as the CLI does (its words) when a level is not one of the scheme's: the
    chooser offers only the held scheme's levels, so the page's API is asked directly."""
    rc, _, err = run_cli(capsys, "--project", str(site_project["root"]), "recognise", "--from", "tsm", "--to",
                         "irma", "--level", "IRMA-50")
    assert rc == 2 and "'IRMA-50' is not a level of tsm" in err
    got = page.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(document.querySelector('[data-crm-recognise]').dataset.index).then(function (r) { return r.json(); })"
        ".then(function (d) { try { window.crmRecognise.fromScheme(new window.crmRecognise.Index(d), 'tsm', 'irma', 'IRMA-50');"
        " done('no error'); } catch (e) { done(e.message + ' | ' + e.hint); } });")
    assert got == "'IRMA-50' is not a level of tsm | use one of: C, B, A, AA, AAA (lowest first)"


def _credential_cases(shared_dir):
    pilots = shared_dir / "external" / "project-crm"
    return [pilots / "dcc_coppermark_mine.json", pilots / "dcc_tsm_mine.json"] + SAMPLES_070


def test_credentials_against_every_scheme(page, capsys, site_project, schemes, shared_dir):
    """The pilot credentials (UNTP 0.5.0: Copper Mark with bare conformance, TSM with scores named
    like its criteria) and the 0.7.0 samples, pasted into the page, against every scheme; and with
    a level chosen (--level: used where the credential states no score)."""
    for path in _credential_cases(shared_dir):
        text = path.read_text(encoding="utf-8")
        for target in schemes:
            for level in (None, "fully-met"):
                argv = ["--credential", str(path), "--to", target] + (["--level", level] if level else [])
                rc, out, err = run_cli(capsys, "--project", str(site_project["root"]), "recognise", *argv,
                                       "--format", "json")
                if level and rc == 2:  # not a level of the credential's schemes: the page says so too
                    shown = run_page(page, credential=text, target=target, level=level, expect="error")
                    assert err.split(": ", 1)[1].split("\n")[0] in shown, (path.name, target)
                    continue
                assert rc == 0, err
                want = json.loads(out)
                got = run_page(page, credential=text, target=target, level=level)
                # the source names the file (the CLI's path, the page's "pasted credential")
                assert got["source"] == "credential pasted credential" and got["credential"]["path"] == "pasted credential"
                got["source"], got["credential"]["path"] = want["source"], want["credential"]["path"]
                assert got == want, (path.name, target, level)
                assert want["held"], f"{path.name}: nothing held: the comparison shows little"
                _check_shown(page, got)
    page.save_screenshot(str(ARTIFACTS / "recognise-credential.png"))


def test_credential_levels_are_read_as_the_cli_reads_them(page, capsys, site_project, shared_dir):
    """The levels a credential states (or that are chosen for it) reach the answer: the pilot
    Copper Mark credential's bare ``conformance: true`` is read as Copper Mark's conformance level
    (partially-met), and as fully-met when that level is chosen; the TSM pilot's scores (AAA,
    named like its criteria, one of them misspelt) are read from declaredValue."""
    path = shared_dir / "external" / "project-crm" / "dcc_coppermark_mine.json"
    plain = run_page(page, credential=path.read_text(encoding="utf-8"), target="coppermark")
    full = run_page(page, credential=path.read_text(encoding="utf-8"), target="coppermark", level="fully-met")
    assert {c["level"] for c in plain["credential"]["criteria"] if c["resolved"]} == {"partially-met"}
    assert {c["level"] for c in full["credential"]["criteria"] if c["resolved"]} == {"fully-met"}
    assert plain["summary"]["met"] < full["summary"]["met"]
    tsm = shared_dir / "external" / "project-crm" / "dcc_tsm_mine.json"
    got = run_page(page, credential=tsm.read_text(encoding="utf-8"), target="tsm")
    held = [c for c in got["credential"]["criteria"] if c["resolved"]]
    assert held and {c["level"] for c in held} == {"AAA"} and all(".declaredValue[" in c["levelSource"] for c in held)


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
