"""``crm-vocab check``: one fixture tree per defect (tests/fixtures/mappings/<defect>/, made by
make_fixtures.py there), exact file:line:column and rule for each, exit codes, JSON output,
``--fix`` (output passes the check, rows unchanged), the shared loader, and a fuzz run."""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from untp_crm_vocab import check as chk
from untp_crm_vocab.cli import main as cli_main
from untp_crm_vocab.errors import BuildError
from untp_crm_vocab.mappingdata import COLUMNS, Tree, load_mapping_data, read_tree, split_tsv_line

FIX = Path(__file__).resolve().parent / "fixtures" / "mappings"
REPO = Path(__file__).resolve().parent.parent
XW = "crosswalks/x.sssom.tsv"
CAT = "standards/x.yaml"

# defect -> every finding expected: (file relative to the tree, line, column, rule, text in the fix)
EXPECTED: dict[str, set] = {
    "bom": {(XW, 1, None, "bom", "--fix")},
    "crlf": {(XW, 1, None, "crlf", "--fix")},
    "blank-lines": {(XW, 16, None, "blank-line", "--fix"), (XW, 20, None, "blank-line", "--fix")},
    "trailing-whitespace": {(XW, 12, None, "trailing-whitespace", "--fix"), (XW, 16, 1, "field-whitespace", "--fix")},
    "row-order": {(XW, 16, 1, "row-order", "sorts the rows")},
    "column-order": {(XW, 13, 2, "column-order", "reorders the columns")},
    "stale-base-iri": {(XW, 2, None, "curie-map", "base-iri"), (XW, 3, None, "curie-map", "base-iri"),
                       (XW, 4, None, "curie-map", "base-iri"), (XW, 5, None, "mapping-set-id", "base-iri")},
    "curie-map-missing": {(XW, 1, None, "curie-map", "adds it")},
    "stale-sources-prefix": {(XW, 2, None, "curie-map", "base-iri")},
    "codeowners": {("CODEOWNERS", 2, None, "codeowners", "regenerates"), ("CODEOWNERS", None, None, "codeowners", "regenerates")},
    "tab-in-field": {(XW, 15, 13, "column-count", "tab inside a field")},
    "truncated-no-metadata": {(XW, 1, None, "missing-metadata", "#curie_map:")},
    "truncated-header-only": {(XW, 13, None, "missing-columns", "add the header row")},
    "truncated-row": {(XW, 18, None, "final-newline", "--fix"), (XW, 18, 5, "column-count", "cut-off row")},
    "yaml-syntax-metadata": {(XW, 6, None, "yaml-syntax", "YAML syntax")},
    "unknown-metadata": {(XW, 13, None, "unknown-metadata", "correct or remove")},
    "missing-metadata": {(XW, 1, None, "missing-metadata", "#license")},
    "missing-column": {(XW, 13, None, "missing-column", "add the column 'author_id'")},
    "unknown-prefix": {(XW, 14, 1, "unknown-prefix", "did you mean XS?")},
    "unknown-subject": {(XW, 15, 1, "unknown-subject", "add requirement 'R2x'")},
    "unknown-object": {(XW, 15, 5, "unknown-object", "correct the id"), (XW, None, None, "coverage", "gap row")},
    "invalid-predicate": {(XW, 15, 3, "invalid-predicate", "skos:exactMatch")},
    "invalid-modifier": {(XW, 15, 4, "invalid-modifier", "write Not")},
    "invalid-justification": {(XW, 15, 7, "invalid-justification", "semapv:ManualMappingCuration")},
    "missing-comment": {(XW, 15, 11, "missing-comment", "say why"), (XW, 15, 11, "missing-justification", "requirement's own text")},
    "unknown-author": {(XW, 15, 8, "unknown-author", "curators.tsv")},
    "invalid-confidence": {(XW, 15, 10, "invalid-confidence", "between 0 and 1")},
    "label-mismatch": {(XW, 15, 2, "label-mismatch", "copy the title")},
    "duplicate-row": {(XW, 16, 1, "duplicate-row", "delete one of the two rows")},
    "negation-conflict": {(XW, 16, 3, "negation-conflict", "delete the asserted or the negated row")},
    "exact-broad": {(XW, 16, 3, "exact-disjoint", "keep one predicate")},
    "broad-narrow": {(XW, 17, 3, "broad-narrow-conflict", "exactMatch")},
    "cycle": {(XW, 15, 3, "broad-narrow-cycle", "wrong direction")},
    "gap-conflict": {(XW, 19, 1, "gap-conflict", "delete the gap row or the mapping")},
    "exact-clique": {(XW, 15, 3, "exact-clique", "broadMatch or narrowMatch")},
    "coverage": {(XW, None, None, "coverage", "sssom:NoTermFound skos:exactMatch HC:<id>")},
    "unreviewed": {(XW, 15, 9, "unreviewed", "review_date")},
    "self-review": {(XW, 15, 9, "self-review", "second person")},
    "missing-justification": {(XW, 15, 11, "missing-justification", "Text:")},
    "unverified-recognition": {(XW, 15, 11, "unverified-recognition", "narrowMatch")},
    "unknown-level": {(XW, 20, 13, "unknown-level", "levels")},
    "invalid-level": {(CAT, 16, None, "invalid-level", "levels")},
    "catalogue-defects": {(CAT, 14, None, "unknown-parent", "correct the parent id"), (CAT, 28, None, "invalid-topic", "social.safety"),
                          (CAT, 33, None, "invalid-verification", "V (verified)"), (CAT, 34, None, "duplicate-id", "correct one id")},
    "catalogue-yaml-syntax": {(CAT, 3, None, "yaml-syntax", "YAML syntax"), (XW, None, None, "no-catalogue", "standards/x.yaml")},
    "criteria-defects": {("criteria.yaml", 13, None, "invalid-id", "two digits"), ("criteria.yaml", 22, None, "invalid-topic", "social.labour"),
                         ("criteria.yaml", 31, None, "duplicate-id", "never-used id"),
                         (XW, 18, 5, "unknown-object", "correct the id"), (XW, None, None, "coverage", "gap row")},
}
#: defects whose every finding is fixable: `--fix` must leave a clean tree
FIXABLE_ONLY = ["bom", "crlf", "blank-lines", "trailing-whitespace", "row-order", "column-order",
                "stale-base-iri", "stale-sources-prefix", "curie-map-missing", "codeowners"]


