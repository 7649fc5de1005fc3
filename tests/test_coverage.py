"""Coverage: the per-cell classes, shares, CSV/JSON/SVG artifacts, the CLI and --diff."""
from __future__ import annotations

import copy
import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from untp_crm_vocab import coverage
from untp_crm_vocab.build import build
from untp_crm_vocab.mappingdata import load_mapping_data
from conftest import run_cli

REPO = Path(__file__).resolve().parent.parent
DOC_TREE = REPO / "tests" / "fixtures" / "recognition" / "doc"
SVG = "{http://www.w3.org/2000/svg}"

# worked by hand from tests/fixtures/recognition/doc/mappings/crosswalks/*.sssom.tsv
EXPECTED = {
    "alpha": {"ENV-01": "met", "ENV-02": "partly met", "ENV-03": "not met", "GOV-01": "not met", "LAB-01": "met",
              "OHS-01": "not established"},
    "beta": {"ENV-01": "met", "ENV-02": "met", "ENV-03": "met", "GOV-01": "met", "LAB-01": "met", "OHS-01": "met"},
    "gamma": {"ENV-01": "partly met", "ENV-02": "met", "ENV-03": "not established", "GOV-01": "not met", "LAB-01": "met",
              "OHS-01": "partly met"},
}


@pytest.fixture(scope="module")
def report(doc_project):
    return coverage.compute(load_mapping_data(doc_project), doc_project)


def test_cells(report):
    got = {s: {c: v["status"] for c, v in cells.items()} for s, cells in report["cells"].items()}
    assert got == EXPECTED
    assert report["cells"]["alpha"]["GOV-01"]["rows"] == ["mappings/crosswalks/alpha.sssom.tsv:18"]  # negated only
    assert report["cells"]["alpha"]["GOV-01"]["basis"] == "reviewed negated rows"
    assert report["cells"]["alpha"]["ENV-03"]["mappings"] == ["sssom:NoTermFound skos:exactMatch HC:ENV-03"]
    assert report["cells"]["alpha"]["ENV-03"]["basis"] == "reviewed gap"
    assert report["cells"]["alpha"]["OHS-01"]["basis"] == "close/related rows only"
    assert set(report["statuses"]) == set(coverage.CELL_STATUSES)


def test_shares(report):
    s = {x["scheme"]: x["share_counts"] for x in report["schemes"]}
    assert s["alpha"] == {"met": 2, "partly_met": 1, "not_met": 2, "not_established": 1}
    assert s["gamma"] == {"met": 2, "partly_met": 2, "not_met": 1, "not_established": 1}
    assert next(x for x in report["schemes"] if x["scheme"] == "beta")["shares"]["met"] == 1.0


def test_no_row_is_not_established(report, doc_project):
    md = load_mapping_data(doc_project)
    md = copy.copy(md)
    md.crosswalks = {k: v for k, v in md.crosswalks.items() if k != "gamma"}
    rep = coverage.compute(md, doc_project)
    gamma = next(x for x in rep["schemes"] if x["scheme"] == "gamma")
    assert gamma["crosswalk"] is False and gamma["share_counts"]["not_established"] == 6
    assert {c["basis"] for c in rep["cells"]["gamma"].values()} == {"no row"}


def test_unreviewed_and_qualified_rows(doc_project, tmp_path):
    """An unreviewed exact row is not established; an exact row whose comment marks it partial is partly met."""
    root = tmp_path / "t"
    shutil.copytree(DOC_TREE / "mappings", root)
    p = root / "crosswalks" / "beta.sssom.tsv"
    text = p.read_text(encoding="utf-8")
    text = text.replace("CRMCUR:reviewer\t0.9\t[V] Text: Beta 1.3 — same scope.\t2026-02-01", "\t0.9\t[V] Text: Beta 1.3 — same scope.\t")
    text = text.replace("[V] Text: Beta 1.1 — same scope.", "[V] Text: Beta 1.1 — partial: inventory only.")
    p.write_text(text, encoding="utf-8")
    rep = coverage.compute(load_mapping_data(doc_project, root), doc_project)
    assert rep["cells"]["beta"]["ENV-03"]["status"] == "not established"
    assert rep["cells"]["beta"]["ENV-03"]["basis"] == "unreviewed rows only"
    assert rep["cells"]["beta"]["ENV-01"]["status"] == "partly met"


def test_csv(report):
    rows = list(csv.reader(io.StringIO(coverage.to_csv(report))))
    assert rows[0] == ["scheme", "version", "met", "partly_met", "not_met", "not_established",
                       "ENV-01", "ENV-02", "ENV-03", "GOV-01", "LAB-01", "OHS-01"]
    assert rows[1] == ["alpha", "Alpha Criteria v1 (2024)", "2", "1", "2", "1", "met", "partly met", "not met", "not met",
                       "met", "not established"]


def test_svg_is_wellformed_with_legend(report):
    root = ET.fromstring(coverage.to_svg(report))
    rects = root.findall(f"{SVG}rect")
    assert len(rects) == 1 + 3 * 6 + len(coverage.LEGEND)  # background, cells, legend (one per status)
    fills = {r.get("fill") for r in rects}
    assert {colour for colour, _ in coverage.LEGEND.values()} <= fills
    texts = "".join(root.itertext())
    for _, label in coverage.LEGEND.values():
        assert label in texts
    assert [label.split(":")[0] for _, label in coverage.LEGEND.values()] == list(coverage.CELL_STATUSES)
    tips = [r.find(f"{SVG}title").text for r in rects if r.find(f"{SVG}title") is not None]
    assert "alpha / ENV-03: not met (reviewed gap)" in tips[2]


