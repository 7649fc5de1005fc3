"""``crm-vocab coverage`` and build step 3: how much of the harmonised criteria each scheme covers.

One cell per (scheme, criterion): what holding the scheme gives for the criterion, read from that
scheme's crosswalk rows whose object is the criterion, with the statuses of ``crm-vocab recognise``
(DEVELOPING.md "Recognition semantics"; only reviewed rows act):

* ``met``: a reviewed exactMatch or broadMatch row whose comment qualifies nothing (at the level the
  row assumes, given in the cell);
* ``partly met``: otherwise a reviewed narrowMatch row, or an exact/broad row marked unverified or partial;
* ``not met``: otherwise a reviewed gap (``sssom:NoTermFound -> HC:X``) or only reviewed negated rows:
  reviewed rows say the scheme does not give the criterion;
* ``not established``: otherwise: only close/related rows, only unreviewed rows, or no row at all
  (the cell's ``basis`` says which; ``crm-vocab check`` reports a missing row).

The build writes ``<version>/coverage.csv|.json|.svg``; ``--diff OLD.json NEW.json`` lists what a
pull request changes (a report of the former format, with full/partial/related/gap/undecided
cells, is read in the new statuses).
"""
from __future__ import annotations

import csv
import io
from html import escape
from pathlib import Path

from .fsutil import display_path
from .errors import UsageError
from .mappingdata import BROAD, EXACT, NARROW, NO_TERM_FOUND, comment_flags

MET, PARTLY, NOT_MET, NOT_ESTABLISHED = "met", "partly met", "not met", "not established"
CELL_STATUSES = (MET, PARTLY, NOT_MET, NOT_ESTABLISHED)
RANK = {MET: 3, PARTLY: 2, NOT_MET: 1, NOT_ESTABLISHED: 0}
SHARES = ("met", "partly_met", "not_met", "not_established")
SHARE_OF = {MET: "met", PARTLY: "partly_met", NOT_MET: "not_met", NOT_ESTABLISHED: "not_established"}
#: what the cell rests on (``basis`` in coverage.json)
BASES = ("exact/broad row", "narrow or qualified row", "reviewed gap", "reviewed negated rows",
         "close/related rows only", "unreviewed rows only", "no row")
LEGEND = {
    MET: ("#1a9850", "met: a reviewed exactMatch or broadMatch row"),
    PARTLY: ("#fdd835", "partly met: a reviewed narrowMatch row, or one marked unverified or partial"),
    NOT_MET: ("#d73027", "not met: a reviewed gap (NoTermFound) or reviewed negated rows"),
    NOT_ESTABLISHED: ("#e6e6e6", "not established: close/related or unreviewed rows only (dashed: no row)"),
}
#: statuses of the former report format (1), read in the current ones
FORMAT1_STATUS = {"full": MET, "partial": PARTLY, "gap": NOT_MET, "related": NOT_ESTABLISHED, "undecided": NOT_ESTABLISHED}
FORMAT_VERSION = 2


# ---- computing -------------------------------------------------------------------------------------
def _reviewed(m) -> bool:
    return bool((m.reviewer_id or "").strip()) and bool((getattr(m, "review_date", "") or "").strip())


def cell_status(rows, catalogue=None) -> tuple[str, str, str]:
    """(status, basis, level) of one cell from the crosswalk rows (``Mapping``) whose object it is.
    ``level`` is the level of the scheme's requirement the best row assumes ("" when ungraded)."""
    if not rows:
        return NOT_ESTABLISHED, "no row", ""
    default = catalogue.default_level if catalogue is not None else ""
    rank = (lambda lv: catalogue.level_rank(lv)) if catalogue is not None else (lambda lv: 0)
    full, partial, gaps, negated, open_ = [], [], [], [], []
    for m in rows:
        reviewed = _reviewed(m)
        if m.subject_id == NO_TERM_FOUND:
            (gaps if reviewed else open_).append(m)
        elif m.negated:
            (negated if reviewed else open_).append(m)
        elif m.predicate_id in (EXACT, BROAD, NARROW) and reviewed and m.object_id != NO_TERM_FOUND:
            if m.predicate_id != NARROW and not comment_flags(m.comment):
                full.append(m)
            else:
                partial.append(m)
        else:
            open_.append(m)

    def lowest(ms):
        return min((m.subject_level or default for m in ms), key=rank) if ms else ""

    if full:
        return MET, "exact/broad row", lowest(full)
    if partial:
        return PARTLY, "narrow or qualified row", lowest(partial)
    if gaps:
        return NOT_MET, "reviewed gap", ""
    if negated and not open_:
        return NOT_MET, "reviewed negated rows", ""
    if any(m.predicate_id in ("skos:closeMatch", "skos:relatedMatch") and not m.negated for m in open_):
        return NOT_ESTABLISHED, "close/related rows only", ""
    return NOT_ESTABLISHED, "unreviewed rows only", ""


