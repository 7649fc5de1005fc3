"""``crm-vocab check [PATH...] [--fix] [--format text|json]``: the pull-request checks for mapping
files (GUIDE section 3, DEVELOPING.md "Mapping files").

PATH is a mappings tree (a folder holding criteria.yaml, standards/, crosswalks/, curators.tsv;
default: the project's ``mappings/``) or any file or folder inside one; findings are listed for
the files under PATH, checked against the whole tree. Every finding names the file, line, column
or field, a rule id, the problem and the fix. ``--fix`` rewrites only what is safe (BOM, CRLF,
trailing whitespace, blank lines, row and column order, curie_map and mapping_set_id derived from
the project base IRI, the generated CODEOWNERS block) and never changes a row's content.

Exit codes: 0 clean, 1 findings, 2 unusable input (a PATH that does not exist or is not in a
mappings tree).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .mappingdata import (
    BROAD, COLUMNS, CRITERIA_PREFIX, ERROR, EXACT, NARROW, NO_TERM_FOUND, RELATED, REPORT,
    SSSOM_MAPPING_SLOTS, STYLE, Finding, Mapping, RawCrosswalk, Tree, TreeRead, _s, editable_value,
    expected_curie_map, read_tree, strip_would_requote,
)

#: every rule id, with the short description `--list-rules` prints (and the docs use)
RULES: dict[str, str] = {
    # reading
    "unreadable": "the file cannot be read",
    "file-too-large": "a mapping file larger than 50 MB (not read)",
    "encoding": "not UTF-8, or NUL characters",
    "bom": "UTF-8 byte-order mark (fixable)",
    "crlf": "CRLF or CR line ends (fixable)",
    "trailing-whitespace": "spaces/tabs at a line end, or empty fields past the last column (fixable)",
    "final-newline": "last line has no line end (fixable)",
    "blank-line": "blank line in a TSV file (fixable)",
    "empty-file": "the file is empty",
    "missing-file": "criteria.yaml or curators.tsv is missing",
    "file-name": "a file is not named as the layout requires",
    "symlink-outside": "a mapping file that is a symlink leading out of the mappings folder (not read)",
    "yaml-syntax": "YAML (a catalogue, the criteria or a metadata block) does not parse",
    "yaml-alias": "YAML aliases (*name) in a mapping file (an alias bomb expands a few bytes into billions of values)",
    "duplicate-key": "a YAML key appears twice in one mapping",
    "structure": "the YAML is not laid out as DEVELOPING.md says",
    # crosswalk metadata and columns
    "missing-metadata": "no metadata block, or a required metadata key is missing",
    "unknown-metadata": "a metadata key that is not an SSSOM mapping-set slot",
    "invalid-metadata": "a metadata value of the wrong form",
    "curie-map": "curie_map lacks a prefix or disagrees with the project base IRI (fixable)",
    "builtin-prefix": "curie_map redefines an SSSOM built-in prefix",
    "mapping-set-id": "mapping_set_id is not <base>crosswalks/<scheme> (fixable)",
    "license": "the licence is not CC BY 4.0",
    "source-version": "subject/object_source_version differs from the catalogue / criteria version",
    "no-catalogue": "a crosswalk without standards/<scheme>.yaml",
    "missing-columns": "no column header row (truncated file)",
    "missing-column": "a required column is missing",
    "duplicate-column": "a column appears twice",
    "unknown-column": "a column that is neither an SSSOM slot nor a declared extension",
    "column-order": "columns not in canonical order (fixable)",
    "no-rows": "a header but no rows",
    "stray-comment": "a '#' line after the metadata block",
    # rows
    "column-count": "a row with more or fewer fields than the header (tab inside a field, cut-off row)",
    "field-whitespace": "spaces around a field value (fixable)",
    "missing-value": "an empty subject_id, object_id or author_id",
    "invalid-curie": "an identifier that is not a CURIE",
    "unknown-prefix": "a CURIE whose prefix is not declared in curie_map",
    "wrong-scheme": "a subject from another scheme than the crosswalk's",
    "unknown-subject": "a subject that is not in the scheme's catalogue",
    "unknown-object": "an object that is not a harmonised criterion nor sssom:NoTermFound",
    "label-mismatch": "subject_label / object_label differs from the catalogue / criteria",
    "invalid-predicate": "a predicate other than the five SKOS mapping properties",
    "invalid-modifier": "predicate_modifier other than empty or Not",
    "gap-row": "a malformed sssom:NoTermFound row",
    "invalid-justification": "mapping_justification is not a semapv: value",
    "missing-comment": "no comment on a row that is not a plain exactMatch",
    "invalid-confidence": "confidence is not a number in [0, 1]",
    "tag-confidence": "confidence does not match the [V]/[R]/[?] tag of the comment",
    "unknown-author": "author_id not listed in curators.tsv",
    "unknown-reviewer": "reviewer_id not listed in curators.tsv",
    "unreviewed": "an exact/broad/narrow row without reviewer_id and review_date (recognition ignores it)",
    "self-review": "a row reviewed only by its own author",
    "missing-justification": "an exact/broad/narrow row whose comment cites no requirement text (`Text:`)",
    "unverified-recognition": "an exact/broad row whose comment marks it unverified or partial (it never carries \"met\")",
    "unknown-level": "subject_level that is not one of the subject catalogue's achievement levels",
    "invalid-level": "a malformed `levels:` list, or pass_level / conformance_level naming no listed level",
    # across rows and files
    "duplicate-row": "the same mapping twice",
    "negation-conflict": "one pair both asserted and negated with the same predicate",
    "exact-disjoint": "exactMatch with broadMatch or relatedMatch on one pair (SKOS disjointness)",
    "broad-narrow-conflict": "broadMatch and narrowMatch on one pair",
    "gap-conflict": "a gap row contradicted by a mapping of the same criterion / requirement",
    "broad-narrow-cycle": "broad/narrow mappings that close a loop of subsets across requirements and criteria",
    "exact-clique": "exactMatch rows that make two harmonised criteria equal",
    "row-order": "rows not sorted by (subject_id, object_id, predicate_id, predicate_modifier) (fixable)",
    "coverage": "a harmonised criterion absent from a crosswalk (neither mapped nor a gap row)",
    # catalogues and criteria
    "unknown-key": "a YAML key the layout does not have",
    "missing-key": "a required YAML key is missing or empty",
    "invalid-id": "an id that does not match its pattern",
    "invalid-slug": "a catalogue's version_slug that is not letters, digits, '.', '_' and '-'",
    "duplicate-id": "an id defined twice",
    "duplicate-prefix": "two catalogues with one CURIE prefix",
    "invalid-prefix": "a catalogue prefix that is not uppercase letters/digits, or is reserved",
    "scheme-name": "scheme slug differs from the file name or is malformed",
    "invalid-owner": "owner_team is not @org/team",
    "invalid-kind": "a requirement kind outside the list",
    "invalid-topic": "a conformity_topic that is not one of UNTP's 15 codes",
    "invalid-verification": "verification other than V, R or ?",
    "invalid-value": "a value of the wrong type",
    "unknown-parent": "a parent id that is not in the catalogue",
    "parent-cycle": "requirements that are their own ancestors",
    "invalid-curator": "a curator id that is not a CRMCUR: CURIE",
    # repository
    "codeowners": "CODEOWNERS does not give each catalogue's files to its owner_team (fixable)",
    # expected answers (mappings/expected-answers.yaml)
    "expected-answer": "recognition no longer gives a signed-off expected answer (names the rows it rests on now)",
    "expected-answers": "the expected-answers file does not parse or names an unknown scheme, requirement, level or status",
}

FORMAT_VERSION = 1  # of the --format json output

CODEOWNERS_BEGIN = "# BEGIN crm-vocab catalogues: generated from each catalogue's owner_team by `crm-vocab check --fix`; do not edit"
CODEOWNERS_END = "# END crm-vocab catalogues"
CODEOWNERS_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")  # GitHub's search order

RECOGNISING = (EXACT, BROAD, NARROW)
#: fixes that rewrite rows or the column header, so need a file whose columns and rows line up
ROW_FIXES = frozenset({"field-whitespace", "column-order", "row-order", "trailing-whitespace"})
#: findings after which a file's rows are incomplete (coverage is not reported for it)
STRUCTURAL = frozenset({"unreadable", "file-too-large", "encoding", "empty-file", "yaml-syntax", "yaml-alias", "missing-metadata", "missing-columns",
                        "missing-column", "duplicate-column", "column-count", "no-rows"})


EXIT_CODES = """exit codes:
  0  no findings
  1  findings (each says file:line:column, the rule and the fix)
  2  usage error: no such path, not a mappings tree, no project found"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="mappings tree, or files/folders inside one (default: mappings/)")
    p.add_argument("--fix", action="store_true", help="rewrite what is safe to rewrite, then check again")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--list-rules", action="store_true", help="print every rule id and exit")


