"""The model, its generated artifacts, the samples and the validator (issue: LinkML model ...)."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from untp_crm_vocab.build import build
from untp_crm_vocab.contexts import VC_V2_URL, ContextRegistry
from untp_crm_vocab.errors import BuildError
from untp_crm_vocab.project import load_project
from untp_crm_vocab.validate import SENTINEL_VOCAB, VC_VOCAB, Validator

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "model" / "samples"
VALID = sorted((SAMPLES / "valid").glob("*.json"))
INVALID = sorted((SAMPLES / "invalid").glob("*.json"))
EXPECTED = yaml.safe_load((SAMPLES / "invalid" / "expected.yaml").read_text(encoding="utf-8"))
UNTP_SCHEMA = {
    "DigitalProductPassport": "untp-dpp/artefacts/untp-dpp-schema.json",
    "DigitalConformityCredential": "untp-dcc/artefacts/untp-dcc-schema.json",
}


@pytest.fixture(scope="module")
def model_build(project, tmp_path_factory) -> Path:
    return build(project, tmp_path_factory.mktemp("model") / "site", steps=("untp_crm_vocab.model_artifacts",), quiet=True)


@pytest.fixture(scope="module")
def validator(project, model_build) -> Validator:
    return Validator(project, model_build / project.working_version)


def _load(p: Path):
    return json.loads(p.read_text(encoding="utf-8"))


def test_samples_present():
    types = {_load(p)["type"][0] for p in VALID}
    assert types == set(UNTP_SCHEMA), "two credential types at least"
    for t in UNTP_SCHEMA:
        assert sum(_load(p)["type"][0] == t for p in VALID) >= 2
        assert sum(_load(p)["type"][0] == t if isinstance(_load(p)["type"], list) else False for p in INVALID) >= 6
    assert {p.name for p in INVALID} == set(EXPECTED), "every invalid sample records its expected error"


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_sample_passes_all_three_checks(validator, path):
    report = validator.validate_documents([(path.name, _load(path))])[0]
    assert report.valid, "\n".join(f.render() for f in report.errors)
    # the JSON-LD and SHACL stages really ran: no refusal, no skipped stage
    assert not any(f.rule in ("context-refused", "expansion") for f in report.findings)


def test_valid_samples_pass_as_one_batch(validator):
    docs = [(p.name, _load(p)) for p in VALID]
    reports = validator.validate_documents(docs)
    assert all(r.valid for r in reports), [(r.file, [f.render() for f in r.errors]) for r in reports]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_sample_fails_with_recorded_error(validator, path):
    exp = EXPECTED[path.name]
    report = validator.validate_documents([(path.name, _load(path))])[0]
    assert not report.valid
    hits = [f for f in report.errors if f.check == exp["stage"] and f.rule == exp["rule"] and f.path == exp["path"]]
    assert hits, f"expected {exp['stage']}/{exp['rule']} at {exp['path']}, got:\n" + "\n".join(f.render() for f in report.errors)
    assert all(f.fix for f in report.errors), "every finding says what to do"


def test_invalid_samples_in_a_batch_do_not_leak_into_each_other(validator):
    docs = [(p.name, _load(p)) for p in INVALID + VALID]
    reports = {r.file: r for r in validator.validate_documents(docs)}
    for p in VALID:
        assert reports[p.name].valid, [f.render() for f in reports[p.name].errors]
    for p in INVALID:
        exp = EXPECTED[p.name]
        assert any(f.rule == exp["rule"] and f.path == exp["path"] for f in reports[p.name].errors)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_sample_passes_upstream_untp_schema(shared_dir, path):
    from jsonschema import Draft202012Validator, FormatChecker

    doc = _load(path)
    ctype = next(t for t in doc["type"] if t in UNTP_SCHEMA)
    schema = json.loads((shared_dir / "external" / "untp" / UNTP_SCHEMA[ctype]).read_text(encoding="utf-8"))
    errors = sorted(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_expansion_with_vc_v2_and_this_context_defines_every_term(project, model_build, path):
    """[VC v2, this context] only: no protected-term error, nothing in the VC @vocab, nothing dropped."""
    from pyld import jsonld

    reg = ContextRegistry.default()
    url = project.context_url()
    reg.add(url, _load(model_build / project.working_version / "context.jsonld"), crm=True)
    doc = _load(path)
    doc["@context"] = [VC_V2_URL, url]
    # a sentinel @vocab catches any term that no context defines (it would otherwise be dropped)
    expanded = jsonld.expand(doc, {"documentLoader": reg.loader(), "expandContext": {"@vocab": SENTINEL_VOCAB}})
    text = json.dumps(expanded)
    assert SENTINEL_VOCAB not in text and VC_VOCAB not in text
    # and without the sentinel nothing is dropped either: same number of triples
    plain = jsonld.expand(doc, {"documentLoader": reg.loader()})
    n1 = len(jsonld.to_rdf(expanded, {})["@default"])
    n2 = len(jsonld.to_rdf(plain, {})["@default"])
    assert n1 == n2 > 10


def test_context_is_protected_json_ld_11(project, model_build):
    ctx = _load(model_build / project.working_version / "context.jsonld")["@context"]
    assert ctx["@version"] == 1.1 and ctx["@protected"] is True
    assert "@vocab" not in ctx
    for term in ("id", "type", "name", "description", "VerifiableCredential"):
        assert term not in ctx, f"{term} is VC v2's protected term"


# ---- SHACL is never vacuous ----------------------------------------------------------------

def _sample_graph(validator, path: Path):
    doc = _load(path)
    report = validator.validate_documents([("x", doc)])[0]
    assert report.valid
    contexts = validator._contexts_for_processing(doc, report)
    expanded, ids = validator.expand(doc, contexts, "d0")
    return validator.to_graph([("d0", expanded, ids)])


def _shacl(graph, shapes):
    import pyshacl
    from rdflib import Namespace, RDF

    SH = Namespace("http://www.w3.org/ns/shacl#")
    conforms, results, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none")
    comps = sorted(str(results.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
                   for r in results.subjects(RDF.type, SH.ValidationResult))
    return conforms, comps


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_node_is_typed_and_targeted(validator, path):
    from rdflib import RDF, Namespace
    from rdflib.term import Literal

    SH = Namespace("http://www.w3.org/ns/shacl#")
    arts = validator.sets[validator.project.context_url()]
    g = _sample_graph(validator, path)
    targets = set(arts.shapes.objects(None, SH.targetClass))
    subjects = {s for s in g.subjects() if not isinstance(s, Literal)}
    untargeted = [s for s in subjects if not (set(g.objects(s, RDF.type)) & targets)]
    assert not untargeted, f"nodes no shape targets: {untargeted[:5]}"
    assert _shacl(g, arts.shapes)[0]


def test_shacl_catches_errors_in_typed_rdf(validator):
    """Break valid RDF three ways; each must be a SHACL violation of the right kind."""
    from rdflib import Literal, URIRef

    arts = validator.sets[validator.project.context_url()]
    untp = "https://test.uncefact.org/vocabulary/untp/core/working/"
    base = validator.project.base_iri
    path = SAMPLES / "valid" / "dcc-copper-mine-assessment.json"

    g = _sample_graph(validator, path)
    p = URIRef(base + "evidencesCriterion")
    s, o = next(iter(g.subject_objects(p)))
    g.remove((s, p, o))
    g.add((s, p, Literal(str(o))))  # a literal where an IRI is required
    conforms, comps = _shacl(g, arts.shapes)
    assert not conforms and "NodeKindConstraintComponent" in comps

    g = _sample_graph(validator, path)
    p = URIRef(untp + "conformityTopic")
    s, o = next(iter(g.subject_objects(p)))
    g.remove((s, p, o))
    g.add((s, p, URIRef(str(o).rsplit("#", 1)[0] + "#social.labor")))  # enum value outside the list
    conforms, comps = _shacl(g, arts.shapes)
    assert not conforms and "InConstraintComponent" in comps
    assert set(comps) <= {"InConstraintComponent", "NodeConstraintComponent"}  # parents fail sh:node in turn

    g = _sample_graph(validator, path)
    p = URIRef(untp + "assessorLevel")
    assert (None, p, None) in g
    g.remove((None, p, None))  # a required property missing
    conforms, comps = _shacl(g, arts.shapes)
    assert not conforms and "MinCountConstraintComponent" in comps
    assert set(comps) <= {"MinCountConstraintComponent", "NodeConstraintComponent"}


# ---- builds ----------------------------------------------------------------------------------

def _tree(d: Path) -> dict[str, str]:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()}


def test_two_model_builds_are_byte_identical(project, model_build, tmp_path):
    again = build(project, tmp_path / "site", steps=("untp_crm_vocab.model_artifacts",), quiet=True)
    assert _tree(again) == _tree(model_build)


def _plain_json(o) -> bool:
    """Only the types json.loads yields (no str subclasses such as LinkML's ClassDefinitionName)."""
    if isinstance(o, dict):
        return all(type(k) is str and _plain_json(v) for k, v in o.items())
    if isinstance(o, list):
        return all(_plain_json(v) for v in o)
    return o is None or type(o) in (str, int, float, bool)


def test_in_memory_artifacts_equal_the_built_ones(project, model_build):
    """Without a build, validate generates the artifacts in memory: they must be the very same
    plain JSON as the files (CI once failed here: jsonschema-rs rejects str subclasses)."""
    from untp_crm_vocab.validate import ArtifactSet

    v = project.working_version
    mem = ArtifactSet.generate(project)
    disk = ArtifactSet.from_dir(v, model_build / v, project.context_url(v))
    assert _plain_json(mem.schemas) and _plain_json(mem.context)
    assert mem.schemas == disk.schemas and mem.context == disk.context
    assert set(mem.fast_validators) == set(disk.schemas)


def test_generators_without_the_metamodel_write_the_same_artifacts(project):
    """The context, JSON Schema and SHACL generators run without LinkML's metamodel load
    (model_artifacts.lean): each must write exactly what the stock generator writes. The stock
    runs go in a fresh process, so the metamodel really is loaded there."""
    from untp_crm_vocab import model_artifacts as ma, rdfutil

    def artifacts() -> dict:
        model = ma.load_model(project)
        prefixes = ma.vocabulary_prefixes(model)
        return {"context": ma.generate_context(model),
                "schemas": {t: ma.postprocess_json_schema(ma.raw_json_schema(model, t), model, t, "working")
                            for t in model.credential_types},
                "shapes": rdfutil.to_turtle(ma.generate_shacl(model), prefixes)}

    ours = artifacts()
    code = ("import json, sys\n"
            "from untp_crm_vocab import model_artifacts as ma, rdfutil\n"
            "from untp_crm_vocab.project import load_project\n"
            "ma.lean.stock = True\n"
            f"project = load_project({str(REPO)!r})\n"
            "model = ma.load_model(project)\n"
            "json.dump({'context': ma.generate_context(model),"
            " 'schemas': {t: ma.postprocess_json_schema(ma.raw_json_schema(model, t), model, t, 'working')"
            " for t in model.credential_types},"
            " 'shapes': rdfutil.to_turtle(ma.generate_shacl(model), ma.vocabulary_prefixes(model))}, sys.stdout)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    stock = json.loads(r.stdout)
    assert json.dumps(ours, indent=1) == json.dumps(stock, indent=1)


def test_one_json_schema_run_serves_every_credential_type(project):
    """generate_json_schemas runs gen-json-schema once and re-roots it per credential type: the
    result must equal a stock run per type, key order included."""
    from untp_crm_vocab import model_artifacts as ma

    model = ma.load_model(project)
    assert len(model.credential_types) >= 2
    ours = ma.generate_json_schemas(model, "working")
    for ctype in model.credential_types:
        stock = ma.postprocess_json_schema(ma.raw_json_schema(model, ctype), model, ctype, "working")
        assert json.dumps(ours[ctype], indent=1) == json.dumps(stock, indent=1), ctype


def _temp_project(tmp_path: Path, base: str | None = None) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    if base:
        text = text.replace('base-iri = "https://vocabulary.uncefact.org/untp/crm/"', f'base-iri = "{base}"')
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    shutil.copytree(REPO / "model", root / "model")
    return root


def test_failed_build_leaves_previous_output_intact(tmp_path):
    root = _temp_project(tmp_path)
    project = load_project(root)
    out = tmp_path / "out"
    build(project, out, steps=("untp_crm_vocab.model_artifacts",), quiet=True)
    before = _tree(out)
    model = root / "model" / "untp_crm.yaml"
    model.write_text(model.read_text(encoding="utf-8").replace(
        "    description: The globally unique identifier of the thing, as an IRI (ideally resolvable).\n", ""), encoding="utf-8")
    with pytest.raises(BuildError) as exc:
        build(project, out, steps=("untp_crm_vocab.model_artifacts",), quiet=True)
    assert "slot 'id' has no description" in exc.value.message and "untp_crm.yaml:" in exc.value.where
    assert _tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")], "staging folder removed"
    # and through the CLI: a clear message and exit 1, no traceback
    r = subprocess.run([sys.executable, "-m", "untp_crm_vocab.cli", "--project", str(root), "build", "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "has no description" in r.stderr and "fix:" in r.stderr


def test_base_iri_comes_from_the_one_setting(tmp_path):
    root = _temp_project(tmp_path, base="https://example.org/vocab/crm/")
    project = load_project(root)
    out = build(project, tmp_path / "out", steps=("untp_crm_vocab.model_artifacts",), quiet=True)
    ctx = (out / "working" / "context.jsonld").read_text(encoding="utf-8")
    shapes = (out / "working" / "shapes.ttl").read_text(encoding="utf-8")
    for text in (ctx, shapes, (out / "working" / "vocabulary.ttl").read_text(encoding="utf-8")):
        assert "https://example.org/vocab/crm/" in text
        assert "vocabulary.uncefact.org/untp/crm" not in text
    assert (out / "CommodityCode" / "lithium.ttl").exists()


def test_term_files_describe_their_iri(project, model_build):
    from rdflib import Graph, URIRef

    files = sorted(model_build.glob("*.ttl")) + sorted(model_build.glob("*/*.ttl"))
    terms = [p for p in files if p.parent.name != project.working_version]
    assert len(terms) > 100
    for p in terms:
        iri = URIRef(project.base_iri + str(p.relative_to(model_build))[:-4])
        for fmt, f in (("turtle", p), ("json-ld", p.with_suffix(".jsonld"))):
            g = Graph().parse(f, format=fmt)
            assert (iri, None, None) in g, f"{f} does not describe {iri}"


def test_every_class_slot_and_enum_value_has_a_definition(project):
    from untp_crm_vocab.model_artifacts import load_model

    v = load_model(project).view
    for c in v.all_classes(imports=False):
        assert v.get_class(c).description
    for s in v.all_slots(imports=False):
        assert v.get_slot(s).description
    for e in v.all_enums(imports=False):
        for pv in v.get_enum(e).permissible_values.values():
            assert pv.description and pv.meaning


# ---- the command line -------------------------------------------------------------------------

def _cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "untp_crm_vocab.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_validate_cli_exit_codes_and_json(model_build, tmp_path):
    arts = str(model_build / "working")
    ok = _cli("validate", "--artifacts", arts, *map(str, VALID))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = _cli("validate", "--artifacts", arts, "--format", "json", str(INVALID[0]))
    assert bad.returncode == 1
    data = json.loads(bad.stdout)
    assert data["reports"][0]["status"] == "invalid" and data["reports"][0]["findings"][0]["fix"]
    notjson = tmp_path / "x.json"
    notjson.write_text("{ nope", encoding="utf-8")
    r = _cli("validate", "--artifacts", arts, str(notjson), str(tmp_path / "missing.json"))
    assert r.returncode == 2 and "Traceback" not in r.stderr + r.stdout
    assert "not JSON" in r.stdout and "cannot read the file" in r.stdout


def test_unknown_remote_context_is_refused_not_fetched(validator):
    doc = _load(VALID[0])
    doc["@context"] = [VC_V2_URL, "https://evil.example.com/ctx.jsonld", validator.project.context_url()]
    report = validator.validate_documents([("x", doc)])[0]
    refused = [f for f in report.errors if f.rule == "context-refused"]
    assert refused and "not pinned" in refused[0].message and refused[0].path == "$['@context'][1]"


def test_pilot_credentials_get_a_clear_report(shared_dir, model_build):
    files = sorted((shared_dir / "external" / "project-crm").glob("*.json"))
    assert files
    r = _cli("validate", "--artifacts", str(model_build / "working"), *map(str, files))
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    for f in files:
        assert f"{f}: " in r.stdout
    assert "https://test.uncefact.org/vocabulary/untp/dcc/0.5.0/ is not pinned locally" in r.stdout


def test_pinned_w3c_contexts_are_unchanged():
    d = REPO / "generators" / "data" / "contexts"
    assert hashlib.sha256((d / "credentials-v2.jsonld").read_bytes()).hexdigest() == "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f"
    assert hashlib.sha256((d / "credentials-v1.jsonld").read_bytes()).hexdigest() == "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8"


@pytest.mark.parametrize("engine", ["compiled", "pyshacl"])
def test_shacl_results_on_nodes_without_a_json_object_are_still_reported(project, model_build, engine):
    """A blank node (an object inside @list) and a bare IRI value checked through sh:node have no
    JSON object of their own; their SHACL results must still reach the document's report."""
    v = Validator(project, model_build / project.working_version)
    v.shacl_engine = engine
    doc = _load(SAMPLES / "valid" / "dpp-lithium-concentrate.json")
    doc["credentialSubject"]["product"]["commodityContent"] = {"@list": [{"type": ["CommodityContent"], "commodity": "lithium"}]}
    shacl = [f for f in v.validate_documents([("x", doc)])[0].errors if f.check == "shacl"]
    assert any("massFraction" in f.message and "@list" in f.path for f in shacl), shacl
    doc = _load(SAMPLES / "valid" / "dpp-minimal.json")
    doc["issuer"] = "did:web:issuer.example.org"
    shacl = [f for f in v.validate_documents([("x", doc)])[0].errors if f.check == "shacl"]
    assert [f.path for f in shacl] == ["$.issuer"] and "does not conform" in shacl[0].message


def test_model_missing_a_structural_element_is_a_clear_error(tmp_path):
    root = _temp_project(tmp_path)
    model = root / "model" / "untp_crm.yaml"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace("  id:\n    identifier: true\n", "  id:\n"), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "untp_crm_vocab.cli", "--project", str(root), "build", "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "slot `id` with `identifier: true`" in r.stderr and "untp_crm.yaml:" in r.stderr and "fix:" in r.stderr
