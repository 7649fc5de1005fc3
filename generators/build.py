"""``crm-vocab build``: every artifact and the site, staged and swapped in atomically."""
from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BuildError, CrmVocabError, UsageError
from .fsutil import case_insensitive, staged_directory
from .project import Project

# Build steps in order; each module exposes build(ctx). See DEVELOPING.md.
STEPS = (
    "untp_crm_vocab.model_artifacts",
    "untp_crm_vocab.crosswalk_rdf",
    "untp_crm_vocab.coverage",
    "untp_crm_vocab.schemes",
    "untp_crm_vocab.dataset",
    "untp_crm_vocab.site",
)


@dataclass
class BuildContext:
    project: Project
    out: Path
    version: str
    quiet: bool = False
    _cache: dict = field(default_factory=dict)
    _dirs: set = field(default_factory=set)
    #: joins of work started with ``beside``, waited for before the steps' ``finish`` phase
    background: list = field(default_factory=list)
    #: True in a forked worker (a disposable process: it exits when its work is done)
    in_worker: bool = False
    #: on a case-insensitive file system: case-folded relative path -> the path written
    casefolded: dict | None = None

    def beside(self, fn) -> None:
        """Start ``fn(ctx)`` beside the caller (a forked worker when two cores are usable, else
        right now, in this process). The build waits for it before any step's ``finish(ctx)``;
        until then no step may read what ``fn`` writes, and ``fn`` must write files nobody else
        writes."""
        if parallel_ok():
            self.background.append(fork_worker(self, fn))
        else:
            fn(self)

    def join_background(self, raise_error: bool = True) -> None:
        joins, self.background = self.background, []
        errors = []
        for join in joins:
            try:
                join(raise_error=raise_error)
            except BaseException as exc:  # noqa: BLE001 - every worker is waited for first
                errors.append(exc)
        if errors:
            raise errors[0]

    def write(self, relpath: str, data: bytes | str) -> Path:
        """Write one output file. The staging folder is private and swapped in whole
        (``fsutil.staged_directory``), so a plain write is enough here: per-file temporary
        files and renames cost ~0.4 ms a file, seconds at 10,000 terms."""
        rel = Path(relpath)
        if rel.is_absolute() or ".." in rel.parts:
            raise BuildError(f"refusing to write outside the output folder: {relpath!r}")
        if self.casefolded is not None:
            self._check_case(rel.as_posix())
        if isinstance(data, str):
            data = data.encode("utf-8")
        path = self.out / rel
        parent = path.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.fchmod(fd, 0o644)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        return path

    def _check_case(self, rel: str) -> None:
        """On a case-insensitive file system (macOS and Windows defaults), ``Product.jsonld`` and
        ``product.jsonld`` (a class and a slot) are one file: refuse instead of letting one
        silently replace the other. Term IRIs are case-sensitive, so renaming is no answer."""
        other = self.casefolded.setdefault(rel.casefold(), rel)
        if other != rel:
            raise BuildError(
                f"{rel} and {other} differ only in case, and the output folder is on a case-insensitive "
                "file system, where one would overwrite the other",
                where=str(self.out.parent),
                hint="build on a case-sensitive file system (Linux, WSL's own disk, a Docker volume or a "
                     "case-sensitive APFS volume on macOS): crm-vocab build --out DIR")

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


# ----------------------------------------------------------------------------------------------
# no-op rebuilds: a content hash of every input, stored in the output folder
# ----------------------------------------------------------------------------------------------
STAMP = ".buildinfo"   # like Sphinx's: inputs hash + a manifest digest of the output tree
PACKAGE_DIR = Path(__file__).resolve().parent   # this package's source (generators/ in a checkout)
TOOLKIT = PACKAGE_DIR.parent                    # the checkout, when the toolkit runs from one
# installed tools whose version can change output bytes
TOOL_PACKAGES = ("linkml", "linkml-runtime", "rdflib", "pyoxigraph", "mkdocs",
                 "mkdocs-material", "markdown", "jinja2", "pymdown-extensions", "pyyaml", "networkx",
                 "untp-crm-vocab")