# ---- locating the trees ----------------------------------------------------------------------------


def _is_tree_root(d: Path) -> bool:
    return d.is_dir() and ((d / "criteria.yaml").is_file() or (d / "standards").is_dir() or (d / "crosswalks").is_dir())


def find_tree_root(path: Path) -> Path | None:
    p = path.resolve()
    start = p if p.is_dir() else p.parent
    for d in [start, *start.parents][:4]:
        if _is_tree_root(d):
            return d
    return None


@dataclass
class Target:
    root: Path
    scopes: list[Path] = field(default_factory=list)  # resolved paths the user named

    def wants(self, f: Finding) -> bool:
        if any(s == self.root for s in self.scopes):
            return True
        paths = [f.path, *f.related]
        for p in paths:
            rp = Path(p).resolve()
            for s in self.scopes:
                if rp == s or s in rp.parents:
                    return True
        return False


def resolve_targets(paths: list[str], project) -> list[Target]:
    raw = [Path(p) for p in paths] if paths else [project.mappings_dir]
    targets: dict[Path, Target] = {}
    for p in raw:
        if not p.exists():
            raise UsageError(f"{p}: no such file or folder", hint="give a mappings folder (criteria.yaml, standards/, crosswalks/) or a file inside one")
        root = find_tree_root(p)
        if root is None:
            raise UsageError(f"{p}: not inside a mappings tree (no criteria.yaml, standards/ or crosswalks/ found)",
                             hint="run from the repository root: crm-vocab check mappings/")
        t = targets.setdefault(root, Target(root=root))
        t.scopes.append(p.resolve())
    return [targets[k] for k in sorted(targets)]


