"""Where the project's sources live and the settings that every builder reads.

The base IRI is held in exactly one place: ``[tool.crm-vocab] base-iri`` in ``pyproject.toml``.
Every IRI the toolkit writes is derived from :class:`Project` (see the ``*_iri`` helpers).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import UsageError

ENV_PROJECT = "CRM_VOCAB_PROJECT"


@dataclass(frozen=True)
class Project:
    root: Path
    base_iri: str
    working_version: str = "working"
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    # ---- locations of sources -------------------------------------------------------------
    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def model_file(self) -> Path:
        return self.model_dir / "untp_crm.yaml"

    @property
    def mappings_dir(self) -> Path:
        return self.root / "mappings"

    @property
    def criteria_file(self) -> Path:
        return self.mappings_dir / "criteria.yaml"

    @property
    def catalogues_dir(self) -> Path:
        return self.mappings_dir / "standards"

    @property
    def crosswalks_dir(self) -> Path:
        return self.mappings_dir / "crosswalks"

    @property
    def samples_dir(self) -> Path:
        return self.root / "model" / "samples"

    @property
    def site_src_dir(self) -> Path:
        return self.root / "site"

    @property
    def releases_dir(self) -> Path:
        return self.site_src_dir / "releases"

    @property
    def default_out(self) -> Path:
        return self.root / "build" / "site"

    # ---- IRIs (GUIDE section 1) -------------------------------------------------------------
    def term_iri(self, name: str) -> str:
        return f"{self.base_iri}{name}"

    @property
    def criteria_base(self) -> str:
        return f"{self.base_iri}criteria/"

    def criterion_iri(self, cid: str) -> str:
        return f"{self.criteria_base}{cid}"

    def standard_base(self, scheme: str, version: str) -> str:
        return f"{self.base_iri}standards/{scheme}/{version}/"

    def scheme_iri(self, scheme: str) -> str:
        """The UNTP ConformityScheme published for a catalogue (or ``hc``, the harmonised set)."""
        return f"{self.base_iri}schemes/{scheme}"

    def artifact_base(self, version: str | None = None) -> str:
        return f"{self.base_iri}{version or self.working_version}/"

    def context_url(self, version: str | None = None) -> str:
        return f"{self.artifact_base(version)}context.jsonld"

    @cached_property
    def shared_dir(self) -> Path | None:
        """``../shared`` beside the repository root, when present (tests and examples only)."""
        p = self.root.parent / "shared"
        return p if p.is_dir() else None


def _find_root(start: Path) -> Path | None:
    for d in [start, *start.parents]:
        pp = d / "pyproject.toml"
        if pp.is_file():
            try:
                data = tomllib.loads(pp.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if "crm-vocab" in data.get("tool", {}):
                return d
    return None


def _read(found: Path) -> Project:
    pp = found / "pyproject.toml"
    data = tomllib.loads(pp.read_text(encoding="utf-8"))
    cfg = data["tool"]["crm-vocab"]
    base = str(cfg.get("base-iri", ""))
    if not base.startswith(("http://", "https://")) or not base.endswith("/"):
        raise UsageError(
            f"[tool.crm-vocab] base-iri must be an http(s) IRI ending in '/', got {base!r}", where=str(pp),
            hint="set base-iri = \"https://vocabulary.uncefact.org/untp/crm/\" or another slash IRI",
        )
    return Project(root=found, base_iri=base, working_version=str(cfg.get("working-version", "working")), extra=cfg)


NOT_FOUND_HINT = ("run inside a checkout (a folder with a pyproject.toml holding a [tool.crm-vocab] table, "
                  "or below one), or pass --project DIR / set CRM_VOCAB_PROJECT")


def find_project(root: str | Path | None = None) -> Project | None:
    """Find the project the way git finds its repository: ``root`` (``--project``) if given,
    else ``$CRM_VOCAB_PROJECT``, else the current directory and its parents. Where the toolkit
    is installed never counts: a fork, a consumer repository or a vendor with the same
    installed toolkit each get their own settings. ``None`` when the current directory is in
    no project; an explicit ``root`` or ``$CRM_VOCAB_PROJECT`` that holds none is an error."""
    explicit = None
    if root is not None:
        explicit = (Path(root), "--project")
    elif os.environ.get(ENV_PROJECT):
        explicit = (Path(os.environ[ENV_PROJECT]), f"${ENV_PROJECT}")
    if explicit is not None:
        path, how = explicit
        if not path.is_dir():
            raise UsageError(f"{how} {path}: no such folder", hint="give the folder holding the project's pyproject.toml")
        found = _find_root(path.resolve())
        if found is None:
            raise UsageError(f"{how} {path}: no crm-vocab project there (no pyproject.toml with a [tool.crm-vocab] table in it or above it)",
                             hint="give the folder holding the project's pyproject.toml")
        return _read(found)
    found = _find_root(Path.cwd().resolve())
    return _read(found) if found else None


def load_project(root: str | Path | None = None) -> Project:
    """:func:`find_project`, for the commands that need a project: an error when there is none."""
    project = find_project(root)
    if project is None:
        raise UsageError("no crm-vocab project found here (a pyproject.toml with a [tool.crm-vocab] table, in this folder or above it)",
                         hint=NOT_FOUND_HINT)
    return project
