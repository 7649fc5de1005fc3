"""Page data for the home page and the coverage page (templates ``home.html`` and ``coverage.html``)."""
from __future__ import annotations

import json
from types import SimpleNamespace

from ..untp import UNTP_070_CONTEXT
from .render import GenPage, Templates
from .terms import ModelInfo


def home_page(ctx, t: Templates, model: ModelInfo, mp: dict, latest: str | None) -> GenPage:
    p = ctx.project
    v = latest or ctx.version
    example = {"@context": ["https://www.w3.org/ns/credentials/v2", UNTP_070_CONTEXT, p.context_url(v)],
               "type": ["DigitalProductPassport", "VerifiableCredential", "CRMProductPassport"],
               "credentialSubject": {"type": ["Product"], "commodity": "lithium",
                                     "commodityContent": [{"type": ["CommodityContent"], "commodity": "lithium",
                                                           "grade": 0.06, "measuredAs": "Li2O"}]}}
    return t.page(
        "home.html", "index.html", "Home",
        description=str(model.schema.description or "") if model.sv is not None else "",
        context_url=p.context_url(v), untp_context=UNTP_070_CONTEXT, artifact_base=p.artifact_base(v), base_iri=p.base_iri,
        example=json.dumps(example, indent=2),
        counts={k: sum(1 for x in model.terms.values() if x["kind"] == k) for k in ("class", "slot", "enum", "enum value")},
        criteria=len(mp["criteria"]), schemes=len(mp["standards"]), latest=latest)


# how each coverage status (untp_crm_vocab.coverage.CELL_STATUSES) shows in the matrix; colours
# are coverage.LEGEND's; a status without a glyph here shows as a dot
GLYPHS = {"met": "\u25cf", "partly met": "\u25d0", "not met": "\u2715", "not established": "?"}


def _style(colour: str) -> str:
    """The cell style of a legend colour: the colour behind black or white text, whichever reads."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    text = "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"
    return f"background: {colour}; color: {text};"


def matrix(ctx, mp: dict) -> SimpleNamespace | None:
    """The interactive matrix of the working build: schemes x criteria from ``<v>/coverage.json``
    (the coverage step's report), each cell with the crosswalk rows behind it (their comments
    and requirement pages) for the details the page shows on hover, tap or focus."""
    from ..coverage import CELL_STATUSES, LEGEND, RANK
    from ..fsutil import read_json
    from .mappings import predicate, req_path, resolve

    path = ctx.out / ctx.version / "coverage.json"
    if not path.is_file():
        return None
    report = read_json(path, what="the coverage report", hint="rebuild: crm-vocab build --force")
    rows_of: dict[tuple[str, str], list] = {}
    for scheme, rows in mp["crosswalks"].items():
        for r in rows:
            k, cid = resolve(mp, r.get("object_id", ""))
            if k == "criterion":
                rows_of.setdefault((scheme, cid), []).append(r)
    top = max(RANK, key=RANK.get)  # the best status ("met")
    schemes = [SimpleNamespace(id=s["scheme"], title=s["title"] or s["scheme"], page=f"standards/{s['scheme']}.html",
                               full=s["counts"].get(top, 0)) for s in report["schemes"]]
    criteria = []
    details: dict = {}
    for c in report["criteria"]:
        cells = []
        for s in report["schemes"]:
            info = report["cells"][s["scheme"]][c["id"]]
            shown = []
            for r in sorted(rows_of.get((s["scheme"], c["id"]), []), key=lambda r: r.get("subject_id", "")):
                k, v = resolve(mp, r.get("subject_id", ""))
                shown.append({"subject": r.get("subject_id", ""), "label": r.get("subject_label", ""),
                              "predicate": predicate(r), "comment": r.get("comment", ""),
                              "page": req_path(mp, *v) + ".html" if k == "requirement" else None})
            # where the cell leads: the requirement behind its status, else the scheme's page
            target = next((x["page"] for x in shown if x["page"] and not x["predicate"].startswith("NOT ")
                           and x["predicate"] in ("skos:exactMatch", "skos:broadMatch", "skos:narrowMatch")), None)
            st = info["status"]
            cells.append(SimpleNamespace(scheme=s["scheme"], status=st, glyph=GLYPHS.get(st, "\u00b7"), name=st,
                                         rank=RANK.get(st, -1), style=_style(LEGEND[st][0]) if st in LEGEND else "",
                                         page=target or f"standards/{s['scheme']}.html"))
            details.setdefault(s["scheme"], {})[c["id"]] = {"status": st, "rows": shown}
        criteria.append(SimpleNamespace(id=c["id"], label=c["label"], topic=c["conformity_topic"],
                                        page=f"criteria/{c['id']}.html", cells=cells,
                                        full=sum(1 for x in cells if x.status == top)))
    return SimpleNamespace(schemes=schemes, criteria=criteria, details=details, top=top,
                           legend=[(st, GLYPHS.get(st, "\u00b7"), _style(LEGEND[st][0])) for st in CELL_STATUSES])


def coverage_page(ctx, t: Templates, releases: list[str], mp: dict | None = None) -> GenPage:
    """The working build's coverage as an interactive matrix (its SVG, CSV and JSON as
    downloads), and the latest release's picture (older ones are downloads)."""
    shown = []
    for v in [ctx.version] + [x for x in reversed(releases) if x != ctx.version]:
        vd = ctx.out / v
        if not (vd / "coverage.svg").is_file():
            continue
        shown.append(SimpleNamespace(
            name=v, svg=f"{v}/coverage.svg",
            downloads=[(e.upper(), f"{v}/coverage.{e}") for e in ("csv", "json") if (vd / f"coverage.{e}").is_file()]))
        if v != ctx.version:
            break
    from ..coverage import CELL_STATUSES, LEGEND

    return t.page("coverage.html", "coverage.html", "Coverage", versions=shown, working=ctx.version,
                  statuses=[(st, LEGEND[st][1].split(": ", 1)[-1]) for st in CELL_STATUSES],
                  matrix=matrix(ctx, mp) if mp is not None else None)