# ---- the checks ----------------------------------------------------------------------------------------


@dataclass
class CheckResult:
    root: Path
    findings: list[Finding]
    read: TreeRead | None = None


def check_tree(root: Path, project) -> CheckResult:
    """Every rule on one mappings tree. Never raises for bad input."""
    findings: list[Finding] = []
    tr = read_tree(Tree(root), project, findings.append)
    findings += cross_row_findings(tr)
    findings += order_findings(tr)
    # what --fix cannot repair in a file it may only touch byte by byte
    unsound = {p for p, raw in tr.raw.items() if not _structurally_sound(raw)}
    undecodable = {f.path for f in findings if f.rule in ("encoding", "unreadable")}
    for f in findings:
        if f.fixable and (f.path in undecodable or (f.path in unsound and f.rule in ROW_FIXES and f.column is not None)):
            f.fixable = False
            f.fix = ("repair the encoding first (save as UTF-8), then run crm-vocab check --fix" if f.path in undecodable
                     else "repair the rows/columns reported for this file first, then run crm-vocab check --fix")
    broken = {f.path for f in findings if f.rule in STRUCTURAL}
    findings += coverage_findings(tr, skip=broken)
    findings += codeowners_findings(root, project, tr)
    findings += expected_answer_findings(tr, root, project, findings)
    findings.sort(key=lambda f: (str(f.path), f.line or 0, f.column or 0, f.rule, f.message))
    return CheckResult(root=root, findings=findings, read=tr)


def _valid_rows(tr: TreeRead) -> list[Mapping]:
    """Rows whose subject and object resolve (the others are already reported)."""
    d = tr.data
    out = []
    for m in d.mappings():
        s_ok = m.subject_id == NO_TERM_FOUND or d.requirement_for(m.subject_id) is not None
        o_ok = m.object_id == NO_TERM_FOUND or d.criterion_for(m.object_id) is not None
        if s_ok and o_ok and m.predicate_id in (EXACT, BROAD, NARROW, "skos:closeMatch", RELATED) and m.predicate_modifier in ("", "Not"):
            out.append(m)
    return out


def cross_row_findings(tr: TreeRead) -> list[Finding]:
    out: list[Finding] = []
    rows = _valid_rows(tr)
    colnum = {ms.path: {c: i + 1 for i, c in enumerate(ms.columns)} for ms in tr.data.crosswalks.values()}

    def at(m: Mapping, rule, message, fix, *, field="predicate_id", related=()):
        out.append(Finding(path=m.path, line=m.line, rule=rule, message=message, fix=fix, field=field,
                           column=colnum.get(m.path, {}).get(field), related=tuple(related)))

    # duplicates, per file
    by_file: dict[Path, list[Mapping]] = defaultdict(list)
    for m in tr.data.mappings():
        by_file[m.path].append(m)
    for path, ms in by_file.items():
        seen: dict[tuple, Mapping] = {}
        for m in ms:
            k = m.sort_key
            if k in seen:
                at(m, "duplicate-row", f"same mapping as line {seen[k].line}: {m.subject_id} {m.predicate_modifier + ' ' if m.predicate_modifier else ''}{m.predicate_id} {m.object_id}",
                   "delete one of the two rows (keep the better comment)", field="subject_id")
            else:
                seen[k] = m
    # pair-level contradictions
    pairs: dict[tuple, list[Mapping]] = defaultdict(list)
    for m in rows:
        if not m.is_gap:
            pairs[(m.subject_id, m.object_id)].append(m)
    conflicted: set[tuple] = set()
    for (s, o), ms in pairs.items():
        pos = {m.predicate_id: m for m in ms if not m.negated}
        neg = {m.predicate_id: m for m in ms if m.negated}
        for p in sorted(set(pos) & set(neg)):
            later = max(pos[p], neg[p], key=lambda m: m.line)
            at(later, "negation-conflict", f"{s} {p} {o} is asserted and negated (Not) on lines {min(pos[p].line, neg[p].line)} and {later.line}",
               "keep the reviewed decision: delete the asserted or the negated row")
            conflicted.add((s, o))
        if EXACT in pos:
            for p in (BROAD, RELATED):
                if p in pos:
                    later = max(pos[EXACT], pos[p], key=lambda m: m.line)
                    at(later, "exact-disjoint", f"{s} has both skos:exactMatch and {p} to {o} (lines {min(pos[EXACT].line, pos[p].line)} and {later.line}); SKOS makes them disjoint",
                       f"keep one predicate for the pair: exactMatch if the scopes are equal, else {p}")
                    conflicted.add((s, o))
        if BROAD in pos and NARROW in pos:
            later = max(pos[BROAD], pos[NARROW], key=lambda m: m.line)
            at(later, "broad-narrow-conflict", f"{s} is both broader and narrower than {o} (lines {min(pos[BROAD].line, pos[NARROW].line)} and {later.line})",
               "if the two are equal use one skos:exactMatch row; otherwise delete the wrong direction")
            conflicted.add((s, o))
    # gaps contradicted by mappings
    for ms in tr.data.crosswalks.values():
        valid = [m for m in rows if m.path == ms.path]
        mapped_obj: dict[str, Mapping] = {}
        mapped_subj: dict[str, Mapping] = {}
        for m in valid:
            if m.recognises:
                mapped_obj.setdefault(m.object_id, m)
                mapped_subj.setdefault(m.subject_id, m)
        for m in valid:
            if m.subject_id == NO_TERM_FOUND and m.object_id in mapped_obj:
                x = mapped_obj[m.object_id]
                at(m, "gap-conflict", f"gap row says {ms.scheme} has nothing for {m.object_id}, but line {x.line} maps {x.subject_id} {x.predicate_id} {m.object_id}",
                   "delete the gap row or the mapping, whichever review rejected", field="subject_id")
            if m.object_id == NO_TERM_FOUND and m.subject_id in mapped_subj:
                x = mapped_subj[m.subject_id]
                at(m, "gap-conflict", f"gap row says {m.subject_id} has no harmonised counterpart, but line {x.line} maps it {x.predicate_id} {x.object_id}",
                   "delete the gap row or the mapping, whichever review rejected", field="object_id")
    out += _graph_findings([m for m in rows if m.recognises and (m.subject_id, m.object_id) not in conflicted], colnum)
    return out


