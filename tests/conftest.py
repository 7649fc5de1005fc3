"""Shared pytest fixtures."""
from __future__ import annotations

from pathlib import Path

import pytest

from generators.project import load_project

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project():
    """The project settings of this checkout (pyproject.toml [tool.crm-vocab])."""
    return load_project(REPO)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository root (research notes, external samples); tests that
    need it skip when it is absent."""
    p = REPO.parent / "shared"
    if not p.is_dir():
        pytest.skip(f"shared folder not present at {p} (../shared beside the repository root); these tests read reference files from it")
    return p
