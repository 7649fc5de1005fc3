"""``crm-vocab serve``: preview the built site locally, with the same content negotiation as the
Apache/nginx rules the build writes (DEVELOPING.md, "URL space").

For a path ``X`` with no file, the server picks ``X.html`` / ``X.jsonld`` / ``X.ttl`` by the
``Accept`` q-values (HTML by default and for ``*/*``; ``application/json`` accepts JSON-LD),
answers ``Vary: Accept`` and a ``Link`` header naming the alternates, 406 when none is
acceptable and 404 when there is nothing. Paths are checked segment by segment: ``..``, ``.``,
encoded slashes or backslashes, NUL and symlinks that leave the site are refused.

With ``--sparql`` the server also answers the SPARQL 1.1 protocol at ``/sparql`` (GET with
``query=``, POST form-encoded or ``application/sparql-query``) over the working version's dataset
dump (``<working>/dataset.nq``, see ``untp_crm_vocab.dataset``), with the union of its named
graphs as the default graph; results in SPARQL JSON, XML, CSV or TSV (graphs in Turtle,
N-Triples or RDF/XML) by ``Accept``.
"""
from __future__ import annotations

import argparse
import json
import mimetypes
import os
import re
import stat
import sys
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .errors import UsageError

REPRESENTATIONS = (  # (extension, media type, Content-Type), in server preference order
    ("html", "text/html", "text/html; charset=utf-8"),
    ("jsonld", "application/ld+json", "application/ld+json"),
    ("ttl", "text/turtle", "text/turtle; charset=utf-8"),
)
ALIASES = {"text/html": ("application/xhtml+xml",), "application/ld+json": ("application/json",)}
TYPES = {
    ".html": "text/html; charset=utf-8", ".jsonld": "application/ld+json", ".ttl": "text/turtle; charset=utf-8",
    ".json": "application/json", ".tsv": "text/tab-separated-values; charset=utf-8", ".csv": "text/csv; charset=utf-8",
    ".svg": "image/svg+xml", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".xml": "application/xml", ".gz": "application/gzip", ".zip": "application/zip", ".yaml": "application/yaml",
    ".txt": "text/plain; charset=utf-8", ".png": "image/png", ".ico": "image/x-icon", ".woff2": "font/woff2",
}


INTERRUPTIBLE = False  # Ctrl-C is how the server is stopped: exit 0, not 130 (cli.with_common_exit_codes)
EXIT_CODES = """exit codes:
  0  stopped with Ctrl-C
  2  no built site to serve, the port cannot be used, or no project found"""


def needs_project(args) -> bool:
    return not args.dir


#: seconds a connection may stay silent (before or inside a request) before it is closed
IDLE_TIMEOUT = 10.0
#: connections the kernel queues while every thread is busy (socketserver's default is 5)
LISTEN_BACKLOG = 128
#: the longest path segment looked up (NAME_MAX on Linux and macOS); longer ones are not found
MAX_SEGMENT_BYTES = 255
#: a plain version name: what ``latest`` in releases.json must be to be redirected to
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]*")
#: RFC 9110 qvalue, as leniently as the generated Apache/nginx rules read it (any number of decimals)
_QVALUE = re.compile(r"1(?:\.0*)?|0(?:\.[0-9]*)?")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000; 0 picks a free one)")
    p.add_argument("--dir", metavar="DIR", help="built site folder (default build/site/)")
    p.add_argument("--bind", default="127.0.0.1", help=argparse.SUPPRESS)
    p.add_argument("--idle-timeout", type=float, default=IDLE_TIMEOUT, metavar="SECONDS",
                   help=f"close a connection silent for this long (default {IDLE_TIMEOUT:g})")
    p.add_argument("--sparql", action="store_true",
                   help="also answer SPARQL 1.1 protocol queries at /sparql over the working version's dataset")


