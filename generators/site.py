"""Build step 4: the published site (mkdocs-material), downloads, changelogs and server rules.

The step is split in two (``build(ctx)`` runs both):

- :func:`pages` (alias ``start``, the name ``untp_crm_vocab.build`` runs split steps by) makes one
  page per term, criterion, scheme and requirement in memory and runs mkdocs in-process with
  ``use_directory_urls: false``, the hand-written pages of ``site/docs/`` and the generated ones
  added by a plugin (:func:`_generated_pages_plugin`), writing straight into ``ctx.out`` beside
  the earlier steps' files, which it never replaces. It reads none of the LinkML generators'
  files (``<v>/context.jsonld``, ``<v>/schemas/``, ``<v>/shapes.ttl``), which may still be
  being written, and leaves the pages that need them pending. With two cores a forked worker
  renders part of the pages.
- :func:`finish` runs once every artifact exists: ``<v>.zip``, the downloads tables and (after
  a release) the working changelog, put into the written pages and the search index.

See DEVELOPING.md, "URL space". Everything that comes from the model or the mapping files is
untrusted text: generated pages are raw HTML built with :func:`html.escape` (never markdown
interpolation), and page titles are reduced to identifier characters because the theme puts
them into ``<title>`` unescaped.
"""
from __future__ import annotations

import hashlib
import html
import io
import json
import os
import posixpath
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import NamedTuple

from .errors import BuildError
from .untp import UNTP_070_CONTEXT

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
DEFAULT_EPOCH = "315532800"  # 1980-01-01, used when neither SOURCE_DATE_EPOCH nor git gives a date
NEGOTIATED = (("html", "text/html"), ("jsonld", "application/ld+json"), ("ttl", "text/turtle"))
SKIP_TOP = {"criteria", "standards", "schemes", "crosswalks", "latest", "assets", "search", "stylesheets", "changelog"}

esc = html.escape


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------
def _title(text: str) -> str:
    """A page title safe for the theme's unescaped ``<title>``: identifier characters only."""
    return re.sub(r"[^\w .:/()+,-]", "", str(text))[:120].strip() or "page"


def _href(from_page: str, to_path: str) -> str:
    """Relative link from the page at ``from_page`` (an output path) to ``to_path``."""
    start = posixpath.dirname(from_page) or "."
    rel = posixpath.relpath(to_path, start)
    from urllib.parse import quote

    return esc(quote(rel, safe="/._-~#"))


def _a(from_page: str, to_path: str, text: str) -> str:
    return f'<a href="{_href(from_page, to_path)}">{esc(str(text))}</a>'


def _formats(from_page: str, x: str) -> str:
    """Links to the RDF representations of the IRI ``x`` (an output path without extension)."""
    return " &middot; ".join(
        f'<a rel="alternate" type="{t}" href="{_href(from_page, f"{x}.{e}")}">{label}</a>'
        for e, t, label in (("jsonld", "application/ld+json", "JSON-LD"), ("ttl", "text/turtle", "Turtle")))


def _ext_link(url, text=None) -> str:
    """An external link only for http(s) URLs; anything else is shown as text."""
    url = str(url or "")
    label = esc(str(text if text is not None else url))
    if re.match(r"^https?://[^\s<>\"']+\Z", url):
        return f'<a href="{esc(url)}" rel="noopener">{label}</a>'
    return label


class GenPage(NamedTuple):
    """A generated page: its title (identifier characters only) and its HTML content."""
    title: str
    html: str


def _page(title: str, body: str, *, alternate: str | None = None) -> GenPage:  # noqa: ARG001
    """A generated page: one ``<div class="crm-page">`` block (no blank lines inside), given to
    mkdocs as HTML that bypasses markdown (see :func:`run_mkdocs`)."""
    body = "\n".join(line for line in body.splitlines() if line.strip())
    return GenPage(_title(title), f'<div class="crm-page">\n{body}\n</div>')


def _table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    """``rows`` cells are already HTML."""
    if not rows:
        return "<p><em>none</em></p>"
    h = "".join(f"<th>{esc(c)}</th>" for c in head)
    b = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="crm-table {cls}"><thead><tr>{h}</tr></thead><tbody>{b}</tbody></table>'


def _dl(items: list[tuple[str, str]]) -> str:
    """Definition list; values are HTML."""
    return '<dl class="crm-dl">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items if v) + "</dl>"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _human(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _yaml_load(text: str):
    """``yaml.safe_load`` with libyaml's parser when PyYAML has it (same results, ~10x faster),
    bounded against alias bombs (limits.yaml_load raises a yaml.YAMLError)."""
    from .limits import yaml_load

    return yaml_load(text)


def _two_cores() -> bool:
    """Whether a step may fork a worker (two usable cores, CRM_VOCAB_JOBS not 1): the build's rule."""
    from .build import parallel_ok

    return parallel_ok()


