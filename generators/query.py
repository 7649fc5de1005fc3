"""``crm-vocab query``: SPARQL over the vocabulary, criteria, catalogues and crosswalks.

The dataset (``untp_crm_vocab.dataset``) comes from ``--from`` (a dataset dump or a built site
folder), else from the default build output when it is up to date with the sources, else it is
made in memory from the sources. SELECT results print as a table, SPARQL 1.1 CSV or SPARQL 1.1
JSON; ASK prints true or false; CONSTRUCT and DESCRIBE print N-Triples.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import UsageError

FORMATS = ("table", "csv", "json")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="?", metavar="QUERY", help="the SPARQL query (or use --file)")
    p.add_argument("-f", "--file", metavar="FILE", help="read the query from FILE ('-': standard input)")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="SELECT/ASK results: table (default), csv (SPARQL 1.1 CSV) or json (SPARQL 1.1 JSON)")
    p.add_argument("--from", dest="source", metavar="PATH",
                   help="a dataset dump (<version>/dataset.nq) or a built site folder; default: build/site if "
                        "up to date, else the sources")
    p.add_argument("--version", metavar="V", help="the version of a built site to query (default: the working build)")


def open_store(project, source: str | None = None, version: str | None = None, log=None):
    """(store, what it holds)."""
    from . import dataset

    log = log or (lambda msg: None)
    if source:
        path = Path(source)
        if path.is_dir():
            v = version or project.working_version
            dump = path / v / dataset.DUMP
            if not dump.is_file():
                raise UsageError(f"{path} has no {v}/{dataset.DUMP}",
                                 hint="pass a built site folder (crm-vocab build) or a dataset dump file")
            return dataset.load_dump(dump), str(dump)
        if not path.is_file():
            raise UsageError(f"{path} does not exist", hint="pass a dataset dump (.nq) or a built site folder")
        return dataset.load_dump(path), str(path)
    v = version or project.working_version
    dump = project.default_out / v / dataset.DUMP
    if dump.is_file() and _build_current(project):
        return dataset.load_dump(dump), str(dump)
    if version and version != project.working_version:
        raise UsageError(f"no up-to-date build holds version {version}",
                         hint="run crm-vocab build, or pass --from DIR")
    log("crm-vocab query: no up-to-date build; querying the sources directly")
    return dataset.store_from_sources(project), "the sources"


def _build_current(project) -> bool:
    from .build import inputs_hash, up_to_date

    return up_to_date(project.default_out, inputs_hash(project))


def cell_text(term, prefixes: dict[str, str]) -> str:
    """A value as the table shows it: IRIs as CURIEs where a prefix fits, literals as their text."""
    import pyoxigraph

    if term is None:
        return ""
    if isinstance(term, pyoxigraph.NamedNode):
        iri = term.value
        best = max((ns for ns in prefixes.values() if iri.startswith(ns)), key=len, default=None)
        if best is not None:
            name = next(p for p, ns in prefixes.items() if ns == best)
            return f"{name}:{iri[len(best):]}"
        return iri
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, pyoxigraph.Literal):
        return term.value
    return str(term)


def table(results, prefixes: dict[str, str] | None = None) -> str:
    """SELECT results as an aligned text table (header, rule, rows)."""
    names = [v.value for v in results.variables]
    rows = [[cell_text(sol[n], prefixes or {}) for n in names] for sol in results]
    rows = [[c.replace("\n", " ") for c in r] for r in rows]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def query_prefixes(text: str) -> dict[str, str]:
    """The PREFIX declarations of a query (for the table's CURIEs)."""
    import re

    return {m[1]: m[2] for m in re.finditer(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", text)
            if m[1]}


def render(results, fmt: str, text: str) -> bytes:
    import pyoxigraph

    if isinstance(results, pyoxigraph.QueryBoolean):
        if fmt == "table":
            return b"true\n" if bool(results) else b"false\n"
        return results.serialize(format=pyoxigraph.QueryResultsFormat.JSON if fmt == "json" else
                                 pyoxigraph.QueryResultsFormat.CSV)
    if isinstance(results, pyoxigraph.QueryTriples):
        return results.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES)
    if fmt == "table":
        return table(results, query_prefixes(text)).encode("utf-8")
    return results.serialize(format=pyoxigraph.QueryResultsFormat.JSON if fmt == "json" else
                             pyoxigraph.QueryResultsFormat.CSV)


def read_query(args) -> str:
    if args.file and args.query:
        raise UsageError("give the query either as an argument or with --file, not both")
    if args.file:
        if args.file == "-":
            return sys.stdin.read()
        try:
            return Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the query file {args.file}: {getattr(exc, 'strerror', None) or exc}") from None
    if not args.query or not args.query.strip():
        raise UsageError("no query given", hint="crm-vocab query 'SELECT ?s WHERE { ?s ?p ?o } LIMIT 10'")
    return args.query


def run(args, project) -> int:
    from . import dataset

    text = read_query(args)
    store, _what = open_store(project, args.source, args.version, log=lambda m: print(m, file=sys.stderr))
    out = render(dataset.query(store, text), args.format, text)
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    return 0
