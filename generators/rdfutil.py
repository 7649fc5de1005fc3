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
    """Turtle for ``graph``: pyoxigraph's writer (Rust, ~1,000 times faster than rdflib's on the
    small per-term graphs) when there are no blank nodes, rdflib's otherwise (it nests blank
    nodes as ``[ ... ]`` and lists as ``( ... )``, which keeps e.g. the SHACL shapes readable)."""
    from rdflib import BNode, Graph

    if any(isinstance(t, BNode) for triple in graph for t in triple):
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
    if prefixes is None:
        prefixes = {p: str(ns) for p, ns in graph.namespaces()}
    return turtle_from_triples(graph, prefixes)


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def turtle_from_triples(triples, prefixes: Mapping[str, str]) -> str:
    """Deterministic Turtle for blank-node-free rdflib triples, written by pyoxigraph.

    Triples are sorted (subject, then ``rdf:type`` first and the other predicates by IRI, then
    objects), so pyoxigraph groups them into one block per subject; only the prefixes some IRI
    uses are declared, in sorted order (pyoxigraph's own prefix order is its hash map's)."""
    import pyoxigraph as ox
    from rdflib import Literal, URIRef

    nodes: dict[str, object] = {}

    def node(iri: str):
        n = nodes.get(iri)
        if n is None:
            n = nodes[iri] = ox.NamedNode(iri)
        return n

    rows = []
    iris: set[str] = set()
    for s, p, o in triples:
        ss, ps = str(s), str(p)
        iris.add(ss)
        iris.add(ps)
        if isinstance(o, URIRef):
            os_ = str(o)
            iris.add(os_)
            obj = node(os_)
            okey = (0, os_, "", "")
        elif isinstance(o, Literal):
            if o.language:
                obj = ox.Literal(str(o), language=o.language)
            elif o.datatype is not None:
                iris.add(str(o.datatype))
                obj = ox.Literal(str(o), datatype=node(str(o.datatype)))
            else:
                obj = ox.Literal(str(o))
            okey = (1, str(o), str(o.datatype or ""), o.language or "")
        else:  # pragma: no cover - callers route blank nodes to rdflib
            raise ValueError(f"turtle_from_triples: blank node {o!r}")
        rows.append(((ss, ps != _RDF_TYPE, ps, okey), ox.Triple(node(ss), node(ps), obj)))
    rows.sort(key=lambda r: r[0])
    used = {}
    for pfx, ns in sorted(prefixes.items()):
        ns = str(ns)
        if any(i.startswith(ns) for i in iris):
            used[pfx] = ns
    body = ox.serialize([t for _, t in rows], format=ox.RdfFormat.TURTLE).decode("utf-8") if not used else None
    if body is not None:
        return body if body.endswith("\n") or not body else body + "\n"
    text = ox.serialize([t for _, t in rows], format=ox.RdfFormat.TURTLE, prefixes=used).decode("utf-8")
    # pyoxigraph declares the prefixes in its hash map's order: put them in sorted order
    lines = text.split("\n")
    n = 0
    while n < len(lines) and lines[n].startswith("@prefix "):
        n += 1
    head = sorted(lines[:n])
    out = "\n".join(head + ([""] if n else []) + lines[n:])
    return out if out.endswith("\n") else out + "\n"


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
    """Flattened JSON-LD (one node object per subject), sorted, with the given prefixes as context.
    One pass over the triples (grouped by subject and predicate here, not by rdflib lookups)."""
    from rdflib import RDF

    g = canonical(graph)
    by_subject: dict = {}
    for s, p, o in g:
        by_subject.setdefault(s, {}).setdefault(p, set()).add(o)
    nodes = []
    for s in sorted(by_subject, key=_sort_key):
        preds = by_subject[s]
        node: dict = {"@id": _term_json(s, prefixes)["@id"]}
        types = preds.get(RDF.type)
        if types:
            node["@type"] = [_compact(str(t), prefixes) for t in sorted(types, key=_sort_key)]
        for p in sorted(preds, key=str):
            if p == RDF.type:
                continue
            node[_compact(str(p), prefixes)] = [_term_json(v, prefixes) for v in sorted(preds[p], key=_sort_key)]
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
