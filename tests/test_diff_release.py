"""``crm-vocab diff`` classification and ``crm-vocab release`` refusals, on small artifact folders
written here (the contract's file formats), so the rules are tested independently of the model."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from untp_crm_vocab.diff import compare
from untp_crm_vocab.errors import UsageError
from untp_crm_vocab.release import release

REPO = Path(__file__).resolve().parent.parent
BASE = "https://vocabulary.uncefact.org/untp/crm/"

V1 = {
    "classes": {"Facility": "A mine, smelter or refinery.", "Organisation": "A legal entity."},
    "properties": {  # name: (definition, range, required, multivalued)
        "name": ("Human-readable name.", "string", True, False),
        "operator": ("Who operates the facility.", "Organisation", False, False),
        "facilityKind": ("What kind of facility.", "FacilityKind", True, False),
    },
    "enum": {"FacilityKind": ["mine", "refinery", "smelter"]},
    "mappings": [("IRMA2018:4.5", "skos:exactMatch", "HC:ENV-02")],
}


def write_version(folder: Path, spec: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    ttl = ["@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
           "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
           "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .",
           "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
           "@prefix sdo: <https://schema.org/> .", f"@prefix c: <{BASE}> .", ""]
    for c, d in spec["classes"].items():
        ttl.append(f'c:{c} a rdfs:Class, owl:Class ; rdfs:label "{c}" ; skos:definition "{d}" .')
    for p, (d, rng, _req, _mv) in spec["properties"].items():
        r = f"c:{rng}" if rng[0].isupper() else "<http://www.w3.org/2001/XMLSchema#string>"
        ttl.append(f'c:{p} a rdf:Property ; rdfs:label "{p}" ; skos:definition "{d}" ; sdo:rangeIncludes {r} .')
    for e, values in spec["enum"].items():
        ttl.append(f'c:{e} a skos:ConceptScheme ; rdfs:label "{e}" ; skos:definition "Kinds." .')
        for v in values:
            ttl.append(f'<{BASE}{e}/{v}> a skos:Concept ; skos:prefLabel "{v}" ; skos:definition "Value {v}." .')
    (folder / "vocabulary.ttl").write_text("\n".join(ttl) + "\n")
    ctx = {"@context": {"c": BASE, **{c: {"@id": f"c:{c}"} for c in spec["classes"]},
                        **{p: {"@id": f"c:{p}", **({"@type": "@id"} if r[0].isupper() else {})}
                           for p, (_d, r, _q, _m) in spec["properties"].items()}}}
    (folder / "context.jsonld").write_text(json.dumps(ctx, indent=2))
    props, required = {}, []
    for p, (_d, rng, req, mv) in spec["properties"].items():
        if rng in spec["enum"]:
            one = {"$ref": f"#/$defs/{rng}"}
        elif rng[0].isupper():
            one = {"$ref": f"#/$defs/{rng}"}
        else:
            one = {"type": "string"}
        props[p] = {"type": "array", "items": one} if mv else one
        if req:
            required.append(p)
    schema = {"$defs": {"Facility": {"type": "object", "properties": props, "required": required},
                        "Organisation": {"type": "object", "properties": {"name": {"type": "string"}}},
                        **{e: {"type": "string", "enum": v} for e, v in spec["enum"].items()}}}
    (folder / "schemas").mkdir(exist_ok=True)
    (folder / "schemas" / "Facility.json").write_text(json.dumps(schema, indent=2))
    sh = ["@prefix sh: <http://www.w3.org/ns/shacl#> .", f"@prefix c: <{BASE}> .", "",
          "c:FacilityShape a sh:NodeShape ; sh:targetClass c:Facility ;"]
    parts = []
    for p, (_d, rng, req, mv) in spec["properties"].items():
        bits = [f"sh:path c:{p}"]
        if req:
            bits.append("sh:minCount 1")
        if not mv:
            bits.append("sh:maxCount 1")
        if rng in spec["enum"]:
            bits.append("sh:in ( " + " ".join(f'"{v}"' for v in spec["enum"][rng]) + " )")
        parts.append("  sh:property [ " + " ; ".join(bits) + " ]")
    sh.append(" ;\n".join(parts) + " .")
    (folder / "shapes.ttl").write_text("\n".join(sh) + "\n")
    (folder / "crosswalks").mkdir(exist_ok=True)
    rows = ["# mapping_set_id: x", "subject_id\tsubject_label\tpredicate_id\tpredicate_modifier\tobject_id\tobject_label\t"
            "mapping_justification\tauthor_id\treviewer_id\tconfidence\tcomment"]
    for s, p, o in spec["mappings"]:
        rows.append(f"{s}\t\t{p}\t\t{o}\t\tsemapv:ManualMappingCuration\tCRMCUR:a\t\t0.9\t[V] x")
    (folder / "crosswalks" / "irma.sssom.tsv").write_text("\n".join(rows) + "\n")
    return folder


@pytest.fixture
def versions(tmp_path, project):
    def make(name, mutate=None):
        spec = copy.deepcopy(V1)
        if mutate:
            mutate(spec)
        return write_version(tmp_path / name, spec)
    return make


def kinds(changes, breaking=None):
    return {(c["kind"], c["subject"]) for c in changes if breaking is None or c["breaking"] == breaking}


def test_identical_versions_have_no_changes(versions, project):
    assert compare(versions("a"), versions("b"), project) == []


def test_removing_a_required_property_is_breaking(versions, project):
    new = versions("b", lambda s: s["properties"].pop("name"))
    ch = compare(versions("a"), new, project)
    assert ("term-removed", "name") in kinds(ch, True)
    assert ("property-removed", "Facility.name") in kinds(ch, True)


def test_renaming_a_term_is_breaking_and_detected(versions, project):
    def rename(s):
        s["properties"]["operatedBy"] = s["properties"].pop("operator")
    ch = compare(versions("a"), versions("b", rename), project)
    assert any(c["kind"] == "term-renamed" and c["breaking"] and "operator -> operatedBy" in c["detail"] for c in ch)
    assert ("term-removed", "operator") not in kinds(ch)
    assert ("term-added", "operatedBy") not in kinds(ch)


def test_narrowing_an_enum_is_breaking_widening_is_not(versions, project):
    ch = compare(versions("a"), versions("b", lambda s: s["enum"]["FacilityKind"].remove("smelter")), project)
    assert any(c["kind"] == "enum-narrowed" and c["breaking"] for c in ch)
    assert ("term-removed", "FacilityKind/smelter") in kinds(ch, True)
    ch = compare(versions("c"), versions("d", lambda s: s["enum"]["FacilityKind"].append("recycler")), project)
    assert ch and not any(c["breaking"] for c in ch)
    assert any(c["kind"] == "enum-widened" for c in ch)


def test_adding_an_optional_property_is_not_breaking(versions, project):
    def add(s):
        s["properties"]["website"] = ("The facility's web site.", "string", False, False)
    ch = compare(versions("a"), versions("b", add), project)
    assert ("property-added", "Facility.website") in kinds(ch, False)
    assert not any(c["breaking"] for c in ch)


def test_optional_to_required_and_cardinality(versions, project):
    def tighten(s):
        d, r, _req, mv = s["properties"]["operator"]
        s["properties"]["operator"] = (d, r, True, mv)
    ch = compare(versions("a"), versions("b", tighten), project)
    assert any(c["kind"] == "cardinality-changed" and c["breaking"] and "optional -> required" in c["detail"] for c in ch)
    ch = compare(versions("b2", tighten), versions("a2"), project)
    assert ch and not any(c["breaking"] for c in ch)

    def multi(s):
        d, r, req, _mv = s["properties"]["operator"]
        s["properties"]["operator"] = (d, r, req, True)
    ch = compare(versions("c"), versions("d", multi), project)
    assert any(c["kind"] == "cardinality-changed" and c["breaking"] for c in ch)


def test_range_change_is_breaking(versions, project):
    def rerange(s):
        d, _r, req, mv = s["properties"]["operator"]
        s["properties"]["operator"] = (d, "string", req, mv)
    ch = compare(versions("a"), versions("b", rerange), project)
    assert ("range-changed", "operator") in kinds(ch, True)


def test_mappings_added_removed_repredicated(versions, project):
    def change(s):
        s["mappings"] = [("IRMA2018:4.5", "skos:relatedMatch", "HC:ENV-02"), ("IRMA2018:1.2", "skos:exactMatch", "HC:HR-01")]
    ch = compare(versions("a"), versions("b", change), project)
    assert ("mapping-repredicated", "IRMA2018:4.5 -> HC:ENV-02") in kinds(ch, True)
    assert ("mapping-added", "IRMA2018:1.2 -> HC:HR-01") in kinds(ch, False)
    ch = compare(versions("c", change), versions("d"), project)
    assert ("mapping-removed", "IRMA2018:1.2 -> HC:HR-01") in kinds(ch, True)


def test_diff_cli_text_json_and_bad_input(versions):
    a, b = versions("a"), versions("b", lambda s: s["properties"].pop("name"))
    cli = [sys.executable, "-m", "untp_crm_vocab.cli", "diff"]
    r = subprocess.run(cli + [str(a), str(b), "--format", "json"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["summary"]["breaking"] >= 1
    r = subprocess.run(cli + [str(a), str(b)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "BREAKING" in r.stdout
    r = subprocess.run(cli + [str(a), "no-such-version"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "unknown version" in r.stderr


# ---- release ----------------------------------------------------------------------------------
@pytest.fixture
def rproject(tmp_path):
    """A throwaway project (only pyproject.toml) whose releases land in tmp_path/site/releases."""
    from untp_crm_vocab.project import load_project

    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(f'[tool.crm-vocab]\nbase-iri = "{BASE}"\n')
    return load_project(root)


def test_release_refuses_existing_and_hidden_breaking_change(versions, rproject):
    v1 = versions("v1")
    info = release(rproject, "0.1.0", source=v1)
    assert (rproject.releases_dir / "0.1.0" / "vocabulary.ttl").read_bytes() == (v1 / "vocabulary.ttl").read_bytes()
    index = (rproject.releases_dir / "index.yaml").read_text()
    assert "latest: 0.1.0" in index and info["previous"] is None
    # immutable: the same version again is refused, the folder untouched
    before = {p.name: p.read_bytes() for p in (rproject.releases_dir / "0.1.0").iterdir() if p.is_file()}
    with pytest.raises(UsageError, match="already released"):
        release(rproject, "0.1.0", source=versions("other", lambda s: s["classes"].pop("Organisation")))
    assert before == {p.name: p.read_bytes() for p in (rproject.releases_dir / "0.1.0").iterdir() if p.is_file()}
    # a breaking change hidden in a patch release is refused (0.x: needs a minor bump)
    broken = versions("v2", lambda s: s["properties"].pop("name"))
    with pytest.raises(UsageError, match="need a minor bump"):
        release(rproject, "0.1.1", source=broken)
    assert not (rproject.releases_dir / "0.1.1").exists()
    release(rproject, "0.2.0", source=broken)
    assert "latest: 0.2.0" in (rproject.releases_dir / "index.yaml").read_text()
    # from 1.0.0 on, a breaking change needs a major bump and an addition a minor one
    release(rproject, "1.0.0", source=broken)
    narrowed = versions("v3", lambda s: (s["properties"].pop("name"), s["enum"]["FacilityKind"].remove("mine")))
    with pytest.raises(UsageError, match="need a major bump"):
        release(rproject, "1.1.0", source=narrowed)
    added = versions("v4", lambda s: (s["properties"].pop("name"),
                                      s["properties"].__setitem__("website", ("Web site.", "string", False, False))))
    with pytest.raises(UsageError, match="need a minor bump"):
        release(rproject, "1.0.1", source=added)
    release(rproject, "1.1.0", source=added)
    # no staging leftovers
    assert not [p for p in rproject.releases_dir.iterdir() if p.name.startswith(".")]


def test_release_refuses_bad_and_older_versions(versions, rproject):
    release(rproject, "0.3.0", source=versions("v1"))
    for bad, msg in (("1.0", "not a semantic version"), ("v1.0.0", "not a semantic version"),
                     ("0.2.9", "not greater"), ("0.3.0", "already released")):
        with pytest.raises(UsageError, match=msg):
            release(rproject, bad, source=versions("x" + bad.replace(".", "_")))


def test_release_cli_no_traceback(rproject, tmp_path):
    r = subprocess.run([sys.executable, "-m", "untp_crm_vocab.cli", "--project", str(rproject.root), "release", "nope"],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "semantic version" in r.stderr
    r = subprocess.run([sys.executable, "-m", "untp_crm_vocab.cli", "--project", str(rproject.root), "release", "0.1.0",
                        "--from", str(tmp_path / "missing")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