# ---------------------------------------------------------------------------------------------
# content negotiation
# ---------------------------------------------------------------------------------------------
def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``Accept`` -> [(media range, q)]; a missing header is */*. Malformed items are ignored,
    among them an item whose q is not an RFC 9110 qvalue (``nan``, ``inf``, ``2``, ``-1``,
    ``1e0``, ``.5``): float() would read some of those as a preference. The Apache and nginx rules
    ignore the same items (tests/conneg_cases.py holds all three to it)."""
    if header is None or not header.strip():
        return [("*/*", 1.0)]
    out = []
    for item in header.split(","):
        parts = [p.strip() for p in item.split(";")]
        rng = parts[0].lower()
        if not rng or "/" not in rng:
            continue
        q: float | None = 1.0
        for param in parts[1:]:
            k, _, v = param.partition("=")
            if k.strip().lower() == "q":
                v = v.strip()
                q = float(v) if _QVALUE.fullmatch(v) else None
        if q is not None:
            out.append((rng, q))
    return out


def _quality(media: str, accept: list[tuple[str, float]]) -> tuple[float, int]:
    """q for ``media`` under ``accept`` using the most specific matching range; (q, specificity)."""
    names = (media,) + ALIASES.get(media, ())
    typ = media.split("/")[0]
    best: tuple[int, float] | None = None
    for rng, q in accept:
        if rng in names:
            spec = 3 if rng == media else 2  # an alias (application/json) ranks below the exact type
        elif rng == f"{typ}/*":
            spec = 1
        elif rng == "*/*":
            spec = 0
        else:
            continue
        if best is None or spec > best[0] or (spec == best[0] and q > best[1]):
            best = (spec, q)
    return (best[1], best[0]) if best else (0.0, -1)


def negotiate(accept_header: str | None, available: list[str]) -> str | None:
    """Pick an extension among ``available`` (subset of html/jsonld/ttl), or None (406)."""
    accept = parse_accept(accept_header)
    scored = []
    for pref, (ext, media, _ct) in enumerate(REPRESENTATIONS):
        if ext not in available:
            continue
        q, spec = _quality(media, accept)
        if q > 0:
            scored.append((q, spec, -pref, ext))
    if not scored:
        return None
    return max(scored)[3]


def link_header(name: str, available: list[str]) -> str:
    from urllib.parse import quote

    n = quote(name, safe="._-~")
    return ", ".join(f'<{n}.{ext}>; rel="alternate"; type="{media}"'
                     for ext, media, _ in REPRESENTATIONS if ext in available)


# ---------------------------------------------------------------------------------------------
# path safety
# ---------------------------------------------------------------------------------------------
class Refused(Exception):
    """A request target that is refused (400)."""


class NotFound(Exception):
    """A request target that cannot name anything in the site (404)."""


def url_of(segments: list[str], trailing: bool = False) -> str:
    """A Location for decoded path segments: percent-encoded, so always ASCII and never a header
    break."""
    return "/" + "/".join(quote(s, safe="!$&'()*+,;=:@-._~") for s in segments) + ("/" if trailing and segments else "")


def safe_relpath(raw_target: str) -> tuple[list[str], bool]:
    """Request target -> (decoded path segments, trailing slash). Raises Refused for anything that
    could leave the site: absolute-form targets, ``.``/``..`` segments (raw or encoded), encoded
    ``/`` or ``\\``, backslashes, NUL and control characters."""
    if not raw_target.startswith("/"):
        raise Refused("the request target must be an absolute path")
    if not raw_target.isascii():  # raw UTF-8 bytes (http.server read the line as Latin-1)
        try:
            raw_target = raw_target.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            raise Refused("the path is not UTF-8") from None
    path = urlsplit(raw_target).path if "?" in raw_target or "#" in raw_target else raw_target
    low = path.lower()
    if "\\" in path or "%5c" in low or "%2f" in low or "%00" in low or "\x00" in path:
        raise Refused("encoded slash, backslash or NUL in the path")
    segments = []
    for seg in path.split("/")[1:]:
        try:
            dec = unquote(seg, errors="strict")
        except UnicodeDecodeError:
            raise Refused("the path is not UTF-8") from None
        if dec in (".", "..") or "/" in dec or "\\" in dec or any(ord(c) < 32 or ord(c) == 127 for c in dec):
            raise Refused("dot segments and control characters are not allowed")
        if len(dec.encode("utf-8")) > MAX_SEGMENT_BYTES - 8:  # (room for the .jsonld looked up beside it)
            raise NotFound("no such name")
        segments.append(dec)
    trailing = path.endswith("/")
    return [s for s in segments if s], trailing


