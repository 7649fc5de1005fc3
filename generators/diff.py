"""``crm-vocab diff OLD NEW``: what changed between two versions, each change breaking or not.

OLD and NEW are version names (the working build, ``build/site/<working>/``, or a release,
``site/releases/<version>/``) or artifact folders. Only the artifact files are read, so any two
folders compare: ``vocabulary.ttl`` (terms, kinds, definitions, ranges), ``context.jsonld``
(term entries), ``schemas/*.json`` (properties, required, multivalued, enums, and every
constraint keyword: patterns, bounds, formats, ``contains``, ``const``, closedness ...),
``shapes.ttl`` (min/max counts, value types, ``sh:in``, ``sh:pattern``, length and value bounds,
``sh:closed``) and ``crosswalks/*.sssom.tsv`` (mappings). Exit 0 after the report; with
``--fail-on-breaking``, 1 when some change is breaking (for CI); 2 for unusable input.

Breaking (a credential or a consumer valid before may be invalid or misread after):
removing or renaming a term, changing a term's kind or range, removing a context entry or
changing its ``@id``/``@type``/``@container``, removing a property from a class, making a property
required (optional -> required, or a new required property), switching single <-> multivalued,
narrowing an enumeration (removing a value), raising ``sh:minCount`` or lowering ``sh:maxCount``,
tightening a constraint (``constraint-narrowed``: a minimum raised, a maximum lowered, a bound
added, an object closed) or changing one whose effect cannot be ordered (``constraint-changed``:
a new or different pattern, format, ``contains`` or ``const``), removing a mapping or
re-predicating one so that it recognises less. A constraint change seen in both the JSON Schemas
and the shapes is reported once (from the schemas).
Not breaking: new terms, new optional properties, new enum values, loosened or removed
constraints (``constraint-widened``, counted as additions like enum-widened), required ->
optional, new mappings, definition and label edits.

Renames: a term that disappears and a term that appears with the same kind and the same
non-empty definition (whitespace-normalised) -- or, failing that, the same label and the same range --
are reported once as ``term-renamed`` (breaking) instead of a removal plus an addition. A term IRI
never changes otherwise (slash IRIs are unversioned), so this heuristic is the only signal.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .errors import UsageError

RECOGNISING = {"skos:exactMatch", "skos:broadMatch", "skos:narrowMatch"}


FORMAT_VERSION = 1  # of the --format json output
EXIT_CODES = """exit codes:
  0  compared (breaking changes are listed in the output)
  1  with --fail-on-breaking: some change is breaking
  2  usage error: unknown version or folder, no project found"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", metavar="OLD", help="version name (working or a release) or artifact folder")
    p.add_argument("new", metavar="NEW", help="version name (working or a release) or artifact folder")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument("--out", metavar="DIR", help="build folder holding the working version (default build/site/)")
    p.add_argument("--fail-on-breaking", action="store_true",
                   help="exit 1 when a change is breaking (for CI; default: exit 0 after the report)")


def resolve_version(project, name: str, build_out: Path | None = None) -> Path:
    """A version name or a folder -> the folder holding that version's artifacts."""
    p = Path(name)
    if p.is_dir() and (p / "vocabulary.ttl").exists() or p.is_dir() and (p / "context.jsonld").exists():
        return p
    if name == project.working_version:
        d = (build_out or project.default_out) / name
        if d.is_dir():
            return d
        raise UsageError(f"the working build {d} does not exist", hint="run crm-vocab build first")
    if re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.+-]*", name or "") and (project.releases_dir / name).is_dir():
        return project.releases_dir / name
    if p.is_dir():
        raise UsageError(f"{name} holds no vocabulary.ttl or context.jsonld", hint="pass a version artifact folder")
    known = sorted(d.name for d in project.releases_dir.iterdir() if d.is_dir()) if project.releases_dir.is_dir() else []
    raise UsageError(f"unknown version or folder {name!r}",
                     hint=f"use {project.working_version!r}, a release ({', '.join(known) or 'none yet'}) or a folder")


# ---------------------------------------------------------------------------------------------
# reading one version
# ---------------------------------------------------------------------------------------------
def _local(iri: str, base: str) -> str:
    if iri.startswith(base):
        return iri[len(base):]
    return re.split(r"[/#:]", iri.rstrip("/#"))[-1] or iri