def _graph_findings(rows: list[Mapping], colnum: dict) -> list[Finding]:
    """Subset graph over requirements and criteria (extensional reading, GUIDE section 3):
    ``a broadMatch c`` is a ⊆ c, ``a narrowMatch c`` is c ⊆ a, ``a exactMatch c`` is a = c.
    The data is bipartite (requirement -> criterion), so a loop always passes through several rows,
    usually of several crosswalks. A strongly connected component forces all its members to be
    equal; if a broad/narrow row lies inside one, that row claims a strict containment the other
    rows deny: a broad-narrow cycle."""
    if not rows:
        return []
    import networkx as nx

    out: list[Finding] = []
    g = nx.DiGraph()

    def edge(u, v, m, strict):
        if g.has_edge(u, v):
            g[u][v]["rows"].append((m, strict))
        else:
            g.add_edge(u, v, rows=[(m, strict)])

    for m in rows:
        s, o = m.subject_id, m.object_id
        if m.predicate_id == EXACT:
            edge(s, o, m, False)
            edge(o, s, m, False)
        elif m.predicate_id == BROAD:
            edge(s, o, m, True)
        elif m.predicate_id == NARROW:
            edge(o, s, m, True)
    for comp in sorted((sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1)):
        sub = g.subgraph(comp)
        strict = sorted(((m, u, v) for u, v, d in sub.edges(data=True) for m, st in d["rows"] if st),
                        key=lambda t: (str(t[0].path), t[0].line))
        if not strict:
            continue
        m, u, v = strict[0]
        back = nx.shortest_path(sub, v, u)
        cycle = [u, *back]
        used: list[Mapping] = []
        for a, b in zip(cycle, cycle[1:]):
            cands = sorted(g[a][b]["rows"], key=lambda t: (not t[1], str(t[0].path), t[0].line))
            used.append(cands[0][0])
        chain = " \u2286 ".join(cycle)
        where = ", ".join(f"{x.path.name}:{x.line} {x.subject_id} {x.predicate_id} {x.object_id}" for x in used)
        out.append(Finding(
            path=m.path, line=m.line, rule="broad-narrow-cycle", field="predicate_id", column=colnum.get(m.path, {}).get("predicate_id"),
            message=f"broad/narrow mappings form a loop of subsets, so every member would be equal: {chain} (rows: {where})",
            fix="if the scopes really are equal use skos:exactMatch; otherwise one of these rows has the wrong direction (broadMatch = the requirement is at least as demanding)",
            related=tuple(sorted({x.path for x in used})),
        ))
    # exactMatch closure joining two criteria
    eq = nx.Graph()
    for m in rows:
        if m.predicate_id == EXACT:
            eq.add_edge(m.subject_id, m.object_id, row=m)
    for comp in sorted(sorted(c) for c in nx.connected_components(eq)):
        crit = [n for n in comp if n.startswith(CRITERIA_PREFIX + ":")]
        if len(crit) < 2:
            continue
        ms = sorted((d["row"] for _, _, d in eq.subgraph(comp).edges(data=True)), key=lambda x: (str(x.path), x.line))
        m = ms[-1]
        out.append(Finding(
            path=m.path, line=m.line, rule="exact-clique", field="predicate_id", column=colnum.get(m.path, {}).get("predicate_id"),
            message=f"exactMatch rows make the criteria {', '.join(crit)} equal (through {', '.join(n for n in comp if n not in crit)}; rows "
                    + ", ".join(f"{x.path.name}:{x.line}" for x in ms) + ")",
            fix="a requirement equal to one criterion is only broader/narrower than another: change all but one exactMatch to broadMatch or narrowMatch",
            related=tuple(sorted({x.path for x in ms})),
        ))
    return out


