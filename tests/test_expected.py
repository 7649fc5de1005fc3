"""Expected recognition answers (mappings/expected-answers.yaml) guarded by ``crm-vocab check``:
the real file holds 60+ answers over every pair of schemes and all pass; a changed crosswalk row
makes check report each flipped answer at its own file:line, with the rows the new answer rests on."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from untp_crm_vocab import check as chk
from untp_crm_vocab.recognise import STATUSES

from conftest import run_cli

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def tree(tmp_path, project):
    """A copy of the project's mappings/ (a stand-alone tree: no CODEOWNERS to enforce)."""
    dst = tmp_path / "mappings"
    shutil.copytree(project.mappings_dir, dst)
    return dst


def _answers(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]


def _answer_line(path: Path, held: str, target: str, level=None) -> int:
    """The line of the answer (its `- held:` line) for one question."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, ln in enumerate(lines):
        if ln == f"  - held: {held}":
            block = []
            for nxt in lines[i + 1:]:
                if nxt.startswith("  - ") or not nxt.startswith("    "):
                    break
                block.append(nxt)
            lv = next((b.split(": ", 1)[1] for b in block if b.startswith("    level: ")), None)
            if f'    target: "{target}"' in block and lv == level:
                return i + 1
    raise AssertionError(f"no answer {held} -> {target}")


def _row_line(path: Path, subject: str, obj: str) -> int:
    for i, ln in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        cells = ln.split("\t")
        if len(cells) > 4 and cells[0] == subject and cells[4] == obj:
            return i
    raise AssertionError(f"no row {subject} -> {obj}")


def test_the_real_answers_are_many_cover_every_pair_and_pass(project):
    path = project.mappings_dir / "expected-answers.yaml"
    answers = _answers(path)
    assert len(answers) >= 60
    assert {a["expect"] for a in answers} == set(STATUSES)  # every status is signed off somewhere
    schemes = sorted(p.stem for p in (project.mappings_dir / "standards").glob("*.yaml"))
    prefixes = {yaml.safe_load((project.mappings_dir / "standards" / f"{s}.yaml").read_text())["prefix"]: s for s in schemes}
    pairs = {(a["held"], prefixes[a["target"].split(":")[0]]) for a in answers}
    assert pairs >= {(a, b) for a in schemes for b in schemes if a != b}
    assert all(a.get("why") and a.get("reviewer_id") for a in answers)
    findings = chk.check_tree(project.mappings_dir, project).findings
    assert [f.render() for f in findings if f.rule.startswith("expected")] == []


def test_a_changed_row_reports_the_flipped_answers_with_file_line(tree, project, capsys):
    # demote the reviewed IRMA 1.1 -> GOV-01 broadMatch (what a pull request might do)
    xw = tree / "crosswalks" / "irma.sssom.tsv"
    row = _row_line(xw, "IRMA2018:1.1", "HC:GOV-01")
    lines = xw.read_text(encoding="utf-8").split("\n")
    cells = lines[row - 1].split("\t")
    assert cells[2] == "skos:broadMatch"
    cells[2] = "skos:relatedMatch"
    cells[10] = "[R] Overlap only (demoted in a pull request)."
    lines[row - 1] = "\t".join(cells)
    xw.write_text("\n".join(lines), encoding="utf-8")

    answers = tree / "expected-answers.yaml"
    flipped = {_answer_line(answers, "irma", "ICMM2022:1.1"): ("met", "not established"),
               _answer_line(answers, "irma", "ICMM2022:1.1", "IRMA-75"): ("partly met", "not established")}
    rc, out, err = run_cli(capsys, "check", str(tree))
    assert rc == 1
    got = {}
    for ln in out.splitlines():
        m = re.match(r"^(.*expected-answers\.yaml):(\d+): expected-answer: (.*)$", ln)
        if m:
            got[int(m.group(2))] = m.group(3)
    assert set(flipped) <= set(got), out
    for line, (old, new) in flipped.items():
        assert f"expected {old!r}, recognition now gives {new!r}" in got[line]
    for line, msg in got.items():  # every flip is caused by the changed row, and names it by file:line
        assert f"irma.sssom.tsv:{row} (IRMA2018:1.1 skos:relatedMatch HC:GOV-01)" in msg, msg
        assert "update `expect:`" in msg
    # ... and only answers that rest on it flipped: the others (80-odd) still hold
    assert len(got) < len(_answers(answers)) / 4
    # the same findings when only the changed crosswalk is checked, and in JSON
    rc, out, _ = run_cli(capsys, "check", str(xw), "--format", "json")
    doc = json.loads(out)
    lines_json = sorted(f["line"] for f in doc["findings"] if f["rule"] == "expected-answer")
    assert lines_json == sorted(got)


def test_answers_are_not_recomputed_while_the_data_has_errors(tree, project):
    xw = tree / "crosswalks" / "oecd.sssom.tsv"
    xw.write_text(xw.read_text(encoding="utf-8").replace("HC:GOV-08", "HC:GOV-88", 1), encoding="utf-8")
    findings = chk.check_tree(tree, project).findings
    exp = [f for f in findings if f.rule == "expected-answer"]
    assert len(exp) == 1 and "not recomputed" in exp[0].message
    assert any(f.rule == "unknown-object" for f in findings)


def test_problems_of_the_answers_file_are_reported_by_line(tree, project):
    answers = tree / "expected-answers.yaml"
    answers.write_text(
        "answers:\n"
        "  - held: nosuch\n    target: \"IRMA2018:2.6\"\n    expect: met\n    why: x\n"       # 2: unknown scheme
        "  - held: irma\n    target: \"IRMA2018:99\"\n    expect: met\n    why: x\n"        # 7: unknown target
        "  - held: irma\n    target: \"ICMM2022:1.1\"\n    expect: mett\n    why: x\n"      # 12: bad status
        "  - held: irma\n    level: AA\n    target: \"ICMM2022:1.2\"\n    expect: met\n    why: x\n"  # 15: bad level
        "  - held: irma\n    target: \"ICMM2022:1.1\"\n    expect: met\n    why: x\n    colour: red\n"  # 20: same as 10; 23: key
        "  - held: irma\n    target: \"ICMM2022:1.2\"\n"                                     # 24: no expect, why
        ,
        encoding="utf-8")
    findings = [f for f in chk.check_tree(tree, project).findings if f.rule.startswith("expected")]
    got = {(f.line, f.rule) for f in findings}
    assert got == {(2, "expected-answers"), (7, "expected-answers"), (12, "expected-answers"), (15, "expected-answers"),
                   (20, "expected-answers"), (23, "expected-answers"), (24, "expected-answers")}, [f.render() for f in findings]
    by_line = {f.line: f for f in findings}
    assert "did you mean" in by_line[12].message and "partly met" in by_line[12].fix
    assert "IRMA-100" in by_line[15].message
    assert "colour" in by_line[23].message and "same question as line 10" in by_line[20].message
    assert "without expect, why" in by_line[24].message
    answers.write_text("answers: [\n", encoding="utf-8")
    findings = [f for f in chk.check_tree(tree, project).findings if f.path == answers]
    assert [f.rule for f in findings] == ["yaml-syntax"]
