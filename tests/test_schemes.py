"""The ConformityScheme documents (issue 9, item 1): one per requirement catalogue and one for the
harmonised criteria, each checked against UNTP 0.7.0's own pinned ConformityScheme schema with
python-jsonschema (formats asserted) and expanded with pyld against UNTP's pinned 0.7.0 context,
independently of the toolkit's code."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from untp_crm_vocab.errors import BuildError

UNTP_CONTEXT = "https://vocabulary.uncefact.org/untp/0.7.0/context/"


@pytest.fixture(scope="module")
def untp070(shared_dir):
    base = shared_dir / "external" / "untp-0.7.0"
    if not (base / "schema" / "cvc" / "ConformityScheme.json").is_file():
        pytest.skip(f"pinned UNTP 0.7.0 artefacts not found under {base}")
    return {
        "schema": json.loads((base / "schema" / "cvc" / "ConformityScheme.json").read_text(encoding="utf-8")),
        "context": json.loads((base / "contexts" / "untp-context.jsonld").read_text(encoding="utf-8")),
    }


@pytest.fixture(scope="module")
def scheme_files(built_site):
    return {p.stem: p for p in sorted((built_site / "working" / "schemes").glob("*.json"))}


def test_one_document_per_catalogue_and_the_harmonised_set(scheme_files, site_project):
    catalogues = {p.stem for p in (site_project["root"] / "mappings" / "standards").glob("*.yaml")}
    assert set(scheme_files) == catalogues | {"hc"}
    assert len(scheme_files) == 9  # eight catalogues (the Copper Mark in its 2020 and v3.0 criteria) and hc


def test_documents_pass_untp_070_conformity_scheme_schema(scheme_files, untp070):
    from jsonschema import Draft202012Validator, FormatChecker

    validator = Draft202012Validator(untp070["schema"], format_checker=FormatChecker())
    for name, path in scheme_files.items():
        doc = json.loads(path.read_text(encoding="utf-8"))
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
        assert errors == [], name
        prof = doc["includedProfile"][0]
        assert prof["criterion"], name
        for c in prof["criterion"]:  # what the issue asks each criterion to carry
            assert {"id", "name", "version", "status", "conformityTopic", "requiredPerformance"} <= set(c)


def _loader(context):
    def load(url, options=None):
        if url == UNTP_CONTEXT:
            return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": context}
        raise AssertionError(f"unexpected remote context {url}")
    return load


def test_documents_expand_with_untp_context_without_undefined_terms(scheme_files, untp070):
    from pyld import jsonld

    sentinel = "urn:x-undefined:"
    for name, path in scheme_files.items():
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["@context"] == [UNTP_CONTEXT]
        probe = dict(doc, **{"@context": doc["@context"] + [{"@vocab": sentinel}]})
        expanded = json.dumps(jsonld.expand(probe, {"documentLoader": _loader(untp070["context"])}))
        assert sentinel not in expanded, (name, sorted(set(re.findall(sentinel + r'([^"]+)', expanded))))
        # type-scoped contexts carry their own @vocab (untp/<Class>#): no key may fall back to one
        assert not re.search(r'"https://vocabulary\.uncefact\.org/untp/[A-Za-z]+#[^"]*":', expanded), name


def test_harmonised_scheme_carries_every_criterion(scheme_files, site_project, project):
    import yaml

    crit = yaml.safe_load((site_project["root"] / "mappings" / "criteria.yaml").read_text(encoding="utf-8"))
    doc = json.loads(scheme_files["hc"].read_text(encoding="utf-8"))
    ids = [c["id"] for c in doc["includedProfile"][0]["criterion"]]
    assert sorted(ids) == sorted(project.criterion_iri(c["id"]) for c in crit["criteria"])
    by_id = {c["id"]: c for c in doc["includedProfile"][0]["criterion"]}
    for c in crit["criteria"]:
        d = by_id[project.criterion_iri(c["id"])]
        assert d["name"] == c["label"]
        assert d["version"] == crit["scheme"]["version"]
        assert len(d["conformityTopic"]) == 1  # every criterion has a topic code


def test_criterion_and_scheme_iris_dereference(scheme_files, built_site, project):
    base = project.base_iri
    for name, path in scheme_files.items():
        doc = json.loads(path.read_text(encoding="utf-8"))
        rel = doc["id"][len(base):]
        assert doc["id"] == project.scheme_iri(name)
        assert (built_site / f"{rel}.html").is_file() and (built_site / f"{rel}.jsonld").read_bytes() == path.read_bytes()
        prof = doc["includedProfile"][0]
        assert prof["id"].startswith(doc["id"] + "#") and prof["scheme"]["id"] == doc["id"]
        for c in prof["criterion"]:
            assert c["id"].startswith(base), c["id"]
            r = c["id"][len(base):]
            for ext in ("html", "jsonld", "ttl"):  # the IRIs the crosswalks already publish
                assert (built_site / f"{r}.{ext}").is_file(), f"{r}.{ext}"


def test_owner_iris_and_grades_come_from_the_data(scheme_files, site_project):
    import yaml

    cm = yaml.safe_load((site_project["root"] / "mappings" / "standards" / "coppermark.yaml").read_text(encoding="utf-8"))
    doc = json.loads(scheme_files["coppermark"].read_text(encoding="utf-8"))
    crits = doc["includedProfile"][0]["criterion"]
    assert [c["documentation"] for c in crits] == [r["owner_iri"] for r in cm["requirements"]]
    assert all(c["requiredPerformance"][0]["score"]["code"] == "partially met" for c in crits)
    assert doc["includedProfile"][0]["status"] == "deprecated"
    tsm = json.loads(scheme_files["tsm"].read_text(encoding="utf-8"))
    graded = {c["id"].rsplit("/", 1)[-1]: c["requiredPerformance"] for c in tsm["includedProfile"][0]["criterion"]}
    assert graded["biodiversity.1"][0]["score"] == {
        "code": "A", "rank": 3, "definition": "A or better on the TSM performance level (ranks 1 to 5, 1 best)"}
    assert graded["biodiversity.1"][0]["metric"]["id"] == tsm["id"] + "#performance-level"
    irma = json.loads(scheme_files["irma"].read_text(encoding="utf-8"))
    assert [s["code"] for s in irma["schemeScoringFramework"]["score"]] == ["IRMA 100", "IRMA 75", "IRMA 50", "IRMA Transparency"]
    assert all(c["requiredPerformance"] == [] for c in irma["includedProfile"][0]["criterion"])
    # a month-only date is written as its first day, and the profile says so
    assert irma["includedProfile"][0]["validFrom"] == "2018-06-01"
    assert "stands for June 2018 (the month only)" in irma["includedProfile"][0]["description"]


def test_topics_cover_every_code():
    from untp_crm_vocab.mappingdata import CONFORMITY_TOPICS
    from untp_crm_vocab.untp_topics import TOPIC_BASE, code_for_iri, topic_object

    iris = set()
    for code in CONFORMITY_TOPICS:
        t = topic_object(code)
        assert t["id"].startswith(TOPIC_BASE) and t["name"]
        assert code_for_iri(t["id"]) == code
        iris.add(t["id"])
    assert len(iris) == len(CONFORMITY_TOPICS)


def test_scheme_page_lists_criteria_and_links_downloads(built_site):
    page = (built_site / "schemes" / "coppermark.html").read_text(encoding="utf-8")
    assert "1-legal-compliance" in page and "partially met" in page
    assert 'href="../working/schemes/coppermark.json"' in page
    assert (built_site / "schemes" / "index.html").is_file()


# ---- bad input -----------------------------------------------------------------------------
def _copy(tmp_path, project):
    import shutil

    from untp_crm_vocab.project import Project

    root = tmp_path / "p"
    shutil.copytree(project.root / "mappings", root / "mappings")
    shutil.copy2(project.root / "pyproject.toml", root / "pyproject.toml")
    return Project(root=root, base_iri=project.base_iri)


def test_missing_entry_is_a_clear_build_error(tmp_path, project):
    from untp_crm_vocab import schemes

    p = _copy(tmp_path, project)
    f = p.mappings_dir / "schemes.yaml"
    text = f.read_text(encoding="utf-8")
    f.write_text(re.sub(r"\n  gri14:\n(    .*\n|      .*\n)*", "\n", text), encoding="utf-8")
    with pytest.raises(BuildError) as e:
        schemes.load(p)
    assert "gri14" in e.value.message and "schemes.yaml" in e.value.where and "owner_id" in e.value.hint


def test_bad_value_names_file_and_line(tmp_path, project):
    from untp_crm_vocab import schemes

    p = _copy(tmp_path, project)
    f = p.mappings_dir / "schemes.yaml"
    lines = f.read_text(encoding="utf-8").split("\n")
    i = next(i for i, ln in enumerate(lines) if ln.strip() == 'valid_from: "2018-06"')
    lines[i] = '    valid_from: "June 2018"'
    f.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(BuildError) as e:
        schemes.load(p)
    assert e.value.where.endswith(f"schemes.yaml:{i + 1}") and "valid_from" in e.value.message


def test_page_escapes_catalogue_text(tmp_path, project):
    from untp_crm_vocab import schemes

    p = _copy(tmp_path, project)
    f = p.mappings_dir / "standards" / "coppermark.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace(
        "Issue-area number", "Issue-area <script>alert(1)</script> number", 1), encoding="utf-8")
    docs = schemes.load(p)
    assert "<script>alert(1)</script>" in docs["coppermark"].doc["includedProfile"][0]["criterion"][0]["description"]
    html = schemes.page_html(p, "working", docs["coppermark"])
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
