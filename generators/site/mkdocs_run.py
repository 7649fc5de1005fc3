"""The mkdocs run: mkdocs-material in-process on ``site/docs/`` plus the generated pages, handed
over from memory by a small plugin (mkdocs' own extension point), writing straight into the
build's output folder; with two usable cores a forked worker renders a tail of the pages."""
from __future__ import annotations

import os
import posixpath
import re
import sys
import tempfile
from pathlib import Path

from ..errors import BuildError
from ..versions import yaml_load
from .render import GenPage

TOOLKIT = Path(__file__).resolve().parent.parent.parent


def _fast_tmp() -> str | None:
    """/dev/shm (tmpfs) for scratch files when it is usable, else the normal temporary folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def _mkdocs_config_file(project) -> Path:
    cfg = project.root / "mkdocs.yml"
    if cfg.is_file():
        return cfg
    # a project without its own mkdocs.yml uses the toolkit's
    return TOOLKIT / "mkdocs.yml"


def _filter_nav(nav, exists):
    """``nav`` without the entries whose page does not exist (``exists(docs_path)``)."""
    out = []
    for item in nav or []:
        if isinstance(item, str):
            if exists(item):
                out.append(item)
        elif isinstance(item, dict):
            for k, v in item.items():
                if isinstance(v, str):
                    if v.startswith(("http://", "https://")) or exists(v):
                        out.append({k: v})
                elif isinstance(v, list):
                    sub = _filter_nav(v, exists)
                    if sub:
                        out.append({k: sub})
    return out


def _nav_titles(nav) -> dict[str, str | None]:
    """docs path -> the title the nav gives it (``- Home: index.md``; None: ``- index.md``), for
    every page in the nav."""
    titles: dict[str, str | None] = {}
    for item in nav or []:
        if isinstance(item, str):
            titles.setdefault(item, None)
        elif isinstance(item, dict):
            for k, v in item.items():
                if isinstance(v, str):
                    if titles.get(v) is None:
                        titles[v] = k
                elif isinstance(v, list):
                    for sub, t in _nav_titles(v).items():
                        if titles.get(sub) is None:
                            titles[sub] = t
    return titles


def _walk_key(src_uri: str):
    """The order mkdocs' ``get_files`` walks a docs folder in (files before sub-folders, index
    first), so the generated pages sit where they would if they were files in it."""
    from mkdocs.structure.files import _file_sort_key

    *dirs, name = src_uri.split("/")
    return [(1, d) for d in dirs] + [(0, _file_sort_key(name))]


# Render the theme blocks that only depend on the folder once per folder (see shared_block);
# tests switch it off to compare.
_SHARE_BLOCKS = True


class _PageWorkerError(Exception):
    """The page worker's error (its message), raised in the build process."""


# How the pages are shared with the page worker (see on_env in _generated_pages_plugin), in
# bytes of page content that take as long to render: a page's fixed cost, and the build
# process's own extra work (theme assets, 404.html, sitemap). Measured at 400 and 3,250 pages.
_PAGE_COST = 4000
_PARENT_EXTRA = 300_000


