"""Atomic, reproducible file output."""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

#: a file of its own in every folder the build writes (staging folders and the output): the build
#: replaces only folders that hold it, and removes only staging folders that hold it
OUTPUT_MARKER = ".crm-vocab-output"


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


MARKER_TEXT = ("This folder was written by crm-vocab build, which replaces it whole on every build:\n"
               "keep nothing else here.\n")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def is_own_output(folder: Path, legacy: tuple[str, ...] = ()) -> bool:
    """Whether ``folder`` is a folder the build made: it holds the marker (or, for output written
    before the marker existed, one of ``legacy``'s file names). Symlinked markers do not count."""
    return any((folder / name).is_file() and not (folder / name).is_symlink() for name in (OUTPUT_MARKER, *legacy))


def _refuse_foreign(target: Path, legacy: tuple[str, ...]) -> None:
    from .errors import UsageError

    hint = ("give --out a new or empty folder (or one an earlier build wrote), e.g. --out build/site; "
            "the build replaces its output folder whole")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise UsageError("the output is not a folder; crm-vocab build writes only into a folder of its own",
                         where=str(target), hint=hint)
    if not target.is_dir() or is_own_output(target, legacy):
        return
    try:
        empty = next(os.scandir(target), None) is None
    except OSError as exc:
        raise UsageError(f"cannot read the output folder: {exc.strerror or exc}", where=str(target), hint=hint) from None
    if not empty:
        raise UsageError("the output folder is not empty and was not made by crm-vocab build "
                         f"(no {OUTPUT_MARKER} in it): building would replace everything in it",
                         where=str(target), hint=hint)


def _lock(marker: Path):
    """An open descriptor holding an exclusive lock on ``marker``, or None when another process
    (a running build, or one of its workers) holds it. The lock dies with its process, so a killed
    build's folders are free to remove."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): never remove what another build may still use
        return None
    try:
        fd = os.open(marker, os.O_RDWR | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def sweep_stale(target: Path) -> list[Path]:
    """Remove the staging (and swapped-out) folders that builds into ``target`` left when they were
    killed: siblings named ``.<name>.staging-*`` / ``.<name>.old-*`` that hold the marker and whose
    marker no running build holds locked. Returns the folders removed."""
    removed = []
    prefixes = (f".{target.name}.staging-", f".{target.name}.old-")
    try:
        entries = sorted(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefixes) or entry.is_symlink() or not entry.is_dir():
            continue
        marker = entry / OUTPUT_MARKER
        if marker.is_symlink() or not marker.is_file():
            try:
                entry.rmdir()  # only when empty: a build killed before it wrote the marker
                removed.append(entry)
            except OSError:
                pass
            continue
        fd = _lock(marker)
        if fd is None:
            continue
        try:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
        finally:
            os.close(fd)
    return removed


@contextmanager
def staged_directory(target: Path, *, legacy_markers: tuple[str, ...] = ()) -> Iterator[Path]:
    """Yield an empty staging folder beside ``target``; on success swap it into place.

    ``target`` must be new, empty, or a folder an earlier build made (it holds ``OUTPUT_MARKER``,
    or one of ``legacy_markers``): anything else is refused (UsageError) before anything is
    written, so the build never deletes what is not its own. The staging folder holds the marker,
    locked while this build runs; staging folders of killed builds are removed first. On any
    exception the staging folder is removed and ``target`` is untouched, so a failed build leaves
    the previous output intact. The output folder gets the permissions of a plain ``mkdir``
    (0755 under umask 022), not mkdtemp's 0700.
    """
    target = target.resolve()
    _refuse_foreign(target, legacy_markers)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(target)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    lock = None
    try:
        os.chmod(stage, 0o777 & ~_umask())
        write_bytes_atomic(stage / OUTPUT_MARKER, MARKER_TEXT.encode())
        lock = _lock(stage / OUTPUT_MARKER)
        yield stage
        _refuse_foreign(target, legacy_markers)  # again: the folder may have changed meanwhile
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        if lock is not None:
            os.close(lock)
        raise
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    old_lock = None
    try:
        if target.exists():
            old_lock = _lock(target / OUTPUT_MARKER)  # so no other build's sweep takes it meanwhile
            os.replace(target, old)  # (onto the empty folder just made: an atomic rename)
        try:
            os.replace(stage, target)
        except BaseException:
            if old.exists() and not target.exists() and any(old.iterdir()):
                os.replace(old, target)
            raise
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        for fd in (lock, old_lock):
            if fd is not None:
                os.close(fd)
        if old.exists() and old != target:
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
    """Parse a JSON file within the input limits (untp_crm_vocab.limits: size, numbers, depth,
    arrays, lone surrogates), turning every failure into a UsageError that names the file (and
    the line and column for syntax errors) and says what to pass instead."""
    from .errors import UsageError
    from .limits import read_json_document

    p = Path(path)
    doc, problem = read_json_document(str(p))
    if problem is None:
        return doc
    m = re.fullmatch(r"line (\d+) column (\d+)", problem.where)
    where = f"{p}:{m[1]}:{m[2]}" if m else (str(p) if problem.where == "$" else f"{p}: {problem.where}")
    if problem.rule == "unreadable":
        raise UsageError(f"{problem.message.replace('the file', 'the ' + what, 1)}", where=where, hint=hint)
    message = problem.message.replace("not JSON", f"the {what} is not JSON", 1) if problem.rule == "not-json" else f"the {what}: {problem.message}"
    raise UsageError(message, where=where, hint=hint)


def display_path(path, root=None) -> str:
    """``path`` relative to ``root`` when it lies inside it (for messages and reports), else as given."""
    p = Path(path)
    if root is not None:
        try:
            return p.resolve().relative_to(root).as_posix()
        except ValueError:
            pass
    return p.as_posix()
