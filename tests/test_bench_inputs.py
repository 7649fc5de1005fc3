"""The validation benchmark's inputs are what they claim to be, and the validator's fast paths
give the reference engines' answers (issue 5). No timings are asserted here.

- every generated valid credential is valid under our validator, python-jsonschema (with format
  checking) and pyshacl (on RDF from pyld); every invalid one fails with its intended finding;
- jsonschema-rs (the fast JSON Schema verdict) agrees with python-jsonschema + FormatChecker
  on every sample and every generated credential, including targeted date / date-time / uri
  values;
- pyoxigraph's JSON-LD (the fast path, pinned contexts inlined, codes pre-expanded) gives the
  same triples as pyld and the same undefined-term findings, on every sample and generated one;
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
from untp_crm_vocab.validate import Report, Validator, _pyld_triples, _rename, _skolemize, _undefined_in_triples  # noqa: E402

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
    lengths = {len(d["credentialSubject"].get("assessment", [])) for _, d in valid if vi.ctype(d) == "DigitalConformityCredential"}
    assert len(lengths) >= 3, "list lengths vary"


def test_every_valid_one_is_valid_and_every_invalid_one_fails_as_intended(corpus, fast):
    valid, invalid = corpus
    reports = fast.validate_documents(_docs(corpus))
    for r, (name, _) in zip(reports[: len(valid)], valid):
        assert r.valid, (name, [f.render() for f in r.errors])
    for r, (name, _, exp) in zip(reports[len(valid):], invalid):
        assert not r.valid, name
        assert any(f.check == exp["stage"] and f.rule == exp["rule"] and f.path == exp["path"] for f in r.errors), \
            (name, exp, [f.render() for f in r.errors])


def test_python_jsonschema_agrees_on_the_inputs(project, corpus, fast):
    from jsonschema import Draft202012Validator, FormatChecker

    arts = fast.sets[project.context_url()]
    ref = {t: Draft202012Validator(s, format_checker=FormatChecker()) for t, s in arts.schemas.items()}
    valid, invalid = corpus
    for name, doc in valid:
        errors = list(ref[vi.ctype(doc)].iter_errors(doc))
        assert not errors, (name, [e.message for e in errors[:3]])
    for name, doc, exp in invalid:
        t = doc["type"][0]
        errors = list(ref[t].iter_errors(doc))
        assert errors, name


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
    slots = {"date": [("credentialSubject", "product", "productionDate")],
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
    from jsonschema import Draft202012Validator, FormatChecker

    arts = fast.sets[project.context_url()]
    ref = {t: Draft202012Validator(s, format_checker=FormatChecker()) for t, s in arts.schemas.items()}
    docs = _samples() + _docs(corpus)
    dpp = json.loads((REPO / "model/samples/valid/dpp-lithium-concentrate.json").read_text(encoding="utf-8"))
    docs += list(_format_variants(dpp))
    checked = 0
    for name, doc in docs:
        t = next((x for x in doc.get("type", []) if x in ref), None)
        if t is None:
            continue
        assert arts.fast_validators[t].is_valid(doc) == ref[t].is_valid(doc), name
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
        t = next((x for x in doc.get("type", []) if isinstance(x, str) and x in arts.schemas), None) if isinstance(doc.get("type"), list) else None
        if t is None:
            continue
        ours = fast.check_schema(doc, arts, t)
        theirs = reference.check_schema(doc, arts, t)
        assert ours == theirs, (name, [f.render() for f in ours], [f.render() for f in theirs])
        if fast._fast_schema_findings(arts.fast_validators[t], doc, arts.schemas[t]) is not None:
            fast_built += 1
    assert fast_built >= 1000, "the generated invalid credentials are explained without python-jsonschema"


# ---- JSON-LD: pyoxigraph triples == pyld triples ----------------------------------------------------

def _canon(term):
    """A comparable form of a pyoxigraph term; doubles compare by value (pyld writes doubles with
    15 significant digits, pyoxigraph with the shortest exact form: '9.25055E3' vs '9.250549999999999E3')."""
    import pyoxigraph as ox

    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt.endswith(("#double", "#float")):
            try:
                return ("L", float(term.value), dt)
            except ValueError:
                pass
        return ("L", term.value, dt, term.language)
    return (type(term).__name__, term.value)


def _close(a, b):
    def key(t):
        return tuple(x if not isinstance(x, tuple) or x[0] != "L" or not isinstance(x[1], float) else ("L", "num", x[2]) for x in t)

    if len(a) != len(b):
        return False
    ka, kb = sorted(a, key=lambda t: repr(key(t))), sorted(b, key=lambda t: repr(key(t)))
    for x, y in zip(ka, kb):
        for u, v in zip(x, y):
            if isinstance(u, tuple) and u[0] == "L" and isinstance(u[1], float):
                if not (isinstance(v, tuple) and isinstance(v[1], float) and abs(u[1] - v[1]) <= 1e-12 * max(1.0, abs(u[1])) and u[2] == v[2]):
                    return False
            elif u != v:
                return False
    return True


def test_pyoxigraph_json_ld_equals_pyld(corpus, fast, reference):
    docs = _samples() + _docs(corpus)
    items, meta = [], {}
    for i, (name, doc) in enumerate(docs):
        report = Report(name)
        arts = fast._artifacts_for(doc, report)
        contexts = fast._contexts_for_processing(doc, report)
        if contexts is None or not fast._plain(doc, contexts, arts):
            continue
        key = f"d{i}"
        ids = {}
        body = fast._prepare(_skolemize({k: v for k, v in doc.items() if k != "@context"}, key, ids), arts.vocab_scoped_terms)
        items.append((key, body, contexts))
        meta[key] = (name, doc, contexts, ids)
    assert len(items) == len(docs), "every sample and generated credential takes the fast path"
    parsed = fast._oxigraph_rdf(items)
    assert set(parsed) == set(meta), "pyoxigraph parsed them all"
    for key, (name, doc, contexts, ids) in meta.items():
        expanded, ids2 = reference.expand(doc, contexts, key)
        assert ids2 == ids
        ref_triples, _ = _pyld_triples(expanded, ids2)
        a = {tuple(map(_canon, t)) for t in parsed[key]}
        b = {tuple(map(_canon, t)) for t in ref_triples}
        assert a == b or _close(a, b), (name, sorted(a - b)[:4], sorted(b - a)[:4])
        # the same undefined-term findings as the pyld path
        rep = Report(name)
        reference.check_jsonld(doc, contexts, key, rep)
        ref_undefined = sorted((f.path, f.message) for f in rep.findings if f.rule == "undefined-term")
        ours = sorted(set(_undefined_in_triples(parsed[key], key, ids)))
        assert len(ours) == len(ref_undefined), name
        assert [p for p, *_ in ours] == [p for p, _ in ref_undefined], name


def test_undefined_terms_found_on_the_fast_path(fast, reference):
    doc = json.loads((REPO / "model/samples/valid/dpp-minimal.json").read_text(encoding="utf-8"))
    doc["credentialSubject"]["product"]["oreGrade"] = "6%"
    doc["credentialSubject"]["product"]["type"] = ["Product", "Widget"]
    a = fast.validate_documents([("x", doc)])[0]
    b = reference.validate_documents([("x", doc)])[0]
    assert [f for f in a.findings if f.check == "json-ld"] == [f for f in b.findings if f.check == "json-ld"]
    assert {f.path for f in a.findings if f.rule == "undefined-term"} == {"$.credentialSubject.product", "$.credentialSubject.product.type"}


def test_unusual_documents_take_the_pyld_path(fast):
    doc = json.loads((REPO / "model/samples/valid/dpp-minimal.json").read_text(encoding="utf-8"))
    report = Report("x")
    arts = fast._artifacts_for(doc, report)
    contexts = fast._contexts_for_processing(doc, report)
    assert fast._plain(doc, contexts, arts)
    for mutate in (lambda d: d.__setitem__("proof", {"type": "DataIntegrityProof"}),
                   lambda d: d["credentialSubject"].__setitem__("@id", "urn:x"),
                   lambda d: d["credentialSubject"].__setitem__("ex:thing", "1"),
                   lambda d: d["credentialSubject"].__setitem__("chainOfCustody", "Party"),
                   lambda d: d["credentialSubject"].__setitem__("chainOfCustody", {"meaning": "x"}),
                   lambda d: d["credentialSubject"]["product"].__setitem__("id", "not an iri"),
                   lambda d: d["credentialSubject"].__setitem__("product", [])):
        d = copy.deepcopy(doc)
        mutate(d)
        assert not fast._plain(d, contexts, arts)


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
        ("latitude", lambda o: lit("91.5", "float")),          # maxInclusive
        ("longitude", lambda o: lit("-181", "float")),         # minInclusive
        ("massFraction", lambda o: lit("1.5E0", "float")),     # maxInclusive
        ("massFraction", lambda o: lit("six", "float")),       # ill-typed
        ("productionDate", lambda o: lit("2026-02-30", "date")),  # ill-typed date
        ("validUntil", lambda o: lit("yesterday", "dateTime")),
        ("conformance", lambda o: lit("yes", "boolean")),
        ("registrationCountry", lambda o: lit("aus", "string")),  # pattern
        ("hashDigest", lambda o: lit("xyz", "string")),
        ("chainOfCustody", lambda o: ox.NamedNode(o.value + "x")),  # sh:in
        ("evidencesCriterion", lambda o: lit(o.value, "string")),   # nodeKind
        ("name", lambda o: lit(o.value, "integer")),            # datatype
        ("product", lambda o: ox.NamedNode("urn:crm-vocab:nowhere")),  # sh:node (untyped, empty)
        ("commodity", lambda o: lit("lithium", "string")),
    ]
    for pred, edit in edits:
        hits = by_pred.get(pred)
        assert hits, pred
        s, p, o = hits[0]
        broken.append((pred, [t for t in base if t != (s, p, o)] + [(s, p, edit(o))]))
    # cardinality: a second name, a removed required type
    s, p, o = by_pred["name"][0]
    broken.append(("second name", base + [(s, p, lit(o.value + " bis", "string"))]))
    s, p, o = by_pred["assessorLevel"][0]
    broken.append(("no assessorLevel", [t for t in base if t[0] != s or t[1] != p]))
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
