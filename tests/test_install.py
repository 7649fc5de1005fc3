"""Installs and runs anywhere (issue 11), each "done when" line with the real tools:

* a vendor: a fresh virtual environment holding only the built wheel with its [validate] extra,
  run from an empty folder with no checkout, validates a valid and an invalid sample;
* a fork: a copy of the repository with another base IRI, using this installed toolkit, checks
  and builds with its own settings;
* a consumer: another repository runs the published pre-commit hooks (real pre-commit, this
  repository as a local git repo) with its own base IRI, and --fix leaves its curie_maps alone;
  and this repository's own pre-commit set-up runs without `make install`.

Wheels and environments are made with pip as configured on the machine (index or cache).
"""
from __future__ import annotations

import json
import shutil
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import REPO, _copy_project

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import installs  # noqa: E402

BIN = Path(sys.executable).parent
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
SAMPLES = REPO / "model" / "samples"
EXPECTED = yaml.safe_load((SAMPLES / "invalid" / "expected.yaml").read_text(encoding="utf-8"))
FORK_BASE = "https://example.org/fork/vocab/"
CONSUMER_BASE = "https://example.org/consumer/vocab/"


@pytest.fixture(scope="module")
def toolkit_repo(tmp_path_factory) -> tuple[Path, str]:
    """This checkout's sources as a fresh git repository (no .venv, no build output)."""
    return installs.source_repo(tmp_path_factory.mktemp("toolkit") / "untp-crm-vocab")


@pytest.fixture(scope="module")
def wheel(toolkit_repo, tmp_path_factory) -> Path:
    return installs.build_wheel(toolkit_repo[0], tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def vendor(wheel, tmp_path_factory) -> dict:
    """A new environment with only the wheel and its [validate] extra, and an empty folder."""
    venv = tmp_path_factory.mktemp("vendor-env") / "venv"
    bin_ = installs.make_venv(venv, f"{wheel}[validate]")
    work = tmp_path_factory.mktemp("vendor-work")
    return {"venv": venv, "bin": bin_, "work": work}


def _vendor_run(vendor, *argv, cwd=None):
    return installs.run([vendor["bin"] / "crm-vocab", *argv], cwd=cwd or vendor["work"], check=False)


# ---- a vendor --------------------------------------------------------------------------------------
def test_wheel_carries_the_artifacts_and_the_notices(wheel, built_site):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert f"untp_crm_vocab-{VERSION}.dist-info/licenses/LICENSE" in names
        for p in (REPO / "generators" / "data").rglob("*"):  # the W3C licence note, the UNTP notice, ...
            if p.is_file() and p.name.upper().startswith(("LICENSE", "NOTICE")):
                assert f"untp_crm_vocab/{p.relative_to(REPO / 'generators').as_posix()}" in names, p
        art = "untp_crm_vocab/data/artifacts/"
        manifest = json.loads(zf.read(art + "manifest.json"))
        assert manifest["toolkit"] == VERSION and manifest["base-iri"] == "https://vocabulary.uncefact.org/untp/crm/"
        working = manifest["versions"][0]
        assert working["version"] == "working" and working["context"].endswith("/working/context.jsonld")
        schemas = sorted((built_site / "working" / "schemas").glob("*.json"))
        assert {f"schemas/{p.name}" for p in schemas} | {"context.jsonld", "shapes.ttl"} == set(working["files"])
        for rel in working["files"]:  # the bytes crm-vocab build writes
            assert zf.read(f"{art}working/{rel}") == (built_site / "working" / rel).read_bytes(), rel


def test_vendor_environment_holds_no_build_tools(vendor):
    dists = installs.distributions(vendor["venv"])
    assert {"untp-crm-vocab", "jsonschema", "pyld", "pyshacl", "rdflib", "pyoxigraph", "jsonschema-rs"} <= dists
    assert not dists & {"linkml", "linkml-runtime", "mkdocs", "pandas", "sssom", "rfc3987", "fastjsonschema"}, dists


def test_vendor_version(vendor):
    r = _vendor_run(vendor, "--version")
    assert r.returncode == 0 and r.stdout.strip() == f"crm-vocab {VERSION}"


def test_vendor_validates_a_valid_and_an_invalid_sample(vendor):
    valid = sorted((SAMPLES / "valid").glob("*.json"))[0]
    invalid_name = sorted(n for n in EXPECTED if (SAMPLES / "invalid" / n).is_file())[0]
    shutil.copy(valid, vendor["work"] / valid.name)
    shutil.copy(SAMPLES / "invalid" / invalid_name, vendor["work"] / invalid_name)
    assert sorted(p.name for p in vendor["work"].iterdir()) == sorted({valid.name, invalid_name})  # no checkout

    r = _vendor_run(vendor, "validate", valid.name)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{valid.name}: VALID" in r.stdout and f"packaged with untp-crm-vocab {VERSION}" in r.stdout

    r = _vendor_run(vendor, "validate", "--format", "json", invalid_name)
    assert r.returncode == 1, r.stdout + r.stderr
    (report,) = json.loads(r.stdout)["reports"]
    want = EXPECTED[invalid_name]
    assert report["status"] == "invalid" and report["artifacts"] == f"packaged with untp-crm-vocab {VERSION}"
    assert any(f["check"] == want["stage"] and f["rule"] == want["rule"] and f["path"] == want["path"]
               for f in report["findings"]), (want, report["findings"])


def test_vendor_validates_against_a_downloaded_zip(vendor, built_site):
    valid = sorted((SAMPLES / "valid").glob("*.json"))[0]
    zipped = vendor["work"].parent / "working.zip"
    shutil.copy(built_site / "working.zip", zipped)
    r = _vendor_run(vendor, "validate", "--artifacts", zipped, valid)
    assert r.returncode == 0 and "working.zip" in r.stdout, r.stdout + r.stderr
    r = _vendor_run(vendor, "validate", "--artifacts", "https://example.org/working.zip", valid)
    assert r.returncode == 2 and "never downloads" in r.stderr


def test_vendor_is_told_which_extra_a_command_needs(vendor, tmp_path):
    project = _copy_project(tmp_path / "project")
    r = _vendor_run(vendor, "--project", project, "build", "--out", tmp_path / "out")
    assert r.returncode == 2 and "pip install 'untp-crm-vocab[build]'" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()
    # in a project without a build, validate would generate from the model: that needs [build] too
    valid = sorted((SAMPLES / "valid").glob("*.json"))[0]
    r = _vendor_run(vendor, "validate", valid, cwd=project)
    assert r.returncode == 2 and "[build] extra" in r.stderr and "Traceback" not in r.stderr
    r = _vendor_run(vendor, "check")
    assert r.returncode == 2 and "no crm-vocab project found" in r.stderr


# ---- a fork ---------------------------------------------------------------------------------------
def _crosswalk_bytes(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "mappings" / "crosswalks").glob("*.sssom.tsv"))}


