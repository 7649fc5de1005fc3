"""The toolkit as a command line anyone can install (issue 11): project discovery like git,
``--version``, exit codes in every ``--help``, the import set of each command against the
dependencies its extra declares, JSON format versions, CODEOWNERS and pre-commit settings.
The install-level tests (wheel, fork, pre-commit consumer) are in tests/test_install.py."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from untp_crm_vocab import cli
from untp_crm_vocab.errors import UsageError
from untp_crm_vocab.project import ENV_PROJECT, find_project, load_project

from conftest import REPO, _copy_project, run_cli

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
OTHER_BASE = "https://example.org/fork/vocab/"


def set_base_iri(root: Path, base: str) -> None:
    pp = root / "pyproject.toml"
    text = pp.read_text(encoding="utf-8")
    old = tomllib.loads(text)["tool"]["crm-vocab"]["base-iri"]
    pp.write_text(text.replace(f'base-iri = "{old}"', f'base-iri = "{base}"'), encoding="utf-8")
    assert load_project(root).base_iri == base


@pytest.fixture()
def fork(tmp_path) -> Path:
    root = _copy_project(tmp_path / "fork")
    set_base_iri(root, OTHER_BASE)
    return root


# ---- discovery ----------------------------------------------------------------------------------
def test_project_found_from_cwd_and_its_parents(fork, monkeypatch):
    monkeypatch.delenv(ENV_PROJECT, raising=False)
    monkeypatch.chdir(fork / "mappings" / "crosswalks")
    assert find_project().root == fork.resolve()
    assert find_project().base_iri == OTHER_BASE


def test_install_location_never_wins(tmp_path, monkeypatch):
    """The toolkit is installed from this checkout (a project); outside any project nothing is found."""
    monkeypatch.delenv(ENV_PROJECT, raising=False)
    monkeypatch.chdir(tmp_path)
    assert find_project() is None
    with pytest.raises(UsageError, match="no crm-vocab project found"):
        load_project()


def test_project_option_beats_environment_beats_cwd(fork, tmp_path, monkeypatch):
    monkeypatch.chdir(fork)
    monkeypatch.setenv(ENV_PROJECT, str(REPO))
    assert find_project().root == REPO.resolve()
    assert find_project(fork).root == fork.resolve()
    monkeypatch.setenv(ENV_PROJECT, str(tmp_path / "nowhere"))
    with pytest.raises(UsageError, match=r"\$CRM_VOCAB_PROJECT .*no such folder"):
        find_project()
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no crm-vocab project there"):
        find_project(tmp_path / "empty")


@pytest.mark.parametrize("where", ["before", "after"])
def test_project_option_before_or_after_the_command(fork, tmp_path, monkeypatch, capsys, where):
    monkeypatch.delenv(ENV_PROJECT, raising=False)
    monkeypatch.chdir(tmp_path)
    argv = ["--project", str(fork), "coverage", "--format", "json"] if where == "before" else \
        ["coverage", "--format", "json", "--project", str(fork)]
    rc, out, _ = run_cli(capsys, *argv)
    assert rc == 0 and json.loads(out)["schemes"]
    # given twice, the one after the command wins
    rc, _, err = run_cli(capsys, "--project", str(fork), "coverage", "--project", str(tmp_path))
    assert rc == 2 and "no crm-vocab project there" in err


def test_commands_that_need_a_project_say_so(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(ENV_PROJECT, raising=False)
    monkeypatch.chdir(tmp_path)
    for argv in (["check"], ["coverage"], ["recognise", "--from", "a", "--to", "b"], ["build"]):
        rc, out, err = run_cli(capsys, *argv)
        assert rc == 2 and "no crm-vocab project found" in err and "--project DIR" in err, argv


# ---- --version, --help --------------------------------------------------------------------------
def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"crm-vocab {metadata.version('untp-crm-vocab')}"
    assert metadata.version("untp-crm-vocab") == PYPROJECT["project"]["version"]


def _help(argv) -> str:
    r = subprocess.run([sys.executable, "-m", "untp_crm_vocab.cli", *argv, "--help"], capture_output=True,
                       text=True, timeout=120, cwd="/")
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("command", [None, *cli.COMMANDS])
def test_every_help_lists_exit_codes_and_has_no_markup(command):
    """Run from / (no project): --help needs none. Plain text only: no ``markup`` or `code`."""
    text = _help([command] if command else [])
    assert "exit codes:" in text
    codes = {ln.split()[0] for ln in text.split("exit codes:")[1].splitlines() if ln.strip()}
    # every command: success, usage error, crash (errors.INTERNAL_EXIT), and Ctrl-C, except serve,
    # which Ctrl-C stops with 0
    assert {"0", "2", "3"} <= codes, codes
    assert ("130" in codes) == (command != "serve"), codes
    if command in ("validate", None):
        assert "4" in codes
    if command in ("diff", "check", "validate", "build", "release", None):
        assert "1" in codes  # (diff: --fail-on-breaking)
    assert "`" not in text, text
    assert "--project DIR" in text


# ---- dependencies by job ------------------------------------------------------------------------
def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def declared(extras: set[str]) -> list[str]:
    reqs = list(PYPROJECT["project"]["dependencies"])
    for e in sorted(extras):
        reqs += PYPROJECT["project"]["optional-dependencies"][e]
    return reqs


def closure(extras: set[str]) -> set[str]:
    """Every distribution the toolkit's base + ``extras`` installs (declared requirements and
    theirs, markers evaluated for this interpreter), by installed metadata."""
    from packaging.requirements import Requirement

    seen: set[tuple[str, frozenset]] = set()
    own: set[str] = set()
    stack = [Requirement(r) for r in declared(extras)]
    while stack:
        r = stack.pop()
        name = _norm(r.name)
        if name == "untp-crm-vocab":
            new = set(r.extras) - own
            own |= new
            stack += [Requirement(x) for x in declared(new)][len(PYPROJECT["project"]["dependencies"]):]
            continue
        key = (name, frozenset(r.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            reqs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for s in reqs:
            q = Requirement(s)
            if q.marker is None or any(q.marker.evaluate({"extra": e}) for e in (r.extras or {""})):
                stack.append(q)
    return {n for n, _ in seen}


IMPORTS = r"""
import json, sys
hidden = set(json.load(open(sys.argv[2])))


