"""One table of content-negotiation expectations for every server that publishes the built site:
``crm-vocab serve`` (tests/test_serve.py) and the generated Apache/nginx rules
(tests/test_server_rules.py). Each ``check_*`` function takes the loopback port of a running
server and the built tree it serves, and asserts."""
from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import quote

HTML = "text/html; charset=utf-8"
JSONLD = "application/ld+json"
TURTLE = "text/turtle; charset=utf-8"

# (Accept, Content-Type, rdflib format) asked of every term IRI
TERM_ACCEPTS = (
    ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", HTML, None),  # a browser
    (None, HTML, None),  # no Accept header at all
    ("application/ld+json", JSONLD, "json-ld"),
    ("text/turtle", TURTLE, "turtle"),
)

# Accept -> Content-Type for one term IRI (q-values, wildcards, aliases)
NEGOTIATION_CASES = {
    "*/*": HTML,
    "": HTML,
    "text/html": HTML,
    "application/json": JSONLD,
    "application/ld+json;q=0.5, application/json": JSONLD,
    "text/turtle;q=0.5, application/ld+json;q=0.9": JSONLD,
    "application/ld+json;q=0.5, text/turtle;q=0.9": TURTLE,
    "text/html;q=0.1, text/turtle": TURTLE,
    "text/html;q=0.8, application/ld+json;q=0.85, text/turtle;q=0.80": JSONLD,
    "text/turtle;q=0.9, text/html;q=0.90": HTML,  # equal q: the server's preference (HTML first)
    "text/turtle, application/ld+json": JSONLD,  # equal q: JSON-LD before Turtle
    "text/*": HTML,
    "application/*": JSONLD,
    "TEXT/TURTLE": TURTLE,
    "text/turtle; charset=utf-8": TURTLE,
    "text/turtle;q=1.0": TURTLE,
    "application/ld+json;q=0, */*;q=0.1": HTML,
    "text/html;q=0, */*": JSONLD,
    "text/html;q=0, application/ld+json;q=0.000, */*;q=0.5": TURTLE,
    "image/png, text/turtle;q=0.2": TURTLE,
    "text/turtle;level=1;q=0.3, text/html;q=0.2": TURTLE,
    "text/htmlx, text/turtle;q=0.5": TURTLE,  # text/htmlx is not text/html
    # a q that is not an RFC 9110 qvalue makes its item ignored (float() read nan, inf, 1e0 as numbers)
    "text/html;q=nan, text/turtle;q=0.5": TURTLE,
    "text/html;q=NaN, application/ld+json;q=0.1": JSONLD,
    "text/html;q=inf, text/turtle;q=0.1": TURTLE,
    "text/html;q=2, text/turtle;q=0.1": TURTLE,
    "text/html;q=1.5, text/turtle;q=0.1": TURTLE,
    "text/html;q=-1, text/turtle;q=0.1": TURTLE,
    "text/html;q=1e0, text/turtle;q=0.1": TURTLE,
    "text/html;q=.9, text/turtle;q=0.1": TURTLE,
    "text/html;q=0.9x, text/turtle;q=0.1": TURTLE,
    "*/*;q=nan, text/turtle;q=0.1": TURTLE,
    "application/ld+json;q=0.5, text/turtle;q=": JSONLD,
}
NOT_ACCEPTABLE = ("image/png", "text/html;q=0, application/ld+json;q=0, text/turtle;q=0",
                  "text/*;q=0, application/*;q=0", "text/turtle;q=nan", "*/*;q=inf", "text/html;q=-0.5")

UNKNOWN_PATHS = ("/NoSuchTerm", "/NoSuchTerm.jsonld", "/criteria/XXX-99", "/no/such/dir/", "/working/nothing.ttl",
                 "/Claim/extra")

# static files: Content-Type by extension (a sample of what the site holds)
STATIC_TYPES = {
    ".html": HTML, ".jsonld": JSONLD, ".ttl": TURTLE, ".json": "application/json",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml",
    ".csv": "text/csv; charset=utf-8", ".tsv": "text/tab-separated-values; charset=utf-8",
    ".zip": "application/zip", ".yaml": "application/yaml", ".png": "image/png", ".xml": "application/xml",
}


