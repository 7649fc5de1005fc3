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
from untp_crm_vocab.untp import UNTP_070_CONTEXT
from untp_crm_vocab.validate import SENTINEL_VOCAB, VC_VOCAB, Validator

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "model" / "samples"
VALID = sorted((SAMPLES / "valid").glob("*.json"))
INVALID = sorted((SAMPLES / "invalid").glob("*.json"))
EXPECTED = yaml.safe_load((SAMPLES / "invalid" / "expected.yaml").read_text(encoding="utf-8"))
UNTP_070 = {  # the pinned UNTP 0.7.0 schema of each UNTP credential type, in ../shared (independent of the package)
    "DigitalProductPassport": "external/untp-0.7.0/schema/dpp/DigitalProductPassport.json",
    "DigitalConformityCredential": "external/untp-0.7.0/schema/dcc/ConformityCredential.json",
}
CRM_TYPES = {"CRMProductPassport": "DigitalProductPassport", "CRMConformityCredential": "DigitalConformityCredential"}


@pytest.fixture(scope="module")
def model_build(project, tmp_path_factory) -> Path:
    return build(project, tmp_path_factory.mktemp("model") / "site", steps=("untp_crm_vocab.model_artifacts",), quiet=True)


@pytest.fixture(scope="module")
def validator(project, model_build) -> Validator:
    return Validator(project, model_build / project.working_version)


def _load(p: Path):
    return json.loads(p.read_text(encoding="utf-8"))


def _crm_type(doc) -> str | None:
    return next((t for t in doc.get("type", []) if t in CRM_TYPES), None)


def test_samples_present():
    for crm_type in CRM_TYPES:
        assert sum(_crm_type(_load(p)) == crm_type for p in VALID) >= 2, f"two valid samples of {crm_type} at least"
    assert {p.name for p in INVALID} == set(EXPECTED), "every invalid sample records its expected error"
    assert any(e.get("layer", "").startswith("UNTP") for e in EXPECTED.values()), "one CRM-valid-looking sample UNTP rejects"
    for p in VALID:
        assert _load(p)["@context"][:2] == [VC_V2_URL, UNTP_070_CONTEXT]


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_sample_passes_all_three_checks(validator, path):
    report = validator.validate_documents([(path.name, _load(path))])[0]
    assert report.valid, "\n".join(f.render() for f in report.errors)
    assert report.crm_profile and report.untp_version == "0.7.0" and report.credential_type == _crm_type(_load(path))
    # the JSON-LD and SHACL stages really ran: no refusal, no skipped stage, no note either
    assert not report.findings, [f.render() for f in report.findings]


def test_valid_samples_pass_as_one_batch(validator):
    docs = [(p.name, _load(p)) for p in VALID]
    reports = validator.validate_documents(docs)
    assert all(r.valid for r in reports), [(r.file, [f.render() for f in r.errors]) for r in reports]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_sample_fails_for_exactly_its_one_reason(validator, path):
    exp = EXPECTED[path.name]
    report = validator.validate_documents([(path.name, _load(path))])[0]
    assert len(report.errors) == 1, "one defect, one finding:\n" + "\n".join(f.render() for f in report.errors)
    f = report.errors[0]
    assert (f.check, f.rule, f.path) == (exp["stage"], exp["rule"], exp["path"]), f.render()
    assert f.layer == exp.get("layer", ""), f"the finding names the layer that failed: {f.render()}"
    assert f.fix, "every finding says what to do"


