"""Where ``crm-vocab validate`` finds the artifacts (context, JSON Schemas, SHACL shapes) it
judges a credential by, and the copies of them packaged in the wheel.

Order (first that applies):

1. ``--artifacts DIR|FILE.zip``: one built version folder (``build/site/working``, a release
   folder), a site folder holding several, or the ``<version>.zip`` from the downloads page.
   Never a URL: the toolkit does not fetch (download the zip and pass the file).
2. In a project (``project.find_project``): its build (``build/site/working``) when the build's
   ``.buildinfo`` says it was made from the current sources, else the working version generated
   in memory from the model (a stale build is reported, never used); plus ``site/releases/*``.
3. No project: the artifacts packaged in the installed toolkit (``data/artifacts/``, written by
   :func:`write_packaged` when the wheel is built; see ``setup.py``).

Every set knows the context URL it answers to: a project's from its base IRI, any other from
the ``$id`` of its JSON Schemas (``<base><version>/schemas/<Type>.json``).
"""
from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError

PACKAGED = Path(__file__).resolve().parent / "data" / "artifacts"
MANIFEST = "manifest.json"
FORMAT = 1
FILES = ("context.jsonld", "shapes.ttl")  # plus schemas/*.json
BUILD_HINT = "pip install 'untp-crm-vocab[build]'"
SCHEMA_ID = re.compile(r"^(https?://.+/)([^/]+)/schemas/[^/]+\.json\Z")


@dataclass
class Loaded:
    """One version's artifacts, read; ``source`` says where from (shown in every report)."""

    version: str
    context_url: str
    context: dict
    schemas: dict[str, dict]
    shapes_ttl: str
    source: str


@dataclass
class Located:
    sets: list[Loaded]
    working_url: str  # the context URL suggested in findings (the working or newest version)
    notes: list[str] = field(default_factory=list)  # printed once before the reports


# ---- reading one version ---------------------------------------------------------------------
def _from_files(read, names: list[str], where: str, source: str, version: str | None = None,
                context_url: str | None = None) -> Loaded:
    """``read(name) -> bytes`` for ``context.jsonld``, ``shapes.ttl`` and ``schemas/*.json``."""
    try:
        context = json.loads(read("context.jsonld"))
        schemas = {Path(n).stem: json.loads(read(n)) for n in sorted(names)}
        shapes = read("shapes.ttl").decode("utf-8")
    except (OSError, KeyError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"the artifacts in {where} are incomplete or unreadable: {exc}",
                         hint="pass one built version: a folder holding context.jsonld, schemas/ and shapes.ttl, "
                              "or the <version>.zip from the downloads page") from None
    if not schemas:
        raise UsageError(f"no JSON Schemas (schemas/*.json) in {where}", hint="pass a complete built version")
    if context_url is None:
        ids = {SCHEMA_ID.match(str(s.get("$id", ""))) for s in schemas.values() if isinstance(s, dict)}
        found = {(m[1], m[2]) for m in ids if m}
        if len(found) != 1:
            raise UsageError(f"cannot tell which vocabulary version the artifacts in {where} are: their JSON Schemas' $id "
                             "should all be <base><version>/schemas/<Type>.json",
                             hint="pass artifacts written by crm-vocab build or release")
        base, v = found.pop()
        context_url = f"{base}{v}/context.jsonld"
        version = version or v
    return Loaded(version or "?", context_url, context, schemas, shapes, source)


def load_dir(d: Path, source: str | None = None, *, version: str | None = None,
             context_url: str | None = None) -> Loaded:
    names = [p.relative_to(d).as_posix() for p in sorted((d / "schemas").glob("*.json"))]
    return _from_files(lambda n: (d / n).read_bytes(), names, str(d), source or str(d), version, context_url)


def load_zip(path: Path) -> list[Loaded]:
    """Every version in a downloaded ``<version>.zip`` (members ``<version>/context.jsonld``, ...)."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise UsageError(f"{path} is not a readable zip file: {exc}",
                         hint="pass the <version>.zip from the downloads page, or a built version folder") from None
    with zf:
        members = set(zf.namelist())
        roots = sorted({n[: -len("context.jsonld")] for n in members if n.endswith("context.jsonld")
                        and n.count("/") <= 1})
        if not roots:
            raise UsageError(f"{path} holds no context.jsonld (at its top or in one folder)",
                             hint="pass the <version>.zip from the downloads page")
        out = []
        for r in roots:
            names = [n[len(r):] for n in sorted(members) if n.startswith(f"{r}schemas/") and n.endswith(".json")]
            out.append(_from_files(lambda n, r=r: zf.read(r + n), names, f"{path}:{r or '/'}",
                                   f"{path.name}" + (f" ({r.rstrip('/')})" if r else "")))
        return out


def load_argument(arg: str) -> list[Loaded]:
    """``--artifacts``: a version folder, a folder of version folders, or a zip."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", arg):
        raise UsageError(f"--artifacts {arg}: the toolkit never downloads anything",
                         hint="download the zip (e.g. with a browser or curl) and pass the file: --artifacts PATH.zip")
    p = Path(arg)
    if p.is_file():
        return load_zip(p)
    if not p.is_dir():
        raise UsageError(f"--artifacts {arg}: no such file or folder",
                         hint="pass a built version folder (e.g. build/site/working) or a downloaded <version>.zip")
    if (p / "context.jsonld").is_file():
        return [load_dir(p)]
    subs = sorted(d for d in p.iterdir() if (d / "context.jsonld").is_file())
    if not subs:
        raise UsageError(f"no context.jsonld in {p} or its folders",
                         hint="pass the folder of one built version, e.g. build/site/working, or a downloaded <version>.zip")
    return [load_dir(d) for d in subs]