def test_svg_escapes_untrusted_text(report):
    bad = copy.deepcopy(report)
    evil = '<script>alert(1)</script> & "x" \'y\''
    bad["criteria"][0]["label"] = evil
    bad["schemes"][0]["title"] = evil
    bad["cells"]["alpha"]["ENV-01"]["mappings"] = [evil]
    svg = coverage.to_svg(bad)
    assert "<script" not in svg
    root = ET.fromstring(svg)  # still well-formed
    assert not root.findall(f".//{SVG}script")
    assert evil in "".join(root.itertext())  # shown as text, not markup


def test_build_step_writes_artifacts(doc_project, tmp_path, report):
    out = build(doc_project, tmp_path / "site", steps=("untp_crm_vocab.coverage",), quiet=True)
    assert json.loads((out / "working/coverage.json").read_text()) == report
    assert (out / "working/coverage.csv").read_text() == coverage.to_csv(report)
    assert (out / "working/coverage.svg").read_text() == coverage.to_svg(report)


def test_diff(report):
    new = copy.deepcopy(report)
    new["cells"]["alpha"]["ENV-02"]["status"] = "met"
    new["cells"]["gamma"]["LAB-01"]["status"] = "not met"
    new["schemes"].append({"scheme": "delta", "share_counts": {}})
    new["cells"]["delta"] = {}
    d = coverage.diff(report, new)
    assert d["schemes_added"] == ["delta"]
    assert [(c["scheme"], c["criterion"], c["old"], c["new"], c["direction"]) for c in d["cells_changed"]] == [
        ("alpha", "ENV-02", "partly met", "met", "up"), ("gamma", "LAB-01", "met", "not met", "down")]
    text = coverage.diff_text(d)
    assert "alpha / ENV-02: partly met -> met (improved)" in text
    assert "gamma / LAB-01: met -> not met (worse)" in text
    assert "alpha: met 2->3, partly met 1->0" in text
    assert coverage.diff_text(coverage.diff(report, report)) == "coverage unchanged\n"


def test_diff_reads_a_former_report_in_the_new_statuses(report):
    old = copy.deepcopy(report)
    old["format"] = 1
    back = {"met": "full", "partly met": "partial", "not met": "gap", "not established": "related"}
    for cells in old["cells"].values():
        for c in cells.values():
            c["status"] = back[c["status"]]
    old["cells"]["alpha"]["OHS-01"]["status"] = "undecided"
    assert coverage.diff(old, report)["cells_changed"] == []


# ---- CLI ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def doc_checkout(tmp_path_factory, project):
    root = tmp_path_factory.mktemp("cov-project")
    shutil.copytree(DOC_TREE / "mappings", root / "mappings")
    (root / "pyproject.toml").write_text(f'[tool.crm-vocab]\nbase-iri = "{project.base_iri}"\n', encoding="utf-8")
    return root



def test_cli_formats(doc_checkout, capsys, report):
    rc, out, _ = run_cli(capsys, "--project", str(doc_checkout), "coverage")
    assert rc == 0
    assert "coverage of 6 harmonised criteria" in out and "not established" in out
    assert [ln.split()[0] for ln in out.splitlines()[2:5]] == ["alpha", "beta", "gamma"]
    assert "2 ( 33%)" in out.splitlines()[2]
    rc, out, _ = run_cli(capsys, "--project", str(doc_checkout), "coverage", "--format", "json")
    assert json.loads(out)["cells"]["gamma"]["ENV-03"]["status"] == "not established"
    rc, out, _ = run_cli(capsys, "--project", str(doc_checkout), "coverage", "--format", "csv")
    assert out.splitlines()[0].startswith("scheme,version,met,partly_met,not_met,not_established")


def test_cli_diff(doc_checkout, capsys, tmp_path, report):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(coverage.to_json(report), encoding="utf-8")
    changed = copy.deepcopy(report)
    changed["cells"]["beta"]["OHS-01"]["status"] = "not established"
    new.write_text(coverage.to_json(changed), encoding="utf-8")
    rc, out, _ = run_cli(capsys, "--project", str(doc_checkout), "coverage", "--diff", str(old), str(new))
    assert rc == 0 and out.startswith("beta / OHS-01: met -> not established (worse)\n")
    rc, out, _ = run_cli(capsys, "--project", str(doc_checkout), "coverage", "--diff", str(old), str(new), "--format", "json")
    assert json.loads(out)["cells_changed"][0]["criterion"] == "OHS-01"


@pytest.mark.parametrize("content, expect", [
    ("{not json", "not JSON"),
    ('{"schemes": 3}', "not a coverage report"),
    ("[]", "not a coverage report"),
    (None, "cannot read the coverage report"),
])
def test_cli_diff_errors(doc_checkout, capsys, tmp_path, report, content, expect):
    good = tmp_path / "good.json"
    good.write_text(coverage.to_json(report), encoding="utf-8")
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    rc, _, err = run_cli(capsys, "--project", str(doc_checkout), "coverage", "--diff", str(good), str(bad))
    assert rc == 2 and expect in err


def test_real_data_coverage(project):
    assert project.criteria_file.is_file() and any(project.crosswalks_dir.glob("*.sssom.tsv")), "the mapping data is missing"
    md = load_mapping_data(project)
    rep = coverage.compute(md, project)
    n = len(md.criteria)
    for s in rep["schemes"]:
        assert sum(s["share_counts"].values()) == n
    ET.fromstring(coverage.to_svg(rep))