class Hide:
    # the top-level modules of distributions the extra does not install cannot be imported, as
    # in an install of just that extra (optional imports such as jsonschema's rfc3987 fall back)

    def find_spec(self, name, path=None, target=None):
        if path is None and name in hidden:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Hide())
before = set(sys.modules)
from untp_crm_vocab import cli
try:
    rc = cli.main(sys.argv[3:])
except SystemExit as exc:
    rc = exc.code
tops = {m.split(".")[0] for m in set(sys.modules) - before}
json.dump({"rc": rc, "modules": {m: sys.modules[m].__file__ for m in sorted(tops)
                                  if getattr(sys.modules.get(m), "__file__", None)}}, open(sys.argv[1], "w"))
"""

_DISTS: dict[str, tuple[set[str], set[str]]] = {}


def installed() -> dict[str, tuple[set[str], set[str]]]:
    """Distribution -> (its files as RECORD lists them, relative to site-packages; its top-level modules)."""
    if not _DISTS:
        for dist in metadata.distributions():
            files, tops = set(), set()
            for f in dist.files or ():
                files.add(f.as_posix())
                top = f.parts[0] if f.parts else ""
                if not top or top.startswith("..") or top.endswith((".dist-info", ".data", ".pth")) or top == "__pycache__":
                    continue
                if len(f.parts) == 1:
                    if not top.endswith((".py", ".so", ".pyd")):
                        continue
                    top = top.split(".")[0]
                tops.add(top)
            name = _norm(dist.metadata["Name"])
            old = _DISTS.get(name, (set(), set()))
            _DISTS[name] = (old[0] | files, old[1] | tops)
    return _DISTS


def imported_distributions(argv, allowed: set[str], tmp_path, cwd=REPO) -> tuple[subprocess.CompletedProcess, int, set[str]]:
    """Run ``crm-vocab ARGV`` with only the ``allowed`` distributions importable; (the process,
    its exit code, the distributions it imported)."""
    dists = installed()
    keep = {m for n in allowed | {"untp-crm-vocab", "pip"} for m in dists.get(n, ((), ()))[1]}
    hidden = sorted({m for n, (_, tops) in dists.items() if n not in allowed for m in tops} - keep)
    (tmp_path / "hidden.json").write_text(json.dumps(hidden))
    out = tmp_path / "modules.json"
    r = subprocess.run([sys.executable, "-c", IMPORTS, str(out), str(tmp_path / "hidden.json"), *argv], cwd=cwd,
                       capture_output=True, text=True, timeout=600)
    assert out.exists(), r.stderr
    data = json.loads(out.read_text())
    owners = {f: n for n, (files, _) in dists.items() for f in files}
    found = set()
    for m, file in data["modules"].items():
        parts = Path(file).parts
        if m == "untp_crm_vocab" or "site-packages" not in parts:
            continue  # the toolkit itself, or the standard library
        rel = "/".join(parts[len(parts) - parts[::-1].index("site-packages"):])
        owner = owners.get(rel)
        assert owner, f"{argv}: imported module {m!r} ({file}) belongs to no installed distribution"
        found.add(owner)
    return r, data["rc"], found


@pytest.fixture(scope="module")
def working_build(project, tmp_path_factory) -> Path:
    from untp_crm_vocab.build import build

    out = build(project, tmp_path_factory.mktemp("model") / "site", steps=("untp_crm_vocab.model_artifacts",), quiet=True)
    return out / project.working_version


def _jobs():
    sample = sorted((REPO / "model" / "samples" / "valid").glob("*.json"))[0]
    return [
        ((), 0, ["check"]),
        ((), 0, ["recognise", "--from", "coppermark", "--to", "irma"]),
        ((), 0, ["coverage", "--format", "json"]),
        ((), 2, ["serve", "--dir", str(REPO / "model")]),  # no site there: exits 2 after importing its module
        (("validate",), 0, ["validate", "--jobs", "1", "--artifacts", "{build}", str(sample)]),
        (("validate",), 0, ["validate", "--jobs", "1", "--shacl-engine", "pyshacl", "--artifacts", "{build}", str(sample)]),
    ]


@pytest.mark.parametrize("extras, rc, argv", _jobs(),
                         ids=lambda x: " ".join(x) if isinstance(x, list) else "+".join(x) or "base" if isinstance(x, tuple) else "")
def test_each_command_runs_with_only_what_its_extra_installs(extras, rc, argv, working_build, tmp_path):
    """Each command runs with only the distributions its extra installs importable (the base
    dependencies plus that extra's, as declared in pyproject.toml, and theirs), and the ones it
    imported are listed: check never loads rdflib, LinkML or pandas, validate needs no [build]."""
    argv = [a.replace("{build}", str(working_build)) for a in argv]
    allowed = closure(set(extras))
    r, got, dists = imported_distributions(argv, allowed, tmp_path)
    assert got == rc and "Traceback" not in r.stderr, r.stdout[-2000:] + r.stderr[-2000:]
    assert dists <= allowed
    if not extras:
        assert not dists & {"rdflib", "linkml", "jsonschema", "pandas", "sssom", "pyld"}, dists
    print(f"{' '.join(argv[:1])}: {', '.join(sorted(dists)) or 'nothing'} ({len(dists)} distributions)")


def test_upgrade_runs_with_only_the_validate_extra(shared_dir, tmp_path):
    pilots = sorted((shared_dir / "external" / "project-crm").glob("*.json"))[:2]
    if not pilots:
        pytest.skip("no pilot credentials in ../shared/external/project-crm")
    allowed = closure({"validate"})
    argv = ["upgrade", *map(str, pilots), "--to", "0.7.0", "--out", str(tmp_path / "out")]
    r, got, dists = imported_distributions(argv, allowed, tmp_path)
    assert got == 0 and "Traceback" not in r.stderr, r.stdout[-2000:] + r.stderr[-2000:]
    assert dists <= allowed and len(list((tmp_path / "out").iterdir())) == len(pilots)


def test_extras_split_the_dependencies():
    base, validate, build = closure(set()), closure({"validate"}), closure({"build"})
    assert {"pyyaml", "networkx"} <= base
    assert not base & {"rdflib", "jsonschema", "linkml", "pandas", "mkdocs"}
    assert {"jsonschema", "jsonschema-rs", "pyld", "pyshacl", "rdflib", "pyoxigraph", "rfc3986-validator"} <= validate
    assert not validate & {"linkml", "linkml-runtime", "pandas", "mkdocs", "sssom", "rfc3987", "fastjsonschema"}
    assert {"linkml", "mkdocs", "mkdocs-material"} <= build
    all_declared = {_norm(r.split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip())
                    for r in declared({"validate", "build", "test"})}
    assert "fastjsonschema" not in all_declared and "rfc3987" not in all_declared
    assert {"sssom", "curies"} <= {_norm(r.split("<")[0].split(">")[0]) for r in PYPROJECT["project"]["optional-dependencies"]["test"]}


def test_missing_extra_is_named():
    err = cli.missing_dependency("build", ModuleNotFoundError("No module named 'linkml'", name="linkml"))
    assert "[build]" in err.message and "pip install 'untp-crm-vocab[build]'" in err.hint
    err = cli.missing_dependency("validate", ModuleNotFoundError("No module named 'pyld'", name="pyld.jsonld"))
    assert "[validate]" in err.message
    # validate generating from the model needs LinkML: the [build] extra
    err = cli.missing_dependency("validate", ModuleNotFoundError("No module named 'linkml_runtime'", name="linkml_runtime"))
    assert "[build]" in err.message
    assert cli.missing_dependency("check", ModuleNotFoundError("x", name="untp_crm_vocab.nope")) is None


# ---- JSON outputs carry a format version -------------------------------------------------------
def test_json_outputs_carry_a_format_version(capsys, working_build, tmp_path):
    sample = sorted((REPO / "model" / "samples" / "valid").glob("*.json"))[0]
    for argv in (["check", "--format", "json"],
                 ["recognise", "--from", "coppermark", "--to", "irma", "--format", "json"],
                 ["coverage", "--format", "json"],
                 ["validate", "--jobs", "1", "--artifacts", str(working_build), str(sample), "--format", "json"]):
        rc, out, _ = run_cli(capsys, *argv)
        assert rc == 0, argv
        module = importlib.import_module(f"untp_crm_vocab.{argv[0]}")
        assert json.loads(out)["format"] == module.FORMAT_VERSION >= 1, argv
    report = json.loads(out)["reports"][0]
    assert report["vocabularyVersion"] == "working" and str(working_build) in report["artifacts"]


# ---- repository conventions ---------------------------------------------------------------------
def test_license_file_is_apache_2():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
    assert PYPROJECT["project"]["license"] == "Apache-2.0" and "LICENSE" in PYPROJECT["project"]["license-files"]


@pytest.mark.parametrize("path", ["generators/cli.py", "generators/data/contexts/LICENSE.md", "mappings/criteria.yaml",
                                  "mappings/curators.tsv", ".github/workflows/mapping-checks.yml",
                                  "mappings/crosswalks/irma.sssom.tsv"])
def test_codeowners_gives_every_shared_file_an_owner(path):
    """By the same GitHub matching rules crm-vocab check applies (the last matching line wins)."""
    from untp_crm_vocab.check import _co_match, parse_codeowners

    rules = parse_codeowners((REPO / "CODEOWNERS").read_text(encoding="utf-8"))
    owners = [o for _, pat, o in rules if _co_match(pat, path)]
    assert owners and owners[-1] and all(t.startswith("@") for t in owners[-1]), path


def test_codeowners_passes_the_check(project):
    from untp_crm_vocab.check import check_tree

    assert [f for f in check_tree(project.mappings_dir, project).findings if f.rule == "codeowners"] == []


def test_pre_commit_settings_install_only_the_base_dependencies():
    """The repository's own hook (before make install) gets exactly the base dependencies; the
    published hooks install the repository itself, whose base dependencies are the same list."""
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for r in config["repos"] for h in r["hooks"]]
    assert hook["language"] == "python" and ".venv" not in hook["entry"]
    assert sorted(hook["additional_dependencies"]) == sorted(PYPROJECT["project"]["dependencies"])
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"] for h in hooks} == {"crm-vocab-check", "crm-vocab-check-fix"}
    assert all(h["language"] == "python" and not h.get("additional_dependencies") for h in hooks)
