"""A compiled SHACL checker for exactly the constraint subset LinkML's gen-shacl emits.

Why this exists: pyshacl took about 150 ms per credential on our shapes (33 s for 200 credentials
in one batch graph, see bench/RESULTS.md), two orders of magnitude short of the 500 credentials/s
that bulk validation needs. The shapes we generate use only: ``sh:targetClass`` node shapes
(``sh:closed false``) whose ``sh:property`` shapes have a single-IRI ``sh:path`` and
``sh:minCount``, ``sh:maxCount``, ``sh:datatype``, ``sh:nodeKind``, ``sh:in``, ``sh:pattern``,
``sh:minInclusive``, ``sh:maxInclusive``, ``sh:node``. This module compiles that subset into
plain Python checks and reports the same results pyshacl reports (focus node, path, constraint
component, value). Where pyshacl's answer depends on rdflib's reading of a literal (ill-typed
dates, numbers, booleans; ordering of literals), the very same rdflib/pyshacl functions decide,
so the verdicts cannot drift apart. A shapes graph using anything else raises ``Unsupported``
and the validator falls back to pyshacl; ``crm-vocab validate --shacl-engine pyshacl`` selects
pyshacl explicitly. tests/test_bench_inputs.py compares both engines on every sample and on the
2,000 generated benchmark credentials.

Data terms are pyoxigraph terms (``NamedNode``, ``BlankNode``, ``Literal``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .rdfutil import from_oxigraph as to_rdflib  # literals read exactly as pyshacl reads them

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASSOF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# property-shape predicates that carry no constraint
_ANNOTATIONS = {SH + x for x in ("path", "description", "order", "name", "group", "defaultValue")} | {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}
_CONSTRAINTS = {SH + x for x in ("minCount", "maxCount", "datatype", "nodeKind", "in", "pattern",
                                 "minInclusive", "maxInclusive", "node")}
_NODE_SHAPE_KEYS = {SH + x for x in ("targetClass", "property", "closed", "ignoredProperties", "name", "description")} | {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://www.w3.org/2000/01/rdf-schema#label"}


class Unsupported(Exception):
    """The shapes graph uses a SHACL feature this checker does not compile."""


@dataclass
class PropShape:
    path: str
    min_count: int | None = None
    max_count: int | None = None
    datatype: str | None = None
    node_kind: str | None = None
    in_values: frozenset | None = None
    patterns: list = field(default_factory=list)
    min_incl: object = None  # rdflib Literal
    max_incl: object = None
    nodes: list = field(default_factory=list)


@dataclass
class NodeShape:
    iri: str
    targets: list
    props: list


def _ox(term):
    """rdflib term -> pyoxigraph term."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD_STRING)))
    raise Unsupported(f"term {term!r}")