# ---- canonical order ----------------------------------------------------------------------------------------


def canonical_columns(columns: list[str]) -> list[str]:
    """Canonical column order: the project's columns, then other SSSOM slots in schema order,
    then anything else (extensions) in its present order."""
    canon = [c for c in COLUMNS if c in columns]
    other = [c for c in SSSOM_MAPPING_SLOTS if c in columns and c not in canon]
    rest = [c for c in columns if c not in canon and c not in other]
    return canon + other + rest


def _structurally_sound(raw: RawCrosswalk) -> bool:
    if not isinstance(raw.metadata, dict) or raw.column_line is None:
        return False
    cols = [c.strip() for c in raw.columns]
    if len(set(cols)) != len(cols) or "" in cols:
        return False
    for r in raw.rows:
        if len(r.cells) < len(cols):
            return False
        if len(r.cells) > len(cols) and any(c.strip() for c in r.cells[len(cols):]):
            return False
    return True


def _row_key(cells: list[str], idx: dict[str, int]) -> tuple:
    def v(c):
        j = idx.get(c)
        return cells[j].strip() if j is not None and j < len(cells) else ""
    return (v("subject_id"), v("object_id"), v("predicate_id"), v("predicate_modifier"))


def order_findings(tr: TreeRead) -> list[Finding]:
    out = []
    for path, raw in sorted(tr.raw.items()):
        if not _structurally_sound(raw):
            continue
        cols = [c.strip() for c in raw.columns]
        want = canonical_columns(cols)
        if cols != want:
            j = next(i for i, (a, b) in enumerate(zip(cols, want)) if a != b)
            out.append(Finding(path=path, line=raw.column_line, column=j + 1, field=cols[j], rule="column-order",
                               message=f"columns are not in canonical order: column {j + 1} is {cols[j]!r}, expected {want[j]!r}",
                               fix="run crm-vocab check --fix (reorders the columns, values move with them)", fixable=True, severity=STYLE))
        idx = {c: i for i, c in enumerate(cols)}
        prev = None
        for r in raw.rows:
            k = _row_key(r.cells, idx)
            if prev is not None and k < prev[0]:
                out.append(Finding(path=path, line=r.line, column=idx.get("subject_id", 0) + 1, field="subject_id", rule="row-order",
                                   message=f"rows are not sorted by (subject_id, object_id, predicate_id, predicate_modifier): this row ({k[0]} {k[1]}) belongs before line {prev[1]} ({prev[0][0]} {prev[0][1]})",
                                   fix="run crm-vocab check --fix (sorts the rows)", fixable=True, severity=STYLE))
                break
            prev = (k, r.line)
    return out


# ---- coverage ----------------------------------------------------------------------------------------------------


def coverage_findings(tr: TreeRead, skip=frozenset()) -> list[Finding]:
    """One finding per crosswalk that lacks some criterion (files that do not parse are skipped:
    their coverage would only repeat the parse error)."""
    out = []
    crit = sorted(tr.data.criteria)
    if not crit:
        return out
    for scheme, ms in sorted(tr.data.crosswalks.items()):
        if ms.path in skip:
            continue
        present = {m.object_id for m in ms.mappings}
        missing = [c for c in crit if f"{CRITERIA_PREFIX}:{c}" not in present]
        if missing:
            shown = ", ".join(missing[:12]) + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")
            out.append(Finding(path=ms.path, line=None, rule="coverage", severity=REPORT,
                               message=f"{len(missing)} of {len(crit)} harmonised criteria appear in no row: {shown}",
                               fix="for each, map a requirement to it or add a reviewed gap row: sssom:NoTermFound skos:exactMatch HC:<id> with a comment"))
    return out


# ---- expected answers (mappings/expected-answers.yaml; untp_crm_vocab.expected) -----------------------------


def expected_answer_findings(tr: TreeRead, root: Path, project, so_far: list[Finding]) -> list[Finding]:
    """Flipped expected answers and problems of the answers file. Answers are not recomputed while
    the mapping data has errors (they would flip for the wrong reason)."""
    from .expected import expected_findings

    return expected_findings(tr, root, project, skip=any(f.severity == ERROR for f in so_far))


# ---- CODEOWNERS ----------------------------------------------------------------------------------------------


def repo_root_for(root: Path, project) -> Path:
    """The repository a tree belongs to: the project for its own mappings/, else the tree itself."""
    try:
        if root.resolve() == project.mappings_dir.resolve():
            return project.root
    except OSError:
        pass
    return root


def find_codeowners(repo: Path) -> Path | None:
    for loc in CODEOWNERS_LOCATIONS:
        if (repo / loc).is_file():
            return repo / loc
    return None


def codeowners_entries(tr: TreeRead, repo: Path) -> list[tuple[str, str]]:
    out = []
    for scheme, cat in sorted(tr.data.catalogues.items()):
        if not cat.owner_team:
            continue
        files = [cat.path]
        xw = cat.path.parent.parent / "crosswalks" / f"{scheme}.sssom.tsv"
        files.append(xw)
        for f in files:
            try:
                rel = f.resolve().relative_to(repo.resolve()).as_posix()
            except ValueError:
                continue
            out.append(("/" + rel, cat.owner_team))
    return out


