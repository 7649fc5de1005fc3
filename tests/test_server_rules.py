"""The server rules the build writes (``.htaccess`` for Apache, ``nginx.conf`` for nginx) run in
real servers on loopback, held to the same expectations as ``crm-vocab serve`` (tests/conneg_cases.py).

Debian's ``apache2`` and ``nginx`` packages provide the servers (``make test-deps`` installs them
when run as root); without them these tests skip. Each server gets its own config file, pid and
logs in a temporary folder and listens on 127.0.0.1 only; the built site is copied into a
world-readable temporary docroot (the workers drop to www-data when started as root)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conneg_cases import (check_direct_files, check_dotted, check_folders, check_negotiation, check_static_types,
                          check_terms, check_unknown, dotted_requirement, folder_term, get, term_names)

APACHE_MODULES = Path("/usr/lib/apache2/modules")
# what the generated .htaccess says it needs (besides the MPM and authz_core of any Apache)
APACHE_NEEDS = ("rewrite", "headers", "mime", "dir")
INSTALL_HINT = "install Debian packages apache2 and nginx (`make test-deps` does so when run as root)"


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(proc: subprocess.Popen, port: int, log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    out = proc.stdout.read() if proc.poll() is not None and proc.stdout else ""
    stop(proc)
    text = log.read_text(errors="replace") if log.is_file() else ""
    raise AssertionError(f"server did not listen on 127.0.0.1:{port} (exit {proc.returncode}): {out}\n{text[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _drop_user() -> str | None:
    """The unprivileged user the workers switch to when we are root."""
    if os.geteuid() != 0:
        return None
    import pwd

    for name in ("www-data", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


@pytest.fixture(scope="module")
def docroot(built_site):
    """A world-readable copy of the built site (its rules included), removed afterwards."""
    top = Path(tempfile.mkdtemp(prefix="crm-server-rules-"))
    try:
        os.chmod(top, 0o755)
        site = top / "site"
        shutil.copytree(built_site, site)
        for d, dirs, files in os.walk(site):
            os.chmod(d, 0o755)
            for f in files:
                os.chmod(os.path.join(d, f), 0o644)
        yield site
    finally:
        shutil.rmtree(top, ignore_errors=True)


def start_apache(site: Path, work: Path) -> tuple[subprocess.Popen, int]:
    binary = _which("apache2")
    if not binary or not APACHE_MODULES.is_dir():
        pytest.skip(f"apache2 not installed: {INSTALL_HINT}")
    port = free_port()
    user = _drop_user()
    mods = ["mpm_prefork", "authz_core", *APACHE_NEEDS]
    conf = work / "httpd.conf"
    conf.write_text("\n".join([
        f'ServerRoot "{work}"',
        f'DefaultRuntimeDir "{work}"',
        f'PidFile "{work}/httpd.pid"',
        f'ErrorLog "{work}/error.log"',
        "LogLevel warn",
        *(f"LoadModule {m}_module {APACHE_MODULES}/mod_{m}.so" for m in mods),
        *([f"User {user}", f"Group {user}"] if user else []),
        f"Listen 127.0.0.1:{port}",
        "ServerName 127.0.0.1",
        "TypesConfig /etc/mime.types" if Path("/etc/mime.types").is_file() else "",
        f'DocumentRoot "{site}"',
        "<Directory />",
        "    AllowOverride None",
        "    Require all denied",
        "</Directory>",
        f'<Directory "{site}">',
        "    AllowOverride All",
        "    Require all granted",
        "</Directory>",
        "",
    ]))
    proc = subprocess.Popen([binary, "-X", "-f", str(conf)], cwd=work, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                                                      "LANG": "C"})
    wait_listening(proc, port, work / "error.log")
    return proc, port


def start_nginx(site: Path, work: Path) -> tuple[subprocess.Popen, int]:
    binary = _which("nginx")
    if not binary:
        pytest.skip(f"nginx not installed: {INSTALL_HINT}")
    port = free_port()
    user = _drop_user()
    temps = "\n".join(f"    {k}_temp_path {work}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = work / "nginx-test.conf"
    conf.write_text(f"""daemon off;
{f"user {user};" if user else ""}
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
{temps}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {site};
        include {site}/nginx.conf;
    }}
}}
""")
    proc = subprocess.Popen([binary, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")], cwd=work,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_listening(proc, port, work / "error.log")
    return proc, port


@pytest.fixture(scope="module", params=["apache", "nginx"])
def rules_server(request, docroot):
    work = Path(tempfile.mkdtemp(prefix=f"crm-{request.param}-"))
    os.chmod(work, 0o755)
    proc = None
    try:
        proc, port = (start_apache if request.param == "apache" else start_nginx)(docroot, work)
        yield {"port": port, "root": docroot, "kind": request.param, "log": work / "error.log"}
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)


def test_home(rules_server):
    status, headers, body = get(rules_server["port"], "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8" and b"<h1" in body


def test_sample_covers_every_kind(rules_server, project):
    """The terms checked below include classes, slots, enums, values in an enum folder, criteria and
    a requirement whose id has a dot."""
    root = rules_server["root"]
    names = term_names(root)
    assert names, "the build wrote no term files"
    assert any(n[:1].isupper() and "/" not in n for n in names), "no class/enum"
    assert any(n[:1].islower() and "/" not in n for n in names), "no slot"
    assert folder_term(root), "no enumeration folder"
    assert any(n.startswith("criteria/") for n in names), "no criterion"
    assert dotted_requirement(root), "no requirement id with a dot"


def test_every_term_iri_negotiates(rules_server, project):
    names = term_names(rules_server["root"])
    assert names, "the build wrote no term files"
    check_terms(rules_server["port"], rules_server["root"], project.base_iri, names)


def test_negotiation_rules(rules_server):
    root, port = rules_server["root"], rules_server["port"]
    names = term_names(root)
    assert names, "no term files"
    samples = [names[0], folder_term(root), dotted_requirement(root),
               next((n for n in names if n.startswith("criteria/")), None),
               next((n for n in names if "/" in n and (root / n.rsplit("/", 1)[0]).is_dir()
                     and (root / (n.rsplit("/", 1)[0] + ".html")).is_file()), None)]  # an enum value
    for x in [s for s in samples if s]:
        check_negotiation(port, x)
        check_direct_files(port, x)


def test_requirement_ids_with_dots(rules_server):
    x = dotted_requirement(rules_server["root"])
    assert x, "no requirement id with a dot in the built catalogues"
    check_dotted(rules_server["port"], x)


def test_unknown_paths_404(rules_server):
    check_unknown(rules_server["port"])


def test_static_content_types(rules_server):
    check_static_types(rules_server["port"], rules_server["root"])


def test_folders(rules_server):
    check_folders(rules_server["port"], rules_server["root"])


@pytest.fixture(scope="module", params=["apache", "nginx"])
def latest_server(request, tmp_path_factory):
    """A tiny site whose rules point latest/ at release 9.9.9."""
    from untp_crm_vocab.site.server_rules import htaccess, nginx_conf

    top = Path(tempfile.mkdtemp(prefix="crm-latest-"))
    work = top / "work"
    site = top / "site"
    (site / "9.9.9").mkdir(parents=True)
    work.mkdir()
    (site / "index.html").write_text("<h1>home</h1>")
    (site / "9.9.9" / "index.html").write_text("<h1>9.9.9</h1>")
    (site / "9.9.9" / "vocabulary.ttl").write_text("<https://example.org/T> a <https://example.org/C> .\n")
    (site / ".htaccess").write_text(htaccess("9.9.9"))
    (site / "nginx.conf").write_text(nginx_conf("9.9.9"))
    for d, _dirs, files in os.walk(top):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    proc = None
    try:
        proc, port = (start_apache if request.param == "apache" else start_nginx)(site, work)
        yield port
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(top, ignore_errors=True)


def test_latest_redirects_to_newest_release(latest_server):
    from urllib.parse import urlsplit

    for path, target in (("/latest/vocabulary.ttl", "/9.9.9/vocabulary.ttl"), ("/latest/", "/9.9.9/"),
                         ("/latest", "/9.9.9")):
        status, headers, _ = get(latest_server, path)
        assert status == 302 and urlsplit(headers.get("location", "")).path == target, (path, status, headers)
    status, headers, body = get(latest_server, "/9.9.9/vocabulary.ttl")
    assert status == 200 and headers["content-type"] == "text/turtle; charset=utf-8"

def test_no_server_errors_logged(rules_server):
    """After all the requests above, the error log holds no rewrite/config errors."""
    text = rules_server["log"].read_text(errors="replace") if rules_server["log"].is_file() else ""
    bad = [ln for ln in text.splitlines() if any(w in ln for w in ("[error]", ":error]", "[crit]", "[alert]", "[emerg]"))
           and "No such file or directory" not in ln and "is not found" not in ln]
    assert not bad, bad[:5]