class CompiledShapes:
    def __init__(self, shapes_graph):
        from rdflib import BNode, Literal, URIRef
        from rdflib.collection import Collection

        g = shapes_graph
        sh = lambda x: URIRef(SH + x)  # noqa: E731
        self.shapes: dict[str, NodeShape] = {}
        for s in set(g.subjects(URIRef(RDF_TYPE), sh("NodeShape"))):
            for p in set(g.predicates(s)):
                if str(p) not in _NODE_SHAPE_KEYS:
                    raise Unsupported(f"node shape {s} uses {p}")
            if g.value(s, sh("closed")) is not None and g.value(s, sh("closed")).toPython() is not False:
                raise Unsupported(f"closed shape {s}")
            props = []
            for ps in g.objects(s, sh("property")):
                path = g.value(ps, sh("path"))
                if not isinstance(path, URIRef):
                    raise Unsupported(f"complex path in {s}")
                prop = PropShape(str(path))
                for p, o in g.predicate_objects(ps):
                    k = str(p)
                    if k in _ANNOTATIONS:
                        continue
                    if k not in _CONSTRAINTS:
                        raise Unsupported(f"{k} in a property shape of {s}")
                    name = k[len(SH):]
                    if name == "minCount":
                        prop.min_count = int(o)
                    elif name == "maxCount":
                        prop.max_count = int(o)
                    elif name == "datatype":
                        prop.datatype = str(o)
                    elif name == "nodeKind":
                        prop.node_kind = str(o)[len(SH):]
                    elif name == "in":
                        prop.in_values = frozenset(_ox(x) for x in Collection(g, o))
                    elif name == "pattern":
                        if g.value(ps, sh("flags")) is not None:
                            raise Unsupported("sh:flags")
                        prop.patterns.append(re.compile(str(o)))
                    elif name == "minInclusive":
                        prop.min_incl = o
                    elif name == "maxInclusive":
                        prop.max_incl = o
                    elif name == "node":
                        if isinstance(o, BNode):
                            raise Unsupported("sh:node with a blank node shape")
                        prop.nodes.append(str(o))
                    if name in ("minInclusive", "maxInclusive") and not isinstance(o, Literal):
                        raise Unsupported("non-literal range bound")
                props.append(prop)
            targets = [str(t) for t in g.objects(s, sh("targetClass"))]
            self.shapes[str(s)] = NodeShape(str(s), targets, props)
        for shape in self.shapes.values():
            for prop in shape.props:
                for n in prop.nodes:
                    if n not in self.shapes:
                        raise Unsupported(f"sh:node {n} is not a node shape")
        self.by_class: dict[str, list[NodeShape]] = {}
        for shape in sorted(self.shapes.values(), key=lambda x: x.iri):
            for t in shape.targets:
                self.by_class.setdefault(t, []).append(shape)
        self._dt_cache: dict = {}
        self._cmp_cache: dict = {}

    # -- literal checks decided by rdflib/pyshacl themselves --------------------------------
    def _datatype_ok(self, v, rule: str) -> bool:
        import pyoxigraph as ox

        if not isinstance(v, ox.Literal):
            return False
        dt = v.datatype.value
        if dt == rule:
            if rule == XSD_STRING:
                return True
            key = (v.value, dt, v.language)
            hit = self._dt_cache.get(key)
            if hit is None:
                from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent
                from rdflib import URIRef

                lit = to_rdflib(v)
                if getattr(lit, "ill_typed", None) is True:
                    hit = False
                else:
                    hit = bool(DatatypeConstraintComponent._assert_actual_datatype(None, lit, URIRef(rule)))
                self._dt_cache[key] = hit
            return hit
        if rule == "http://www.w3.org/2000/01/rdf-schema#Literal":
            return True
        if rule == "http://www.w3.org/2000/01/rdf-schema#Datatype":
            return True
        return False

    def _range_ok(self, v, bound, sign: int) -> bool:
        """minInclusive (sign=+1): v >= bound; maxInclusive (sign=-1): v <= bound (pyshacl's logic)."""
        import pyoxigraph as ox

        if not isinstance(v, ox.Literal):
            return False
        key = (v.value, v.datatype.value, v.language, str(bound), str(bound.datatype), sign)
        hit = self._cmp_cache.get(key)
        if hit is None:
            from pyshacl.rdfutil.compare import compare_literal

            lit = to_rdflib(v)
            v_str, b_str = isinstance(lit.value, str), isinstance(bound.value, str)
            if v_str != b_str:
                hit = False
            else:
                try:
                    cmp = compare_literal(lit, bound)
                    hit = cmp >= 0 if sign > 0 else cmp <= 0
                except (TypeError, NotImplementedError):
                    hit = False
            self._cmp_cache[key] = hit
        return hit

    @staticmethod
    def _kind_ok(v, kind: str) -> bool:
        import pyoxigraph as ox

        if isinstance(v, ox.NamedNode):
            return kind in ("IRI", "BlankNodeOrIRI", "IRIOrLiteral")
        if isinstance(v, ox.BlankNode):
            return kind in ("BlankNode", "BlankNodeOrIRI", "BlankNodeOrLiteral")
        return kind in ("Literal", "BlankNodeOrLiteral", "IRIOrLiteral")

    @staticmethod
    def _pattern_string(v) -> str | None:
        import pyoxigraph as ox

        if isinstance(v, ox.BlankNode):
            return None
        if isinstance(v, ox.Literal):
            if v.datatype.value in (XSD_STRING, RDF_LANGSTRING):
                return v.value
            return v.value
        return v.value

    # -- validation -------------------------------------------------------------------------
    def validate(self, triples) -> list[tuple]:
        """Results as (focus, path, component, value) with pyoxigraph terms (value None for
        sh:minCount / sh:maxCount, like pyshacl). ``triples`` yields (s, p, o) pyoxigraph terms."""
        out: dict = {}
        types: dict = {}
        for s, p, o in triples:
            pv = p.value
            if pv == RDFS_SUBCLASSOF:
                raise Unsupported("rdfs:subClassOf in the data graph (class targets would widen)")
            out.setdefault(s, {}).setdefault(pv, []).append(o)
            if pv == RDF_TYPE:
                types.setdefault(s, []).append(o.value)
        self._data = out
        self._conf_memo: dict = {}
        results: list[tuple] = []
        for node, tlist in types.items():
            seen = set()
            for t in tlist:
                for shape in self.by_class.get(t, ()):
                    if shape.iri in seen:
                        continue
                    seen.add(shape.iri)
                    results.extend(self._node_results(node, shape.iri))
        return results

    def _node_results(self, node, shape_iri: str) -> list:
        """All results of ``node`` against one node shape (memoised). pyshacl reports them, as
        sh:detail of the sh:node result, beside that result; so does this checker."""
        key = (node, shape_iri)
        hit = self._conf_memo.get(key)
        if hit is None:
            self._conf_memo[key] = []  # a cycle counts as conforming while it is evaluated
            hit = []
            self._check(node, self.shapes[shape_iri], hit)
            self._conf_memo[key] = hit
        return hit

    def _check(self, node, shape: NodeShape, results: list) -> None:
        props = self._data.get(node, {})
        for ps in shape.props:
            values = props.get(ps.path, ())
            path = ps.path
            n = len(set(values))
            if ps.min_count is not None and n < ps.min_count:
                results.append((node, path, "MinCount", None))
            if ps.max_count is not None and n > ps.max_count:
                results.append((node, path, "MaxCount", None))
            for v in dict.fromkeys(values):
                if ps.datatype is not None and not self._datatype_ok(v, ps.datatype):
                    results.append((node, path, "Datatype", v))
                if ps.node_kind is not None and not self._kind_ok(v, ps.node_kind):
                    results.append((node, path, "NodeKind", v))
                if ps.in_values is not None and v not in ps.in_values:
                    results.append((node, path, "In", v))
                if ps.patterns:
                    s = self._pattern_string(v)
                    for rx in ps.patterns:
                        if s is None or not rx.search(s):
                            results.append((node, path, "Pattern", v))
                if ps.min_incl is not None and not self._range_ok(v, ps.min_incl, +1):
                    results.append((node, path, "MinInclusive", v))
                if ps.max_incl is not None and not self._range_ok(v, ps.max_incl, -1):
                    results.append((node, path, "MaxInclusive", v))
                for n_iri in ps.nodes:
                    sub = self._node_results(v, n_iri)
                    if sub:
                        results.append((node, path, "Node", v))
                        results.extend(sub)