def _tuple(f, root: Path):
    return (f.path.resolve().relative_to(root.resolve()).as_posix(), f.line, f.column, f.rule)


def _copy(name: str, tmp_path: Path) -> Path:
    dst = tmp_path / name
    shutil.copytree(FIX / name, dst)
    return dst


def _rows(tree: Path) -> dict:
    """Every crosswalk row as a multiset of {column: value} (content, whatever the order)."""
    out = {}
    for p in sorted((tree / "crosswalks").glob("*.sssom.tsv")):
        text = p.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        lines = [ln for ln in text.split("\n") if ln.strip() and not ln.startswith("#")]
        cols = [c.strip() for c in split_tsv_line(lines[0])]
        rows = [tuple(sorted((c, v.strip()) for c, v in zip(cols, split_tsv_line(ln)) if c)) for ln in lines[1:]]
        out[p.name] = sorted(rows)
    return out


def test_fixtures_are_current():
    """The committed fixture trees are exactly what make_fixtures.py writes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIX / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name, changes in mod.defects().items():
        files = mod.base_files()
        files.update(changes)
        for rel, text in files.items():
            assert (FIX / name / rel).read_bytes() == text.encode("utf-8"), f"{name}/{rel}: run make_fixtures.py"
    assert set(mod.defects()) == set(EXPECTED) | {"valid", "valid-two-schemes"}


@pytest.mark.parametrize("name", ["valid", "valid-two-schemes"])
def test_valid_tree_is_clean(name, project):
    assert chk.check_tree(FIX / name, project).findings == []
    assert cli_main(["check", str(FIX / name)]) == 0


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_defect(name, project):
    root = FIX / name
    findings = chk.check_tree(root, project).findings
    got = {_tuple(f, root): f for f in findings}
    want = {(path, line, col, rule): fix for path, line, col, rule, fix in EXPECTED[name]}
    assert set(got) == set(want), "\n".join(f.render() for f in findings)
    for key, fix_text in want.items():
        f = got[key]
        assert fix_text in f.fix or fix_text in f.message, f.render()
        assert f.message and f.fix
        assert f.rule in chk.RULES
        assert f.fixable == (name in FIXABLE_ONLY or f.rule == "final-newline")


def test_text_format_and_exit_code(project, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    assert cli_main(["check", "tests/fixtures/mappings/unknown-prefix"]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "tests/fixtures/mappings/unknown-prefix/crosswalks/x.sssom.tsv:14:1: unknown-prefix: prefix 'XS1' is not declared "
        "in curie_map \u2014 fix: declare it or correct the CURIE (did you mean XS?)"
    ]


def test_json_format(project, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    assert cli_main(["check", "tests/fixtures/mappings/duplicate-row", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"] == {"findings": 1, "errors": 1, "fixable": 0, "reports": 0}
    (f,) = doc["findings"]
    assert f["file"] == "tests/fixtures/mappings/duplicate-row/crosswalks/x.sssom.tsv"
    assert (f["line"], f["column"], f["field"], f["rule"]) == (16, 1, "subject_id", "duplicate-row")
    assert "line 15" in f["message"] and f["fix"] and f["fixable"] is False
    assert cli_main(["check", "tests/fixtures/mappings/valid", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []


def test_exit_2_for_unusable_paths(tmp_path, capsys):
    assert cli_main(["check", str(tmp_path / "nope")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert cli_main(["check", str(tmp_path)]) == 2  # exists, but is no mappings tree
    assert "not inside a mappings tree" in capsys.readouterr().err


def test_file_path_limits_the_report(project):
    """A file inside a tree: checked against the whole tree, findings listed for that file only."""
    findings, _ = chk.check_paths([str(FIX / "criteria-defects" / "criteria.yaml")], project)
    assert {f.path.name for f in findings} == {"criteria.yaml"}
    findings, _ = chk.check_paths([str(FIX / "cycle" / "crosswalks" / "y.sssom.tsv")], project)
    assert [f.rule for f in findings] == ["broad-narrow-cycle"]  # reported on x, involves y


@pytest.mark.parametrize("name", FIXABLE_ONLY + ["truncated-row", "unknown-prefix", "cycle", "tab-in-field"])
def test_fix(name, project, tmp_path, capsys):
    tree = _copy(name, tmp_path)
    before = _rows(tree)
    remaining_before = [(_tuple(f, tree)) for f in chk.check_tree(tree, project).findings if not f.fixable]
    rc = cli_main(["check", str(tree), "--fix"])
    after_findings = chk.check_tree(tree, project).findings
    assert [f for f in after_findings if f.fixable] == [], "\n".join(f.render() for f in after_findings)
    assert sorted(_tuple(f, tree) for f in after_findings) == sorted(remaining_before) or name == "truncated-row"
    if name in FIXABLE_ONLY:
        assert rc == 0 and after_findings == []
        assert _rows(tree) == before  # rows: same content, only order/format changed
        if name == "stale-sources-prefix":  # the sources' namespace follows the project, like the rest
            xw = (tree / XW).read_text(encoding="utf-8")
            assert f"#  CRMSRC: {project.base_iri}sources/\n" in xw and "old.example.org" not in xw
        elif name != "codeowners":
            xw = (tree / XW).read_bytes()
            assert xw == (FIX / "valid" / XW).read_bytes()  # back to the canonical bytes
    else:
        assert rc == 1
    # a second --fix changes nothing
    snapshot = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    cli_main(["check", str(tree), "--fix"])
    assert snapshot == {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}


def test_fix_codeowners_block(project, tmp_path):
    tree = _copy("codeowners", tmp_path)
    assert cli_main(["check", str(tree), "--fix"]) == 0
    text = (tree / "CODEOWNERS").read_text()
    assert text.startswith("# fixture\n/standards/ @crm-vocab/somebody-else\n")  # hand-written lines kept
    assert text.rstrip().endswith(chk.CODEOWNERS_END)
    lines = [ln.split() for ln in text.splitlines()]
    assert ["/standards/x.yaml", "@crm-vocab/x"] in lines and ["/crosswalks/x.sssom.tsv", "@crm-vocab/x"] in lines


def test_codeowners_matching():
    m = chk._co_match
    assert m("*", "mappings/standards/x.yaml")
    assert m("/mappings/standards/x.yaml", "mappings/standards/x.yaml")
    assert m("/mappings/", "mappings/standards/x.yaml") and m("mappings/", "mappings/standards/x.yaml")
    assert m("*.yaml", "mappings/standards/x.yaml")
    assert m("standards/", "mappings/standards/x.yaml")  # no slash inside: matches at any depth
    assert not m("/mappings/*.yaml", "mappings/standards/x.yaml")
    assert m("/mappings/**/x.yaml", "mappings/standards/x.yaml")
    assert not m("/standards/x.yaml", "mappings/standards/x.yaml")


def test_project_codeowners_lists_every_catalogue(project):
    """The repository's CODEOWNERS gives each catalogue's files to its owner_team."""
    tr = read_tree(Tree(project.mappings_dir), project, lambda f: None)
    findings = chk.codeowners_findings(project.mappings_dir, project, tr)
    assert findings == [], "run: crm-vocab check --fix\n" + "\n".join(f.render() for f in findings)


def test_loader_is_strict_only_on_errors(project, tmp_path):
    data = load_mapping_data(project, FIX / "valid-two-schemes")
    assert sorted(data.catalogues) == ["x", "y"]
    assert data.expand("XS:R1.1") == project.standard_base("x", "1") + "R1.1"
    assert data.expand("HC:ENV-01") == project.criterion_iri("ENV-01")
    assert data.requirement_for("YS:Q1").title == "Workforce"
    assert data.criterion_for("HC:LAB-01").label == "No child labour"
    rows = list(data.mappings())
    assert [m.line for m in data.crosswalks["x"].mappings] == [14, 15, 16, 17, 18]
    gaps = [m for m in rows if m.is_gap]
    assert len(gaps) == 4 and all(m.comment for m in gaps)
    assert sum(m.recognises for m in rows) == 5
    # formatting problems do not stop the build (IRIs come from the project, not the stale curie_map)
    for name in ("bom", "crlf", "stale-base-iri", "row-order", "column-order"):
        d = load_mapping_data(project, FIX / name)
        assert d.expand("XS:R2") == project.standard_base("x", "1") + "R2"
        assert {m.subject_id for m in d.mappings()} == {"XS:R1.1", "XS:R2", "XS:R3", "XS:R4", "sssom:NoTermFound"}
    # errors do, with file:line and the fix
    with pytest.raises(BuildError) as ei:
        load_mapping_data(project, FIX / "unknown-subject")
    assert ei.value.where.endswith("unknown-subject/crosswalks/x.sssom.tsv:15")
    assert "unknown-subject" in ei.value.message and "R2x" in ei.value.hint


def test_reader_agrees_with_sssom_py(project):
    """Cross-check our reader against sssom-py on the valid fixtures (ids, predicates, modifiers)."""
    parsers = pytest.importorskip("sssom.parsers")
    for name in ("x", "y"):
        path = FIX / "valid-two-schemes" / "crosswalks" / f"{name}.sssom.tsv"
        msdf = parsers.parse_sssom_table(str(path))
        df = msdf.df.fillna("")
        theirs = sorted(
            (r["subject_id"], r["predicate_id"], str(r.get("predicate_modifier", "")).replace("nan", ""), r["object_id"], round(float(r["confidence"]), 3))
            for _, r in df.iterrows()
        )
        data = load_mapping_data(project, FIX / "valid-two-schemes")
        ours = sorted((m.subject_id, m.predicate_id, m.predicate_modifier, m.object_id, m.confidence) for m in data.crosswalks[name].mappings)
        theirs = [(s, p, "Not" if "Not" in mod or "Negated" in mod else "", o, c) for s, p, mod, o, c in theirs]
        assert ours == theirs


def test_metadata_slots_match_sssom_schema():
    """Our list of allowed metadata keys / columns is the SSSOM schema's."""
    import importlib.util

    import yaml

    from untp_crm_vocab import mappingdata as md

    spec = importlib.util.find_spec("sssom_schema")
    assert spec is not None and spec.submodule_search_locations, "sssom_schema (a dependency of sssom) is not installed"
    schema = Path(list(spec.submodule_search_locations)[0]) / "schema" / "sssom_schema.yaml"
    s = yaml.safe_load(schema.read_text(encoding="utf-8"))
    assert set(md.SSSOM_SET_SLOTS) == set(s["classes"]["mapping set"]["slots"]) - {"mappings"}
    assert set(md.SSSOM_MAPPING_SLOTS) == set(s["classes"]["mapping"]["slots"])
    assert set(COLUMNS) <= set(md.SSSOM_MAPPING_SLOTS)


