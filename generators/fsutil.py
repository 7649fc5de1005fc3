"""Atomic, reproducible file output."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def dump_json(obj, *, sort_keys: bool = False) -> str:
    """Canonical JSON text used for every JSON artifact (2-space indent, UTF-8, final newline)."""
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=sort_keys) + "\n"


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield an empty staging folder beside ``target``; on success swap it into place.

    On any exception the staging folder is removed and ``target`` is untouched, so a failed
    build leaves the previous output intact.
    """
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(stage, target)
    except BaseException:
        if old.exists() and not target.exists():
            os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def case_insensitive(folder: Path) -> bool:
    """Whether names in ``folder`` (an existing, writable folder) are case-insensitive, as on
    macOS and Windows by default: a probe file is created and looked up in upper case."""
    fd, probe = tempfile.mkstemp(prefix=".case-probe-", dir=folder)
    os.close(fd)
    try:
        name = os.path.basename(probe)
        return os.path.exists(os.path.join(folder, name.upper()))
    finally:
        os.unlink(probe)


def read_json(path, *, what: str, hint: str):
    """Parse a JSON file, turning every failure into a UsageError that names the file (and the
    line and column for syntax errors) and says what to pass instead."""
    from .errors import UsageError

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the {what}: {getattr(exc, 'strerror', None) or exc}", where=str(p), hint=hint) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"the {what} is not JSON: {exc.msg}", where=f"{p}:{exc.lineno}:{exc.colno}", hint=hint) from None
    except RecursionError:
        raise UsageError(f"the {what} is nested too deeply to read", where=str(p), hint=hint) from None


def display_path(path, root=None) -> str:
    """``path`` relative to ``root`` when it lies inside it (for messages and reports), else as given."""
    p = Path(path)
    if root is not None:
        try:
            return p.resolve().relative_to(root).as_posix()
        except ValueError:
            pass
    return p.as_posix()
