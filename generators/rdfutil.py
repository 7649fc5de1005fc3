"""Deterministic RDF serialisation shared by every builder.

rdflib's Turtle writer sorts subjects and predicates, so graphs without blank nodes come out
the same every time; graphs with blank nodes are canonicalised first (RDFC-style hashing in
``rdflib.compare.to_canonical_graph``), so their labels do not depend on the run. rdflib's
JSON-LD writer follows set iteration order, so JSON-LD is written here from sorted triples.
"""
from __future__ import annotations

import json
from typing import Iterable, Mapping


def canonical(graph):
    """The graph with blank nodes relabelled canonically (RDFC-1.0), or itself if it has none.

    pyoxigraph's RDFC-1.0 implementation is used (rdflib's ``to_canonical_graph`` took ~6 s on
    the 1,700-triple SHACL graph); the result is read back into rdflib for serialisation.
    """
    from rdflib import BNode, Graph

    if not any(isinstance(t, BNode) for triple in graph for t in triple):
        return graph
    import pyoxigraph

    nt = graph.serialize(format="nt", encoding="utf-8")
    ds = pyoxigraph.Dataset(pyoxigraph.parse(nt, format=pyoxigraph.RdfFormat.N_TRIPLES))
    ds.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True, replace=True)
    for q in ds:
        # rebuilt term by term: rdflib's parsers would relabel the canonical blank nodes
        out.add((from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object, plain_strings=True)))
    return out


def to_turtle(graph, prefixes: Mapping[str, str] | None = None) -> str:
    from rdflib import Graph

    g = canonical(graph)
    if prefixes:
        h = Graph(bind_namespaces="none")
        for p, ns in sorted(prefixes.items()):
            h.bind(p, ns, override=True, replace=True)
        for t in g:
            h.add(t)
        g = h
    text = g.serialize(format="turtle")
    return text if text.endswith("\n") else text + "\n"


def _compact(iri: str, prefixes: Mapping[str, str]) -> str:
    best = None
    for p, ns in prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            local = iri[len(ns):]
            if "/" in local or "#" in local or ":" in local:
                continue
            if best is None or len(ns) > len(prefixes[best]):
                best = p
    return f"{best}:{iri[len(prefixes[best]):]}" if best else iri


def _term_json(o, prefixes):
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import XSD

    if isinstance(o, URIRef):
        return {"@id": _compact(str(o), prefixes)}
    if isinstance(o, BNode):
        return {"@id": f"_:{o}"}
    assert isinstance(o, Literal)
    if o.language:
        return {"@value": str(o), "@language": o.language}
    if o.datatype and o.datatype != XSD.string:
        return {"@value": str(o), "@type": _compact(str(o.datatype), prefixes)}
    return {"@value": str(o)}


def _sort_key(o) -> tuple:
    return (type(o).__name__, str(o), str(getattr(o, "datatype", "") or ""), str(getattr(o, "language", "") or ""))


def to_jsonld(graph, prefixes: Mapping[str, str]) -> str:
    """Flattened JSON-LD (one node object per subject), sorted, with the given prefixes as context."""
    from rdflib import RDF

    g = canonical(graph)
    nodes = []
    for s in sorted(set(g.subjects()), key=_sort_key):
        node: dict = {"@id": _term_json(s, prefixes)["@id"]}
        types = sorted((o for o in g.objects(s, RDF.type)), key=_sort_key)
        if types:
            node["@type"] = [_compact(str(t), prefixes) for t in types]
        for p in sorted(set(g.predicates(s)), key=str):
            if p == RDF.type:
                continue
            vals = sorted(g.objects(s, p), key=_sort_key)
            node[_compact(str(p), prefixes)] = [_term_json(v, prefixes) for v in vals]
        nodes.append(node)
    doc = {"@context": dict(sorted(prefixes.items())), "@graph": nodes}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def subgraph(graph, subjects: Iterable):
    """Triples about ``subjects`` plus the blank nodes they reach (concise bounded description)."""
    from rdflib import BNode, Graph

    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True, replace=True)
    todo = list(subjects)
    seen = set()
    while todo:
        s = todo.pop()
        if s in seen:
            continue
        seen.add(s)
        for p, o in graph.predicate_objects(s):
            out.add((s, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return out


def from_oxigraph(term, *, plain_strings: bool = False):
    """pyoxigraph term -> rdflib term. Literals keep their lexical form (normalize=False);
    ``plain_strings`` writes xsd:string literals as plain literals (the same in RDF 1.1)."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language, normalize=False)
    if plain_strings and term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
