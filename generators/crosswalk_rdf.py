"""Build step 2: the harmonised criteria, the catalogues and the crosswalks as RDF.

Writes (``<v>`` = ``ctx.version``, IRIs from :class:`generators.project.Project` only):

* ``<v>/criteria.ttl|.jsonld``: the harmonised criteria, a ``skos:ConceptScheme`` whose members are
  ``skos:Concept`` and UNTP ``Criterion`` (prefLabel, definition, notation, conformityTopic IRI);
* ``<v>/standards/<scheme>.ttl|.jsonld``: each catalogue, a UNTP ``Standard`` that is also a
  ``skos:ConceptScheme`` of its requirements;
* ``<v>/crosswalks/<scheme>.sssom.tsv`` (the source file, copied byte for byte), ``.ttl`` and
  ``.jsonld``: SSSOM/RDF (``owl:Axiom`` per row, with a stable IRI
  ``<base>crosswalks/<scheme>#m-<sha1>``) plus direct ``?s skos:xMatch ?o`` triples for the rows
  that are neither negated nor ``sssom:NoTermFound``;
* ``criteria/<ID>.ttl|.jsonld`` and ``standards/<scheme>/<slug>/<id>.ttl|.jsonld``: one description
  per term IRI, which content negotiation serves.

Outputs are byte-identical across builds: every node is an IRI (no blank nodes) and both
serialisations go through :mod:`generators.rdfutil` (sorted Turtle and JSON-LD).
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

#: prefixes bound in every graph (sorted output; nothing random like ns1)
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


def new_graph(prefixes: dict[str, str] | None = None):
    from rdflib import Graph

    g = Graph(bind_namespaces="none")
    for p, ns in sorted({**COMMON_PREFIXES, **(prefixes or {})}.items()):
        g.bind(p, ns, override=True, replace=True)
    return g


def turtle(g, prefixes: dict[str, str] | None = None) -> str:
    from .rdfutil import to_turtle

    return to_turtle(g, {**COMMON_PREFIXES, **(prefixes or {})})


def jsonld(g, prefixes: dict[str, str]) -> str:
    """Flattened JSON-LD, sorted (the shared writer in :mod:`generators.rdfutil`)."""
    from .rdfutil import to_jsonld

    return to_jsonld(g, {**COMMON_PREFIXES, **prefixes})


def _lit(text, lang: str | None = "en"):
    from rdflib import Literal

    return Literal(str(text), lang=lang) if lang else Literal(str(text))


def _is_iri(s: str | None) -> bool:
    return bool(s) and re.match(r"^https?://\S+$", s) is not None


# ---- criteria ---------------------------------------------------------------------------------------
def criteria_scheme_iri(project) -> str:
    return project.criteria_base


def add_criterion(g, project, c, md=None) -> None:
    from rdflib import RDF, SKOS, URIRef
    from rdflib.namespace import DCTERMS

    untp = lambda n: URIRef(UNTP_CORE + n)  # noqa: E731
    s = URIRef(project.criterion_iri(c.id))
    scheme = URIRef(criteria_scheme_iri(project))
    g.add((s, RDF.type, SKOS.Concept))
    g.add((s, RDF.type, untp("Criterion")))
    g.add((s, SKOS.prefLabel, _lit(c.label)))
    if c.definition:
        g.add((s, SKOS.definition, _lit(" ".join(str(c.definition).split()))))
    g.add((s, SKOS.notation, _lit(c.id, None)))
    g.add((s, SKOS.inScheme, scheme))
    g.add((s, SKOS.topConceptOf, scheme))
    if c.conformity_topic:
        g.add((s, untp("conformityTopic"), URIRef(TOPIC_BASE + c.conformity_topic)))
    for src in c.sources or []:
        g.add((s, DCTERMS.source, _lit(src, None)))
    if c.verification:
        g.add((s, SKOS.editorialNote, _lit(f"verification: {c.verification}", None)))


def criteria_graph(project, md):
    from rdflib import OWL, RDF, SKOS, URIRef
    from rdflib.namespace import DCTERMS

    g = new_graph({"HC": project.criteria_base})
    scheme = URIRef(criteria_scheme_iri(project))
    meta = md.criteria_meta or {}
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, DCTERMS.title, _lit(meta.get("title") or "Harmonised ESG criteria")))
    if meta.get("version"):
        g.add((scheme, OWL.versionInfo, _lit(meta["version"], None)))
    if meta.get("id"):
        g.add((scheme, SKOS.notation, _lit(meta["id"], None)))
    for cid in sorted(md.criteria):
        add_criterion(g, project, md.criteria[cid])
        g.add((scheme, SKOS.hasTopConcept, URIRef(project.criterion_iri(cid))))
    return g


# ---- catalogues -------------------------------------------------------------------------------------
def standard_iri(project, cat) -> str:
    return project.standard_base(cat.scheme, cat.version_slug)


def add_requirement(g, project, cat, req, shared_owner_iris: set[str]) -> None:
    from rdflib import RDF, RDFS, SKOS, URIRef
    from rdflib.namespace import DCTERMS

    base = standard_iri(project, cat)
    s = URIRef(base + req.id)
    g.add((s, RDF.type, SKOS.Concept))
    g.add((s, RDF.type, URIRef(UNTP_CORE + "Criterion")))
    g.add((s, SKOS.prefLabel, _lit(req.title)))
    g.add((s, SKOS.notation, _lit(req.id, None)))
    g.add((s, SKOS.inScheme, URIRef(base)))
    if req.parent:
        g.add((s, SKOS.broader, URIRef(base + req.parent)))
    else:
        g.add((s, SKOS.topConceptOf, URIRef(base)))
    if req.kind:
        g.add((s, DCTERMS.type, _lit(req.kind, None)))
    if req.conformity_topic:
        g.add((s, URIRef(UNTP_CORE + "conformityTopic"), URIRef(TOPIC_BASE + req.conformity_topic)))
    if _is_iri(req.owner_iri):
        # the owner's own IRI for this requirement: the same requirement, unless the owner uses
        # one IRI for several (a whole PDF), which would make them all "equal"
        prop = RDFS.seeAlso if req.owner_iri in shared_owner_iris else SKOS.exactMatch
        g.add((s, prop, URIRef(req.owner_iri)))
    if req.verification:
        g.add((s, SKOS.editorialNote, _lit(f"verification: {req.verification}", None)))
    if req.note:
        g.add((s, SKOS.note, _lit(req.note)))


def _shared_owner_iris(cat) -> set[str]:
    seen: dict[str, int] = {}
    for r in cat.requirements.values():
        if r.owner_iri:
            seen[r.owner_iri] = seen.get(r.owner_iri, 0) + 1
    return {k for k, n in seen.items() if n > 1}


def catalogue_graph(project, cat):
    from rdflib import OWL, RDF, RDFS, SKOS, URIRef
    from rdflib.namespace import DCTERMS

    g = new_graph({cat.prefix: standard_iri(project, cat)})
    s = URIRef(standard_iri(project, cat))
    g.add((s, RDF.type, SKOS.ConceptScheme))
    g.add((s, RDF.type, URIRef(UNTP_CORE + "Standard")))
    g.add((s, DCTERMS.title, _lit(cat.title)))
    g.add((s, OWL.versionInfo, _lit(cat.version, None)))
    g.add((s, SKOS.notation, _lit(cat.scheme, None)))
    if cat.publisher:
        g.add((s, DCTERMS.publisher, _lit(cat.publisher, None)))
    if _is_iri(cat.url):
        g.add((s, RDFS.seeAlso, URIRef(cat.url)))
    shared = _shared_owner_iris(cat)
    for rid, req in cat.requirements.items():
        add_requirement(g, project, cat, req, shared)
        if not req.parent:
            g.add((s, SKOS.hasTopConcept, URIRef(standard_iri(project, cat) + rid)))
    return g


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
    meta_values = [v for k, v in (ms.metadata or {}).items() if isinstance(v, str) and k != "curie_map"]
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


def crosswalk_msdf(project, md, scheme: str):
    """A sssom-py MappingSetDataFrame built from *our* reader's rows (line numbers, checks) with
    namespaces from the project, and a stable ``record_id`` per row."""
    import pandas as pd
    from curies import Converter
    from sssom.util import MappingSetDataFrame

    from .mappingdata import SSSOM_MAPPING_SLOTS, SSSOM_SET_SLOTS

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
            if k in SSSOM_MAPPING_SLOTS and v:
                row[k] = v
        for k, v in propagated.items():  # write propagated form (generic RDF consumers)
            row.setdefault(k, v)
        records.append({k: v for k, v in row.items() if v not in (None, "")})
    df = pd.DataFrame(records)
    conv = Converter.from_prefix_map({k: pm[k] for k in sorted(pm)})
    return MappingSetDataFrame(df=df, converter=conv, metadata=meta), pm


PROPAGATABLE = (
    "mapping_date", "mapping_provider", "mapping_tool", "mapping_tool_id", "mapping_tool_version",
    "subject_source", "subject_source_version", "object_source", "object_source_version",
    "subject_type", "object_type", "predicate_type", "curation_rule", "curation_rule_text",
    "similarity_measure", "cardinality_scope", "subject_match_field", "object_match_field",
    "subject_preprocessing", "object_preprocessing",
)


def crosswalk_graph(project, md, scheme: str):
    """SSSOM/RDF of one crosswalk.

    sssom-py's ``write_rdf`` does the reification (owl:Axiom, annotatedSource/Property/Target, slot
    URIs such as ``pav:authoredBy``, ``sssom:NegatedPredicate``, ``xsd:double`` confidence) and,
    with ``hydrate=True``, the direct triples it correctly leaves out for negated and NoTermFound
    rows. Where it falls short, and what we do instead:
    * it reads prefixes from the file's own ``curie_map`` (which may be stale): we hand it a
      dataframe built from our own reader with namespaces derived from the project settings;
    * it writes blank nodes unless ``record_id`` is set: we set a stable one per row;
    * it drops extension columns (mapping-commons/sssom-py#583): declared extensions are added
      below with rdflib;
    * it condenses set-level slots by default (``mapping_date``, ``*_source*`` only on the
      ``sssom:MappingSet``): we call it with ``condense=False`` so each axiom carries them;
    * its prefix bindings are its own (``ns1:`` for pav): we re-bind.
    """
    import io

    from rdflib import Literal, URIRef
    from sssom.writers import write_rdf

    from .errors import BuildError

    ms = md.crosswalks[scheme]
    msdf, pm = crosswalk_msdf(project, md, scheme)
    buf = io.StringIO()
    try:
        write_rdf(msdf, buf, serialisation="nt", hydrate=True, condense=False)
    except Exception as exc:  # sssom-py validates as it converts
        raise BuildError(f"sssom-py cannot convert the crosswalk to RDF: {exc}", where=str(ms.path), hint="run crm-vocab check") from None
    g = new_graph(pm)
    g.parse(data=buf.getvalue(), format="nt")
    for p, ns in sorted({**COMMON_PREFIXES, **pm}.items()):
        g.bind(p, ns, override=True, replace=True)
    meta = ms.metadata or {}
    # set-level slots stay in propagated form on each mapping (SSSOM/RDF: for generic consumers)
    # declared extension columns
    exts = {}
    for d in meta.get("extension_definitions") or []:
        if isinstance(d, dict) and d.get("slot_name") and d.get("property"):
            try:
                exts[d["slot_name"]] = URIRef(md.expand(d["property"]) if not _is_iri(d["property"]) else d["property"])
            except KeyError:
                continue
    if exts:
        for m in ms.mappings:
            node = URIRef(mapping_iri(project, scheme, m))
            for k, prop in exts.items():
                v = (m.extra or {}).get(k)
                if v:
                    g.add((node, prop, Literal(v)))
    _check_mapping_count(g, ms, project, scheme)
    return g, pm


def _check_mapping_count(g, ms, project, scheme):
    from rdflib import URIRef

    from .errors import BuildError

    n = len(set(g.objects(URIRef(crosswalk_iri(project, scheme)), URIRef(SSSOM + "mappings"))))
    if n != len(ms.mappings):
        raise BuildError(
            f"the RDF of crosswalk {scheme} has {n} mappings, the file {len(ms.mappings)}",
            where=str(ms.path),
            hint="duplicate rows share one IRI: run crm-vocab check",
        )


# ---- per-term descriptions ------------------------------------------------------------------------
def _direct_rows(md):
    """(subject CURIE, predicate local name, object CURIE) for rows that may be stated directly."""
    for m in md.mappings():
        if m.negated or m.is_gap:
            continue
        local = m.predicate_id.split(":", 1)[-1]
        if local in SKOS_PREDICATES:
            yield m, local


def term_graphs(project, md):
    """{relpath stem: (graph, prefixes)} for every criterion and requirement IRI."""
    from rdflib import SKOS, URIRef

    out = {}
    by_object: dict[str, list] = {}
    by_subject: dict[str, list] = {}
    for m, local in _direct_rows(md):
        by_object.setdefault(m.object_id, []).append((m, local))
        by_subject.setdefault(m.subject_id, []).append((m, local))

    def expand(curie):
        try:
            return URIRef(md.expand(curie))
        except KeyError:
            return None

    for cid in sorted(md.criteria):
        c = md.criteria[cid]
        g = new_graph({"HC": project.criteria_base})
        add_criterion(g, project, c)
        for m, local in by_object.get(c.curie, []):
            s = expand(m.subject_id)
            if s is not None:
                g.add((s, SKOS[local], URIRef(project.criterion_iri(cid))))
                if m.subject_label:
                    g.add((s, SKOS.prefLabel, _lit(m.subject_label)))
        out[f"criteria/{cid}"] = (g, {"HC": project.criteria_base, **_used_prefixes(md, by_object.get(c.curie, []), "subject_id")})
    for scheme in sorted(md.catalogues):
        cat = md.catalogues[scheme]
        shared = _shared_owner_iris(cat)
        base = standard_iri(project, cat)
        for rid, req in cat.requirements.items():
            g = new_graph({cat.prefix: base, "HC": project.criteria_base})
            add_requirement(g, project, cat, req, shared)
            for m, local in by_subject.get(f"{cat.prefix}:{rid}", []):
                o = expand(m.object_id)
                if o is not None:
                    g.add((URIRef(base + rid), SKOS[local], o))
                    crit = md.criterion_for(m.object_id)
                    if crit is not None:
                        g.add((o, SKOS.prefLabel, _lit(crit.label)))
            out[f"standards/{scheme}/{cat.version_slug}/{rid}"] = (g, {cat.prefix: base, "HC": project.criteria_base})
    return out


def _used_prefixes(md, rows, attr) -> dict[str, str]:
    pm = {}
    for m, _ in rows:
        p = getattr(m, attr).split(":", 1)[0]
        if p in md.prefix_map:
            pm[p] = md.prefix_map[p]
    return pm


# ---- the build step ------------------------------------------------------------------------------------
def build(ctx) -> None:
    project, md, v = ctx.project, ctx.mapping_data(), ctx.version
    g = criteria_graph(project, md)
    pm = {"HC": project.criteria_base}
    ctx.write(f"{v}/criteria.ttl", turtle(g, pm))
    ctx.write(f"{v}/criteria.jsonld", jsonld(g, pm))
    for scheme in sorted(md.catalogues):
        cat = md.catalogues[scheme]
        g = catalogue_graph(project, cat)
        pm = {cat.prefix: standard_iri(project, cat)}
        ctx.write(f"{v}/standards/{scheme}.ttl", turtle(g, pm))
        ctx.write(f"{v}/standards/{scheme}.jsonld", jsonld(g, pm))
    for scheme in sorted(md.crosswalks):
        ms = md.crosswalks[scheme]
        ctx.write(f"{v}/crosswalks/{scheme}.sssom.tsv", ms.path.read_bytes())
        g, pm = crosswalk_graph(project, md, scheme)
        ctx.write(f"{v}/crosswalks/{scheme}.ttl", turtle(g, pm))
        ctx.write(f"{v}/crosswalks/{scheme}.jsonld", jsonld(g, pm))
    for stem, (g, pm) in term_graphs(project, md).items():
        ctx.write(f"{stem}.ttl", turtle(g, pm))
        ctx.write(f"{stem}.jsonld", jsonld(g, pm))
