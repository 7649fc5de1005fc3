"""Build step crosswalk_rdf: SKOS criteria, catalogues, SSSOM/RDF crosswalks, per-term files;
read back by rdflib and sssom-py, deterministic, and checked with the mapping-set SHACL shapes."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generators.build import build
from generators.mappingdata import load_mapping_data

REPO = Path(__file__).resolve().parent.parent
DOC_TREE = REPO / "tests" / "fixtures" / "recognition" / "doc"
SHAPES = REPO / "generators" / "data" / "shapes" / "mappings.shacl.ttl"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SSSOM = "https://w3id.org/sssom/"
OWL = "http://www.w3.org/2002/07/owl#"
UNTP = "https://test.uncefact.org/vocabulary/untp/core/working/"



@pytest.fixture(scope="module")
def out(doc_project, tmp_path_factory):
    return build(doc_project, tmp_path_factory.mktemp("rdf") / "site", steps=("generators.crosswalk_rdf",), quiet=True)


def graph(path: Path, fmt=None):
    from rdflib import Graph

    return Graph().parse(path, format=fmt or ("json-ld" if path.suffix == ".jsonld" else "turtle"))


def U(s):
    from rdflib import URIRef

    return URIRef(s)


def test_files_written(out):
    for rel in ("working/criteria.ttl", "working/criteria.jsonld", "working/standards/beta.ttl",
                "working/standards/beta.jsonld", "working/crosswalks/alpha.sssom.tsv",
                "working/crosswalks/alpha.ttl", "working/crosswalks/alpha.jsonld",
                "criteria/ENV-01.ttl", "criteria/ENV-01.jsonld",
                "standards/beta/2.0/1.1.ttl", "standards/beta/2.0/1.1.jsonld",  # a dotted id keeps its dot
                "standards/gamma/2022/water-balance.ttl"):
        assert (out / rel).is_file(), rel
    assert (out / "working/crosswalks/beta.sssom.tsv").read_bytes() == (DOC_TREE / "mappings/crosswalks/beta.sssom.tsv").read_bytes()


def test_criteria_scheme(out, project):
    from rdflib import RDF

    g = graph(out / "working/criteria.ttl")
    c = U(project.criterion_iri("ENV-02"))
    assert (c, RDF.type, U(SKOS + "Concept")) in g
    assert (c, RDF.type, U(UNTP + "Criterion")) in g
    assert str(g.value(c, U(SKOS + "prefLabel"))) == "Water stewardship"
    assert str(g.value(c, U(SKOS + "notation"))) == "ENV-02"
    assert str(g.value(c, U(SKOS + "definition"))).startswith("The operation manages water")
    assert g.value(c, U(SKOS + "inScheme")) == U(project.criteria_base)
    assert g.value(c, U(UNTP + "conformityTopic")) == U(UNTP + "conformityTopicCode#environment.water")
    assert (U(project.criteria_base), RDF.type, U(SKOS + "ConceptScheme")) in g
    assert len(set(g.subjects(RDF.type, U(UNTP + "Criterion")))) == 6


def test_catalogue_and_requirement_files(out, project):
    g = graph(out / "working/standards/beta.ttl")
    base = project.standard_base("beta", "2.0")
    assert (U(base + "1.1"), U(SKOS + "broader"), U(base + "1")) in g
    assert (U(base), U(SKOS + "hasTopConcept"), U(base + "1")) in g
    alpha = graph(out / "standards/alpha/1/A1.ttl")
    a1 = U(project.standard_base("alpha", "1") + "A1")
    assert (a1, U(SKOS + "exactMatch"), U("https://example.org/alpha/criteria-v1.pdf#a1-ghg")) in alpha  # owner IRI
    assert (a1, U(SKOS + "exactMatch"), U(project.criterion_iri("ENV-01"))) in alpha
    a5 = graph(out / "standards/alpha/1/A5.ttl")  # negated row: no direct triple
    assert not list(a5.triples((None, U(SKOS + "exactMatch"), U(project.criterion_iri("GOV-01")))))
    crit = graph(out / "criteria/LAB-01.jsonld")
    subjects = {str(s) for s in crit.subjects(None, U(project.criterion_iri("LAB-01")))}
    assert project.standard_base("beta", "2.0") + "2.2" in subjects


def test_crosswalk_rdf_content(out, project, doc_project):
    from rdflib import RDF, Literal
    from rdflib.namespace import XSD

    g = graph(out / "working/crosswalks/alpha.ttl")
    ms = U(f"{project.base_iri}crosswalks/alpha")
    assert (ms, RDF.type, U(SSSOM + "MappingSet")) in g
    assert g.value(ms, U("http://purl.org/dc/terms/license")) == U("https://creativecommons.org/licenses/by/4.0/")
    axioms = set(g.objects(ms, U(SSSOM + "mappings")))
    rows = load_mapping_data(doc_project).crosswalks["alpha"].mappings
    assert len(axioms) == len(rows) == 6
    pattern = re.compile(re.escape(f"{project.base_iri}crosswalks/alpha#m-") + "[0-9a-f]{16}$")
    assert all(pattern.match(str(a)) for a in axioms)
    a = lambda n: U(project.standard_base("alpha", "1") + n)  # noqa: E731
    hc = lambda n: U(project.criterion_iri(n))  # noqa: E731
    # direct triples: only for rows neither negated nor NoTermFound
    assert (a("A1"), U(SKOS + "exactMatch"), hc("ENV-01")) in g
    assert (a("A3"), U(SKOS + "broadMatch"), hc("LAB-01")) in g
    assert (a("A4"), U(SKOS + "closeMatch"), hc("OHS-01")) in g
    assert (a("A5"), U(SKOS + "exactMatch"), hc("GOV-01")) not in g
    assert (U(SSSOM + "NoTermFound"), U(SKOS + "exactMatch"), hc("ENV-03")) not in g
    # the reified negated row
    neg = next(x for x in axioms if g.value(x, U(OWL + "annotatedSource")) == a("A5"))
    assert g.value(neg, U(SSSOM + "predicate_modifier")) == U(SSSOM + "NegatedPredicate")
    assert g.value(neg, U(OWL + "annotatedProperty")) == U(SKOS + "exactMatch")
    assert g.value(neg, U("http://purl.org/pav/authoredBy")) == U(f"{project.base_iri}curators/example")
    assert g.value(neg, U(SSSOM + "mapping_justification")) == U("https://w3id.org/semapv/vocab/ManualMappingCuration")
    assert str(g.value(neg, U("http://www.w3.org/2000/01/rdf-schema#comment"))).startswith("[V] a register")
    conf = g.value(neg, U(SSSOM + "confidence"))
    assert isinstance(conf, Literal) and conf.datatype == XSD.double and float(conf) == 0.9


def test_jsonld_equals_turtle(out):
    from rdflib.compare import isomorphic

    n = 0
    for ttl in sorted(out.rglob("*.ttl")):
        assert isomorphic(graph(ttl), graph(ttl.with_suffix(".jsonld"))), ttl
        n += 1
    assert n == 1 + 3 + 3 + 6 + (5 + 9 + 5)  # criteria, catalogues, crosswalks, per-term files


def test_sssom_py_reads_the_rdf_back(out, doc_project):
    from sssom.parsers import parse_sssom_rdf

    md = load_mapping_data(doc_project)
    for scheme in ("alpha", "beta", "gamma"):
        msdf = parse_sssom_rdf(str(out / f"working/crosswalks/{scheme}.ttl"))
        df = msdf.df.fillna("")
        got = {
            (r.subject_id, r.predicate_id, getattr(r, "predicate_modifier", "") or "", r.object_id)
            for r in df.itertuples()
        }
        want = {
            (m.subject_id, m.predicate_id, "sssom:NegatedPredicate" if m.negated else "", m.object_id)
            for m in md.crosswalks[scheme].mappings
        }
        # sssom-py reports the modifier as its enum text ("Not") or its meaning; accept either
        got = {(s, p, "sssom:NegatedPredicate" if mod in ("Not", "sssom:NegatedPredicate") else mod, o) for s, p, mod, o in got}
        assert got == want, scheme
        assert msdf.metadata["mapping_set_id"].endswith(f"crosswalks/{scheme}")


def test_two_builds_are_byte_identical(doc_project, tmp_path):
    script = (
        "import sys; from pathlib import Path; from generators.build import build; from generators.project import Project;"
        f"build(Project(root=Path({str(DOC_TREE)!r}), base_iri={doc_project.base_iri!r}), Path(sys.argv[1]),"
        " steps=('generators.crosswalk_rdf', 'generators.coverage'), quiet=True)"
    )
    trees = []
    for seed in ("1", "4242"):
        dest = tmp_path / f"b{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(dest)], check=True, env=env, cwd=REPO)
        trees.append({p.relative_to(dest).as_posix(): p.read_bytes() for p in sorted(dest.rglob("*")) if p.is_file()})
    assert trees[0].keys() == trees[1].keys()
    assert [k for k in trees[0] if trees[0][k] != trees[1][k]] == []


# ---- SHACL -------------------------------------------------------------------------------------------------
def shacl(g):
    import pyshacl
    from rdflib import Graph

    ok, report, text = pyshacl.validate(g, shacl_graph=Graph().parse(SHAPES), advanced=True)
    return ok, text


def test_crosswalks_pass_the_shapes(out):
    for scheme in ("alpha", "beta", "gamma"):
        ok, text = shacl(graph(out / f"working/crosswalks/{scheme}.ttl"))
        assert ok, text


def test_broken_mapping_set_fails_the_shapes(out, project):
    from rdflib import Literal
    from rdflib.namespace import DCTERMS, RDFS, XSD

    g = graph(out / "working/crosswalks/alpha.ttl")
    ms = U(f"{project.base_iri}crosswalks/alpha")
    a = lambda n: U(project.standard_base("alpha", "1") + n)  # noqa: E731
    ax = {g.value(x, U(OWL + "annotatedSource")): x for x in g.objects(ms, U(SSSOM + "mappings"))}
    g.remove((ms, DCTERMS.license, None))  # no licence
    g.set((ax[a("A1")], U(SSSOM + "confidence"), Literal(1.5, datatype=XSD.double)))  # out of range
    g.set((ax[a("A4")], U(OWL + "annotatedProperty"), U(OWL + "sameAs")))  # not a SKOS mapping predicate
    g.remove((ax[a("A2")], RDFS.comment, None))  # narrowMatch without a comment
    g.add((a("A5"), U(SKOS + "exactMatch"), U(project.criterion_iri("GOV-01"))))  # direct triple of a negated row
    g.remove((ax[a("A3")], U(SSSOM + "mapping_justification"), None))
    ok, text = shacl(g)
    assert not ok
    for msg in ("exactly one licence IRI", "confidence is one xsd:double between 0 and 1",
                "the predicate is one of skos:exactMatch", "a comment is required",
                "must not be stated as a direct triple", "one semapv: justification"):
        assert msg in text, msg


def test_contradictory_pair_fails_the_shapes(out, project):
    from rdflib import RDF, Literal

    g = graph(out / "working/crosswalks/alpha.ttl")
    ms = U(f"{project.base_iri}crosswalks/alpha")
    x = U(f"{project.base_iri}crosswalks/alpha#m-test")
    g.add((ms, U(SSSOM + "mappings"), x))
    for p, o in ((RDF.type, U(OWL + "Axiom")), (U(OWL + "annotatedSource"), U(project.standard_base("alpha", "1") + "A1")),
                 (U(OWL + "annotatedProperty"), U(SKOS + "relatedMatch")), (U(OWL + "annotatedTarget"), U(project.criterion_iri("ENV-01"))),
                 (U(SSSOM + "mapping_justification"), U("https://w3id.org/semapv/vocab/ManualMappingCuration")),
                 (U("http://purl.org/pav/authoredBy"), U(f"{project.base_iri}curators/example")),
                 (U("http://www.w3.org/2000/01/rdf-schema#comment"), Literal("[R] test"))):
        g.add((x, p, o))
    ok, text = shacl(g)
    assert not ok and "exactMatch cannot stand with" in text


# ---- the real crosswalks -------------------------------------------------------------------------------------
def test_real_crosswalks_convert_and_pass(project, tmp_path):
    assert project.criteria_file.is_file() and any(project.crosswalks_dir.glob("*.sssom.tsv")), "the mapping data is missing"
    from sssom.parsers import parse_sssom_rdf

    md = load_mapping_data(project)
    out = build(project, tmp_path / "site", steps=("generators.crosswalk_rdf",), quiet=True)
    for scheme, ms in sorted(md.crosswalks.items()):
        ttl = out / f"working/crosswalks/{scheme}.ttl"
        ok, text = shacl(graph(ttl))
        assert ok, f"{scheme}: {text[:2000]}"
        assert len(parse_sssom_rdf(str(ttl)).df) == len(ms.mappings), scheme
    for cid in md.criteria:
        assert (out / f"criteria/{cid}.ttl").is_file()
