"""``crm-vocab upgrade`` (issue 9, item 3): each CRM pilot credential (UNTP 0.5.0) becomes either a
document that passes UNTP 0.7.0's schema of its type, or a draft whose report lists exactly the
fields 0.7.0 requires and the output lacks; this test finds that set itself, with
python-jsonschema and the pinned schema, and checks that every value in the output comes from
the original or from a published IRI/label."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli

SCHEMA_OF = {
    "DigitalConformityCredential": "dcc/ConformityCredential.json",
    "DigitalProductPassport": "dpp/DigitalProductPassport.json",
    "DigitalFacilityRecord": "dfr/DigitalFacilityRecord.json",
    "DigitalIdentityAnchor": "dia/DigitalIdentityAnchor.json",
}


@pytest.fixture(scope="module")
def pilots(shared_dir):
    files = sorted((shared_dir / "external" / "project-crm").glob("*.json"))
    if not files:
        pytest.skip("no pilot credentials in ../shared/external/project-crm")
    return files


@pytest.fixture(scope="module")
def upgraded(pilots, tmp_path_factory):
    from untp_crm_vocab import cli

    out = tmp_path_factory.mktemp("upgraded")
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = cli.main(["upgrade", *map(str, pilots), "--to", "0.7.0", "--out", str(out), "--format", "json"])
    assert rc == 0
    report = json.loads(buf.getvalue())
    return out, {r["file"]: r for r in report["files"]}


def _required_missing(doc, schema):
    from jsonschema import Draft202012Validator, FormatChecker

    missing, other = set(), []
    for e in Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(doc):
        if e.validator == "required":
            path = ""
            for p in e.absolute_path:
                path += f"[{p}]" if isinstance(p, int) else (f".{p}" if path else p)
            for name in e.validator_value:
                if name not in e.instance:
                    missing.add(f"{path}.{name}" if path else name)
        else:
            other.append(e.message)
    return missing, other


def test_each_pilot_upgrades_to_valid_or_to_a_draft_listing_exactly_what_is_missing(pilots, upgraded, shared_dir):
    out, reports = upgraded
    assert len(reports) == len(pilots) == 6
    for p in pilots:
        rep = reports[str(p)]
        assert rep["read"].startswith("UNTP 0.5.0 "), rep["read"]
        doc = json.loads(open(rep["output"], encoding="utf-8").read())
        vc_type = next(t for t in doc["type"] if t in SCHEMA_OF)
        schema = json.loads((shared_dir / "external" / "untp-0.7.0" / "schema" / SCHEMA_OF[vc_type]).read_text(encoding="utf-8"))
        missing, other = _required_missing(doc, schema)
        assert other == [], (p.name, other)  # only missing values are left for the issuer
        if missing:
            assert rep["status"] == "draft" and rep["output"].endswith(".untp-0.7.0.draft.json")
        else:
            assert rep["status"] == "valid" and not rep["output"].endswith(".draft.json")
        assert set(rep["missing"]) == missing, p.name
        assert doc["@context"][:2] == ["https://www.w3.org/ns/credentials/v2", "https://vocabulary.uncefact.org/untp/0.7.0/context/"]
        assert "proof" not in doc and rep["proof"]


def _leaves(x, acc):
    if isinstance(x, dict):
        for v in x.values():
            _leaves(v, acc)
    elif isinstance(x, list):
        for v in x:
            _leaves(v, acc)
    else:
        acc.add(json.dumps(x))
    return acc


def test_nothing_in_the_output_is_made_up(pilots, upgraded, project, shared_dir):
    from untp_crm_vocab import schemes
    from untp_crm_vocab.untp_topics import TOPICS, TOPIC_BASE

    published = set()
    for sd in schemes.load(project).values():
        _leaves(sd.doc, published)
    for slug, label, _ in TOPICS.values():
        published |= {json.dumps(TOPIC_BASE + slug), json.dumps(label)}
    ctx = json.loads((shared_dir / "external" / "untp-0.7.0" / "contexts" / "untp-context.jsonld").read_text(encoding="utf-8"))
    published |= {json.dumps(k) for k in ctx["@context"]}  # class names (types) and context URLs
    published |= {json.dumps(u) for u in ("https://www.w3.org/ns/credentials/v2", "https://vocabulary.uncefact.org/untp/0.7.0/context/",
                                          "VerifiableCredential")}
    out, reports = upgraded
    for p in pilots:
        original = _leaves(json.loads(p.read_text(encoding="utf-8")), set())
        doc = json.loads(open(reports[str(p)]["output"], encoding="utf-8").read())
        made_up = _leaves(doc, set()) - original - published
        assert made_up == set(), (p.name, sorted(made_up)[:5])


def test_copper_mark_fragments_become_published_requirement_iris(upgraded, shared_dir, project):
    out, reports = upgraded
    rep = reports[str(shared_dir / "external" / "project-crm" / "dcc_coppermark_mine.json")]
    doc = json.loads(open(rep["output"], encoding="utf-8").read())
    cs = doc["credentialSubject"]
    assert cs["referenceScheme"]["id"] == project.scheme_iri("coppermark")
    assert cs["referenceProfile"]["id"] == project.scheme_iri("coppermark") + "#2020"
    ids = [c["id"] for a in cs["conformityAssessment"] for c in a["assessmentCriteria"]]
    assert len(ids) == 32 and all(i.startswith(project.standard_base("coppermark", "2020")) for i in ids)
    topics = [t["id"] for a in cs["conformityAssessment"] for t in a["conformityTopic"]]
    assert len(topics) == 32 and all(t.startswith("https://vocabulary.uncefact.org/conformity-topics/") for t in topics)
    assert all(a["conformance"] is True for a in cs["conformityAssessment"])  # carried over
    assert "credentialSubject.assessmentLevel" in rep["missing"]
    assert any(d["where"] == "credentialSubject.assessmentLevel" and "Accredited" in d["value"] for d in rep["dropped"])


def test_signed_pilot_reports_its_proof_is_dropped(upgraded, shared_dir):
    out, reports = upgraded
    rep = reports[str(shared_dir / "external" / "project-crm" / "dcc_mines_act_permit_mine_ordered.json")]
    assert "DataIntegrityProof" in rep["proof"] and "cannot survive" in rep["proof"]
    assert any(d["where"] == "@context" for d in rep["dropped"])  # the BC context is not carried over


def test_refuses_to_overwrite_outputs_and_inputs(pilots, tmp_path, capsys):
    src = tmp_path / "in.json"
    src.write_bytes(pilots[0].read_bytes())
    rc, out, err = run_cli(capsys, "upgrade", str(src), "--to", "0.7.0")
    assert rc == 0
    written = [p for p in tmp_path.iterdir() if p != src]
    assert len(written) == 1 and written[0].name.startswith("in.untp-0.7.0")
    before = written[0].read_bytes()
    written[0].write_text("mine", encoding="utf-8")
    rc, out, err = run_cli(capsys, "upgrade", str(src), "--to", "0.7.0")
    assert rc == 2 and "exists" in err and "--force" in err
    assert written[0].read_text(encoding="utf-8") == "mine"
    rc, out, err = run_cli(capsys, "upgrade", str(src), "--to", "0.7.0", "--force")
    assert rc == 0 and written[0].read_bytes() == before
    assert src.read_bytes() == pilots[0].read_bytes()


def test_bad_input_is_a_clear_error(tmp_path, capsys):
    f = tmp_path / "x.json"
    f.write_text('{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}', encoding="utf-8")
    rc, out, err = run_cli(capsys, "upgrade", str(f), "--to", "0.7.0")
    assert rc == 2 and "not a UNTP 0.5.0 credential" in err and str(f) in err
    f.write_text("{", encoding="utf-8")
    rc, out, err = run_cli(capsys, "upgrade", str(f), "--to", "0.7.0")
    assert rc == 2 and str(f) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]