def _norm(text) -> str:
    return " ".join(str(text or "").split())


def _graph(path: Path):
    import rdflib

    g = rdflib.Graph()
    try:
        g.parse(path, format="turtle" if path.suffix == ".ttl" else "json-ld")
    except Exception as exc:
        raise UsageError(f"cannot parse {path}: {exc}".splitlines()[0][:300], where=str(path)) from None
    return g


def read_terms(folder: Path, base: str) -> dict:
    from rdflib import RDF, RDFS, URIRef
    from rdflib.namespace import OWL, SKOS

    path = folder / "vocabulary.ttl"
    if not path.is_file():
        path = folder / "vocabulary.jsonld"
        if not path.is_file():
            return {}
    g = _graph(path)
    SDO = "https://schema.org/"
    terms = {}
    for s in sorted(set(g.subjects(RDF.type, None)), key=str):
        if not isinstance(s, URIRef) or not str(s).startswith(base):
            continue
        name = str(s)[len(base):]
        if not name or name.endswith("/"):
            continue
        types = {str(t) for t in g.objects(s, RDF.type)}
        if types & {str(OWL.Class), str(RDFS.Class)}:
            kind = "class"
        elif types & {str(RDF.Property), str(OWL.ObjectProperty), str(OWL.DatatypeProperty), str(OWL.AnnotationProperty)}:
            kind = "property"
        elif any(t.endswith(("EnumDefinition", "ConceptScheme", "Enumeration")) for t in types):
            kind = "enum"
        elif any(t.endswith(("PermissibleValue", "Concept")) for t in types):
            kind = "enum value"
        else:
            kind = "term"
        ranges = sorted({_local(str(o), base) for p in (RDFS.range, URIRef(SDO + "rangeIncludes"), URIRef("http://schema.org/rangeIncludes"))
                         for o in g.objects(s, p)})
        terms[name] = {
            "kind": kind,
            "definition": _norm(g.value(s, SKOS.definition) or g.value(s, RDFS.comment) or ""),
            "label": _norm(g.value(s, RDFS.label) or g.value(s, SKOS.prefLabel) or ""),
            "range": ranges,
        }
    return terms


def read_context(folder: Path) -> dict:
    path = folder / "context.jsonld"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot parse {path}: {exc}", where=str(path)) from None
    out = {}

    def walk(ctx, prefix=""):
        if isinstance(ctx, list):
            for c in ctx:
                walk(c, prefix)
            return
        if not isinstance(ctx, dict):
            return
        for k, v in ctx.items():
            if k.startswith("@"):
                continue
            key = prefix + k
            if isinstance(v, str):
                out[key] = {"@id": v}
            elif isinstance(v, dict):
                out[key] = {a: v[a] for a in ("@id", "@type", "@container") if a in v}
                if isinstance(v.get("@context"), (dict, list)):
                    walk(v["@context"], key + "/")
    walk(data.get("@context", {}) if isinstance(data, dict) else {})
    return out


def _prop_shape(spec: dict) -> dict:
    types = spec.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    multi = "array" in types
    item = spec.get("items") if multi and isinstance(spec.get("items"), dict) else spec
    enum = None
    for cand in (item, *(item.get("anyOf") or []), *(item.get("oneOf") or [])):
        if isinstance(cand, dict) and isinstance(cand.get("enum"), list):
            enum = sorted(str(e) for e in cand["enum"] if e is not None)
    itypes = item.get("type")
    itypes = [itypes] if isinstance(itypes, str) else list(itypes or [])
    ref = item.get("$ref", "")
    return {"multivalued": multi, "enum": enum,
            "type": ref.rsplit("/", 1)[-1] if ref else ",".join(sorted(t for t in itypes if t not in ("null", "array")))}