def test_fork_with_another_base_iri_checks_and_builds_with_its_own_settings(tmp_path):
    fork = _copy_project(tmp_path / "fork")
    pp = fork / "pyproject.toml"
    pp.write_text(pp.read_text(encoding="utf-8").replace('base-iri = "https://vocabulary.uncefact.org/untp/crm/"',
                                                        f'base-iri = "{FORK_BASE}"'), encoding="utf-8")
    ours = _crosswalk_bytes(REPO)
    crm_vocab = BIN / "crm-vocab"  # the toolkit installed from this checkout

    # the fork takes its base IRI into its crosswalks once (as a fork would) ...
    installs.run([crm_vocab, "check", "--fix"], cwd=fork)
    for name, b in _crosswalk_bytes(fork).items():  # the IRIs check derives from the base IRI
        text = b.decode("utf-8")
        assert f"#mapping_set_id: {FORK_BASE}crosswalks/" in text and f"#  HC: {FORK_BASE}criteria/" in text, name
        assert f"#  CRMCUR: {FORK_BASE}curators/" in text and f": {FORK_BASE}standards/" in text, name
    # ... and from then on finds nothing to complain about, nor does this checkout
    r = installs.run([crm_vocab, "check"], cwd=fork / "mappings", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert installs.run([crm_vocab, "check"], cwd=REPO, check=False).returncode == 0
    assert _crosswalk_bytes(REPO) == ours

    stamp = REPO / "build" / "site" / ".buildinfo"
    before = stamp.read_bytes() if stamp.exists() else None
    r = installs.run([crm_vocab, "build", "-q"], cwd=fork)
    assert f"built {fork.resolve() / 'build' / 'site'}" in r.stdout
    context = (fork / "build" / "site" / "working" / "context.jsonld").read_text(encoding="utf-8")
    assert FORK_BASE in context and "vocabulary.uncefact.org/untp/crm/" not in context
    assert (stamp.read_bytes() if stamp.exists() else None) == before  # this checkout's build untouched
    r = installs.run([crm_vocab, "build"], cwd=fork)
    assert "is up to date" in r.stdout and str(fork.resolve()) in r.stdout


# ---- a consumer repository's pre-commit hooks -------------------------------------------------------------
def _consumer(tmp_path: Path, toolkit: tuple[Path, str]) -> Path:
    repo = tmp_path / "consumer"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "consumer-mappings"\nversion = "0"\n\n'
        f'[tool.crm-vocab]\nbase-iri = "{CONSUMER_BASE}"\n', encoding="utf-8")
    shutil.copytree(REPO / "mappings", repo / "mappings")
    shutil.copy(REPO / "CODEOWNERS", repo / "CODEOWNERS")
    ours = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["crm-vocab"]["base-iri"]
    for p in (repo / "mappings" / "crosswalks").glob("*.sssom.tsv"):  # the consumer's own IRIs
        p.write_text(p.read_text(encoding="utf-8").replace(ours, CONSUMER_BASE), encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{
        "repo": str(toolkit[0]), "rev": toolkit[1],
        "hooks": [{"id": "crm-vocab-check"}, {"id": "crm-vocab-check-fix"}]}]}), encoding="utf-8")
    installs.run(["git", "init", "-q", "-b", "main"], cwd=repo)
    installs.git_commit_all(repo, "consumer mappings")
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _pre_commit(home: Path, repo: Path, *argv):
    return installs.run([BIN / "pre-commit", *argv], cwd=repo, env=installs.clean_env(PRE_COMMIT_HOME=str(home)),
                        check=False)


