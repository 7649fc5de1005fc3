"""Build step 1: the credential artifacts and the vocabulary, from the LinkML model.

All LinkML generators run in this one process from one loaded schema (GUIDE section 5: five
CLI calls cost ~6 s of interpreter start-up, the same work in-process ~1 s).

Where LinkML's output falls short of this project's rules it is fixed in exactly one
post-processing function per artifact, each saying why:
``postprocess_context``, ``postprocess_json_schema``, ``postprocess_shacl``.
"""
from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from functools import cached_property

from .contexts import PINNED_W3C, VC_V2_URL
from .errors import BuildError
from .fsutil import dump_json
from .project import Project

CREDENTIAL_BASE_CLASS = "VerifiableCredential"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# VC data model 2.0 envelope properties that belong to the W3C VC context, not to this model.
# The JSON Schema allows them at the top of a credential (``postprocess_json_schema``).
VC_ENVELOPE_EXTRAS = {
    "validFrom": {"type": "string", "format": "date-time", "description": "The date and time from which the credential is valid (W3C VC 2.0)."},
    "credentialStatus": {"description": "Status information of the credential (W3C VC 2.0).", "type": ["object", "array"]},
    "credentialSchema": {"description": "Schemas the credential conforms to (W3C VC 2.0).", "type": ["object", "array"]},
    "proof": {"description": "An embedded proof (W3C VC Data Integrity).", "type": ["object", "array"]},
    "renderMethod": {"description": "How to render the credential (W3C VC 2.0).", "type": ["object", "array"]},
    "evidence": {"description": "Evidence behind the credential (W3C VC 2.0).", "type": ["object", "array"]},
    "termsOfUse": {"description": "Terms of use (W3C VC 2.0).", "type": ["object", "array"]},
    "refreshService": {"description": "Refresh service (W3C VC 2.0).", "type": ["object", "array"]},
    "relatedResource": {"description": "Related resources with integrity information (W3C VC 2.0).", "type": ["object", "array"]},
}


# ----------------------------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------------------------
def _line_of(text: str, name: str) -> int | None:
    m = re.search(rf"^\s+{re.escape(name)}\s*:", text, flags=re.M)
    return text.count("\n", 0, m.start()) + 1 if m else None


