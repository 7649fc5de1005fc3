"""``crm-vocab serve`` as a real subprocess on loopback: negotiation for every term IRI,
404/406, and no way out of the site (raw request lines over sockets)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conneg_cases import (check_direct_files, check_dotted, check_folders, check_negotiation, check_static_types,
                          check_terms, check_unknown, dotted_requirement, folder_term, get, term_names)

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "untp_crm_vocab.cli"]
VERSION_FILES = {"context.jsonld", "vocabulary.ttl"}


def start_server(root: Path, *extra: str):
    proc = subprocess.Popen(CLI + ["serve", "--port", "0", "--dir", str(root), *extra], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        raise AssertionError(f"serve printed no URL: {line!r} {proc.stderr.read()!r}")
    return proc, int(m[1])


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def server(built_site):
    proc, port = start_server(built_site)
    yield {"port": port, "root": built_site}
    stop(proc)


def raw(port, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(request)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            chunks.append(b)
    return b"".join(chunks)


def test_print_url_and_home(server):
    status, headers, body = get(server["port"], "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b"<h1" in body


def test_every_term_iri_negotiates(server, project):
    root, port = server["root"], server["port"]
    names = term_names(root)
    assert names, "the build wrote no term files"
    # every X.jsonld has its siblings
    versions = {p.parent.name for p in root.glob("*/context.jsonld")}
    lonely = [p for p in root.rglob("*.jsonld") if p.relative_to(root).parts[0] not in versions
              and not p.with_suffix(".html").is_file()]
    assert not lonely, f"JSON-LD without an HTML page: {lonely[:5]}"
    check_terms(port, root, project.base_iri, names)


def test_requirement_ids_with_dots(server):
    x = dotted_requirement(server["root"])
    assert x, "no requirement id with a dot in the built catalogues"
    check_dotted(server["port"], x)


def test_negotiation_rules(server):
    root, port = server["root"], server["port"]
    names = term_names(root)
    assert names, "no term files"
    check_negotiation(port, names[0])
    check_direct_files(port, names[0])
    folder = folder_term(root)
    if folder:
        check_negotiation(port, folder)


def test_unknown_paths_404(server):
    check_unknown(server["port"])


def test_static_content_types(server):
    check_static_types(server["port"], server["root"])


def test_folders(server):
    check_folders(server["port"], server["root"])


SECRET = "crm-serve-secret-7f3a"


@pytest.fixture(scope="module")
def jail(tmp_path_factory):
    """A small site with a secret beside it and symlinks pointing out of it."""
    top = tmp_path_factory.mktemp("jail")
    (top / "secret.txt").write_text(SECRET)
    (top / "secret.ttl").write_text(SECRET)
    site = top / "site"
    (site / "sub").mkdir(parents=True)
    (site / "index.html").write_text("<h1>home</h1>")
    (site / "T.html").write_text("<h1>T</h1>")
    (site / "T.ttl").write_text("<https://example.org/T> a <https://example.org/C> .\n")
    os.symlink(top / "secret.txt", site / "link.txt")
    os.symlink(top / "secret.ttl", site / "Leak.ttl")
    os.symlink(top, site / "sub" / "up")
    proc, port = start_server(site)
    yield port
    stop(proc)


TRAVERSALS = [
    "/../secret.txt", "/../../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
    "/%2e%2e%2fsecret.txt", "/..%2fsecret.txt", "/sub%2f..%2f..%2fsecret.txt", "/..\\secret.txt",
    "/%5c..%5csecret.txt", "/.%2e/secret.txt", "/%252e%252e/secret.txt", "/secret.txt%00.html", "/T%00",
    "/./../secret.txt", "/link.txt", "/Leak", "/Leak.ttl", "/sub/up/secret.txt", "/sub/up/secret",
    "//secret.txt", "/sub/up/",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_never_escapes(jail, target):
    for accept in ("text/turtle", "*/*"):
        resp = raw(jail, f"GET {target} HTTP/1.1\r\nHost: localhost\r\nAccept: {accept}\r\nConnection: close\r\n\r\n".encode())
        status = resp.split(b"\r\n", 1)[0]
        assert SECRET.encode() not in resp, (target, status)
        assert b" 200 " not in status, (target, status)


def test_absolute_form_and_garbage(jail):
    for line in (b"GET http://127.0.0.1/../secret.txt HTTP/1.1", b"GET ../secret.txt HTTP/1.1",
                 b"GET /\x00/../secret.txt HTTP/1.1", b"GARBAGE"):
        resp = raw(jail, line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert SECRET.encode() not in resp
        assert b" 200 " not in resp.split(b"\r\n", 1)[0]


def test_jail_still_serves_inside(jail):
    status, headers, body = get(jail, "/T", "text/turtle")
    assert status == 200 and b"example.org/T" in body
    status, headers, body = get(jail, "/T")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"


def test_bad_invocation_no_traceback(tmp_path):
    r = subprocess.run(CLI + ["serve", "--dir", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "no built site" in r.stderr
