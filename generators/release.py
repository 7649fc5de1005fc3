"""``crm-vocab release VERSION``: freeze the versioned artifacts into ``site/releases/<VERSION>/``.

The artifacts are built afresh with the version name in place of ``working`` (so the context URL,
schema ``$id``s and crosswalk IRIs inside the files name the release), copied into a staging folder
beside ``site/releases/`` and renamed into place in one step; ``site/releases/index.yaml`` records
the release and moves ``latest``. A release folder is never written again: an existing version is
refused. The release also freezes the project's valid samples (``model/samples/valid/``) into
``samples/``, with the release's context URL.

Version rules (semver, checked with ``crm-vocab diff`` against the previous release):

* the version must be greater than every earlier release;
* a breaking change needs a major bump (``1.4.2 -> 2.0.0``), or a minor bump while the major
  version is 0 (``0.3.1 -> 0.4.0``);
* additions (new terms, optional properties, enum values, mappings) need a minor bump from 1.0.0
  on; while 0.x, where the minor number already signals breaking changes, a patch bump suffices;
* anything else (definitions, labels) needs at least a patch bump.

Besides the artifact diff, the previous release's valid samples (its ``samples/``, or for an older
release the project's valid samples that it accepts) are validated against the new artifacts:
each one that now fails is a breaking change (``sample-invalidated``), so a tightening the diff
cannot name still needs its bump.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import tempfile
from pathlib import Path

from .errors import BuildError, UsageError

# matched whole ("\Z": "$" also matches before a final newline) and ASCII digits only
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\Z")
BUMPS = ("none", "patch", "minor", "major")


EXIT_CODES = """exit codes:
  0  released (or, with --dry-run, the version number is usable)
  1  the working version cannot be built
  2  usage error: not a semantic version, the version exists, no project found"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("version", metavar="VERSION", help="semantic version, e.g. 0.2.0")
    p.add_argument("--from", dest="source", metavar="DIR",
                   help="freeze this artifact folder instead of building (its files are copied unchanged)")
    p.add_argument("--dry-run", action="store_true",
                   help="build the artifacts in a temporary folder and check the version number against the "
                        "changes since the previous release; write nothing in the project")


def parse_version(v: str) -> tuple[int, int, int, str]:
    m = SEMVER.match(v or "")
    if not m:
        raise UsageError(f"{v!r} is not a semantic version (MAJOR.MINOR.PATCH, optionally -PRERELEASE)",
                         hint="for example: crm-vocab release 0.2.0")
    return int(m[1]), int(m[2]), int(m[3]), m[4] or ""


def bump_kind(prev: str, new: str) -> str:
    a, b = parse_version(prev), parse_version(new)
    if b[0] > a[0]:
        return "major"
    if b[0] == a[0] and b[1] > a[1]:
        return "minor"
    if b[:3] > a[:3] or (b[:3] == a[:3] and b[3] != a[3]):
        return "patch"
    return "none"


def required_bump(prev: str, changes: list[dict]) -> tuple[str, str]:
    """(bump, reason) the changes since ``prev`` need."""
    major0 = parse_version(prev)[0] == 0
    breaking = [c for c in changes if c["breaking"]]
    if breaking:
        return ("minor" if major0 else "major"), f"{len(breaking)} breaking change(s)"
    additions = [c for c in changes if c["kind"].endswith(("-added", "-widened"))]
    if additions:
        return ("patch" if major0 else "minor"), f"{len(additions)} addition(s)"
    return "patch", "no breaking changes or additions"


def _suggest(prev: str, bump: str) -> str:
    ma, mi, pa, _ = parse_version(prev)
    return {"major": f"{ma + 1}.0.0", "minor": f"{ma}.{mi + 1}.0", "patch": f"{ma}.{mi}.{pa + 1}"}[bump]


