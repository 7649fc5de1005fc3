"""Recognition semantics (DEVELOPING.md "Recognition semantics"), the worked example in
site/docs/recognition.md, credentials, the CLI and the real crosswalks with the pilot credential."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from untp_crm_vocab.mappingdata import load_mapping_data
from untp_crm_vocab.recognise import (
    STATUS_MET,
    STATUS_NOT_ESTABLISHED,
    STATUS_NOT_MET,
    STATUS_PARTLY,
    LevelInfo,
    RecognitionIndex,
    Req,
    Row,
    SchemeInfo,
    held_level,
    load_credential,
    performance_scores,
    read_credential,
)

from conftest import run_cli

REPO = Path(__file__).resolve().parent.parent
FIX = REPO / "tests" / "fixtures" / "recognition"
DOC_TREE = FIX / "doc"
DOC_PAGE = REPO / "site" / "docs" / "recognition.md"
ALPHA = "mappings/crosswalks/alpha.sssom.tsv"
BETA = "mappings/crosswalks/beta.sssom.tsv"
GAMMA = "mappings/crosswalks/gamma.sssom.tsv"



@pytest.fixture(scope="module")
def index(doc_project):
    return RecognitionIndex.from_mapping_data(load_mapping_data(doc_project), doc_project)


def where(verdict):
    return [r.where for r in verdict.path]


# ---- semantics on the worked-example tree ---------------------------------------------------------
def test_exact_chain_is_transitive(index):
    v = index.recognise_scheme("alpha", "beta").by_id()["1.1"]
    assert v.status == STATUS_MET
    assert where(v) == [f"{ALPHA}:14", f"{BETA}:14"]  # ALPHA:A1 = HC:ENV-01 = BETA:1.1


def test_broad_meets_the_criterion_but_is_not_chained(index):
    res = index.recognise_scheme("alpha", "beta")
    assert res.criteria["HC:LAB-01"][0] == STATUS_MET  # ALPHA:A3 broadMatch LAB-01: A3 ⊆ LAB-01
    v = res.by_id()["2.1"]  # BETA:2.1 broadMatch LAB-01: 2.1 ⊆ LAB-01, asks more
    assert v.status == STATUS_PARTLY
    assert where(v) == [f"{ALPHA}:16", f"{BETA}:17"]


def test_narrow_on_the_target_side_is_only_partly_met(index):
    # BETA:2.2 covers part of LAB-01: no row claims LAB-01 ⊆ 2.2, so meeting LAB-01 meets 2.2 only partly
    v = index.recognise_scheme("alpha", "beta").by_id()["2.2"]
    assert v.status == STATUS_PARTLY
    assert where(v) == [f"{ALPHA}:16", f"{BETA}:18"]
    assert "covers only part of HC:LAB-01" in v.reason


def test_narrow_on_the_held_side_gives_partial(index):
    res = index.recognise_scheme("alpha", "beta")
    assert res.criteria["HC:ENV-02"][0] == STATUS_PARTLY
    v = res.by_id()["1.2"]
    assert v.status == STATUS_PARTLY
    assert where(v) == [f"{ALPHA}:15", f"{BETA}:15"]
    assert "covers discharge quality only" in v.path[0].comment


def test_close_and_related_never_recognise_and_leave_it_open(index):
    res = index.recognise_scheme("alpha", "beta")
    assert "HC:OHS-01" not in res.criteria  # ALPHA:A4 closeMatch OHS-01
    v = res.by_id()["2.3"]
    assert v.status == STATUS_NOT_ESTABLISHED  # nothing says either way: not a finding
    assert f"{ALPHA}:17" in v.reason and "never recognises" in v.reason
    g = index.recognise_scheme("alpha", "gamma").by_id()["tailings"]  # only relatedMatch
    assert g.status == STATUS_NOT_ESTABLISHED
    assert [r.where for r in g.notes] == [f"{GAMMA}:17"]


def test_negated_rows_never_recognise_and_say_not_met(index):
    res = index.recognise_scheme("alpha", "beta")
    assert "HC:GOV-01" not in res.criteria  # ALPHA:A5 exactMatch Not GOV-01
    v = res.by_id()["3.1"]
    assert v.status == STATUS_NOT_MET
    assert "reviewed as NOT" in v.reason and f"{ALPHA}:18" in v.reason
    assert [r.where for r in v.notes] == [f"{ALPHA}:18"]


def test_reviewed_gap_is_not_met_and_no_row_is_not_established(index):
    res = index.recognise_scheme("alpha", "beta")
    gap = res.by_id()["3.2"]  # BETA:3.2 exactMatch sssom:NoTermFound: nothing can recognise it
    assert gap.status == STATUS_NOT_ESTABLISHED
    assert "reviewed gap" in gap.reason and [r.where for r in gap.notes] == [f"{BETA}:21"]
    assert res.by_id()["1"].status == STATUS_NOT_ESTABLISHED  # no row at all
    v = res.by_id()["1.3"]  # alpha's reviewed gap for ENV-03
    assert v.status == STATUS_NOT_MET
    assert f"{ALPHA}:19" in v.reason and [r.where for r in v.notes] == [f"{ALPHA}:19"]


def test_every_met_says_which_level_it_assumed(index):
    v = index.recognise_scheme("alpha", "beta").by_id()["1.1"]
    assert v.status == STATUS_MET
    assert v.assumes == [("ALPHA:A1", "", f"{ALPHA}:14"), ("BETA:1.1", "", f"{BETA}:14")]
    assert v.as_json()["assumes"][0] == {"requirement": "ALPHA:A1", "level": None, "where": f"{ALPHA}:14"}


def test_same_scheme_is_held_directly(index):
    res = index.recognise_scheme("beta", "beta")
    assert all(v.status == STATUS_MET and v.reason == "held directly" for v in res.verdicts)


# ---- semantics on small in-memory graphs ---------------------------------------------------------------
def _mini(rows, schemes=("A", "B", "C"), levels=None):
    reqs = {}
    for r in rows:
        for n in (r.subject, r.object):
            if not n.startswith(("HC:", "sssom:")):
                reqs.setdefault(n.split(":")[0], set()).add(n)
    levels = levels or {}
    infos = {}
    for s in schemes:
        lv, default, cred = levels.get(s, ([], "", ""))
        infos[s.lower()] = SchemeInfo(s.lower(), s, requirements=[Req(n, s.lower(), n.split(":")[1]) for n in sorted(reqs.get(s, ()))],
                                      levels=lv, default_level=default, credential_level=cred)
    crit = {n: n for r in rows for n in (r.object,) if n.startswith("HC:")}
    return RecognitionIndex(infos, crit, rows)


def R(s, p, o, negated=False, line=0, comment="[V] Text: x", reviewed=True, level=""):
    return Row(s, f"skos:{p}Match", o, negated=negated, where=f"x.tsv:{line}", scheme=s.split(":")[0].lower(),
               comment=comment, reviewed=reviewed, level=level)


def test_exact_chain_through_a_third_scheme():
    # A:x = HC:1 = B:y = HC:2 = C:z: a four-row exact chain
    idx = _mini([R("A:x", "exact", "HC:1", line=1), R("B:y", "exact", "HC:1", line=2),
                 R("B:y", "exact", "HC:2", line=3), R("C:z", "exact", "HC:2", line=4)])
    v = idx.recognise(["A:x"], "c").by_id()["z"]
    assert v.status == STATUS_MET
    assert [r.where for r in v.path] == ["x.tsv:1", "x.tsv:2", "x.tsv:3", "x.tsv:4"]


def test_broad_then_exact_class_is_met_but_no_second_broad_hop():
    # A:x ⊆ HC:1 = B:y ; B:y ⊆ HC:2 would need a second broad hop: not taken
    idx = _mini([R("A:x", "broad", "HC:1", line=1), R("B:y", "exact", "HC:1", line=2),
                 R("B:y", "broad", "HC:2", line=3), R("C:z", "exact", "HC:2", line=4)])
    res = idx.recognise(["A:x"], "b")
    assert res.by_id()["y"].status == STATUS_MET
    assert "HC:2" not in res.criteria
    assert idx.recognise(["A:x"], "c").by_id()["z"].status == STATUS_NOT_ESTABLISHED


def test_partial_never_becomes_met_through_a_chain():
    # A:x covers HC:1 partly; B:y narrowMatch HC:1: still only partly
    idx = _mini([R("A:x", "narrow", "HC:1", line=1), R("B:y", "narrow", "HC:1", line=2)])
    assert idx.recognise(["A:x"], "b").by_id()["y"].status == STATUS_PARTLY


def test_met_wins_over_partly():
    idx = _mini([R("A:x", "narrow", "HC:1", line=1), R("A:w", "exact", "HC:1", line=2), R("B:y", "exact", "HC:1", line=3)])
    v = idx.recognise(["A:x", "A:w"], "b").by_id()["y"]
    assert v.status == STATUS_MET and [r.where for r in v.path] == ["x.tsv:2", "x.tsv:3"]


def test_negated_exact_does_not_join_classes():
    idx = _mini([R("A:x", "exact", "HC:1", line=1), R("B:y", "exact", "HC:1", negated=True, line=2)])
    assert idx.recognise(["A:x"], "b").by_id()["y"].status == STATUS_NOT_ESTABLISHED


@pytest.mark.parametrize("comment", ["[?] Text: x", "[R] Text: x; targets not verified", "[V] Text: x. Partial: hours only",
                                     "[R] Text: x, not confirmed for the 2020 guide"])
def test_a_row_marked_unverified_or_partial_never_carries_met(comment):
    # the same exact rows as test_exact_chain...: one of them now qualifies itself in its comment
    for i in range(2):
        rows = [R("A:x", "exact", "HC:1", line=1), R("B:y", "exact", "HC:1", line=2)]
        rows[i] = R(rows[i].subject, "exact", "HC:1", line=i + 1, comment=comment)
        idx = _mini(rows)
        v = idx.recognise(["A:x"], "b").by_id()["y"]
        assert v.status == STATUS_PARTLY, (comment, i, v.reason)
        assert "marked" in v.reason
    idx = _mini([R("A:x", "broad", "HC:1", line=1, comment=comment), R("B:y", "exact", "HC:1", line=2)])
    assert idx.recognise(["A:x"], "b").by_id()["y"].status == STATUS_PARTLY


def test_unreviewed_rows_do_not_act():
    idx = _mini([R("A:x", "exact", "HC:1", line=1, reviewed=False), R("B:y", "exact", "HC:1", line=2)])
    v = idx.recognise(["A:x"], "b").by_id()["y"]
    assert v.status == STATUS_NOT_ESTABLISHED and "not reviewed yet" in v.reason
    # an unreviewed gap row is no "not met" either
    idx = _mini([R("sssom:NoTermFound", "exact", "HC:1", line=1, reviewed=False), R("A:w", "related", "HC:2", line=3),
                 R("B:y", "exact", "HC:1", line=2)])
    assert idx.recognise(["A:w"], "b").by_id()["y"].status == STATUS_NOT_ESTABLISHED


def test_not_met_needs_a_reviewed_no_for_every_criterion():
    gap = R("sssom:NoTermFound", "exact", "HC:1", line=1)
    gap = Row(gap.subject, gap.predicate, gap.object, where=gap.where, scheme="a", comment="[V] nothing")
    rows = [gap, R("A:w", "related", "HC:2", line=2), R("B:y", "narrow", "HC:1", line=3), R("B:y", "narrow", "HC:2", line=4)]
    v = _mini(rows).recognise(["A:w"], "b").by_id()["y"]
    assert v.status == STATUS_NOT_ESTABLISHED  # HC:2 is left open by a relatedMatch
    assert "HC:2" in v.reason and "x.tsv:2" in v.reason
    v = _mini(rows[:1] + rows[2:3] + [R("A:w", "related", "HC:3", line=5)]).recognise(["A:w"], "b").by_id()["y"]
    assert v.status == STATUS_NOT_MET and "reviewed gap" in v.reason


# ---- achievement levels -----------------------------------------------------------------------------------
CM_LEVELS = ([LevelInfo("partially-met", "Partially met", "partial"), LevelInfo("fully-met", "Fully met", "full")],
             "fully-met", "partially-met")
TSM_LEVELS = ([LevelInfo("C", "Level C", "none"), LevelInfo("B", "Level B", "partial"), LevelInfo("A", "Level A", "full"),
               LevelInfo("AA", "Level AA", "full"), LevelInfo("AAA", "Level AAA", "full")], "A", "B")


def _levels_index():
    # A grades like the Copper Mark; C like TSM; B does not grade
    return _mini([R("A:x", "exact", "HC:1", line=1, level="fully-met"), R("B:y", "exact", "HC:1", line=2),
                  R("C:z", "broad", "HC:2", line=3, level="AA"), R("B:w", "exact", "HC:2", line=4)],
                 levels={"A": CM_LEVELS, "C": TSM_LEVELS})


def test_a_partially_met_criterion_never_yields_met():
    idx = _levels_index()
    assert idx.recognise({"A:x": "fully-met"}, "b").by_id()["y"].status == STATUS_MET
    v = idx.recognise({"A:x": "partially-met"}, "b").by_id()["y"]
    assert v.status == STATUS_PARTLY
    assert "held at partially-met, below the fully-met that x.tsv:1 assumes" in v.reason


def test_levels_below_the_assumed_one_give_partly_and_none_levels_give_nothing():
    idx = _levels_index()
    by = {lv: idx.recognise({"C:z": lv}, "b").by_id()["w"].status for lv in ("C", "B", "A", "AA", "AAA")}
    assert by == {"C": STATUS_NOT_MET, "B": STATUS_PARTLY, "A": STATUS_PARTLY, "AA": STATUS_MET, "AAA": STATUS_MET}
    v = idx.recognise({"C:z": "AAA"}, "b").by_id()["w"]
    assert ("C:z", "AA", "x.tsv:3") in v.assumes and v.held == ("C:z", "AAA", "")
    assert "held C:z at AAA" in v.reason
    v = idx.recognise({"C:z": "C"}, "b").by_id()["w"]  # held at a level TSM does not count: a reviewed no
    assert "held at C" in v.reason


def test_scheme_level_and_credential_not_conformant():
    idx = _levels_index()
    assert idx.recognise_scheme("a", "b").by_id()["y"].status == STATUS_MET  # default: the pass level
    assert idx.recognise_scheme("a", "b", "partially-met").by_id()["y"].status == STATUS_PARTLY
    v = idx.recognise({"A:x": None}, "b").by_id()["y"]  # assessed, conformance false
    assert v.status == STATUS_NOT_MET and "not conformant" in v.reason
    v = idx.recognise({"A:x": None}, "a").by_id()["x"]
    assert v.status == STATUS_NOT_MET and v.reason.startswith("assessed")


def test_performance_scores_in_both_untp_shapes():
    a050 = {"declaredValue": [{"metricName": "Commitment", "metricValue": {"value": 1, "unit": ""}, "score": "AAA"},
                              {"metricName": "Planning", "metricValue": {"value": 1, "unit": ""}, "score": "B"}],
            "conformance": True}
    assert [tuple(vars(x).values()) for x in performance_scores(a050, "$.assessment[0]")] == [
        ("AAA", "Commitment", "$.assessment[0].declaredValue[0].score"), ("B", "Planning", "$.assessment[0].declaredValue[1].score")]
    a070 = {"assessedPerformance": [{"metric": {"id": "https://x/m", "name": "Child labour"}, "score": {"code": "partially met", "rank": 2}}],
            "conformance": True}
    claim = {"claimedPerformance": {"score": {"code": "fully met"}}}
    att = {"profileScore": {"code": "AA"}}
    assert [s.code for s in performance_scores(a070)] == ["partially met"]
    assert performance_scores(claim, "$.claim")[0].where == "$.claim.claimedPerformance.score.code"
    assert performance_scores(att)[0].code == "AA"
    assert performance_scores({"declaredValue": [{"metricName": "x"}], "assessedPerformance": "junk"}) == []
    assert performance_scores("junk") == []


def test_held_level_from_scores_conformance_and_cli():
    cm = SchemeInfo("cm", "CM", levels=CM_LEVELS[0], default_level="fully-met", credential_level="partially-met")
    tsm = SchemeInfo("tsm", "TSM", levels=TSM_LEVELS[0], default_level="A", credential_level="B")
    score = performance_scores({"assessedPerformance": [{"score": {"code": "Partially met"}}]})
    assert held_level(cm, conformance=True, scores=score).level == "partially-met"  # a score never lifts
    assert held_level(cm, conformance=True, scores=[]).level == "partially-met"  # bare conformance: conformance_level
    assert held_level(cm, conformance=True, scores=[], cli_level="Fully met").source == "--level"
    assert held_level(cm, conformance=True, scores=score, cli_level="fully-met").level == "partially-met"  # the score wins
    assert held_level(cm, conformance=False, scores=[]).level is None
    two = performance_scores({"declaredValue": [{"metricName": "SAMPLE TEST Commitment, Accountability and Communications", "score": "AAA"},
                                                {"metricName": "Conservation Planning", "score": "B"}]})
    hl = held_level(tsm, conformance=True, scores=two, names=["SAMPLE TEST TSM: Commitment, Accontability and Communications"])
    assert hl.level == "AAA" and hl.source.endswith("declaredValue[0].score")  # named alike (typo tolerated)
    hl = held_level(tsm, conformance=True, scores=two, names=["Reporting"])
    assert hl.level == "B" and "none is named like this criterion" in hl.problem  # falls back to conformance_level
    bad = performance_scores({"declaredValue": [{"metricName": "x", "score": "Gold"}]})
    hl = held_level(tsm, conformance=True, scores=bad)
    assert hl.level == "B" and "not one of tsm's levels" in hl.problem
    assert held_level(SchemeInfo("eu", "EU"), conformance=True, scores=two).level == ""


def test_unknown_scheme_lists_known_ones(index):
    from untp_crm_vocab.errors import UsageError

    with pytest.raises(UsageError) as e:
        index.recognise_scheme("alpha", "delta")
    assert "alpha, beta, gamma" in e.value.render()


# ---- the worked example in the documentation -----------------------------------------------------------
def _doc_tables(text: str):
    """{section heading: [row cells]} for every markdown table in the page."""
    tables, heading = {}, None
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            tables.setdefault(heading, []).append([c.strip() for c in line.strip().strip("|").split("|")])
    return tables


def test_tool_matches_the_hand_worked_tables(index):
    tables = _doc_tables(DOC_PAGE.read_text(encoding="utf-8"))
    checked = 0
    for heading, target in (("Step 2: Alpha to Beta", "beta"), ("Step 3: Alpha to Gamma", "gamma")):
        rows = tables[heading]
        assert rows[0][0] == "Requirement" and rows[0][-1] == "Result"
        got = {v.requirement.node: v.status for v in index.recognise_scheme("alpha", target).verdicts}
        want = {r[0]: r[-1] for r in rows[1:]}
        assert want == got, f"{DOC_PAGE.name} section {heading!r} disagrees with the tool"
        checked += len(want)
    rows = tables["Step 1: what does holding Alpha evidence?"]
    crit = index.recognise_scheme("alpha", "beta").criteria
    for cid, _, status in rows[1:]:
        assert crit.get(cid, ("not evidenced",))[0] == status, cid
        checked += 1
    assert checked == 9 + 5 + 6


# ---- credentials ---------------------------------------------------------------------------------------
def test_credential_resolution(index):
    cs, prefix = load_credential(FIX / "credentials" / "alpha_vc.json")
    rd = read_credential(index, cs, prefix, "alpha_vc.json")
    assert rd.schemes == ["alpha"]
    how = {r.where: (r.requirement.node if r.requirement else None, r.how) for r in rd.readings}
    assert how["credentialSubject.assessment[0].assessmentCriteria[0]"] == ("ALPHA:A1", "owner_iri")
    assert how["credentialSubject.assessment[1].assessmentCriteria[0]"] == ("ALPHA:A3", "name")
    assert how["credentialSubject.assessment[2].assessmentCriteria[0]"] == ("ALPHA:A2", "owner_iri")
    assert how["credentialSubject.assessment[3].assessmentCriteria[0]"] == (None, "")
    assert rd.held == ["ALPHA:A1", "ALPHA:A3"]  # A2 has conformance false
    assert rd.held_levels == {"ALPHA:A1": "", "ALPHA:A2": None, "ALPHA:A3": ""}
    res = index.recognise(rd.held_levels, "beta")
    v = res.by_id()["1.2"]  # A2 assessed, not conformant: the only route to ENV-02
    assert v.status == STATUS_NOT_MET and "ALPHA:A2 is assessed as not conformant" in v.reason
    assert res.by_id()["1.1"].status == STATUS_MET


def test_bare_attestation_is_read(index):
    data = json.loads((FIX / "credentials" / "alpha_vc.json").read_text())
    from untp_crm_vocab.recognise import credential_subject

    cs, prefix = credential_subject(data["credentialSubject"])
    assert prefix == "$"
    assert read_credential(index, cs, prefix).held == ["ALPHA:A1", "ALPHA:A3"]


# ---- the CLI: errors are messages with exit 2, never tracebacks -------------------------------------------
@pytest.fixture(scope="module")
def doc_checkout(tmp_path_factory, project):
    root = tmp_path_factory.mktemp("doc-project")
    shutil.copytree(DOC_TREE / "mappings", root / "mappings")
    (root / "pyproject.toml").write_text(
        f'[tool.crm-vocab]\nbase-iri = "{project.base_iri}"\n', encoding="utf-8"
    )
    return root



def test_cli_text_and_json(doc_checkout, capsys):
    rc, out, _ = run_cli(capsys, "--project", str(doc_checkout), "recognise", "--from", "alpha", "--to", "beta")
    assert rc == 0
    assert "9 requirements: 1 met, 3 partly met, 2 not met, 3 not established" in out
    assert f"[{ALPHA}:16]" in out
    rc, out, _ = run_cli(capsys, "--project", str(doc_checkout), "recognise", "--from", "alpha", "--to", "gamma", "--format", "json")
    data = json.loads(out)
    assert data["summary"] == {"met": 1, "partly met": 2, "not met": 0, "not established": 2}
    assert set(data["statuses"]) == {"met", "partly met", "not met", "not established"}
    climate = next(r for r in data["requirements"] if r["requirement"] == "climate")
    assert [p["where"] for p in climate["path"]] == [f"{ALPHA}:14", f"{GAMMA}:15"]
    child = next(r for r in data["requirements"] if r["requirement"] == "child-labour")
    assert child["status"] == "met" and [a["requirement"] for a in child["assumes"]] == ["ALPHA:A3", "GAMMA:child-labour"]


def test_cli_credential(doc_checkout, capsys):
    rc, out, _ = run_cli(capsys, "--project", str(doc_checkout), "recognise", "--credential",
                         str(FIX / "credentials" / "alpha_vc.json"), "--to", "gamma")
    assert rc == 0
    assert "4 assessed criteria, 3 resolved (alpha), 2 held" in out
    assert "unresolved credentialSubject.assessment[3].assessmentCriteria[0]: Alpha: Biodiversity" in out


@pytest.mark.parametrize(
    "argv, expect",
    [
        (["--from", "alpha", "--to", "delta"], "unknown scheme 'delta'"),
        (["--from", "omega", "--to", "beta"], "use one of: alpha, beta, gamma"),
        (["--to", "beta"], "--from SCHEME or --credential FILE"),
        (["--from", "alpha"], "--to SCHEME is required"),
        (["--credential", str(FIX / "credentials" / "broken.json"), "--to", "beta"], "not JSON"),
        (["--credential", str(FIX / "credentials" / "no_assessments.json"), "--to", "beta"], "no assessments"),
        (["--credential", str(FIX / "credentials" / "missing.json"), "--to", "beta"], "cannot read the credential"),
        (["--credential", str(FIX / "credentials"), "--to", "beta"], "cannot read the credential"),
        (["--from", "alpha", "--to", "beta", "--level", "AA"], "alpha has no achievement levels"),
        (["--credential", str(FIX / "credentials" / "alpha_vc.json"), "--to", "beta", "--level", "AA"], "has achievement levels"),
    ],
)
def test_cli_errors(doc_checkout, capsys, argv, expect):
    rc, out, err = run_cli(capsys, "--project", str(doc_checkout), "recognise", *argv)
    assert rc == 2
    assert expect in err


def test_cli_credential_not_an_object(doc_checkout, capsys, tmp_path):
    p = tmp_path / "list.json"
    p.write_text("[1, 2]", encoding="utf-8")
    rc, _, err = run_cli(capsys, "--project", str(doc_checkout), "recognise", "--credential", str(p), "--to", "beta")
    assert rc == 2 and "not a JSON object" in err


# ---- real data with the pilot credential ------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_index(project):
    need = [project.criteria_file, project.catalogues_dir / "coppermark.yaml", project.catalogues_dir / "tsm.yaml",
            project.catalogues_dir / "irma.yaml", project.crosswalks_dir / "coppermark.sssom.tsv"]
    missing = [str(p.relative_to(project.root)) for p in need if not p.is_file()]
    assert not missing, "mapping data missing: " + ", ".join(missing)
    return RecognitionIndex.from_mapping_data(load_mapping_data(project), project)


@pytest.fixture(scope="module")
def coppermark(real_index, shared_dir):
    path = shared_dir / "external" / "project-crm" / "dcc_coppermark_mine.json"
    if not path.is_file():
        pytest.skip(f"pilot credential not present: {path}")
    cs, prefix = load_credential(path)
    return read_credential(real_index, cs, prefix, str(path))


def test_pilot_credential_resolves_every_issue_area(coppermark):
    assert coppermark.schemes == ["coppermark"]
    assert len(coppermark.readings) == 32
    assert coppermark.unresolved == []
    assert all(r.how == "owner_iri" for r in coppermark.readings)
    assert len(coppermark.held) == 32


# Pinned to the crosswalk rows as committed (the issue-10 text review). When a pinned row moves or
# changes, re-run `crm-vocab recognise --credential .../dcc_coppermark_mine.json --to tsm|irma`
# and update the pins together with the data change (mappings/expected-answers.yaml pins more).
CM = "mappings/crosswalks/coppermark.sssom.tsv"
TSM = "mappings/crosswalks/tsm.sssom.tsv"
IRMA = "mappings/crosswalks/irma.sssom.tsv"


def _pin(verdict, status, path=None, reason_has=(), notes=None):
    msg = f"{verdict.requirement.node}: {verdict.status}; {verdict.reason}; path {[r.where for r in verdict.path]}"
    assert verdict.status == status, msg
    if path is not None:
        assert [r.where for r in verdict.path] == path, msg
    for s in reason_has:
        assert s in verdict.reason, msg
    if notes is not None:
        assert [r.where for r in verdict.notes] == notes, msg


def _line(path, subject, obj):
    """The line of the row ``subject -> obj`` in a crosswalk (pins survive row moves)."""
    for i, ln in enumerate((REPO / path).read_text(encoding="utf-8").split("\n"), 1):
        cells = ln.split("\t")
        if len(cells) > 4 and cells[0] == subject and cells[4] == obj:
            return f"{path}:{i}"
    raise AssertionError(f"no row {subject} -> {obj} in {path}")


def test_pilot_credential_is_held_at_partially_met(coppermark):
    # the pilot says only `conformance: true`: a Copper Mark is awarded with issue areas partially met
    assert set(coppermark.held_levels.values()) == {"partially-met"}
    assert all("conformance_level" in r.level_source for r in coppermark.readings)


def test_pilot_coppermark_to_irma(real_index, coppermark):
    res = real_index.recognise(coppermark.held_levels, "irma", level_sources=coppermark.level_sources)
    v = res.by_id()
    assert res.counts()["met"] == 0  # nothing is met from a credential held only partially
    # the issue's example: CM 22 covers closure planning only; IRMA 2.6 asks for financing too
    _pin(v["2.6"], STATUS_PARTLY, [_line(CM, "CM2020:22-mine-reclamation", "HC:ENV-15"), _line(IRMA, "IRMA2018:2.6", "HC:ENV-15")],
         reason_has=("only partly", "asks more than HC:ENV-15"))
    # CM 5 ⊆ LAB-01 when fully met, but the pilot holds it partially; IRMA 3.1 asks more anyway
    _pin(v["3.1"], STATUS_PARTLY, [_line(CM, "CM2020:5-child-labor", "HC:LAB-01"), _line(IRMA, "IRMA2018:3.1", "HC:LAB-01")],
         reason_has=("held at partially-met, below the fully-met",))
    # not established: IRMA 4.3 ⊆ ENV-07, and Copper Mark 20 is only relatedMatch ENV-07
    _pin(v["4.3"], STATUS_NOT_ESTABLISHED, [_line(IRMA, "IRMA2018:4.3", "HC:ENV-07")],
         reason_has=(_line(CM, "CM2020:20-pollution-pollution", "HC:ENV-07"), "never recognises"))
    # a principle with no row of its own
    _pin(v["1"], STATUS_NOT_ESTABLISHED, [], reason_has=("no crosswalk row",))
    # criterion-level gaps: Copper Mark has nothing for GOV-05 (reviewed gap), so nothing evidences it
    assert "HC:GOV-05" not in res.criteria
    assert _line(CM, "sssom:NoTermFound", "HC:GOV-05") in [r.where for r in real_index.rows_by_object_scheme[("HC:GOV-05", "coppermark")]]
    assert res.criteria["HC:OHS-01"][0] == STATUS_PARTLY


def test_pilot_coppermark_at_fully_met(real_index, coppermark, shared_dir):
    """--level fully-met lifts a bare conformance; a broad row then meets its criterion."""
    cs, prefix = load_credential(shared_dir / "external" / "project-crm" / "dcc_coppermark_mine.json")
    rd = read_credential(real_index, cs, prefix, "pilot", cli_level="fully-met")
    assert set(rd.held_levels.values()) == {"fully-met"} and {r.level_source for r in rd.readings} == {"--level"}
    res = real_index.recognise(rd.held_levels, "irma", level_sources=rd.level_sources)
    assert res.criteria["HC:LAB-01"][0] == STATUS_MET  # CM 5 ⊆ LAB-01
    assert res.by_id()["3.1"].status == STATUS_PARTLY  # IRMA 3.1 still asks more


def test_pilot_coppermark_to_tsm(real_index, coppermark):
    res = real_index.recognise(coppermark.held_levels, "tsm")
    v = res.by_id()
    # TSM protocols are graded (C to AAA): mapped close/related only, so nothing is recognised
    _pin(v["tailings"], STATUS_NOT_ESTABLISHED, [], reason_has=("never recognise",))
    assert res.counts()[STATUS_MET] == 0 and res.counts()[STATUS_PARTLY] == 0


def test_pilot_tsm_credential_levels_come_from_its_scores(real_index, shared_dir):
    path = shared_dir / "external" / "project-crm" / "dcc_tsm_mine.json"
    if not path.is_file():
        pytest.skip(f"pilot credential not present: {path}")
    cs, prefix = load_credential(path)
    rd = read_credential(real_index, cs, prefix, str(path))
    got = {(r.requirement.node, r.level, r.level_source) for r in rd.readings if r.requirement}
    assert got == {("TSM2025:biodiversity", "AAA", "credentialSubject.assessment[0].declaredValue[0].score"),
                   ("TSM2025:biodiversity", "AAA", "credentialSubject.assessment[1].declaredValue[1].score")}


def test_untp_070_credential_levels_come_from_assessed_performance(real_index, project):
    """The UNTP 0.7.0 samples: held levels from assessedPerformance[].score.code (the scheme's
    scoring codes: 'met' is the Copper Mark's fully met), conformance false is not held, and a
    criterion scored partially met never yields met."""
    import copy

    from untp_crm_vocab.credentials import read

    data = json.loads((REPO / "model/samples/untp-0.7.0/dcc-coppermark-0.7.json").read_text(encoding="utf-8"))
    rd = read(real_index, project, data, "dcc-coppermark-0.7.json")
    assert rd.version == "0.7.0"
    levels = rd.held_levels
    assert levels["CM2020:5-child-labor"] == "fully-met" and levels["CM2020:15-greenhouse-emissions"] == "partially-met"
    src = {r.requirement.node: r.level_source for r in rd.readings}
    assert src["CM2020:5-child-labor"].endswith("assessedPerformance[0].score.code")
    assert real_index.recognise(levels, "irma").criteria["HC:LAB-01"][0] == STATUS_MET
    partial = copy.deepcopy(data)
    a = next(a for a in partial["credentialSubject"]["conformityAssessment"]
             if a["assessmentCriteria"][0]["id"].endswith("/5-child-labor"))
    a["assessedPerformance"][0]["score"]["code"] = "partially met"
    rd = read(real_index, project, partial, "partial.json")
    assert rd.held_levels["CM2020:5-child-labor"] == "partially-met"
    res = real_index.recognise(rd.held_levels, "irma")
    assert res.criteria["HC:LAB-01"][0] == STATUS_PARTLY
    assert all(v.status != STATUS_MET for v in res.verdicts)
    tsm = read(real_index, project, json.loads((REPO / "model/samples/untp-0.7.0/dcc-tsm-0.7.json").read_text(encoding="utf-8")), "tsm")
    assert tsm.held_levels == {"TSM2025:biodiversity.1": "AA", "TSM2025:biodiversity.2": "A", "TSM2025:biodiversity.3": None}


# ---- the issue's examples, corrected (issue 10) ---------------------------------------------------------
@pytest.mark.parametrize("held, expect", [("irma", STATUS_PARTLY), ("icmm", STATUS_PARTLY), ("coppermark", STATUS_NOT_ESTABLISHED)])
def test_site_workforce_criteria_never_meet_oecd_annex_ii_child_labour(real_index, held, expect):
    v = real_index.recognise_scheme(held, "oecd").by_id()["annexII-child-labour"]
    assert v.status == expect, v.reason
    assert "HC:LAB-01" not in [r.object for r in v.path]  # the site-workforce criterion is no route
    assert v.criteria == ["HC:GOV-13"]


def test_icmm_10_2_no_longer_meets_gri_14_23(real_index):
    assert real_index.scheme("icmm").requirements and "compile" in next(
        r.title for r in real_index.scheme("icmm").requirements if r.local_id == "10.2")
    v = real_index.recognise_scheme("icmm", "gri14").by_id()["14.23"]
    assert v.status == STATUS_NOT_ESTABLISHED
    rows = real_index.rows_by_subject["ICMM2022:10.2"]
    assert {r.object: r.kind for r in rows}["HC:GOV-03"] == "related"
    assert real_index.recognise_scheme("icmm", "eubatt").criteria.get("HC:GOV-03") is None


def test_levels_on_real_data(real_index):
    assert real_index.recognise_scheme("irma", "icmm").by_id()["1.1"].status == STATUS_MET
    v = real_index.recognise_scheme("irma", "icmm", "IRMA-75").by_id()["1.1"]
    assert v.status == STATUS_PARTLY and "below the IRMA-100" in v.reason
    v = real_index.recognise_scheme("irma", "icmm", "IRMA-Transparency").by_id()["1.1"]
    assert v.status == STATUS_NOT_MET and "a level its scheme does not count" in v.reason  # the level counts for nothing
    assert real_index.recognise_scheme("coppermark-rra3", "oecd").by_id()["step-1"].status == STATUS_MET
    assert real_index.recognise_scheme("coppermark-rra3", "oecd", "partially-met").by_id()["step-1"].status == STATUS_PARTLY


def test_cli_levels_on_real_data(capsys, shared_dir):
    rc, out, _ = run_cli(capsys, "recognise", "--from", "irma", "--to", "icmm", "--level", "IRMA 75", "--format", "json")
    assert rc == 0
    data = json.loads(out)
    assert {v["level"] for v in data["held_levels"].values()} == {"IRMA-75"}
    v = next(r for r in data["requirements"] if r["requirement"] == "1.1")
    assert v["status"] == "partly met" and v["held"]["level"] == "IRMA-75" and v["held"]["source"] == "--level"
    rc, out, _ = run_cli(capsys, "recognise", "--from", "irma", "--to", "icmm")
    block = out.split("ICMM2022:1.1 ", 1)[1].split("\nPARTLY", 1)[0].split("\nNOT", 1)[0]
    assert block.splitlines()[2].startswith("    assumes: IRMA2018:1.1 at IRMA-100 (mappings/crosswalks/irma.sssom.tsv:")
    pilot = shared_dir / "external" / "project-crm" / "dcc_coppermark_mine.json"
    if pilot.is_file():
        rc, out, _ = run_cli(capsys, "recognise", "--credential", str(pilot), "--to", "irma", "--level", "fully-met")
        assert rc == 0 and "CM2020:5-child-labor at fully-met (--level)" in out
        rc, _, err = run_cli(capsys, "recognise", "--credential", str(pilot), "--to", "irma", "--level", "AA")
        assert rc == 2 and "'AA' is not a level of coppermark" in err and "partially-met, fully-met" in err


def _all_answers(index):
    for a in index.schemes:
        info = index.schemes[a]
        for lv in [None] + [x.id for x in info.levels]:
            for b in index.schemes:
                if a != b:
                    yield a, lv, index.recognise_scheme(a, b, lv)


def test_no_met_through_a_row_marked_unverified_or_partial(real_index):
    """Done when: no recognition result is "met" through a row whose comment marks it unverified
    ([?], "not verified", ...) or partial, for every pair of schemes at every level."""
    from untp_crm_vocab.mappingdata import comment_flags

    met = 0
    for a, lv, res in _all_answers(real_index):
        for v in res.verdicts:
            if v.status != STATUS_MET:
                continue
            met += 1
            for row in v.path:
                assert not comment_flags(row.comment), (a, lv, v.requirement.node, row.where, row.comment)
                assert not row.comment.startswith("[?]"), (a, lv, v.requirement.node, row.where)
                assert row.kind in ("exact", "broad") and row.reviewed, (a, row.where)
            assert v.assumes, (a, v.requirement.node)  # every met says which level it assumed
        for cid, (st, path) in res.criteria.items():
            if st == STATUS_MET:
                assert all(not comment_flags(r.comment) for r in path), (a, cid)
    assert met > 0


def test_every_recognising_row_is_text_justified_and_reviewed(project):
    """Done when: every exact/broad/narrow row carries a text-based justification and a reviewer."""
    from untp_crm_vocab.mappingdata import TEXT_MARKER_RE

    md = load_mapping_data(project)
    n = 0
    for m in md.mappings():
        if not m.recognises:
            continue
        n += 1
        where = f"{m.path.name}:{m.line}"
        assert TEXT_MARKER_RE.search(m.comment), where
        assert m.comment[:3] in ("[V]", "[R]"), where  # never an uncertain ([?]) row
        assert m.reviewer_id in md.curators and m.reviewer_id not in m.author_id.split("|"), where
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", m.review_date), where
    assert n > 100


def test_text_output_has_no_control_characters():
    idx = _mini([Row("A:x", "skos:exactMatch", "HC:1", comment="[V] ok\x1b[31m red \x07bell\nnext", where="x.tsv:1", scheme="a"),
                 Row("B:y", "skos:exactMatch", "HC:1", where="x.tsv:2", scheme="b")])
    from untp_crm_vocab.recognise import render_text

    text = render_text(idx.recognise(["A:x"], "b"))
    assert "\x1b" not in text and "\x07" not in text
    assert "[V] ok\ufffd[31m red \ufffdbell next" in text
