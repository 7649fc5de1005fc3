"""Build step 1: the credential artifacts and the vocabulary, from the LinkML model.

All LinkML generators run in this one process from one loaded schema (GUIDE section 5: five
CLI calls cost ~6 s of interpreter start-up, the same work in-process ~1 s).

Where LinkML's output falls short of this project's rules it is fixed in exactly one
post-processing function per artifact, each saying why:
``postprocess_context``, ``postprocess_json_schema``, ``postprocess_shacl``.
"""
from __future__ import annotations

import copy
import functools
import json
import os
import re
from dataclasses import dataclass
from functools import cached_property

from .contexts import PINNED_W3C, VC_V2_URL
from .untp import UNTP_070_CONTEXT
from .errors import BuildError
from .fsutil import dump_json
from .project import Project

CREDENTIAL_BASE_CLASS = "VerifiableCredential"
UNTP_NS = "https://vocabulary.uncefact.org/untp/"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


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

    from . import limits

    path = project.model_file
    try:
        text = path.read_text(encoding="utf-8")
        limits.yaml_load(text)  # syntax, and no alias bomb before LinkML reads it
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
        """The CRM credential types: CRM's own concrete subclasses of VerifiableCredential (the
        UNTP credential classes they extend are UNTP's, not profiles of this vocabulary)."""
        v = self.view
        return sorted(str(c) for c in v.class_descendants(CREDENTIAL_BASE_CLASS, reflexive=False)
                      if not v.get_class(c).abstract and self.is_own(self.class_iri(c)))

    def untp_credential_type(self, credential_type: str) -> str | None:
        """The UNTP credential class a CRM credential type extends (DigitalProductPassport ...)."""
        for a in self.view.class_ancestors(credential_type, reflexive=False):
            if self.is_untp(self.class_iri(a)):
                return str(a)
        return None

    @cached_property
    def own_classes(self) -> list[str]:
        """Classes this vocabulary mints (IRI under the base); the others are UNTP's (or W3C's)."""
        return sorted(str(c) for c in self.view.all_classes(imports=False) if self.is_own(self.class_iri(c)))

    @cached_property
    def own_slots(self) -> list[str]:
        return sorted(str(s) for s in self.view.all_slots(imports=False)
                      if s not in ("id", "type") and self.is_own(self.slot_iri(s)))

    def is_untyped(self, cls: str) -> bool:
        """UNTP classes whose objects carry no type in UNTP 0.7.0 (annotation ``untyped``)."""
        return "untyped" in (self.view.get_class(cls).annotations or {})

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

    def is_untp(self, iri: str) -> bool:
        """A UNTP term IRI (the CRM base IRI may itself lie under UNTP's namespace)."""
        return iri.startswith(UNTP_NS) and not self.is_own(iri)

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


def _term_names(ctx, out: dict, where: str = "") -> dict:
    """Every term a context defines at any depth (top level, type- and property-scoped), with
    its definitions: name -> list of (where, definition)."""
    if isinstance(ctx, list):
        for c in ctx:
            _term_names(c, out, where)
        return out
    if not isinstance(ctx, dict):
        return out
    for k, v in ctx.items():
        if k.startswith("@"):
            continue
        out.setdefault(k, []).append((where or "top level", v))
        if isinstance(v, dict) and isinstance(v.get("@context"), (dict, list)):
            _term_names(v["@context"], out, f"{where}/{k}" if where else k)
    return out


@functools.lru_cache(maxsize=1)
def reserved_terms() -> dict:
    """Terms the contexts before the CRM context define, at any depth: W3C VC v2 and UNTP 0.7.0.
    The CRM context may not define any of them (UNTP's extension rules: never redefine a UNTP
    term; type-scoped contexts may not override protected terms either)."""
    from . import untp

    out: dict = {}
    _term_names(json.loads(PINNED_W3C[VC_V2_URL].read_text(encoding="utf-8"))["@context"], out, "W3C VC v2")
    _term_names(untp.contexts()[UNTP_070_CONTEXT]["@context"], out, "UNTP 0.7.0")
    return out