def read_schemas(folder: Path) -> dict:
    """{definition name: {property: {required, multivalued, enum, type}}} over schemas/*.json."""
    out: dict[str, dict] = {}
    enums: dict[str, list] = {}
    sdir = folder / "schemas"
    if not sdir.is_dir():
        return {}
    for f in sorted(sdir.glob("*.json")):
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot parse {f}: {exc}", where=str(f)) from None
        defs = dict(data.get("$defs") or data.get("definitions") or {})
        defs.setdefault(f.stem, data)
        for dname, d in sorted(defs.items()):
            if not isinstance(d, dict):
                continue
            if isinstance(d.get("enum"), list):
                enums.setdefault(dname, sorted(str(e) for e in d["enum"] if e is not None))
            props = d.get("properties")
            if not isinstance(props, dict) or dname in out:
                continue
            req = set(d.get("required") or [])
            out[dname] = {p: {**_prop_shape(spec if isinstance(spec, dict) else {}), "required": p in req}
                          for p, spec in props.items()}
    out["__enums__"] = enums
    return out


# Constraint keywords of the JSON Schemas, by how a change of value tightens them: "min" (raising
# it tightens), "max" (lowering it tightens), "exact" (any new or changed value may reject what was
# valid: a pattern, a format, ``contains``...), "flag" (true tightens), "closed"
# (additionalProperties: absent/true = open, a schema = restricted, false = closed).
CONSTRAINTS = {
    "minimum": "min", "exclusiveMinimum": "min", "minLength": "min", "minItems": "min", "minProperties": "min",
    "minContains": "min",
    "maximum": "max", "exclusiveMaximum": "max", "maxLength": "max", "maxItems": "max", "maxProperties": "max",
    "maxContains": "max",
    "pattern": "exact", "format": "exact", "contains": "exact", "const": "exact", "multipleOf": "exact",
    "propertyNames": "exact", "patternProperties": "exact", "dependentRequired": "exact",
    "uniqueItems": "flag", "additionalProperties": "closed", "unevaluatedProperties": "closed",
}
#: keywords whose value is data, not a schema: never walked into
_NOT_SCHEMAS = {"description", "title", "examples", "default", "$comment", "enum", "const", "required"}
#: SHACL constraint -> the JSON Schema keyword it matches (a change seen in both is reported once)
SHACL_CONSTRAINTS = {
    "pattern": "pattern", "flags": "pattern", "minLength": "minLength", "maxLength": "maxLength",
    "minInclusive": "minimum", "maxInclusive": "maximum", "minExclusive": "exclusiveMinimum",
    "maxExclusive": "exclusiveMaximum",
}


def _subject_of(pointer: list[str], root_name: str) -> str:
    """``$defs/Facility/properties/countryOfOperation`` -> ``Facility.countryOfOperation``."""
    out: list[str] = []
    i = 0
    while i < len(pointer):
        k = pointer[i]
        if k in ("$defs", "definitions") and i + 1 < len(pointer):
            out = [pointer[i + 1]]
            i += 2
            continue
        if k == "properties" and i + 1 < len(pointer):
            out.append(pointer[i + 1])
            i += 2
            continue
        if k in ("items", "additionalItems"):
            out[-1:] = [(out[-1] if out else root_name) + "[]"]
        i += 1
    return ".".join(out) if out else root_name


def _unversioned(value, base: str | None):
    """``value`` with this vocabulary's versioned context URLs (``<base><version>/context.jsonld``,
    which each version's schemas require of a credential) made version-free, so that they compare
    equal across versions: a credential is judged by the version its context names."""
    if base is None or base not in json.dumps(value):
        return value
    rx = re.escape(base) + r"[0-9A-Za-z._+-]+/context\.jsonld"
    return json.loads(re.sub(rx, base + "{version}/context.jsonld", json.dumps(value)))


