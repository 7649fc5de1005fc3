"""Build step 6 (the last): the published site (mkdocs-material), downloads, changelogs and server rules.

The step is split in two (``build(ctx)`` runs both):

- :func:`pages` (alias ``start``, the name ``untp_crm_vocab.build`` runs split steps by) makes one
  page per term, criterion, scheme and requirement in memory and runs mkdocs in-process with
  ``use_directory_urls: false``, the hand-written pages of ``site/docs/`` and the generated ones
  added by a plugin (``mkdocs_run``), writing straight into ``ctx.out`` beside the earlier
  steps' files, which it never replaces. It reads none of the LinkML generators' files
  (``<v>/context.jsonld``, ``<v>/schemas/``, ``<v>/shapes.ttl``), which may still be being
  written, and leaves the pages that need them pending. With two cores a forked worker renders
  part of the pages.
- :func:`finish` runs once every artifact exists: ``<v>.zip``, the downloads tables and (after
  a release) the working changelog, put into the written pages and the search index
  (``deferred``).

The generated pages are Jinja templates in ``site/templates/`` (autoescape on) filled with the
data the modules of this package gather, one module per kind of page:

=================  ==========================================================================
``terms``          classes, slots, enumerations and their values; the vocabulary index
``criteria``       harmonised criteria and their index
``standards``      schemes, their requirements and the standards index
``overview``       home and coverage pages
``changelog``      one changelog per version and its index
``recognition``    the recognition page and the index of the crosswalks it computes from
``queries``        example SPARQL questions with their results (``site/queries/*.rq``)
``downloads``      the per-version zips and the downloads page
``server_rules``   ``.htaccess`` and ``nginx.conf``
``mkdocs_run``     the mkdocs run and its plugin (the generated pages, the page worker)
``deferred``       the pending pages made final once every artifact exists
``render``         the template environment
=================  ==========================================================================

See DEVELOPING.md, "URL space". Everything that comes from the model or the mapping files is
untrusted text: it reaches the templates as text, which they escape; page titles are reduced to
identifier characters because the theme puts them into ``<title>`` unescaped.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import BuildError
from ..fsutil import dump_json
from ..versions import read_release_index, release_versions, source_date_epoch
from . import (changelog, criteria, deferred, downloads, mkdocs_run, overview, queries, recognition, server_rules,
               standards, terms)
from .mappings import load_mappings
from .render import GenPage, Templates, page_title


class SiteWriter:
    """The generated pages, by docs path (``terms.md``, ``criteria/ENV-02.md``, ...)."""

    def __init__(self):
        self.pages: dict[str, GenPage] = {}

    def add(self, relpath: str, page: GenPage) -> None:
        if relpath in self.pages:
            raise BuildError(f"two generated pages want the same path {relpath!r}",
                             hint="two terms, criteria or requirements map to the same file name")
        self.pages[relpath] = page


def _two_cores() -> bool:
    """Whether the step may fork a page worker (two usable cores, CRM_VOCAB_JOBS not 1): the build's rule."""
    from ..build import parallel_ok

    return parallel_ok()


def _dataset(ctx):
    """The version's dataset (the dataset step's store, or its dump), None when not built."""
    from ..dataset import DUMP, load_dump

    dump = Path(ctx.out) / ctx.version / DUMP
    if not dump.is_file():
        return None
    return ctx.cached("dataset", lambda: load_dump(dump))