def test_invalid_samples_in_a_batch_do_not_leak_into_each_other(validator):
    docs = [(p.name, _load(p)) for p in INVALID + VALID]
    reports = {r.file: r for r in validator.validate_documents(docs)}
    for p in VALID:
        assert reports[p.name].valid, [f.render() for f in reports[p.name].errors]
    for p in INVALID:
        exp = EXPECTED[p.name]
        assert [(f.rule, f.path) for f in reports[p.name].errors] == [(exp["rule"], exp["path"])]


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_sample_passes_untp_070_schema_independently(shared_dir, path):
    """UNTP's own 0.7.0 schema, read from ../shared (not the package's copy), python-jsonschema
    with format checks: every CRM credential is a UNTP 0.7.0 credential."""
    from jsonschema import Draft202012Validator, FormatChecker

    doc = _load(path)
    schema = json.loads((shared_dir / UNTP_070[CRM_TYPES[_crm_type(doc)]]).read_text(encoding="utf-8"))
    errors = sorted(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def _published_validator(model_build, project, crm_type):
    """The published CRM schema as a vendor uses it: its allOf $ref to UNTP's published schema
    URL resolved through a registry of the pinned copies (python-jsonschema + referencing)."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from untp_crm_vocab import untp

    registry = Registry().with_resources(
        (url, Resource.from_contents(s, default_specification=DRAFT202012)) for url, s in untp.schema_resources().items())
    schema = _load(model_build / project.working_version / "schemas" / f"{crm_type}.json")
    assert schema["allOf"][0]["$ref"] == untp.schema_url("0.7.0", CRM_TYPES[crm_type])
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


@pytest.mark.parametrize("path", VALID + INVALID, ids=lambda p: p.name)
def test_published_schema_composes_untp_and_agrees_with_the_validator(project, model_build, validator, path):
    """Vendors validate with the published schema alone: its verdict equals the validator's
    JSON Schema stage (UNTP layer + CRM layer) on every sample."""
    doc = _load(path)
    crm_type = _crm_type(doc) or ("CRMProductPassport" if path.name.startswith("dpp") else "CRMConformityCredential")
    published = list(_published_validator(model_build, project, crm_type).iter_errors(doc))
    report = validator.validate_documents([(path.name, doc)])[0]
    ours = [f for f in report.errors if f.check == "json-schema"]
    assert bool(published) == bool(ours), (path.name, [e.message for e in published], [f.render() for f in ours])


def test_removing_what_untp_requires_is_a_untp_layer_finding(model_build, tmp_path):
    doc = _load(SAMPLES / "valid" / "dcc-lithium-mine-assessment.json")
    del doc["name"]
    f = tmp_path / "no-name.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    r = _cli("validate", "--artifacts", str(model_build / "working"), "--format", "json", str(f))
    assert r.returncode == 1, r.stdout + r.stderr
    (rep,) = json.loads(r.stdout)["reports"]
    assert [(x["layer"], x["rule"], x["path"]) for x in rep["findings"] if x["severity"] == "error"] == [("UNTP 0.7.0", "required", "$")]
    assert rep["untp"]["version"] == "0.7.0" and rep["crmProfile"] is True


def _expand(project, model_build, doc):
    from pyld import jsonld

    reg = ContextRegistry.default()
    reg.add(project.context_url(), _load(model_build / project.working_version / "context.jsonld"), crm=True)
    return jsonld.expand(doc, {"documentLoader": reg.loader(), "expandContext": {"@vocab": SENTINEL_VOCAB}})


def _undefined_iris(expanded) -> list[str]:
    """Property and type IRIs an undefined term expands to (sentinel, VC issuer-dependent, or a
    UNTP type-scoped catch-all such as .../untp/Product#foo)."""
    from untp_crm_vocab.validate import undefined_namespaces

    found = []

    def walk(o):
        if isinstance(o, list):
            for x in o:
                walk(x)
        elif isinstance(o, dict):
            for k, v in o.items():
                if k.startswith(undefined_namespaces()):
                    found.append(k)
                if k == "@type":
                    found.extend(t for t in (v if isinstance(v, list) else [v]) if t.startswith(undefined_namespaces()))
                walk(v)
    walk(expanded)
    return found


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_sample_expands_with_no_undefined_term(project, model_build, path):
    """[VC v2, UNTP 0.7.0, CRM] with a sentinel @vocab appended (the final VC v2 context has
    none, so an undefined term would otherwise be dropped silently): nothing undefined."""
    from pyld import jsonld

    doc = _load(path)
    expanded = _expand(project, model_build, doc)
    assert not _undefined_iris(expanded)
    assert SENTINEL_VOCAB not in json.dumps(expanded) and VC_VOCAB not in json.dumps(expanded)
    assert len(jsonld.to_rdf(expanded, {})["@default"]) > 10


def test_probe_every_untp_and_crm_class_with_every_crm_property(project, model_build):
    """For every UNTP 0.7.0 class and every CRM class used as a node's type, a node of that type
    carrying every CRM property term expands after [VC v2, pinned UNTP 0.7.0 context, CRM
    context] with zero errors, and each CRM property expands to its CRM IRI (no protected-term
    clash with any UNTP type-scoped context, no UNTP catch-all swallowing it)."""
    from untp_crm_vocab import untp

    crm = _load(model_build / project.working_version / "context.jsonld")["@context"]
    crm_props = {k: v for k, v in crm.items() if not k.startswith("@") and not k[:1].isupper()}
    crm_classes = [k for k in crm if k[:1].isupper()]
    untp_classes = [k for k, v in untp.contexts()[UNTP_070_CONTEXT]["@context"].items()
                    if k[:1].isupper() and isinstance(v, dict)]
    assert len(untp_classes) > 20 and crm_props and crm_classes

    def value(d):
        t = d.get("@type")
        if t == "@vocab":
            return "lithium"
        if t == "@id":
            return "https://example.org/x"
        return "0.5" if "float" in str(t) else "x"

    for cls in untp_classes + crm_classes:
        node = {"type": [cls], "id": f"https://example.org/{cls}", **{k: value(v) for k, v in crm_props.items()}}
        doc = {"@context": [VC_V2_URL, UNTP_070_CONTEXT, project.context_url()], "type": ["VerifiableCredential"],
               "id": "https://example.org/probe", "credentialSubject": node}
        expanded = _expand(project, model_build, doc)  # raises on any JSON-LD error
        assert not _undefined_iris(expanded), (cls, _undefined_iris(expanded))
        subject = expanded[0]["https://www.w3.org/2018/credentials#credentialSubject"][0]
        for k, d in crm_props.items():
            assert d["@id"] in subject, f"{k} on a {cls} does not expand to {d['@id']}"


def test_context_defines_only_crm_terms(project, model_build):
    from untp_crm_vocab.model_artifacts import reserved_terms

    ctx = _load(model_build / project.working_version / "context.jsonld")["@context"]
    assert ctx["@version"] == 1.1 and ctx["@protected"] is True
    assert "@vocab" not in ctx
    terms = {k: v for k, v in ctx.items() if not k.startswith("@")}
    assert "untp" not in terms and not any(isinstance(v, str) for v in terms.values()), "no prefixes"
    for k, v in terms.items():
        assert v["@id"].startswith(project.base_iri), f"{k} is not a CRM term"
    clash = sorted(set(terms) & set(reserved_terms()))
    assert not clash, f"terms W3C VC v2 or UNTP 0.7.0 define: {clash}"


def test_vocabulary_uses_untp_070_iris_and_declares_no_equivalence(project, model_build):
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL, RDFS, SKOS

    g = Graph().parse(model_build / project.working_version / "vocabulary.ttl", format="turtle")
    text = (model_build / project.working_version / "vocabulary.ttl").read_text(encoding="utf-8")
    assert "test.uncefact.org" not in text and "/working/" not in text.replace(project.artifact_base(), "")
    untp_ns = "https://vocabulary.uncefact.org/untp/"
    reused = {str(o) for o in g.objects() if isinstance(o, URIRef) and str(o).startswith(untp_ns) and not str(o).startswith(project.base_iri)}
    assert {untp_ns + "Product", untp_ns + "Facility", untp_ns + "DigitalProductPassport"} <= reused
    for p in (OWL.equivalentClass, OWL.equivalentProperty, SKOS.exactMatch, OWL.sameAs):
        for s, o in g.subject_objects(p):
            assert not (str(s).startswith(project.base_iri) and str(o).startswith(untp_ns) and not str(o).startswith(project.base_iri)), (s, p, o)
    # CRM mints no copy of a UNTP term: no <base>Product, no Product.ttl
    for name in ("Product", "Facility", "Claim", "ConformityAttestation", "ConformityAssessment", "Material"):
        assert (URIRef(project.base_iri + name), None, None) not in g
        assert not (model_build / f"{name}.ttl").exists()
    assert (URIRef(project.term_iri("CRMProductPassport")), RDFS.subClassOf, URIRef(untp_ns + "DigitalProductPassport")) in g


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
def test_every_node_with_a_crm_term_is_checked_by_a_shape(validator, path):
    """SHACL is never vacuous for what CRM adds: every node carrying a CRM term is typed with a
    class a shape targets, or is a UNTP Material (untyped in 0.7.0) reached by sh:node."""
    from rdflib import RDF, Namespace, URIRef

    SH = Namespace("http://www.w3.org/ns/shacl#")
    arts = validator.sets[validator.project.context_url()]
    g = _sample_graph(validator, path)
    targets = set(arts.shapes.objects(None, SH.targetClass))
    material_nodes = set(g.objects(None, URIRef("https://vocabulary.uncefact.org/untp/materialProvenance")))
    base = validator.project.base_iri
    carriers = {s for s, p, o in g if str(p).startswith(base) or (p == RDF.type and str(o).startswith(base))}
    assert carriers
    unchecked = [s for s in carriers if not (set(g.objects(s, RDF.type)) & targets) and s not in material_nodes]
    assert not unchecked, f"nodes no shape checks: {unchecked[:5]}"
    assert _shacl(g, arts.shapes)[0]


def test_shacl_catches_errors_in_crm_terms(validator):
    """Break valid RDF three ways; each must be a SHACL violation of the right kind."""
    from rdflib import Literal, URIRef

    arts = validator.sets[validator.project.context_url()]
    base = validator.project.base_iri

    g = _sample_graph(validator, SAMPLES / "valid" / "dcc-lithium-mine-assessment.json")
    p = URIRef(base + "evidencesCriterion")
    s, o = next(iter(g.subject_objects(p)))
    g.remove((s, p, o))
    g.add((s, p, Literal(str(o))))  # a literal where an IRI is required
    conforms, comps = _shacl(g, arts.shapes)
    assert not conforms and "NodeKindConstraintComponent" in comps

    path = SAMPLES / "valid" / "dpp-lithium-concentrate.json"
    g = _sample_graph(validator, path)
    p = URIRef(base + "chainOfCustody")
    s, o = next(iter(g.subject_objects(p)))
    g.remove((s, p, o))
    g.add((s, p, URIRef(str(o).rsplit("/", 1)[0] + "/massbalance")))  # enum value outside the list
    conforms, comps = _shacl(g, arts.shapes)
    assert not conforms and "InConstraintComponent" in comps
    assert set(comps) <= {"InConstraintComponent", "NodeConstraintComponent"}  # parents fail sh:node in turn

    g = _sample_graph(validator, path)
    p = URIRef(base + "commodity")
    subject = next(s for s in g.subjects(p, None) if (s, URIRef(base + "commodityContent"), None) in g)
    g.remove((subject, p, None))  # the product's required commodity missing
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
    assert len(terms) > 30
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


def test_pilot_credentials_are_read_for_what_they_are(shared_dir, model_build):
    """Each real pilot credential (UNTP 0.5.0) gets a report naming its UNTP version and type,
    judged by UNTP's 0.5.0 schema, "not a CRM profile credential", no traceback; the known
    defect of UNTP's own 0.5.0 DCC context is reported as such."""
    files = sorted((shared_dir / "external" / "project-crm").glob("*.json"))
    assert len(files) >= 6
    r = _cli("validate", "--artifacts", str(model_build / "working"), "--format", "json", *map(str, files))
    assert r.returncode in (1, 4) and "Traceback" not in r.stdout + r.stderr, r.stderr
    reports = {Path(x["file"]).name: x for x in json.loads(r.stdout)["reports"]}
    expected = {"dcc_coppermark_mine.json": "DigitalConformityCredential", "dcc_mines_act_permit_mine_ordered.json": "DigitalConformityCredential",
                "dcc_tsm_mine.json": "DigitalConformityCredential", "dfr_copper_mine.json": "DigitalFacilityRecord",
                "dia_orgbook_mine.json": "DigitalIdentityAnchor", "dpp_copper_concentrate.json": "DigitalProductPassport"}
    for name, ctype in expected.items():
        rep = reports[name]
        assert (rep["untp"]["version"], rep["untp"]["credentialType"]) == ("0.5.0", ctype), rep
        assert rep["crmProfile"] is False and "not a CRM profile credential" in rep["summary"]
        assert not any(f["check"] == "shacl" for f in rep["findings"]), "CRM shapes never judge a UNTP-only credential"
    assert reports["dpp_copper_concentrate.json"]["status"] == "valid", reports["dpp_copper_concentrate.json"]["findings"]
    tsm = reports["dcc_tsm_mine.json"]["findings"]
    assert any(f["rule"] == "untp-context-defect" and f["severity"] == "note" and "conformityCertificate" in f["message"] for f in tsm)
    assert reports["dcc_coppermark_mine.json"]["untp"]["detectedFrom"].startswith("from its shape")
    text = _cli("validate", "--artifacts", str(model_build / "working"), str(files[-1]))
    assert "UNTP 0.5.0 DigitalProductPassport; not a CRM profile credential" in text.stdout and text.returncode == 4


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
    doc["credentialSubject"]["commodityContent"] = {"@list": [{"type": ["CommodityContent"], "commodity": "lithium"}]}
    shacl = [f for f in v.validate_documents([("x", doc)])[0].errors if f.check == "shacl"]
    assert any("grade" in f.message and "@list" in f.path for f in shacl), shacl