def read_schema_constraints(folder: Path, base: str | None = None) -> tuple[dict, set]:
    """({(subject, keyword, location): value}, {location of every schema object}) for every
    constraint keyword (CONSTRAINTS) in schemas/*.json; a definition shared by several schema
    files counts once (its location is its pointer under $defs). Values compare as JSON;
    ``contains``, ``propertyNames`` and a schema-valued ``additionalProperties`` whole."""
    sdir = folder / "schemas"
    out: dict = {}
    nodes: set = set()
    if not sdir.is_dir():
        return out, nodes
    for f in sorted(sdir.glob("*.json")):
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot parse {f}: {exc}", where=str(f)) from None
        stack = [(data, [])]
        while stack:
            node, ptr = stack.pop()
            if isinstance(node, list):
                stack.extend((v, ptr + [str(i)]) for i, v in enumerate(node))
                continue
            if not isinstance(node, dict):
                continue
            at = "/".join(ptr)
            at = at if ptr and ptr[0] in ("$defs", "definitions") else f"{f.stem}#{at}"
            nodes.add(at)
            for k, v in node.items():
                if k in CONSTRAINTS:
                    out.setdefault((_subject_of(ptr, f.stem), k, at), _unversioned(v, base))
                    if k in ("contains", "propertyNames", "patternProperties", "additionalProperties",
                             "unevaluatedProperties", "dependentRequired"):
                        continue  # compared whole
                if k in _NOT_SCHEMAS or (k == "properties" and not isinstance(v, dict)):
                    continue
                if isinstance(v, (dict, list)):
                    stack.append((v, ptr + [k]))
    return out, nodes


def _is_zero(keyword: str, value) -> bool:
    return keyword in ("minLength", "minItems", "minProperties", "minContains") and value == 0


def classify_constraint(keyword: str, old, new) -> tuple[str, bool] | None:
    """(kind, breaking) of a constraint going from ``old`` to ``new`` (None: absent), or None when
    nothing changes in effect. Tightening is breaking: a credential valid before may fail."""
    how = CONSTRAINTS.get(keyword, "exact")
    if how == "closed":
        def level(v):
            return 0 if v is None or v is True or v == {} else (2 if v is False else 1)
        a, b = level(old), level(new)
        if a == b:
            return None if old == new else ("constraint-changed", True)
        return ("constraint-narrowed", True) if b > a else ("constraint-widened", False)
    if how == "flag":
        a, b = bool(old), bool(new)
        return None if a == b else (("constraint-narrowed", True) if b else ("constraint-widened", False))
    if old is None and (new is None or _is_zero(keyword, new)) or new is None and _is_zero(keyword, old):
        return None
    if old == new:
        return None
    if new is None:
        return ("constraint-widened", False)
    if how in ("min", "max") and old is not None:
        try:
            tighter = float(new) > float(old) if how == "min" else float(new) < float(old)
        except (TypeError, ValueError):
            return ("constraint-changed", True)
        return ("constraint-narrowed", True) if tighter else ("constraint-widened", False)
    if how in ("min", "max"):
        return ("constraint-narrowed", True)
    return ("constraint-changed", True)


def _shown(v) -> str:
    if v is None:
        return "(none)"
    text = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def read_shapes(folder: Path, base: str) -> dict:
    path = folder / "shapes.ttl"
    if not path.is_file():
        return {}
    from rdflib import Namespace
    from rdflib.collection import Collection

    SH = Namespace("http://www.w3.org/ns/shacl#")
    g = _graph(path)
    out = {}
    for shape in sorted(set(g.subjects(SH.property, None)), key=str):
        targets = list(g.objects(shape, SH.targetClass)) or [shape]
        cls = _local(str(targets[0]), base)
        for ps in g.objects(shape, SH.property):
            path_ = g.value(ps, SH.path)
            if path_ is None:
                continue
            prop = _local(str(path_), base)
            ins = g.value(ps, SH["in"])
            values = sorted(_local(str(v), base) if not hasattr(v, "language") else str(v)
                            for v in Collection(g, ins)) if ins is not None else None
            mn, mx = g.value(ps, SH.minCount), g.value(ps, SH.maxCount)
            vtype = g.value(ps, SH.datatype) or g.value(ps, SH["class"]) or g.value(ps, SH.node)
            constraints = {}
            for k in SHACL_CONSTRAINTS:
                v = g.value(ps, SH[k])
                if v is not None:
                    constraints[k] = v.toPython() if hasattr(v, "toPython") else str(v)
                    if not isinstance(constraints[k], (int, float, str, bool)):
                        constraints[k] = str(v)
            out[(cls, prop)] = {"min": int(mn) if mn is not None else 0, "max": int(mx) if mx is not None else None,
                                "in": values, "type": _local(str(vtype), base) if vtype is not None else "",
                                "constraints": constraints}
        closed = g.value(shape, SH.closed)
        out[(cls, "")] = {"closed": bool(closed.toPython()) if closed is not None else False}
    return out