def pages(ctx) -> None:
    """The site, before the LinkML generators' files exist: every page (mkdocs), the released
    versions and their zips, the server rules and releases.json.

    Runs once the vocabulary, per-term, crosswalk/criteria/standards and coverage files are
    written, possibly while the LinkML generators still write ``<v>/context.jsonld``,
    ``<v>/schemas/*.json`` and ``<v>/shapes.ttl`` (v = ``ctx.version``): it reads none of those,
    and never lists, sizes or hashes the ``<v>/`` folder as a whole. The downloads page (and the
    working changelog once a release exists) get pending content that :func:`finish` fills in.
    """
    project = ctx.project
    out = Path(ctx.out)
    rel_index = read_release_index(project)
    releases = [str(r["version"]) for r in rel_index["releases"]]
    latest = rel_index["latest"]

    # released versions are copied unchanged from site/releases/<version>/, and zipped
    for v in releases:
        src = project.releases_dir / v
        dst = out / v
        if v == ctx.version or not src.is_dir():  # the working build's folder is the model step's
            continue
        for p in sorted(src.rglob("*")):
            if p.is_file() and not p.is_symlink():
                t = dst / p.relative_to(src)
                if t.exists():
                    continue
                t.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(p, t)
        ctx.write(f"{v}.zip", downloads.deterministic_zip(dst, v))
    versions = releases + ([ctx.version] if ctx.version not in releases else [])

    version_dirs = set(versions)
    files = terms.term_files(out, version_dirs)
    model = terms.ModelInfo(project, files, terms.model_view(ctx))
    mp = load_mappings(project)
    t = Templates(project)

    sw = SiteWriter()
    extra = terms.add_pages(ctx, t, sw.add, model, files)
    criteria.add_pages(ctx, t, sw.add, mp)
    standards.add_pages(ctx, t, sw.add, mp)
    from ..schemes import site_pages  # the ConformityScheme pages (schemes.py renders them)

    for rel, title, content in site_pages(ctx):
        sw.add(rel, GenPage(page_title(title), content))
    # criteria/requirement RDF files without a mapping-file entry still get a page
    for sub in ("criteria", "standards"):
        if (out / sub).is_dir():
            for p in sorted((out / sub).rglob("*.jsonld")):
                n = p.relative_to(out).as_posix()[: -len(".jsonld")]
                if f"{n}.md" not in sw.pages:
                    sw.add(f"{n}.md", terms.generic_page(ctx, t, n))
    sw.add("terms.md", terms.term_index(ctx, t, model, [n for n in extra if "/" not in n]))
    sw.add("index.md", overview.home_page(ctx, t, model, mp, latest))
    sw.add("coverage.md", overview.coverage_page(ctx, t, releases, mp))
    changelog.add_pages(ctx, t, sw.add, versions)
    if mp["crosswalks"]:
        sw.add("recognise.md", recognition.recognise_page(ctx, t, mp))
    page = queries.queries_page(ctx, t, _dataset(ctx), set(sw.pages))
    if page is not None:
        sw.add("queries.md", page)
    sw.add("downloads.md", downloads.downloads_page(ctx, t, versions, final=False))
    # what the site may not write: the versioned folders, and what this step writes itself
    reserved = version_dirs | {f"{v}.zip" for v in versions} | {".htaccess", "nginx.conf", "releases.json", "recognise"}
    mkdocs_run.run_mkdocs(project, out, sw.pages, source_date_epoch(project), reserved, split=_two_cores())

    if "recognise.md" in sw.pages:  # written once mkdocs has accepted every destination
        recognition.write_index(ctx)
    ctx.write(".htaccess", server_rules.htaccess(latest))
    ctx.write("nginx.conf", server_rules.nginx_conf(latest))
    ctx.write("releases.json", dump_json({"latest": latest, "versions": releases, "working": ctx.version}))
    ctx.log(f"    site: {len(sw.pages)} generated pages")


def finish(ctx) -> None:
    """The rest of the site, once every artifact is written (after :func:`pages`): ``<v>.zip``,
    and the pages :func:`pages` left pending, now final in their HTML and in the search index:
    the downloads page (size and SHA-256 of every file of every version folder) and, once a
    release exists, the working build's changelog and its counts on the changelog index."""
    project = ctx.project
    out = Path(ctx.out)
    releases = release_versions(project)
    versions = releases + ([ctx.version] if ctx.version not in releases else [])
    if ctx.version not in releases and (out / ctx.version).is_dir():
        ctx.write(f"{ctx.version}.zip", downloads.deterministic_zip(out / ctx.version, ctx.version))

    t = Templates(project)
    later = {"downloads.html": (downloads.downloads_page(ctx, t, versions, final=False),
                                downloads.downloads_page(ctx, t, versions))}
    tokens: dict[str, dict[str, str]] = {}
    for v, prev in changelog.versions_compared(ctx, versions):
        if changelog.is_deferred(ctx, v, prev):
            changes, err = changelog.compare(ctx, v, prev)
            later[f"changelog/{v}.html"] = (changelog.changelog_page(ctx, t, v, prev, None, None, final=False),
                                            changelog.changelog_page(ctx, t, v, prev, changes, err))
            n, nb = changelog.change_counts(changes)
            tokens["changelog/index.html"] = {changelog.PENDING_CHANGES: n, changelog.PENDING_BREAKING: nb}
    deferred.fill_in(ctx, later, tokens)
    if (out / recognition.INDEX).is_file():  # the recognition page validates too
        recognition.write_validate_data(ctx, versions)


# the name untp_crm_vocab.build looks for: a split step's first half
start = pages


def build(ctx) -> None:
    """The whole step in one go: :func:`pages`, then :func:`finish`."""
    pages(ctx)
    finish(ctx)