def _generated_pages_plugin(pages: dict[str, GenPage], out: Path, reserved: set[str], nav_titles: dict[str, str],
                            split: bool):
    """An mkdocs plugin (mkdocs' own extension point) that adds the generated pages from memory.

    - Each page is a ``File.generated`` (nothing is written into a docs folder) whose ``Page``
      takes its HTML as it is: the pages are one raw HTML block, which markdown would only stash
      and put back, at ~1 ms a page.
    - mkdocs writes straight into the output folder, so before anything is written it checks
      that no file of the site (pages, theme assets, 404, sitemap, search index) exists there
      already (an earlier step's file is never replaced), lies in a versioned folder (the LinkML
      generators may still be writing there) or is a file this step writes itself afterwards
      (``reserved``: top-level names).
    - ``split``: once every page is read and converted (``on_env``), a forked worker renders a
      tail of the generated pages (template, search entries, file) on the second core while this
      process renders the rest; this process then appends the worker's search entries, in page
      order, before the search plugin writes its index. The worker's Files are only its pages
      (so it copies no assets) and it renders no 404/sitemap; here, its pages count as unchanged
      for the dirty build (so they are listed in the sitemap but not rendered twice).
    """
    import pickle
    import signal

    import jinja2
    from mkdocs.plugins import BasePlugin, event_priority
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.pages import Page
    from mkdocs.structure.toc import get_toc

    class GenFile(File):
        rendered_here = True

        def is_modified(self) -> bool:  # the dirty build renders a page only when this is true
            return self.rendered_here

    class HtmlPage(Page):
        def __init__(self, title, file, config, gen: GenPage):
            super().__init__(title, file, config)
            self._gen = gen

        def read_source(self, config) -> None:
            self.markdown, self.meta = self._gen.html, {"title": self._gen.title}

        def render(self, config, files) -> None:
            self.content = self._gen.html
            self.toc = get_toc([])  # markdown's toc does not look into raw HTML either
            self._title_from_render = None
            self.present_anchor_ids = set(re.findall(r'\sid="([^"]+)"', self._gen.html))

    shared: dict[tuple[str, str], str] = {}   # (block, folder) -> its output; see shared_block

    def search_index(config):
        for plugin in config.plugins.values():
            if hasattr(plugin, "search_index") and getattr(plugin.config, "enabled", True):
                return plugin.search_index
        return None

    class GeneratedPages(BasePlugin):
        worker = None       # here: (pid, read end) of the worker
        in_worker = None    # in the worker: the write end of its pipe
        order = None        # with a worker: every page (src_uri) in mkdocs' order
        indexed = 0         # search entries seen so far, and each page's (on_page_context)

        def __init__(self):
            super().__init__()
            self.entries: dict[str, list] = {}

        def on_files(self, files, config):
            docs_files, theme_files = [], []
            for f in files:
                (docs_files if f.src_dir == config["docs_dir"] else theme_files).append(f)
            for rel, gen in pages.items():
                if files.get_file_from_path(rel) is not None:
                    raise BuildError(f"hand-written page site/docs/{rel} collides with a generated page",
                                     hint="rename the hand-written page")
                f = GenFile.generated(config, rel, content=gen.html)
                HtmlPage(nav_titles.get(rel), f, config, gen)
                docs_files.append(f)
            docs_files.sort(key=lambda f: _walk_key(f.src_uri))
            files = Files(docs_files + theme_files)
            dests = [f.dest_uri for f in files]
            for t in config.theme.static_templates:
                dests += [t, f"{t}.gz"] if t == "sitemap.xml" else [t]
            dests.append("search/search_index.json")
            for d in dests:
                if d.split("/", 1)[0] in reserved:
                    raise BuildError(f"the site would write {d}, which is a build artifact (or in a "
                                     "versioned artifact folder)", hint="rename the page or file in site/docs")
                if os.path.lexists(out / d):
                    raise BuildError(f"the site would overwrite {d}, written by an earlier build step",
                                     hint="rename the page or the artifact")
            return files

        @event_priority(-100)  # after every other plugin's on_env
        def on_env(self, env, config, files):
            if _SHARE_BLOCKS:
                env.globals["crm_shared_block"] = self.shared_block
            if not split:
                return env
            docs = files.documentation_pages()
            # the worker takes the generated pages from where this process has its half of the
            # estimated work (a fixed cost a page, ~4 KB of content's worth, plus its content;
            # this process also copies the theme's assets and writes 404.html and the sitemap:
            # ~_PARENT_EXTRA); a tail rather than every other page keeps each folder's shared
            # theme blocks in one process (see shared_block)
            weights = [_PAGE_COST + len(f.page.content or "") for f in docs]
            left = (sum(weights) - _PARENT_EXTRA) / 2
            cut = 0
            while cut < len(docs) and left > 0:
                left -= weights[cut]
                cut += 1
            mine = [f for f in docs[cut:] if isinstance(f, GenFile)]
            if not mine:
                return env
            self.order = [f.src_uri for f in docs]
            sys.stdout.flush()
            sys.stderr.flush()
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: renders its pages only
                os.close(r)
                self.in_worker = w
                keep = {f.src_uri for f in mine}
                for f in list(files):
                    if f.src_uri not in keep:
                        files.remove(f)
                config.theme.static_templates.clear()
                config.extra_templates.clear()
                return env
            os.close(w)
            self.worker = (pid, r)
            for f in mine:
                f.rendered_here = False
            return env

        @event_priority(-100)  # after the search plugin has indexed the page
        def on_page_context(self, context, page, config, nav):
            """With a worker: note which search entries are this page's, to put both processes'
            entries in page order at the end."""
            if self.order is not None:
                index = search_index(config)
                if index is not None:
                    self.entries[page.file.src_uri] = index.entries[self.indexed:]
                    self.indexed = len(index.entries)
            return context

        @staticmethod
        @jinja2.pass_context
        def shared_block(context, name: str, render):
            """For site/overrides/main.html: the theme block ``name`` (``render`` = its super()),
            rendered once per folder for the generated pages outside the nav. Their blocks
            styles, libs, site_nav, config and scripts depend on nothing else: the page has no
            table of contents (raw HTML), no meta but its title, no previous/next page and is
            never the active nav item, so only its folder (relative URLs) varies."""
            page = context.get("page")
            if not isinstance(page, HtmlPage) or page.file.src_uri in nav_titles:
                return render()
            key = (name, posixpath.dirname(page.file.dest_uri))
            if key not in shared:
                shared[key] = render()
            return shared[key]

        def _report(self, result) -> None:
            """In the worker: send ``result`` to the build process and end."""
            try:
                with os.fdopen(self.in_worker, "wb") as fh:
                    fh.write(pickle.dumps(result))
            finally:
                os._exit(0 if result[0] == "ok" else 1)

        def join_worker(self):
            """Here: wait for the worker; its search entries, or raise its error."""
            pid, r = self.worker
            self.worker = None
            with os.fdopen(r, "rb") as fh:
                data = fh.read()
            _, status = os.waitpid(pid, 0)
            try:
                result = pickle.loads(data)
            except Exception:  # it died before reporting
                result = ("error", f"the page worker exited with status {status}")
            if result[0] != "ok":
                raise _PageWorkerError(result[1])
            return result[1]

        def stop_worker(self) -> None:
            if self.worker is not None:
                pid, r = self.worker
                self.worker = None
                os.close(r)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)

        @event_priority(100)  # before the search plugin writes its index
        def on_post_build(self, config):
            if self.in_worker is not None:
                self._report(("ok", self.entries))
            if self.worker is not None:
                entries = {**self.entries, **self.join_worker()}
                index = search_index(config)
                if index is not None:
                    index.entries[:] = [e for src in self.order for e in entries.get(src, ())]

        def on_build_error(self, error):
            if self.in_worker is not None:
                self._report(("error", f"{type(error).__name__}: {error}"))
            self.stop_worker()

    return GeneratedPages()


