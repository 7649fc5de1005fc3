"""The ecosystem's own checkers on our files (issue 11): sssom-py's ``sssom validate`` on every
crosswalk, ``linkml-lint`` with the shipped ``.linkmllint.yaml`` on the model, and
check-jsonschema's metaschema check on the built JSON Schemas. Each is also shown to fail on a
broken input, so a pass means something."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CROSSWALKS = sorted((REPO / "mappings" / "crosswalks").glob("*.sssom.tsv"))


def _sssom_validate(path: Path):
    """The ``sssom validate`` command of sssom-py's CLI, run in this process (its import takes
    seconds; a subprocess per file would pay it seven times)."""
    from click.testing import CliRunner
    from sssom.cli import main

    return CliRunner().invoke(main, ["validate", str(path)])


@pytest.mark.parametrize("path", CROSSWALKS, ids=[p.name for p in CROSSWALKS])
def test_sssom_validate_accepts_every_crosswalk(path):
    result = _sssom_validate(path)
    assert result.exit_code == 0, f"sssom validate {path.name}: {result.output}\n{result.exception!r}"


def test_sssom_validate_rejects_a_broken_crosswalk(tmp_path):
    lines = CROSSWALKS[0].read_text(encoding="utf-8").split("\n")
    header = next(i for i, ln in enumerate(lines) if ln and not ln.startswith("#"))
    cols = lines[header].split("\t")
    cells = lines[header + 1].split("\t")
    cells[cols.index("confidence")] = "2.5"  # SSSOM: a confidence is in [0, 1]
    lines[header + 1] = "\t".join(cells)
    bad = tmp_path / CROSSWALKS[0].name
    bad.write_text("\n".join(lines), encoding="utf-8")
    assert _sssom_validate(bad).exit_code != 0


def _lint(schema: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "linkml-lint"), "--config", str(REPO / ".linkmllint.yaml"), str(schema)],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_linkml_lint_passes_with_the_shipped_configuration():
    r = _lint(REPO / "model" / "untp_crm.yaml", REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "No problems found" in r.stdout


def test_linkml_lint_configuration_still_catches_naming(tmp_path):
    """camelCase slots are what UNTP requires; the configuration allows them, not anything."""
    text = (REPO / "model" / "untp_crm.yaml").read_text(encoding="utf-8")
    assert "\nslots:\n" in text
    bad = tmp_path / "untp_crm.yaml"
    bad.write_text(text.replace("\nslots:\n", "\nslots:\n  snake_case_slot:\n    range: string\n", 1), encoding="utf-8")
    r = _lint(bad, tmp_path)
    assert r.returncode != 0 and "snake_case_slot" in r.stdout, r.stdout + r.stderr


@pytest.fixture(scope="module")
def built_schemas(project, tmp_path_factory) -> list[Path]:
    from untp_crm_vocab.build import build

    out = build(project, tmp_path_factory.mktemp("schemas") / "site", steps=("untp_crm_vocab.model_artifacts",), quiet=True)
    schemas = sorted((out / project.working_version / "schemas").glob("*.json"))
    schemas += sorted(project.releases_dir.glob("*/schemas/*.json")) if project.releases_dir.is_dir() else []
    assert schemas
    return schemas


def _metaschema(files) -> subprocess.CompletedProcess:
    exe = shutil.which("check-jsonschema", path=str(BIN)) or "check-jsonschema"
    return subprocess.run([exe, "--check-metaschema", *map(str, files)], capture_output=True, text=True, timeout=300)


def test_check_jsonschema_metaschema_accepts_the_built_schemas(built_schemas):
    r = _metaschema(built_schemas)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_jsonschema_metaschema_rejects_a_broken_schema(built_schemas, tmp_path):
    bad = tmp_path / built_schemas[0].name
    bad.write_text(built_schemas[0].read_text(encoding="utf-8").replace('"type": "object"', '"type": "objekt"', 1),
                   encoding="utf-8")
    r = _metaschema([bad])
    assert r.returncode != 0 and "objekt" in r.stdout
