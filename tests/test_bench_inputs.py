"""The validation benchmark's inputs are what they claim to be, and the validator's fast paths
give the reference engines' answers (issue 5). No timings are asserted here.

- every generated valid credential is valid under our validator, python-jsonschema (with format
  checking) and pyshacl (on RDF from pyld); every invalid one fails with its intended finding;
- jsonschema-rs (the fast JSON Schema verdict) agrees with python-jsonschema + FormatChecker
  on every sample and every generated credential, including targeted date / date-time / uri
  values;
- the compiled JSON-LD expander (``untp_crm_vocab.jsonld_compiled``) gives the same triples,
  node identities and undefined-term findings as pyld (expansion + ``to_rdf``), on every sample,
  every generated credential and seeded mutations of them (which it either handles or hands to
  pyld); pyld's expansion with the temporary node IRIs is pyld's own up to those names, and the
  cached context processing (``contexts.expand``) gives pyld's own expansion;
- the compiled SHACL checker gives pyshacl's results (focus, path, component, value) on every
  sample, on generated credentials of every kind, and on RDF broken in every constraint kind;
- whole reports (findings and messages) with the fast paths equal those of the reference
  configuration (python-jsonschema, pyld, pyshacl).
"""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import validation_inputs as vi  # noqa: E402
from untp_crm_vocab.jsonld_compiled import Fallback  # noqa: E402
from untp_crm_vocab.validate import Report, Validator, _find_undefined, _pyld_triples, _rename  # noqa: E402

SAMPLES = sorted((REPO / "model" / "samples").glob("*/*.json"))
# pyshacl is slow (about 0.1 s per credential); it checks a stratified part of the generated
# corpus in the differential tests: every template and every defect kind, both types
SHACL_SUBSET = 120


@pytest.fixture(scope="module")
def corpus():
    return vi.generate(1000, 1000, seed=5)


@pytest.fixture(scope="module")
def fast(project):
    return Validator(project, jobs=1)


@pytest.fixture(scope="module")
def reference(project):
    return Validator(project, shacl_engine="pyshacl", fast_paths=False, jobs=1)


def _docs(corpus):
    valid, invalid = corpus
    return valid + [(n, d) for n, d, _ in invalid]


