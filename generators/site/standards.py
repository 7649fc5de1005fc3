"""Page data for the external schemes: one page per scheme (its requirements and the criteria
it does not cover), one per requirement (its mappings) and the standards index (templates
``standard.html``, ``requirement.html`` and ``standards_index.html``)."""
from __future__ import annotations

from types import SimpleNamespace

from .mappings import predicate, req_path, resolve
from .render import Templates


def add_pages(ctx, t: Templates, add, mp: dict) -> None:
    """Add the pages of every scheme and its requirements, and the index (``add(docs path, page)``)."""
    index = []
    for scheme, d in sorted(mp["standards"].items()):
        spage = f"standards/{scheme}.html"
        rows_by_req: dict[str, list] = {}
        gaps = []
        for r in mp["crosswalks"].get(scheme, []):
            k, v = resolve(mp, r.get("subject_id", ""))
            if k == "requirement":
                rows_by_req.setdefault(v[1], []).append(r)
            elif k == "gap":
                gaps.append(r)
        requirements = []
        ids = {r["id"] for r in d["requirements"]}
        base = ctx.project.standard_base(scheme, d["version_slug"])
        for req in d["requirements"]:
            rid = req["id"]
            path = req_path(mp, scheme, rid)
            maps = []
            for r in sorted(rows_by_req.get(rid, []), key=lambda r: (r.get("object_id", ""), r.get("predicate_id", ""))):
                k, v = resolve(mp, r.get("object_id", ""))
                maps.append(SimpleNamespace(
                    predicate=predicate(r), kind=k, path=f"criteria/{v}.html" if k == "criterion" else None,
                    object=r.get("object_id", ""), label=r.get("object_label", ""),
                    confidence=r.get("confidence", ""), comment=r.get("comment", "")))
            parent = req.get("parent")
            add(f"{path}.md", t.page(
                "requirement.html", f"{path}.html", f"{scheme} {rid}", scheme=scheme, id=rid, path=path,
                title=str(req.get("title", "")), iri=base + rid, standard_page=spage,
                standard=f"{d.get('title', scheme)} ({d.get('version', '')})", kind=str(req.get("kind", "")),
                parent=str(parent or ""), parent_path=req_path(mp, scheme, parent) + ".html" if parent in ids else None,
                children=[(c["id"], req_path(mp, scheme, c["id"]) + ".html")
                          for c in d["requirements"] if c.get("parent") == rid],
                topic=str(req.get("conformity_topic", "")), owner_iri=req.get("owner_iri") or "",
                verification=str(req.get("verification", "")), note=str(req.get("note", "")), mappings=maps))
            requirements.append(SimpleNamespace(id=rid, path=f"{path}.html", title=str(req.get("title", "")),
                                                kind=str(req.get("kind", "")), mappings=len(maps)))
        uncovered = []
        for r in gaps:
            k, v = resolve(mp, r.get("object_id", ""))
            uncovered.append(SimpleNamespace(path=f"criteria/{v}.html" if k == "criterion" else None,
                                             object=r.get("object_id", ""), label=r.get("object_label", ""),
                                             comment=r.get("comment", "")))
        crosswalk = f"{ctx.version}/crosswalks/{scheme}.sssom.tsv"
        add(f"standards/{scheme}.md", t.page(
            "standard.html", spage, scheme, scheme=scheme, title=str(d.get("title", scheme)),
            version=str(d.get("version", "")), publisher=str(d.get("publisher", "")), url=d.get("url") or "",
            base=base, crosswalk=crosswalk if (ctx.out / crosswalk).is_file() else None,
            requirements=requirements, gaps=uncovered))
        index.append(SimpleNamespace(scheme=scheme, title=str(d.get("title", "")), version=str(d.get("version", "")),
                                     requirements=len(d["requirements"])))
    add("standards/index.md", t.page("standards_index.html", "standards/index.html", "Standards", standards=index))
