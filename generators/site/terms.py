"""Page data for the vocabulary's terms: one page per class, slot, enumeration and enumeration
value of the LinkML model, a page for any other term file, and the vocabulary index
(templates ``term_*.html`` and ``terms.html``)."""
from __future__ import annotations

import json
import os
import posixpath
from pathlib import Path
from types import SimpleNamespace

from ..errors import BuildError
from .render import GenPage, Templates

# top-level output folders that hold no vocabulary terms
SKIP_TOP = {"criteria", "standards", "schemes", "crosswalks", "latest", "assets", "search", "stylesheets", "changelog"}


class ModelInfo:
    """What the pages need from the LinkML model, computed once. ``view``: a SchemaView of the
    model to use (the build's, see :func:`model_view`) instead of reading the model file."""

    def __init__(self, project, term_files: set[str], view=None):
        self.project = project
        self.sv = None
        self.terms: dict[str, dict] = {}   # output name (no extension) -> info
        self.files = term_files                 # names with RDF files (terms minted under the base IRI)
        self.external: dict[str, dict] = {}  # UNTP term name -> {"uri", "kind", "crm_slots"}
        if view is None and not project.model_file.is_file():
            return
        from linkml_runtime.utils.schemaview import SchemaView

        try:
            self.sv = view if view is not None else SchemaView(str(project.model_file))
            self.schema = self.sv.schema
            self._collect(term_files)
        except BuildError:
            raise
        except Exception as exc:  # LinkML raises many kinds on a broken model
            raise BuildError(f"cannot read the model: {exc}", where=str(project.model_file),
                             hint="run crm-vocab validate / linkml-lint on the model") from None

    def _curies(self, elem) -> list[tuple[str, str]]:
        out = []
        for kind in ("exact", "close", "broad", "narrow", "related"):
            for c in getattr(elem, f"{kind}_mappings", None) or []:
                out.append((f"skos:{kind}Match", str(c)))
        for c in getattr(elem, "mappings", None) or []:
            out.append(("mapping", str(c)))
        return out

    def expand(self, curie: str) -> str:
        try:
            return self.sv.expand_curie(curie) or curie
        except Exception:
            return curie

    def _collect(self, term_files: set[str]) -> None:
        sv = self.sv
        classes = dict(sv.all_classes(imports=False))
        slots = dict(sv.all_slots(imports=False))
        enums = dict(sv.all_enums(imports=False))
        slot_users: dict[str, list[str]] = {}
        induced: dict[str, list] = {}
        for cn in sorted(classes):
            induced[cn] = [s for s in sv.class_induced_slots(cn)]
            for s in induced[cn]:
                slot_users.setdefault(s.name, []).append(cn)
        range_users: dict[str, list[tuple[str, str]]] = {}
        for cn in sorted(classes):
            for s in induced[cn]:
                if s.range:
                    range_users.setdefault(str(s.range), []).append((cn, s.name))
        base = self.project.base_iri
        # UNTP's (and W3C's) classes and slots the profile places CRM terms on are not CRM terms:
        # no page of their own, links go to their IRI (issue: no CRM copy of a UNTP term)
        for cn, c in sorted(classes.items()):
            uri = self.expand(sv.get_uri(c, expand=False))
            if not uri.startswith(base):
                self.external[cn] = {"uri": uri, "kind": "class", "crm_slots": [
                    s.name for s in induced[cn]
                    if s.name not in ("id", "type") and self.expand(sv.get_uri(s, expand=False)).startswith(base)]}
        for sn, sl in sorted(slots.items()):
            uri = self.expand(sv.get_uri(sl, expand=False))
            if not uri.startswith(base) and sn not in ("id", "type"):
                self.external[sn] = {"uri": uri, "kind": "slot", "crm_slots": []}
        classes = {k: v for k, v in classes.items() if k not in self.external}
        slots = {k: v for k, v in slots.items() if k not in self.external and k not in ("id", "type")}
        for cn, c in sorted(classes.items()):
            self.terms[cn] = {
                "kind": "class", "name": cn, "elem": c, "slots": induced[cn],
                "parents": [c.is_a] if c.is_a else [], "mixins": list(c.mixins or []),
                "children": sorted(sv.class_children(cn, mixins=True, imports=False)),
                "used_by": sorted(set(range_users.get(cn, []))),
                "uri": self.expand(sv.get_uri(c, expand=False)), "mappings": self._curies(c),
            }
        for sn, s in sorted(slots.items()):
            self.terms.setdefault(sn, {
                "kind": "slot", "name": sn, "elem": s, "domain_of": sorted(set(slot_users.get(sn, []))),
                "uri": self.expand(sv.get_uri(s, expand=False)), "mappings": self._curies(s),
            })
        for en, e in sorted(enums.items()):
            values = []
            for vname, pv in sorted((e.permissible_values or {}).items()):
                candidates = []
                if pv.meaning:
                    iri = self.expand(str(pv.meaning))
                    if iri.startswith(base):
                        candidates.append(iri[len(base):])
                candidates += [f"{en}/{vname}", f"{en}.{vname}", f"{en}-{vname}", f"{en}_{vname}",
                               f"{en}{vname[:1].upper()}{vname[1:]}", vname]
                page = next((c for c in candidates if c in term_files), None)
                if page is None:
                    page = f"{en}/{vname}" if not term_files else None
                values.append((vname, pv, page))
            self.terms.setdefault(en, {
                "kind": "enum", "name": en, "elem": e, "values": values,
                "used_by": sorted(set(range_users.get(en, []))),
                "uri": self.expand(sv.get_uri(e, expand=False)) if hasattr(e, "enum_uri") else self.project.term_iri(en),
                "mappings": self._curies(e),
            })
            for vname, pv, page in values:
                if page and page not in self.terms:
                    self.terms[page] = {"kind": "enum value", "name": vname, "enum": en, "elem": pv,
                                        "uri": self.project.term_iri(page),
                                        "meaning": self.expand(str(pv.meaning)) if pv.meaning else "",
                                        "mappings": self._curies(pv)}

    def iri(self, name: str, info: dict) -> tuple[str, bool]:
        """(the term's IRI, minted here): a term minted under the base IRI has its RDF files
        beside its page; a term the model places at another vocabulary's IRI (UNTP's) has
        neither, and its page describes its use in this profile."""
        if name in self.files or "uri" not in info:
            return self.project.term_iri(name), True
        return info["uri"], False

    def mappings(self, info: dict) -> list[tuple[str, str, str]]:
        """(predicate, target IRI, CURIE) of a term's mappings, for ``mappings_table``."""
        return [(pred, self.expand(curie), curie) for pred, curie in info["mappings"]]