def build_artifacts(project, version: str, workdir: Path) -> Path:
    """Build the versioned artifacts with ``version`` as the version name; return that folder."""
    from . import build as buildmod

    vproject = dataclasses.replace(project, working_version=version)
    out = workdir / "build"
    # every step of `crm-vocab build` but the site: the versioned artifacts (a list kept here
    # once missed the schemes step)
    steps = tuple(s for s in buildmod.STEPS if s != "untp_crm_vocab.site")
    buildmod.build(vproject, out, steps=steps, quiet=True)
    folder = out / version
    if not folder.is_dir():
        raise BuildError(f"the build wrote no {version}/ folder", hint="check that the model builds: crm-vocab build")
    return folder


def _write_index(project, index: dict) -> None:
    import yaml

    from .fsutil import write_text_atomic

    text = ("# Releases of the vocabulary, written by `crm-vocab release` (do not edit by hand).\n"
            + yaml.safe_dump(index, sort_keys=False, allow_unicode=True))
    write_text_atomic(project.releases_dir / "index.yaml", text)


def check_version(project, version: str, artifacts: Path | None) -> dict:
    """Refusals that need no artifacts, then (when given) the semver check against the previous
    release. Returns {previous, changes, required, bump}."""
    from .versions import read_release_index, semver_key

    parse_version(version)
    index = read_release_index(project)
    versions = [str(r["version"]) for r in index["releases"]]
    if version in versions or (project.releases_dir / version).exists():
        raise UsageError(f"version {version} is already released; releases are immutable",
                         where=str(project.releases_dir / version),
                         hint="pick a new version number; never edit or replace a released folder")
    released = [v for v in versions if SEMVER.match(v)]
    prev = max(released, key=semver_key) if released else None
    if prev and semver_key(version) <= semver_key(prev):
        raise UsageError(f"version {version} is not greater than the latest release {prev}",
                         hint=f"use {_suggest(prev, 'patch')} or higher")
    info = {"previous": prev, "changes": [], "required": None, "bump": None}
    if prev and artifacts is not None:
        from .diff import compare

        changes = compare(project.releases_dir / prev, artifacts, project)
        changes += sample_regressions(project, project.releases_dir / prev, artifacts, version)
        need, why = required_bump(prev, changes)
        have = bump_kind(prev, version)
        info.update(changes=changes, required=need, bump=have)
        if BUMPS.index(have) < BUMPS.index(need):
            shown = [c for c in changes if c["breaking"]] or changes
            listing = "\n".join(f"    {c['kind']} {c['subject']} {c['detail']}".rstrip() for c in shown[:10])
            more = f"\n    ... and {len(shown) - 10} more" if len(shown) > 10 else ""
            raise UsageError(
                f"{version} is a {have} bump from {prev}, but {why} since {prev} need a {need} bump:\n{listing}{more}",
                hint=f"release {_suggest(prev, need)} instead (see: crm-vocab diff {prev} {project.working_version})")
    return info


def _crm_context_re(project):
    return re.compile(re.escape(project.base_iri) + r"[0-9A-Za-z._+-]+/context\.jsonld\Z")


def _with_context(doc, project, url: str):
    """``doc`` with every CRM context URL of its ``@context`` (any version) replaced by ``url``."""
    rx = _crm_context_re(project)
    ctx = doc.get("@context")
    if isinstance(ctx, list):
        doc = dict(doc, **{"@context": [url if isinstance(c, str) and rx.match(c) else c for c in ctx]})
    elif isinstance(ctx, str) and rx.match(ctx):
        doc = dict(doc, **{"@context": url})
    return doc


def release_samples(project, previous: Path) -> list[Path]:
    """The samples a release froze (``<release>/samples/*.json``); for a release made before
    releases held samples, the project's ``model/samples/valid/`` (re-checked against that release
    first, so only those valid for it count)."""
    frozen = sorted((previous / "samples").glob("*.json"))
    return frozen or sorted((project.samples_dir / "valid").glob("*.json"))