def _samples():
    return [(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in SAMPLES]


def _crm_type(doc, arts):
    """The CRM credential type a document names (its schema's key), or None."""
    types = doc.get("type")
    return next((t for t in types if isinstance(t, str) and t in arts.schemas), None) if isinstance(types, list) else None


def _published(arts):
    """python-jsonschema validators of the published CRM schemas (their allOf $ref to UNTP's
    schema resolved through the pinned copies, as a vendor would)."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from untp_crm_vocab import untp

    registry = Registry().with_resources(
        (url, Resource.from_contents(s, default_specification=DRAFT202012)) for url, s in untp.schema_resources().items())
    return {t: Draft202012Validator(s, registry=registry, format_checker=FormatChecker()) for t, s in arts.schemas.items()}


def _stratified(corpus, n):
    valid, invalid = corpus
    step_v = max(1, len(valid) // (n // 2))
    step_i = max(1, len(invalid) // (n // 2))
    return valid[::step_v][: n // 2] + [(a, b) for a, b, _ in invalid[::step_i][: n // 2]]


# ---- the inputs ---------------------------------------------------------------------------------

def test_generation_is_deterministic_and_varied(corpus):
    again = vi.generate(1000, 1000, seed=5)
    assert json.dumps(again, sort_keys=True) == json.dumps(corpus, sort_keys=True)
    valid, invalid = corpus
    assert len(valid) == 1000 and len(invalid) == 1000
    assert len({json.dumps(d, sort_keys=True) for _, d in valid}) == 1000, "no two valid credentials alike"
    assert len({d["id"] for _, d in valid}) == 1000
    kinds = {(vi.ctype(d), e["defect"].split(":")[0]) for _, d, e in invalid}
    assert len(kinds) == 12, "six defects for each of the two credential types"
    assert {e["stage"] for _, _, e in invalid} == {"json-schema", "json-ld"}
    assert {e["layer"] for _, _, e in invalid} == {"UNTP 0.7.0", "CRM", ""}, "both schema layers fail somewhere"
    lengths = {len(d["credentialSubject"].get("conformityAssessment", [])) for _, d in valid
               if vi.ctype(d) == "DigitalConformityCredential"}
    assert len(lengths) >= 3, "list lengths vary"


def test_every_valid_one_is_valid_and_every_invalid_one_fails_as_intended(corpus, fast):
    valid, invalid = corpus
    reports = fast.validate_documents(_docs(corpus))
    for r, (name, _) in zip(reports[: len(valid)], valid):
        assert r.valid, (name, [f.render() for f in r.errors])
    for r, (name, _, exp) in zip(reports[len(valid):], invalid):
        assert len(r.errors) == 1, (name, exp, [f.render() for f in r.errors])  # exactly the intended finding
        f = r.errors[0]
        assert (f.check, f.rule, f.path) == (exp["stage"], exp["rule"], exp["path"]), (name, exp, f.render())
        assert f.layer.startswith(exp["layer"]) and bool(f.layer) == bool(exp["layer"]), (name, exp, f.render())


def test_python_jsonschema_agrees_on_the_inputs(project, corpus, fast):
    """The published schemas (UNTP's composed with the CRM layer) with python-jsonschema: every
    valid one passes, every invalid one the JSON Schema stage catches fails."""
    arts = fast.sets[project.context_url()]
    ref = _published(arts)
    valid, invalid = corpus
    for name, doc in valid:
        errors = list(ref[_crm_type(doc, arts)].iter_errors(doc))
        assert not errors, (name, [e.message for e in errors[:3]])
    for name, doc, exp in invalid:
        errors = list(ref[_crm_type(doc, arts)].iter_errors(doc))
        assert bool(errors) == (exp["stage"] == "json-schema"), (name, exp, [e.message for e in errors[:3]])


# ---- JSON Schema: jsonschema-rs verdict == python-jsonschema verdict ------------------------------

_FORMAT_PROBES = {
    "date": ["2026-04-12", "2026-02-29", "2024-02-29", "2026-13-01", "2026-4-12", "20260412", "2026-04-12T00:00:00Z",
             "12/04/2026", " 2026-04-12", "2026-04-12 ", "２０２６-04-12", "0000-01-01", "9999-12-31", ""],
    "date-time": ["2026-04-30T08:00:00Z", "2026-04-30T08:00:00+02:00", "2026-04-30t08:00:00z", "2026-04-30T08:00:00",
                  "2026-04-30 08:00:00Z", "2026-04-30T08:00:60Z", "2026-04-30T24:00:00Z", "2026-04-30T08:00:00.123Z",
                  "2026-02-30T08:00:00Z", "2026-04-30T08:00Z", "2026-04-30T08:00:00+2:00", "0000-01-01T00:00:00Z",
                  "2026-12-31T23:59:60Z", "2026-01-01T00:00:00-00:00", "2026-01-01T00:00:00,5Z", ""],
    "uri": ["https://example.org/x", "did:web:example.org", "urn:isbn:123", "https://example.org/a b", "example.org/x",
            "/relative", "https://example.org/#frag#2", "https://[::1]/", "https://ex.org/%zz", "mailto:a@b.c",
            "https://example.org/\u00e9", "http://exa mple.org", "a:b", "1http://x", "http://", "x:", "http://a\\b",
            "http://a|b", "http://a{b}", "http://h:abc/", "http://a/b?c#d#e", "http://[v1.x]/", "http://a%2", "urn:",
            "HTTP://X", "http://u@h/", "http://x/<y>", "did:web:x%3A1", "http://x/`", "https://x/^", ""],
}


def _format_variants(doc):
    """Copies of doc with one date / date-time / uri value replaced by each probe."""
    slots = {"date": [("credentialSubject", "productionDate")],
             "date-time": [("validFrom",)],
             "uri": [("id",), ("issuer", "id")]}
    for fmt, paths in slots.items():
        for path in paths:
            for probe in _FORMAT_PROBES[fmt]:
                d = copy.deepcopy(doc)
                o = d
                for k in path[:-1]:
                    o = o[k]
                o[path[-1]] = probe
                yield f"{fmt}:{probe!r}", d


def test_jsonschema_rs_verdict_equals_python_jsonschema(project, corpus, fast):
    """Each schema layer (UNTP 0.7.0's, the CRM one): jsonschema-rs's verdict is python-jsonschema's."""
    arts = fast.sets[project.context_url()]
    docs = _samples() + _docs(corpus)
    dpp = json.loads((REPO / "model/samples/valid/dpp-lithium-concentrate.json").read_text(encoding="utf-8"))
    docs += list(_format_variants(dpp))
    checked = 0
    for name, doc in docs:
        t = _crm_type(doc, arts)
        if t is None:
            continue
        for layer in (fast.untp_layer(*arts.untp_types[t]), arts.layers[t]):
            assert layer.fast.is_valid(doc) == layer.validator.is_valid(doc), (name, layer.label)
        checked += 1
    assert checked > 2000


def _mutants(n=300, seed=7):
    """Seeded mutations of the samples hitting every JSON Schema keyword (for the findings test)."""
    import random

    rnd = random.Random(seed)
    values = [None, True, 0, -1, 1.5, 1e308, "", "x", [], {}, ["a"], {"id": 3}, "2026-02-30", "social.labor", "not a uri",
              "did:web:x", [1, 2], {"type": ["Nothing"]}, "0000-01-01", "2026-12-31T23:59:60Z"]
    base = [d for _, d in _samples()]
    out = []
    for i in range(n):
        doc = copy.deepcopy(rnd.choice(base))
        for _ in range(rnd.randint(1, 3)):
            paths, stack = [], [((), doc)]
            while stack:
                path, o = stack.pop()
                if isinstance(o, dict):
                    for k, v in o.items():
                        paths.append(path + (k,))
                        stack.append((path + (k,), v))
                elif isinstance(o, list):
                    for j, v in enumerate(o):
                        paths.append(path + (j,))
                        stack.append((path + (j,), v))
            path = rnd.choice(paths)
            parent = doc
            for k in path[:-1]:
                parent = parent[k]
            r = rnd.random()
            if r < 0.6:
                parent[path[-1]] = copy.deepcopy(rnd.choice(values))
            elif r < 0.8 and isinstance(parent, dict):
                parent[rnd.choice(["foo", "auditScore", "name", "type", "id"])] = copy.deepcopy(rnd.choice(values))
            elif isinstance(parent, dict):
                parent.pop(path[-1])
            else:
                parent.pop(path[-1])
        out.append((f"mutant-{i}", doc))
    return out


def test_fast_schema_findings_equal_python_jsonschema_findings(project, corpus, fast, reference):
    """Findings built from jsonschema-rs errors == findings built from python-jsonschema errors."""
    arts = fast.sets[project.context_url()]
    _, invalid = corpus
    docs = [(n, d) for n, d in _samples()] + [(n, d) for n, d, _ in invalid] + _mutants()
    fast_built = 0
    for name, doc in docs:
        t = _crm_type(doc, arts)
        if t is None:
            continue
        ours = fast.check_schema(doc, arts, t)
        theirs = reference.check_schema(doc, arts, t)
        assert ours == theirs, (name, [f.render() for f in ours], [f.render() for f in theirs])
        for layer in (fast.untp_layer(*arts.untp_types[t]), arts.layers[t]):
            errors = list(layer.fast.iter_errors(doc))
            if errors and fast._fast_schema_findings(errors, layer.schema) is not None:
                fast_built += 1
    assert fast_built >= 600, "the generated invalid credentials are explained without python-jsonschema"


# ---- JSON-LD: compiled expander == pyld ----------------------------------------------------------

def _jsonld_mutants(n=400, seed=11):
    """Seeded mutations of the valid samples aimed at the JSON-LD stage: undefined terms, keywords,
    compact IRIs, relative and blank node IRIs, codes that are no code, nulls, empty and nested
    arrays, lone id references, odd types and numbers, ids repeated or moved into scoped contexts."""
    import random

    rnd = random.Random(seed)
    keys = ["foo", "oreGrade", "id", "type", "name", "@id", "@type", "@value", "@list", "@context", "schema:name",
            "untp:foo", "https://example.org/p", "_:p", "@foo", "value", "unit", "code", "commodity", "chainOfCustody",
            "idScheme", "countryCode", "grade", "measure", "evidencesCriterion", "sourceFacility", "characteristics"]
    values = [None, [], [None], [[1]], {}, True, False, 0, -7, 0.0, -0.0, 3.5, 12500.0, 1e21, 1e308, "", "x", "12", "1.5", "6%",
              "copper", "copper ore", "massBalance", "CL", "AU", "batch", "TNE", "Product", "Facility", "name",
              "https://example.org/a", "https://example.org/a b", "did:web:x.example", "urn:x:1", "relative/iri", "#frag",
              "_:b1", "untp:Product", "schema:Thing", "@id", {"id": "https://example.org/ref"}, {"id": "_:b2"},
              {"type": ["Product"], "name": "p"}, {"type": "Facility", "id": "https://example.org/f"},
              {"type": ["Widget"], "foo": 1}, {"@value": 1}, {"@list": [1]}, {"@context": {"@vocab": "http://e/"}},
              {"value": 1.25, "unit": "KGM"}, {"value": 0.0}, {"value": -0.0}, {"value": "-0"}, {"value": 7},
              {"countryCode": "XX"}, {"code": "A", "foo": "b"},
              ["lithium", "copper"], ["https://example.org/x", {"id": "https://example.org/y"}], [1, "a", True]]
    base = [d for n, d in _samples() if n in {p.name for p in (REPO / "model/samples/valid").glob("*.json")}]
    out = []
    for i in range(n):
        doc = copy.deepcopy(rnd.choice(base))
        for _ in range(rnd.randint(1, 3)):
            objs, stack = [], [doc]
            while stack:
                o = stack.pop()
                if isinstance(o, dict):
                    objs.append(o)
                    stack.extend(v for k, v in o.items() if k != "@context" and isinstance(v, (dict, list)))
                elif isinstance(o, list):
                    stack.extend(v for v in o if isinstance(v, (dict, list)))
            o = rnd.choice(objs)
            r = rnd.random()
            if r < 0.45:
                o[rnd.choice(keys)] = copy.deepcopy(rnd.choice(values))
            elif r < 0.75 and o:
                o[rnd.choice([k for k in o if k != "@context"] or ["foo"])] = copy.deepcopy(rnd.choice(values))
            elif r < 0.85 and o:
                k = rnd.choice(list(o))
                if k != "@context":
                    o.pop(k)
            elif r < 0.95:  # an id repeated elsewhere, or a lone reference to one
                ids = [x["id"] for x in objs if isinstance(x.get("id"), str)]
                if ids:
                    o[rnd.choice(["id", "sourceFacility", "issuedToParty", "producedAtFacility"])] = \
                        rnd.choice([rnd.choice(ids), {"id": rnd.choice(ids)}])
            else:
                o["type"] = rnd.choice([["Product", "Facility"], "Party", ["CRMProductPassport"], ["Unknown", "Product"], [], [3]])
        out.append((f"jsonld-mutant-{i}", doc))
    return out


def _compare_jsonld(fast, reference, docs):
    """For each document the compiled expander takes: the same triples, ids and undefined-term
    entries as pyld (expansion with temporary node IRIs + to_rdf); returns how many it took."""
    taken = 0
    for i, (name, doc) in enumerate(docs):
        report = Report(name)
        contexts = reference._contexts_for_processing(doc, report) if isinstance(doc, dict) else None
        if contexts is None:
            continue
        key = f"d{i}"
        try:
            ours = fast._compiled.to_rdf(doc, contexts, key)
        except Fallback:
            ours = None
        try:
            expanded, ids = reference.expand(doc, contexts, key)
            triples = set(_pyld_triples(expanded, ids)[0])
        except Exception as exc:  # noqa: BLE001 - pyld rejects it: the compiled expander must not take it
            assert ours is None, (name, f"pyld fails ({exc}) but the compiled expander took it")
            continue
        if ours is None:
            continue
        taken += 1
        our_triples, our_ids, our_undefined = ours
        assert len(our_triples) == len(set(our_triples)), name
        assert set(our_triples) == triples, (name, sorted(map(str, set(our_triples) - triples))[:4],
                                             sorted(map(str, triples - set(our_triples)))[:4])
        assert our_ids == ids, name
        undefined = []
        _find_undefined(expanded, key, ids, undefined)
        assert sorted(set(our_undefined)) == sorted(set(undefined)), name
    return taken


def test_compiled_json_ld_equals_pyld_on_samples_and_corpus(corpus, fast, reference):
    docs = _samples() + _docs(corpus)
    assert _compare_jsonld(fast, reference, docs) == len(docs), "every sample and generated credential is compiled"


def test_compiled_json_ld_equals_pyld_on_mutants(fast, reference):
    docs = _jsonld_mutants()
    taken = _compare_jsonld(fast, reference, docs)
    assert len(docs) // 3 < taken < len(docs), "the mutants exercise both the compiled subset and the fallback"


def test_node_identity_follows_the_context(fast, reference):
    """Inside UNTP's idScheme the key ``id`` is the property untp:id (xsd:anyURI), not the node's
    @id: the scheme is a node of its own, at its JSON path, and its id a literal."""
    doc = json.loads((REPO / "model/samples/valid/dpp-minimal.json").read_text(encoding="utf-8"))
    contexts = fast._contexts_for_processing(doc, Report("x"))
    for v in (fast, reference):
        expanded, ids = v.expand(doc, contexts, "d0")
        triples, _ = _pyld_triples(expanded, ids)
        scheme = "urn:crm-vocab:node:d0:$.credentialSubject.idScheme"
        assert "https://id.gs1.org/01/" not in ids
        assert {(p.value, o.value) for s, p, o in triples if s.value == scheme} >= {
            ("https://vocabulary.uncefact.org/untp/id", "https://id.gs1.org/01/"),
            ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "https://vocabulary.uncefact.org/untp/IdentifierScheme")}
    triples, ids, _ = fast._compiled.to_rdf(doc, contexts, "d0")
    assert ids == reference.expand(doc, contexts, "d0")[1]
    assert any(s.value == "urn:crm-vocab:node:d0:$.credentialSubject.idScheme" for s, _, _ in triples)


def test_temporary_node_iris_only_rename_pyld_blank_nodes(reference, corpus):
    """pyld's expansion with the temporary node IRIs is pyld's own expansion (same pinned-context
    caching, no renaming) up to those names: once they are blank nodes again, both RDF graphs
    have the same canonical form (RDFC-1.0, pyoxigraph)."""
    import pyoxigraph as ox
    from pyld import jsonld

    from untp_crm_vocab.contexts import expand as expand_pinned
    from untp_crm_vocab.validate import NODE_IRI, _SENTINEL_CONTEXT

    def term(t):
        if t["type"] == "IRI":
            return ox.BlankNode(_label(t["value"])) if t["value"].startswith(NODE_IRI) else ox.NamedNode(t["value"])
        if t["type"] == "blank node":
            return ox.BlankNode(t["value"][2:])
        if t.get("language"):
            return ox.Literal(t["value"], language=t["language"])
        return ox.Literal(t["value"], datatype=ox.NamedNode(t["datatype"]))

    labels: dict[str, str] = {}

    def _label(iri):
        return labels.setdefault(iri, f"skolem{len(labels)}")

    def canonical(dataset):
        ds = ox.Dataset(ox.Quad(term(t["subject"]), term(t["predicate"]), term(t["object"]))
                        for t in dataset.get("@default", []))
        ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        return set(ds)

    docs = _samples() + _stratified(corpus, 60) + _jsonld_mutants(60, seed=3)
    compared = 0
    for i, (name, doc) in enumerate(docs):
        contexts = reference._contexts_for_processing(doc, Report(name))
        if contexts is None:
            continue
        body = {k: v for k, v in doc.items() if k != "@context"}
        body["@context"] = contexts
        try:
            theirs = canonical(jsonld.to_rdf(expand_pinned(body, reference._loader, reference.registry.docs,
                                                           {"expandContext": _SENTINEL_CONTEXT}), {}))
        except Exception:  # noqa: BLE001 - pyld (or an IRI pyoxigraph refuses) rejects this mutant
            continue
        ours = canonical(jsonld.to_rdf(reference.expand(doc, contexts, f"d{i}")[0], {}))
        assert ours == theirs, name
        compared += 1
    assert compared > 100


def test_cached_context_processing_equals_pyld_own(reference):
    """contexts.expand (memoised context processing, pinned resolver) == pyld's expand with its
    own resolver and no memo, on every sample (pyld alone takes ~0.4 s a credential here)."""
    from pyld import jsonld

    from untp_crm_vocab.contexts import expand as expand_pinned
    from untp_crm_vocab.validate import _SENTINEL_CONTEXT

    for name, doc in _samples():
        opts = {"expandContext": _SENTINEL_CONTEXT}
        ours = expand_pinned(doc, reference._loader, reference.registry.docs, opts)
        theirs = jsonld.expand(doc, {**opts, "documentLoader": reference._loader})
        assert ours == theirs, name


def test_undefined_terms_found_on_the_fast_path(fast, reference):
    doc = json.loads((REPO / "model/samples/valid/dpp-minimal.json").read_text(encoding="utf-8"))
    doc["credentialSubject"]["oreGrade"] = "6%"
    doc["credentialSubject"]["producedAtFacility"]["type"] = ["Facility", "Widget"]
    doc["credentialSubject"]["countryOfProduction"]["foo"] = 1
    contexts = fast._contexts_for_processing(doc, Report("x"))
    assert fast._compiled_rdf(doc, contexts, "d0") is not None, "the compiled expander takes it"
    a = fast.validate_documents([("x", doc)])[0]
    b = reference.validate_documents([("x", doc)])[0]
    assert [f for f in a.findings if f.check == "json-ld"] == [f for f in b.findings if f.check == "json-ld"]
    assert {f.path for f in a.findings if f.rule == "undefined-term"} == {
        "$.credentialSubject", "$.credentialSubject.producedAtFacility.type", "$.credentialSubject.countryOfProduction"}


def test_unusual_documents_take_the_pyld_path(fast):
    doc = json.loads((REPO / "model/samples/valid/dpp-minimal.json").read_text(encoding="utf-8"))
    contexts = fast._contexts_for_processing(doc, Report("x"))
    assert fast._compiled_rdf(doc, contexts, "d0") is not None
    for mutate in (lambda d: d.__setitem__("proof", {"type": "DataIntegrityProof"}),  # a @graph container
                   lambda d: d["credentialSubject"].__setitem__("@id", "urn:x"),  # two keys for @id
                   lambda d: d["credentialSubject"].__setitem__("name", {"@value": "x"}),
                   lambda d: d["credentialSubject"].__setitem__("name", {"@list": ["x"]}),
                   lambda d: d["credentialSubject"].__setitem__("commodity", [["copper"]]),
                   lambda d: d["credentialSubject"]["producedAtFacility"].__setitem__("@context", {"@vocab": "urn:x:"}),
                   lambda d: d["credentialSubject"]["producedAtFacility"].__setitem__("id", "_:b0"),
                   lambda d: d["credentialSubject"]["producedAtFacility"].__setitem__("id", 7)):
        d = copy.deepcopy(doc)
        mutate(d)
        assert fast._compiled_rdf(d, contexts, "d0") is None


# ---- SHACL: compiled checker == pyshacl ------------------------------------------------------------

def _rows_compiled(arts, triples):
    return sorted({(f.value, p, c, None if v is None else v.value) for f, p, c, v in arts.compiled_shapes.validate(triples)})


def _rows_pyshacl(arts, triples):
    import pyshacl
    from rdflib import RDF, Graph, Namespace

    from untp_crm_vocab.rdfutil import from_oxigraph as to_rdflib

    SH = Namespace("http://www.w3.org/ns/shacl#")
    g = Graph()
    for t in triples:
        g.add(tuple(map(to_rdflib, t)))
    _, results, _ = pyshacl.validate(g, shacl_graph=arts.shapes, inference="none", advanced=False, allow_warnings=True)
    out = set()
    for r in results.subjects(RDF.type, SH.ValidationResult):
        comp = str(results.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1].replace("ConstraintComponent", "")
        v = results.value(r, SH.value)
        out.add((str(results.value(r, SH.focusNode)), str(results.value(r, SH.resultPath)), comp, None if v is None else str(v)))
    return sorted(out)


def _triples_for(validator, docs):
    out = []
    for i, (name, doc) in enumerate(docs):
        report = Report(name)
        contexts = validator._contexts_for_processing(doc, report)
        if contexts is None:
            continue
        key = f"d{i}"
        try:
            expanded, ids = validator.expand(doc, contexts, key)
        except Exception:  # noqa: BLE001
            continue
        triples, ids = _pyld_triples(expanded, ids)
        out.extend(_rename(triples, key, ids))
    return out


@pytest.fixture(scope="module")
def shacl_full(project, corpus, reference):
    """pyshacl and the compiled checker on one graph of every sample and all 2,000 generated
    credentials (RDF from pyld; about two minutes of pyshacl)."""
    arts = reference.sets[project.context_url()]
    docs = _samples() + _docs(corpus)
    triples = _triples_for(reference, docs)
    return docs, _rows_compiled(arts, triples), _rows_pyshacl(arts, triples)


def test_compiled_shacl_equals_pyshacl_on_the_full_corpus(project, reference, shacl_full):
    arts = reference.sets[project.context_url()]
    assert arts.compiled_shapes is not None, "our shapes use only the compiled subset"
    _, ours, theirs = shacl_full
    assert ours == theirs, (sorted(set(ours) - set(theirs))[:5], sorted(set(theirs) - set(ours))[:5])
    comps = {c for _, _, c, _ in theirs}
    assert {"Datatype", "In", "MinCount"} <= comps, comps  # the invalid corpus exercises SHACL too


def test_every_generated_valid_credential_conforms_under_pyshacl(corpus, shacl_full):
    from untp_crm_vocab.validate import _locate

    docs, _, theirs = shacl_full
    n_samples = len(_samples())
    valid_keys = {f"d{i}" for i, (name, _) in enumerate(docs) if i >= n_samples and name.startswith("valid-")}
    assert len(valid_keys) == 1000
    bad = [r for r in theirs if _locate(r[0])[0][0] in valid_keys]
    assert not bad, bad[:5]


def test_compiled_shacl_equals_pyshacl_on_broken_rdf(project, reference):
    """Every constraint kind broken in RDF (where JSON Schema would have stopped it earlier)."""
    import pyoxigraph as ox

    arts = reference.sets[project.context_url()]
    base = _triples_for(reference, [(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in sorted((REPO / "model/samples/valid").glob("*.json"))])
    XSD = "http://www.w3.org/2001/XMLSchema#"

    def lit(v, dt):
        return ox.Literal(v, datatype=ox.NamedNode(XSD + dt))

    broken = []
    by_pred = {}
    for s, p, o in base:
        by_pred.setdefault(p.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1], []).append((s, p, o))
    edits = [
        ("grade", lambda o: lit("1.5E0", "float")),             # maxInclusive
        ("grade", lambda o: lit("-5.0E-1", "float")),           # minInclusive
        ("grade", lambda o: lit("six", "float")),               # ill-typed
        ("grade", lambda o: lit("5.0E-1", "double")),           # datatype
        ("measuredAs", lambda o: lit("7", "integer")),          # datatype
        ("chainOfCustody", lambda o: ox.NamedNode(o.value + "x")),  # sh:in
        ("facilityType", lambda o: ox.NamedNode(o.value + "x")),
        ("commodity", lambda o: lit("lithium", "string")),
        ("evidencesCriterion", lambda o: lit(o.value, "string")),   # nodeKind
        ("commodityContent", lambda o: ox.NamedNode("urn:crm-vocab:nowhere")),  # sh:node (untyped, empty)
    ]
    for pred, edit in edits:
        hits = by_pred.get(pred)
        assert hits, pred
        s, p, o = hits[0]
        broken.append((pred, [t for t in base if t != (s, p, o)] + [(s, p, edit(o))]))
    # cardinality: a second chainOfCustody, the product's commodity and a grade removed
    s, p, o = by_pred["chainOfCustody"][0]
    broken.append(("second chainOfCustody", base + [(s, p, ox.NamedNode(o.value.rsplit("/", 1)[0] + "/massBalance"))]))
    broken.append(("no commodity", [t for t in base if t[0] != s or t[1].value != by_pred["commodity"][0][1].value]))
    s, p, o = by_pred["grade"][0]
    broken.append(("no grade", [t for t in base if t[0] != s or t[1] != p]))
    silent = []
    for what, triples in broken:
        ours, theirs = _rows_compiled(arts, triples), _rows_pyshacl(arts, triples)
        assert ours == theirs, (what, sorted(set(ours) - set(theirs))[:5], sorted(set(theirs) - set(ours))[:5])
        if not ours:
            silent.append(what)
    assert not silent, f"edits no engine objects to: {silent}"


# ---- whole reports: fast configuration == reference configuration ----------------------------------

def test_reports_equal_the_reference_configuration(corpus, fast, reference):
    docs = _samples() + _stratified(corpus, SHACL_SUBSET)
    a = fast.validate_documents(docs)
    b = reference.validate_documents(docs)
    for x, y in zip(a, b):
        assert x.as_json() == y.as_json(), x.file


def test_parallel_batches_give_the_same_reports(corpus, fast):
    docs = _docs(corpus)[::5]
    one = fast.validate_documents(docs, jobs=1)
    two = fast.validate_documents(docs, jobs=2)
    assert [r.as_json() for r in one] == [r.as_json() for r in two]
