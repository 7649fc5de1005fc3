"""Build step 2: the harmonised criteria, the catalogues and the crosswalks as RDF.

Writes (``<v>`` = ``ctx.version``, IRIs from :class:`untp_crm_vocab.project.Project` only):

* ``<v>/criteria.ttl|.jsonld``: the harmonised criteria, a ``skos:ConceptScheme`` whose members are
  ``skos:Concept`` and UNTP ``Criterion`` (prefLabel, definition, notation, conformityTopic IRI);
* ``<v>/standards/<scheme>.ttl|.jsonld``: each catalogue, a UNTP ``Standard`` that is also a
  ``skos:ConceptScheme`` of its requirements;
* ``<v>/crosswalks/<scheme>.sssom.tsv`` (the source file, copied byte for byte), ``.ttl`` and
  ``.jsonld``: SSSOM/RDF (``owl:Axiom`` per row, with a stable IRI
  ``<base>crosswalks/<scheme>#m-<sha1>``) plus direct ``?s skos:xMatch ?o`` triples for the rows
  that are neither negated nor ``sssom:NoTermFound``. Written here triple for triple as sssom-py's
  ``write_rdf`` writes it (sssom-py is the reference in the tests, not imported by the build);
* ``criteria/<ID>.ttl|.jsonld`` and ``standards/<scheme>/<slug>/<id>.ttl|.jsonld``: one description
  per term IRI, which content negotiation serves.

Outputs are byte-identical across builds: every node is an IRI (no blank nodes) and both
serialisations go through :mod:`untp_crm_vocab.rdfutil` (sorted Turtle and JSON-LD).

Each criterion's and requirement's description is made once (:func:`term_parts`) and shared by the
scheme / catalogue graph and the term's own file.
"""
from __future__ import annotations

import hashlib
import re

UNTP_CORE = "https://test.uncefact.org/vocabulary/untp/core/working/"
TOPIC_BASE = f"{UNTP_CORE}conformityTopicCode#"
SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"
PAV = "http://purl.org/pav/"
SKOS_PREDICATES = ("exactMatch", "broadMatch", "narrowMatch", "closeMatch", "relatedMatch")
MAPPING_PREFIX = "MAPPING"  # CURIE prefix of the per-row IRIs inside one crosswalk graph
NO_TERM_FOUND = "sssom:NoTermFound"