def _fast_tmp() -> str | None:
    """/dev/shm (tmpfs) for scratch files when it is usable, else the normal temporary folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def semver_key(v: str):
    m = re.match(r"^v?([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([0-9A-Za-z.-]+))?\Z", v)
    if not m:
        return (1 << 30, 0, 0, 0, v)
    return (int(m[1]), int(m[2]), int(m[3]), 0 if m[4] else 1, m[4] or "")


def _source_date_epoch(project) -> str:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return os.environ["SOURCE_DATE_EPOCH"]
    import subprocess

    try:
        r = subprocess.run(["git", "-C", str(project.root), "log", "-1", "--format=%ct"],
                           capture_output=True, text=True, timeout=10)
        if r.returncode == 0 and r.stdout.strip().isdigit():
            return r.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return DEFAULT_EPOCH


def deterministic_zip(folder: Path, arcroot: str) -> bytes:
    """Zip every file under ``folder`` (sorted, fixed timestamps and modes) as ``arcroot/...``."""
    buf = io.BytesIO()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(files, key=lambda p: p.relative_to(folder).as_posix()):
            info = zipfile.ZipInfo(f"{arcroot}/{p.relative_to(folder).as_posix()}", date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            zf.writestr(info, p.read_bytes(), compresslevel=9)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# releases
# ---------------------------------------------------------------------------------------------
def read_release_index(project) -> dict:
    """``site/releases/index.yaml``: {latest: str|None, releases: [{version, ...}]}."""
    import yaml

    path = project.releases_dir / "index.yaml"
    data: dict = {}
    if path.is_file():
        try:
            data = _yaml_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise BuildError(f"cannot read the release index: {exc}", where=str(path),
                             hint="restore site/releases/index.yaml from git") from None
        if not isinstance(data, dict):
            raise BuildError("the release index is not a mapping", where=str(path))
    releases = [r for r in data.get("releases") or [] if isinstance(r, dict) and r.get("version")]
    known = {str(r["version"]) for r in releases}
    # folders that exist but are not in the index still count (the index is a record, not the truth)
    if project.releases_dir.is_dir():
        for d in sorted(project.releases_dir.iterdir()):
            if d.is_dir() and not d.name.startswith(".") and d.name != "latest" and d.name not in known:
                releases.append({"version": d.name})
    releases.sort(key=lambda r: semver_key(str(r["version"])))
    latest = data.get("latest") or (str(releases[-1]["version"]) if releases else None)
    return {"latest": str(latest) if latest else None, "releases": releases}


def release_versions(project) -> list[str]:
    return [str(r["version"]) for r in read_release_index(project)["releases"]]


# ---------------------------------------------------------------------------------------------
# mapping files (read directly from the file contract in DEVELOPING.md)
# ---------------------------------------------------------------------------------------------
def load_mappings(project) -> dict:
    import csv

    import yaml

    def load_yaml(path: Path):
        try:
            return _yaml_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise BuildError(f"cannot read {path.name}: {exc}", where=str(path),
                             hint="run crm-vocab check to locate the problem") from None

    out = {"scheme": {}, "criteria": [], "standards": {}, "crosswalks": {}, "prefix_to_scheme": {}}
    if project.criteria_file.is_file():
        d = load_yaml(project.criteria_file)
        if isinstance(d, dict):
            out["scheme"] = d.get("scheme") or {}
            out["criteria"] = [c for c in d.get("criteria") or [] if isinstance(c, dict) and c.get("id")]
            for c in out["criteria"]:
                c["id"] = str(c["id"])
    if project.catalogues_dir.is_dir():
        for f in sorted(project.catalogues_dir.glob("*.yaml")):
            d = load_yaml(f)
            if not isinstance(d, dict):
                continue
            scheme = str(d.get("scheme") or f.stem)
            d["scheme"] = scheme
            d["version_slug"] = str(d.get("version_slug") or "current")
            reqs = [r for r in d.get("requirements") or [] if isinstance(r, dict) and r.get("id") is not None]
            for r in reqs:
                r["id"] = str(r["id"])
                if r.get("parent") is not None:
                    r["parent"] = str(r["parent"])
            d["requirements"] = reqs
            out["standards"][scheme] = d
            if d.get("prefix"):
                out["prefix_to_scheme"][str(d["prefix"])] = scheme
    if project.crosswalks_dir.is_dir():
        for f in sorted(project.crosswalks_dir.glob("*.sssom.tsv")):
            scheme = f.name[: -len(".sssom.tsv")]
            try:
                lines = [ln for ln in f.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
            except (OSError, UnicodeDecodeError) as exc:
                raise BuildError(f"cannot read {f.name}: {exc}", where=str(f)) from None
            rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
            out["crosswalks"][scheme] = [{k: (v or "") for k, v in r.items() if k} for r in rows]
    return out


def _split_curie(curie: str) -> tuple[str, str]:
    p, _, local = curie.partition(":")
    return p, local


# ---------------------------------------------------------------------------------------------
# the model (SchemaView on project.model_file)
# ---------------------------------------------------------------------------------------------
class ModelInfo:
    """What the pages need from the LinkML model, computed once. ``view``: a SchemaView of the
    model to use (the build's, see :func:`_model_view`) instead of reading the model file."""

    def __init__(self, project, term_files: set[str], view=None):
        self.project = project
        self.sv = None
        self.terms: dict[str, dict] = {}   # output name (no extension) -> info
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


# ---------------------------------------------------------------------------------------------
# page generation
# ---------------------------------------------------------------------------------------------
class SiteWriter:
    """The generated pages, by docs path (``terms.md``, ``criteria/ENV-02.md``, ...)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.project = ctx.project
        self.out = ctx.out
        self.pages: dict[str, GenPage] = {}

    def add(self, relpath: str, page: GenPage) -> None:
        if relpath in self.pages:
            raise BuildError(f"two generated pages want the same path {relpath!r}",
                             hint="two terms, criteria or requirements map to the same file name")
        self.pages[relpath] = page


def _model_view(ctx):
    """The model step's SchemaView of the model (rebased on the configured base IRI), shared
    through ``ctx.cached("model")``: read once per build when both steps run in this process.
    None when there is no model file (the site then has no term pages)."""
    if not ctx.project.model_file.is_file():
        return None
    from .model_artifacts import load_model

    return ctx.cached("model", lambda: load_model(ctx.project)).view


def _term_files(out: Path, version_dirs: set[str]) -> set[str]:
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


def _mappings_html(model: ModelInfo, page: str, mappings) -> str:
    rows = []
    for pred, curie in mappings:
        iri = model.expand(curie)
        rows.append([esc(pred), _ext_link(iri, curie)])
    return _table(["predicate", "target"], rows)


def _term_link(model: ModelInfo, page: str, name: str) -> str:
    if name in model.terms:
        return _a(page, f"{name}.html", name)
    if name in model.external:
        return _ext_link(model.external[name]["uri"], name) + ' <small class="crm-kind">UNTP</small>'
    return f"<code>{esc(str(name))}</code>"


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


def _json_block(value) -> str:
    """An escaped, indented JSON example for a term page."""
    return f'<pre><code class="language-json">{esc(json.dumps(value, indent=2, ensure_ascii=False))}</code></pre>'


def class_page(ctx, model: ModelInfo, name: str, info: dict) -> str:
    page = f"{name}.html"
    c = info["elem"]
    iri = ctx.project.term_iri(name)
    slots = info["slots"]
    rows = []
    for s in slots:
        rows.append([_term_link(model, page, s.name), _term_link(model, page, str(s.range or "string")),
                     esc(_card(s)), esc(str(s.description or ""))])
    # plain-HTML class diagram: parents above, the class with its attributes, ranges beside
    parents = "".join(f'<div class="crm-box crm-parent">{_term_link(model, page, p)}</div>'
                      for p in info["parents"] + info["mixins"])
    attrs = "".join(f"<li>{esc(s.name)} : {_term_link(model, page, str(s.range or 'string'))} "
                    f"<span class=\"crm-card\">[{esc(_card(s))}]</span></li>" for s in slots)
    children = "".join(f'<div class="crm-box crm-child">{_term_link(model, page, ch)}</div>' for ch in info["children"])
    diagram = ('<div class="crm-diagram" role="figure" aria-label="class diagram">'
               + (f'<div class="crm-row">{parents}</div><div class="crm-arrow">&#9650; is a</div>' if parents else "")
               + f'<div class="crm-box crm-focus"><div class="crm-box-title">{esc(name)}</div><ul>{attrs}</ul></div>'
               + (f'<div class="crm-arrow">&#9650; subclasses</div><div class="crm-row">{children}</div>' if children else "")
               + "</div>")
    example = {"@context": [ctx.project.context_url(ctx.version)], "type": [name]}
    for s in slots:
        if s.identifier:
            example["id"] = "https://example.org/id/1"
        elif s.required or len(example) < 6:
            example[s.name] = _example_value(model, s)
    used = [[_term_link(model, page, cn), _term_link(model, page, sn)] for cn, sn in info["used_by"]]
    body = [
        f'<h1 id="{esc(name)}">{esc(name)} <small class="crm-kind">class</small></h1>',
        f'<p class="crm-def">{esc(str(c.description or "No definition yet."))}</p>',
        _dl([("IRI", f"<code>{esc(iri)}</code>"),
             ("class_uri", f"<code>{esc(info['uri'])}</code>" if info["uri"] != iri else ""),
             ("Abstract", "yes" if c.abstract else ""),
             ("Formats", _formats(page, name))]),
        '<h2 id="diagram">Diagram</h2>', diagram,
        '<h2 id="properties">Properties</h2>', _table(["property", "range", "cardinality", "definition"], rows),
        '<h2 id="alignment">UNTP and schema.org alignment</h2>', _mappings_html(model, page, info["mappings"]),
        '<h2 id="used-by">Used by</h2>', _table(["class", "property"], used),
        '<h2 id="example">Example</h2>',
        _json_block(example),
    ]
    return _page(name, "\n".join(body), alternate=posixpath.basename(name))


def slot_page(ctx, model: ModelInfo, name: str, info: dict) -> str:
    page = f"{name}.html"
    s = info["elem"]
    iri = ctx.project.term_iri(name)
    rng = str(s.range or model.schema.default_range or "string")
    example = {"@context": [ctx.project.context_url(ctx.version)], name: _example_value(model, s)}
    body = [
        f'<h1 id="{esc(name)}">{esc(name)} <small class="crm-kind">property</small></h1>',
        f'<p class="crm-def">{esc(str(s.description or "No definition yet."))}</p>',
        _dl([("IRI", f"<code>{esc(iri)}</code>"),
             ("slot_uri", f"<code>{esc(info['uri'])}</code>" if info["uri"] != iri else ""),
             ("Range", _term_link(model, page, rng)),
             ("Required", "yes" if s.required else "no"),
             ("Multivalued", "yes" if s.multivalued else "no"),
             ("Formats", _formats(page, name))]),
        '<h2 id="used-by">Used by</h2>',
        _table(["class"], [[_term_link(model, page, cn)] for cn in info["domain_of"]]),
        '<h2 id="alignment">UNTP and schema.org alignment</h2>', _mappings_html(model, page, info["mappings"]),
        '<h2 id="example">Example</h2>',
        _json_block(example),
    ]
    return _page(name, "\n".join(body), alternate=posixpath.basename(name))


def enum_page(ctx, model: ModelInfo, name: str, info: dict) -> str:
    page = f"{name}.html"
    e = info["elem"]
    rows = []
    for vname, pv, vpage in info["values"]:
        link = _a(page, f"{vpage}.html", vname) if vpage else f"<code>{esc(vname)}</code>"
        rows.append([link, esc(str(pv.description or "")), esc(str(pv.meaning or ""))])
    body = [
        f'<h1 id="{esc(name)}">{esc(name)} <small class="crm-kind">enumeration</small></h1>',
        f'<p class="crm-def">{esc(str(e.description or "No definition yet."))}</p>',
        _dl([("IRI", f"<code>{esc(ctx.project.term_iri(name))}</code>"),
             ("Formats", _formats(page, name))]),
        '<h2 id="values">Permissible values</h2>', _table(["value", "definition", "meaning"], rows),
        '<h2 id="used-by">Used by</h2>',
        _table(["class", "property"], [[_term_link(model, page, c), _term_link(model, page, s)] for c, s in info["used_by"]]),
        '<h2 id="alignment">Alignment</h2>', _mappings_html(model, page, info["mappings"]),
    ]
    return _page(name, "\n".join(body), alternate=posixpath.basename(name))


def value_page(ctx, model: ModelInfo, name: str, info: dict) -> str:
    page = f"{name}.html"
    pv = info["elem"]
    base = posixpath.basename(name)
    body = [
        f'<h1 id="value">{esc(info["name"])} <small class="crm-kind">enumeration value</small></h1>',
        f'<p class="crm-def">{esc(str(pv.description or "No definition yet."))}</p>',
        _dl([("IRI", f"<code>{esc(ctx.project.term_iri(name))}</code>"),
             ("Enumeration", _term_link(model, page, info["enum"])),
             ("Meaning", _ext_link(info["meaning"]) if info["meaning"] else ""),
             ("JSON value", f'<code>{esc(json.dumps(info["name"], ensure_ascii=False))}</code>'),
             ("Formats", _formats(page, name))]),
        '<h2 id="alignment">Alignment</h2>', _mappings_html(model, page, info["mappings"]),
    ]
    return _page(f"{info['enum']} {info['name']}", "\n".join(body), alternate=base)


def generic_page(ctx, name: str) -> str:
    """A page for a ``X.jsonld`` the model does not explain: label and definition from the RDF."""
    page = f"{name}.html"
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
    body = [
        f'<h1 id="term">{esc(posixpath.basename(name))}</h1>',
        f'<p class="crm-def">{esc(comment or label or "See the RDF descriptions below.")}</p>',
        _dl([("IRI", f"<code>{esc(iri)}</code>"), ("Label", esc(label)),
             ("Types", ", ".join(f"<code>{esc(t)}</code>" for t in types)),
             ("Formats", _formats(page, name))]),
    ]
    return _page(posixpath.basename(name), "\n".join(body), alternate=posixpath.basename(name))


def term_index(ctx, model: ModelInfo, extra: list[str]) -> str:
    page = "terms.html"
    parts = ['<h1 id="vocabulary">Vocabulary</h1>',
             f"<p>Every term has a stable IRI under <code>{esc(ctx.project.base_iri)}</code>; "
             "the IRI serves HTML, JSON-LD or Turtle by content negotiation.</p>"]
    untp_rows = [[_ext_link(x["uri"], n), esc(x["kind"] if x["kind"] == "slot" else "class"),
                  ", ".join(_a(page, f"{c}.html", c) for c in x["crm_slots"])]
                 for n, x in sorted(model.external.items(), key=lambda kv: (kv[1]["kind"], kv[0]))]
    if untp_rows:
        parts += ['<h2 id="untp-terms">UNTP 0.7.0 terms the profile builds on</h2>',
                  "<p>These are UNTP's terms, at UNTP's IRIs (not terms of this vocabulary): the CRM terms are "
                  f"placed on them. See {_a(page, 'untp-extension.html', 'how the CRM profile extends UNTP 0.7.0')}.</p>",
                  _table(["UNTP term", "kind", "CRM properties placed on it"], untp_rows)]
    for kind, title in (("class", "Classes"), ("slot", "Properties"), ("enum", "Enumerations"),
                        ("enum value", "Enumeration values")):
        rows = []
        for n, info in sorted(model.terms.items()):
            if info["kind"] != kind:
                continue
            d = info["elem"].description or ""
            label = f'{info["enum"]}: {info["name"]}' if kind == "enum value" else n
            rows.append([_a(page, f"{n}.html", label), esc(str(d))])
        parts += [f'<h2 id="{kind.replace(" ", "-")}">{esc(title)}</h2>', _table(["term", "definition"], rows)]
    if extra:
        parts += ['<h2 id="other">Other terms</h2>', _table(["term"], [[_a(page, f"{n}.html", n)] for n in sorted(extra)])]
    return _page("Vocabulary", "\n".join(parts))


# ---- criteria and standards ------------------------------------------------------------------
def _resolve(mp: dict, curie: str):
    """('criterion', id) | ('requirement', (scheme, id)) | ('gap', None) | ('other', curie)."""
    if curie == "sssom:NoTermFound":
        return ("gap", None)
    p, local = _split_curie(curie)
    if p == "HC":
        return ("criterion", local)
    if p in mp["prefix_to_scheme"]:
        return ("requirement", (mp["prefix_to_scheme"][p], local))
    return ("other", curie)


def _req_path(mp: dict, scheme: str, rid: str) -> str:
    slug = mp["standards"].get(scheme, {}).get("version_slug", "current")
    return f"standards/{scheme}/{slug}/{rid}"


def _pred(row: dict) -> str:
    p = row.get("predicate_id", "")
    return ("NOT " if row.get("predicate_modifier") == "Not" else "") + p


def criteria_pages(ctx, sw: SiteWriter, mp: dict) -> None:
    crit_ids = {c["id"] for c in mp["criteria"]}
    by_crit: dict[str, list] = {cid: [] for cid in crit_ids}
    for scheme, rows in sorted(mp["crosswalks"].items()):
        for r in rows:
            k, v = _resolve(mp, r.get("object_id", ""))
            if k == "criterion" and v in by_crit:
                by_crit[v].append((scheme, r))
    idx_rows = []
    for c in sorted(mp["criteria"], key=lambda c: c["id"]):
        cid = c["id"]
        page = f"criteria/{cid}.html"
        rows = []
        for scheme, r in sorted(by_crit[cid], key=lambda x: (x[0], x[1].get("subject_id", ""))):
            k, v = _resolve(mp, r.get("subject_id", ""))
            if k == "requirement":
                subj = _a(page, _req_path(mp, *v) + ".html", r["subject_id"])
            elif k == "gap":
                subj = f'<span class="crm-gap">no requirement ({esc(scheme)})</span>'
            else:
                subj = f"<code>{esc(r.get('subject_id', ''))}</code>"
            rows.append([_a(page, f"standards/{scheme}.html", scheme), subj, esc(r.get("subject_label", "")),
                         f"<code>{esc(_pred(r))}</code>", esc(r.get("confidence", "")), esc(r.get("comment", ""))])
        srcs = ", ".join(esc(str(s)) for s in c.get("sources") or [])
        body = [
            f'<h1 id="criterion">{esc(cid)} {esc(str(c.get("label", "")))}</h1>',
            f'<p class="crm-def">{esc(str(c.get("definition", "")))}</p>',
            _dl([("IRI", f"<code>{esc(ctx.project.criterion_iri(cid))}</code>"),
                 ("Conformity topic", f"<code>{esc(str(c.get('conformity_topic', '')))}</code>"),
                 ("Verification", esc(str(c.get("verification", "")))),
                 ("Sources", srcs),
                 ("Formats", _formats(page, f"criteria/{cid}"))]),
            '<h2 id="requirements">Requirements mapped to this criterion</h2>',
            _table(["scheme", "requirement", "title", "predicate", "confidence", "comment"], rows),
        ]
        sw.add(f"criteria/{cid}.md", _page(cid, "\n".join(body), alternate=cid))
        idx_rows.append([_a("criteria/index.html", page, cid), esc(str(c.get("label", ""))),
                         f"<code>{esc(str(c.get('conformity_topic', '')))}</code>", str(len(rows))])
    sch = mp["scheme"] or {}
    body = ['<h1 id="criteria">Harmonised ESG criteria</h1>',
            f'<p>{esc(str(sch.get("title", "")))} {("version " + esc(str(sch["version"]))) if sch.get("version") else ""}</p>',
            _table(["id", "label", "conformity topic", "mappings"], idx_rows)]
    sw.add("criteria/index.md", _page("Criteria", "\n".join(body)))


def standards_pages(ctx, sw: SiteWriter, mp: dict) -> None:
    idx_rows = []
    for scheme, d in sorted(mp["standards"].items()):
        spage = f"standards/{scheme}.html"
        rows_by_req: dict[str, list] = {}
        gaps = []
        for r in mp["crosswalks"].get(scheme, []):
            k, v = _resolve(mp, r.get("subject_id", ""))
            if k == "requirement":
                rows_by_req.setdefault(v[1], []).append(r)
            elif k == "gap":
                gaps.append(r)
        req_rows = []
        ids = {r["id"] for r in d["requirements"]}
        for req in d["requirements"]:
            rid = req["id"]
            path = _req_path(mp, scheme, rid)
            page = f"{path}.html"
            maps = []
            for r in sorted(rows_by_req.get(rid, []), key=lambda r: (r.get("object_id", ""), r.get("predicate_id", ""))):
                k, v = _resolve(mp, r.get("object_id", ""))
                if k == "criterion":
                    obj = _a(page, f"criteria/{v}.html", r["object_id"])
                elif k == "gap":
                    obj = '<span class="crm-gap">no harmonised counterpart</span>'
                else:
                    obj = f"<code>{esc(r.get('object_id', ''))}</code>"
                maps.append([f"<code>{esc(_pred(r))}</code>", obj, esc(r.get("object_label", "")),
                             esc(r.get("confidence", "")), esc(r.get("comment", ""))])
            parent = req.get("parent")
            children = [c["id"] for c in d["requirements"] if c.get("parent") == rid]
            body = [
                f'<h1 id="requirement">{esc(scheme)} {esc(rid)} {esc(str(req.get("title", "")))}</h1>',
                _dl([("IRI", f"<code>{esc(ctx.project.standard_base(scheme, d['version_slug']) + rid)}</code>"),
                     ("Standard", _a(page, spage, f"{d.get('title', scheme)} ({d.get('version', '')})")),
                     ("Kind", esc(str(req.get("kind", "")))),
                     ("Part of", _a(page, _req_path(mp, scheme, parent) + ".html", parent) if parent in ids else esc(str(parent or ""))),
                     ("Contains", ", ".join(_a(page, _req_path(mp, scheme, ch) + ".html", ch) for ch in children)),
                     ("Conformity topic", esc(str(req.get("conformity_topic", "")))),
                     ("Owner's IRI", _ext_link(req.get("owner_iri")) if req.get("owner_iri") else ""),
                     ("Verification", esc(str(req.get("verification", "")))),
                     ("Note", esc(str(req.get("note", "")))),
                     ("Formats", _formats(page, path))]),
                '<h2 id="mappings">Mapped to harmonised criteria</h2>',
                _table(["predicate", "criterion", "label", "confidence", "comment"], maps),
            ]
            sw.add(f"{path}.md", _page(f"{scheme} {rid}", "\n".join(body), alternate=rid))
            req_rows.append([_a(spage, page, rid), esc(str(req.get("title", ""))), esc(str(req.get("kind", ""))),
                             str(len(maps))])
        gap_rows = []
        for r in gaps:
            k, v = _resolve(mp, r.get("object_id", ""))
            obj = _a(spage, f"criteria/{v}.html", r["object_id"]) if k == "criterion" else esc(r.get("object_id", ""))
            gap_rows.append([obj, esc(r.get("object_label", "")), esc(r.get("comment", ""))])
        body = [
            f'<h1 id="standard">{esc(str(d.get("title", scheme)))}</h1>',
            _dl([("Scheme", f"<code>{esc(scheme)}</code>"), ("Version", esc(str(d.get("version", "")))),
                 ("Publisher", esc(str(d.get("publisher", "")))), ("Source", _ext_link(d.get("url")) if d.get("url") else ""),
                 ("Requirement IRIs", f"<code>{esc(ctx.project.standard_base(scheme, d['version_slug']))}</code>&lt;id&gt;"),
                 ("Crosswalk", _a(spage, f"{ctx.version}/crosswalks/{scheme}.sssom.tsv", f"{scheme}.sssom.tsv")
                  if (ctx.out / ctx.version / "crosswalks" / f"{scheme}.sssom.tsv").is_file() else "")]),
            '<h2 id="requirements">Requirements</h2>', _table(["id", "title", "kind", "mappings"], req_rows),
            '<h2 id="gaps">Criteria this scheme does not cover</h2>', _table(["criterion", "label", "comment"], gap_rows),
        ]
        sw.add(f"standards/{scheme}.md", _page(scheme, "\n".join(body)))
        idx_rows.append([_a("standards/index.html", spage, scheme), esc(str(d.get("title", ""))),
                         esc(str(d.get("version", ""))), str(len(d["requirements"]))])
    body = ['<h1 id="standards">Standards</h1>',
            "<p>External ESG schemes, each pinned to one version, with their requirements mapped to the harmonised criteria.</p>",
            _table(["scheme", "title", "version", "requirements"], idx_rows)]
    sw.add("standards/index.md", _page("Standards", "\n".join(body)))


# ---- home, coverage, downloads, changelog ----------------------------------------------------
def home_page(ctx, model: ModelInfo, mp: dict, latest: str | None) -> str:
    p = ctx.project
    v = latest or ctx.version
    desc = ""
    if model.sv is not None:
        desc = str(model.schema.description or "")
    counts = {k: sum(1 for t in model.terms.values() if t["kind"] == k) for k in ("class", "slot", "enum", "enum value")}
    example = {"@context": ["https://www.w3.org/ns/credentials/v2", UNTP_070_CONTEXT, p.context_url(v)],
               "type": ["DigitalProductPassport", "VerifiableCredential", "CRMProductPassport"],
               "credentialSubject": {"type": ["Product"], "commodity": "lithium",
                                     "commodityContent": [{"type": ["CommodityContent"], "commodity": "lithium",
                                                           "grade": 0.06, "measuredAs": "Li2O"}]}}
    body = [
        '<h1 id="home">UNTP Critical Raw Materials vocabulary</h1>',
        "<p>A vocabulary for the traceability and ESG performance of critical raw materials, an extension of the "
        "released UN Transparency Protocol (UNTP) 0.7.0: every CRM credential is also a UNTP 0.7.0 credential. "
        "It adds the terms UNTP lacks, with stable IRIs, a JSON-LD context, JSON Schemas that compose UNTP's own, "
        "SHACL shapes, and crosswalks from ESG standards to a harmonised set of criteria "
        f"({_a('index.html', 'untp-extension.html', 'how the profile extends UNTP 0.7.0')}).</p>",
        f'<p class="crm-def">{esc(desc)}</p>' if desc else "",
        '<h2 id="use">How to use it</h2>',
        "<ul>"
        f"<li>List the JSON-LD contexts in this order: the W3C VC v2 context, UNTP's <code>{esc(UNTP_070_CONTEXT)}</code>, "
        f"then <code>{esc(p.context_url(v))}</code>; add <code>CRMProductPassport</code> or <code>CRMConformityCredential</code> "
        "to the credential's <code>type</code>.</li>"
        f"<li>Validate credentials against the JSON Schemas under <code>{esc(p.artifact_base(v))}schemas/</code> "
        f"and the SHACL shapes <code>{esc(p.artifact_base(v))}shapes.ttl</code> (or run <code>crm-vocab validate</code>).</li>"
        f"<li>Every term IRI, such as <code>{esc(p.base_iri)}&lt;Term&gt;</code>, returns HTML to a browser, JSON-LD for "
        "<code>Accept: application/ld+json</code> and Turtle for <code>Accept: text/turtle</code>; "
        "<code>&lt;iri&gt;.jsonld</code> and <code>&lt;iri&gt;.ttl</code> work on plain static hosting.</li>"
        "</ul>",
        f'<pre><code class="language-json">{esc(json.dumps(example, indent=2))}</code></pre>',
        '<h2 id="contents">Contents</h2>',
        "<ul>"
        f"<li>{_a('index.html', 'terms.html', 'Vocabulary')}: {counts['class']} CRM classes, {counts['slot']} CRM properties, "
        f"{counts['enum']} enumerations, {counts['enum value']} enumeration values</li>"
        f"<li>{_a('index.html', 'criteria/index.html', 'Harmonised criteria')}: {len(mp['criteria'])}</li>"
        f"<li>{_a('index.html', 'standards/index.html', 'Standards')}: {len(mp['standards'])} schemes</li>"
        f"<li>{_a('index.html', 'coverage.html', 'Coverage')} of the criteria by each scheme</li>"
        f"<li>{_a('index.html', 'downloads.html', 'Downloads')} of every artifact, with SHA-256</li>"
        f"<li>{_a('index.html', 'changelog/index.html', 'Changelog')}</li>"
        "</ul>",
        f"<p>Latest release: <strong>{esc(latest)}</strong>.</p>" if latest else
        "<p>No release yet: the artifacts under <code>working/</code> are the unreleased build.</p>",
    ]
    return _page("Home", "\n".join(body))


def coverage_page(ctx, versions: list[str]) -> str:
    page = "coverage.html"
    from .coverage import CELL_STATUSES, LEGEND

    body = ['<h1 id="coverage">Coverage</h1>',
            "<p>What holding each scheme gives for each harmonised criterion, read from the scheme's reviewed "
            "crosswalk rows, with the statuses of <code>crm-vocab recognise</code>:</p>",
            "<ul>" + "".join(f"<li><strong>{esc(st)}</strong>: {esc(LEGEND[st][1].split(': ', 1)[-1])}</li>"
                             for st in CELL_STATUSES) + "</ul>",
            "<p><em>Not met</em> is a reviewed finding (the scheme has nothing for the criterion); "
            "<em>not established</em> only says that no reviewed row settles it either way. A cell's "
            "tooltip names the rows and the level they assume.</p>"]
    for v in [ctx.version] + [x for x in reversed(versions) if x != ctx.version]:
        vd = ctx.out / v
        if not (vd / "coverage.svg").is_file():
            if v == ctx.version:
                body.append("<p><em>The coverage matrix has not been built.</em></p>")
            continue
        links = " &middot; ".join(_a(page, f"{v}/coverage.{e}", e.upper()) for e in ("csv", "json")
                                  if (vd / f"coverage.{e}").is_file())
        body += [f'<h2 id="v-{esc(v)}">{esc(v)}</h2>',
                 f'<p><img class="crm-coverage" src="{_href(page, f"{v}/coverage.svg")}" '
                 f'alt="coverage matrix {esc(v)}"></p>', f"<p>{links}</p>"]
        if v != ctx.version:
            break  # the working matrix and the latest release are enough; the rest are downloads
    return _page("Coverage", "\n".join(body))


# The downloads page and, once a release exists, the working build's changelog need the LinkML
# generators' files (sizes and SHA-256 of every artifact; the working context, JSON Schemas and
# shapes compared with the last release). pages() renders them with the pending content below
# and finish() puts the final content in (see _fill_in_deferred).
_PENDING = ('<p class="crm-pending">The rest of this page is filled in when the build has written '
            'every artifact.</p>')
_PENDING_CHANGES = "crm-vocab-pending-changes"      # cells of the changelog index, filled in by finish()
_PENDING_BREAKING = "crm-vocab-pending-breaking"


def downloads_page(ctx, versions: list[str], *, final: bool = True) -> GenPage:
    """The downloads page; ``final=False``: without the tables (pages() runs before the
    versioned folders are complete)."""
    page = "downloads.html"
    body = ['<h1 id="downloads">Downloads</h1>',
            "<p>Every artifact of every version, with its size and SHA-256. Each version is also one zip "
            "(sorted entries, fixed timestamps: the same sources give the same bytes).</p>"]
    if not final:
        return _page("Downloads", "\n".join(body + [_PENDING]))
    for v in versions:
        vd = ctx.out / v
        if not vd.is_dir():
            continue
        rows = []
        z = ctx.out / f"{v}.zip"
        files = [z] + sorted((p for p in vd.rglob("*") if p.is_file()), key=lambda p: p.relative_to(ctx.out).as_posix())
        for f in files:
            rel = f.relative_to(ctx.out).as_posix()
            size = f.stat().st_size
            rows.append([_a(page, rel, rel), f'<span data-bytes="{size}">{esc(_human(size))}</span>',
                         f'<code class="crm-sha256">{_sha256(f)}</code>'])
        label = f"{v} (unreleased working build)" if v == ctx.version else v
        body += [f'<h2 id="v-{esc(v)}">{esc(label)}</h2>', _table(["file", "size", "SHA-256"], rows, "crm-downloads")]
    return _page("Downloads", "\n".join(body))


def _changelog_versions(ctx, versions: list[str]) -> list[tuple[str, str | None]]:
    """(version, the version it is compared with) for every version folder, oldest first."""
    out, prev = [], None
    for v in versions:  # oldest release first, the working build last
        if not (ctx.out / v).is_dir():
            continue
        out.append((v, prev))
        if v != ctx.version:
            prev = v
    return out


def _changelog_deferred(ctx, v: str, prev: str | None) -> bool:
    """Whether the changelog of ``v`` waits for finish(): comparing the working build with a
    release reads the working context, JSON Schemas and shapes (the LinkML generators' files);
    compared with nothing, only its vocabulary."""
    return v == ctx.version and prev is not None


def _compare(ctx, v: str, prev: str | None):
    """(changes, None) or (None, error text)."""
    from . import diff as diffmod

    try:
        return diffmod.compare(ctx.out / prev if prev else None, ctx.out / v, ctx.project), None
    except Exception as exc:  # a broken old release must not stop the site
        return None, str(exc)


def changelog_page(ctx, v: str, prev: str | None, changes, err: str | None, *, final: bool = True) -> GenPage:
    title = f"{v} (working build)" if v == ctx.version else v
    body = [f'<h1 id="changes">Changes in {esc(title)}</h1>',
            f"<p>Compared with {esc(prev) if prev else 'nothing (first version)'}. "
            f"Generated by <code>crm-vocab diff {esc(prev or '-')} {esc(v)}</code>.</p>"]
    if not final:
        body.append(_PENDING)
    elif changes is None:
        body.append(f"<p>Could not compare: {esc(err)}</p>")
    else:
        trs = [[("<strong>breaking</strong>" if c["breaking"] else "compatible"), esc(c["kind"]),
                f"<code>{esc(c['subject'])}</code>", esc(c["detail"])] for c in changes]
        body.append(_table(["class", "change", "subject", "detail"], trs))
    return _page(f"Changelog {v}", "\n".join(body))


def _change_counts(changes) -> tuple[str, str]:
    """The changelog index's "changes" and "breaking" cells."""
    if changes is None:
        return "?", "0"
    return str(len(changes)), str(sum(1 for c in changes if c["breaking"]))


def changelog_pages(ctx, sw: SiteWriter, versions: list[str]) -> None:
    rows = []
    for v, prev in _changelog_versions(ctx, versions):
        page = f"changelog/{v}.html"
        title = f"{v} (working build)" if v == ctx.version else v
        if _changelog_deferred(ctx, v, prev):
            sw.add(f"changelog/{v}.md", changelog_page(ctx, v, prev, None, None, final=False))
            counts = (_PENDING_CHANGES, _PENDING_BREAKING)
        else:
            changes, err = _compare(ctx, v, prev)
            sw.add(f"changelog/{v}.md", changelog_page(ctx, v, prev, changes, err))
            counts = _change_counts(changes)
        rows.append([_a("changelog/index.html", page, title), *counts])
    body = ['<h1 id="changelog">Changelog</h1>',
            "<p>What changed in each version, classed breaking or compatible (see <code>crm-vocab diff</code>).</p>",
            _table(["version", "changes", "breaking"], list(reversed(rows)))]
    sw.add("changelog/index.md", _page("Changelog", "\n".join(body)))


def _fill_in_deferred(ctx, pages: dict[str, tuple[GenPage, GenPage]], tokens: dict[str, dict[str, str]]) -> None:
    """Put the final content of the pages pages() rendered early into the written HTML and the
    search index.

    Why: pages() runs mkdocs while the LinkML generators may still be writing, so the pages that
    need their files (see ``_PENDING``) are rendered with pending content, and running mkdocs
    again would cost as much as the first run. The theme puts a page's content into its HTML
    unchanged (generated pages bypass markdown, and the search plugin only strips
    ``data-search-*`` attributes, which escaped text cannot contain), so replacing the pending
    content by the final one gives the bytes a one-shot render would have.

    ``pages``: output path -> (pending page, final page): the whole content is replaced, and
    the page's search entries are made again from the final content by Material's own
    ``SearchIndex``. ``tokens``: output path -> {token: text}: plain-text tokens (table cells)
    replaced in the HTML and in the page's search entries.
    """
    out = Path(ctx.out)
    for url, (pending, final) in pages.items():
        text = (out / url).read_text(encoding="utf-8")
        if text.count(pending.html) != 1:
            raise BuildError(f"the pending content of {url} is not in the page written by mkdocs",
                             hint="a theme override changes page content; render it unchanged")
        ctx.write(url, text.replace(pending.html, final.html))
    for url, fills in tokens.items():
        text = (out / url).read_text(encoding="utf-8")
        for token, value in fills.items():
            if text.count(token) != 1:
                raise BuildError(f"the pending value {token} is not in the page {url} written by mkdocs",
                                 hint="a theme override changes page content; render it unchanged")
            text = text.replace(token, value)
        ctx.write(url, text)

    index_file = out / "search" / "search_index.json"
    if not index_file.is_file():  # the search plugin is off
        return
    from types import SimpleNamespace

    from material.plugins.search.plugin import SearchIndex

    index = json.loads(index_file.read_text(encoding="utf-8"))

    def of(url, entry):
        loc = entry.get("location", "")
        return loc == url or loc.startswith(url + "#")

    for url, (_pending, final) in pages.items():
        fresh = SearchIndex()
        fresh.add_entry_from_context(SimpleNamespace(url=url, content=final.html, toc=[], title=final.title,
                                                     meta={"title": final.title}))
        docs, at = [], None
        for entry in index["docs"]:
            if of(url, entry):
                at = len(docs) if at is None else at
            else:
                docs.append(entry)
        at = len(docs) if at is None else at
        index["docs"] = docs[:at] + fresh.entries + docs[at:]
    for url, fills in tokens.items():
        for entry in index["docs"]:
            if of(url, entry):
                for key in ("title", "text"):
                    for token, value in fills.items():
                        entry[key] = entry[key].replace(token, esc(value, quote=False))
    # written as the search plugin writes it
    ctx.write("search/search_index.json", json.dumps(index, separators=(",", ":"), default=str))


# ---------------------------------------------------------------------------------------------
# server rules
# ---------------------------------------------------------------------------------------------
# Both files do what ``crm-vocab serve`` does (generators/serve.py; the same expectations are
# tested against real Apache and nginx in tests/test_server_rules.py): for a path X that is not a
# file, pick X.html / X.jsonld / X.ttl by the Accept q-values. The q of a representation is the q
# of the most specific media range naming it (text/turtle over text/* over */*;
# application/xhtml+xml and application/json are aliases of HTML and JSON-LD); the highest q wins,
# ties go to HTML, then JSON-LD, then Turtle; q=0 refuses; nothing acceptable is 406.
# Neither server can compare numbers in its rules, so each q is extracted as a digit string
# without its dot and trailing zeros ("1", "0", "05" for 0.5, "0125" for 0.125): such strings
# compare as text exactly as the numbers do.
_CONNEG_REPS = (("h", "html", "text/html"), ("j", "jsonld", "application/ld+json"), ("t", "ttl", "text/turtle"))
_CONNEG_RANGES = (  # least specific first: a later match overrides an earlier one
    ("*/*", "hjt"), ("text/*", "ht"), ("application/*", "j"),
    ("application/xhtml+xml", "h"), ("application/json", "j"),
    ("text/html", "h"), ("application/ld+json", "j"), ("text/turtle", "t"),
)
_ACCEPT_OTHER_PARAMS = r"(?:;(?!\s*q\s*=)[^;,]*)*"
# text "a:b" where the q string a is greater than b (b may be empty: absent)
_Q_GREATER = r"^(\d*)(?:\d+:\1$|" + "|".join(f"{d}\\d*:\\1[0-{d - 1}]" for d in range(1, 10)) + ")"


def _accept_re(media_range: str, with_q: bool) -> str:
    """PCRE (both servers) for one item of Accept naming ``media_range``; with_q: its q-value as
    groups 1-3 (``$1$2$3`` is the q digit string), else only items without a q parameter."""
    head = r"(?:^|,)\s*" + re.escape(media_range) + r"\s*" + _ACCEPT_OTHER_PARAMS
    if not with_q:
        return head + r"\s*(?:,|$)"
    return head + r";\s*q\s*=\s*(?:(1)(?:\.0*)?|(0)(?:\.(\d*[1-9])?0*)?)\s*(?:[;,]|$)"


def _server_types() -> list[tuple[str, str]]:
    from .serve import TYPES

    return sorted(TYPES.items())


_RULE_SAFE_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]*")


def _rule_safe(latest: str | None) -> str | None:
    """A version name that goes into the server rules verbatim: only a plain name, matched whole
    (a newline, space, quote or ';' would break or extend the rules)."""
    if latest is not None and not _RULE_SAFE_VERSION.fullmatch(latest):
        raise BuildError(f"the latest release {latest!r} is not a plain version name; the server rules cannot name it",
                         where="site/releases/index.yaml",
                         hint="set `latest:` to a released version such as 0.2.0 (letters, digits, '.', '+', '-')")
    return latest


def htaccess(latest: str | None) -> str:
    latest = _rule_safe(latest)
    lines = [
        "# Generated by crm-vocab build: content negotiation for the vocabulary (Apache 2.4), the same",
        "# as `crm-vocab serve`. A term IRI X has X.html, X.jsonld and X.ttl beside it.",
        "# Needs mod_rewrite, mod_headers, mod_mime and mod_dir, and AllowOverride FileInfo Indexes",
        "# Options (or All) for this folder. Works at the document root or in a folder below it.",
        "Options -MultiViews -Indexes",
        "DirectoryIndex index.html",
        "# An enumeration IRI is also the folder of its values: the rules below add the slash only to",
        "# folders that are not also a term.",
        "DirectorySlash Off",
        "AddDefaultCharset off",
    ]
    for ext, ctype in _server_types():
        lines.append(f'AddType "{ctype}" {ext}' if " " in ctype else f"AddType {ctype} {ext}")
    lines += ["RewriteEngine On", ""]
    if latest:
        lines += ["# latest/ points at the newest release (the redirect keeps the URL path before latest/:",
                  "# a relative substitution would put the folder's file system path into Location)",
                  "RewriteCond $1::%{REQUEST_URI} ^(.*)::(.*/)latest\\1$",
                  f"RewriteRule ^latest(/.*)?$ %2{latest}$1 [R=302,L]", ""]
    lines += [
        "# Files are served as they are. A negotiated response is an internal redirect to one of",
        "# them: carry its term name and alternates over for the headers at the end.",
        "RewriteCond %{REQUEST_FILENAME} -f",
        "RewriteRule ^ - [L,E=CRM_CONNEG:%{ENV:REDIRECT_CRM_CONNEG},E=CRM_ALTS:%{ENV:REDIRECT_CRM_ALTS}]",
        "# Folders asked with their slash go to DirectoryIndex; a path below a missing folder is not found.",
        "RewriteRule (?:^|/)$ - [L]",
        "RewriteCond %{PATH_INFO} .",
        "RewriteRule ^ - [L]",
        "# Which of X.html, X.jsonld, X.ttl exist (requirement ids such as 4.5 contain dots, so the",
        "# rules test the candidate files instead of looking at extensions):",
    ]
    for code, ext, _media in _CONNEG_REPS:
        lines += [f"RewriteCond %{{REQUEST_FILENAME}}.{ext} -f",
                  f"RewriteRule ^ - [E=CRM_ALTS:%{{ENV:CRM_ALTS}}{code}]"]
    lines += [
        "# None: a folder gets its slash, anything else is not found.",
        "RewriteCond %{ENV:CRM_ALTS} ^$",
        "RewriteCond %{REQUEST_FILENAME} -d",
        "RewriteRule ^ %{REQUEST_URI}/ [R=301,L]",
        "RewriteCond %{ENV:CRM_ALTS} ^$",
        "RewriteRule ^ - [L]",
        "RewriteRule ([^/]+)$ - [E=CRM_CONNEG:$1]",
        "# The q of each representation (CRM_Q_H, _J, _T; '-' when no media range names it). No Accept",
        "# header means */*.",
        "RewriteRule ^ - [E=CRM_Q_H:-,E=CRM_Q_J:-,E=CRM_Q_T:-]",
        "RewriteCond %{HTTP_ACCEPT} ^\\s*$",
        "RewriteRule ^ - [E=CRM_Q_H:1,E=CRM_Q_J:1,E=CRM_Q_T:1]",
    ]
    for rng, codes in _CONNEG_RANGES:
        lines += [f"# {rng}",
                  f"RewriteCond %{{HTTP_ACCEPT}} {_accept_re(rng, False)} [NC]",
                  "RewriteRule ^ - [" + ",".join(f"E=CRM_Q_{c.upper()}:1" for c in codes) + "]",
                  f"RewriteCond %{{HTTP_ACCEPT}} {_accept_re(rng, True)} [NC]",
                  "RewriteRule ^ - [" + ",".join(f"E=CRM_Q_{c.upper()}:%1%2%3" for c in codes) + "]"]
    lines += ["# A representation without its file is not a candidate."]
    for code, _ext, _media in _CONNEG_REPS:
        lines += [f"RewriteCond %{{ENV:CRM_ALTS}} !{code}", f"RewriteRule ^ - [E=CRM_Q_{code.upper()}:-]"]
    lines += ["# The highest q wins (ties: HTML, then JSON-LD, then Turtle); q=0 refuses."]
    q = {c: f"reqenv('CRM_Q_{c.upper()}')" for c, _e, _m in _CONNEG_REPS}
    for code, ext, _media in _CONNEG_REPS:
        conds = [f"{q[code]} > '0'"]
        before = True
        for other, _e, _m in _CONNEG_REPS:
            if other == code:
                before = False
                continue
            conds.append(f"{q[code]} {'>' if before else '>='} {q[other]}")
        lines += [f'RewriteCond expr "{" && ".join(conds)}"', f"RewriteRule ^(.*)$ $1.{ext} [L]"]
    lines += [
        "# Nothing acceptable.",
        "RewriteRule ^ - [R=406,L]",
        "",
        "# Negotiated responses (and 406) vary on Accept and list their alternates (relative to the IRI).",
        "Header always merge Vary Accept \"expr=-n reqenv('CRM_CONNEG')\"",
    ]
    for code, ext, media in _CONNEG_REPS:
        lines.append(f"Header always merge Link \"<%{{CRM_CONNEG}}e.{ext}>; rel=\\\"alternate\\\"; "
                     f"type=\\\"{media}\\\"\" \"expr=reqenv('CRM_ALTS') =~ /{code}/\"")
    lines += [
        "<FilesMatch \"\\.(jsonld|ttl)$\">",
        "  Header set Access-Control-Allow-Origin \"*\"",
        "</FilesMatch>",
        "",
    ]
    return "\n".join(lines)


def nginx_conf(latest: str | None) -> str:
    latest = _rule_safe(latest)
    types = {}
    for ext, ctype in _server_types():
        types.setdefault(ctype.split(";")[0], []).append(ext[1:])
    charset_types = sorted({ct.split(";")[0] for _e, ct in _server_types() if "charset=" in ct})
    lines = [
        "# Generated by crm-vocab build: content negotiation for the vocabulary (nginx), the same as",
        "# `crm-vocab serve`. A term IRI X has X.html, X.jsonld and X.ttl beside it.",
        "# Include this file inside the server {} block whose `root` is this folder:",
        "#     server { listen ...; root /path/to/site; include /path/to/site/nginx.conf; }",
        "# It holds server-level directives only (no map, no location). Negotiated responses carry",
        "# Vary Accept and a Link header naming the alternates, set by the add_header lines at the",
        "# end: a location {} with add_header of its own must repeat them.",
        "types {",
    ]
    lines += [f"    {ctype:<27}{' '.join(exts)};" for ctype, exts in sorted(types.items())]
    lines += [
        "}",
        "charset utf-8;",
        f"charset_types {' '.join(charset_types)};",
        "index index.html;",
        "",
    ]
    if latest:
        lines += ["# latest/ points at the newest release",
                  f"rewrite ^/latest(/.*)?$ /{latest}$1 redirect;", ""]
    lines += [
        "set $crm_vary \"\";",
        "set $crm_link \"\";",
        "set $crm_cors \"\";",
        "if ($uri ~ \"\\.(jsonld|ttl)$\") { set $crm_cors \"*\"; }",
        "",
        "# Which of X.html, X.jsonld, X.ttl exist when X is not a file (requirement ids such as 4.5",
        "# contain dots, so the rules test the candidate files instead of looking at extensions):",
        "set $crm_name \"\";",
        "if ($uri ~ \"/([^/]+)$\") { set $crm_name $1; }",
        "set $crm_alts \"\";",
    ]
    for code, ext, media in _CONNEG_REPS:
        lines += [f"set $crm_link_{code} \"\";",
                  f"if (-f $request_filename.{ext}) {{ set $crm_alts \"${{crm_alts}}{code}\"; "
                  f"set $crm_link_{code} ', <$crm_name.{ext}>; rel=\"alternate\"; type=\"{media}\"'; }}"]
    lines += [
        "if (-f $request_filename) { set $crm_alts \"\"; }",
        "# A folder asked with its slash and without index.html is not found (not 403).",
        "set $crm_noindex \"\";",
        "if ($uri ~ \"/$\") { set $crm_noindex y; }",
        "if (-f ${request_filename}index.html) { set $crm_noindex \"\"; }",
        "if ($crm_noindex) { return 404; }",
        "",
        "# The q of each representation as a digit string (empty when no media range names it);",
        "# no Accept header means */*.",
        "set $crm_accept $http_accept;",
        "if ($crm_accept ~ \"^\\s*$\") { set $crm_accept \"*/*\"; }",
        "set $crm_q_h \"\";",
        "set $crm_q_j \"\";",
        "set $crm_q_t \"\";",
    ]
    for rng, codes in _CONNEG_RANGES:
        lines += [f"if ($crm_accept ~* \"{_accept_re(rng, False)}\") {{ "
                  + " ".join(f"set $crm_q_{c} 1;" for c in codes) + " }",
                  f"if ($crm_accept ~* \"{_accept_re(rng, True)}\") {{ "
                  + " ".join(f"set $crm_q_{c} $1$2$3;" for c in codes) + " }"]
    lines += ["# A representation without its file is not a candidate."]
    for code, _ext, _media in _CONNEG_REPS:
        lines.append(f"if ($crm_alts !~ {code}) {{ set $crm_q_{code} \"\"; }}")
    lines += ["# Acceptable (q > 0), and the comparisons the choice needs:"]
    for code, _ext, _media in _CONNEG_REPS:
        lines += [f"set $crm_p{code} 0;", f"if ($crm_q_{code} ~ \"^(1|0\\d+)$\") {{ set $crm_p{code} 1; }}"]
    for a, b in (("t", "h"), ("t", "j"), ("j", "h")):
        lines += [f"set $crm_cmp \"$crm_q_{a}:$crm_q_{b}\";", f"set $crm_{a}_gt_{b} 0;",
                  f"if ($crm_cmp ~ \"{_Q_GREATER}\") {{ set $crm_{a}_gt_{b} 1; }}"]
    lines += [
        "# The highest q wins (ties: HTML, then JSON-LD, then Turtle).",
        "set $crm_sel \"$crm_alts:$crm_ph$crm_pj$crm_pt$crm_t_gt_h$crm_t_gt_j$crm_j_gt_h\";",
        "set $crm_conneg_ext \"\";",
        "if ($crm_sel ~ \"^.+:1..0.0$\") { set $crm_conneg_ext .html; }",
        "if ($crm_sel ~ \"^.+:.1..01$\") { set $crm_conneg_ext .jsonld; }",
        "if ($crm_sel ~ \"^.+:..111.$\") { set $crm_conneg_ext .ttl; }",
        "if ($crm_alts) {",
        "    set $crm_vary Accept;",
        "    set $crm_link \"$crm_link_h$crm_link_j$crm_link_t\";",
        "}",
        "if ($crm_link ~ \"^, (.*)$\") { set $crm_link $1; }",
        "set $crm_go \"$crm_alts:$crm_conneg_ext\";",
        "# Nothing acceptable:",
        "if ($crm_go ~ \"^.+:$\") { return 406; }",
        "if ($crm_go ~ \"\\.(jsonld|ttl)$\") { set $crm_cors \"*\"; }",
        "if ($crm_conneg_ext) { rewrite ^ $uri$crm_conneg_ext last; }",
        "",
        "add_header Vary $crm_vary always;",
        "add_header Link $crm_link always;",
        "add_header Access-Control-Allow-Origin $crm_cors always;",
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# mkdocs
# ---------------------------------------------------------------------------------------------
def _mkdocs_config_file(project) -> Path:
    cfg = project.root / "mkdocs.yml"
    if cfg.is_file():
        return cfg
    # a project without its own mkdocs.yml uses the toolkit's
    return Path(__file__).resolve().parent.parent / "mkdocs.yml"


def _filter_nav(nav, exists):
    """``nav`` without the entries whose page does not exist (``exists(docs_path)``)."""
    out = []
    for item in nav or []:
        if isinstance(item, str):
            if exists(item):
                out.append(item)
        elif isinstance(item, dict):
            for k, v in item.items():
                if isinstance(v, str):
                    if v.startswith(("http://", "https://")) or exists(v):
                        out.append({k: v})
                elif isinstance(v, list):
                    sub = _filter_nav(v, exists)
                    if sub:
                        out.append({k: sub})
    return out


def _nav_titles(nav) -> dict[str, str | None]:
    """docs path -> the title the nav gives it (``- Home: index.md``; None: ``- index.md``), for
    every page in the nav."""
    titles: dict[str, str | None] = {}
    for item in nav or []:
        if isinstance(item, str):
            titles.setdefault(item, None)
        elif isinstance(item, dict):
            for k, v in item.items():
                if isinstance(v, str):
                    if titles.get(v) is None:
                        titles[v] = k
                elif isinstance(v, list):
                    for sub, t in _nav_titles(v).items():
                        if titles.get(sub) is None:
                            titles[sub] = t
    return titles


def _walk_key(src_uri: str):
    """The order mkdocs' ``get_files`` walks a docs folder in (files before sub-folders, index
    first), so the generated pages sit where they would if they were files in it."""
    from mkdocs.structure.files import _file_sort_key

    *dirs, name = src_uri.split("/")
    return [(1, d) for d in dirs] + [(0, _file_sort_key(name))]


# Render the theme blocks that only depend on the folder once per folder (see shared_block);
# tests switch it off to compare.
_SHARE_BLOCKS = True


class _PageWorkerError(Exception):
    """The page worker's error (its message), raised in the build process."""


# How the pages are shared with the page worker (see on_env in _generated_pages_plugin), in
# bytes of page content that take as long to render: a page's fixed cost, and the build
# process's own extra work (theme assets, 404.html, sitemap). Measured at 400 and 3,250 pages.
_PAGE_COST = 4000
_PARENT_EXTRA = 300_000


def _generated_pages_plugin(pages: dict[str, GenPage], out: Path, reserved: set[str], nav_titles: dict[str, str],
                            split: bool):
    """An mkdocs plugin (mkdocs' own extension point) that adds the generated pages from memory.

    - Each page is a ``File.generated`` (nothing is written into a docs folder) whose ``Page``
      takes its HTML as it is: the pages are one raw HTML block, which markdown would only stash
      and put back, at ~1 ms a page.
    - mkdocs writes straight into the output folder, so before anything is written it checks
      that no file of the site (pages, theme assets, 404, sitemap, search index) exists there
      already (an earlier step's file is never replaced), lies in a versioned folder (the LinkML
      generators may still be writing there) or is a file this step writes itself afterwards
      (``reserved``: top-level names).
    - ``split``: once every page is read and converted (``on_env``), a forked worker renders a
      tail of the generated pages (template, search entries, file) on the second core while this
      process renders the rest; this process then appends the worker's search entries, in page
      order, before the search plugin writes its index. The worker's Files are only its pages
      (so it copies no assets) and it renders no 404/sitemap; here, its pages count as unchanged
      for the dirty build (so they are listed in the sitemap but not rendered twice).
    """
    import pickle
    import signal

    import jinja2
    from mkdocs.plugins import BasePlugin, event_priority
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.pages import Page
    from mkdocs.structure.toc import get_toc

    class GenFile(File):
        rendered_here = True

        def is_modified(self) -> bool:  # the dirty build renders a page only when this is true
            return self.rendered_here

    class HtmlPage(Page):
        def __init__(self, title, file, config, gen: GenPage):
            super().__init__(title, file, config)
            self._gen = gen

        def read_source(self, config) -> None:
            self.markdown, self.meta = self._gen.html, {"title": self._gen.title}

        def render(self, config, files) -> None:
            self.content = self._gen.html
            self.toc = get_toc([])  # markdown's toc does not look into raw HTML either
            self._title_from_render = None
            self.present_anchor_ids = set(re.findall(r'\sid="([^"]+)"', self._gen.html))

    shared: dict[tuple[str, str], str] = {}   # (block, folder) -> its output; see shared_block

    def search_index(config):
        for plugin in config.plugins.values():
            if hasattr(plugin, "search_index") and getattr(plugin.config, "enabled", True):
                return plugin.search_index
        return None

    class GeneratedPages(BasePlugin):
        worker = None       # here: (pid, read end) of the worker
        in_worker = None    # in the worker: the write end of its pipe
        order = None        # with a worker: every page (src_uri) in mkdocs' order
        indexed = 0         # search entries seen so far, and each page's (on_page_context)

        def __init__(self):
            super().__init__()
            self.entries: dict[str, list] = {}

        def on_files(self, files, config):
            docs_files, theme_files = [], []
            for f in files:
                (docs_files if f.src_dir == config["docs_dir"] else theme_files).append(f)
            for rel, gen in pages.items():
                if files.get_file_from_path(rel) is not None:
                    raise BuildError(f"hand-written page site/docs/{rel} collides with a generated page",
                                     hint="rename the hand-written page")
                f = GenFile.generated(config, rel, content=gen.html)
                HtmlPage(nav_titles.get(rel), f, config, gen)
                docs_files.append(f)
            docs_files.sort(key=lambda f: _walk_key(f.src_uri))
            files = Files(docs_files + theme_files)
            dests = [f.dest_uri for f in files]
            for t in config.theme.static_templates:
                dests += [t, f"{t}.gz"] if t == "sitemap.xml" else [t]
            dests.append("search/search_index.json")
            for d in dests:
                if d.split("/", 1)[0] in reserved:
                    raise BuildError(f"the site would write {d}, which is a build artifact (or in a "
                                     "versioned artifact folder)", hint="rename the page or file in site/docs")
                if os.path.lexists(out / d):
                    raise BuildError(f"the site would overwrite {d}, written by an earlier build step",
                                     hint="rename the page or the artifact")
            return files

        @event_priority(-100)  # after every other plugin's on_env
        def on_env(self, env, config, files):
            if _SHARE_BLOCKS:
                env.globals["crm_shared_block"] = self.shared_block
            if not split:
                return env
            docs = files.documentation_pages()
            # the worker takes the generated pages from where this process has its half of the
            # estimated work (a fixed cost a page, ~4 KB of content's worth, plus its content;
            # this process also copies the theme's assets and writes 404.html and the sitemap:
            # ~_PARENT_EXTRA); a tail rather than every other page keeps each folder's shared
            # theme blocks in one process (see shared_block)
            weights = [_PAGE_COST + len(f.page.content or "") for f in docs]
            left = (sum(weights) - _PARENT_EXTRA) / 2
            cut = 0
            while cut < len(docs) and left > 0:
                left -= weights[cut]
                cut += 1
            mine = [f for f in docs[cut:] if isinstance(f, GenFile)]
            if not mine:
                return env
            self.order = [f.src_uri for f in docs]
            sys.stdout.flush()
            sys.stderr.flush()
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: renders its pages only
                os.close(r)
                self.in_worker = w
                keep = {f.src_uri for f in mine}
                for f in list(files):
                    if f.src_uri not in keep:
                        files.remove(f)
                config.theme.static_templates.clear()
                config.extra_templates.clear()
                return env
            os.close(w)
            self.worker = (pid, r)
            for f in mine:
                f.rendered_here = False
            return env

        @event_priority(-100)  # after the search plugin has indexed the page
        def on_page_context(self, context, page, config, nav):
            """With a worker: note which search entries are this page's, to put both processes'
            entries in page order at the end."""
            if self.order is not None:
                index = search_index(config)
                if index is not None:
                    self.entries[page.file.src_uri] = index.entries[self.indexed:]
                    self.indexed = len(index.entries)
            return context

        @staticmethod
        @jinja2.pass_context
        def shared_block(context, name: str, render):
            """For site/overrides/main.html: the theme block ``name`` (``render`` = its super()),
            rendered once per folder for the generated pages outside the nav. Their blocks
            styles, libs, site_nav, config and scripts depend on nothing else: the page has no
            table of contents (raw HTML), no meta but its title, no previous/next page and is
            never the active nav item, so only its folder (relative URLs) varies."""
            page = context.get("page")
            if not isinstance(page, HtmlPage) or page.file.src_uri in nav_titles:
                return render()
            key = (name, posixpath.dirname(page.file.dest_uri))
            if key not in shared:
                shared[key] = render()
            return shared[key]

        def _report(self, result) -> None:
            """In the worker: send ``result`` to the build process and end."""
            try:
                with os.fdopen(self.in_worker, "wb") as fh:
                    fh.write(pickle.dumps(result))
            finally:
                os._exit(0 if result[0] == "ok" else 1)

        def join_worker(self):
            """Here: wait for the worker; its search entries, or raise its error."""
            pid, r = self.worker
            self.worker = None
            with os.fdopen(r, "rb") as fh:
                data = fh.read()
            _, status = os.waitpid(pid, 0)
            try:
                result = pickle.loads(data)
            except Exception:  # it died before reporting
                result = ("error", f"the page worker exited with status {status}")
            if result[0] != "ok":
                raise _PageWorkerError(result[1])
            return result[1]

        def stop_worker(self) -> None:
            if self.worker is not None:
                pid, r = self.worker
                self.worker = None
                os.close(r)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)

        @event_priority(100)  # before the search plugin writes its index
        def on_post_build(self, config):
            if self.in_worker is not None:
                self._report(("ok", self.entries))
            if self.worker is not None:
                entries = {**self.entries, **self.join_worker()}
                index = search_index(config)
                if index is not None:
                    index.entries[:] = [e for src in self.order for e in entries.get(src, ())]

        def on_build_error(self, error):
            if self.in_worker is not None:
                self._report(("error", f"{type(error).__name__}: {error}"))
            self.stop_worker()

    return GeneratedPages()


def run_mkdocs(project, out: Path, pages: dict[str, GenPage], epoch: str, reserved: set[str], *,
               split: bool = False) -> None:
    """mkdocs-material, in-process, with the hand-written pages of ``site/docs`` and the generated
    ``pages`` (docs path -> page), writing into ``out`` beside the earlier steps' files.

    mkdocs cleans its ``site_dir`` before a build unless the build is "dirty"; the build is
    dirty here only so that it keeps the earlier steps' files (a dirty build skips pages whose
    output is newer than their source: there is none, the plugin refuses existing outputs).
    ``reserved``: top-level names the site must not write (see _generated_pages_plugin);
    ``split``: render part of the pages in a forked worker (see _generated_pages_plugin)."""
    import logging

    cfg_file = _mkdocs_config_file(project)
    if not cfg_file.is_file():
        raise BuildError("no mkdocs.yml found", hint="restore mkdocs.yml at the repository root")
    raw = _yaml_load(cfg_file.read_text(encoding="utf-8")) or {}
    docs = project.site_src_dir / "docs"
    empty_docs = None
    if not docs.is_dir():
        empty_docs = tempfile.TemporaryDirectory(prefix="crm-site-docs-", dir=_fast_tmp())
        docs = Path(empty_docs.name)
    nav = _filter_nav(raw.get("nav"), lambda rel: rel in pages or (docs / rel).is_file())
    overrides = {}
    theme = raw.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        cd = (cfg_file.parent / theme["custom_dir"]).resolve()
        if not cd.is_dir():  # a project copy without overrides uses the toolkit's
            cd = (Path(__file__).resolve().parent.parent / theme["custom_dir"]).resolve()
        overrides["theme"] = {**theme, "custom_dir": str(cd)}
    old_env = {k: os.environ.get(k) for k in ("SOURCE_DATE_EPOCH", "NO_MKDOCS_2_WARNING")}
    os.environ["SOURCE_DATE_EPOCH"] = epoch
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    loggers = [logging.getLogger(n) for n in ("mkdocs", "material")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    old_umask = os.umask(0o022)  # the site's files are 0644 like every other output file
    try:
        from mkdocs.commands.build import build as mk_build
        from mkdocs.config import load_config
        from mkdocs.exceptions import MkDocsException

        try:
            config = load_config(config_file=str(cfg_file), docs_dir=str(docs), site_dir=str(out),
                                 use_directory_urls=False, site_url=project.base_iri, nav=nav, strict=False,
                                 **overrides)
            plugin = _generated_pages_plugin(pages, Path(out), reserved, _nav_titles(nav), split)
            config.plugins["crm-vocab-generated-pages"] = plugin
            try:
                mk_build(config, dirty=True)
            except BaseException as exc:
                if plugin.in_worker is not None:  # never unwind into the caller in the worker
                    plugin._report(("error", f"{type(exc).__name__}: {exc}"))
                raise
            finally:
                if plugin.in_worker is not None:
                    os._exit(1)
                plugin.stop_worker()
        except BuildError:
            raise
        except (MkDocsException, SystemExit) as exc:
            raise BuildError(f"mkdocs failed: {exc}", where=str(cfg_file)) from None
        except Exception as exc:  # e.g. a theme override failing on a page (mkdocs logs which)
            text = str(exc) if isinstance(exc, _PageWorkerError) else f"{type(exc).__name__}: {exc}"
            raise BuildError(f"mkdocs failed: {text}", where=str(cfg_file),
                             hint="see the mkdocs error above for the page") from None
    finally:
        os.umask(old_umask)
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        for lg, lvl in zip(loggers, levels):
            lg.setLevel(lvl)
        if empty_docs is not None:
            empty_docs.cleanup()


# ---------------------------------------------------------------------------------------------
# the step
# ---------------------------------------------------------------------------------------------
def pages(ctx) -> None:
    """The site, before the LinkML generators' files exist: every page (mkdocs), the released
    versions and their zips, the server rules and releases.json.

    Runs once the vocabulary, per-term, crosswalk/criteria/standards and coverage files are
    written, possibly while the LinkML generators still write ``<v>/context.jsonld``,
    ``<v>/schemas/*.json`` and ``<v>/shapes.ttl`` (v = ``ctx.version``): it reads none of those,
    and never lists, sizes or hashes the ``<v>/`` folder as a whole. The downloads page (and the
    working changelog once a release exists) get pending content that :func:`finish` fills in.
    """
    project = ctx.project
    out = Path(ctx.out)
    rel_index = read_release_index(project)
    releases = [str(r["version"]) for r in rel_index["releases"]]
    latest = rel_index["latest"]

    # released versions are copied unchanged from site/releases/<version>/, and zipped
    for v in releases:
        src = project.releases_dir / v
        dst = out / v
        if v == ctx.version or not src.is_dir():  # the working build's folder is the model step's
            continue
        for p in sorted(src.rglob("*")):
            if p.is_file() and not p.is_symlink():
                t = dst / p.relative_to(src)
                if t.exists():
                    continue
                t.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(p, t)
        ctx.write(f"{v}.zip", deterministic_zip(dst, v))
    versions = releases + ([ctx.version] if ctx.version not in releases else [])

    version_dirs = set(versions)
    term_files = _term_files(out, version_dirs)
    model = ModelInfo(project, term_files, _model_view(ctx))
    mp = load_mappings(project)

    sw = SiteWriter(ctx)
    for name, info in sorted(model.terms.items()):
        fn = {"class": class_page, "slot": slot_page, "enum": enum_page, "enum value": value_page}[info["kind"]]
        sw.add(f"{name}.md", fn(ctx, model, name, info))
    extra = sorted(n for n in term_files if f"{n}.md" not in sw.pages)
    for name in extra:
        sw.add(f"{name}.md", generic_page(ctx, name))
    # criteria/requirement RDF files without a mapping-file entry still get a page
    criteria_pages(ctx, sw, mp)
    standards_pages(ctx, sw, mp)
    from .schemes import site_pages  # the ConformityScheme pages (schemes.py renders them)

    for rel, title, content in site_pages(ctx):
        sw.add(rel, GenPage(_title(title), content))
    for sub in ("criteria", "standards"):
        if (out / sub).is_dir():
            for p in sorted((out / sub).rglob("*.jsonld")):
                n = p.relative_to(out).as_posix()[: -len(".jsonld")]
                if f"{n}.md" not in sw.pages:
                    sw.add(f"{n}.md", generic_page(ctx, n))
    sw.add("terms.md", term_index(ctx, model, [n for n in extra if "/" not in n]))
    sw.add("index.md", home_page(ctx, model, mp, latest))
    sw.add("coverage.md", coverage_page(ctx, releases))
    changelog_pages(ctx, sw, versions)
    sw.add("downloads.md", downloads_page(ctx, versions, final=False))
    # what the site may not write: the versioned folders, and what this step writes itself
    reserved = version_dirs | {f"{v}.zip" for v in versions} | {".htaccess", "nginx.conf", "releases.json"}
    run_mkdocs(project, out, sw.pages, _source_date_epoch(project), reserved, split=_two_cores())

    ctx.write(".htaccess", htaccess(latest))
    ctx.write("nginx.conf", nginx_conf(latest))
    from .fsutil import dump_json

    ctx.write("releases.json", dump_json({"latest": latest, "versions": releases, "working": ctx.version}))
    ctx.log(f"    site: {len(sw.pages)} generated pages")


def finish(ctx) -> None:
    """The rest of the site, once every artifact is written (after :func:`pages`): ``<v>.zip``,
    and the pages :func:`pages` left pending, now final in their HTML and in the search index:
    the downloads page (size and SHA-256 of every file of every version folder) and, once a
    release exists, the working build's changelog and its counts on the changelog index."""
    project = ctx.project
    out = Path(ctx.out)
    releases = release_versions(project)
    versions = releases + ([ctx.version] if ctx.version not in releases else [])
    if ctx.version not in releases and (out / ctx.version).is_dir():
        ctx.write(f"{ctx.version}.zip", deterministic_zip(out / ctx.version, ctx.version))

    deferred = {"downloads.html": (downloads_page(ctx, versions, final=False), downloads_page(ctx, versions))}
    tokens: dict[str, dict[str, str]] = {}
    for v, prev in _changelog_versions(ctx, versions):
        if _changelog_deferred(ctx, v, prev):
            changes, err = _compare(ctx, v, prev)
            deferred[f"changelog/{v}.html"] = (changelog_page(ctx, v, prev, None, None, final=False),
                                               changelog_page(ctx, v, prev, changes, err))
            n, nb = _change_counts(changes)
            tokens["changelog/index.html"] = {_PENDING_CHANGES: n, _PENDING_BREAKING: nb}
    _fill_in_deferred(ctx, deferred, tokens)


# the name untp_crm_vocab.build looks for: a split step's first half
start = pages


def build(ctx) -> None:
    """The whole step in one go: :func:`pages`, then :func:`finish`."""
    pages(ctx)
    finish(ctx)