def model_view(ctx):
    """The model step's SchemaView of the model (rebased on the configured base IRI), shared
    through ``ctx.cached("model")``: read once per build when both steps run in this process.
    None when there is no model file (the site then has no term pages)."""
    if not ctx.project.model_file.is_file():
        return None
    from ..model_artifacts import load_model

    return ctx.cached("model", lambda: load_model(ctx.project)).view


def term_files(out: Path, version_dirs: set[str]) -> set[str]:
    """Names X (relative, no extension) of term files X.jsonld outside versioned folders (which
    are not even listed: the LinkML generators may still be writing there)."""
    names = set()
    for dirpath, dirnames, filenames in os.walk(out):
        rel = os.path.relpath(dirpath, out)
        if rel == ".":
            dirnames[:] = [d for d in dirnames if d not in version_dirs and d not in SKIP_TOP]
            prefix = ""
        else:
            prefix = rel.replace(os.sep, "/") + "/"
        names.update(prefix + fn[: -len(".jsonld")] for fn in filenames if fn.endswith(".jsonld"))
    return names


# ---- examples ---------------------------------------------------------------------------------
def _example_value(model: ModelInfo, slot, depth: int = 0):
    rng = str(slot.range or "string")
    info = model.terms.get(rng)
    if info and info["kind"] == "enum":
        v = info["values"][0][0] if info["values"] else "value"
    elif info and info["kind"] == "class":
        v = {"type": [rng]} if depth == 0 else f"https://example.org/{rng.lower()}/1"
        if depth == 0:
            ident = next((s for s in info["slots"] if s.identifier), None)
            if ident is not None:
                v["id"] = f"https://example.org/{rng.lower()}/1"
            for s in info["slots"]:
                if s.required and not s.identifier:
                    v[s.name] = _example_value(model, s, depth + 1)
    elif rng in ("integer",):
        v = 1
    elif rng in ("float", "double", "decimal"):
        v = 1.5
    elif rng in ("boolean",):
        v = True
    elif rng in ("date",):
        v = "2025-01-31"
    elif rng in ("datetime",):
        v = "2025-01-31T12:00:00Z"
    elif rng in ("uri", "uriorcurie", "curie"):
        v = "https://example.org/id/1"
    else:
        v = f"example {slot.name}"
    return [v] if slot.multivalued and depth == 0 else v


def _card(slot) -> str:
    lo = "1" if slot.required else "0"
    hi = "*" if slot.multivalued else "1"
    return f"{lo}..{hi}"


def _json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


# ---- the pages --------------------------------------------------------------------------------
def class_page(ctx, t: Templates, model: ModelInfo, name: str, info: dict) -> GenPage:
    c = info["elem"]
    slots = info["slots"]
    example = {"@context": [ctx.project.context_url(ctx.version)], "type": [name]}
    for s in slots:
        if s.identifier:
            example["id"] = "https://example.org/id/1"
        elif s.required or len(example) < 6:
            example[s.name] = _example_value(model, s)
    iri, minted = model.iri(name, info)
    return t.page(
        "term_class.html", f"{name}.html", name, terms=model.terms, external=model.external, name=name, minted=minted,
        description=str(c.description or ""), iri=iri, uri=info["uri"],
        abstract=bool(c.abstract), parents=info["parents"] + info["mixins"], children=info["children"],
        slots=[SimpleNamespace(name=s.name, range=str(s.range or "string"), card=_card(s),
                               description=str(s.description or "")) for s in slots],
        mappings=model.mappings(info), used_by=info["used_by"], example=_json(example))


