"""``crm-vocab coverage`` and build step 3: how much of the harmonised criteria each scheme covers.

One cell per (scheme, criterion), from that scheme's crosswalk rows whose object is the criterion:

* ``full``: an exactMatch or broadMatch row (holding the requirement meets the criterion);
* ``partial``: otherwise a narrowMatch row (the requirement covers the criterion only partly);
* ``related``: otherwise only closeMatch / relatedMatch rows (same topic, never recognised);
* ``gap``: otherwise a reviewed gap (``sssom:NoTermFound -> HC:X``) or only negated rows;
* ``undecided``: no row at all (the crosswalk is not finished; ``crm-vocab check`` reports it).

Shares per scheme: fully = full, partly = partial, not covered = related + gap, undecided.
The build writes ``<version>/coverage.csv|.json|.svg``; ``--diff OLD.json NEW.json`` lists what a
pull request changes.
"""
from __future__ import annotations

import csv
import io
from html import escape
from pathlib import Path

from .fsutil import display_path
from .errors import UsageError

FULL, PARTIAL, RELATED, GAP, UNDECIDED = "full", "partial", "related", "gap", "undecided"
CELL_STATUSES = (FULL, PARTIAL, RELATED, GAP, UNDECIDED)
RANK = {FULL: 4, PARTIAL: 3, RELATED: 2, GAP: 1, UNDECIDED: 0}
SHARES = ("fully", "partly", "not_covered", "undecided")
SHARE_OF = {FULL: "fully", PARTIAL: "partly", RELATED: "not_covered", GAP: "not_covered", UNDECIDED: "undecided"}
LEGEND = {
    FULL: ("#1a9850", "full: exactMatch or broadMatch"),
    PARTIAL: ("#fdd835", "partial: narrowMatch"),
    RELATED: ("#8fb9d9", "related only: closeMatch / relatedMatch"),
    GAP: ("#d73027", "gap: NoTermFound (or only negated rows)"),
    UNDECIDED: ("#e6e6e6", "undecided: no row"),
}
FORMAT_VERSION = 1


# ---- computing -------------------------------------------------------------------------------------
def cell_status(rows) -> str:
    """The coverage class of one cell from the crosswalk rows (``Mapping``) whose object it is."""
    if not rows:
        return UNDECIDED
    kinds = set()
    for m in rows:
        if m.subject_id == "sssom:NoTermFound":
            kinds.add("nothing")
        elif m.negated:
            kinds.add("negated")
        else:
            kinds.add(m.predicate_id)
    if kinds & {"skos:exactMatch", "skos:broadMatch"}:
        return FULL
    if "skos:narrowMatch" in kinds:
        return PARTIAL
    if kinds & {"skos:closeMatch", "skos:relatedMatch"}:
        return RELATED
    return GAP


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
            st = cell_status(rows)
            counts[st] += 1
            row_cells[cid] = {
                "status": st,
                "rows": [f"{display_path(m.path, root)}:{m.line}" for m in rows],
                "mappings": [
                    f"{m.subject_id} {m.predicate_id}{' Not' if m.negated else ''} {m.object_id}" for m in rows
                ],
            }
        n = len(criteria)
        shares = {s: 0 for s in SHARES}
        for st, k in counts.items():
            shares[SHARE_OF[st]] += k
        report_schemes.append(
            {
                "scheme": scheme,
                "title": (cat.title if cat else "") or "",
                "version": str(cat.version if cat else "") or "",
                "crosswalk": bool(ms),
                "counts": counts,
                "shares": {k: round(v / n, 4) if n else 0.0 for k, v in shares.items()},
                "share_counts": shares,
            }
        )
        cells[scheme] = row_cells
    return {
        "format": FORMAT_VERSION,
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
    head = f"{'scheme':<16} {'fully':>10} {'partly':>10} {'not covered':>12} {'undecided':>10}"
    lines = [f"coverage of {n} harmonised criteria", head]
    for s in report["schemes"]:
        sc = s["share_counts"]
        note = "" if s["crosswalk"] else "  (no crosswalk)"
        lines.append(
            f"{s['scheme']:<16} {_pct(sc['fully'], n):>10} {_pct(sc['partly'], n):>10} "
            f"{_pct(sc['not_covered'], n):>12} {_pct(sc['undecided'], n):>10}{note}"
        )
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
    width = max(width, 360)
    e = lambda s: escape(str(s), quote=True)  # noqa: E731
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="cov-title cov-desc" '
        f'font-family="sans-serif" font-size="11">',
        '<title id="cov-title">Coverage of the harmonised criteria by scheme</title>',
        f'<desc id="cov-desc">{len(schemes)} schemes by {len(crit)} criteria; colour = coverage class (legend below).</desc>',
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
            tip = f'{s["scheme"]} / {c["id"]}: {info["status"]}'
            if info["mappings"]:
                tip += " \u2014 " + "; ".join(f"{mp} ({w})" for mp, w in zip(info["mappings"], info["rows"]))
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{colour}" stroke="#999999" stroke-width="0.5">'
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


def diff(old: dict, new: dict) -> dict:
    def status(rep, s, c):
        cell = (rep.get("cells", {}).get(s) or {}).get(c)
        return cell.get("status", UNDECIDED) if isinstance(cell, dict) else None

    def shares(rep):
        return {s.get("scheme"): s.get("share_counts", {}) for s in rep.get("schemes", []) if isinstance(s, dict)}

    os_, ns_ = shares(old), shares(new)
    oc = {c.get("id") for c in old.get("criteria", []) if isinstance(c, dict)}
    nc = {c.get("id") for c in new.get("criteria", []) if isinstance(c, dict)}
    changes = []
    for s in sorted(set(os_) & set(ns_)):
        for c in sorted(oc & nc):
            a, b = status(old, s, c), status(new, s, c)
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
            f"{s}: fully {o['fully']}->{n['fully']}, partly {o['partly']}->{n['partly']}, "
            f"not covered {o['not_covered']}->{n['not_covered']}, undecided {o['undecided']}->{n['undecided']}"
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
