"""Deferred fill-ins: the final content of the pages the site step rendered before every
artifact existed, put into the written HTML and the search index.

Why: the step's ``pages`` runs mkdocs while the LinkML generators may still be writing, so the
pages that need their files (the downloads page; once a release exists, the working build's
changelog and its counts on the changelog index) are rendered with pending content, and running
mkdocs again would cost as much as the first run. The theme puts a page's content into its HTML
unchanged (generated pages bypass markdown, and the search plugin only strips ``data-search-*``
attributes, which escaped text cannot contain), so replacing the pending content by the final
one gives the bytes a one-shot render would have (tests/test_site.py checks it does).
"""
from __future__ import annotations

import html
import json
from pathlib import Path

from ..errors import BuildError
from .render import GenPage


def fill_in(ctx, pages: dict[str, tuple[GenPage, GenPage]], tokens: dict[str, dict[str, str]]) -> None:
    """``pages``: output path -> (pending page, final page): the whole content is replaced, and
    the page's search entries are made again from the final content by Material's own
    ``SearchIndex``. ``tokens``: output path -> {token: text}: plain-text tokens (table cells)
    replaced in the HTML and in the page's search entries."""
    out = Path(ctx.out)
    for url, (pending, final) in pages.items():
        text = (out / url).read_text(encoding="utf-8")
        if text.count(pending.html) != 1:
            raise BuildError(f"the pending content of {url} is not in the page written by mkdocs",
                             hint="a theme override changes page content; render it unchanged")
        ctx.write(url, text.replace(pending.html, final.html))
    for url, fills in tokens.items():
        text = (out / url).read_text(encoding="utf-8")
        for token, value in fills.items():
            if text.count(token) != 1:
                raise BuildError(f"the pending value {token} is not in the page {url} written by mkdocs",
                                 hint="a theme override changes page content; render it unchanged")
            text = text.replace(token, value)
        ctx.write(url, text)

    index_file = out / "search" / "search_index.json"
    if not index_file.is_file():  # the search plugin is off
        return
    from types import SimpleNamespace

    from material.plugins.search.plugin import SearchIndex

    index = json.loads(index_file.read_text(encoding="utf-8"))

    def of(url, entry):
        loc = entry.get("location", "")
        return loc == url or loc.startswith(url + "#")

    for url, (_pending, final) in pages.items():
        fresh = SearchIndex()
        fresh.add_entry_from_context(SimpleNamespace(url=url, content=final.html, toc=[], title=final.title,
                                                     meta={"title": final.title}))
        docs, at = [], None
        for entry in index["docs"]:
            if of(url, entry):
                at = len(docs) if at is None else at
            else:
                docs.append(entry)
        at = len(docs) if at is None else at
        index["docs"] = docs[:at] + fresh.entries + docs[at:]
    for url, fills in tokens.items():
        for entry in index["docs"]:
            if of(url, entry):
                for key in ("title", "text"):
                    for token, value in fills.items():
                        entry[key] = entry[key].replace(token, html.escape(value, quote=False))
    # written as the search plugin writes it
    ctx.write("search/search_index.json", json.dumps(index, separators=(",", ":"), default=str))