def sample_regressions(project, previous: Path, artifacts: Path, version: str) -> list[dict]:
    """The previous release's valid samples that the new artifacts (of ``version``) reject: one
    breaking change (``sample-invalidated``) each, with the first error. Each sample names the
    context of the artifacts it is checked against (first the previous release's: a sample
    already invalid there does not count), so the verdict is the artifacts', whatever version the
    sample was written for."""
    if not ((previous / "context.jsonld").is_file() and (artifacts / "context.jsonld").is_file()):
        return []
    from .limits import read_json_document
    from .validate import Validator

    docs = []
    for path in release_samples(project, previous):
        doc, problem = read_json_document(str(path))
        if problem is None and isinstance(doc, dict):
            docs.append((path.name, doc))
    if not docs:
        return []
    before_url, after_url = project.context_url(previous.name), project.context_url(version)
    before = Validator(project, previous, jobs=1, artifacts_version=previous.name).validate_documents(
        [(name, _with_context(doc, project, before_url)) for name, doc in docs])
    valid = [(name, _with_context(doc, project, after_url)) for (name, doc), r in zip(docs, before) if r.valid]
    after = Validator(project, artifacts, jobs=1, artifacts_version=version).validate_documents(valid) if valid else []
    out = []
    for (name, _doc), r in zip(valid, after):
        if not r.valid:
            first = (r.errors or r.findings)[0]
            detail = f"now invalid: {first.path}: {first.message}"
            out.append({"kind": "sample-invalidated", "subject": name, "detail": detail[:300], "breaking": True,
                        "source": f"samples/{name}"})
    return out


def _freeze_samples(project, version: str, stage: Path) -> None:
    """Copy ``model/samples/valid/*.json`` into the release as ``samples/``, their working context
    URL replaced by the release's: the examples a later release is checked against."""
    from .fsutil import write_text_atomic

    src = sorted((project.samples_dir / "valid").glob("*.json"))
    for p in src:
        text = p.read_text(encoding="utf-8").replace(project.context_url(), project.context_url(version))
        write_text_atomic(stage / "samples" / p.name, text)


def release(project, version: str, source: Path | None = None, dry_run: bool = False) -> dict:
    check_version(project, version, None)  # cheap refusals before building anything
    if not dry_run:  # staged beside the releases, so the final rename is atomic
        project.releases_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".release-{version}-", dir=None if dry_run else project.releases_dir) as tmp:
        tmp = Path(tmp)
        if source is not None:
            if not source.is_dir() or not ((source / "vocabulary.ttl").is_file() or (source / "context.jsonld").is_file()):
                raise UsageError(f"{source} is not an artifact folder (no vocabulary.ttl or context.jsonld)",
                                 hint="pass a version folder such as build/site/working")
            artifacts = source
        else:
            artifacts = build_artifacts(project, version, tmp)
        info = check_version(project, version, artifacts)
        if dry_run:
            return info
        stage = tmp / "stage"
        shutil.copytree(artifacts, stage, symlinks=False)
        if not (stage / "samples").exists():
            _freeze_samples(project, version, stage)
        for p in stage.rglob("*"):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        final = project.releases_dir / version
        try:
            os.rename(stage, final)  # atomic; fails if the version appeared meanwhile
        except OSError as exc:
            raise UsageError(f"cannot create {final}: {exc.strerror or exc}",
                             hint="another release of the same version may have run") from None
    from .versions import read_release_index, semver_key

    index = read_release_index(project)
    records = [r for r in index["releases"] if str(r["version"]) != version]
    records.append({"version": version, "previous": info["previous"],
                    "breaking_changes": sum(c["breaking"] for c in info["changes"]),
                    "changes": len(info["changes"]),
                    "files": sum(1 for p in final.rglob("*") if p.is_file())})
    records.sort(key=lambda r: semver_key(str(r["version"])))
    latest = max((str(r["version"]) for r in records), key=semver_key)
    _write_index(project, {"latest": latest, "releases": records})
    info["folder"] = final
    info["latest"] = latest
    return info


def run(args, project) -> int:
    info = release(project, args.version, Path(args.source) if args.source else None, args.dry_run)
    prev = info["previous"] or "nothing"
    summary = f"{len(info['changes'])} change(s) since {prev}" if info["previous"] else "first release"
    if args.dry_run:
        print(f"{args.version} would be accepted ({summary}; needs a {info['required'] or 'any'} bump)")
        return 0
    print(f"released {args.version} into {info['folder']} ({summary}); latest is now {info['latest']}")
    return 0
