"""The whole vocabulary as one RDF dataset, and SPARQL over it (pyoxigraph).

One named graph per published RDF file of a version, named by that file's URL:
``<base><v>/vocabulary.ttl`` (the vocabulary), ``<base><v>/criteria.ttl`` (the harmonised
criteria), ``<base><v>/standards/<scheme>.ttl`` (each catalogue) and
``<base><v>/crosswalks/<scheme>.ttl`` (each crosswalk, SSSOM/RDF and direct SKOS triples).

Build step (after ``crosswalk_rdf`` and ``coverage``, before ``site``): writes
``<v>/dataset.nq``, the dataset as N-Quads, one quad a line, sorted (byte-identical across
builds; no blank nodes in any of the graphs). It reads only the vocabulary (written by the
model step itself, not by its LinkML worker) and the crosswalk step's files, so it has only a
``start`` half: it runs while the LinkML generators still write.

Queries run with the union of the named graphs as the default graph, as the oxigraph server's
``--union-default-graph`` does (README, "SPARQL").
"""
from __future__ import annotations

from pathlib import Path

from .errors import BuildError, UsageError

DUMP = "dataset.nq"


def graph_files(version_dir: Path) -> list[str]:
    """The files of a version folder that go into the dataset (relative paths), in graph order."""
    rels = [r for r in ("vocabulary.ttl", "criteria.ttl") if (version_dir / r).is_file()]
    for sub in ("standards", "crosswalks"):
        rels += sorted(f"{sub}/{p.name}" for p in (version_dir / sub).glob("*.ttl") if p.is_file())
    return rels


def _store():
    import pyoxigraph

    return pyoxigraph.Store()


def store_from_folder(project, version_dir: Path, version: str):
    """A store holding the RDF files of a built version folder, one named graph each."""
    import pyoxigraph

    store = _store()
    base = project.artifact_base(version)
    for rel in graph_files(version_dir):
        path = version_dir / rel
        try:
            store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE,
                            to_graph=pyoxigraph.NamedNode(base + rel))
        except (SyntaxError, OSError, ValueError) as exc:
            raise BuildError(f"cannot load {rel} into the dataset: {exc}", where=str(path),
                             hint="rebuild: crm-vocab build --force") from None
    return store


def store_from_sources(project, version: str | None = None):
    """The same dataset made in memory from the sources (model, mapping files), without a build:
    the graphs the build writes, serialised as it serialises them."""
    import pyoxigraph

    from . import crosswalk_rdf, rdfutil
    from .mappingdata import load_mapping_data
    from .model_artifacts import load_model, vocabulary_graph, vocabulary_prefixes

    version = version or project.working_version
    base = project.artifact_base(version)
    store = _store()

    def put(rel: str, turtle: str) -> None:
        store.load(turtle.encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE,
                   to_graph=pyoxigraph.NamedNode(base + rel))

    if version != project.working_version:  # IRIs inside the files name the version
        import dataclasses

        project = dataclasses.replace(project, working_version=version)
    if project.model_file.is_file():
        model = load_model(project)
        put("vocabulary.ttl", rdfutil.to_turtle(vocabulary_graph(model), vocabulary_prefixes(model)))
    md = load_mapping_data(project)
    put("criteria.ttl", crosswalk_rdf.turtle(crosswalk_rdf.criteria_graph(project, md)))
    for scheme in sorted(md.catalogues):
        put(f"standards/{scheme}.ttl", crosswalk_rdf.turtle(crosswalk_rdf.catalogue_graph(project, md.catalogues[scheme])))
    for scheme in sorted(md.crosswalks):
        g, pm = crosswalk_rdf.crosswalk_graph(project, md, scheme)
        put(f"crosswalks/{scheme}.ttl", crosswalk_rdf.turtle(g, pm))
    return store


def nquads(store) -> bytes:
    """The store as N-Quads, one quad a line, sorted: the same dataset gives the same bytes."""
    import pyoxigraph

    lines = store.dump(format=pyoxigraph.RdfFormat.N_QUADS).splitlines()
    return b"\n".join(sorted(set(lines))) + b"\n" if lines else b""


def load_dump(path: Path):
    """A store holding a dataset dump (N-Quads, N-Triples, TriG or Turtle by extension)."""
    import pyoxigraph

    path = Path(path)
    fmt = pyoxigraph.RdfFormat.from_extension(path.suffix.lstrip(".")) if path.suffix else None
    if fmt is None:
        raise UsageError(f"{path}: not an RDF dataset file (use .nq, .trig, .nt or .ttl)")
    store = _store()
    try:
        store.bulk_load(path=str(path), format=fmt)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (SyntaxError, ValueError) as exc:
        raise UsageError(f"{path} is not valid {fmt.name}: {exc}", where=str(path),
                         hint="rebuild it: crm-vocab build --force") from None
    return store


def query(store, text: str):
    """Run a SPARQL query with the union of the named graphs as the default graph.
    Raises UsageError on a malformed query."""
    try:
        return store.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise UsageError(f"the SPARQL query is malformed: {exc}",
                         hint="check the query against SPARQL 1.1 (PREFIX lines, braces, variable names)") from None
    except (OSError, ValueError, RuntimeError) as exc:  # evaluation errors (e.g. SERVICE)
        raise UsageError(f"the SPARQL query failed: {exc}") from None


# ---- the build step ---------------------------------------------------------------------------
def start(ctx) -> None:
    """Write ``<v>/dataset.nq``; keep the store for the site step (``ctx.cached("dataset")``)."""
    v = ctx.version
    store = store_from_folder(ctx.project, Path(ctx.out) / v, v)
    ctx.write(f"{v}/{DUMP}", nquads(store))
    ctx.cached("dataset", lambda: store)


def build(ctx) -> None:
    start(ctx)
