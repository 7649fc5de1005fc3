"""Expected recognition answers (``mappings/expected-answers.yaml``), guarded by ``crm-vocab check``.

Each answer is a question a standards body signs off, such as "a Copper Mark holder, for IRMA 2.6:
partly met". ``crm-vocab check`` recomputes every answer from the crosswalks in the pull request; an
answer that flips is reported at its own ``file:line`` with the new status, the reason and the rows
(``file:line``) the new answer rests on, so reviewers see what a change does before they approve it
(DEVELOPING.md "Expected answers").

File layout::

    answers:
      - held: coppermark            # a scheme: all its requirements, at `level` or its pass level
        level: fully-met            # optional: the achievement level held (as `recognise --level`)
        target: IRMA2018:2.6        # the requirement asked about (its prefix names the scheme)
        expect: partly met          # met | partly met | not met | not established
        why: >-                     # what the answer rests on, in words a standards body checks
          ...
        reviewer_id: CRMCUR:...     # optional: who signed the answer off (listed in curators.tsv)
        review_date: "2026-12-01"   # optional, with reviewer_id

``held`` may also be a list of requirement CURIEs (held at their scheme's pass level).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .mappingdata import (
    CURIE_RE, DATE_RE, REPORT, Finding, LineDict, TreeRead, _line, _s, did_you_mean, parse_yaml, read_text,
)

ANSWER_KEYS = ("held", "level", "target", "expect", "why", "reviewer_id", "review_date")


@dataclass
class Answer:
    line: int
    held: str | list[str]
    level: str | None
    target: str
    expect: str
    why: str = ""
    reviewer_id: str = ""
    review_date: str = ""
    item: dict | None = field(default=None, repr=False)  # the YAML mapping (line numbers of its keys)

    def question(self) -> str:
        held = self.held if isinstance(self.held, str) else " + ".join(self.held)
        at = f" at {self.level}" if self.level else ""
        return f"{held}{at} holder -> {self.target}"


def read_answers(path: Path, sink) -> list[Answer]:
    """The answers of the file, each problem reported to ``sink`` (rule ``expected-answers``)."""
    out: list[Answer] = []

    def bad(line, message, fix, fld=None):
        sink(Finding(path=path, line=line, rule="expected-answers", message=message, fix=fix, field=fld))

    text = read_text(path, sink)
    if text is None:
        return out
    data = parse_yaml(text, path, sink, what="expected-answers file")
    if data is None:
        if not text.strip():
            bad(1, "the expected-answers file is empty", "list the answers under `answers:` (see DEVELOPING.md)")
        return out
    if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
        bad(1, "the expected-answers file must be a mapping with an `answers:` list", "write `answers:` then `- held: ...` entries")
        return out
    for key in data:
        if key != "answers":
            bad(_line(data, key), f"unknown key {key!r}", "remove it (only `answers:` is read)", str(key))
    for item in data["answers"]:
        if not isinstance(item, LineDict):
            bad(getattr(data["answers"], "line", 1), "each answer must be a mapping (held, target, expect, why)",
                "write each answer as `- held: ...` with target, expect and why")
            continue
        ln = _line(item)
        for k in item:
            if k not in ANSWER_KEYS:
                bad(_line(item, k), f"unknown key {k!r} in an answer{did_you_mean(str(k), ANSWER_KEYS)}", "remove it or correct its name", str(k))
        held = item.get("held")
        if isinstance(held, list):
            held = [str(h) for h in held if _s(h)]
        else:
            held = _s(held) or ""
        missing = [k for k in ("held", "target", "expect", "why") if not item.get(k)]
        if missing:
            bad(ln, f"answer without {', '.join(missing)}", "give held, target, expect and why", missing[0])
            continue
        out.append(Answer(line=ln, held=held, level=_s(item.get("level")), target=_s(item.get("target")) or "",
                          expect=_s(item.get("expect")) or "", why=_s(item.get("why")) or "",
                          reviewer_id=_s(item.get("reviewer_id")) or "", review_date=_s(item.get("review_date")) or "",
                          item=item))
    return out


def expected_findings(tr: TreeRead, root: Path, project, *, skip: bool = False) -> list[Finding]:
    """Findings for ``<root>/expected-answers.yaml``: file problems (rule ``expected-answers``) and
    every answer recognition no longer gives (rule ``expected-answer``). Nothing when the file is
    absent. ``skip``: the mapping data has errors, so answers are not recomputed (said once)."""
    from .recognise import STATUSES, RecognitionIndex

    path = Path(root) / "expected-answers.yaml"
    if not path.is_file():
        return []
    findings: list[Finding] = []
    answers = read_answers(path, findings.append)
    md = tr.data
    index = RecognitionIndex.from_mapping_data(md, project)

    def bad(a: Answer, message, fix, fld):
        findings.append(Finding(path=path, line=_line(a.item, fld) if a.item is not None else a.line, rule="expected-answers",
                                message=message, fix=fix, field=fld))

    seen: dict[tuple, int] = {}
    valid: list[Answer] = []
    for a in answers:
        ok = True
        held = [a.held] if isinstance(a.held, str) else list(a.held)
        if isinstance(a.held, str):
            if a.held not in index.schemes:
                bad(a, f"held scheme {a.held!r} has no catalogue{did_you_mean(a.held, index.schemes)}",
                    "name a scheme of mappings/standards/ (or a list of requirement CURIEs)", "held")
                ok = False
        else:
            for h in held:
                if h not in index.req_by_node:
                    bad(a, f"held requirement {h!r} is in no catalogue", "write it as PREFIX:id from a catalogue", "held")
                    ok = False
        m = CURIE_RE.match(a.target)
        if not m or a.target not in index.req_by_node:
            bad(a, f"target {a.target!r} is not a requirement of any catalogue", "write it as PREFIX:id (e.g. IRMA2018:2.6)", "target")
            ok = False
        if a.expect not in STATUSES:
            bad(a, f"expect {a.expect!r} is not a recognition status{did_you_mean(a.expect, STATUSES)}",
                "use one of: " + ", ".join(STATUSES), "expect")
            ok = False
        if a.level is not None and ok and isinstance(a.held, str):
            info = index.schemes[a.held]
            if not info.levels or info.find_level(a.level) is None:
                known = ", ".join(lv.id for lv in info.levels) or f"none: {a.held} has no levels"
                bad(a, f"level {a.level!r} is not a level of {a.held} ({known})", "name one of the scheme's levels, or leave level out", "level")
                ok = False
        if a.reviewer_id and a.reviewer_id not in md.curators:
            bad(a, f"reviewer_id {a.reviewer_id!r} is not listed in curators.tsv", "add the curator to curators.tsv or correct the id", "reviewer_id")
        if a.review_date and not DATE_RE.match(a.review_date):
            bad(a, f"review_date {a.review_date!r} is not YYYY-MM-DD", "write the date as YYYY-MM-DD", "review_date")
        key = (tuple(held), a.level, a.target)
        if key in seen:
            bad(a, f"the same question as line {seen[key]}", "keep one answer per question", "target")
            ok = False
        else:
            seen[key] = a.line
        if ok:
            valid.append(a)
    if skip:
        if valid:
            findings.append(Finding(path=path, line=None, rule="expected-answer", severity=REPORT,
                                    message=f"{len(valid)} expected answers were not recomputed: the mapping data has errors",
                                    fix="fix the errors reported above, then run crm-vocab check again"))
        return findings
    paths = {s: ms.path for s, ms in md.crosswalks.items()}
    for a in valid:
        target_scheme = index.req_by_node[a.target].scheme
        if isinstance(a.held, str):
            info = index.schemes[a.held]
            level = info.find_level(a.level) if a.level else None
            result = index.recognise_scheme(a.held, target_scheme, level)
        else:
            result = index.recognise(a.held, target_scheme)
        v = result.by_node()[a.target]
        if v.status == a.expect:
            continue
        rows = v.rows()
        rests = "; ".join(f"{r.where} ({r.statement()})" for r in rows) or "no row at all"
        related = tuple(sorted({paths[r.scheme] for r in rows if r.scheme in paths}, key=str))
        findings.append(Finding(
            path=path, line=a.line, rule="expected-answer", severity=REPORT, field="expect", related=related,
            message=(f"{a.question()}: expected {a.expect!r}, recognition now gives {v.status!r}: {v.reason}. "
                     f"It rests on: {rests}"),
            fix=("if the change is intended, update `expect:` and `why:` of this answer in the same pull request for "
                 "the standards body to sign off; otherwise correct the row(s) named"),
        ))
    return findings