def load_schema(project: Project):
    """Load the model and rebase it on the configured base IRI.

    The YAML carries the default base IRI so that other LinkML tools can read it on its own;
    this function replaces it (schema id and every prefix under it) with
    ``[tool.crm-vocab] base-iri``, the one setting that holds it.
    """
    import yaml
    from linkml_runtime.loaders import yaml_loader
    from linkml_runtime.linkml_model.meta import SchemaDefinition

    path = project.model_file
    try:
        text = path.read_text(encoding="utf-8")
        yaml.safe_load(text)
    except OSError as exc:
        raise BuildError(f"cannot read the model: {exc}", where=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise BuildError(f"the model is not valid YAML: {getattr(exc, 'problem', exc)}", where=where,
                         hint="fix the YAML syntax (indentation, quoting of values with ':' or ',')") from None
    try:
        schema = yaml_loader.load(str(path), target_class=SchemaDefinition)
    except Exception as exc:  # LinkML raises many types for a malformed model
        raise BuildError(f"LinkML cannot load the model: {exc}", where=str(path),
                         hint="check the element named in the message against the LinkML metamodel") from None
    written = str(schema.id)
    if not written.endswith("/"):
        raise BuildError("the schema id must end with '/'", where=f"{path}:{_line_of(text, 'id') or 1}")
    schema.id = project.base_iri
    for prefix in schema.prefixes.values():
        ref = str(prefix.prefix_reference)
        if ref.startswith(written):
            prefix.prefix_reference = project.base_iri + ref[len(written):]
    _check_definitions(schema, text, path)
    _check_structure(schema, text, path)
    return schema


def _check_structure(schema, text: str, path) -> None:
    """The few elements the generators and the validator build on (VC envelope, ids, types)."""
    slots, classes = schema.slots, schema.classes
    problems = []
    if "id" not in slots or not slots["id"].identifier:
        problems.append(("id", "the model needs a slot `id` with `identifier: true` (a credential's node IRI)",
                         "restore the `id` slot: identifier: true, range: uriorcurie"))
    if "type" not in slots or str(slots["type"].slot_uri or "") not in ("rdf:type", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"):
        problems.append(("type", "the model needs a slot `type` with `slot_uri: rdf:type` (JSON-LD `type` is `@type`)",
                         "restore the `type` slot: slot_uri: rdf:type, multivalued, required"))
    if CREDENTIAL_BASE_CLASS not in classes:
        problems.append((CREDENTIAL_BASE_CLASS, f"the model needs the abstract class `{CREDENTIAL_BASE_CLASS}` that credential types extend",
                         f"restore class `{CREDENTIAL_BASE_CLASS}` (class_uri cred:VerifiableCredential)"))
    if problems:
        name, msg, hint = problems[0]
        raise BuildError(msg, where=f"{path}:{_line_of(text, name) or 1}", hint=hint)


def _check_definitions(schema, text: str, path) -> None:
    """Every class, slot, enum and enum value needs a definition (issue: 'every ... has a definition')."""
    missing = []
    for kind, elements in (("class", schema.classes), ("slot", schema.slots), ("enum", schema.enums)):
        for name, el in elements.items():
            if not (el.description or "").strip():
                missing.append((kind, name))
            if kind == "enum":
                for pv_name, pv in el.permissible_values.items():
                    if not (pv.description or "").strip():
                        missing.append(("enum value", f"{name}.{pv_name}"))
    if missing:
        kind, name = missing[0]
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise BuildError(f"{kind} '{name}' has no description{more}",
                         where=f"{path}:{_line_of(text, name.split('.')[-1]) or 1}",
                         hint="add a one-sentence `description:` saying what the term means")


# ----------------------------------------------------------------------------------------------
# the model, as the other builders see it
# ----------------------------------------------------------------------------------------------
def _clone(obj):
    import pickle

    try:
        return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - something unpicklable: the slow, general copy
        return copy.deepcopy(obj)


@dataclass
class Model:
    project: Project
    schema: object  # rebased SchemaDefinition

    @cached_property
    def view(self):
        from linkml_runtime.utils.schemaview import SchemaView

        return SchemaView(_clone(self.schema))

    def fresh_schema(self):
        """A private copy: LinkML generators may modify the schema they are given.
        (A pickle round trip: the same copy as ``copy.deepcopy``, several times faster.)"""
        return _clone(self.schema)

    @cached_property
    def credential_types(self) -> list[str]:
        v = self.view
        return sorted(str(c) for c in v.class_descendants(CREDENTIAL_BASE_CLASS, reflexive=False)
                      if not v.get_class(c).abstract)

    def uri(self, curie_or_uri: str) -> str:
        return self.view.expand_curie(str(curie_or_uri))

    def class_iri(self, name: str) -> str:
        return self.uri(self.view.get_uri(name, expand=True))

    def slot_iri(self, name: str) -> str:
        s = self.view.get_slot(name)
        return self.uri(s.slot_uri) if s.slot_uri else self.project.term_iri(name)

    def enum_value_iri(self, enum: str, value: str) -> str | None:
        pv = self.view.get_enum(enum).permissible_values[value]
        return self.uri(pv.meaning) if pv.meaning else None

    def module_context_url(self, credential_type: str) -> str:
        """The UNTP module context of a credential type is its class namespace (e.g. .../untp/dpp/working/)."""
        iri = self.class_iri(credential_type)
        return iri[: iri.rstrip("/").rfind("/") + 1]

    def is_own(self, iri: str) -> bool:
        return iri.startswith(self.project.base_iri)


def load_model(project: Project) -> Model:
    return Model(project, load_schema(project))


# ----------------------------------------------------------------------------------------------
# JSON-LD context
# ----------------------------------------------------------------------------------------------
def _expand(term_value, prefixes: dict[str, str]) -> str | None:
    iri = term_value if isinstance(term_value, str) else (term_value or {}).get("@id")
    if not isinstance(iri, str):
        return None
    if ":" in iri:
        p, _, local = iri.partition(":")
        if p in prefixes and not local.startswith("//"):
            return prefixes[p] + local
    return iri


def _vc_terms() -> tuple[dict, dict]:
    vc = json.loads(PINNED_W3C[VC_V2_URL].read_text(encoding="utf-8"))["@context"]
    scoped = {}
    for v in vc.values():
        if isinstance(v, dict) and isinstance(v.get("@context"), dict):
            scoped.update({k: vv for k, vv in v["@context"].items() if not k.startswith("@")})
    return vc, scoped


def postprocess_context(raw: dict, model: Model) -> dict:
    """Fix the generated context so it is a protected JSON-LD 1.1 context usable after VC v2.

    Why each step:
    - LinkML emits neither ``@version: 1.1`` nor ``@protected`` (linkml#2403): add both.
    - It emits ``@vocab`` = the base IRI, so any undefined property would silently become a term
      of this vocabulary: remove it, so undefined properties are detectable.
    - Terms in the default prefix get a relative ``@id`` ("commodity") that only worked through
      ``@vocab``: make them absolute.
    - Terms the W3C VC v2 context already defines at top level (id, type, name, description,
      VerifiableCredential ...) would be protected-term redefinitions: drop them after checking
      that VC v2 gives them the IRI the model means.
    - Terms VC v2 defines *inside* its credential-scoped context with another meaning (validFrom:
      cred:validFrom there, untp:validFrom on a ConformityScheme) cannot be defined at top level
      either: a type-scoped context may not override a protected term. They are moved into
      type-scoped contexts of the classes that use them.
    """
    ctx = dict(raw["@context"])
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and not k.startswith("@") and v.endswith(("/", "#"))}
    ctx.pop("@vocab", None)
    base = model.project.base_iri
    for k, v in list(ctx.items()):
        if isinstance(v, dict) and isinstance(v.get("@id"), str) and ":" not in v["@id"]:
            v = dict(v)
            v["@id"] = "untpcrm:" + v["@id"] if prefixes.get("untpcrm") == base else base + v["@id"]
            ctx[k] = v
    vc_top, vc_scoped = _vc_terms()
    vc_prefixes = {}
    # id/type: keywords in VC v2; class/slot terms VC v2 owns at top level
    for k in list(ctx):
        if k.startswith("@") or k not in vc_top:
            continue
        ours = _expand(ctx[k], prefixes)
        theirs = _expand(vc_top[k], vc_prefixes)
        if k in ("id", "type") or ours == theirs:
            del ctx[k]
            continue
        raise BuildError(
            f"term '{k}' means {ours} in the model but W3C VC v2 protects it as {theirs}",
            where=str(model.project.model_file),
            hint=f"give slot/class '{k}' the IRI {theirs} or rename it",
        )
    view = model.view
    for k in list(ctx):
        if k.startswith("@") or k not in vc_scoped or k in prefixes:
            continue
        ours = ctx[k]
        theirs = vc_scoped[k]
        if _expand(ours, prefixes) == _expand(theirs, vc_prefixes) and (
            not isinstance(ours, dict) or not isinstance(theirs, dict) or ours.get("@type") == theirs.get("@type") or
            _expand(ours.get("@type"), prefixes) == _expand(theirs.get("@type"), vc_prefixes)
        ):
            continue  # same definition: an allowed redefinition
        del ctx[k]
        users = sorted(c for c in view.all_classes()
                       if k in view.class_slots(c) and CREDENTIAL_BASE_CLASS not in view.class_ancestors(c))
        for cls in users:
            entry = ctx.get(cls)
            if entry is None:
                continue
            entry = dict(entry) if isinstance(entry, dict) else {"@id": entry}
            scoped = dict(entry.get("@context", {}))
            scoped[k] = ours
            entry["@context"] = scoped
            ctx[cls] = entry
    out = {"@version": 1.1, "@protected": True}
    out.update(ctx)
    return {"@context": out}


def lean(generator_class):
    """A LinkML generator class without its metamodel load; ``lean.stock = True`` turns this off.

    Why: LinkML's ``Generator`` base sets ``requires_metamodel = True``, so the first generator
    run in a process loads and resolves LinkML's own metamodel (meta.yaml and its imports,
    ~0.3 s, a third of the generators' time), but only gen-owl reads ``self.metamodel``; the
    context, JSON Schema and SHACL generators used here never do. ``tests/test_model.py``
    checks that all three write exactly what the stock generators write."""
    if lean.stock:
        return generator_class
    return type(f"Lean{generator_class.__name__}", (generator_class,), {"requires_metamodel": False})


lean.stock = False


def generate_context(model: Model) -> dict:
    from linkml.generators.jsonldcontextgen import ContextGenerator

    raw = lean(ContextGenerator)(model.fresh_schema(), xsd_anyuri_as_iri=True, fix_multivalue_containers=True,
                           metadata=False, mergeimports=True).serialize()
    return postprocess_context(json.loads(raw), model)


# ----------------------------------------------------------------------------------------------
# JSON Schema
# ----------------------------------------------------------------------------------------------
def postprocess_json_schema(raw: dict, model: Model, credential_type: str, version: str) -> dict:
    """Turn gen-json-schema output into the published credential schema.

    Why each step:
    - LinkML writes draft 2019-09; vendors asked for 2020-12 (the constructs used are the same).
    - ``type`` in a credential is an array that must *contain* the class name (UNTP's pattern);
      LinkML can only say "array of strings".
    - ``@context`` cannot be a LinkML slot name: add it (VC v2 first, then a CRM context of any
      version; a UNTP module context may stand between them, as UNTP's own schemas require).
    - Identifiers are IRIs (``format: uri``); LinkML leaves uriorcurie unformatted.
    - The VC 2.0 envelope (validFrom, proof, credentialStatus ...) is W3C's, not this model's.
    """
    s = copy.deepcopy(raw)
    s["$schema"] = JSON_SCHEMA_DIALECT
    s["$id"] = f"{model.project.artifact_base(version)}schemas/{credential_type}.json"
    s["title"] = f"UNTP-CRM {credential_type}"
    defs = s.get("$defs", {})
    view = model.view

    def fix_type(props: dict, cls: str) -> None:
        if cls not in view.all_classes():
            return
        # like UNTP's schemas: the class and each of its ancestors (VerifiableCredential for credentials)
        # str(): SchemaView hands out ClassDefinitionName (a str subclass) that jsonschema-rs rejects
        must = [str(cls)] + [str(a) for a in view.class_ancestors(cls, reflexive=False)]
        props["type"] = {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "allOf": [{"contains": {"const": n}} for n in must],
            "description": f"Must contain {' and '.join(repr(n) for n in must)}.",
        }

    for name, d in defs.items():
        props = d.get("properties", {})
        if "type" in props:
            fix_type(props, name)
        for pname, p in props.items():
            slot = view.get_slot(pname) if pname in view.all_slots() else None
            if slot is not None and str(slot.range) in ("uriorcurie",) and pname != "type":
                if p.get("type") == "string":
                    p["format"] = "uri"
                elif p.get("type") == "array" and isinstance(p.get("items"), dict):
                    p["items"]["format"] = "uri"
        if "id" in props and props["id"].get("type") == "string":
            props["id"]["format"] = "uri"
    root_props = s.setdefault("properties", {})
    fix_type(root_props, credential_type)
    if "id" in root_props:
        root_props["id"]["format"] = "uri"
    crm_ctx = re.escape(model.project.base_iri) + r"[A-Za-z0-9._-]+/context\.jsonld"
    root_props["@context"] = {
        "type": "array",
        "items": {"type": "string", "format": "uri"},
        "minItems": 2,
        "uniqueItems": True,
        "prefixItems": [{"const": VC_V2_URL}],
        "contains": {"pattern": f"^{crm_ctx}$"},
        "description": (
            f"JSON-LD contexts: the W3C VC v2 context first; a UNTP module context such as "
            f"{model.module_context_url(credential_type)} may follow; then this vocabulary's context "
            f"({model.project.context_url()} or a released version)."
        ),
    }
    for k, v in VC_ENVELOPE_EXTRAS.items():
        root_props.setdefault(k, v)
    req = list(dict.fromkeys(["@context", *s.get("required", []), "type"]))
    s["required"] = req
    ordered = {k: s[k] for k in ("$schema", "$id", "title", "description", "type", "properties", "required", "additionalProperties", "$defs") if k in s}
    ordered.update({k: v for k, v in s.items() if k not in ordered})
    return ordered


#: root keys gen-json-schema copies from ``$defs[top_class]`` (the others are the schema's own)
_TOP_CLASS_KEYS = ("additionalProperties", "description", "properties", "required", "type")


def _retop(raw: dict, top_class: str) -> dict:
    """``raw`` (gen-json-schema output for some top class) as if generated for ``top_class``.

    Why: gen-json-schema computes every class's induced slots on each run (~0.15 s each), and
    its output for another top class differs only in the root keys it copies from
    ``$defs[top_class]``: one run serves every credential type. ``tests/test_model.py`` checks
    the result against a stock run per type, key order included."""
    top = raw["$defs"][top_class]
    out = {}
    for k, v in raw.items():
        if k in _TOP_CLASS_KEYS:
            if k in top:
                out[k] = copy.deepcopy(top[k])
        else:
            out[k] = v if k != "$defs" else copy.deepcopy(v)
    for k in _TOP_CLASS_KEYS:  # keys the first top class lacked
        if k in top and k not in out:
            out[k] = copy.deepcopy(top[k])
    return dict(sorted(out.items())) if list(raw) == sorted(raw) else out


def raw_json_schema(model: Model, top_class: str) -> dict:
    """gen-json-schema's output for one top class."""
    from linkml.generators.jsonschemagen import JsonSchemaGenerator

    return json.loads(lean(JsonSchemaGenerator)(_clone(model.fresh_schema()), top_class=top_class,
                                                include_null=False, metadata=False, mergeimports=True).serialize())


def generate_json_schemas(model: Model, version: str) -> dict[str, dict]:
    types = model.credential_types
    if not types:
        return {}
    raw = raw_json_schema(model, types[0])
    return {ctype: postprocess_json_schema(_retop(raw, ctype), model, ctype, version) for ctype in types}


# ----------------------------------------------------------------------------------------------
# SHACL
# ----------------------------------------------------------------------------------------------
def postprocess_shacl(ttl, model: Model):
    """Fix the generated shapes.

    Why: the identifier slot ``id`` becomes the node's IRI in JSON-LD, never a property, but
    gen-shacl still emits a property shape for ``untpcrm:id``: drop it so the shapes describe
    the RDF a credential really yields. Shapes are generated open (closed=False): with
    closed shapes a node typed both ConformityAssessment and Declaration fails the parent's
    closed shape (linkml#1249); closedness is enforced by the JSON Schema instead.
    """
    from rdflib import Graph, URIRef
    from rdflib.namespace import SH

    if isinstance(ttl, Graph):  # the generator's graph itself (no Turtle round trip)
        g = ttl
    else:
        g = Graph()
        g.parse(data=ttl, format="turtle")
    id_path = URIRef(model.slot_iri("id"))
    for ps in list(g.subjects(SH.path, id_path)):
        for shape in list(g.subjects(SH.property, ps)):
            g.remove((shape, SH.property, ps))
        g.remove((ps, None, None))
    return g


def generate_shacl(model: Model):
    from linkml.generators.shaclgen import ShaclGenerator

    gen = lean(ShaclGenerator)(model.fresh_schema(), closed=False, metadata=False, use_class_uri_names=False,
                         mergeimports=True)
    # as_graph() is what serialize() canonicalises to Turtle; the shapes are canonicalised once,
    # when written (rdfutil.to_turtle), so the Turtle text and its re-parse are skipped
    return postprocess_shacl(gen.as_graph(), model)


# ----------------------------------------------------------------------------------------------
# the vocabulary as RDF
# ----------------------------------------------------------------------------------------------
def vocabulary_prefixes(model: Model) -> dict[str, str]:
    p = {k: str(v.prefix_reference) for k, v in model.schema.prefixes.items() if k != "linkml"}
    p.update({
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "owl": "http://www.w3.org/2002/07/owl#",
        "sh": "http://www.w3.org/ns/shacl#",
        "dcterms": "http://purl.org/dc/terms/",
    })
    # namespaces the vocabulary graph always uses: bound under a fixed name when the model does
    # not bind them itself, else rdflib invents ns1, ns2 ... in hash (PYTHONHASHSEED) order and
    # two builds differ (seen with a model declaring neither skos nor schema.org)
    for k, ns in (("skos", "http://www.w3.org/2004/02/skos/core#"), ("sdo", "https://schema.org/"),
                  ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
                  ("xsd", "http://www.w3.org/2001/XMLSchema#")):
        if ns not in p.values() and k not in p:
            p[k] = ns
    return dict(sorted(p.items()))


def vocabulary_graph(model: Model):
    """RDFS/OWL/SKOS description of every element at ``<base><Name>``.

    Classes and slots that reuse a UNTP, schema.org or W3C IRI are described at their
    definition IRI ``<base><Name>`` (the CRM profile of that term) with ``owl:equivalentClass`` /
    ``owl:equivalentProperty`` to the reused IRI, which is what credentials use.
    """
    from rdflib import Graph, Literal, Namespace, URIRef
    from rdflib.namespace import OWL, RDF, RDFS, SKOS, DCTERMS

    SDO = Namespace("https://schema.org/")
    g = Graph(bind_namespaces="none")
    for k, v in vocabulary_prefixes(model).items():
        g.bind(k, v, override=True, replace=True)
    view = model.view
    project = model.project
    onto = URIRef(project.base_iri)
    g.add((onto, RDF.type, OWL.Ontology))
    g.add((onto, RDFS.label, Literal(str(model.schema.title))))
    g.add((onto, DCTERMS.description, Literal(" ".join(str(model.schema.description).split()))))
    g.add((onto, OWL.versionInfo, Literal(str(model.schema.version))))
    if model.schema.license:
        g.add((onto, DCTERMS.license, URIRef(str(model.schema.license))))

    def describe(iri, name, text):
        g.add((iri, RDFS.label, Literal(name)))
        g.add((iri, SKOS.definition, Literal(" ".join(str(text).split()))))
        g.add((iri, RDFS.isDefinedBy, onto))

    own_classes = view.all_classes(imports=False)
    # slot -> classes that list it in their own ``slots`` (a class's own slots are always among
    # its class_slots), in class order: one pass over the classes instead of a scan of every
    # class's induced slots per slot (quadratic: ~10 s at 10,000 terms)
    domains: dict[str, list[str]] = {}
    for cls in sorted(own_classes):
        for sname in dict.fromkeys(view.get_class(cls).slots or []):
            domains.setdefault(sname, []).append(cls)
    for name in sorted(own_classes):
        c = view.get_class(name)
        iri = URIRef(project.term_iri(name))
        target = URIRef(model.class_iri(name))
        g.add((iri, RDF.type, RDFS.Class))
        g.add((iri, RDF.type, OWL.Class))
        describe(iri, name, c.description)
        if target != iri:
            g.add((iri, OWL.equivalentClass, target))
        if c.is_a:
            g.add((iri, RDFS.subClassOf, URIRef(project.term_iri(c.is_a))))
        if c.abstract:
            g.add((iri, URIRef(project.term_iri("abstract")), Literal(True)))
        for m in c.exact_mappings or []:
            g.add((iri, SKOS.exactMatch, URIRef(model.uri(m))))
    for name in sorted(view.all_slots(imports=False)):
        s = view.get_slot(name)
        iri = URIRef(project.term_iri(name))
        target = URIRef(model.slot_iri(name))
        g.add((iri, RDF.type, RDF.Property))
        describe(iri, name, s.description)
        if target != iri:
            g.add((iri, OWL.equivalentProperty, target))
        for cls in domains.get(name, ()):
            g.add((iri, SDO.domainIncludes, URIRef(project.term_iri(cls))))
        rng = str(s.range or model.schema.default_range)
        if rng in own_classes or rng in view.all_enums(imports=False):
            g.add((iri, SDO.rangeIncludes, URIRef(project.term_iri(rng))))
        elif rng in view.all_types():
            t = view.get_type(rng)
            g.add((iri, SDO.rangeIncludes, URIRef(model.uri(t.uri)) if t.uri else URIRef(project.term_iri(rng))))
        for m in s.exact_mappings or []:
            g.add((iri, SKOS.exactMatch, URIRef(model.uri(m))))
    for name in sorted(view.all_enums(imports=False)):
        e = view.get_enum(name)
        iri = URIRef(project.term_iri(name))
        g.add((iri, RDF.type, SKOS.ConceptScheme))
        describe(iri, name, e.description)
        if e.enum_uri and model.uri(e.enum_uri) != str(iri):
            g.add((iri, SKOS.exactMatch, URIRef(model.uri(e.enum_uri))))
        for pv_name, pv in e.permissible_values.items():
            v_iri = URIRef(model.enum_value_iri(name, pv_name) or f"{project.term_iri(name)}/{pv_name}")
            if model.is_own(str(v_iri)):
                g.add((v_iri, RDF.type, SKOS.Concept))
                g.add((v_iri, SKOS.inScheme, iri))
                g.add((v_iri, SKOS.notation, Literal(pv_name)))
                g.add((v_iri, SKOS.prefLabel, Literal(pv_name)))
                g.add((v_iri, SKOS.definition, Literal(" ".join(str(pv.description).split()))))
                g.add((v_iri, RDFS.isDefinedBy, onto))
            g.add((iri, SKOS.hasTopConcept, v_iri))
    for name in sorted(view.all_types(imports=False)):
        t = view.get_type(name)
        iri = URIRef(project.term_iri(name))
        g.add((iri, RDF.type, RDFS.Datatype))
        describe(iri, name, t.description)
    return g


def term_iris(model: Model, graph=None) -> list[str]:
    """Every dereferenceable term IRI minted by this vocabulary (under the base IRI)."""
    g = vocabulary_graph(model) if graph is None else graph
    base = model.project.base_iri
    return sorted({str(s) for s in g.subjects() if str(s).startswith(base) and str(s) != base})


# ----------------------------------------------------------------------------------------------
# the build step
# ----------------------------------------------------------------------------------------------
def import_generators_only() -> None:
    """Import the three LinkML generators used here without ``linkml/generators/__init__.py``.

    Why: that ``__init__`` imports every generator LinkML has (~45 modules: Pydantic, SQL, Java,
    ...), 0.3 s of the 0.35 s it takes to import the three used here, which need 15 of them.
    A bare package module stands in for ``linkml.generators`` while they are imported and stays
    (so ``linkml.generators.<module>`` keeps working, but ``from linkml.generators import X``
    does not): call it only in a disposable build worker (``ctx.in_worker``), never in a
    process that may use other LinkML generators later. ``tests/test_bench_generators.py``
    checks that a build with workers writes the same bytes as one without."""
    import importlib
    import sys
    import types

    if "linkml.generators" not in sys.modules:
        import linkml

        stub = types.ModuleType("linkml.generators")
        stub.__path__ = [os.path.join(p, "generators") for p in linkml.__path__]
        stub.__package__ = "linkml.generators"
        sys.modules["linkml.generators"] = stub
    for name in ("jsonldcontextgen", "jsonschemagen", "shaclgen"):
        importlib.import_module(f"linkml.generators.{name}")


def _write_generated(ctx, model: Model) -> None:
    """The LinkML generators' artifacts: context, JSON Schemas, SHACL shapes."""
    import time

    from . import rdfutil

    t0 = time.perf_counter()
    if getattr(ctx, "in_worker", False):
        import_generators_only()
    v = ctx.version
    ctx.write(f"{v}/context.jsonld", dump_json(generate_context(model)))
    for ctype, schema in generate_json_schemas(model, v).items():
        ctx.write(f"{v}/schemas/{ctype}.json", dump_json(schema))
    ctx.write(f"{v}/shapes.ttl", rdfutil.to_turtle(generate_shacl(model), vocabulary_prefixes(model)))
    ctx.log(f"    model: LinkML generators {time.perf_counter() - t0:.2f} s")


def build(ctx) -> None:
    import time

    from rdflib import URIRef

    from . import rdfutil

    project = ctx.project
    model = ctx.cached("model", lambda: load_model(project))
    model.view  # noqa: B018 - built once, before the worker forks, so both halves share it
    v = ctx.version
    base = project.base_iri
    # the LinkML generators (context, JSON Schemas, SHACL) in a worker on the second core, which
    # the build waits for before the steps' finish phase (ctx.beside); the vocabulary and its
    # per-term files here. The two write different files.
    ctx.beside(lambda c: _write_generated(c, model))
    t0 = time.perf_counter()
    prefixes = vocabulary_prefixes(model)
    vocab = vocabulary_graph(model)
    ctx.write(f"{v}/vocabulary.ttl", rdfutil.to_turtle(vocab, prefixes))
    ctx.write(f"{v}/vocabulary.jsonld", rdfutil.to_jsonld(vocab, prefixes))
    # the LinkML source as published with this version (MIxS lesson: every file a consumer
    # fetches for a version comes from the same build)
    ctx.write(f"{v}/untp_crm.yaml", project.model_file.read_bytes())
    iris = term_iris(model, vocab)
    for iri in iris:
        rel = iri[len(base):]
        sub = rdfutil.subgraph(vocab, [URIRef(iri)])
        ctx.write(f"{rel}.ttl", rdfutil.to_turtle(sub, prefixes))
        ctx.write(f"{rel}.jsonld", rdfutil.to_jsonld(sub, prefixes))
    ctx.log(f"    model: vocabulary and {len(iris)} term files {time.perf_counter() - t0:.2f} s")