#: prefixes handed to the writers for every file (with the file's own ones)
COMMON_PREFIXES = {
    "dcterms": "http://purl.org/dc/terms/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "pav": PAV,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "semapv": SEMAPV,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sssom": SSSOM,
    "untp-core": UNTP_CORE,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


# ---- helpers -------------------------------------------------------------------------------------
def mapping_key(m) -> str:
    """The identity of a row: subject, predicate, modifier, object (duplicates are an error)."""
    return "\t".join((m.subject_id, m.predicate_id, m.predicate_modifier or "", m.object_id))


def mapping_iri(project, scheme: str, m) -> str:
    digest = hashlib.sha1(mapping_key(m).encode("utf-8")).hexdigest()[:16]
    return f"{crosswalk_iri(project, scheme)}#m-{digest}"


def crosswalk_iri(project, scheme: str) -> str:
    return f"{project.base_iri}crosswalks/{scheme}"


def graph_of(triples):
    """An rdflib Graph holding ``triples``. Nothing is bound: the writers get the prefixes
    explicitly. The store is rdflib's ``SimpleMemory`` (no contexts, no events): these graphs
    are only filled and read once, and its ``add`` costs half of the default store's."""
    from rdflib import Graph
    from rdflib.plugins.stores.memory import SimpleMemory

    g = Graph(store=SimpleMemory(), bind_namespaces="none")
    add = g.add
    for t in triples:
        add(t)
    return g


class _Vocab:
    """The rdflib terms the descriptions use, made once (rdflib is imported lazily)."""

    def __init__(self):
        from rdflib import OWL, RDF, RDFS, SKOS, Literal, URIRef
        from rdflib.namespace import DCTERMS

        self.URIRef, self.Literal = URIRef, Literal
        self.type, self.Concept, self.ConceptScheme = RDF.type, SKOS.Concept, SKOS.ConceptScheme
        self.prefLabel, self.definition, self.notation = SKOS.prefLabel, SKOS.definition, SKOS.notation
        self.inScheme, self.topConceptOf, self.hasTopConcept = SKOS.inScheme, SKOS.topConceptOf, SKOS.hasTopConcept
        self.broader, self.exactMatch, self.editorialNote, self.note = SKOS.broader, SKOS.exactMatch, SKOS.editorialNote, SKOS.note
        self.skos = {n: SKOS[n] for n in SKOS_PREDICATES}
        self.seeAlso, self.versionInfo = RDFS.seeAlso, OWL.versionInfo
        self.title, self.source, self.dctype, self.publisher = DCTERMS.title, DCTERMS.source, DCTERMS.type, DCTERMS.publisher
        self.Criterion, self.Standard = URIRef(UNTP_CORE + "Criterion"), URIRef(UNTP_CORE + "Standard")
        self.conformityTopic = URIRef(UNTP_CORE + "conformityTopic")

    def topic(self, code: str):
        return self.URIRef(TOPIC_BASE + code)

    def lit(self, text, lang: str | None = "en"):
        return self.Literal(str(text), lang=lang) if lang else self.Literal(str(text))


def turtle(g, prefixes: dict[str, str] | None = None) -> str:
    from .rdfutil import to_turtle

    return to_turtle(g, {**COMMON_PREFIXES, **(prefixes or {})})


def jsonld(g, prefixes: dict[str, str]) -> str:
    """Flattened JSON-LD, sorted (the shared writer in :mod:`untp_crm_vocab.rdfutil`)."""
    from .rdfutil import to_jsonld

    return to_jsonld(g, {**COMMON_PREFIXES, **prefixes})


def _is_iri(s: str | None) -> bool:
    return bool(s) and re.match(r"^https?://\S+\Z", s) is not None


# ---- criteria ---------------------------------------------------------------------------------------
def criteria_scheme_iri(project) -> str:
    return project.criteria_base


def criterion_triples(project, c, V=None) -> list:
    """The description of one harmonised criterion (in the scheme and in its own file)."""
    V = V or _Vocab()
    s = V.URIRef(project.criterion_iri(c.id))
    scheme = V.URIRef(criteria_scheme_iri(project))
    out = [(s, V.type, V.Concept), (s, V.type, V.Criterion), (s, V.prefLabel, V.lit(c.label))]
    if c.definition:
        out.append((s, V.definition, V.lit(" ".join(str(c.definition).split()))))
    out += [(s, V.notation, V.lit(c.id, None)), (s, V.inScheme, scheme), (s, V.topConceptOf, scheme)]
    if c.conformity_topic:
        out.append((s, V.conformityTopic, V.topic(c.conformity_topic)))
    for src in c.sources or []:
        out.append((s, V.source, V.lit(src, None)))
    if c.verification:
        out.append((s, V.editorialNote, V.lit(f"verification: {c.verification}", None)))
    return out


def criteria_triples(project, md, parts: dict | None = None, V=None) -> list:
    """The criteria scheme; ``parts`` (criterion id -> its triples) avoids making them twice."""
    V = V or _Vocab()
    scheme = V.URIRef(criteria_scheme_iri(project))
    meta = md.criteria_meta or {}
    out = [(scheme, V.type, V.ConceptScheme), (scheme, V.title, V.lit(meta.get("title") or "Harmonised ESG criteria"))]
    if meta.get("version"):
        out.append((scheme, V.versionInfo, V.lit(meta["version"], None)))
    if meta.get("id"):
        out.append((scheme, V.notation, V.lit(meta["id"], None)))
    for cid in sorted(md.criteria):
        out += parts[cid] if parts is not None else criterion_triples(project, md.criteria[cid], V)
        out.append((scheme, V.hasTopConcept, V.URIRef(project.criterion_iri(cid))))
    return out


def criteria_graph(project, md):
    return graph_of(criteria_triples(project, md))


# ---- catalogues -------------------------------------------------------------------------------------
def standard_iri(project, cat) -> str:
    return project.standard_base(cat.scheme, cat.version_slug)


def requirement_triples(project, cat, req, shared_owner_iris: set[str], V=None) -> list:
    """The description of one requirement (in its catalogue and in its own file)."""
    V = V or _Vocab()
    base = standard_iri(project, cat)
    s = V.URIRef(base + req.id)
    out = [(s, V.type, V.Concept), (s, V.type, V.Criterion), (s, V.prefLabel, V.lit(req.title)),
           (s, V.notation, V.lit(req.id, None)), (s, V.inScheme, V.URIRef(base))]
    if req.parent:
        out.append((s, V.broader, V.URIRef(base + req.parent)))
    else:
        out.append((s, V.topConceptOf, V.URIRef(base)))
    if req.kind:
        out.append((s, V.dctype, V.lit(req.kind, None)))
    if req.conformity_topic:
        out.append((s, V.conformityTopic, V.topic(req.conformity_topic)))
    if _is_iri(req.owner_iri):
        # the owner's own IRI for this requirement: the same requirement, unless the owner uses
        # one IRI for several (a whole PDF), which would make them all "equal"
        prop = V.seeAlso if req.owner_iri in shared_owner_iris else V.exactMatch
        out.append((s, prop, V.URIRef(req.owner_iri)))
    if req.verification:
        out.append((s, V.editorialNote, V.lit(f"verification: {req.verification}", None)))
    if req.note:
        out.append((s, V.note, V.lit(req.note)))
    return out


def _shared_owner_iris(cat) -> set[str]:
    seen: dict[str, int] = {}
    for r in cat.requirements.values():
        if r.owner_iri:
            seen[r.owner_iri] = seen.get(r.owner_iri, 0) + 1
    return {k for k, n in seen.items() if n > 1}


def catalogue_triples(project, cat, parts: dict | None = None, V=None) -> list:
    """A catalogue as a ``skos:ConceptScheme``; ``parts`` (requirement id -> its triples) avoids
    making them twice."""
    V = V or _Vocab()
    base = standard_iri(project, cat)
    s = V.URIRef(base)
    out = [(s, V.type, V.ConceptScheme), (s, V.type, V.Standard), (s, V.title, V.lit(cat.title)),
           (s, V.versionInfo, V.lit(cat.version, None)), (s, V.notation, V.lit(cat.scheme, None))]
    if cat.publisher:
        out.append((s, V.publisher, V.lit(cat.publisher, None)))
    if _is_iri(cat.url):
        out.append((s, V.seeAlso, V.URIRef(cat.url)))
    shared = _shared_owner_iris(cat) if parts is None else None
    for rid, req in cat.requirements.items():
        out += parts[rid] if parts is not None else requirement_triples(project, cat, req, shared, V)
        if not req.parent:
            out.append((s, V.hasTopConcept, V.URIRef(base + rid)))
    return out


def catalogue_graph(project, cat):
    return graph_of(catalogue_triples(project, cat))


# ---- crosswalks -------------------------------------------------------------------------------------
def _prefix_map(project, md, ms) -> dict[str, str]:
    """Namespaces from the project settings (never the file's possibly stale curie_map)."""
    known = dict(md.prefix_map)
    known.setdefault("HC", project.criteria_base)
    known.setdefault("CRMCUR", f"{project.base_iri}curators/")
    for k, v in (ms.curie_map or {}).items():
        known.setdefault(k, v)  # prefixes only the file knows (e.g. orcid)
    used = {"HC", "CRMCUR"}
    cat = md.catalogues.get(ms.scheme)
    if cat is not None and cat.prefix:
        used.add(cat.prefix)
    meta_values = []
    for k, v in (ms.metadata or {}).items():
        if k != "curie_map":  # CURIEs in metadata: single values and lists (e.g. creator_id)
            meta_values.extend(x for x in (v if isinstance(v, list) else [v]) if isinstance(x, str))
    for v in meta_values:
        head = v.strip().split(":", 1)[0]
        if head in known:
            used.add(head)
    for m in ms.mappings:
        for v in (m.subject_id, m.object_id, *m.author_id.split("|"), *m.reviewer_id.split("|"), *(m.extra or {}).values()):
            head = str(v).strip().split(":", 1)[0]
            if head in known:
                used.add(head)
    return {k: known[k] for k in sorted(used) if k in known}


PROPAGATABLE = (
    "mapping_date", "mapping_provider", "mapping_tool", "mapping_tool_id", "mapping_tool_version",
    "subject_source", "subject_source_version", "object_source", "object_source_version",
    "subject_type", "object_type", "predicate_type", "curation_rule", "curation_rule_text",
    "similarity_measure", "cardinality_scope", "subject_match_field", "object_match_field",
    "subject_preprocessing", "object_preprocessing",
)

# SSSOM/RDF as sssom-py writes it (``sssom.rdf_internal``, sssom-schema 1.x): slot -> (property,
# value kind, multivalued). Kinds follow sssom-py's value converters: ``str`` plain literal,
# ``uri`` IRI as written, ``ref`` CURIE expanded to an IRI, ``date`` xsd:date, ``double``
# xsd:double, anything else an enum (IRI when the value has a meaning, else a plain literal).
# tests/test_crosswalk_rdf.py holds these tables to sssom-py's schema view.
_DCT = "http://purl.org/dc/terms/"
_OWL = "http://www.w3.org/2002/07/owl#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_PROV = "http://www.w3.org/ns/prov#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
#: slots both levels have (sssom-py writes them the same on a MappingSet and on a Mapping)
_SHARED_SLOTS = {
    "creator_id": (_DCT + "creator", "ref", True),
    "creator_label": (SSSOM + "creator_label", "str", True),
    "license": (_DCT + "license", "uri", False),
    "subject_type": (SSSOM + "subject_type", "entity_type_enum", False),
    "subject_source": (SSSOM + "subject_source", "ref", False),
    "subject_source_version": (SSSOM + "subject_source_version", "str", False),
    "object_type": (SSSOM + "object_type", "entity_type_enum", False),
    "object_source": (SSSOM + "object_source", "ref", False),
    "object_source_version": (SSSOM + "object_source_version", "str", False),
    "predicate_type": (SSSOM + "predicate_type", "entity_type_enum", False),
    "mapping_provider": (SSSOM + "mapping_provider", "uri", False),
    "cardinality_scope": (SSSOM + "cardinality_scope", "str", True),
    "mapping_tool": (SSSOM + "mapping_tool", "str", False),
    "mapping_tool_id": (SSSOM + "mapping_tool_id", "ref", False),
    "mapping_tool_version": (SSSOM + "mapping_tool_version", "str", False),
    "mapping_date": (_DCT + "created", "date", False),
    "publication_date": (_DCT + "issued", "date", False),
    "subject_match_field": (SSSOM + "subject_match_field", "ref", True),
    "object_match_field": (SSSOM + "object_match_field", "ref", True),
    "subject_preprocessing": (SSSOM + "subject_preprocessing", "ref", True),
    "object_preprocessing": (SSSOM + "object_preprocessing", "ref", True),
    "similarity_measure": (SSSOM + "similarity_measure", "str", False),
    "curation_rule": (SSSOM + "curation_rule", "ref", True),
    "curation_rule_text": (SSSOM + "curation_rule_text", "str", True),
    "see_also": (_RDFS + "seeAlso", "uri", True),
    "other": (SSSOM + "other", "str", False),
    "comment": (_RDFS + "comment", "str", False),
}
SET_SLOTS = {
    "sssom_version": (SSSOM + "sssom_version", "sssom_version_enum", False),
    "mapping_set_id": (SSSOM + "mapping_set_id", "uri", False),
    "mapping_set_version": (_OWL + "versionInfo", "str", False),
    "mapping_set_source": (_PROV + "wasDerivedFrom", "uri", True),
    "mapping_set_title": (_DCT + "title", "str", False),
    "mapping_set_description": (_DCT + "description", "str", False),
    "mapping_set_confidence": (SSSOM + "mapping_set_confidence", "double", False),
    "issue_tracker": (SSSOM + "issue_tracker", "uri", False),
    **_SHARED_SLOTS,
}
MAPPING_SLOTS = {
    "record_id": (SSSOM + "record_id", "ref", False),
    "subject_id": (_OWL + "annotatedSource", "ref", False),
    "subject_label": (SSSOM + "subject_label", "str", False),
    "subject_category": (SSSOM + "subject_category", "str", False),
    "predicate_id": (_OWL + "annotatedProperty", "ref", False),
    "predicate_label": (SSSOM + "predicate_label", "str", False),
    "predicate_modifier": (SSSOM + "predicate_modifier", "predicate_modifier_enum", False),
    "object_id": (_OWL + "annotatedTarget", "ref", False),
    "object_label": (SSSOM + "object_label", "str", False),
    "object_category": (SSSOM + "object_category", "str", False),
    "mapping_justification": (SSSOM + "mapping_justification", "ref", False),
    "author_id": (PAV + "authoredBy", "ref", True),
    "author_label": (SSSOM + "author_label", "str", True),
    "reviewer_id": (SSSOM + "reviewer_id", "ref", True),
    "reviewer_label": (SSSOM + "reviewer_label", "str", True),
    "mapping_source": (SSSOM + "mapping_source", "ref", False),
    "mapping_cardinality": (SSSOM + "mapping_cardinality", "mapping_cardinality_enum", False),
    "review_date": (SSSOM + "review_date", "date", False),
    "confidence": (SSSOM + "confidence", "double", False),
    "reviewer_agreement": (SSSOM + "reviewer_agreement", "double", False),
    "match_string": (SSSOM + "match_string", "str", True),
    "similarity_score": (SSSOM + "similarity_score", "double", False),
    "issue_tracker_item": (SSSOM + "issue_tracker_item", "ref", False),
    **_SHARED_SLOTS,
}
_ENTITY_TYPES = {
    "owl class": _OWL + "Class",
    "owl object property": _OWL + "ObjectProperty",
    "owl data property": _OWL + "DataProperty",
    "owl annotation property": _OWL + "AnnotationProperty",
    "owl named individual": _OWL + "NamedIndividual",
    "skos concept": "http://www.w3.org/2004/02/skos/core#Concept",
    "rdfs resource": _RDFS + "Resource",
    "rdfs class": _RDFS + "Class",
    "rdfs literal": _RDFS + "Literal",
    "rdfs datatype": _RDFS + "Datatype",
    "rdf property": "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
    "composed entity expression": SSSOM + "ComposedEntityExpression",
}
#: enum values that have a meaning IRI (others are written as plain literals)
ENUM_IRIS = {
    "entity_type_enum": _ENTITY_TYPES,
    "predicate_modifier_enum": {"Not": SSSOM + "NegatedPredicate"},
    "sssom_version_enum": {"1.0": SSSOM + "version1.0", "1.1": SSSOM + "version1.1"},
    "mapping_cardinality_enum": {},
}
#: sssom-py's built-in prefixes; they win over the set's own prefixes (MappingSetDataFrame.clean_context)
SSSOM_BUILTIN_PREFIXES = {
    "owl": _OWL,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": _RDFS,
    "semapv": SEMAPV,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sssom": SSSOM,
}


def crosswalk_rows(project, md, scheme: str) -> list[dict]:
    """The rows of one crosswalk as SSSOM slot -> value, the way they are handed to the RDF writer:
    our reader's values (not sssom-py's), a stable ``record_id`` per row (``MAPPING:m-<sha1>``),
    other SSSOM columns of the file, and the propagatable set-level slots copied onto every row
    (a row's own value wins). Empty values are left out."""
    from .mappingdata import SSSOM_MAPPING_SLOTS

    ms = md.crosswalks[scheme]
    propagated = {k: v for k, v in _set_metadata(ms).items() if k in PROPAGATABLE}
    rows = []
    for m in ms.mappings:
        row = {
            "record_id": f"{MAPPING_PREFIX}:m-{mapping_iri(project, scheme, m).rsplit('#m-', 1)[1]}",
            "subject_id": m.subject_id,
            "subject_label": m.subject_label,
            "predicate_id": m.predicate_id,
            "predicate_modifier": m.predicate_modifier,
            "object_id": m.object_id,
            "object_label": m.object_label,
            "mapping_justification": m.mapping_justification,
            "author_id": m.author_id,
            "reviewer_id": m.reviewer_id,
            "confidence": m.confidence,
            "comment": m.comment,
        }
        for k, v in (m.extra or {}).items():
            if k in SSSOM_MAPPING_SLOTS and k != "record_id" and v:
                row[k] = v
        for k, v in propagated.items():  # written in propagated form (generic RDF consumers)
            row.setdefault(k, v)
        rows.append({k: v for k, v in row.items() if v not in (None, "")})
    return rows


def _set_metadata(ms) -> dict:
    """The set-level SSSOM slots of a crosswalk's metadata block (not curie_map, which the
    project settings replace, nor extension_definitions, which are handled apart)."""
    from .mappingdata import SSSOM_SET_SLOTS

    return {k: v for k, v in (ms.metadata or {}).items()
            if k in SSSOM_SET_SLOTS and k not in ("curie_map", "extension_definitions")}


def _empty(v) -> bool:
    return v is None or v != v or (hasattr(v, "__len__") and len(v) == 0)  # v != v: NaN


class _SlotWriter:
    """Slot values -> rdflib terms, as sssom-py's value converters make them."""

    def __init__(self, prefixes: dict[str, str], where: str):
        from rdflib import Literal, URIRef

        self.ns = {**prefixes, **SSSOM_BUILTIN_PREFIXES}
        self.where = where
        self.Literal, self.URIRef = Literal, URIRef
        self._refs: dict[str, object] = {}
        self._props: dict[str, object] = {}
        self._values: dict[tuple, object] = {}

    def prop(self, iri: str):
        p = self._props.get(iri)
        if p is None:
            p = self._props[iri] = self.URIRef(iri)
        return p

    def ref(self, value: str):
        """A CURIE expanded with the set's prefixes (an http(s) IRI stays as it is)."""
        node = self._refs.get(value)
        if node is None:
            if value.startswith(("http://", "https://")):
                iri = value
            else:
                prefix, sep, local = value.partition(":")
                ns = self.ns.get(prefix) if sep else None
                if ns is None:
                    from .errors import BuildError

                    raise BuildError(f"{value!r} is not a CURIE with a declared prefix", where=self.where,
                                     hint="declare the prefix in curie_map or correct the value; run crm-vocab check")
                iri = ns + local
            node = self._refs[value] = self.URIRef(iri)
        return node

    def value(self, kind: str, v):
        if kind == "ref":
            return self.ref(str(v))
        key = (kind, v) if isinstance(v, (str, float)) else None
        node = self._values.get(key) if key is not None else None
        if node is None:
            node = self._value(kind, v)
            if key is not None:
                self._values[key] = node  # dates, versions, confidences repeat on every row
        return node

    def _value(self, kind: str, v):
        if kind == "str":
            return self.Literal(v if isinstance(v, str) else str(v))
        if kind == "ref":
            return self.ref(str(v))
        if kind == "uri":
            return self.URIRef(str(v))
        if kind == "double":
            return self.Literal(v, datatype=self.prop(_XSD + "double"))
        if kind == "date":
            import datetime

            return self.Literal(v if isinstance(v, datetime.date) else str(v), datatype=self.prop(_XSD + "date"))
        v = str(v)
        iri = ENUM_IRIS.get(kind, {}).get(v)
        return self.prop(iri) if iri is not None else self.Literal(v)

    def slot_triples(self, node, obj: dict, slots: dict, *, split_strings: bool):
        """Triples of one SSSOM object. Multivalued slots: a list, or in a row a '|'-separated string."""
        for key, v in obj.items():
            slot = slots.get(key)
            if slot is None:
                continue  # sssom-py logs and ignores unknown slots
            iri, kind, multi = slot
            p = self.prop(iri)
            if multi:
                if isinstance(v, str):
                    values = [x.strip() for x in v.split("|")] if split_strings else [v]
                elif isinstance(v, (list, tuple)):
                    values = list(v)
                else:
                    values = [v]
                for x in values:
                    if not _empty(x):
                        yield node, p, self.value(kind, x)
            elif not _empty(v):
                yield node, p, self.value(kind, v)


def crosswalk_triples(project, md, scheme: str):
    """(triples, prefixes) of one crosswalk in SSSOM/RDF; see :func:`crosswalk_graph`."""
    from rdflib import RDF, Literal, URIRef

    from .errors import BuildError

    ms = md.crosswalks[scheme]
    pm = _prefix_map(project, md, ms)
    pm[MAPPING_PREFIX] = crosswalk_iri(project, scheme) + "#"
    w = _SlotWriter(pm, str(ms.path))
    set_node = URIRef(crosswalk_iri(project, scheme))
    triples = [(set_node, RDF.type, URIRef(SSSOM + "MappingSet"))]
    meta = {k: v for k, v in _set_metadata(ms).items() if k not in PROPAGATABLE and k != "mapping_set_id"}
    triples.extend(w.slot_triples(set_node, meta, SET_SLOTS, split_strings=False))
    axiom, has_mapping = URIRef(_OWL + "Axiom"), URIRef(SSSOM + "mappings")
    exts = {}
    for d in (ms.metadata or {}).get("extension_definitions") or []:
        if isinstance(d, dict) and d.get("slot_name") and d.get("property"):
            try:
                exts[d["slot_name"]] = URIRef(md.expand(d["property"]) if not _is_iri(d["property"]) else d["property"])
            except KeyError:
                continue
    nodes = set()
    for m, row in zip(ms.mappings, crosswalk_rows(project, md, scheme)):
        node = w.ref(row["record_id"])
        nodes.add(node)
        triples.append((set_node, has_mapping, node))
        triples.append((node, RDF.type, axiom))
        triples.extend(w.slot_triples(node, row, MAPPING_SLOTS, split_strings=True))
        # the direct triple ("hydrate"), except for negated and NoTermFound rows (and literals)
        s, p, o = row.get("subject_id"), row.get("predicate_id"), row.get("object_id")
        if (row.get("subject_type") != "rdfs literal" and row.get("object_type") != "rdfs literal"
                and row.get("predicate_modifier") != "Not" and s and o and p
                and s != NO_TERM_FOUND and o != NO_TERM_FOUND):
            triples.append((w.ref(s), w.ref(p), w.ref(o)))
        for k, prop in exts.items():  # declared extension columns (sssom-py drops them)
            v = (m.extra or {}).get(k)
            if v:
                triples.append((node, prop, Literal(v)))
    if len(nodes) != len(ms.mappings):
        raise BuildError(
            f"the RDF of crosswalk {scheme} has {len(nodes)} mappings, the file {len(ms.mappings)}",
            where=str(ms.path),
            hint="duplicate rows share one IRI: run crm-vocab check",
        )
    return triples, pm


def crosswalk_graph(project, md, scheme: str):
    """SSSOM/RDF of one crosswalk: ``(graph, prefixes)``.

    Written here, triple for triple as sssom-py's ``write_rdf(msdf, hydrate=True, condense=False)``
    writes it (``tests/test_crosswalk_rdf.py`` compares the two for every crosswalk), without
    importing sssom-py (pandas, LinkML: most of this step's time):
    * one ``owl:Axiom`` per row with a stable IRI (``record_id`` ``MAPPING:m-<sha1>``, also stated
      as ``sssom:record_id``), ``owl:annotatedSource/Property/Target``, sssom-py's slot IRIs
      (``pav:authoredBy``, ``dcterms:created`` ...), ``sssom:predicate_modifier
      sssom:NegatedPredicate`` for ``Not``, ``xsd:double`` confidence, ``xsd:date`` dates;
    * the set-level slots that SSSOM propagates (``mapping_date``, ``*_source*`` ...) on each axiom
      (``condense=False``), the others on the ``sssom:MappingSet``;
    * the direct ``?s skos:xMatch ?o`` triple for each row that is neither negated nor
      ``sssom:NoTermFound``;
    * namespaces from the project settings, never the file's possibly stale ``curie_map``;
    * declared extension columns, as plain literals (sssom-py drops them,
      mapping-commons/sssom-py#583).
    Where sssom-py would fail or write nonsense, this is stricter: a CURIE with an undeclared
    prefix is a BuildError, and the parts of a '|'-separated value are stripped.
    """
    triples, pm = crosswalk_triples(project, md, scheme)
    return graph_of(triples), pm


# ---- per-term descriptions ------------------------------------------------------------------------
def _direct_rows(md):
    """(subject CURIE, predicate local name, object CURIE) for rows that may be stated directly."""
    for m in md.mappings():
        if m.negated or m.is_gap:
            continue
        local = m.predicate_id.split(":", 1)[-1]
        if local in SKOS_PREDICATES:
            yield m, local


def term_graphs(project, md, parts: dict | None = None, V=None):
    """{relpath stem: (graph, prefixes)} for every criterion and requirement IRI. ``parts``:
    the triples of each criterion (by id) and requirement (by (scheme, id)), when already made."""
    V = V or _Vocab()
    parts = parts if parts is not None else term_parts(project, md, V)
    out = {}
    by_object: dict[str, list] = {}
    by_subject: dict[str, list] = {}
    for m, local in _direct_rows(md):
        by_object.setdefault(m.object_id, []).append((m, local))
        by_subject.setdefault(m.subject_id, []).append((m, local))
    iris: dict[str, object] = {}

    def expand(curie):
        if curie not in iris:
            try:
                iris[curie] = V.URIRef(md.expand(curie))
            except KeyError:
                iris[curie] = None
        return iris[curie]

    hc = {"HC": project.criteria_base}
    for cid in sorted(md.criteria):
        c = md.criteria[cid]
        triples = list(parts[cid])
        me = V.URIRef(project.criterion_iri(cid))
        rows = by_object.get(c.curie, [])
        for m, local in rows:
            s = expand(m.subject_id)
            if s is not None:
                triples.append((s, V.skos[local], me))
                if m.subject_label:
                    triples.append((s, V.prefLabel, V.lit(m.subject_label)))
        out[f"criteria/{cid}"] = (graph_of(triples), {**hc, **_used_prefixes(md, rows, "subject_id")})
    labels: dict[str, object] = {}
    for scheme in sorted(md.catalogues):
        cat = md.catalogues[scheme]
        base = standard_iri(project, cat)
        pm = {cat.prefix: base, **hc}
        for rid in cat.requirements:
            triples = list(parts[(scheme, rid)])
            me = V.URIRef(base + rid)
            for m, local in by_subject.get(f"{cat.prefix}:{rid}", []):
                o = expand(m.object_id)
                if o is not None:
                    triples.append((me, V.skos[local], o))
                    crit = md.criterion_for(m.object_id)
                    if crit is not None:
                        if crit.id not in labels:
                            labels[crit.id] = V.lit(crit.label)
                        triples.append((o, V.prefLabel, labels[crit.id]))
            out[f"standards/{scheme}/{cat.version_slug}/{rid}"] = (graph_of(triples), pm)
    return out


def term_parts(project, md, V=None) -> dict:
    """The triples describing each criterion (key: id) and requirement (key: (scheme, id)): made
    once, used both in the scheme / catalogue graphs and in the per-term files."""
    V = V or _Vocab()
    parts: dict = {cid: criterion_triples(project, md.criteria[cid], V) for cid in md.criteria}
    for scheme, cat in md.catalogues.items():
        shared = _shared_owner_iris(cat)
        for rid, req in cat.requirements.items():
            parts[(scheme, rid)] = requirement_triples(project, cat, req, shared, V)
    return parts


def _used_prefixes(md, rows, attr) -> dict[str, str]:
    pm = {}
    for m, _ in rows:
        p = getattr(m, attr).split(":", 1)[0]
        if p in md.prefix_map:
            pm[p] = md.prefix_map[p]
    return pm


# ---- the build step ------------------------------------------------------------------------------------
def build(ctx) -> None:
    from .mappingdata import gc_paused

    project, md, v = ctx.project, ctx.mapping_data(), ctx.version
    # no cyclic garbage in here, only many small objects: the collector's passes over them (and,
    # in a sequential build, over everything LinkML left behind) were a fifth of this step
    with gc_paused():
        V = _Vocab()
        parts = term_parts(project, md, V)
        g = graph_of(criteria_triples(project, md, parts, V))
        pm = {"HC": project.criteria_base}
        ctx.write(f"{v}/criteria.ttl", turtle(g, pm))
        ctx.write(f"{v}/criteria.jsonld", jsonld(g, pm))
        for scheme in sorted(md.catalogues):
            cat = md.catalogues[scheme]
            g = graph_of(catalogue_triples(project, cat, {rid: parts[(scheme, rid)] for rid in cat.requirements}, V))
            pm = {cat.prefix: standard_iri(project, cat)}
            ctx.write(f"{v}/standards/{scheme}.ttl", turtle(g, pm))
            ctx.write(f"{v}/standards/{scheme}.jsonld", jsonld(g, pm))
        for scheme in sorted(md.crosswalks):
            ms = md.crosswalks[scheme]
            ctx.write(f"{v}/crosswalks/{scheme}.sssom.tsv", ms.path.read_bytes())
            g, pm = crosswalk_graph(project, md, scheme)
            ctx.write(f"{v}/crosswalks/{scheme}.ttl", turtle(g, pm))
            ctx.write(f"{v}/crosswalks/{scheme}.jsonld", jsonld(g, pm))
        for stem, (g, pm) in term_graphs(project, md, parts, V).items():
            ctx.write(f"{stem}.ttl", turtle(g, pm))
            ctx.write(f"{stem}.jsonld", jsonld(g, pm))
