"""Page data for the example questions: each SPARQL query of ``site/queries/*.rq`` with its
results, computed at build time over the version's dataset (template ``queries.html``).

A query file starts with comment lines: ``# title: ...`` then a description; the rest is the
query, run as ``crm-vocab query`` runs it (the union of the named graphs as default graph).
"""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from ..errors import BuildError
from .render import GenPage, Templates

TOOLKIT_QUERIES = Path(__file__).resolve().parent.parent.parent / "site" / "queries"


def query_files(project) -> list[Path]:
    """The example queries: the project's ``site/queries/*.rq``, else the toolkit's."""
    for d in (project.site_src_dir / "queries", TOOLKIT_QUERIES):
        if d.is_dir():
            files = sorted(p for p in d.glob("*.rq") if p.is_file())
            if files:
                return files
    return []


def parse_query_file(path: Path) -> SimpleNamespace:
    text = path.read_text(encoding="utf-8")
    title, description = path.stem, []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        m = re.match(r"title:\s*(.+)\Z", body)
        if m:
            title = m[1].strip()
        elif body:
            description.append(body)
    return SimpleNamespace(name=path.stem, file=path, title=title, description=" ".join(description), text=text)


def _cell(term, base: str, pages: set[str], prefixes: dict[str, str]) -> SimpleNamespace:
    """A result value: its text, and the page it links to (an IRI under the base with a page)."""
    import pyoxigraph

    if term is None:
        return SimpleNamespace(text="", link=None)
    if isinstance(term, pyoxigraph.NamedNode):
        from ..query import cell_text as show

        iri = term.value
        link = None
        if iri.startswith(base) and f"{iri[len(base):]}.md" in pages:
            link = f"{iri[len(base):]}.html"
        return SimpleNamespace(text=show(term, prefixes), link=link, title=iri)
    return SimpleNamespace(text=term.value if isinstance(term, pyoxigraph.Literal) else str(term), link=None)


def queries_page(ctx, t: Templates, store, pages: set[str]) -> GenPage | None:
    """The page of example questions, or None when there are no queries or no dataset."""
    import pyoxigraph

    from ..dataset import DUMP
    from ..query import query_prefixes

    files = query_files(ctx.project)
    if not files or store is None:
        return None
    questions = []
    for f in files:
        q = parse_query_file(f)
        try:
            results = store.query(q.text, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise BuildError(f"example query {f.name} is malformed: {exc}", where=str(f),
                             hint="check it with: crm-vocab query --file " + str(f)) from None
        if not isinstance(results, pyoxigraph.QuerySolutions):
            raise BuildError(f"example query {f.name} is not a SELECT query", where=str(f),
                             hint="the page shows tables: write the question as SELECT")
        names = [v.value for v in results.variables]
        prefixes = query_prefixes(q.text)
        rows = [[_cell(sol[n], ctx.project.base_iri, pages, prefixes) for n in names] for sol in results]
        questions.append(SimpleNamespace(**vars(q), variables=names, rows=rows))
    return t.page("queries.html", "queries.html", "Query the vocabulary", questions=questions,
                  dump=f"{ctx.version}/{DUMP}", version=ctx.version, base_iri=ctx.project.base_iri)