def _mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:
            del b[pos: pos + rng.randint(1, 40)]
        elif op == 1:
            b[pos:pos] = rng.choice([b"\t", b"\n", b"\r\n", b'"', b"#", b":", b" ", b"|", b"\xef\xbb\xbf", b"\xff", b"\x00", b"[", b"{", b"- ", b"&a", b"*a", b"!!python/object:os.system"])
        elif op == 2:
            b = b[:pos]  # truncate
        elif op == 3 and b:
            lines = bytes(b).split(b"\n")
            i = rng.randrange(len(lines))
            lines.insert(i, lines[rng.randrange(len(lines))])
            b = bytearray(b"\n".join(lines))
        elif op == 4 and b:
            lines = bytes(b).split(b"\n")
            rng.shuffle(lines)
            b = bytearray(b"\n".join(lines))
        elif op == 5 and b:
            b[pos % len(b)] = rng.randrange(256)
        elif op == 6:
            b = bytearray(bytes(b).replace(b"\t", b"    ", 1))
        elif op == 7:
            b = bytearray(bytes(b).replace(b"skos:", rng.choice([b"skos:", b"sko:", b""]), 2))
        elif op == 8:
            b = bytearray(bytes(b).replace(b"HC:", b"XS:", 1))
    return bytes(b)


