"""Build step crosswalk_rdf: SKOS criteria, catalogues, SSSOM/RDF crosswalks, per-term files;
read back by rdflib and sssom-py, deterministic, and checked with the mapping-set SHACL shapes."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from untp_crm_vocab.build import build
from untp_crm_vocab.mappingdata import load_mapping_data

REPO = Path(__file__).resolve().parent.parent
DOC_TREE = REPO / "tests" / "fixtures" / "recognition" / "doc"
SHAPES = REPO / "generators" / "data" / "shapes" / "mappings.shacl.ttl"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SSSOM = "https://w3id.org/sssom/"
OWL = "http://www.w3.org/2002/07/owl#"
UNTP = "https://test.uncefact.org/vocabulary/untp/core/working/"



@pytest.fixture(scope="module")
def out(doc_project, tmp_path_factory):
    return build(doc_project, tmp_path_factory.mktemp("rdf") / "site", steps=("untp_crm_vocab.crosswalk_rdf",), quiet=True)


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
        "import sys; from pathlib import Path; from untp_crm_vocab.build import build; from untp_crm_vocab.project import Project;"
        f"build(Project(root=Path({str(DOC_TREE)!r}), base_iri={doc_project.base_iri!r}), Path(sys.argv[1]),"
        " steps=('untp_crm_vocab.crosswalk_rdf', 'untp_crm_vocab.coverage'), quiet=True)"
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
    out = build(project, tmp_path / "site", steps=("untp_crm_vocab.crosswalk_rdf",), quiet=True)
    for scheme, ms in sorted(md.crosswalks.items()):
        ttl = out / f"working/crosswalks/{scheme}.ttl"
        ok, text = shacl(graph(ttl))
        assert ok, f"{scheme}: {text[:2000]}"
        assert len(parse_sssom_rdf(str(ttl)).df) == len(ms.mappings), scheme
    for cid in md.criteria:
        assert (out / f"criteria/{cid}.ttl").is_file()


# ---- the SSSOM/RDF writer against sssom-py's (the reference) ----------------------------------------------
def sssom_py_crosswalk_graph(project, md, scheme: str):
    """The crosswalk graph the way the build made it before it wrote SSSOM/RDF itself: a sssom-py
    MappingSetDataFrame from our reader's rows (project namespaces, stable ``record_id``,
    propagated set-level slots), ``write_rdf(hydrate=True, condense=False)``, declared extension
    columns added with rdflib. The reference that ``crosswalk_rdf.crosswalk_graph`` must equal."""
    import io

    import pandas as pd
    from curies import Converter
    from rdflib import Graph, Literal, URIRef
    from sssom.util import MappingSetDataFrame
    from sssom.writers import write_rdf

    from untp_crm_vocab.crosswalk_rdf import MAPPING_PREFIX, PROPAGATABLE, SSSOM as SSSOM_NS, _is_iri, _prefix_map, crosswalk_iri, mapping_iri
    from untp_crm_vocab.errors import BuildError
    from untp_crm_vocab.mappingdata import SSSOM_MAPPING_SLOTS, SSSOM_SET_SLOTS

    ms = md.crosswalks[scheme]
    pm = _prefix_map(project, md, ms)
    pm[MAPPING_PREFIX] = crosswalk_iri(project, scheme) + "#"
    meta = {k: v for k, v in (ms.metadata or {}).items() if k in SSSOM_SET_SLOTS and k not in ("curie_map", "extension_definitions")}
    meta["mapping_set_id"] = crosswalk_iri(project, scheme)
    propagated = {k: meta.pop(k) for k in list(meta) if k in PROPAGATABLE}
    records = []
    for m in ms.mappings:
        row = {
            "record_id": f"{MAPPING_PREFIX}:m-{mapping_iri(project, scheme, m).rsplit('#m-', 1)[1]}",
            "subject_id": m.subject_id, "subject_label": m.subject_label, "predicate_id": m.predicate_id,
            "predicate_modifier": m.predicate_modifier, "object_id": m.object_id, "object_label": m.object_label,
            "mapping_justification": m.mapping_justification, "author_id": m.author_id,
            "reviewer_id": m.reviewer_id, "confidence": m.confidence, "comment": m.comment,
        }
        for k, v in (m.extra or {}).items():
            if k in SSSOM_MAPPING_SLOTS and v:
                row[k] = v
        for k, v in propagated.items():
            row.setdefault(k, v)
        records.append({k: v for k, v in row.items() if v not in (None, "")})
    conv = Converter.from_prefix_map({k: pm[k] for k in sorted(pm)})
    msdf = MappingSetDataFrame(df=pd.DataFrame(records), converter=conv, metadata=meta)
    buf = io.StringIO()
    write_rdf(msdf, buf, serialisation="nt", hydrate=True, condense=False)
    g = Graph().parse(data=buf.getvalue(), format="nt")
    exts = {}
    for d in (ms.metadata or {}).get("extension_definitions") or []:
        if isinstance(d, dict) and d.get("slot_name") and d.get("property"):
            exts[d["slot_name"]] = URIRef(md.expand(d["property"]) if not _is_iri(d["property"]) else d["property"])
    for m in ms.mappings:
        for k, prop in exts.items():
            if (m.extra or {}).get(k):
                g.add((URIRef(mapping_iri(project, scheme, m)), prop, Literal(m.extra[k])))
    if len(set(g.objects(URIRef(crosswalk_iri(project, scheme)), URIRef(SSSOM_NS + "mappings")))) != len(ms.mappings):
        raise BuildError("duplicate rows")
    return g, pm


EDGE_META = """#mapping_set_description: every kind of SSSOM value the writer handles
#mapping_set_version: "2.0"
#creator_id:
#  - CRMCUR:example
#  - orcid:0000-0002-1825-0097
#creator_label: [Example Curator, Someone Else]
#mapping_set_confidence: "0.8"
#subject_type: skos concept
#mapping_tool: hand curation
#see_also:
#  - https://example.org/notes
#comment: 'set-level comment with "quotes"'
#extension_definitions:
#  - slot_name: review_note
#    property: CRMCUR:reviewNote
#    type_hint: xsd:string
"""
EDGE_COLUMNS = ("see_also", "mapping_date", "similarity_score", "author_label", "subject_category", "review_note")
EDGE_CELLS = {  # subject_id + object_id -> values of EDGE_COLUMNS (review_date is a column of the worked example)
    ("ALPHA:A1", "HC:ENV-01"): ("https://example.org/a|https://example.org/b", "2026-02-01", "0.75",
                                "Example Curator|Someone Else", "criterion", "checked \\ twice, \"quoted\", ünïcode"),
    ("ALPHA:A5", "HC:GOV-01"): ("", "", "1", "", "", "negated, with a note"),
}


def edge_tree(root: Path) -> Path:
    """The worked-example tree with an alpha crosswalk that uses set-level lists, enums, a declared
    extension column, other SSSOM columns, several authors, an object-side NoTermFound row and a
    row without confidence."""
    import shutil

    shutil.copytree(DOC_TREE / "mappings", root)
    with open(root / "curators.tsv", "a", encoding="utf-8") as fh:
        fh.write("CRMCUR:other\tSomeone Else\t\n")
    path = root / "crosswalks" / "alpha.sssom.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = lines.index("#curie_map:") + 1
    lines[at:at] = ["#  orcid: https://orcid.org/"]
    first = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    meta_lines, rows = lines[:first], lines[first:]
    at = next(i for i, ln in enumerate(meta_lines) if ln.startswith("#mapping_date"))
    meta_lines[at:at] = EDGE_META.rstrip("\n").split("\n")
    cols = rows[0].split("\t")
    out = [rows[0] + "\t" + "\t".join(EDGE_COLUMNS)]
    for r in rows[1:]:
        cells = r.split("\t")
        key = (cells[cols.index("subject_id")], cells[cols.index("object_id")])
        if key == ("ALPHA:A1", "HC:ENV-01"):
            cells[cols.index("review_date")] = "2026-03-01"
            cells[cols.index("author_id")] = "CRMCUR:example|CRMCUR:other"
            cells[cols.index("reviewer_id")] = "CRMCUR:other"
            cells[cols.index("comment")] = '[V] same scope: "inventory", targets \\ reduction — ünïcode.'
        if key == ("ALPHA:A2", "HC:ENV-02"):
            cells[cols.index("confidence")] = ""
        out.append("\t".join(cells + list(EDGE_CELLS.get(key, ("",) * len(EDGE_COLUMNS)))))
    gap = ["ALPHA:A4", "Safety Culture", "skos:exactMatch", "", "sssom:NoTermFound", "", "semapv:ManualMappingCuration",
           "CRMCUR:example", "", "0.3", "[?] nothing harmonised on behaviour programmes.", ""]
    out.append("\t".join(gap + [""] * len(EDGE_COLUMNS)))
    path.write_text("\n".join(meta_lines) + "\n" + "\n".join(out) + "\n", encoding="utf-8")
    return root


def _mapping_trees(project, doc_project, tmp_path):
    """(label, project, mapping data) for the real mappings, the worked example, the edge tree
    above and every check fixture that loads (style findings only)."""
    from untp_crm_vocab.errors import BuildError

    yield "mappings/", project, load_mapping_data(project)
    yield "doc", doc_project, load_mapping_data(doc_project)
    yield "edge", doc_project, load_mapping_data(doc_project, root=edge_tree(tmp_path / "edge"))
    for d in sorted((REPO / "tests" / "fixtures" / "mappings").iterdir()):
        if d.is_dir():
            try:
                md = load_mapping_data(project, root=d)
            except BuildError:
                continue
            yield f"fixtures/mappings/{d.name}", project, md


def test_edge_tree_is_what_it_claims(doc_project, tmp_path):
    md = load_mapping_data(doc_project, root=edge_tree(tmp_path / "edge"))
    ms = md.crosswalks["alpha"]
    assert [d["slot_name"] for d in ms.metadata["extension_definitions"]] == ["review_note"]
    assert isinstance(ms.metadata["creator_id"], list) and ms.metadata["subject_type"] == "skos concept"
    rows = {(m.subject_id, m.object_id): m for m in ms.mappings}
    assert rows[("ALPHA:A1", "HC:ENV-01")].extra["review_note"].startswith("checked")
    assert rows[("ALPHA:A2", "HC:ENV-02")].confidence is None
    assert ("ALPHA:A4", "sssom:NoTermFound") in rows and any(m.negated for m in ms.mappings)


def test_crosswalk_graph_equals_sssom_py(project, doc_project, tmp_path):
    """The SSSOM/RDF the build writes is, triple for triple, what sssom-py's write_rdf makes of
    the same rows: every real crosswalk, the worked example, the edge tree and the fixtures."""
    from untp_crm_vocab.crosswalk_rdf import crosswalk_graph
    from untp_crm_vocab.errors import BuildError

    seen = 0
    for label, proj, md in _mapping_trees(project, doc_project, tmp_path):
        for scheme in sorted(md.crosswalks):
            try:
                want, want_pm = sssom_py_crosswalk_graph(proj, md, scheme)
            except BuildError:  # duplicate rows: both refuse
                with pytest.raises(BuildError):
                    crosswalk_graph(proj, md, scheme)
                continue
            got, pm = crosswalk_graph(proj, md, scheme)
            assert pm == want_pm, (label, scheme)
            missing, extra = set(want) - set(got), set(got) - set(want)
            assert not missing and not extra, (label, scheme, sorted(missing)[:5], sorted(extra)[:5])
            seen += 1
    assert seen >= 7 + 3 + 3 + 10


def test_edge_tree_rdf_content(doc_project, tmp_path):
    """What the edge tree exercises does reach the graph (so the comparison above is not vacuous)."""
    from rdflib import RDF, Literal
    from rdflib.namespace import XSD

    from untp_crm_vocab.crosswalk_rdf import crosswalk_graph

    md = load_mapping_data(doc_project, root=edge_tree(tmp_path / "edge"))
    g, pm = crosswalk_graph(doc_project, md, "alpha")
    ms = U(f"{doc_project.base_iri}crosswalks/alpha")
    ax = {(g.value(x, U(OWL + "annotatedSource")), g.value(x, U(OWL + "annotatedTarget"))): x for x in g.objects(ms, U(SSSOM + "mappings"))}
    a = lambda n: U(doc_project.standard_base("alpha", "1") + n)  # noqa: E731
    hc = lambda n: U(doc_project.criterion_iri(n))  # noqa: E731
    a1 = ax[(a("A1"), hc("ENV-01"))]
    assert set(g.objects(a1, U("http://purl.org/pav/authoredBy"))) == {U(f"{doc_project.base_iri}curators/{n}") for n in ("example", "other")}
    assert set(g.objects(a1, U("http://www.w3.org/2000/01/rdf-schema#seeAlso"))) == {U("https://example.org/a"), U("https://example.org/b")}
    assert g.value(a1, U("http://purl.org/dc/terms/created")) == Literal("2026-02-01", datatype=XSD.date)  # the row's own date wins
    assert g.value(a1, U(SSSOM + "similarity_score")) == Literal("0.75", datatype=XSD.double)
    assert g.value(a1, U(SSSOM + "subject_type")) == U(SKOS + "Concept")  # enum with a meaning IRI
    assert str(g.value(a1, U(f"{doc_project.base_iri}curators/reviewNote"))).startswith("checked \\ twice")
    assert ax[(a("A2"), hc("ENV-02"))] not in set(g.subjects(U(SSSOM + "confidence"), None))
    assert (a("A4"), U(SKOS + "exactMatch"), U(SSSOM + "NoTermFound")) not in g
    assert (ax[(a("A4"), U(SSSOM + "NoTermFound"))], RDF.type, U(OWL + "Axiom")) in g
    assert set(g.objects(ms, U("http://purl.org/dc/terms/creator"))) == {U(f"{doc_project.base_iri}curators/example"), U("https://orcid.org/0000-0002-1825-0097")}
    assert g.value(ms, U(SSSOM + "mapping_set_confidence")) == Literal("0.8", datatype=XSD.double)
    assert pm["orcid"] == "https://orcid.org/"


def test_slot_tables_match_sssom_py():
    """crosswalk_rdf's slot table (property, value kind, multivalued, enum IRIs) is sssom-py's."""
    from sssom.rdf_internal import MappingSetRDFConverter

    from untp_crm_vocab import crosswalk_rdf as X

    kinds = {"StringValueConverter": "str", "NonRelativeURIValueConverter": "uri", "EntityReferenceValueConverter": "ref",
             "DateValueConverter": "date", "DoubleValueConverter": "double", "EnumValueConverter": "enum"}
    conv = MappingSetRDFConverter()
    assert str(conv.object_uri) == SSSOM + "MappingSet" and str(conv.mapping_converter.object_uri) == OWL + "Axiom"
    for c, table in ((conv, X.SET_SLOTS), (conv.mapping_converter, X.MAPPING_SLOTS)):
        want = {}
        for name, slot in c.slots_by_name.items():
            vc = c.value_converters.get(slot.range)
            if vc is None:
                continue  # curie_map, mappings, extension_definitions: objects, handled apart
            kind = kinds[type(vc).__name__]
            if kind == "enum":
                kind = slot.range
                assert X.ENUM_IRIS[kind] == {k: str(v) for k, v in vc.uris_by_value.items()}, kind
            want[name] = (str(c._get_slot_uri(slot)), kind, bool(slot.multivalued))
        assert table == want