def _hash_tree(h, root: Path, label: str) -> None:
    """Feed every file under ``root`` (relative path, size and bytes; sorted) into ``h``."""
    if root.is_file():
        h.update(f"F {label} {root.stat().st_size}\n".encode())
        h.update(root.read_bytes())
        return
    if not root.is_dir():
        h.update(f"- {label}\n".encode())
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", ".git"))
        rel = Path(dirpath).relative_to(root).as_posix()
        for fn in sorted(filenames):
            if fn.endswith((".pyc", ".pyo")):
                continue
            p = Path(dirpath, fn)
            data = p.read_bytes()
            h.update(f"F {label}/{rel}/{fn} {len(data)}\n".encode())
            h.update(data)


def sources_digest(project: Project) -> str:
    """SHA-256 over what the versioned artifacts (context, schemas, shapes, vocabulary,
    crosswalks, coverage) are made from: the project settings (pyproject.toml), model/,
    mappings/, the toolkit's package source and the versions of the tools that write bytes.
    Recorded in ``.buildinfo`` as ``sources``; ``crm-vocab validate`` compares it to refuse a
    stale build. Absolute paths are not part of it, so two copies of a project hash alike."""
    from importlib import metadata

    h = hashlib.sha256()
    h.update(f"crm-vocab sources v1\nbase={project.base_iri}\nversion={project.working_version}\n"
             f"python={sys.version_info[:3]}\n".encode())
    for name in TOOL_PACKAGES:
        try:
            h.update(f"{name}={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=-\n".encode())
    for label, path in (("pyproject", project.root / "pyproject.toml"), ("model", project.model_dir),
                        ("mappings", project.mappings_dir), ("generators", PACKAGE_DIR)):
        _hash_tree(h, path, label)
    return h.hexdigest()


def inputs_hash(project: Project, steps=STEPS, sources: str | None = None) -> str:
    """SHA-256 over everything the build reads: :func:`sources_digest`, site/, mkdocs.yml (and
    the toolkit's mkdocs.yml, site overrides and page templates that a project copy without its
    own falls back to), SOURCE_DATE_EPOCH (or the commit time it defaults to) and the steps."""
    h = hashlib.sha256()
    h.update(f"crm-vocab build inputs v2\nsources={sources or sources_digest(project)}\n"
             f"steps={','.join(steps)}\n".encode())
    for label, path in (("mkdocs", project.root / "mkdocs.yml"), ("site", project.site_src_dir),
                        ("toolkit-mkdocs", TOOLKIT / "mkdocs.yml"),
                        ("toolkit-overrides", TOOLKIT / "site" / "overrides"),
                        ("toolkit-templates", TOOLKIT / "site" / "templates"),
                        ("toolkit-queries", TOOLKIT / "site" / "queries")):
        _hash_tree(h, path, label)
    if "untp_crm_vocab.site" in steps:
        from .versions import source_date_epoch

        h.update(f"epoch={source_date_epoch(project)}\n".encode())
    return h.hexdigest()