@pytest.mark.parametrize("target", [XW, CAT, "criteria.yaml", "curators.tsv", "crosswalks/y.sssom.tsv"])
def test_fuzz_never_a_traceback(target, project, tmp_path, capsys):
    """Random mutations of every kind of file: check, --fix and the loader report, never crash."""
    rng = random.Random(f"crm-vocab-{target}")
    src = _copy("valid-two-schemes", tmp_path / "src")
    original = (src / target).read_bytes()
    for i in range(60):
        tree = tmp_path / f"t{i}"
        shutil.copytree(src, tree)
        (tree / target).write_bytes(_mutate(original, rng))
        res = chk.check_tree(tree, project)
        assert all(f.rule in chk.RULES for f in res.findings), [f.rule for f in res.findings]
        rc = cli_main(["check", str(tree), "--fix", "--format", "json"])
        assert rc in (0, 1)
        doc = json.loads(capsys.readouterr().out)
        # --fix repaired everything it calls fixable ...
        assert [f for f in doc["findings"] if f["fixable"]] == [], doc["findings"]
        # ... and is idempotent
        snapshot = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
        cli_main(["check", str(tree), "--fix", "--format", "json"])
        capsys.readouterr()
        assert snapshot == {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
        try:
            load_mapping_data(project, tree)
        except BuildError as e:
            assert e.where and e.hint
        shutil.rmtree(tree)


def test_list_rules(capsys):
    assert cli_main(["check", "--list-rules"]) == 0
    out = capsys.readouterr().out
    assert "broad-narrow-cycle" in out and "unknown-prefix" in out


def test_real_mapping_data_is_clean(project):
    xw = project.crosswalks_dir
    assert any(xw.glob("*.sssom.tsv")), "mappings/crosswalks/ has no crosswalk"
    findings, _ = chk.check_paths([str(project.mappings_dir)], project)
    assert findings == [], "\n".join(f.render() for f in findings)


def test_ci_and_pre_commit_run_the_check():
    """The pull-request workflow and the pre-commit hooks call `crm-vocab check` with arguments the CLI accepts."""
    import shlex

    import yaml

    from untp_crm_vocab.cli import build_parser

    wf = yaml.safe_load((REPO / ".github" / "workflows" / "mapping-checks.yml").read_text(encoding="utf-8"))
    assert "pull_request" in wf[True] if True in wf else "pull_request" in wf["on"]  # YAML 1.1 reads `on` as True
    runs = [s.get("run", "") for s in wf["jobs"]["check"]["steps"]]
    assert any("pip install -e ." in r for r in runs)
    assert "crm-vocab check mappings/ --format text" in runs
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    cfg = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = [shlex.split(h["entry"]) + h.get("args", []) for h in hooks]
    entries += [shlex.split(h["entry"]) for r in cfg["repos"] for h in r["hooks"]]
    for argv in entries:
        if argv[0] == "python":  # this repository's own hook runs the CLI from source (tools/crm-vocab-from-source)
            argv = argv[1:]
        assert argv[0].endswith(("crm-vocab", "crm-vocab-from-source")) and argv[1] == "check"
        args = build_parser().parse_args(argv[1:])
        assert args.command == "check" and args.paths == ["mappings/"]


def test_sources_namespace_in_rdf_follows_the_project(project):
    """A crosswalk's CRMSRC: sources become IRIs in the project's own namespace, whatever the
    file's (stale) curie_map says."""
    from untp_crm_vocab.crosswalk_rdf import crosswalk_graph

    md = load_mapping_data(project, FIX / "stale-sources-prefix")
    g, _ = crosswalk_graph(project, md, "x")
    sources = {str(o) for _, p, o in g if str(p).endswith(("subject_source", "object_source"))}
    assert sources == {f"{project.base_iri}sources/x-1", f"{project.base_iri}sources/hc"}