def _glob_re(pat: str) -> "re.Pattern":
    out, i = [], 0
    while i < len(pat):
        if pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif pat[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pat[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pat[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _co_match(pattern: str, rel: str) -> bool:
    """GitHub CODEOWNERS (gitignore-like) matching of a file path: a slash at the start or in the
    middle anchors the pattern at the root; a trailing slash matches folders only; a pattern that
    matches a parent folder matches everything in it."""
    if pattern in ("*", "**", "/*", "/**"):
        return True
    dir_only = pattern.endswith("/")
    anchored = "/" in pattern.rstrip("/")
    rx = _glob_re(pattern.strip("/"))
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        if dir_only and i == len(parts):
            continue
        cand = "/".join(parts[:i]) if anchored else parts[i - 1]
        if rx.match(cand):
            return True
    return False


def parse_codeowners(text: str) -> list[tuple[int, str, list[str]]]:
    rules = []
    for i, ln in enumerate(text.split("\n"), 1):
        s = ln.strip()
        if not s or s.startswith("#"):
            continue
        parts = s.split()
        rules.append((i, parts[0], parts[1:]))
    return rules


def codeowners_findings(root: Path, project, tr: TreeRead) -> list[Finding]:
    repo = repo_root_for(root, project)
    entries = codeowners_entries(tr, repo)
    co = find_codeowners(repo)
    if co is None:
        if repo != project.root or not entries:
            return []  # a stand-alone tree without CODEOWNERS: nothing to enforce
        return [Finding(path=repo / "CODEOWNERS", line=None, rule="codeowners", fixable=True, severity=STYLE,
                        message="CODEOWNERS is missing: catalogue owners are not asked to review their files",
                        fix="run crm-vocab check --fix (writes CODEOWNERS from each catalogue's owner_team)")]
    try:
        text = co.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
    except OSError:
        return []
    rules = parse_codeowners(text)
    out = []
    for rel, team in entries:
        hit = None
        for line, pat, owners in rules:
            if _co_match(pat, rel.lstrip("/")):
                hit = (line, pat, owners)
        if hit is None or team not in hit[2]:
            got = f"line {hit[0]} gives it to {' '.join(hit[2]) or 'nobody'}" if hit else "no line matches it"
            out.append(Finding(path=co, line=hit[0] if hit else None, rule="codeowners", fixable=True, severity=STYLE,
                               field=rel, message=f"{rel} should be owned by {team} (its catalogue's owner_team); {got}",
                               fix="run crm-vocab check --fix (regenerates the CODEOWNERS block)"))
    return out


def render_codeowners(text: str | None, entries: list[tuple[str, str]]) -> str:
    lines = [] if not text else text.replace("\r\n", "\n").split("\n")
    keep, inside = [], False
    for ln in lines:
        if ln.strip() == CODEOWNERS_BEGIN:
            inside = True
            continue
        if ln.strip() == CODEOWNERS_END and inside:
            inside = False
            continue
        if not inside:
            keep.append(ln)
    while keep and not keep[-1].strip():
        keep.pop()
    if not keep:
        keep = ["# Code owners: GitHub asks these teams to review changes to their files.",
                "# The last matching line wins, so the generated block stays at the end."]
    width = max((len(p) for p, _ in entries), default=0)
    block = [CODEOWNERS_BEGIN, *(f"{p.ljust(width)} {t}" for p, t in entries), CODEOWNERS_END]
    return "\n".join(keep + [""] + block) + "\n"


# ---- --fix ------------------------------------------------------------------------------------------------------


def _normalise_text(path: Path) -> tuple[str | None, bytes | None]:
    try:
        data = path.read_bytes()
    except OSError:
        return None, None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, None
    return text.replace("\r\n", "\n").replace("\r", "\n"), data


def _fix_yaml_file(path: Path) -> bool:
    text, _ = _normalise_text(path)
    if text is None:
        return False
    new = "\n".join(ln.rstrip(" \t") for ln in text.split("\n"))
    if new and not new.endswith("\n"):
        new += "\n"
    return _write_if_changed(path, new)


def _fix_curators(path: Path) -> bool:
    text, _ = _normalise_text(path)
    if text is None:
        return False
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return _write_if_changed(path, "\n".join(lines) + "\n" if lines else "")


def _write_if_changed(path: Path, text: str) -> bool:
    from .fsutil import write_text_atomic

    try:
        if path.read_bytes() == text.encode("utf-8"):
            return False
    except OSError:
        return False
    write_text_atomic(path, text)
    return True


def _fix_header(raw: RawCrosswalk, project, catalogue, scheme: str) -> list[str]:
    """The metadata lines with trailing whitespace stripped, and curie_map and mapping_set_id set
    from the project. Lossless by construction: a wrong value is replaced where it stands (its
    quotes, and whatever follows it on the line, comments included, stay), a missing curie_map
    entry is a new line after the last one (or a new block at the top), and every other line --
    free ``#`` comments among them -- is kept as it is."""
    lines = [ln.rstrip(" \t") for _, ln in raw.header_lines]
    meta = raw.metadata if isinstance(raw.metadata, dict) else None
    if meta is None:
        return lines
    at = {ln_no: i for i, (ln_no, _) in enumerate(raw.header_lines)}
    first = raw.meta_line_offset + 1  # the file line of the metadata YAML's line 0

    def index(mark) -> int | None:
        return at.get(mark.line + first)

    edits: list[tuple[int, int, int, str]] = []  # (header index, start column, end column, new text)
    inserts: list[tuple[int, list[str]]] = []  # (header index to insert before, lines)

    def replace_value(d, key, value: str) -> None:
        if not editable_value(d, key):
            return  # reported as not fixable by the check
        start, end, style = d.value_marks[key]
        i = index(start)
        if i is None:
            return
        quote = style if style in ("'", '"') else ""
        edits.append((i, start.column + 1, end.column + 1, f"{quote}{value}{quote}"))

    want = expected_curie_map(project, catalogue, meta)
    cmap = meta.get("curie_map")
    if "curie_map" not in meta:
        inserts.append((0, ["#curie_map:"] + [f"#  {k}: {v}" for k, v in sorted(want.items())]))
    elif isinstance(cmap, dict) or cmap is None:
        current = {str(k): (_s(v) or "") for k, v in (cmap or {}).items()}
        missing = {k: v for k, v in sorted(want.items()) if k not in current}
        wrong = [k for k in current if k in want and current[k] != want[k]]
        start, end, style = meta.value_marks["curie_map"]
        one_line_flow = style == "flow" and start.line == end.line and index(start) is not None
        if one_line_flow:  # {A: x} on one line: the whole mapping, written again on that line
            if missing or wrong:
                merged = {**current, **want}
                edits.append((index(start), start.column + 1, end.column + 1,
                              "{" + ", ".join(f"{k}: {v}" for k, v in merged.items()) + "}"))
        elif isinstance(cmap, dict):
            for k in wrong:
                replace_value(cmap, next(x for x in cmap if str(x) == k), want[k])
        if missing and style != "flow":
            key_i = index(meta.key_marks["curie_map"])
            if cmap:  # after the last entry, indented like the first
                keys = list(cmap)
                indent = " " * cmap.key_marks[keys[0]].column
                last = max(index(cmap.key_marks[k]) or 0 for k in keys)
                for k in keys:
                    s_, e_, _ = cmap.value_marks[k]
                    if index(e_) is not None and e_.line > s_.line:
                        last = max(last, index(e_) - (1 if e_.column == 0 else 0))
            else:  # an empty value (or null): the entries go under the key
                indent, last = "  ", key_i
                if start.column != end.column and index(start) == key_i:  # an explicit null / ~ / {}
                    edits.append((key_i, start.column + 1, end.column + 1, ""))
            if last is not None:
                for k, v in missing.items():  # in sorted place among sorted entries, else after them
                    after = [x for x in (cmap or {}) if str(x) > k and index(cmap.key_marks[x]) is not None]
                    at_i = index(cmap.key_marks[after[0]]) if after and list(map(str, cmap)) == sorted(map(str, cmap)) else last + 1
                    inserts.append((at_i, [f"#{indent}{k}: {v}"]))
    want_id = f"{project.base_iri}crosswalks/{scheme}"
    if _s(meta.get("mapping_set_id")) and _s(meta.get("mapping_set_id")) != want_id:
        replace_value(meta, "mapping_set_id", want_id)
    for i, a, b, text in sorted(edits, reverse=True):
        lines[i] = (lines[i][:a] + text + lines[i][b:]).rstrip(" \t") if text == "" else lines[i][:a] + text + lines[i][b:]
    for _, (at_i, new) in sorted(enumerate(inserts), key=lambda t: (t[1][0], t[0]), reverse=True):
        lines[at_i:at_i] = new  # (several at one place: last first, so they end up in order)
    return lines


def _fixed_cell(raw: str) -> str:
    """One cell as written, without the spaces around it (inside its quotes too, when the whole
    cell is quoted). Nothing else changes; spaces before a quote stay (see strip_would_requote)."""
    if strip_would_requote(raw):
        return raw.rstrip()
    s = raw.strip()
    if len(s) >= 2 and s[0] == s[-1] == '"' and '"' not in s[1:-1].replace('""', ""):
        inner = s[1:-1]
        if inner != inner.strip():
            s = '"' + inner.strip() + '"'
    return s


def fix_crosswalk(path: Path, raw: RawCrosswalk, project, catalogue) -> bool:
    """Rewrite one crosswalk with its fixable problems repaired. Lossless by construction: the
    output is made of the input's lines -- the metadata lines (``_fix_header``), the column header
    and each row as its cells *as written* (``RawRow.raw_cells``), only moved (columns, rows) or
    stripped of surrounding spaces, and every ``#`` line among the rows, which moves with the row
    after it (at the end: stays at the end). Only blank lines, a BOM and CR line ends go."""
    text, _ = _normalise_text(path)
    if text is None:
        return False
    scheme = path.name[: -len(".sssom.tsv")]
    if not _structurally_sound(raw):
        # byte-level repairs only (BOM, CRLF, blank lines, final newline), plus the metadata block
        # when it parsed: rows are left exactly as they are
        lines = [ln for ln in text.split("\n") if ln.strip()]
        n_head = 0
        while n_head < len(lines) and lines[n_head].startswith("#"):
            n_head += 1
        head = [ln.rstrip(" \t") for ln in lines[:n_head]]
        if isinstance(raw.metadata, dict) and len(raw.header_lines) == n_head:
            head = _fix_header(raw, project, catalogue, scheme)
        lines = head + lines[n_head:]
        return _write_if_changed(path, "\n".join(lines) + "\n" if lines else "")
    header = _fix_header(raw, project, catalogue, scheme)
    cols = [c.strip() for c in raw.columns]
    want = canonical_columns(cols)
    perm = [cols.index(c) for c in want]
    idx = {c: i for i, c in enumerate(cols)}
    raw_cols = raw.raw_columns or raw.columns
    column_line = "\t".join(_fixed_cell(raw_cols[j]) for j in perm)
    comments = sorted(raw.comments)
    rows = []
    for r in raw.rows:
        notes = []
        while comments and comments[0][0] < r.line:
            notes.append(comments.pop(0)[1])
        cells = r.raw_cells or r.cells
        rows.append((_row_key(r.cells, idx), notes, "\t".join(_fixed_cell(cells[j]) for j in perm)))
    rows.sort(key=lambda t: t[0])  # stable: equal keys (duplicates) keep their order
    body = header + [column_line] + [ln for _, notes, out in rows for ln in (*notes, out)] + [c for _, c in comments]
    return _write_if_changed(path, "\n".join(body) + "\n")


def apply_fixes(result: CheckResult, project) -> list[Path]:
    """Rewrite the files with fixable findings. Returns the paths written."""
    tr = result.read
    written: list[Path] = []
    fixable_paths = {f.path for f in result.findings if f.fixable}
    for path in sorted(fixable_paths):
        try:
            if path.name == "CODEOWNERS":
                continue
            if path in tr.raw:
                scheme = path.name[: -len(".sssom.tsv")]
                if fix_crosswalk(path, tr.raw[path], project, tr.data.catalogues.get(scheme)):
                    written.append(path)
            elif path.suffix in (".yaml", ".yml"):
                if _fix_yaml_file(path):
                    written.append(path)
            elif path.name == "curators.tsv":
                if _fix_curators(path):
                    written.append(path)
        except OSError as exc:  # read-only file and the like: report, do not crash
            print(f"crm-vocab check: could not fix {path}: {exc}", file=sys.stderr)
    co_findings = [f for f in result.findings if f.rule == "codeowners"]
    if co_findings:
        repo = repo_root_for(result.root, project)
        co = find_codeowners(repo) or repo / "CODEOWNERS"
        try:
            old = co.read_text(encoding="utf-8") if co.is_file() else None
            new = render_codeowners(old, codeowners_entries(tr, repo))
            if old != new:
                from .fsutil import write_text_atomic

                write_text_atomic(co, new)
                written.append(co)
        except (OSError, UnicodeDecodeError) as exc:
            print(f"crm-vocab check: could not fix {co}: {exc}", file=sys.stderr)
    return written


# ---- running ------------------------------------------------------------------------------------------------


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def check_paths(paths: list[str], project, *, fix: bool = False) -> tuple[list[Finding], list[Path]]:
    targets = resolve_targets(paths, project)
    findings: list[Finding] = []
    written: list[Path] = []
    for t in targets:
        res = check_tree(t.root, project)
        if fix and any(f.fixable for f in res.findings if t.wants(f)):
            written += apply_fixes(res, project)
            res = check_tree(t.root, project)
        findings += [f for f in res.findings if t.wants(f)]
    return findings, written


def run(args, project) -> int:
    if getattr(args, "list_rules", False):
        for rule, desc in RULES.items():
            print(f"{rule:<24} {desc}")
        return 0
    findings, written = check_paths(args.paths, project, fix=args.fix)
    if args.format == "json":
        from .fsutil import dump_json

        doc = {
            "format": FORMAT_VERSION,
            "findings": [f.as_dict(_display) for f in findings],
            "fixed": [_display(p) for p in written],
            "summary": {
                "findings": len(findings),
                "errors": sum(f.severity == ERROR for f in findings),
                "fixable": sum(f.fixable for f in findings),
                "reports": sum(f.severity == REPORT for f in findings),
            },
        }
        sys.stdout.write(dump_json(doc))
    else:
        for p in written:
            print(f"fixed {_display(p)}")
        for f in findings:
            print(f.render(_display))
        if findings:
            n_fix = sum(f.fixable for f in findings)
            tail = f"; {n_fix} fixable with --fix" if n_fix and not args.fix else ""
            print(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}{tail}", file=sys.stderr)
        else:
            print(f"no findings in {', '.join(args.paths or ['mappings/'])}", file=sys.stderr)
    return 1 if findings else 0