def read_stamp(out: Path) -> dict | None:
    """The ``.buildinfo`` of a build output folder, or None when it has none (or it is unreadable)."""
    try:
        stamp = json.loads((out / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def tree_digest(out: Path) -> str:
    """Digest of the output tree's file names and sizes (not contents: cheap), minus the stamp."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(out):
        dirnames.sort()
        rel = Path(dirpath).relative_to(out).as_posix()
        for fn in sorted(filenames):
            if rel == "." and fn == STAMP:
                continue
            h.update(f"{rel}/{fn} {os.stat(os.path.join(dirpath, fn)).st_size}\n".encode())
    return h.hexdigest()


def up_to_date(out: Path, digest: str) -> bool:
    """True when ``out`` was built from inputs hashing to ``digest`` and still holds that tree."""
    stamp = read_stamp(out)
    return stamp is not None and stamp.get("inputs") == digest and stamp.get("tree") == tree_digest(out)


EXIT_CODES = """exit codes:
  0  built, or up to date
  1  the sources cannot be built (the previous output is left untouched)
  2  usage error, no project found, or the [build] extra is not installed"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", help="output folder (default: build/site/)")
    p.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    p.add_argument("--only", action="append", metavar="STEP", help=argparse.SUPPRESS)
    p.add_argument("-q", "--quiet", action="store_true", help="print only the final line")


# Steps that read only the mapping files, never another step's output: they run in a forked
# worker beside model_artifacts (the site step reads both outputs, so it runs after).
CONCURRENT = ("untp_crm_vocab.crosswalk_rdf", "untp_crm_vocab.coverage", "untp_crm_vocab.schemes")
ENV_JOBS = "CRM_VOCAB_JOBS"


def parallel_ok() -> bool:
    """Whether build work may run in forked workers: two usable cores and CRM_VOCAB_JOBS not 1."""
    if os.environ.get(ENV_JOBS, "").strip() == "1" or not hasattr(os, "fork"):
        return False
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except AttributeError:
        return (os.cpu_count() or 1) >= 2


def _step_module(ctx: BuildContext, name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            ctx.log(f"  (step {name} not available yet: skipped)")
            return None
        raise


def _run_steps(ctx: BuildContext, names, *, side=(), side_join=None) -> None:
    """Run steps in order. A step module has ``build(ctx)``; before it runs, the work earlier
    steps started with ``ctx.beside`` is waited for, since it may read those files. A step may
    instead split itself into ``start(ctx)``, which must not read what ``ctx.beside`` work
    writes and so runs while that work goes on, and ``finish(ctx)``, which runs once it is done;
    a step with only ``start(ctx)`` reads none of that work and never waits for it.
    ``side``: steps running in a forked worker meanwhile, whose ``side_join()`` is called
    before the first step after them."""
    names = list(names)
    for i, name in enumerate(names):
        if name in side:
            continue  # running in the side worker
        if side_join is not None and any(n in side for n in names[:i]):
            side_join()
            side_join = None
        mod = _step_module(ctx, name)
        if mod is None:
            continue
        short = name.rsplit(".", 1)[-1]
        if hasattr(mod, "start") and not hasattr(mod, "finish"):
            # reads no ctx.beside work: runs without waiting for it
            t0 = time.perf_counter()
            mod.start(ctx)
            ctx.log(f"  {short:<16} {time.perf_counter() - t0:6.2f} s")
        elif hasattr(mod, "start") and hasattr(mod, "finish"):
            t0 = time.perf_counter()
            mod.start(ctx)
            t1 = time.perf_counter()
            ctx.join_background()
            t2 = time.perf_counter()
            mod.finish(ctx)
            ctx.log(f"  {short:<16} {t1 - t0 + time.perf_counter() - t2:6.2f} s"
                    f" (start {t1 - t0:.2f} s, waited {t2 - t1:.2f} s for workers)")
        else:
            ctx.join_background()
            t0 = time.perf_counter()
            mod.build(ctx)
            ctx.log(f"  {short:<16} {time.perf_counter() - t0:6.2f} s")
    if side_join is not None:
        side_join()


def _fork_steps(ctx: BuildContext, names):
    return fork_worker(ctx, lambda c: _run_steps(c, names))


def run_beside(ctx: BuildContext, fn):
    """For build steps: start ``fn(ctx)`` beside the caller (a forked worker when two cores are
    usable, else right now, in this process) and return ``join(raise_error=True)``, to call once
    the caller's own work is done. ``fn`` must write files nobody else writes. (To let the build
    join it later, before the ``finish`` phase, use ``ctx.beside(fn)``.)"""
    if parallel_ok():
        return fork_worker(ctx, fn)
    fn(ctx)
    return lambda raise_error=True: None


def fork_worker(ctx: BuildContext, fn):
    """Run ``fn(ctx)`` in a forked child on the same staging folder. Returns ``join(raise_error=True)``,
    which waits for the child, prints its log lines and re-raises its error here (a
    ``CrmVocabError`` keeps its message, where and hint)."""
    import pickle
    import traceback

    sys.stdout.flush()
    sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(r)
        lines: list[str] = []
        result: dict = {"log": lines, "error": None}
        try:
            ctx.log = lines.append  # collected, printed by the parent in order
            ctx.in_worker = True
            fn(ctx)
        except CrmVocabError as exc:
            result["error"] = ("known", type(exc).__name__, exc.message, exc.where, exc.hint)
        except BaseException:  # noqa: BLE001 - reported in the parent
            result["error"] = ("unexpected", traceback.format_exc())
        try:
            with os.fdopen(w, "wb") as fh:
                fh.write(pickle.dumps(result))
        finally:
            os._exit(0)
    os.close(w)

    joined = []

    def join(raise_error: bool = True) -> None:
        if joined:  # already waited for (its error, if any, was raised then)
            return
        joined.append(True)
        with os.fdopen(r, "rb") as fh:
            data = fh.read()
        _, status = os.waitpid(pid, 0)
        try:
            result = pickle.loads(data)
        except Exception:  # noqa: BLE001 - the child died before reporting
            result = {"log": [], "error": ("unexpected", f"build worker exited with status {status}")}
        for line in result["log"]:
            BuildContext.log(ctx, line)
        err = result["error"]
        if err is None or not raise_error:
            return
        if err[0] == "known":
            cls = {"UsageError": UsageError}.get(err[1], BuildError)
            raise cls(err[2], where=err[3], hint=err[4])
        raise RuntimeError("a build step failed in the worker process:\n" + err[1])

    return join


def build(project: Project, out: Path | None = None, *, steps=STEPS, quiet: bool = False,
          force: bool = False) -> Path:
    """Build into ``out``; skipped (returns ``out`` untouched) when the stamp in ``out`` says it
    was built from the same inputs and the tree is still the one that build wrote, unless
    ``force``. ``build.last_skipped`` tells which happened."""
    out = Path(out) if out else project.default_out
    sources = sources_digest(project)
    digest = inputs_hash(project, steps, sources)
    if not force and up_to_date(out, digest):
        build.last_skipped = True
        return out
    build.last_skipped = False
    with staged_directory(out, legacy_markers=(STAMP,)) as stage:
        ctx = BuildContext(project=project, out=stage, version=project.working_version, quiet=quiet,
                           casefolded={} if case_insensitive(stage) else None)
        steps = tuple(steps)
        side = tuple(s for s in CONCURRENT if s in steps)
        try:
            if side and parallel_ok():
                # Two cores: the side steps (they read only the mapping files) in one forked
                # worker, the others here in order; model_artifacts starts its LinkML generators
                # in another worker (ctx.beside), and the site step starts while that runs.
                # Every worker writes disjoint files into the same staging folder.
                join = _fork_steps(ctx, side)
                try:
                    _run_steps(ctx, steps, side=side, side_join=join)
                except BaseException:
                    join(raise_error=False)
                    raise
            else:
                _run_steps(ctx, steps)
            ctx.join_background()
        except BaseException:
            ctx.join_background(raise_error=False)  # no worker may outlive the staging folder
            raise
        (stage / STAMP).write_text(json.dumps({"inputs": digest, "sources": sources, "tree": tree_digest(stage)},
                                              indent=1) + "\n",
                                   encoding="utf-8")
    return out


build.last_skipped = False


def run(args, project: Project) -> int:
    steps = STEPS
    if args.only:
        steps = tuple(s for s in STEPS if s.rsplit(".", 1)[-1] in args.only)
    out = build(project, Path(args.out) if args.out else None, steps=steps, quiet=args.quiet,
                force=getattr(args, "force", False))
    index = out / "index.html"
    if build.last_skipped:
        print(f"{out} is up to date (nothing changed; --force rebuilds)")
        return 0
    print(f"built {out}" + (f"; open {index} or run: crm-vocab serve" if index.exists() else ""))
    return 0
