"""Versions of the published vocabulary: the release index (``site/releases/index.yaml``), their
order (semver) and the date the build stamps into files that need one (``SOURCE_DATE_EPOCH``).

Read by the site step, ``crm-vocab release`` and the build's input hash; imports nothing of them.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import BuildError

DEFAULT_EPOCH = "315532800"  # 1980-01-01, used when neither SOURCE_DATE_EPOCH nor git gives a date


def yaml_load(text: str):
    """``yaml.safe_load`` with libyaml's parser when PyYAML has it (same results, ~10x faster),
    bounded against alias bombs (limits.yaml_load raises a yaml.YAMLError)."""
    from .limits import yaml_load as bounded

    return bounded(text)


def semver_key(v: str):
    m = re.match(r"^v?([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([0-9A-Za-z.-]+))?\Z", v)
    if not m:
        return (1 << 30, 0, 0, 0, v)
    return (int(m[1]), int(m[2]), int(m[3]), 0 if m[4] else 1, m[4] or "")


def read_release_index(project) -> dict:
    """``site/releases/index.yaml``: {latest: str|None, releases: [{version, ...}]}."""
    import yaml

    path: Path = project.releases_dir / "index.yaml"
    data: dict = {}
    if path.is_file():
        try:
            data = yaml_load(path.read_text(encoding="utf-8")) or {}
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


def source_date_epoch(project) -> str:
    """``SOURCE_DATE_EPOCH``, else the time of the project's last git commit, else 1980-01-01."""
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
