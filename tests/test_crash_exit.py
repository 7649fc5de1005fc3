"""An unexpected exception (a bug, not bad input) in any command exits with its own code
(``errors.INTERNAL_EXIT``, 3), one line naming the command, the error and where to report it,
never a traceback and never 1 (which means "invalid" / "findings")."""
from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from untp_crm_vocab import cli
from untp_crm_vocab.errors import INTERNAL_EXIT

REPO = Path(__file__).resolve().parent.parent


def _minimal_argv(command: str) -> list[str]:
    """The command with a placeholder for each required argument (the first choice, if any)."""
    import argparse

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    argv = [command]
    for action in sub._actions:
        value = str(action.choices[0]) if action.choices else "x"
        if not action.option_strings and action.nargs != 0:
            argv.append(value)
        elif action.required:
            argv += [action.option_strings[0], value]
    return argv


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_every_commands_crash_exits_3_with_one_line(command, monkeypatch, capsys):
    module = importlib.import_module(cli.COMMANDS[command][0])

    def boom(args, project):
        raise RuntimeError("an unforeseen state\nwith a second line")

    monkeypatch.setattr(module, "run", boom)
    rc = cli.main(_minimal_argv(command))
    out, err = capsys.readouterr()
    assert rc == INTERNAL_EXIT == 3
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"crm-vocab {command}: internal error")
    assert "RuntimeError: an unforeseen state" in lines[0] and "report" in lines[0]


def test_crash_in_a_real_process_has_no_traceback(tmp_path):
    """The installed entry point (a fresh interpreter), with a crash forced through the debug
    switch's opposite: CRM_VOCAB_DEBUG unset, a bug injected by a sitecustomize module."""
    (tmp_path / "sitecustomize.py").write_text(
        "import untp_crm_vocab.coverage as c\n"
        "def run(args, project):\n    raise KeyError('injected')\n"
        "c.run = run\n")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "untp_crm_vocab.cli", "coverage"], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1
    assert "internal error" in r.stderr
    env["CRM_VOCAB_DEBUG"] = "1"  # the maintainers' switch shows the traceback
    r = subprocess.run([sys.executable, "-m", "untp_crm_vocab.cli", "coverage"], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 3 and "Traceback" in r.stderr


def test_validate_batch_a_crash_on_one_file_leaves_the_others_their_reports(tmp_path, monkeypatch, capsys):
    """A bug that strikes one credential of a batch: that file's report says so, every other file
    still gets its own, and the exit code is 3 (not 1: nothing was found invalid)."""
    import json

    from untp_crm_vocab import validate

    sample = REPO / "model" / "samples" / "valid" / "dpp-minimal.json"
    doc = json.loads(sample.read_text(encoding="utf-8"))
    doc["id"] = "https://example.org/credentials/trigger"
    (tmp_path / "trigger.json").write_text(json.dumps(doc), encoding="utf-8")
    real = validate.Validator.check_schema

    def check_schema(self, doc, arts, ctype):
        if doc.get("id") == "https://example.org/credentials/trigger":
            raise ZeroDivisionError("a bug that only this credential meets")
        return real(self, doc, arts, ctype)

    monkeypatch.setattr(validate.Validator, "check_schema", check_schema)
    files = [str(sample), str(tmp_path / "trigger.json"), str(REPO / "model" / "samples" / "valid" / "dcc-minimal.json")]
    rc = cli.main(["validate", "--jobs", "1", "--format", "json", *files])
    out, err = capsys.readouterr()
    assert rc == INTERNAL_EXIT and "Traceback" not in err
    reports = {r["file"]: r for r in json.loads(out)["reports"]}
    assert reports[files[0]]["status"] == "valid" and reports[files[2]]["status"] == "valid"
    crashed = reports[files[1]]
    assert crashed["status"] == "error"
    (f,) = crashed["findings"]
    assert f["rule"] == "internal-error" and "ZeroDivisionError" in f["message"] and "report" in f["message"]
