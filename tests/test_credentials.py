"""``recognise --credential`` reads UNTP 0.7.0 conformity credentials by the IRIs they cite and
keeps reading 0.5.0 ones (issue 9, item 2)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, run_cli

SAMPLES = REPO / "model" / "samples" / "untp-0.7.0"
TARGETS = ("irma", "eubatt", "tsm", "icmm", "oecd", "gri14")


def _recognise(capsys, cred, target):
    rc, out, err = run_cli(capsys, "recognise", "--credential", str(cred), "--to", target, "--format", "json")
    assert rc == 0, err
    return json.loads(out)


def test_copper_mark_pilot_same_statuses_in_050_and_upgraded_070_form(shared_dir, tmp_path, capsys):
    pilot = shared_dir / "external" / "project-crm" / "dcc_coppermark_mine.json"
    rc, out, err = run_cli(capsys, "upgrade", str(pilot), "--to", "0.7.0", "--out", str(tmp_path))
    assert rc == 0, err
    (upgraded,) = tmp_path.glob("*.json")
    for target in TARGETS:
        old, new = _recognise(capsys, pilot, target), _recognise(capsys, upgraded, target)
        assert old["credential"]["untp_version"].startswith("0.5.0")
        assert new["credential"]["untp_version"] == "0.7.0"
        assert new["credential"]["unresolved_iris"] == []
        assert [(r["id"], r["status"]) for r in new["requirements"]] == [(r["id"], r["status"]) for r in old["requirements"]]
        assert new["summary"] == old["summary"]
        assert sum(new["summary"].values()) > 0


def test_samples_pass_untp_schema_and_cite_published_schemes(shared_dir, capsys, project):
    from jsonschema import Draft202012Validator, FormatChecker

    schema = json.loads((shared_dir / "external" / "untp-0.7.0" / "schema" / "dcc" / "ConformityCredential.json").read_text(encoding="utf-8"))
    samples = sorted(SAMPLES.glob("*.json"))
    assert len(samples) >= 2
    for s in samples:
        doc = json.loads(s.read_text(encoding="utf-8"))
        assert list(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(doc)) == [], s.name
        assert doc["credentialSubject"]["referenceScheme"]["id"].startswith(project.base_iri + "schemes/")
        res = _recognise(capsys, s, "irma")
        assert res["credential"]["untp_version"] == "0.7.0" and res["credential"]["unresolved_iris"] == []
        assert all(c["resolved"] for c in res["credential"]["criteria"])


def test_unpublished_cited_iris_are_reported(tmp_path, capsys, project):
    doc = json.loads((SAMPLES / "dcc-coppermark-0.7.json").read_text(encoding="utf-8"))
    cs = doc["credentialSubject"]
    cs["referenceProfile"]["id"] = project.scheme_iri("coppermark") + "#1999"
    bad = project.standard_base("coppermark", "2020") + "99-no-such-area"
    cs["conformityAssessment"][0]["assessmentCriteria"][0]["id"] = bad
    f = tmp_path / "c.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    res = _recognise(capsys, f, "irma")
    unresolved = res["credential"]["unresolved_iris"]
    assert unresolved == [f"credentialSubject.referenceProfile.id {project.scheme_iri('coppermark')}#1999",
                          f"credentialSubject.conformityAssessment[0].assessmentCriteria[0].id {bad}"]
    rc, out, err = run_cli(capsys, "recognise", "--credential", str(f), "--to", "irma")
    assert f"cited IRI not resolved: credentialSubject.conformityAssessment[0].assessmentCriteria[0].id {bad}" in out


def test_score_decides_when_conformance_is_absent(tmp_path, capsys):
    doc = json.loads((SAMPLES / "dcc-tsm-0.7.json").read_text(encoding="utf-8"))
    for a in doc["credentialSubject"]["conformityAssessment"]:
        del a["conformance"]
    f = tmp_path / "t.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    res = _recognise(capsys, f, "irma")
    held = {c["resolved"]: c["conformance"] for c in res["credential"]["criteria"]}
    # AA and A meet TSM's "A or better"; B does not
    assert held == {"TSM2025:biodiversity.1": True, "TSM2025:biodiversity.2": True, "TSM2025:biodiversity.3": False}