# ---- the packaged copies -------------------------------------------------------------------------
def packaged(root: Path = PACKAGED) -> list[Loaded]:
    """The versions packaged in this installation (empty when it was built without them)."""
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    who = f"packaged with untp-crm-vocab {manifest.get('toolkit', '?')}"
    return [load_dir(root / v["version"], who, version=v["version"], context_url=v["context"])
            for v in manifest.get("versions", [])]


def write_packaged(project, dest: Path, toolkit_version: str) -> dict:
    """Write the working version's context, JSON Schemas and SHACL shapes (built by the build's
    own model step, so byte-identical to ``crm-vocab build``) and those of every release in
    ``site/releases/`` into ``dest``, with ``manifest.json`` (base IRI, versions, context URLs,
    SHA-256 of every file). Deterministic: same sources, same bytes. Returns the manifest."""
    import shutil
    import tempfile

    from . import build as buildmod
    from .fsutil import dump_json

    dest.mkdir(parents=True, exist_ok=True)
    versions = []
    with tempfile.TemporaryDirectory(prefix="crm-vocab-package-") as tmp:
        out = buildmod.build(project, Path(tmp) / "site", steps=("untp_crm_vocab.model_artifacts",), quiet=True,
                             force=True)
        sources = [(project.working_version, out / project.working_version)]
        if project.releases_dir.is_dir():
            sources += [(d.name, d) for d in sorted(project.releases_dir.iterdir()) if (d / "context.jsonld").is_file()]
        for v, src in sources:
            files = {}
            for rel in [*FILES, *(p.relative_to(src).as_posix() for p in sorted((src / "schemas").glob("*.json")))]:
                target = dest / v / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src / rel, target)
                files[rel] = hashlib.sha256(target.read_bytes()).hexdigest()
            versions.append({"version": v, "context": project.context_url(v), "files": files})
    manifest = {"format": FORMAT, "toolkit": toolkit_version, "base-iri": project.base_iri,
                "working-version": project.working_version, "versions": versions}
    (dest / MANIFEST).write_text(dump_json(manifest), encoding="utf-8")
    return manifest


# ---- choosing ---------------------------------------------------------------------------------------
def _inside(p: Path, root: Path) -> bool:
    try:
        p.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def _stale(project, version_dir: Path) -> bool | None:
    """Whether a build output folder (``<out>/<version>``) was made from other sources than the
    project's current ones; None when it carries no build stamp (a release, a copy)."""
    from .build import read_stamp, sources_digest

    stamp = read_stamp(version_dir.parent)
    if stamp is None:
        return None
    return stamp.get("sources") != sources_digest(project)


def _generate(project, why: str) -> Loaded:
    from .validate import ArtifactSet

    try:
        a = ArtifactSet.generate(project)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("linkml", "linkml_runtime"):
            raise
        raise UsageError(f"{why}, and generating the artifacts from the model needs the toolkit's [build] extra "
                         f"(the Python package {exc.name!r} is not installed)",
                         hint=f"run crm-vocab build ({BUILD_HINT}), or pass --artifacts DIR|FILE.zip") from None
    return Loaded(a.version, a.context_url, a.context, a.schemas, a.shapes_ttl,
                  f"generated from {project.model_file.relative_to(project.root).as_posix()}")


def locate(project, artifacts: str | None) -> Located:
    notes: list[str] = []
    if artifacts:
        sets = load_argument(artifacts)
        for s, d in ((s, Path(artifacts)) for s in sets):
            if project is not None and d.is_dir() and _inside(d, project.root):
                vdir = d if (d / "context.jsonld").is_file() else d / s.version
                if _stale(project, vdir):
                    s.source += ", STALE: built from older sources than the project's"
                    notes.append(f"{vdir} was built from older sources than {project.root}'s (model/, mappings/ or the "
                                 "toolkit changed since): validating against it as asked; run crm-vocab build to refresh it")
    elif project is not None:
        sets = []
        wdir = project.default_out / project.working_version
        rel = wdir.relative_to(project.root).as_posix() if _inside(wdir, project.root) else str(wdir)
        if (wdir / "context.jsonld").is_file():
            stale = _stale(project, wdir)
            if stale is False:
                sets.append(load_dir(wdir, rel, version=project.working_version,
                                     context_url=project.context_url()))
            else:
                why = (f"{rel} was built from older sources (model/, mappings/ or the toolkit changed since)"
                       if stale else f"{rel} carries no build stamp (.buildinfo), so it may not match the sources")
                notes.append(f"{why}: not used; validating against the model as it is now (run crm-vocab build to refresh it)")
                sets.append(_generate(project, why))
        else:
            sets.append(_generate(project, f"{project.root} has no build ({rel})"))
        if project.releases_dir.is_dir():
            for d in sorted(p for p in project.releases_dir.iterdir() if (p / "context.jsonld").is_file()):
                sets.append(load_dir(d, d.relative_to(project.root).as_posix(), version=d.name,
                                     context_url=project.context_url(d.name)))
    else:
        sets = packaged()
        if not sets:
            raise UsageError("no crm-vocab project here, and this installation of the toolkit has no packaged artifacts",
                             hint="pass --artifacts DIR|FILE.zip (a built version folder, or the <version>.zip from the "
                                  "downloads page), run inside a checkout, or pass --project DIR")
    if project is not None and not artifacts:
        working_url = project.context_url()
    else:
        working = [s for s in sets if s.version == "working"]
        working_url = (working or sets[-1:])[0].context_url
    return Located(sets, working_url, notes)
