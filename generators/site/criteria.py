"""Page data for the harmonised criteria: one page per criterion with the requirements mapped
to it, and the criteria index (templates ``criterion.html`` and ``criteria_index.html``)."""
from __future__ import annotations

from types import SimpleNamespace

from .mappings import predicate, req_path, resolve
from .render import Templates


def add_pages(ctx, t: Templates, add, mp: dict) -> None:
    """Add a page per criterion and the index (``add(docs path, page)``)."""
    crit_ids = {c["id"] for c in mp["criteria"]}
    by_crit: dict[str, list] = {cid: [] for cid in crit_ids}
    for scheme, rows in sorted(mp["crosswalks"].items()):
        for r in rows:
            k, v = resolve(mp, r.get("object_id", ""))
            if k == "criterion" and v in by_crit:
                by_crit[v].append((scheme, r))
    index = []
    for c in sorted(mp["criteria"], key=lambda c: c["id"]):
        cid = c["id"]
        rows = []
        for scheme, r in sorted(by_crit[cid], key=lambda x: (x[0], x[1].get("subject_id", ""))):
            k, v = resolve(mp, r.get("subject_id", ""))
            rows.append(SimpleNamespace(
                scheme=scheme, kind=k, path=req_path(mp, *v) + ".html" if k == "requirement" else None,
                subject=r.get("subject_id", ""), label=r.get("subject_label", ""), predicate=predicate(r),
                confidence=r.get("confidence", ""), comment=r.get("comment", "")))
        add(f"criteria/{cid}.md", t.page(
            "criterion.html", f"criteria/{cid}.html", cid, id=cid, label=str(c.get("label", "")),
            definition=str(c.get("definition", "")), iri=ctx.project.criterion_iri(cid),
            topic=str(c.get("conformity_topic", "")), verification=str(c.get("verification", "")),
            sources=[str(s) for s in c.get("sources") or []], rows=rows))
        index.append(SimpleNamespace(id=cid, label=str(c.get("label", "")), topic=str(c.get("conformity_topic", "")),
                                     mappings=len(rows)))
    sch = mp["scheme"] or {}
    add("criteria/index.md", t.page(
        "criteria_index.html", "criteria/index.html", "Criteria", title=str(sch.get("title", "")),
        version=str(sch["version"]) if sch.get("version") else "", criteria=index))