def inside(root: Path, candidate: Path) -> bool:
    """True when ``candidate`` (after resolving symlinks) is inside ``root``."""
    try:
        real = Path(os.path.realpath(candidate))
    except (OSError, ValueError):
        return False
    return real == root or root in real.parents


def _under(root: str, real: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def file_inside(root: str, parent_real: str | None, path: str) -> bool:
    """Whether ``path`` is a regular file inside ``root``: a plain file in a folder whose real path
    (``parent_real``) is inside, or a symlink whose target is a file inside. One ``lstat`` for a
    plain file (the common case), instead of resolving every candidate's path."""
    try:
        st = os.lstat(path)
    except (OSError, ValueError):
        return False
    if stat.S_ISLNK(st.st_mode):
        real = os.path.realpath(path)
        return _under(root, real) and os.path.isfile(real)
    return stat.S_ISREG(st.st_mode) and parent_real is not None and _under(root, parent_real)


# ---------------------------------------------------------------------------------------------
# the server
# ---------------------------------------------------------------------------------------------
SPARQL_PATH = "/sparql"
MAX_QUERY_BYTES = 1 << 20
# (media type, Content-Type, pyoxigraph format name), server preference first
SOLUTION_TYPES = (
    ("application/sparql-results+json", "application/sparql-results+json", "JSON"),
    ("application/sparql-results+xml", "application/sparql-results+xml", "XML"),
    ("text/csv", "text/csv; charset=utf-8", "CSV"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", "TSV"),
    ("application/json", "application/sparql-results+json", "JSON"),
)
GRAPH_TYPES = (
    ("text/turtle", "text/turtle; charset=utf-8", "TURTLE"),
    ("application/n-triples", "application/n-triples", "N_TRIPLES"),
    ("application/rdf+xml", "application/rdf+xml", "RDF_XML"),
)


def pick_media(accept_header: str | None, options) -> tuple | None:
    """The option (media type first) with the highest q under ``Accept`` (ties: the first), or None."""
    accept = parse_accept(accept_header)
    best = None
    for pref, opt in enumerate(options):
        q, spec = _quality(opt[0], accept)
        if q > 0 and (best is None or (q, spec) > best[0]):
            best = ((q, spec), pref, opt)
    return best[2] if best else None


def sparql_answer(store, text: str, accept: str | None, default_graphs=(), named_graphs=()):
    """(status, Content-Type, body) for one SPARQL protocol request."""
    import pyoxigraph

    kwargs: dict = {}
    if default_graphs or named_graphs:
        kwargs["default_graph"] = [pyoxigraph.NamedNode(g) for g in default_graphs] or None
        kwargs["named_graphs"] = [pyoxigraph.NamedNode(g) for g in named_graphs] or None
    else:
        kwargs["use_default_graph_as_union"] = True
    try:
        results = store.query(text, **kwargs)
    except SyntaxError as exc:
        return 400, "text/plain; charset=utf-8", f"malformed query: {exc}\n".encode("utf-8")
    except (OSError, ValueError, RuntimeError) as exc:
        return 400, "text/plain; charset=utf-8", f"query failed: {exc}\n".encode("utf-8")
    graph = isinstance(results, pyoxigraph.QueryTriples)
    options = GRAPH_TYPES if graph else SOLUTION_TYPES
    chosen = pick_media(accept, options)
    if chosen is None:
        return 406, "text/plain; charset=utf-8", ("not acceptable; available: "
                                                  + ", ".join(o[0] for o in options) + "\n").encode("utf-8")
    _media, ctype, fmt = chosen
    if graph:
        body = results.serialize(format=getattr(pyoxigraph.RdfFormat, fmt))
    else:
        body = results.serialize(format=getattr(pyoxigraph.QueryResultsFormat, fmt))
    return 200, ctype, body or b""


def load_sparql_store(root: Path):
    """The store ``--sparql`` answers from: the working version's dataset dump in ``root``."""
    from . import dataset

    try:
        working = json.loads((root / "releases.json").read_text(encoding="utf-8")).get("working") or "working"
    except (OSError, ValueError, AttributeError):
        working = "working"
    dump = root / str(working) / dataset.DUMP
    if "/" in str(working) or not dump.is_file():
        raise UsageError(f"{root} has no {working}/{dataset.DUMP} to answer SPARQL queries from",
                         hint="rebuild the site with this version of crm-vocab (crm-vocab build)")
    return dataset.load_dump(dump)


def make_handler(root: Path, idle_timeout: float = IDLE_TIMEOUT, sparql_store=None):
    from http.server import BaseHTTPRequestHandler
    from urllib.parse import parse_qs

    root = Path(os.path.realpath(root))
    root_s = str(root)

    class Handler(BaseHTTPRequestHandler):
        server_version = "crm-vocab-serve"
        sys_version = ""
        protocol_version = "HTTP/1.1"
        timeout = idle_timeout  # a silent connection (before or inside a request) is closed
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall between two writes
        wbufsize = 65536  # headers and body go out in one send (flushed after each response)

        def log_message(self, fmt, *args):  # quiet unless asked
            if os.environ.get("CRM_VOCAB_SERVE_LOG"):
                sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

        def do_GET(self):
            if sparql_store is not None and self.path.split("?", 1)[0] == SPARQL_PATH:
                self._sparql(parse_qs(urlsplit(self.path).query, keep_blank_values=True), head=False)
                return
            self._handle(head=False)

        def do_HEAD(self):
            if sparql_store is not None and self.path.split("?", 1)[0] == SPARQL_PATH:
                self._sparql(parse_qs(urlsplit(self.path).query, keep_blank_values=True), head=True)
                return
            self._handle(head=True)

        def do_POST(self):
            if sparql_store is None or self.path.split("?", 1)[0] != SPARQL_PATH:
                self._error(405, "method not allowed", False, {"Allow": "GET, HEAD"})
                return
            try:
                length = int(self.headers.get("Content-Length") or "0")
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_QUERY_BYTES:
                self._error(413 if length > 0 else 400, "the request body must be a query of at most 1 MiB "
                            "with a Content-Length", False)
                return
            body = self.rfile.read(length)
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            params = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                self._error(400, "the request body is not UTF-8", False)
                return
            if ctype == "application/x-www-form-urlencoded":
                for k, v in parse_qs(text, keep_blank_values=True).items():
                    params.setdefault(k, []).extend(v)
            elif ctype == "application/sparql-query":
                params["query"] = [text]
            else:
                self._error(415, "send application/sparql-query or application/x-www-form-urlencoded", False)
                return
            self._sparql(params, head=False)

        def _sparql(self, params: dict, head: bool):
            queries = params.get("query") or []
            if len(queries) != 1 or not queries[0].strip():
                self._error(400, "give exactly one query parameter (SPARQL 1.1 protocol)", head)
                return
            status, ctype, body = sparql_answer(sparql_store, queries[0], self.headers.get("Accept"),
                                                params.get("default-graph-uri") or (),
                                                params.get("named-graph-uri") or ())
            self._send(status, body, ctype, {"Vary": "Accept"} if status == 200 else None, head)

        def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None, head: bool = False):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _error(self, status: int, message: str, head: bool, headers: dict | None = None):
            # (the site's 404.html links its assets by the base IRI's absolute path, which only
            # resolves where the site is deployed, so the preview answers in plain text)
            body = message.encode("utf-8") + b"\n"
            self._send(status, body, "text/plain; charset=utf-8", headers, head)

        def _file(self, path: Path, head: bool, headers: dict | None = None):
            try:
                body = path.read_bytes()
            except OSError:
                self._error(404, "not found", head)
                return
            ctype = TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self._send(200, body, ctype, headers, head)

        def _representations(self, target: Path) -> list[str]:
            parent = os.path.dirname(str(target))
            try:
                parent_real = os.path.realpath(parent)
            except (OSError, ValueError):
                return []
            base = str(target)
            return [ext for ext, _m, _c in REPRESENTATIONS if file_inside(root_s, parent_real, f"{base}.{ext}")]

        def _handle(self, head: bool):
            """Answer one request; whatever goes wrong, the client gets an answer (404 for a name
            the file system cannot hold, 500 for a bug), never a dropped connection."""
            try:
                self._answer(head)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            except OSError:  # a name too long for the file system, and the like: nothing there
                self._error(404, "not found", head)
            except Exception:  # noqa: BLE001 - a bug: answered, and logged when asked
                if os.environ.get("CRM_VOCAB_SERVE_LOG"):
                    import traceback

                    traceback.print_exc()
                self.close_connection = True
                self._error(500, "internal error", head)

        def _answer(self, head: bool):
            try:
                segments, trailing = safe_relpath(self.path)
            except Refused as exc:
                self._error(400, f"bad request: {exc}", head)
                return
            except NotFound:
                self._error(404, "not found", head)
                return
            if segments[:1] == ["latest"]:
                latest = _latest(root)
                if latest:
                    loc = url_of([latest] + segments[1:], trailing)
                    self._send(302, b"", "text/plain; charset=utf-8", {"Location": loc}, head)
                    return
            target = root.joinpath(*segments) if segments else root
            try:
                st = os.stat(target)
            except (OSError, ValueError):
                st = None  # not there: the representations beside it are checked one by one
            if st is not None and not inside(root, target):
                self._error(404, "not found", head)
                return
            is_dir = st is not None and stat.S_ISDIR(st.st_mode)
            available = None
            if is_dir and not (trailing or not segments) and (available := self._representations(target)):
                pass  # a term that is also a folder (an enumeration and its values): negotiate below
            elif is_dir:
                if not trailing and segments:
                    self._send(301, b"", "text/plain; charset=utf-8", {"Location": url_of(segments, True)}, head)
                    return
                index = target / "index.html"
                if index.is_file() and inside(root, index):
                    self._file(index, head)
                else:
                    self._error(404, "not found", head)
                return
            if st is not None and stat.S_ISREG(st.st_mode) and not trailing:
                self._file(target, head)  # (inside: checked above)
                return
            if trailing or not segments:
                self._error(404, "not found", head)
                return
            # negotiate among X.html / X.jsonld / X.ttl (never by splitting the name on '.')
            name = segments[-1]
            if available is None:
                available = self._representations(target)
            if not available:
                self._error(404, "not found", head)
                return
            headers = {"Vary": "Accept", "Link": link_header(name, available)}
            ext = negotiate(self.headers.get("Accept"), available)
            if ext is None:
                alts = ", ".join(m for e, m, _ in REPRESENTATIONS if e in available)
                self._error(406, f"not acceptable; available: {alts}", head, headers)
                return
            self._file(target.parent / f"{name}.{ext}", head, headers)

    return Handler


def _latest(root: Path) -> str | None:
    try:
        data = json.loads((root / "releases.json").read_text(encoding="utf-8"))
        latest = data.get("latest")
        return latest if isinstance(latest, str) and _VERSION.fullmatch(latest) else None
    except (OSError, ValueError, AttributeError):
        return None


def make_server(root: Path, port: int = 0, bind: str = "127.0.0.1", idle_timeout: float = IDLE_TIMEOUT,
                sparql_store=None):
    """A thread per connection, a listen backlog of LISTEN_BACKLOG, idle connections closed."""
    from http.server import ThreadingHTTPServer

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = LISTEN_BACKLOG

        def handle_error(self, request, client_address):  # a client gone away: no traceback
            if os.environ.get("CRM_VOCAB_SERVE_LOG"):
                super().handle_error(request, client_address)

    return Server((bind, port), make_handler(root, idle_timeout, sparql_store))


def run(args, project) -> int:
    root = Path(args.dir) if args.dir else project.default_out
    if not (root / "index.html").is_file():
        raise UsageError(f"{root} holds no built site (no index.html)",
                         hint="run crm-vocab build first, or pass --dir to a built site folder")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0..65535, got {args.port}")
    idle = getattr(args, "idle_timeout", IDLE_TIMEOUT)
    if not 0 < idle <= 3600:
        raise UsageError(f"--idle-timeout must be a number of seconds in (0, 3600], got {idle}")
    store = load_sparql_store(root) if getattr(args, "sparql", False) else None
    try:
        server = make_server(root, args.port, args.bind, idle, store)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.bind}:{args.port}: {exc.strerror or exc}",
                         hint="pick another --port, or --port 0 for a free one") from None
    host, port = server.server_address[:2]
    print(f"serving {root} on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    if store is not None:
        print(f"SPARQL endpoint: http://{host}:{port}{SPARQL_PATH}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
