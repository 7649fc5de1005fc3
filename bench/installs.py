"""Installing the toolkit the way its users do, for ``tests/test_install.py`` and
``bench/bench_install.py``: a clean git repository of this checkout's sources (what a hook user's
pre-commit clones), the wheel built from it, fresh virtual environments, their size.

pip is used as configured on the machine (the package index, or its cache); nothing else is
fetched.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIT_ENV = {"GIT_AUTHOR_NAME": "crm-vocab tests", "GIT_AUTHOR_EMAIL": "tests@example.org",
           "GIT_COMMITTER_NAME": "crm-vocab tests", "GIT_COMMITTER_EMAIL": "tests@example.org",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without CRM_VOCAB_PROJECT and without this venv's activation."""
    env = {k: v for k, v in os.environ.items() if k not in ("CRM_VOCAB_PROJECT", "VIRTUAL_ENV", "PYTHONPATH")}
    return {**env, **GIT_ENV, **extra}


def run(argv, cwd=None, env=None, timeout=900, check=True) -> subprocess.CompletedProcess:
    r = subprocess.run([str(a) for a in argv], cwd=cwd, env=env or clean_env(), capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def git_commit_all(repo: Path, message: str) -> str:
    run(["git", "add", "-A"], cwd=repo)
    run(["git", "commit", "-q", "--no-verify", "-m", message], cwd=repo)
    return run(["git", "rev-parse", "HEAD"], cwd=repo).stdout.strip()


def source_repo(dest: Path) -> tuple[Path, str]:
    """A fresh git repository holding this checkout's files as they are now (tracked and
    untracked-but-not-ignored; no .venv, no build output). Returns (path, commit)."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT).stdout
    dest.mkdir(parents=True)
    for rel in sorted(filter(None, listed.split("\0"))):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    run(["git", "init", "-q", "-b", "main"], cwd=dest)
    return dest, git_commit_all(dest, "toolkit sources")


def build_wheel(source: Path, out: Path) -> Path:
    """``pip wheel --no-deps --no-build-isolation``, as ``make wheel`` does, with this Python
    (which has the [build] extra, so the validation artifacts are packaged)."""
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", out,
         source], cwd=source)
    (wheel,) = out.glob("untp_crm_vocab-*.whl")
    return wheel


def make_venv(path: Path, *requirements: str) -> Path:
    """A new virtual environment (the base interpreter's venv module) with ``requirements``
    installed by pip; returns its bin folder."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    run([base, "-m", "venv", path])
    bin_ = path / "bin"
    if requirements:
        run([bin_ / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements])
    return bin_


def tree_size(path: Path) -> int:
    """Bytes of every regular file under ``path`` (apparent sizes, symlinks not followed)."""
    total = 0
    for dirpath, _, filenames in os.walk(path):
        for fn in filenames:
            p = os.path.join(dirpath, fn)
            if not os.path.islink(p):
                total += os.lstat(p).st_size
    return total


def site_packages(venv: Path) -> Path:
    (sp,) = venv.glob("lib/python3*/site-packages")
    return sp


def distributions(venv: Path) -> set[str]:
    """Normalised names of the distributions installed in ``venv``."""
    names = set()
    for d in site_packages(venv).glob("*.dist-info"):
        names.add(d.name[: -len(".dist-info")].rsplit("-", 1)[0].lower().replace("_", "-").replace(".", "-"))
    return names


INSTALLERS = frozenset({"pip", "setuptools", "wheel"})


def installed_size(venv: Path, exclude=INSTALLERS) -> tuple[int, int]:
    """(bytes, distributions) installed in ``venv`` by pip, from each distribution's RECORD,
    leaving out the installer itself (pip, setuptools, wheel: every environment has them)."""
    import csv

    sp = site_packages(venv)
    total = count = 0
    for rec in sp.glob("*.dist-info/RECORD"):
        name = rec.parent.name[: -len(".dist-info")].rsplit("-", 1)[0].lower().replace("_", "-")
        if name in exclude:
            continue
        count += 1
        with rec.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                p = (sp / row[0]).resolve() if row else None
                if p is not None and p.is_file():
                    total += p.stat().st_size
    return total, count