def run_mkdocs(project, out: Path, pages: dict[str, GenPage], epoch: str, reserved: set[str], *,
               split: bool = False) -> None:
    """mkdocs-material, in-process, with the hand-written pages of ``site/docs`` and the generated
    ``pages`` (docs path -> page), writing into ``out`` beside the earlier steps' files.

    mkdocs cleans its ``site_dir`` before a build unless the build is "dirty"; the build is
    dirty here only so that it keeps the earlier steps' files (a dirty build skips pages whose
    output is newer than their source: there is none, the plugin refuses existing outputs).
    ``reserved``: top-level names the site must not write (see _generated_pages_plugin);
    ``split``: render part of the pages in a forked worker (see _generated_pages_plugin)."""
    import logging

    cfg_file = _mkdocs_config_file(project)
    if not cfg_file.is_file():
        raise BuildError("no mkdocs.yml found", hint="restore mkdocs.yml at the repository root")
    raw = yaml_load(cfg_file.read_text(encoding="utf-8")) or {}
    docs = project.site_src_dir / "docs"
    empty_docs = None
    if not docs.is_dir():
        empty_docs = tempfile.TemporaryDirectory(prefix="crm-site-docs-", dir=_fast_tmp())
        docs = Path(empty_docs.name)
    nav = _filter_nav(raw.get("nav"), lambda rel: rel in pages or (docs / rel).is_file())
    overrides = {}
    theme = raw.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        cd = (cfg_file.parent / theme["custom_dir"]).resolve()
        if not cd.is_dir():  # a project copy without overrides uses the toolkit's
            cd = (TOOLKIT / theme["custom_dir"]).resolve()
        overrides["theme"] = {**theme, "custom_dir": str(cd)}
    old_env = {k: os.environ.get(k) for k in ("SOURCE_DATE_EPOCH", "NO_MKDOCS_2_WARNING")}
    os.environ["SOURCE_DATE_EPOCH"] = epoch
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    loggers = [logging.getLogger(n) for n in ("mkdocs", "material")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    old_umask = os.umask(0o022)  # the site's files are 0644 like every other output file
    try:
        from mkdocs.commands.build import build as mk_build
        from mkdocs.config import load_config
        from mkdocs.exceptions import MkDocsException

        try:
            config = load_config(config_file=str(cfg_file), docs_dir=str(docs), site_dir=str(out),
                                 use_directory_urls=False, site_url=project.base_iri, nav=nav, strict=False,
                                 **overrides)
            plugin = _generated_pages_plugin(pages, Path(out), reserved, _nav_titles(nav), split)
            config.plugins["crm-vocab-generated-pages"] = plugin
            try:
                mk_build(config, dirty=True)
            except BaseException as exc:
                if plugin.in_worker is not None:  # never unwind into the caller in the worker
                    plugin._report(("error", f"{type(exc).__name__}: {exc}"))
                raise
            finally:
                if plugin.in_worker is not None:
                    os._exit(1)
                plugin.stop_worker()
        except BuildError:
            raise
        except (MkDocsException, SystemExit) as exc:
            raise BuildError(f"mkdocs failed: {exc}", where=str(cfg_file)) from None
        except Exception as exc:  # e.g. a theme override failing on a page (mkdocs logs which)
            text = str(exc) if isinstance(exc, _PageWorkerError) else f"{type(exc).__name__}: {exc}"
            raise BuildError(f"mkdocs failed: {text}", where=str(cfg_file),
                             hint="see the mkdocs error above for the page") from None
    finally:
        os.umask(old_umask)
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        for lg, lvl in zip(loggers, levels):
            lg.setLevel(lvl)
        if empty_docs is not None:
            empty_docs.cleanup()