def postprocess_context(raw: dict, model: Model) -> dict:
    """Turn gen-jsonld-context output into the CRM context: a protected JSON-LD 1.1 context
    that defines only the terms CRM mints, used after ``[VC v2, UNTP 0.7.0 context]``.

    Why each step:
    - LinkML emits neither ``@version: 1.1`` nor ``@protected`` (linkml#2403): add both.
    - It emits ``@vocab`` = the base IRI, so any undefined property would silently become a term
      of this vocabulary: remove it (UNTP's extension rules forbid a catch-all ``@vocab``).
    - It defines every class and slot of the model, UNTP's included, and prefixes (``untp``,
      ``xsd`` ...): keep only terms whose IRI is this vocabulary's, written as absolute IRIs, and
      no prefixes, so the context never redefines a UNTP or W3C term.
    - The property-scoped context of an enumeration slot also defines ``text``, ``description``
      and ``meaning`` (for enumeration objects, which credentials do not use); ``description`` is
      a protected VC/UNTP term: keep only the ``@vocab`` that turns a code into its IRI.
    Then every remaining term is checked against the terms W3C VC v2 and UNTP 0.7.0 define at
    any depth; a clash stops the build (rename the slot or class).
    """
    ctx = dict(raw["@context"])
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and not k.startswith("@") and v.endswith(("/", "#"))}
    base = model.project.base_iri

    def absolute(iri):
        if not isinstance(iri, str) or iri.startswith("@"):
            return iri
        return _expand(iri, prefixes) if ":" in iri else base + iri

    out: dict = {"@version": 1.1, "@protected": True}
    for k in sorted(ctx, key=lambda x: (not x[:1].isupper(), x)):  # classes first, then slots
        v = ctx[k]
        if k.startswith("@") or k in prefixes or k in ("id", "type"):
            continue
        d = dict(v) if isinstance(v, dict) else {"@id": v}
        d["@id"] = absolute(d.get("@id"))
        if not isinstance(d["@id"], str) or not model.is_own(d["@id"]):
            continue  # a UNTP, W3C or RDF term: the contexts before this one define it
        if "@type" in d:
            d["@type"] = absolute(d["@type"]) if d["@type"] not in ("@id", "@vocab") else d["@type"]
        if isinstance(d.get("@context"), dict):
            d["@context"] = {"@vocab": d["@context"]["@vocab"]} if "@vocab" in d["@context"] else d["@context"]
        out[k] = {kk: d[kk] for kk in ("@id", "@type", "@container", "@context") if kk in d}
    clashes = [(k, w) for k in out if not k.startswith("@") for w, _ in reserved_terms().get(k, [])]
    if clashes:
        k, w = clashes[0]
        raise BuildError(
            f"the CRM term '{k}' is already defined by {w.split('/')[0]} ({w}); the CRM context may not redefine it",
            where=f"{model.project.model_file}:{_line_of(model.project.model_file.read_text(encoding='utf-8'), k) or 1}",
            hint=f"rename '{k}' (CRM mints only terms UNTP lacks), or, if it is the UNTP term, give it UNTP's IRI (slot_uri/class_uri untp:{k})",
        )
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
    """Turn gen-json-schema output into the published CRM credential schema.

    The published schema is the whole credential's: ``allOf`` with a ``$ref`` to UNTP 0.7.0's
    published schema of the UNTP type it extends (vendors resolve it from UNTP's site, the
    validator from the pinned copy), plus the CRM layer: what this model says. So a document it
    accepts is always one UNTP's schema accepts (UNTP's extension rules).

    Why each step:
    - LinkML writes draft 2019-09; vendors asked for 2020-12 (the constructs used are the same).
    - The UNTP classes in the model only carry the CRM terms placed on them; UNTP's schema
      says what else they hold, so the CRM layer leaves them open (LinkML closes every class).
      CRM's own classes stay closed. UNTP credential classes and VerifiableCredential are not
      schemas of their own here: they are dropped from ``$defs``.
    - ``type`` is an array that must *contain* the class name (UNTP's pattern); a CRM credential
      names its CRM type, the UNTP type it extends and VerifiableCredential. LinkML can only say
      "array of strings".
    - ``@context`` cannot be a LinkML slot name: the CRM layer requires the three contexts in
      order (VC v2, UNTP 0.7.0, this version's CRM context); UNTP's schema requires the first two.
    - Identifiers are IRIs (``format: uri``); LinkML leaves uriorcurie unformatted.
    - The envelope (``id``, ``issuer``, ``validFrom`` ...) is UNTP's and W3C's: the CRM layer
      leaves it to UNTP's schema.
    """
    from . import untp

    s = copy.deepcopy(raw)
    view = model.view
    untp_type = model.untp_credential_type(credential_type)
    untp_url = untp.schema_url("0.7.0", untp_type) if untp_type else None
    if untp_url is None:
        raise BuildError(f"credential type {credential_type} extends no UNTP 0.7.0 credential type with a pinned schema",
                         where=str(model.project.model_file),
                         hint="make it is_a DigitalProductPassport or DigitalConformityCredential (UNTP classes of the model)")
    defs = {k: v for k, v in s.get("$defs", {}).items()
            if k == credential_type or not (k in view.all_classes() and CREDENTIAL_BASE_CLASS in view.class_ancestors(k))}

    def fix_type(props: dict, cls: str) -> None:
        # str(): SchemaView hands out ClassDefinitionName (a str subclass) that jsonschema-rs rejects
        must = [str(cls)] + ([str(a) for a in view.class_ancestors(cls, reflexive=False)] if model.is_own(model.class_iri(cls)) else [])
        props["type"] = {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "allOf": [{"contains": {"const": n}} for n in must],
            "description": f"Must contain {' and '.join(repr(n) for n in must)}.",
        }

    for name, d in defs.items():
        props = d.get("properties", {})
        if name in view.all_classes():
            if "type" in props:
                fix_type(props, name)
            if not model.is_own(model.class_iri(name)):
                d.pop("additionalProperties", None)  # open: UNTP's schema judges the rest
        for pname, p in props.items():
            slot = view.get_slot(pname) if pname in view.all_slots() else None
            if slot is not None and str(slot.range) in ("uriorcurie",) and pname != "type":
                if p.get("type") == "string":
                    p["format"] = "uri"
                elif p.get("type") == "array" and isinstance(p.get("items"), dict):
                    p["items"]["format"] = "uri"
        props.pop("id", None)  # UNTP's schema requires and formats ids
        if "required" in d:
            d["required"] = [r for r in d["required"] if r != "id"]
            if not d["required"]:
                del d["required"]
    top = defs.pop(credential_type)
    root_props = dict(top.get("properties", {}))
    fix_type(root_props, credential_type)
    crm_ctx = model.project.context_url(version)
    root_props = {"@context": {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 3,
        "prefixItems": [{"const": VC_V2_URL}, {"const": UNTP_070_CONTEXT}, {"const": crm_ctx}],
        "description": f"JSON-LD contexts, in this order: W3C VC v2, UNTP 0.7.0, this vocabulary's context ({crm_ctx}).",
    }, **root_props}
    out = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"{model.project.artifact_base(version)}schemas/{credential_type}.json",
        "title": f"UNTP-CRM {credential_type}",
        "description": top.get("description", ""),
        "allOf": [{"$ref": untp_url, "description": f"UNTP 0.7.0's own schema of a {untp_type}: every CRM credential is a UNTP credential."}],
        "type": "object",
        "properties": root_props,
        "required": list(dict.fromkeys(["@context", "type", *[r for r in top.get("required", []) if r != "id"]])),
        "$defs": {},
    }
    # only the $defs this credential type reaches (gen-json-schema emits every class of the model)
    reached, todo = set(), [root_props]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] not in reached:
                reached.add(ref[8:])
                todo.append(defs[ref[8:]])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    out["$defs"] = {k: defs[k] for k in sorted(reached)}
    return out


