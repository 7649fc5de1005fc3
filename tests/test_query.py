"""SPARQL over the vocabulary: the dataset dump the build publishes, ``crm-vocab query``,
``crm-vocab serve --sparql`` (SPARQL 1.1 protocol on 127.0.0.1) and the deployment recipe in a
real Oxigraph server (PyPI ``oxigraph``, started and stopped here on 127.0.0.1): the same rows
for every example question of ``site/queries/``; the example page shows those rows."""
from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO, run_cli

QUERIES = sorted((REPO / "site" / "queries").glob("*.rq"))
CLI = [sys.executable, "-m", "untp_crm_vocab.cli"]
OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")


def cli_json(capsys, built_site, text: str) -> dict:
    rc, out, err = run_cli(capsys, "query", "--from", str(built_site), "--format", "json", text)
    assert rc == 0, err
    return json.loads(out)


def rows(results: dict) -> list[dict]:
    """SPARQL JSON results as comparable rows (variables bound to (type, value, datatype, lang))."""
    if "boolean" in results:
        return [{"boolean": results["boolean"]}]
    out = []
    for b in results["results"]["bindings"]:
        out.append({k: (v["type"].replace("typed-literal", "literal"), v["value"],
                        v.get("datatype", "http://www.w3.org/2001/XMLSchema#string" if v["type"] != "uri" and
                              "xml:lang" not in v else None), v.get("xml:lang")) for k, v in b.items()})
    return out


# ---- the dataset -------------------------------------------------------------------------------
def test_dataset_dump_is_sorted_nquads_of_every_published_graph(built_site, project):
    dump = built_site / "working" / "dataset.nq"
    lines = dump.read_bytes().splitlines()
    assert lines == sorted(set(lines)) and len(lines) > 1000
    graphs = {re.search(rb"<([^>]+)> \.$", ln)[1].decode() for ln in lines}
    base = project.artifact_base("working")
    expected = {base + "vocabulary.ttl", base + "criteria.ttl"}
    expected |= {base + p.relative_to(built_site / "working").as_posix()
                 for sub in ("standards", "crosswalks") for p in (built_site / "working" / sub).glob("*.ttl")}
    assert graphs == expected
    # each graph holds exactly its file's triples
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(dump.read_bytes(), format=pyoxigraph.RdfFormat.N_QUADS)
    for rel in ("criteria.ttl", "crosswalks/irma.ttl"):
        g = pyoxigraph.Store()
        g.load((built_site / "working" / rel).read_bytes(), format=pyoxigraph.RdfFormat.TURTLE)
        want = {(q.subject, q.predicate, q.object) for q in g}
        have = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None,
                                                                                  pyoxigraph.NamedNode(base + rel))}
        assert have == want, rel
    # listed with the downloads and in the version's zip
    assert "working/dataset.nq" in (built_site / "downloads.html").read_text(encoding="utf-8")


def test_dataset_from_sources_equals_the_build(built_site, site_project):
    """The dataset made in memory from the sources (no build) is the build's, quad for quad."""
    from untp_crm_vocab import dataset
    from untp_crm_vocab.project import load_project

    store = dataset.store_from_sources(load_project(site_project["root"]))
    assert dataset.nquads(store) == (built_site / "working" / "dataset.nq").read_bytes()


# ---- crm-vocab query --------------------------------------------------------------------------
def test_query_formats(capsys, built_site):
    q = ('PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n'
         'SELECT ?c ?label WHERE { ?c skos:inScheme <https://vocabulary.uncefact.org/untp/crm/criteria/> ; '
         'skos:prefLabel ?label } ORDER BY ?c LIMIT 3')
    rc, out, _ = run_cli(capsys, "query", "--from", str(built_site), q)
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].split() == ["c", "label"] and set(lines[1]) <= {"-", " "} and lines[-1] == "(3 rows)"
    assert lines[2].startswith("https://vocabulary.uncefact.org/untp/crm/criteria/")
    rc, out, _ = run_cli(capsys, "query", "--from", str(built_site), "--format", "csv", q)
    assert out.splitlines()[0] == "c,label" and len(out.splitlines()) == 4
    data = cli_json(capsys, built_site, q)
    assert data["head"]["vars"] == ["c", "label"] and len(data["results"]["bindings"]) == 3
    rc, out, _ = run_cli(capsys, "query", "--from", str(built_site), "ASK { ?s ?p ?o }")
    assert (rc, out) == (0, "true\n")
    rc, out, _ = run_cli(capsys, "query", "--from", str(built_site / "working" / "dataset.nq"),
                         "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 2")
    assert rc == 0 and len(out.splitlines()) == 2 and all(ln.endswith(" .") for ln in out.splitlines())


