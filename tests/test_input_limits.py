"""``validate`` never crashes and never hangs: each input the hostile-input probe found (an integer
over 4,300 digits, a key with a lone surrogate, /dev/zero, a huge array, deep nesting, NaN, a
credential that makes pyld quadratic) gives a finding that names the file and the place, the
other files of the batch still get their reports, and the limits are the documented ones
(untp_crm_vocab.limits)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import run_cli
from untp_crm_vocab import limits
from untp_crm_vocab.validate import Validator

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "model" / "samples" / "valid" / "dpp-minimal.json"


def _sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def _write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def _validate_json(capsys, *files):
    rc, out, err = run_cli(capsys, "validate", "--format", "json", *files)
    return rc, {r["file"]: r for r in json.loads(out)["reports"]}


def test_huge_integer_is_a_finding_and_the_batch_goes_on(tmp_path, capsys):
    text = json.dumps(_sample()).replace('"validFrom"', '"x": ' + "9" * 5000 + ', "validFrom"')
    bad = _write(tmp_path, "bigint.json", text)
    rc, reports = _validate_json(capsys, bad, str(SAMPLE))
    assert rc == 2  # unusable input, not a crash (3) and not "invalid" (1)
    assert reports[bad]["status"] == "unusable"
    (f,) = reports[bad]["findings"]
    assert f["rule"] == "limits" and "5,000 characters" in f["message"]
    assert reports[str(SAMPLE)]["status"] == "valid"


def test_lone_surrogate_in_a_key_is_a_finding(tmp_path, capsys):
    doc = _sample()
    doc["issuer"]["na\ud800me"] = "x"
    bad = _write(tmp_path, "surrogate.json", json.dumps(doc))  # (ASCII JSON: written as the escape \ud800)
    assert "\\ud800" in Path(bad).read_text(encoding="utf-8")
    rc, out, err = run_cli(capsys, "validate", bad, str(SAMPLE))
    assert rc == 2
    assert "lone surrogate" in out and "$.issuer" in out
    assert f"{SAMPLE}: VALID" in out


@pytest.mark.parametrize("where", ["value", "array"])
def test_lone_surrogate_in_a_string_is_a_finding(where):
    doc = _sample()
    if where == "value":
        doc["issuer"]["name"] = "x\ud800"
    else:
        doc["type"].append("\udfff")
    problem = limits.structure_problem(doc)
    assert problem.rule == "not-unicode" and problem.where in ("$.issuer.name", f"$.type[{len(doc['type']) - 1}]")


def test_dev_zero_is_read_up_to_the_limit_only(capsys):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    doc, problem = limits.read_json_document("/dev/zero")
    assert doc is None and problem.rule == "limits" and "larger than 10 MB" in problem.message
    rc, out, _ = run_cli(capsys, "validate", "/dev/zero", str(SAMPLE))
    assert rc == 2 and "larger than 10 MB" in out and f"{SAMPLE}: VALID" in out


def test_a_file_over_the_size_limit(tmp_path):
    p = tmp_path / "big.json"
    with open(p, "w") as fh:
        fh.write("[" + "0," * (limits.MAX_JSON_BYTES // 2) + "0]")
    doc, problem = limits.read_json_document(str(p))
    assert doc is None and problem.rule == "limits"


@pytest.mark.parametrize("text, rule, where, words", [
    ("[" * 100 + "]" * 100, "limits", "$" + "[0]" * 64, "nested more than 64"),
    ("[" * 200_000 + "]" * 200_000, "not-json", "$", "nested too deeply"),
    ('{"a": [' + ",".join(["1"] * 10_001) + "]}", "limits", "$.a", "10,001 items"),
    ('{"a": NaN}', "not-json", "$", "NaN is not a JSON value"),
    ('{"a": 1e400}', "limits", "$", "out of range"),
    ('{"a": [' + ",".join(["[" + ",".join(["0"] * 9000) + "]"] * 30) + "]}", "limits", "$", "more than 250,000 values"),
])
def test_documented_limits_give_findings(text, rule, where, words):
    doc, problem = limits.parse_json_text(text)
    assert doc is None
    assert problem.rule == rule and words in problem.message
    assert problem.where.startswith(where), problem.where


def test_limits_leave_ordinary_credentials_alone():
    for p in sorted((REPO / "model" / "samples").rglob("*.json")):
        doc, problem = limits.read_json_document(str(p))
        assert problem is None and isinstance(doc, dict), p


@pytest.fixture(scope="module")
def validator(project):
    return Validator(project)


def test_pyld_work_is_bounded_before_pyld(validator, tmp_path):
    """The probe's 120 KB credential: a 20,000-element array and an inline @context (113 s in pyld).
    20,000 items break the general array limit; 5,000 (within it) break pyld's work bound, so the
    document is reported instead of being handed to pyld; its JSON Schema findings still come."""
    doc = _sample()
    doc["@context"].append({"ex": "https://example.org/"})
    doc["credentialSubject"]["ex:list"] = list(range(20_000))
    text = json.dumps(doc)
    assert 100_000 < len(text) < 140_000
    _, problem = limits.parse_json_text(text)
    assert problem.rule == "limits" and problem.where == '$.credentialSubject["ex:list"]'

    doc["credentialSubject"]["ex:list"] = list(range(5_000))
    (report,) = validator.validate_documents([("big.json", doc)])
    found = [f for f in report.findings if f.rule == "limits"]
    assert len(found) == 1 and found[0].check == "json-ld"
    assert found[0].path == '$.credentialSubject["ex:list"]' and "5,000 items" in found[0].message
    assert not report.valid


def test_many_objects_sharing_one_id_count_too():
    doc = _sample()
    doc["credentialSubject"]["ex:a"] = {str(i): {"id": "urn:x:same", "ex:p": i} for i in range(1_500)}
    assert limits.pyld_work_problem(doc) is not None
    doc["credentialSubject"]["ex:a"] = {str(i): {"id": f"urn:x:{i}", "ex:p": i} for i in range(1_500)}
    assert limits.pyld_work_problem(doc) is None


@pytest.mark.parametrize("argv", [
    ["recognise", "--credential", "{f}", "--to", "tsm"],
    ["upgrade", "{f}", "--to", "0.7.0", "--out", "{out}"],
    ["coverage", "--diff", "{f}", "{f}"],
])
@pytest.mark.parametrize("case", ["bigint", "deep", "zero"])
def test_every_command_reading_json_keeps_the_limits(argv, case, tmp_path, capsys):
    """recognise --credential, upgrade and coverage --diff read JSON through fsutil.read_json, which
    reads within the same limits: unusable input (exit 2, the file named), never a crash."""
    if case == "zero":
        if not os.path.exists("/dev/zero"):
            pytest.skip("no /dev/zero on this system")
        f = "/dev/zero"
    else:
        text = '{"a": ' + ("9" * 5000 if case == "bigint" else "[" * 100_000 + "]" * 100_000) + "}"
        f = _write(tmp_path, f"{case}.json", text)
    rc, out, err = run_cli(capsys, *[a.format(f=f, out=tmp_path / "out") for a in argv])
    assert rc == 2, err
    assert f in err and err.count("\n") <= 3
