"""Shared pytest fixtures."""
from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from untp_crm_vocab.project import load_project

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project():
    """The project settings of this checkout (pyproject.toml [tool.crm-vocab])."""
    return load_project(REPO)


@pytest.fixture(scope="module")
def doc_project(project):
    """The small three-standard mapping tree of the worked example in site/docs/recognition.md."""
    from untp_crm_vocab.project import Project

    return Project(root=REPO / "tests" / "fixtures" / "recognition" / "doc", base_iri=project.base_iri)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository root (research notes, external samples); tests that
    need it skip when it is absent."""
    p = REPO.parent / "shared"
    if not p.is_dir():
        pytest.skip(f"shared folder not present at {p} (../shared beside the repository root); these tests read reference files from it")
    return p


# ---- site / serve fixtures (tests/test_site*.py, tests/test_serve.py) --------------------------
# One full build per session; tests must not modify the built tree.
HOSTILE_MARK = "window.__crm_xss=1"
HOSTILE_COMMENT = f'[R] <script>{HOSTILE_MARK}</script> <img src=x onerror="{HOSTILE_MARK}"> & "quoted"'


def _copy_project(dst: Path) -> Path:
    """A copy of this checkout's sources (no build output, no releases)."""
    import shutil

    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "pyproject.toml", dst / "pyproject.toml")
    shutil.copy2(REPO / "mkdocs.yml", dst / "mkdocs.yml")
    shutil.copytree(REPO / "model", dst / "model")
    shutil.copytree(REPO / "mappings", dst / "mappings")
    shutil.copytree(REPO / "site", dst / "site", ignore=shutil.ignore_patterns("releases"))
    return dst


def inject_hostile_comment(project_root: Path) -> tuple[str, str]:
    """Put HOSTILE_COMMENT into the comment of the first mapping row of the first crosswalk.
    Returns (subject_id, object_id) of that row."""
    tsv = sorted((project_root / "mappings" / "crosswalks").glob("*.sssom.tsv"))[0]
    lines = tsv.read_text(encoding="utf-8").split("\n")
    header_at = next(i for i, ln in enumerate(lines) if ln and not ln.startswith("#"))
    cols = lines[header_at].split("\t")
    for i in range(header_at + 1, len(lines)):
        cells = lines[i].split("\t")
        if len(cells) == len(cols) and cells[cols.index("object_id")].startswith("HC:") \
                and cells[cols.index("subject_id")] != "sssom:NoTermFound":
            import re

            tag = re.match(r"^\[[VR?]\]", cells[cols.index("comment")])  # keep the verification tag
            cells[cols.index("comment")] = (tag[0] if tag else "[R]") + HOSTILE_COMMENT[3:]
            lines[i] = "\t".join(cells)
            tsv.write_text("\n".join(lines), encoding="utf-8")
            return cells[cols.index("subject_id")], cells[cols.index("object_id")]
    raise AssertionError(f"no mapping row to put a hostile comment into in {tsv}")


def _build(project_root: Path, out: Path) -> Path:
    from untp_crm_vocab.build import build
    from untp_crm_vocab.project import load_project as _load

    return build(_load(project_root), out, quiet=True)


@pytest.fixture(scope="session")
def site_project(tmp_path_factory):
    """A temporary copy of the project whose first crosswalk row carries a <script> comment."""
    root = _copy_project(tmp_path_factory.mktemp("site-project") / "project")
    subject, obj = inject_hostile_comment(root)
    return {"root": root, "hostile_subject": subject, "hostile_object": obj}


@pytest.fixture(scope="session")
def built_site(site_project, tmp_path_factory) -> Path:
    """The full build (all steps) of ``site_project``, once per session."""
    import time

    t0 = time.perf_counter()
    out = _build(site_project["root"], tmp_path_factory.mktemp("built") / "site")
    built_site_seconds.append(time.perf_counter() - t0)
    return out


built_site_seconds: list[float] = []


def run_cli(capsys, *argv):
    """Run ``crm-vocab`` in-process; (exit code, stdout, stderr), and never a traceback."""
    from untp_crm_vocab import cli

    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return rc, out, err


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAS_CHROMIUM = Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()
NO_CHROMIUM = "chromium/chromedriver not installed (Debian packages chromium chromium-driver; `make test-deps`)"
#: the mark of every test file that drives headless Chromium
needs_chromium = pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM)


@pytest.fixture(scope="module")
def site_url(built_site):
    """The built site served by `crm-vocab serve` on loopback (its root URL)."""
    from test_serve import start_server, stop

    proc, port = start_server(built_site)
    yield f"http://127.0.0.1:{port}/"
    stop(proc)


@contextlib.contextmanager
def headless_chromium(window: str, *, extra_args=(), logs=("browser",)):
    """Headless Chromium (selenium) with a throw-away profile, for the page tests."""
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="crm-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", *extra_args,
              f"--user-data-dir={profile}", f"--window-size={window}"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {name: "ALL" for name in logs})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    d.set_page_load_timeout(60)
    try:
        yield d
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)