def crm_layer(schema: dict) -> dict:
    """The CRM layer of a published credential schema: the schema without its ``allOf`` entry
    that ``$ref``s UNTP's schema (the validator runs the two layers apart to say which failed)."""
    out = {k: v for k, v in schema.items() if k != "allOf"}
    rest = [x for x in schema.get("allOf", []) if not (isinstance(x, dict) and "$ref" in x and not x["$ref"].startswith("#"))]
    if rest:
        out["allOf"] = rest
    return out


def untp_layer_url(schema: dict) -> str | None:
    """The UNTP schema URL a published credential schema composes, if any."""
    for x in schema.get("allOf", []):
        if isinstance(x, dict) and isinstance(x.get("$ref"), str) and not x["$ref"].startswith("#"):
            return x["$ref"]
    return None


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

    Why each step:
    - The identifier slot ``id`` becomes the node's IRI in JSON-LD, never a property, but
      gen-shacl still emits a property shape for it: drop it so the shapes describe the RDF a
      credential really yields.
    - Shapes are generated open (closed=False): UNTP's classes hold far more than the CRM terms
      placed on them, and with closed shapes a node with two types fails (linkml#1249);
      closedness of CRM's own classes is enforced by the JSON Schema.
    - gen-shacl names every class's shape ``<base><Class>``; for UNTP classes that would put a
      CRM IRI beside UNTP's term. Their shapes are renamed ``<base>shapes/<Class>``.
    - The UNTP credential classes (and VerifiableCredential) would get shapes requiring CRM
      terms of every UNTP credential: dropped; the CRM credential types' own shapes carry them.
    - UNTP 0.7.0 gives Material no type: its shape targets nothing and is reached through
      ``sh:node`` from materialProvenance only.
    """
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF, SH

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
    view = model.view
    base = model.project.base_iri

    def drop(node) -> None:
        for ps in list(g.objects(node, SH.property)):
            for lst in list(g.objects(ps, SH["in"])):
                from rdflib.collection import Collection

                Collection(g, lst).clear()
            g.remove((ps, None, None))
        g.remove((node, None, None))

    rename = {}
    for cls in sorted(view.all_classes()):
        shape = URIRef(base + str(cls))
        if (shape, RDF.type, SH.NodeShape) not in g or model.is_own(model.class_iri(cls)):
            continue
        if cls == CREDENTIAL_BASE_CLASS or CREDENTIAL_BASE_CLASS in view.class_ancestors(cls):
            drop(shape)
            continue
        if model.is_untyped(cls):
            g.remove((shape, SH.targetClass, None))
        rename[shape] = URIRef(f"{base}shapes/{cls}")
    if rename:
        for s_, p_, o_ in list(g):
            if s_ in rename or o_ in rename:
                g.remove((s_, p_, o_))
                g.add((rename.get(s_, s_), p_, rename.get(o_, o_)))
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
    """RDFS/OWL/SKOS description of every term this vocabulary mints, at ``<base><Name>``.

    UNTP's terms (the classes CRM places its terms on, the properties that lead to them) are
    not described here and get no CRM IRI: the CRM terms point at UNTP's IRIs
    (``schema:domainIncludes untp:Product``, ``rdfs:subClassOf untp:DigitalProductPassport``),
    and no CRM term is declared equivalent to a UNTP term.
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

    own_classes = set(model.own_classes)
    own_slots = set(model.own_slots)
    # slot -> classes that list it in their own ``slots`` (a class's own slots are always among
    # its class_slots), in class order: one pass over the classes instead of a scan of every
    # class's induced slots per slot (quadratic: ~10 s at 10,000 terms)
    domains: dict[str, list[str]] = {}
    for cls in sorted(view.all_classes(imports=False)):
        for sname in dict.fromkeys(view.get_class(cls).slots or []):
            domains.setdefault(sname, []).append(cls)

    def class_ref(name) -> URIRef:
        return URIRef(model.class_iri(name))

    for name in sorted(own_classes):
        c = view.get_class(name)
        iri = URIRef(project.term_iri(name))
        g.add((iri, RDF.type, RDFS.Class))
        g.add((iri, RDF.type, OWL.Class))
        describe(iri, name, c.description)
        if c.is_a:
            g.add((iri, RDFS.subClassOf, class_ref(c.is_a)))
        if c.abstract:
            g.add((iri, URIRef(project.term_iri("abstract")), Literal(True)))
        for m in c.exact_mappings or []:
            g.add((iri, SKOS.exactMatch, URIRef(model.uri(m))))
    for name in sorted(own_slots):
        s = view.get_slot(name)
        iri = URIRef(project.term_iri(name))
        g.add((iri, RDF.type, RDF.Property))
        describe(iri, name, s.description)
        for cls in domains.get(name, ()):
            g.add((iri, SDO.domainIncludes, class_ref(cls)))
        rng = str(s.range or model.schema.default_range)
        if rng in view.all_classes():
            g.add((iri, SDO.rangeIncludes, class_ref(rng)))
        elif rng in view.all_enums(imports=False):
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
