"""``crm-vocab serve`` under hostile requests (a real server process on loopback): a 300-character
path segment or a non-ASCII path, under /latest/ or not, gets an answer (never a dropped
connection); a ``latest`` that would inject a header is not used; idle connections are closed
after the idle timeout; the listen backlog is raised; malformed q-values (nan, inf, > 1, signs,
exponents) are ignored as RFC 9110 says, alike in serve, Apache and nginx (the cases live in
tests/conneg_cases.py)."""
from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from test_serve import raw, start_server, stop
from untp_crm_vocab import serve


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve-robust") / "site"
    (root / "0.1.0").mkdir(parents=True)
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "0.1.0" / "context.jsonld").write_text("{}")
    (root / "T.html").write_text("<h1>T</h1>")
    (root / "T.ttl").write_text("<https://example.org/T> a <https://example.org/C> .\n")
    (root / "releases.json").write_text(json.dumps({"latest": "0.1.0"}))
    return root


@pytest.fixture(scope="module")
def server(site):
    proc, port = start_server(site, "--idle-timeout", "1")
    yield port, proc
    stop(proc)


def _status(resp: bytes) -> int:
    assert resp, "the connection was dropped without an answer"
    return int(resp.split(b" ", 2)[1])


LONG = "a" * 300
PATHS = [f"/{LONG}", f"/latest/{LONG}", f"/{LONG}/{LONG}", f"/0.1.0/{LONG}", f"/T/{LONG}", f"/{'b' * 5000}",
         "/latest/%C3%A9t%C3%A9", "/%C3%A9t%C3%A9", "/latest/\u00e9t\u00e9".encode("utf-8").decode("latin-1"),
         "/latest/%FF%FE", "/latest/x%0d%0aSet-Cookie:%20a=b", "/T%C3%A9", f"/latest/{LONG}.ttl"]


@pytest.mark.parametrize("path", PATHS)
def test_hostile_paths_get_an_answer(server, path):
    port, proc = server
    resp = raw(port, f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/turtle\r\nConnection: close\r\n\r\n".encode("latin-1"))
    status = _status(resp)
    assert status in (302, 400, 404), (path, resp[:200])
    head = resp.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    assert "Set-Cookie" not in head and head.isascii()
    if status == 302:
        loc = [ln for ln in head.split("\r\n") if ln.lower().startswith("location:")][0]
        assert loc.startswith("Location: /0.1.0/")
        follow = raw(port, f"GET {loc.split(': ', 1)[1]} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        assert _status(follow) in (400, 404)
    assert proc.poll() is None  # and the server is still there


def test_latest_with_a_line_break_is_not_used(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "releases.json").write_text(json.dumps({"latest": "0.1.0\r\nSet-Cookie: a=b"}))
    proc, port = start_server(root)
    try:
        resp = raw(port, b"GET /latest/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert _status(resp) == 404 and b"Set-Cookie" not in resp
    finally:
        stop(proc)


def test_idle_connections_are_closed(server):
    """A client that connects and says nothing (or stops half-way through its request) is
    disconnected after the idle timeout instead of holding a thread forever."""
    port, _ = server
    for start in (b"", b"GET / HTTP/1.1\r\nHost: x\r\n"):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(start)
            assert s.recv(65536) == b""  # closed by the server (a timeout here raises instead)


def test_keep_alive_connections_still_serve_several_requests(server):
    port, _ = server
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        for _ in range(3):
            s.sendall(b"GET /T HTTP/1.1\r\nHost: x\r\nAccept: text/turtle\r\n\r\n")
            data = b""
            while b"example.org/C" not in data:
                chunk = s.recv(65536)
                assert chunk
                data += chunk
            assert data.startswith(b"HTTP/1.1 200")


def test_server_settings(site):
    srv = serve.make_server(site, 0)
    try:
        assert srv.request_queue_size >= 128
        assert srv.RequestHandlerClass.timeout == serve.IDLE_TIMEOUT > 0
        assert srv.daemon_threads
    finally:
        srv.server_close()


@pytest.mark.parametrize("header, expected", [
    ("text/html;q=nan", []), ("text/html;q=NaN, text/turtle;q=0.1", [("text/turtle", 0.1)]),
    ("text/html;q=inf", []), ("text/html;q=-inf", []), ("text/html;q=2", []), ("text/html;q=1.5", []),
    ("text/html;q=-0.5", []), ("text/html;q=1e0", []), ("text/html;q=0.5e1", []), ("text/html;q=", []),
    ("text/html;q=.5", []), ("text/html;q=0.5x", []), ("text/html;q=0x1", []),
    ("text/html;q=1.000", [("text/html", 1.0)]), ("text/html;q=0.", [("text/html", 0.0)]),
    ("text/html;q=0.25", [("text/html", 0.25)]), ("text/html; q = 0.5 ", [("text/html", 0.5)]),
])
def test_q_values_per_rfc_9110(header, expected):
    assert serve.parse_accept(header) == expected
