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
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if "crm-vocab" in data.get("tool", {}):
                return d
    return None


def load_project(root: str | Path | None = None) -> Project:
    """Find the project: ``root`` if given, else $CRM_VOCAB_PROJECT, else the checkout this
    package lives in, else the current directory and its parents."""
    candidates: list[Path] = []
    if root is not None:
        candidates.append(Path(root))
    elif os.environ.get(ENV_PROJECT):
        candidates.append(Path(os.environ[ENV_PROJECT]))
    else:
        candidates += [Path(__file__).resolve().parent.parent, Path.cwd()]
    for c in candidates:
        found = _find_root(c.resolve())
        if found:
            data = tomllib.loads((found / "pyproject.toml").read_text(encoding="utf-8"))
            cfg = data["tool"]["crm-vocab"]
            base = str(cfg.get("base-iri", ""))
            if not base.startswith(("http://", "https://")) or not base.endswith("/"):
                raise UsageError(
                    f"{found / 'pyproject.toml'}: [tool.crm-vocab] base-iri must be an http(s) IRI ending in '/', got {base!r}",
                    hint="set base-iri = \"https://vocabulary.uncefact.org/untp/crm/\" or another slash IRI",
                )
            return Project(root=found, base_iri=base, working_version=str(cfg.get("working-version", "working")), extra=cfg)
    raise UsageError(
        "no crm-vocab project found (a pyproject.toml with a [tool.crm-vocab] table)",
        hint="run from the repository checkout, or pass --project DIR / set CRM_VOCAB_PROJECT",
    )