@pytest.mark.parametrize("argv, message", [
    (["SELEC ?x"], "the SPARQL query is malformed"),
    ([], "no query given"),
    (["--from", "/nonexistent/x.nq", "ASK {}"], "does not exist"),
    (["--file", "/nonexistent/q.rq"], "cannot read the query file"),
])
def test_query_errors(capsys, built_site, argv, message):
    if "--from" not in argv:
        argv = ["--from", str(built_site)] + argv
    rc, out, err = run_cli(capsys, "query", *argv)
    assert rc == 2 and message in err and not out


# ---- the same rows everywhere -----------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url}")


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def sparql_server(built_site):
    """``crm-vocab serve --sparql`` on 127.0.0.1."""
    proc = subprocess.Popen(CLI + ["serve", "--sparql", "--port", "0", "--dir", str(built_site)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        raise AssertionError(f"serve printed no URL: {line!r} {proc.stderr.read()!r}")
    assert "/sparql" in proc.stdout.readline()
    yield f"http://127.0.0.1:{m[1]}/sparql"
    _stop(proc)


@pytest.fixture(scope="module")
def oxigraph_server(built_site, tmp_path_factory):
    """The deployment recipe (README "SPARQL"): the dump loaded into a real Oxigraph server."""
    if not Path(OXIGRAPH).is_file():
        pytest.skip("the oxigraph server is not installed (pip install oxigraph; part of the test extras)")
    location = tmp_path_factory.mktemp("oxigraph") / "store"
    subprocess.run([OXIGRAPH, "load", "--location", str(location), "--file",
                    str(built_site / "working" / "dataset.nq")], check=True, capture_output=True, timeout=300)
    port = _free_port()
    proc = subprocess.Popen([OXIGRAPH, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/query"
    try:
        _wait_http(url + "?query=" + urllib.parse.quote("ASK {}"), proc)
        yield url
    finally:
        _stop(proc)


def http_query(url: str, text: str, *, post: str | None = None, accept="application/sparql-results+json"):
    if post == "form":
        req = urllib.request.Request(url, data=urllib.parse.urlencode({"query": text}).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    elif post == "direct":
        req = urllib.request.Request(url, data=text.encode(), headers={"Content-Type": "application/sparql-query",
                                                                       "Accept": accept})
    else:
        req = urllib.request.Request(url + "?query=" + urllib.parse.quote(text), headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read()


@pytest.mark.parametrize("qfile", QUERIES, ids=[q.stem for q in QUERIES])
def test_example_questions_same_rows_everywhere(capsys, built_site, sparql_server, oxigraph_server, qfile):
    text = qfile.read_text(encoding="utf-8")
    expected = rows(cli_json(capsys, built_site, text))
    assert expected, f"{qfile.name} has no rows: the example shows nothing"
    for how in (None, "form", "direct"):
        status, ctype, body = http_query(sparql_server, text, post=how)
        assert status == 200 and ctype.startswith("application/sparql-results+json")
        assert rows(json.loads(body)) == expected, ("serve --sparql", how)
    status, _ctype, body = http_query(oxigraph_server, text)
    assert rows(json.loads(body)) == expected, "oxigraph server"


def test_sparql_protocol_details(sparql_server, capsys, built_site):
    q = "SELECT ?s WHERE { ?s a <http://www.w3.org/2002/07/owl#Class> } ORDER BY ?s LIMIT 2"
    status, ctype, body = http_query(sparql_server, q, accept="text/csv")
    assert ctype.startswith("text/csv") and body.decode().splitlines()[0] == "s"
    status, ctype, body = http_query(sparql_server, q, accept="application/sparql-results+xml")
    assert ctype.startswith("application/sparql-results+xml") and b"<sparql" in body
    status, ctype, body = http_query(sparql_server, q, accept="text/tab-separated-values")
    assert ctype.startswith("text/tab-separated-values") and body.decode().splitlines()[0] == "?s"
    status, ctype, body = http_query(sparql_server, "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 1",
                                     accept="application/n-triples")
    assert ctype.startswith("application/n-triples") and body.decode().strip().endswith(" .")
    # a named graph as the default graph: only that file's triples
    graph = "https://vocabulary.uncefact.org/untp/crm/working/criteria.ttl"
    url = sparql_server + "?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
                                                         "default-graph-uri": graph})
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"})) as r:
        n = int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"])
    import pyoxigraph

    g = pyoxigraph.Store()
    g.load((built_site / "working" / "criteria.ttl").read_bytes(), format=pyoxigraph.RdfFormat.TURTLE)
    assert n == len(g)
    for request, code in ((lambda: http_query(sparql_server, "SELEC x"), 400),
                          (lambda: http_query(sparql_server, q, accept="image/png"), 406),
                          (lambda: urllib.request.urlopen(urllib.request.Request(
                              sparql_server, data=b"query=x", headers={"Content-Type": "text/plain"})), 415),
                          (lambda: urllib.request.urlopen(sparql_server), 400)):
        with pytest.raises(urllib.error.HTTPError) as exc:
            request()
        assert exc.value.code == code


def test_serve_without_dataset_says_what_to_do(tmp_path, capsys):
    (tmp_path / "index.html").write_text("<h1>x</h1>", encoding="utf-8")
    rc, _out, err = run_cli(capsys, "serve", "--sparql", "--dir", str(tmp_path))
    assert rc == 2 and "working/dataset.nq" in err and "crm-vocab build" in err


# ---- the example page -------------------------------------------------------------------------
class Tables(HTMLParser):
    """Cell texts of every results table, by the h2 id before it."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.section = None
        self.cell = None
        self.in_results = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self.section = a.get("id")
        elif tag == "table" and "crm-results" in (a.get("class") or ""):
            self.in_results = True
            self.tables[self.section] = []
        elif tag == "tr" and self.in_results:
            self.tables[self.section].append([])
        elif tag == "td" and self.in_results:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.tables[self.section][-1].append(self.cell)
            self.cell = None
        elif tag == "table":
            self.in_results = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_example_page_shows_the_rows(capsys, built_site):
    """queries.html has each question with the rows crm-vocab query gives (rendered at build time)."""
    from untp_crm_vocab.query import cell_text, query_prefixes

    page = (built_site / "queries.html").read_text(encoding="utf-8")
    parser = Tables()
    parser.feed(page)
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load((built_site / "working" / "dataset.nq").read_bytes(), format=pyoxigraph.RdfFormat.N_QUADS)
    for qfile in QUERIES:
        text = qfile.read_text(encoding="utf-8")
        res = store.query(text, use_default_graph_as_union=True)
        names = [v.value for v in res.variables]
        want = [[cell_text(sol[n], query_prefixes(text)) for n in names] for sol in res]
        assert [r for r in parser.tables[qfile.stem] if r] == want, qfile.name
    assert 'href="queries.html"' in (built_site / "index.html").read_text(encoding="utf-8")  # in the nav


def test_example_page_escapes_results(tmp_path):
    """A result holding markup (text from a mapping file) shows as text."""
    from types import SimpleNamespace

    import pyoxigraph

    from untp_crm_vocab.project import load_project
    from untp_crm_vocab.site.queries import queries_page
    from untp_crm_vocab.site.render import Templates

    project = load_project(REPO)
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("https://vocabulary.uncefact.org/untp/crm/criteria/ENV-02"),
                              pyoxigraph.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                              pyoxigraph.Literal('<script>window.__x=1</script> & "q"'),
                              pyoxigraph.NamedNode("https://example.org/g")))
    qdir = tmp_path / "site" / "queries"
    qdir.mkdir(parents=True)
    (qdir / "q.rq").write_text("# title: <b>Labels</b>\nSELECT ?c ?l WHERE { ?c "
                               "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }\n", encoding="utf-8")
    proj = SimpleNamespace(site_src_dir=tmp_path / "site", base_iri=project.base_iri)
    ctx = SimpleNamespace(project=proj, version="working")
    page = queries_page(ctx, Templates(proj), store, {"criteria/ENV-02.md"})
    assert "&lt;script&gt;window.__x=1&lt;/script&gt; &amp; &#34;q&#34;" in page.html
    assert "<script>" not in page.html and "<b>" not in page.html
    assert '<a href="criteria/ENV-02.html"' in page.html
