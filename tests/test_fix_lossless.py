"""``check --fix`` is lossless: it may change whitespace (BOM, line ends, blank lines, spaces around
cells and at line ends), the order of rows and of columns, and the values of ``curie_map`` entries
and ``mapping_set_id``, and add what is missing; every other byte of every file survives. The
probe found free ``#`` comment lines among the rows or in the metadata block deleted and a
comment cell starting with a quote rewritten.

``tokens`` is the invariant: per file, the multiset of what a fix may not change -- each line's
non-whitespace characters (for a TSV row: per cell, in any order), free comment lines whole, and
for a fixable metadata entry only its key and any comment after it. The fixed file must hold every
token of the original. Checked over every fixture tree in tests/fixtures/ and over seeded
mutations that add comments, quotes and whitespace in the places the probe used."""
from __future__ import annotations

import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from untp_crm_vocab import check as chk

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TREES = sorted({p.parent for p in FIXTURES.rglob("criteria.yaml")} | {p.parent.parent for p in FIXTURES.rglob("crosswalks/*.tsv")})
FIXABLE_KEYS = ("mapping_set_id",)


def _squeeze(s: str) -> str:
    return "".join(s.split())


def tokens(path: Path, data: bytes) -> Counter:
    text = data.decode("utf-8", errors="surrogateescape")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    out: Counter = Counter()
    if path.name == "CODEOWNERS":
        inside = False
        for ln in text.split("\n"):
            if ln.strip() == chk.CODEOWNERS_BEGIN:
                inside = True
            elif ln.strip() == chk.CODEOWNERS_END:
                inside = False
            elif not inside and ln.strip():
                out[("line", _squeeze(ln))] += 1
        return out
    if not path.name.endswith(".sssom.tsv"):
        for ln in text.split("\n"):
            if ln.strip():
                out[("line", _squeeze(ln))] += 1
        return out
    in_cmap = False
    for ln in text.split("\n"):
        if not ln.strip():
            continue
        if not ln.startswith("#"):
            cells = sorted(c for c in (_squeeze(p) for p in ln.split("\t")) if c)
            if cells:
                out[("row", tuple(cells))] += 1
            continue
        body = ln[1:]
        m = re.match(r"(\s*)([^\s#:][^:]*?):(?:\s+(.*?))?\s*$", body)
        if body.strip().startswith("#") or not body.strip():  # a free comment (YAML ignores it): kept whole
            out[("line", _squeeze(ln))] += 1
            continue
        if m is None:  # not a key: kept whole
            out[("line", _squeeze(ln))] += 1
            in_cmap = in_cmap and body[:1].isspace()
            continue
        indent, key, rest = m.group(1), m.group(2), m.group(3) or ""
        if not indent:
            in_cmap = key == "curie_map"
        fixable = (not indent and key in FIXABLE_KEYS + ("curie_map",)) or (indent and in_cmap)
        if fixable:
            comment = re.search(r"(?:^|\s)#(.*)", rest)
            out[("entry", key.strip(), _squeeze(comment.group(1)) if comment else "")] += 1
        else:
            out[("line", _squeeze(ln))] += 1
    return out


def files_of(tree: Path) -> dict[str, bytes]:
    return {p.relative_to(tree).as_posix(): p.read_bytes() for p in sorted(tree.rglob("*")) if p.is_file()}


def assert_lossless(before: dict[str, bytes], tree: Path) -> None:
    after = files_of(tree)
    assert set(before) <= set(after), "a file disappeared"
    for rel, data in before.items():
        lost = tokens(Path(rel), data) - tokens(Path(rel), after[rel])
        assert not lost, f"{rel}: --fix lost {sorted(lost)}\n--- before\n{data.decode('utf-8', 'replace')}\n--- after\n{after[rel].decode('utf-8', 'replace')}"


def _fix(tree: Path, project):
    chk.check_paths([str(tree)], project, fix=True)