def test_consumer_runs_the_hooks_with_its_own_base_iri(toolkit_repo, pre_commit_home, tmp_path):
    repo = _consumer(tmp_path, toolkit_repo)
    before = _crosswalk_bytes(repo)
    r = _pre_commit(pre_commit_home, repo, "run", "--all-files")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "crm-vocab check (mapping files)" in r.stdout and "Passed" in r.stdout
    assert _crosswalk_bytes(repo) == before  # --fix left the consumer's curie_maps alone
    assert installs.run(["git", "status", "--porcelain"], cwd=repo).stdout == ""

    # the hook environment holds the toolkit and its base dependencies only
    (env,) = pre_commit_home.glob("repo*/py_env-*")
    dists = installs.distributions(env)
    assert {"untp-crm-vocab", "pyyaml", "networkx"} <= dists
    assert not dists & {"rdflib", "linkml", "jsonschema", "pyld", "pandas", "mkdocs"}, dists

    # the hooks read the consumer's pyproject.toml: another base IRI there is noticed, and --fix follows it
    other = "https://example.org/consumer/renamed/"
    pp = repo / "pyproject.toml"
    pp.write_text(pp.read_text(encoding="utf-8").replace(CONSUMER_BASE, other), encoding="utf-8")
    installs.git_commit_all(repo, "new base IRI")
    r = _pre_commit(pre_commit_home, repo, "run", "crm-vocab-check", "--all-files")
    assert r.returncode == 1 and "curie_map" in r.stdout and other in r.stdout, r.stdout
    r = _pre_commit(pre_commit_home, repo, "run", "crm-vocab-check-fix", "--all-files")
    assert r.returncode == 1 and "files were modified by this hook" in r.stdout, r.stdout
    assert all(other.encode() in b for b in _crosswalk_bytes(repo).values())


def test_this_repository_pre_commit_config_runs_without_make_install(toolkit_repo, pre_commit_home):
    repo = toolkit_repo[0]
    assert not (repo / ".venv").exists()
    r = _pre_commit(pre_commit_home, repo, "run", "--all-files")
    assert r.returncode == 0 and "Passed" in r.stdout, r.stdout + r.stderr
