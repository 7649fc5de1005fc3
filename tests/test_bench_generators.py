"""The benchmark inputs of bench/bench_build.py, bench_recognition.py and bench_site.py are
correct (never their timings): synthetic crosswalks pass ``crm-vocab check`` and load,
recognition on a hand-made synthetic set gives the hand-worked answer (and the naive baseline
agrees), the synthetic vocabulary builds, and the no-op rebuild skips only when nothing changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import synthetic
from bench.bench_recognition import naive_recognise, naive_rows
from untp_crm_vocab import build as buildmod
from untp_crm_vocab.build import build
from untp_crm_vocab.mappingdata import load_mapping_data
from untp_crm_vocab.project import load_project
from untp_crm_vocab.recognise import RecognitionIndex

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def project():
    return load_project(REPO)


def _check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "untp_crm_vocab.cli", "--project", str(REPO), "check", str(root),
                           "--format", "json"], capture_output=True, text=True, cwd=REPO)


def _tree(d: Path) -> dict[str, str]:
    return {p.relative_to(d).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


# ---- synthetic crosswalks ----------------------------------------------------------------------
def test_synthetic_crosswalk_passes_check_and_loads(project, tmp_path):
    spec = synthetic.crosswalk_spec(6, 40, 25, seed=11)
    root = synthetic.write_mappings_tree(tmp_path / "mappings", spec, project)
    r = _check(root)
    assert r.returncode == 0, r.stdout + r.stderr
    md = load_mapping_data(project, root=root)
    assert sorted(md.catalogues) == [s.scheme for s in spec.schemes]
    assert len(md.criteria) == 25
    assert sum(len(ms.mappings) for ms in md.crosswalks.values()) == spec.n_rows
    for s in spec.schemes:
        assert len(md.catalogues[s.scheme].requirements) == 40
        # coverage rule: every criterion is the object of some row of every crosswalk
        objects = {m.object_id for m in md.crosswalks[s.scheme].mappings}
        assert {f"HC:{c}" for c, _ in spec.criteria} <= objects
    kinds = {m.predicate_id + m.predicate_modifier for m in md.mappings()}
    assert {"skos:exactMatch", "skos:broadMatch", "skos:narrowMatch", "skos:exactMatchNot"} <= kinds
    index = RecognitionIndex.from_mapping_data(md, project)
    assert len(index.schemes) == 6


def test_synthetic_crosswalk_is_deterministic(project, tmp_path):
    a = synthetic.write_mappings_tree(tmp_path / "a", synthetic.crosswalk_spec(3, 20, 10, seed=5), project)
    b = synthetic.write_mappings_tree(tmp_path / "b", synthetic.crosswalk_spec(3, 20, 10, seed=5), project)
    c = synthetic.write_mappings_tree(tmp_path / "c", synthetic.crosswalk_spec(3, 20, 10, seed=6), project)
    assert _tree(a) == _tree(b)
    assert _tree(a) != _tree(c)


def _hand_spec() -> synthetic.Spec:
    S, E, B, N, R = synthetic.SRow, synthetic.EXACT, synthetic.BROAD, synthetic.NARROW, synthetic.RELATED
    crit = [("GOV-00", "Criterion GOV-00"), ("HR-00", "Criterion HR-00"), ("LAB-00", "Criterion LAB-00"),
            ("OHS-00", "Criterion OHS-00")]
    a = synthetic.SScheme("sa", "SA", [(synthetic.requirement_id(i), f"A{i}") for i in range(3)], [
        S("SA:1.1", E, "HC:GOV-00"),            # A1 = GOV
        S("SA:1.2", B, "HC:HR-00"),             # A2 ⊆ HR: holding A2 meets HR
        S("SA:1.3", N, "HC:LAB-00"),            # LAB ⊆ A3: holding A3 meets LAB only partly
        S(synthetic.NO_TERM, E, "HC:OHS-00"),   # A has nothing for OHS
    ])
    b = synthetic.SScheme("sb", "SB", [(synthetic.requirement_id(i), f"B{i}") for i in range(8)], [
        S("SB:1.1", E, "HC:GOV-00"),
        S("SB:1.2", E, "HC:HR-00"),
        S("SB:1.3", E, "HC:LAB-00"),
        S("SB:1.4", E, "HC:OHS-00"),
        S("SB:1.5", R, "HC:GOV-00", tag="?"),
        # SB:1.6 has no row
        S("SB:1.7", N, "HC:GOV-00"),
        S("SB:1.8", B, "HC:HR-00"),
    ])
    return synthetic.Spec(criteria=crit, schemes=[a, b])


HAND_EXPECTED = {
    "SB:1.1": "met",              # = GOV = A1, held
    "SB:1.2": "met",              # = HR, and A2 ⊆ HR
    "SB:1.3": "partly met",       # = LAB, which A3 meets only partly
    "SB:1.4": "not met",          # = OHS, which A's reviewed gap row says A does not give
    "SB:1.5": "not established",  # related only
    "SB:1.6": "not established",  # no row
    "SB:1.7": "partly met",       # B7 covers part of GOV: GOV met gives B7 only partly
    "SB:1.8": "partly met",       # B8 ⊆ HR: HR met does not give all of B8
}


def test_recognition_on_a_hand_made_synthetic_set(project, tmp_path):
    root = synthetic.write_mappings_tree(tmp_path / "mappings", _hand_spec(), project)
    r = _check(root)
    assert r.returncode == 0, r.stdout + r.stderr
    md = load_mapping_data(project, root=root)
    index = RecognitionIndex.from_mapping_data(md, project)
    got = {v.requirement.node: v.status for v in index.recognise_scheme("sa", "sb").verdicts}
    assert got == HAND_EXPECTED
    reqs = {s: [r.node for r in info.requirements] for s, info in index.schemes.items()}
    assert naive_recognise(naive_rows(md), reqs, "sa", "sb") == HAND_EXPECTED


def test_naive_baseline_agrees_with_the_index(project, tmp_path):
    root = synthetic.write_mappings_tree(tmp_path / "m", synthetic.crosswalk_spec(5, 60, 30, seed=3), project)
    md = load_mapping_data(project, root=root)
    index = RecognitionIndex.from_mapping_data(md, project)
    rows = naive_rows(md)
    reqs = {s: [r.node for r in info.requirements] for s, info in index.schemes.items()}
    statuses = set()
    for a in index.schemes:
        for b in index.schemes:
            if a == b:
                continue
            ours = {v.requirement.node: v.status for v in index.recognise_scheme(a, b).verdicts}
            assert ours == naive_recognise(rows, reqs, a, b), (a, b)
            statuses |= set(ours.values())
    assert statuses == {"met", "partly met", "not met", "not established"}


# ---- synthetic vocabulary ------------------------------------------------------------------------
def test_synthetic_vocabulary_builds(tmp_path):
    n = 80
    counts = synthetic.vocabulary_counts(n)
    assert sum(counts.values()) + synthetic.CORE_TERMS == n
    root = synthetic.write_vocabulary_project(tmp_path / "proj", n, REPO)
    outs = []
    for seed in ("1", "2"):  # two processes with different hash seeds: the same bytes
        out = tmp_path / f"out-{seed}"
        r = subprocess.run([sys.executable, "-m", "untp_crm_vocab.cli", "--project", str(root), "build", "--out", str(out),
                            "-q"], capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        outs.append(out)
    assert _tree(outs[0]) == _tree(outs[1])
    out = outs[0]
    import yaml

    schema = yaml.safe_load((root / "model" / "untp_crm.yaml").read_text(encoding="utf-8"))
    untp_terms = {"DigitalProductPassport"}  # UNTP's class the synthetic credential extends
    terms = [t for t in list(schema["classes"]) + list(schema["slots"]) + list(schema["enums"]) if t not in untp_terms]
    assert len(terms) + sum(len(e["permissible_values"]) for e in schema["enums"].values()) == n
    # W3C's and the JSON-LD keywords' terms are not minted: every other term has its three files
    for t in (t for t in terms if t not in ("VerifiableCredential", "id", "type", "credentialSubject")):
        for ext in ("html", "jsonld", "ttl"):
            assert (out / f"{t}.{ext}").is_file(), f"{t}.{ext}"
    assert (out / "working" / "schemas" / "SyntheticCredential.json").is_file()
    assert (out / "index.html").is_file() and (out / "terms.html").is_file()
    terms_page = (out / "terms.html").read_text(encoding="utf-8")
    assert all(f"{t}.html" in terms_page for t in terms if t[0].isupper() and t != "VerifiableCredential")


# ---- no-op rebuild ------------------------------------------------------------------------------------
def _small_project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(REPO / "model", root / "model")
    return root


STEPS = ("untp_crm_vocab.model_artifacts",)


def test_noop_rebuild_skips_and_a_change_rebuilds(tmp_path):
    root = _small_project(tmp_path)
    proj = load_project(root)
    out = tmp_path / "out"
    build(proj, out, steps=STEPS, quiet=True)
    assert not buildmod.build.last_skipped
    stamp = json.loads((out / buildmod.STAMP).read_text(encoding="utf-8"))
    before = _tree(out)
    inode = (out / "working" / "context.jsonld").stat().st_ino
    # nothing changed: skipped, the very same files
    build(proj, out, steps=STEPS, quiet=True)
    assert buildmod.build.last_skipped
    assert _tree(out) == before and (out / "working" / "context.jsonld").stat().st_ino == inode
    # --force rebuilds (same bytes)
    build(proj, out, steps=STEPS, quiet=True, force=True)
    assert not buildmod.build.last_skipped and _tree(out) == before
    # a changed input rebuilds, and the output follows it
    model = root / "model" / "untp_crm.yaml"
    model.write_text(model.read_text(encoding="utf-8").replace(
        "The chemical form in which a grade is expressed", "The chemical form (changed) in which a grade is expressed"),
        encoding="utf-8")
    build(proj, out, steps=STEPS, quiet=True)
    assert not buildmod.build.last_skipped
    assert json.loads((out / buildmod.STAMP).read_text(encoding="utf-8"))["inputs"] != stamp["inputs"]
    assert "(changed)" in (out / "measuredAs.ttl").read_text(encoding="utf-8")
    # a new file under model/ (e.g. a sample) also counts
    build(proj, out, steps=STEPS, quiet=True)
    assert buildmod.build.last_skipped
    (root / "model" / "samples" / "valid" / "extra.json").write_text("{}\n", encoding="utf-8")
    build(proj, out, steps=STEPS, quiet=True)
    assert not buildmod.build.last_skipped
    # an output file removed or truncated by hand: rebuilt, not trusted
    (out / "measuredAs.ttl").unlink()
    build(proj, out, steps=STEPS, quiet=True)
    assert not buildmod.build.last_skipped and (out / "measuredAs.ttl").is_file()
    (out / "measuredAs.ttl").write_text("", encoding="utf-8")
    build(proj, out, steps=STEPS, quiet=True)
    assert not buildmod.build.last_skipped and (out / "measuredAs.ttl").stat().st_size > 0


def test_noop_rebuild_through_the_cli(tmp_path):
    root = _small_project(tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "untp_crm_vocab.cli", "--project", str(root), "build", "--out", str(out),
           "--only", "model_artifacts", "-q"]
    first = subprocess.run(cmd, capture_output=True, text=True)
    assert first.returncode == 0 and first.stdout.startswith("built "), first.stderr
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 0 and "up to date" in again.stdout
    forced = subprocess.run(cmd + ["--force"], capture_output=True, text=True)
    assert forced.returncode == 0 and forced.stdout.startswith("built ")


def test_parallel_and_sequential_builds_are_identical(project, tmp_path):
    """With workers (a fresh process, as users run it: the LinkML worker imports only the three
    generators it uses, model_artifacts.import_generators_only) and without (in order, here)."""
    steps = ("untp_crm_vocab.model_artifacts", "untp_crm_vocab.crosswalk_rdf", "untp_crm_vocab.coverage")
    if not buildmod.parallel_ok():
        pytest.skip("one usable core: no forked workers here")
    env = {k: v for k, v in os.environ.items() if k != buildmod.ENV_JOBS}
    r = subprocess.run([sys.executable, "-m", "untp_crm_vocab.cli", "--project", str(REPO), "build", "--out",
                        str(tmp_path / "par"), "--only", "model_artifacts", "--only", "crosswalk_rdf",
                        "--only", "coverage"], capture_output=True, text=True, cwd=REPO, env=env)
    assert r.returncode == 0, r.stderr
    par = tmp_path / "par"
    (par / buildmod.STAMP).unlink()
    old = os.environ.get(buildmod.ENV_JOBS)
    os.environ[buildmod.ENV_JOBS] = "1"
    try:
        seq = build(project, tmp_path / "seq", steps=steps, quiet=True)
    finally:
        if old is None:
            os.environ.pop(buildmod.ENV_JOBS, None)
        else:
            os.environ[buildmod.ENV_JOBS] = old
    (seq / buildmod.STAMP).unlink()
    assert _tree(par) == _tree(seq)


def test_error_in_the_worker_reaches_the_caller(tmp_path):
    """A crosswalk that cannot be read fails the build with its BuildError (the worker's), and
    the previous output stays."""
    from untp_crm_vocab.errors import BuildError

    root = tmp_path / "proj"
    shutil.copytree(REPO / "model", root / "model")
    shutil.copytree(REPO / "mappings", root / "mappings")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    proj = load_project(root)
    out = tmp_path / "out"
    steps = ("untp_crm_vocab.model_artifacts", "untp_crm_vocab.crosswalk_rdf")
    build(proj, out, steps=steps, quiet=True)
    before = _tree(out)
    xw = root / "mappings" / "crosswalks" / "irma.sssom.tsv"
    lines = xw.read_text(encoding="utf-8").split("\n")
    i = next(k for k, ln in enumerate(lines) if ln.startswith("IRMA"))
    lines[i] = lines[i].replace("skos:", "skox:", 1)
    xw.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(BuildError) as exc:
        build(proj, out, steps=steps, quiet=True)
    assert "irma.sssom.tsv" in (exc.value.where or "")
    assert _tree(out) == before