def read_mappings(folder: Path) -> dict:
    import csv

    out = {}
    cdir = folder / "crosswalks"
    if not cdir.is_dir():
        return {}
    for f in sorted(cdir.glob("*.sssom.tsv")):
        scheme = f.name[: -len(".sssom.tsv")]
        lines = [ln for ln in f.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
        for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            key = (scheme, r.get("subject_id") or "", r.get("object_id") or "")
            pred = (r.get("predicate_id") or "") + (" Not" if (r.get("predicate_modifier") or "") == "Not" else "")
            out.setdefault(key, set()).add(pred)
    return out


# ---------------------------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------------------------
def _change(changes, kind, subject, detail, breaking, source):
    changes.append({"kind": kind, "subject": subject, "detail": detail, "breaking": bool(breaking), "source": source})


def compare(old: Path | None, new: Path, project) -> list[dict]:
    base = project.base_iri
    changes: list[dict] = []
    nt = read_terms(new, base)
    if old is None:
        for n in sorted(nt):
            _change(changes, "term-added", n, f"{nt[n]['kind']}", False, "vocabulary.ttl")
        return changes
    ot = read_terms(old, base)

    # ---- terms: removed / added / renamed ----
    removed = sorted(set(ot) - set(nt))
    added = sorted(set(nt) - set(ot))
    renamed: dict[str, str] = {}
    for key in ("definition", "label"):
        for r in removed:
            if r in renamed:
                continue
            cands = [a for a in added if a not in renamed.values() and nt[a]["kind"] == ot[r]["kind"]
                     and ot[r][key] and nt[a][key] == ot[r][key]
                     and (key == "definition" or nt[a]["range"] == ot[r]["range"])]
            if len(cands) == 1:
                renamed[r] = cands[0]
    for r in removed:
        if r in renamed:
            _change(changes, "term-renamed", r, f"{ot[r]['kind']} {r} -> {renamed[r]}", True, "vocabulary.ttl")
        else:
            _change(changes, "term-removed", r, ot[r]["kind"], True, "vocabulary.ttl")
    for a in added:
        if a not in renamed.values():
            _change(changes, "term-added", a, nt[a]["kind"], False, "vocabulary.ttl")
    for n in sorted(set(ot) & set(nt)):
        o, w = ot[n], nt[n]
        if o["kind"] != w["kind"]:
            _change(changes, "term-kind-changed", n, f"{o['kind']} -> {w['kind']}", True, "vocabulary.ttl")
        if o["range"] != w["range"]:
            _change(changes, "range-changed", n, f"{', '.join(o['range']) or '-'} -> {', '.join(w['range']) or '-'}",
                    True, "vocabulary.ttl")
        if o["definition"] != w["definition"]:
            _change(changes, "definition-changed", n, "definition edited", False, "vocabulary.ttl")

    # ---- context ----
    oc, nc = read_context(old), read_context(new)
    for k in sorted(set(oc) - set(nc)):
        _change(changes, "context-entry-removed", k, json.dumps(oc[k], sort_keys=True), True, "context.jsonld")
    for k in sorted(set(nc) - set(oc)):
        _change(changes, "context-entry-added", k, json.dumps(nc[k], sort_keys=True), False, "context.jsonld")
    for k in sorted(set(oc) & set(nc)):
        if oc[k] != nc[k]:
            _change(changes, "context-entry-changed", k,
                    f"{json.dumps(oc[k], sort_keys=True)} -> {json.dumps(nc[k], sort_keys=True)}", True, "context.jsonld")

    # ---- JSON Schemas ----
    os_, ns_ = read_schemas(old), read_schemas(new)
    seen: set[tuple[str, str, str]] = set()
    oe, ne = os_.pop("__enums__", {}), ns_.pop("__enums__", {})
    enum_moves = {(tuple(oe[e]), tuple(ne[e])) for e in set(oe) & set(ne) if oe[e] != ne[e]}
    for d in sorted(set(os_) & set(ns_)):
        op, np_ = os_[d], ns_[d]
        for p in sorted(set(op) - set(np_)):
            _change(changes, "property-removed", f"{d}.{p}", "required" if op[p]["required"] else "optional", True, "schemas")
            seen.update({(d, p, "required"), (d, p, "removed"), (d, p, "max"), (d, p, "in"), (d, p, "type")})
        for p in sorted(set(np_) - set(op)):
            req = np_[p]["required"]
            _change(changes, "property-added", f"{d}.{p}", "required" if req else "optional", req, "schemas")
            seen.update({(d, p, "required"), (d, p, "added"), (d, p, "in"), (d, p, "type"), (d, p, "max")})
        for p in sorted(set(op) & set(np_)):
            a, b = op[p], np_[p]
            if a["required"] != b["required"]:
                _change(changes, "cardinality-changed", f"{d}.{p}",
                        "optional -> required" if b["required"] else "required -> optional", b["required"], "schemas")
                seen.add((d, p, "required"))
            if a["multivalued"] != b["multivalued"]:
                _change(changes, "cardinality-changed", f"{d}.{p}",
                        "single -> multivalued" if b["multivalued"] else "multivalued -> single", True, "schemas")
                seen.add((d, p, "max"))
            if a["type"] != b["type"]:
                _change(changes, "range-changed", f"{d}.{p}", f"{a['type'] or '-'} -> {b['type'] or '-'}", True, "schemas")
                seen.add((d, p, "type"))
            if a["enum"] is not None and b["enum"] is not None and a["enum"] != b["enum"]:
                seen.add((d, p, "in"))
                if (tuple(a["enum"]), tuple(b["enum"])) in enum_moves:
                    continue  # reported once, on the enumeration itself
                _enum_changes(changes, f"{d}.{p}", a["enum"], b["enum"], "schemas")
                seen.add((d, p, "in"))
    for e in sorted(set(oe) & set(ne)):
        if oe[e] != ne[e]:
            _enum_changes(changes, e, oe[e], ne[e], "schemas")
    for d in sorted(set(os_) - set(ns_)):
        if d not in {c["subject"] for c in changes}:
            _change(changes, "schema-definition-removed", d, "", True, "schemas")
    # constraints (patterns, bounds, formats, contains, closedness) where the schema node is in both
    (oc_, onodes), (nc_, nnodes) = read_schema_constraints(old, base), read_schema_constraints(new, base)
    constrained: set[tuple[str, str]] = set()
    for key in sorted(set(oc_) | set(nc_)):
        subject, keyword, at = key
        if at not in onodes or at not in nnodes:
            continue  # a schema object only one version has (a new or removed property): reported above
        verdict = classify_constraint(keyword, oc_.get(key), nc_.get(key))
        if verdict is None:
            continue
        kind, breaking = verdict
        constrained.add((subject, keyword))
        _change(changes, kind, subject, f"{keyword} {_shown(oc_.get(key))} -> {_shown(nc_.get(key))}", breaking, "schemas")

    # ---- SHACL shapes (only what the JSON Schemas did not already report) ----
    osh, nsh = read_shapes(old, base), read_shapes(new, base)
    for key in sorted(set(osh) | set(nsh)):
        cls, prop = key
        a, b = osh.get(key), nsh.get(key)
        subj = f"{cls}.{prop}"
        if not prop:  # the node shape itself: closedness
            if a and b and a["closed"] != b["closed"] and (cls, "additionalProperties") not in constrained:
                kind, breaking = ("constraint-narrowed", True) if b["closed"] else ("constraint-widened", False)
                _change(changes, kind, cls, f"sh:closed {str(a['closed']).lower()} -> {str(b['closed']).lower()}", breaking, "shapes.ttl")
            continue
        if a and not b:
            if (cls, prop, "removed") not in seen and cls in {k[0] for k in nsh}:
                _change(changes, "property-removed", subj, "from shape", True, "shapes.ttl")
            continue
        if b and not a:
            if (cls, prop, "added") not in seen and cls in {k[0] for k in osh} and b["min"] > 0:
                _change(changes, "property-added", subj, f"required (minCount {b['min']})", True, "shapes.ttl")
            continue
        if a["min"] != b["min"] and (cls, prop, "required") not in seen:
            _change(changes, "cardinality-changed", subj, f"minCount {a['min']} -> {b['min']}", b["min"] > a["min"], "shapes.ttl")
        if a["max"] != b["max"] and (cls, prop, "max") not in seen:
            narrower = b["max"] is not None and (a["max"] is None or b["max"] < a["max"])
            _change(changes, "cardinality-changed", subj, f"maxCount {a['max'] or '*'} -> {b['max'] or '*'}", narrower, "shapes.ttl")
        if a["type"] != b["type"] and (cls, prop, "type") not in seen:
            _change(changes, "range-changed", subj, f"{a['type'] or '-'} -> {b['type'] or '-'}", True, "shapes.ttl")
        for k in sorted(set(a["constraints"]) | set(b["constraints"])):
            keyword = SHACL_CONSTRAINTS[k]
            if (subj, keyword) in constrained:
                continue  # the JSON Schema change of the same property, reported above
            verdict = classify_constraint(keyword, a["constraints"].get(k), b["constraints"].get(k))
            if verdict is not None:
                _change(changes, verdict[0], subj, f"sh:{k} {_shown(a['constraints'].get(k))} -> {_shown(b['constraints'].get(k))}",
                        verdict[1], "shapes.ttl")
        if a["in"] != b["in"] and (cls, prop, "in") not in seen and a["in"] is not None and b["in"] is not None:
            if (tuple(sorted(a["in"])), tuple(sorted(b["in"]))) in enum_moves:
                continue  # already reported once, on the enumeration itself
            _enum_changes(changes, subj, a["in"], b["in"], "shapes.ttl")

    # ---- mappings ----
    om, nm = read_mappings(old), read_mappings(new)
    for key in sorted(set(om) | set(nm)):
        scheme, s, o = key
        a, b = om.get(key, set()), nm.get(key, set())
        subj = f"{s} -> {o}"
        if a and not b:
            _change(changes, "mapping-removed", subj, f"{scheme}: {', '.join(sorted(a))}",
                    bool(a & RECOGNISING), f"crosswalks/{scheme}.sssom.tsv")
        elif b and not a:
            _change(changes, "mapping-added", subj, f"{scheme}: {', '.join(sorted(b))}", False, f"crosswalks/{scheme}.sssom.tsv")
        elif a != b:
            lost = (a & RECOGNISING) - b
            _change(changes, "mapping-repredicated", subj, f"{scheme}: {', '.join(sorted(a))} -> {', '.join(sorted(b))}",
                    bool(lost), f"crosswalks/{scheme}.sssom.tsv")
    return changes


def _enum_changes(changes, subject, old: list, new: list, source):
    gone, came = sorted(set(old) - set(new)), sorted(set(new) - set(old))
    if gone:
        _change(changes, "enum-narrowed", subject, "removed " + ", ".join(gone), True, source)
    if came:
        _change(changes, "enum-widened", subject, "added " + ", ".join(came), False, source)


def summarise(changes: list[dict]) -> dict:
    return {"breaking": sum(c["breaking"] for c in changes),
            "compatible": sum(not c["breaking"] for c in changes),
            "additions": sum(1 for c in changes if not c["breaking"] and c["kind"].endswith(("-added", "-widened")))}


def render_text(old: str, new: str, changes: list[dict]) -> str:
    s = summarise(changes)
    lines = [f"{old} -> {new}: {len(changes)} change(s), {s['breaking']} breaking"]
    for c in changes:
        tag = "BREAKING  " if c["breaking"] else "compatible"
        lines.append(f"  {tag} {c['kind']:<24} {c['subject']}  {c['detail']}".rstrip())
    return "\n".join(lines) + "\n"


def run(args, project) -> int:
    out = Path(args.out) if args.out else None
    old = resolve_version(project, args.old, out)
    new = resolve_version(project, args.new, out)
    changes = compare(old, new, project)
    if args.format == "json":
        print(json.dumps({"format": FORMAT_VERSION, "old": args.old, "new": args.new, "summary": summarise(changes), "changes": changes},
                         indent=2, ensure_ascii=False))
    else:
        print(render_text(args.old, args.new, changes), end="")
    breaking = summarise(changes)["breaking"]
    if breaking and getattr(args, "fail_on_breaking", False):
        print(f"crm-vocab diff: {breaking} breaking change(s) from {args.old} to {args.new}", file=sys.stderr)
        return 1
    return 0
