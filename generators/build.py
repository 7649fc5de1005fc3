"""``crm-vocab build``: every artifact and the site, staged and swapped in atomically."""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BuildError
from .fsutil import staged_directory, write_bytes_atomic
from .project import Project

# Build steps in order; each module exposes build(ctx). See DEVELOPING.md.
STEPS = (
    "generators.model_artifacts",
    "generators.crosswalk_rdf",
    "generators.coverage",
    "generators.site",
)


@dataclass
class BuildContext:
    project: Project
    out: Path
    version: str
    quiet: bool = False
    _cache: dict = field(default_factory=dict)

    def write(self, relpath: str, data: bytes | str) -> Path:
        rel = Path(relpath)
        if rel.is_absolute() or ".." in rel.parts:
            raise BuildError(f"refusing to write outside the output folder: {relpath!r}")
        if isinstance(data, str):
            data = data.encode("utf-8")
        path = self.out / rel
        write_bytes_atomic(path, data)
        return path

    def cached(self, key: str, factory):
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]

    def mapping_data(self):
        from .mappingdata import load_mapping_data

        return self.cached("mapping_data", lambda: load_mapping_data(self.project))

    def log(self, msg: str) -> None:
        if not self.quiet:
            print(msg, file=sys.stderr)


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", help="output folder (default: build/site/)")
    p.add_argument("--only", action="append", metavar="STEP", help=argparse.SUPPRESS)
    p.add_argument("-q", "--quiet", action="store_true", help="print only the final line")


def build(project: Project, out: Path | None = None, *, steps=STEPS, quiet: bool = False) -> Path:
    out = Path(out) if out else project.default_out
    with staged_directory(out) as stage:
        ctx = BuildContext(project=project, out=stage, version=project.working_version, quiet=quiet)
        for name in steps:
            try:
                mod = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    ctx.log(f"  (step {name} not available yet: skipped)")
                    continue
                raise
            t0 = time.perf_counter()
            mod.build(ctx)
            ctx.log(f"  {name.rsplit('.', 1)[-1]:<16} {time.perf_counter() - t0:6.2f} s")
    return out


def run(args, project: Project) -> int:
    steps = STEPS
    if args.only:
        steps = tuple(s for s in STEPS if s.rsplit(".", 1)[-1] in args.only)
    out = build(project, Path(args.out) if args.out else None, steps=steps, quiet=args.quiet)
    index = out / "index.html"
    print(f"built {out}" + (f"; open {index} or run: crm-vocab serve" if index.exists() else ""))
    return 0