def compute(md, project=None) -> dict:
    """The coverage report (the content of ``coverage.json``)."""
    root = Path(project.root).resolve() if project is not None else None
    criteria = sorted(md.criteria)
    schemes = sorted(set(md.catalogues) | set(md.crosswalks))
    report_schemes = []
    cells: dict[str, dict] = {}
    for scheme in schemes:
        cat = md.catalogues.get(scheme)
        ms = md.crosswalks.get(scheme)
        by_obj: dict[str, list] = {}
        for m in ms.mappings if ms else []:
            if m.object_id.startswith("HC:"):
                by_obj.setdefault(m.object_id[3:], []).append(m)
        counts = {s: 0 for s in CELL_STATUSES}
        row_cells = {}
        for cid in criteria:
            rows = by_obj.get(cid, [])
            st, basis, level = cell_status(rows, cat)
            counts[st] += 1
            row_cells[cid] = {
                "status": st,
                "basis": basis,
                "level": level or None,
                "rows": [f"{display_path(m.path, root)}:{m.line}" for m in rows],
                "mappings": [
                    f"{m.subject_id} {m.predicate_id}{' Not' if m.negated else ''} {m.object_id}" for m in rows
                ],
            }
        n = len(criteria)
        shares = {SHARE_OF[st]: k for st, k in counts.items()}
        report_schemes.append(
            {
                "scheme": scheme,
                "title": (cat.title if cat else "") or "",
                "version": str(cat.version if cat else "") or "",
                "crosswalk": bool(ms),
                "levels": [lv.id for lv in cat.levels] if cat else [],
                "pass_level": (cat.default_level or None) if cat else None,
                "counts": counts,
                "shares": {k: round(v / n, 4) if n else 0.0 for k, v in shares.items()},
                "share_counts": shares,
            }
        )
        cells[scheme] = row_cells
    return {
        "format": FORMAT_VERSION,
        "statuses": {st: LEGEND[st][1] for st in CELL_STATUSES},
        "criteria": [
            {"id": cid, "label": md.criteria[cid].label, "conformity_topic": md.criteria[cid].conformity_topic or ""}
            for cid in criteria
        ],
        "schemes": report_schemes,
        "cells": cells,
    }


# ---- rendering -------------------------------------------------------------------------------------
def to_json(report: dict) -> str:
    from .fsutil import dump_json

    return dump_json(report)


