"""Downloads: one deterministic zip per version and the downloads page (every artifact with its
size and SHA-256; template ``downloads.html``)."""
from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from types import SimpleNamespace

from .render import GenPage, Templates

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


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


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def human(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def downloads_page(ctx, t: Templates, versions: list[str], *, final: bool = True) -> GenPage:
    """The downloads page; ``final=False``: without the tables (the site's pages are rendered
    before the versioned folders are complete; see deferred.py)."""
    shown = []
    for v in versions if final else ():
        vd = ctx.out / v
        if not vd.is_dir():
            continue
        z = ctx.out / f"{v}.zip"
        files = [z] + sorted((p for p in vd.rglob("*") if p.is_file()), key=lambda p: p.relative_to(ctx.out).as_posix())
        rows = []
        for f in files:
            size = f.stat().st_size
            rows.append(SimpleNamespace(path=f.relative_to(ctx.out).as_posix(), size=size, human=human(size),
                                        sha256=sha256(f)))
        shown.append(SimpleNamespace(name=v, working=v == ctx.version, files=rows))
    return t.page("downloads.html", "downloads.html", "Downloads", final=final, versions=shown)