def slot_page(ctx, t: Templates, model: ModelInfo, name: str, info: dict) -> GenPage:
    s = info["elem"]
    example = {"@context": [ctx.project.context_url(ctx.version)], name: _example_value(model, s)}
    iri, minted = model.iri(name, info)
    return t.page(
        "term_slot.html", f"{name}.html", name, terms=model.terms, external=model.external, name=name, minted=minted,
        description=str(s.description or ""), iri=iri, uri=info["uri"],
        range=str(s.range or model.schema.default_range or "string"), required=bool(s.required),
        multivalued=bool(s.multivalued), domain_of=info["domain_of"], mappings=model.mappings(info),
        example=_json(example))


def enum_page(ctx, t: Templates, model: ModelInfo, name: str, info: dict) -> GenPage:
    e = info["elem"]
    values = [SimpleNamespace(name=vname, page=vpage, description=str(pv.description or ""),
                              meaning=str(pv.meaning or "")) for vname, pv, vpage in info["values"]]
    iri, minted = model.iri(name, info)
    return t.page(
        "term_enum.html", f"{name}.html", name, terms=model.terms, external=model.external, name=name, minted=minted,
        description=str(e.description or ""), iri=iri, values=values,
        used_by=info["used_by"], mappings=model.mappings(info))


def value_page(ctx, t: Templates, model: ModelInfo, name: str, info: dict) -> GenPage:
    pv = info["elem"]
    iri, minted = model.iri(name, info)
    return t.page(
        "term_value.html", f"{name}.html", f"{info['enum']} {info['name']}", terms=model.terms, external=model.external, name=name,
        minted=minted, value=info["name"], description=str(pv.description or ""), iri=iri,
        enum=info["enum"], meaning=info["meaning"], json_value=json.dumps(info["name"], ensure_ascii=False),
        mappings=model.mappings(info))


def generic_page(ctx, t: Templates, name: str) -> GenPage:
    """A page for a ``X.jsonld`` the model does not explain: label and definition from the RDF."""
    iri = ctx.project.term_iri(name)
    label = comment = ""
    types: list[str] = []
    try:
        import rdflib
        from rdflib.namespace import RDF, RDFS, SKOS

        g = rdflib.Graph()
        g.parse(ctx.out / f"{name}.ttl" if (ctx.out / f"{name}.ttl").is_file() else ctx.out / f"{name}.jsonld")
        s = rdflib.URIRef(iri)
        label = str(g.value(s, RDFS.label) or g.value(s, SKOS.prefLabel) or "")
        comment = str(g.value(s, SKOS.definition) or g.value(s, RDFS.comment) or "")
        types = sorted(str(t) for t in g.objects(s, RDF.type))
    except Exception:  # the page is a convenience; the RDF files remain the source
        pass
    short = posixpath.basename(name)
    return t.page("term_generic.html", f"{name}.html", short, name=name, short=short, iri=iri,
                  label=label, comment=comment, types=types)


KINDS = (("class", "Classes"), ("slot", "Properties"), ("enum", "Enumerations"), ("enum value", "Enumeration values"))


def term_index(ctx, t: Templates, model: ModelInfo, extra: list[str]) -> GenPage:
    sections = []
    for kind, title in KINDS:
        rows = []
        for n, info in sorted(model.terms.items()):
            if info["kind"] != kind:
                continue
            label = f'{info["enum"]}: {info["name"]}' if kind == "enum value" else n
            rows.append(SimpleNamespace(name=n, label=label, description=str(info["elem"].description or "")))
        sections.append(SimpleNamespace(id=kind.replace(" ", "-"), title=title, rows=rows))
    untp = [SimpleNamespace(name=n, uri=x["uri"], kind=x["kind"], crm_slots=x["crm_slots"])
            for n, x in sorted(model.external.items(), key=lambda kv: (kv[1]["kind"], kv[0]))]
    return t.page("terms.html", "terms.html", "Vocabulary", base_iri=ctx.project.base_iri, sections=sections,
                  extra=sorted(extra), untp=untp)


PAGE_OF_KIND = {"class": class_page, "slot": slot_page, "enum": enum_page, "enum value": value_page}


def add_pages(ctx, t: Templates, add, model: ModelInfo, files: set[str]) -> list[str]:
    """Add every term's page (``add(docs path, page)``); the term files the model does not
    explain get a generic page. Returns those files' names."""
    for name, info in sorted(model.terms.items()):
        add(f"{name}.md", PAGE_OF_KIND[info["kind"]](ctx, t, model, name, info))
    extra = sorted(n for n in files if n not in model.terms)
    for name in extra:
        add(f"{name}.md", generic_page(ctx, t, name))
    return extra