def to_csv(report: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    crit = [c["id"] for c in report["criteria"]]
    w.writerow(["scheme", "version", *SHARES, *crit])
    for s in report["schemes"]:
        cells = report["cells"][s["scheme"]]
        w.writerow([s["scheme"], s["version"], *(s["share_counts"][k] for k in SHARES), *(cells[c]["status"] for c in crit)])
    return buf.getvalue()


def _pct(k: int, n: int) -> str:
    return f"{k:>3} ({(100 * k / n) if n else 0:3.0f}%)"


def to_text(report: dict) -> str:
    n = len(report["criteria"])
    head = f"{'scheme':<16} {'met':>10} {'partly met':>11} {'not met':>10} {'not established':>16}"
    lines = [f"coverage of {n} harmonised criteria (what holding each scheme gives, from its reviewed crosswalk rows)", head]
    for s in report["schemes"]:
        sc = s["share_counts"]
        note = "" if s["crosswalk"] else "  (no crosswalk)"
        if s.get("pass_level"):
            note += f"  (at {s['pass_level']})"
        lines.append(
            f"{s['scheme']:<16} {_pct(sc['met'], n):>10} {_pct(sc['partly_met'], n):>11} "
            f"{_pct(sc['not_met'], n):>10} {_pct(sc['not_established'], n):>16}{note}"
        )
    lines.append("not met: reviewed rows say the scheme does not give the criterion; "
                 "not established: no reviewed row says either way")
    return "\n".join(lines) + "\n"


def to_svg(report: dict) -> str:
    """A schemes x criteria matrix; hand-written, deterministic, every text escaped."""
    crit = report["criteria"]
    schemes = report["schemes"]
    cell, gap = 16, 2
    left = 12 + 8 * max([len(s["scheme"]) for s in schemes] + [6])
    top = 12 + int(7 * max([len(c["id"]) for c in crit] + [6]))
    width = left + len(crit) * (cell + gap) + 64
    grid_h = len(schemes) * (cell + gap)
    legend_y = top + grid_h + 24
    height = legend_y + len(LEGEND) * 20 + 12
    width = max(width, 12 + cell + 8 + 7 * max(len(label) for _, label in LEGEND.values()))
    e = lambda s: escape(str(s), quote=True)  # noqa: E731
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="cov-title cov-desc" '
        f'font-family="sans-serif" font-size="11">',
        '<title id="cov-title">Coverage of the harmonised criteria by scheme</title>',
        f'<desc id="cov-desc">{len(schemes)} schemes by {len(crit)} criteria; colour = what holding the scheme gives '
        f'for the criterion: met, partly met, not met (a reviewed gap) or not established (legend below).</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for j, c in enumerate(crit):
        x = left + j * (cell + gap) + cell / 2 + 4
        out.append(
            f'<text x="{x:g}" y="{top - 6}" transform="rotate(-60 {x:g} {top - 6})">'
            f'<title>{e(c["id"])}: {e(c["label"])}</title>{e(c["id"])}</text>'
        )
    for i, s in enumerate(schemes):
        y = top + i * (cell + gap)
        out.append(
            f'<text x="{left - 6}" y="{y + cell - 4}" text-anchor="end"><title>{e(s["title"])} {e(s["version"])}</title>{e(s["scheme"])}</text>'
        )
        cells = report["cells"][s["scheme"]]
        for j, c in enumerate(crit):
            info = cells[c["id"]]
            colour = LEGEND[info["status"]][0]
            x = left + j * (cell + gap)
            tip = f'{s["scheme"]} / {c["id"]}: {info["status"]} ({info.get("basis", "")}'
            tip += f', at {info["level"]})' if info.get("level") else ")"
            if info["mappings"]:
                tip += " \u2014 " + "; ".join(f"{mp} ({w})" for mp, w in zip(info["mappings"], info["rows"]))
            dash = ' stroke-dasharray="2 2"' if info.get("basis") == "no row" else ""
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{colour}" stroke="#999999" stroke-width="0.5"{dash}>'
                f"<title>{e(tip)}</title></rect>"
            )
    for k, (status, (colour, label)) in enumerate(LEGEND.items()):
        y = legend_y + k * 20
        out.append(f'<rect x="12" y="{y}" width="{cell}" height="{cell}" fill="{colour}" stroke="#999999" stroke-width="0.5"/>')
        out.append(f'<text x="{12 + cell + 8}" y="{y + cell - 4}">{e(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---- diff -----------------------------------------------------------------------------------------
def load_report(path: str) -> dict:
    from .fsutil import read_json

    p = Path(path)
    data = read_json(p, what="coverage report", hint="pass coverage.json files from two builds")
    if not isinstance(data, dict) or not isinstance(data.get("cells"), dict) or not isinstance(data.get("schemes"), list):
        raise UsageError(
            "not a coverage report (no `schemes` list and `cells` object)",
            where=str(p),
            hint="pass <version>/coverage.json files written by crm-vocab build",
        )
    return data


def _status(rep: dict, s: str, c: str) -> str | None:
    cell = (rep.get("cells", {}).get(s) or {}).get(c)
    if not isinstance(cell, dict):
        return None
    st = cell.get("status", NOT_ESTABLISHED)
    if rep.get("format", 1) == 1:
        st = FORMAT1_STATUS.get(st, st)
    return st


def _shares(rep: dict) -> dict[str, dict[str, int]]:
    """Share counts per scheme, recounted from the cells (so reports of either format compare)."""
    out = {}
    for s in rep.get("schemes", []):
        if not isinstance(s, dict):
            continue
        name = s.get("scheme")
        counts = {k: 0 for k in SHARES}
        for c in (rep.get("cells", {}).get(name) or {}):
            st = _status(rep, name, c)
            if st in SHARE_OF:
                counts[SHARE_OF[st]] += 1
        out[name] = counts
    return out


def diff(old: dict, new: dict) -> dict:
    os_, ns_ = _shares(old), _shares(new)
    oc = {c.get("id") for c in old.get("criteria", []) if isinstance(c, dict)}
    nc = {c.get("id") for c in new.get("criteria", []) if isinstance(c, dict)}
    changes = []
    for s in sorted(set(os_) & set(ns_)):
        for c in sorted(oc & nc):
            a, b = _status(old, s, c), _status(new, s, c)
            if a != b:
                changes.append({"scheme": s, "criterion": c, "old": a, "new": b,
                                "direction": "up" if RANK.get(b, 0) > RANK.get(a, 0) else "down"})
    share_changes = {}
    for s in sorted(set(os_) & set(ns_)):
        d = {k: ns_[s].get(k, 0) - os_[s].get(k, 0) for k in SHARES}
        if any(d.values()):
            share_changes[s] = {"old": {k: os_[s].get(k, 0) for k in SHARES}, "new": {k: ns_[s].get(k, 0) for k in SHARES}}
    return {
        "schemes_added": sorted(set(ns_) - set(os_)),
        "schemes_removed": sorted(set(os_) - set(ns_)),
        "criteria_added": sorted(nc - oc),
        "criteria_removed": sorted(oc - nc),
        "cells_changed": changes,
        "shares_changed": share_changes,
    }


def diff_text(d: dict) -> str:
    lines = []
    for key, what in (("schemes_added", "scheme added"), ("schemes_removed", "scheme removed"),
                      ("criteria_added", "criterion added"), ("criteria_removed", "criterion removed")):
        for x in d[key]:
            lines.append(f"{what}: {x}")
    for ch in d["cells_changed"]:
        arrow = "improved" if ch["direction"] == "up" else "worse"
        lines.append(f"{ch['scheme']} / {ch['criterion']}: {ch['old']} -> {ch['new']} ({arrow})")
    for s, v in d["shares_changed"].items():
        o, n = v["old"], v["new"]
        lines.append(
            f"{s}: met {o['met']}->{n['met']}, partly met {o['partly_met']}->{n['partly_met']}, "
            f"not met {o['not_met']}->{n['not_met']}, not established {o['not_established']}->{n['not_established']}"
        )
    if not lines:
        return "coverage unchanged\n"
    return "\n".join(lines) + "\n"


# ---- build step and CLI ---------------------------------------------------------------------------
def build(ctx) -> None:
    report = compute(ctx.mapping_data(), ctx.project)
    v = ctx.version
    ctx.write(f"{v}/coverage.json", to_json(report))
    ctx.write(f"{v}/coverage.csv", to_csv(report))
    ctx.write(f"{v}/coverage.svg", to_svg(report))


EXIT_CODES = """exit codes:
  0  the report (or the diff) was written
  1  the mapping files cannot be read
  2  usage error: unreadable report, no project found"""


def needs_project(args) -> bool:
    return not args.diff  # --diff compares two report files


def configure(p) -> None:
    p.add_argument("--format", choices=("text", "csv", "json"), default="text")
    p.add_argument("--diff", nargs=2, metavar=("OLD.json", "NEW.json"), help="what changed between two coverage.json reports")


def run(args, project) -> int:
    if args.diff:
        d = diff(load_report(args.diff[0]), load_report(args.diff[1]))
        if args.format == "json":
            from .fsutil import dump_json

            print(dump_json({"format": FORMAT_VERSION, **d}), end="")
        else:
            print(diff_text(d), end="")
        return 0
    from .mappingdata import load_mapping_data

    report = compute(load_mapping_data(project), project)
    print({"text": to_text, "csv": to_csv, "json": to_json}[args.format](report), end="")
    return 0