def _tree_copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("src", TREES, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fix_keeps_every_non_fixable_byte_of_every_fixture(src, project, tmp_path):
    tree = _tree_copy(src, tmp_path / "t")
    before = files_of(tree)
    _fix(tree, project)
    assert_lossless(before, tree)


XW = """#curie_map:
#  CRMCUR: https://vocabulary.uncefact.org/untp/crm/curators/
## the next prefix is the catalogue's
#  HC: https://vocabulary.uncefact.org/untp/crm/criteria/
#  XS: https://old.example.org/standards/x/1/   # stale: --fix sets it
#mapping_set_id: https://old.example.org/crosswalks/x  # stale
#mapping_set_title: X to the harmonised criteria (test fixture)
## a free comment inside the metadata block
#license: https://creativecommons.org/licenses/by/4.0/
#subject_source: https://vocabulary.uncefact.org/untp/crm/standards/x/1/
#subject_source_version: X Standard v1 (2024)
#object_source: https://vocabulary.uncefact.org/untp/crm/criteria/
#object_source_version: 0.0.1
#mapping_date: 2026-01-15
subject_id	subject_label	predicate_id	predicate_modifier	object_id	object_label	mapping_justification	author_id	reviewer_id	confidence	comment
XS:R2	Child and Forced Labour	skos:broadMatch		HC:LAB-01	No child labour	semapv:ManualMappingCuration	CRMCUR:fixture		0.9	"[V] also" prohibits "forced" labour.
# a reviewer's note about the next row
XS:R1.1	GHG Emissions	skos:exactMatch		HC:ENV-01	GHG inventory and reduction	semapv:ManualMappingCuration	CRMCUR:fixture	CRMCUR:reviewer	0.9	 [V] same scope.
XS:R3	Safety Culture	skos:narrowMatch		HC:OHS-01	Worker health and safety	semapv:ManualMappingCuration	CRMCUR:fixture		0.6	"[R] behaviour ""programme"" only"
# a trailing note
"""


def test_the_probes_cases(project, tmp_path):
    """Free comment lines among the rows and in the metadata block, a stale curie_map entry and
    mapping_set_id with comments after them, comment cells starting with a quote, rows to sort."""
    tree = _tree_copy(FIXTURES / "mappings" / "valid", tmp_path / "t")
    xw = tree / "crosswalks" / "x.sssom.tsv"
    xw.write_text(XW, encoding="utf-8")
    before = files_of(tree)
    _fix(tree, project)
    assert_lossless(before, tree)
    text = xw.read_text(encoding="utf-8")
    assert "## the next prefix is the catalogue's\n" in text and "## a free comment inside the metadata block\n" in text
    assert "#  XS: https://vocabulary.uncefact.org/untp/crm/standards/x/1/   # stale: --fix sets it\n" in text
    assert "#mapping_set_id: https://vocabulary.uncefact.org/untp/crm/crosswalks/x  # stale\n" in text
    assert '\t"[V] also" prohibits "forced" labour.\n' in text  # byte-exact
    assert '\t"[R] behaviour ""programme"" only"\n' in text
    rows = [ln for ln in text.split("\n") if ln.startswith(("XS:", "# a reviewer"))]
    assert rows[0] == "# a reviewer's note about the next row" and rows[1].startswith("XS:R1.1") \
        and rows[2].startswith("XS:R2")  # sorted; the note moved with the row it precedes
    assert text.endswith("# a trailing note\n")
    # the fix is complete and idempotent
    assert not [f for f in chk.check_tree(tree, project).findings if f.fixable]
    snapshot = files_of(tree)
    _fix(tree, project)
    assert files_of(tree) == snapshot


# ---- mutations ---------------------------------------------------------------------------------
COMMENTS = ["# note", "## yaml comment", "#  # indented yaml comment", "#", "# \"quoted\" note", "#\tcomment with a tab"]
CELLS = ['"quoted" start', '"fully quoted"', '""', '"', '"a""b"', '" spaced "', '"a\tb"', 'x "y" z', "  padded  ",
         '"unterminated', "tab\tinside", "ünïcödé", "\u00a0nbsp\u00a0"]


def _mutate_crosswalk(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    n_head = next(i for i, ln in enumerate(lines) if ln and not ln.startswith("#"))
    for _ in range(rng.randint(1, 5)):
        op = rng.randrange(8)
        body = range(n_head + 1, max(n_head + 2, len(lines) - 1))
        if op == 0:  # a comment among the rows
            lines.insert(rng.choice(list(body)), rng.choice(COMMENTS))
        elif op == 1:  # a comment in the metadata block
            lines.insert(rng.randrange(0, n_head + 1), rng.choice(COMMENTS))
            n_head += 1
        elif op == 2:  # a cell replaced by something with quotes or whitespace
            i = rng.choice(list(body))
            if i < len(lines) and lines[i] and not lines[i].startswith("#"):
                cells = lines[i].split("\t")
                cells[rng.randrange(len(cells))] = rng.choice(CELLS)
                lines[i] = "\t".join(cells)
        elif op == 3:  # rows out of order
            rows = lines[n_head + 1:]
            rng.shuffle(rows)
            lines[n_head + 1:] = rows
        elif op == 4:  # spaces around a cell
            i = rng.choice(list(body))
            if i < len(lines) and lines[i] and not lines[i].startswith("#"):
                cells = lines[i].split("\t")
                j = rng.randrange(len(cells))
                cells[j] = rng.choice([" ", "  ", "\t"[:0] + " "]) + cells[j] + rng.choice(["", " "])
                lines[i] = "\t".join(cells)
        elif op == 5:  # a stale curie_map value with a comment after it
            for k, ln in enumerate(lines[:n_head]):
                if ln.startswith("#  XS:"):
                    lines[k] = "#  XS: https://stale.example.org/x/  # was here"
        elif op == 6:  # blank lines and trailing whitespace
            i = rng.randrange(len(lines))
            lines.insert(i, rng.choice(["", "   ", "\t"]))
            if i <= n_head:
                n_head += 1
        else:  # columns swapped (header and every row alike)
            a, b = rng.sample(range(11), 2)
            for k in range(n_head, len(lines)):
                cells = lines[k].split("\t")
                if len(cells) == 11 and not lines[k].startswith("#"):
                    cells[a], cells[b] = cells[b], cells[a]
                    lines[k] = "\t".join(cells)
    out = "\n".join(lines)
    if rng.random() < 0.2:
        out = out.replace("\n", "\r\n")
    if rng.random() < 0.1:
        out = "\ufeff" + out
    return out


def test_fix_is_lossless_on_mutated_crosswalks(project, tmp_path):
    rng = random.Random(20261201)
    src = FIXTURES / "mappings" / "valid-two-schemes"
    original = (src / "crosswalks" / "x.sssom.tsv").read_text(encoding="utf-8")
    for i in range(80):
        tree = _tree_copy(src, tmp_path / f"t{i}")
        (tree / "crosswalks" / "x.sssom.tsv").write_bytes(_mutate_crosswalk(original, rng).encode("utf-8"))
        before = files_of(tree)
        _fix(tree, project)
        assert_lossless(before, tree)
        snapshot = files_of(tree)
        _fix(tree, project)  # idempotent
        assert files_of(tree) == snapshot, i
        shutil.rmtree(tree)


CURIE_MAP_FORMS = {
    "empty": "#curie_map:\n",
    "null": "#curie_map: null\n",
    "tilde-with-comment": "#curie_map: ~  # to fill in\n",
    "flow-one-line": "#curie_map: {HC: https://stale.example/}  # one line\n",
    "flow-empty": "#curie_map: {}\n",
    "flow-two-lines": "#curie_map: {HC: https://stale.example/,\n#  XS: https://vocabulary.uncefact.org/untp/crm/standards/x/1/}\n",
    "absent": "",
    "quoted-values": '#curie_map:\n#  CRMCUR: "https://stale/"\n#  HC: \'https://stale2/\'\n'
                     "#  XS: https://vocabulary.uncefact.org/untp/crm/standards/x/1/\n",
    "unsorted-deeper": "#curie_map:\n#    XS: https://vocabulary.uncefact.org/untp/crm/standards/x/1/\n## HC next\n"
                       "#    HC: https://stale.example/\n",
}


@pytest.mark.parametrize("form", sorted(CURIE_MAP_FORMS))
def test_every_form_of_curie_map_is_fixed_in_place(form, project, tmp_path):
    tree = _tree_copy(FIXTURES / "mappings" / "valid", tmp_path / "t")
    xw = tree / "crosswalks" / "x.sssom.tsv"
    text = xw.read_text(encoding="utf-8")
    xw.write_text(CURIE_MAP_FORMS[form] + text[text.index("#mapping_set_id"):], encoding="utf-8")
    before = files_of(tree)
    _fix(tree, project)
    assert_lossless(before, tree)
    left = chk.check_tree(tree, project).findings
    assert not [f for f in left if f.fixable]
    if form == "flow-two-lines":  # a flow mapping over two lines gets no new entry: said so, by hand
        assert [f.rule for f in left] == ["curie-map"] and "by hand" not in left[0].fix and "#  PREFIX: IRI" in left[0].fix
    else:
        assert left == [], [f.render() for f in left]


def test_raw_cells_give_the_line_back_and_csv_values():
    """split_tsv_raw's cells join back into the line byte for byte, and their values are what
    Python's csv module (lenient, as the reader has always used it) reads: 20,000 seeded lines
    of tabs, quotes, spaces and text."""
    import csv

    from untp_crm_vocab.mappingdata import split_tsv_line, split_tsv_raw, tsv_cell_value

    rnd = random.Random(7)
    for _ in range(20_000):
        line = "".join(rnd.choice('ab"\t "') for _ in range(rnd.randint(1, 14)))
        raw = split_tsv_raw(line)
        assert "\t".join(raw) == line
        want = next(csv.reader([line], delimiter="\t", quotechar='"', strict=False))
        assert [tsv_cell_value(c) for c in raw] == split_tsv_line(line) == want, (line, raw, want)