def get(port: int, path: str, accept: str | None = None, method: str = "GET"):
    """(status, {lower-case header: value}, body) for one request on 127.0.0.1."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, headers={"Accept": accept} if accept is not None else {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def url_path(name: str) -> str:
    return "/" + "/".join(quote(s) for s in name.split("/"))


def term_names(root: Path) -> list[str]:
    """Every X (relative, no extension) with X.jsonld, X.ttl and X.html, outside version folders."""
    versions = {p.parent.name for p in root.glob("*/context.jsonld")}
    out = []
    for p in root.rglob("*.jsonld"):
        rel = p.relative_to(root).as_posix()
        if rel.split("/", 1)[0] in versions:
            continue
        x = rel[: -len(".jsonld")]
        if (root / f"{x}.ttl").is_file() and (root / f"{x}.html").is_file():
            out.append(x)
    return sorted(out)


def dotted_requirement(root: Path) -> str | None:
    dotted = sorted(p for p in root.glob("standards/*/*/*.jsonld") if "." in p.name[: -len(".jsonld")])
    return dotted[0].relative_to(root).as_posix()[: -len(".jsonld")] if dotted else None


def folder_term(root: Path) -> str | None:
    """A term IRI that is also a folder (an enumeration holding its values)."""
    names = set(term_names(root))
    return next((x for x in sorted(names) if (root / x).is_dir() and any(n.startswith(x + "/") for n in names)), None)


def vary_has_accept(headers: dict) -> bool:
    return "accept" in [v.strip().lower() for v in headers.get("vary", "").split(",")]


def link_alternates(headers: dict) -> set[str]:
    return {part.strip() for part in headers.get("link", "").split(",") if part.strip()}


def expected_link(x: str) -> set[str]:
    leaf = quote(x.rsplit("/", 1)[-1], safe="._-~")
    return {f'<{leaf}.html>; rel="alternate"; type="text/html"',
            f'<{leaf}.jsonld>; rel="alternate"; type="application/ld+json"',
            f'<{leaf}.ttl>; rel="alternate"; type="text/turtle"'}


def check_terms(port: int, root: Path, base: str, names: list[str]) -> None:
    """Each term IRI answers HTML, JSON-LD and Turtle by Accept, with Vary and Link, and the RDF
    describes the IRI."""
    import rdflib

    assert names
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    failures = []
    try:
        for x in names:
            iri = rdflib.URIRef(base + x)
            for accept, ctype, fmt in TERM_ACCEPTS:
                conn.request("GET", url_path(x), headers={"Accept": accept} if accept is not None else {})
                r = conn.getresponse()
                body = r.read()
                headers = {k.lower(): v for k, v in r.getheaders()}
                if r.status != 200 or headers.get("content-type") != ctype:
                    failures.append((x, accept, r.status, headers.get("content-type")))
                    continue
                if not vary_has_accept(headers):
                    failures.append((x, accept, "Vary", headers.get("vary")))
                if link_alternates(headers) != expected_link(x):
                    failures.append((x, accept, "Link", headers.get("link")))
                if fmt is None:
                    if b"<h1" not in body:
                        failures.append((x, accept, "no <h1> in the HTML"))
                    continue
                g = rdflib.Graph()
                g.parse(data=body.decode("utf-8"), format=fmt, publicID=str(iri))
                if (iri, None, None) not in g and (None, None, iri) not in g:
                    failures.append((x, accept, "IRI not described", len(g)))
    finally:
        conn.close()
    assert not failures, failures[:10]


def check_negotiation(port: int, x: str) -> None:
    """q-values, wildcards and aliases for one term IRI ``x`` (relative, no leading slash)."""
    path = url_path(x)
    got = {accept: get(port, path, accept)[:2] for accept in NEGOTIATION_CASES}
    wrong = {a: (s, h.get("content-type")) for a, (s, h) in got.items()
             if (s, h.get("content-type")) != (200, NEGOTIATION_CASES[a]) or not vary_has_accept(h)}
    assert not wrong, {a: (wrong[a], "expected", NEGOTIATION_CASES[a]) for a in wrong}
    for accept in NOT_ACCEPTABLE:
        status, headers, _ = get(port, path, accept)
        assert status == 406 and vary_has_accept(headers), (accept, status, headers)
    status, headers, body = get(port, path, "text/turtle", method="HEAD")
    assert status == 200 and body == b"" and headers["content-type"] == TURTLE


def check_direct_files(port: int, x: str) -> None:
    """X.html / X.jsonld / X.ttl are served as they are, whatever the Accept header."""
    for ext, ctype in (("jsonld", JSONLD), ("ttl", TURTLE), ("html", HTML)):
        status, headers, _ = get(port, f"{url_path(x)}.{ext}", "image/png")
        assert (status, headers.get("content-type")) == (200, ctype), (x, ext, status, headers)


def check_dotted(port: int, x: str) -> None:
    for accept, ctype in (("text/turtle", TURTLE), ("application/ld+json", JSONLD), (None, HTML), ("*/*", HTML)):
        status, headers, _ = get(port, url_path(x), accept)
        assert (status, headers.get("content-type")) == (200, ctype), (x, accept, status, headers)
        assert link_alternates(headers) == expected_link(x), headers.get("link")


def check_unknown(port: int) -> None:
    for path in UNKNOWN_PATHS:
        for accept in ("text/turtle", None):
            assert get(port, path, accept)[0] == 404, (path, accept)


def check_static_types(port: int, root: Path) -> None:
    seen = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in STATIC_TYPES and p.suffix not in seen:
            seen[p.suffix] = p.relative_to(root).as_posix()
    wrong = {}
    for ext, rel in seen.items():
        status, headers, _ = get(port, url_path(rel))
        if (status, headers.get("content-type")) != (200, STATIC_TYPES[ext]):
            wrong[rel] = (status, headers.get("content-type"), "expected", STATIC_TYPES[ext])
    assert not wrong, wrong


def check_folders(port: int, root: Path) -> None:
    """A folder without its slash is redirected to it (unless it is also a term, see
    check_negotiation); with the slash and no index.html it is not found."""
    plain = next(p.name for p in sorted(root.iterdir()) if p.is_dir() and (p / "index.html").is_file()
                 and not any((root / f"{p.name}.{e}").exists() for e in ("html", "jsonld", "ttl")))
    status, headers, _ = get(port, f"/{plain}")
    assert status == 301 and headers.get("location", "").endswith(f"/{plain}/"), (plain, status, headers)
    assert get(port, f"/{plain}/")[0] == 200
    folder = folder_term(root)
    if folder:
        assert not (root / folder / "index.html").exists()
        assert get(port, url_path(folder) + "/")[0] == 404, folder
