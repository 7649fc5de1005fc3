"""The recognition page (``recognise.html``, template ``recognise.html``): recognition computed
in the browser (``site/docs/javascripts/recognise.js``) from a published index of the
crosswalks, ``recognise/index.json``, written here.

The index holds what ``untp_crm_vocab.recognise`` builds its :class:`RecognitionIndex` from
(``inputs_from_mapping_data``: every scheme with its requirements, the harmonised criteria,
every crosswalk row with its ``file:line``) and, for UNTP 0.7.0 credentials, what
``untp_crm_vocab.credentials`` reads from the published ConformityScheme documents (their
IRIs, their profiles' IRIs and the required performance of each criterion). The page's results
are held to ``crm-vocab recognise --format json`` by tests/test_recognise_page.py.
"""
from __future__ import annotations

from .render import GenPage, Templates

INDEX = "recognise/index.json"
FORMAT = 1


def index_data(ctx) -> dict:
    from ..recognise import inputs_from_mapping_data
    from ..schemes import load as load_schemes

    project = ctx.project
    md = ctx.mapping_data()
    schemes, criteria, rows = inputs_from_mapping_data(md, project)
    docs = ctx.cached("schemes_loaded", lambda: load_schemes(project, md))
    required = {}
    for sd in docs.values():
        for c in sd.doc["includedProfile"][0]["criterion"]:
            for p in c["requiredPerformance"]:
                if "rank" in p.get("score", {}):
                    required[c["id"]] = [p["metric"]["id"], p["score"]["rank"]]
    return {
        "format": FORMAT,
        "criteria_base": project.criteria_base,
        "schemes": [{"scheme": s.scheme, "prefix": s.prefix, "title": s.title, "version": s.version, "url": s.url,
                     "requirements": [[r.node, r.local_id, r.title, r.iri, r.owner_iri, r.conformity_topic, r.kind]
                                      for r in s.requirements]}
                    for s in schemes.values()],
        "criteria": criteria,
        "rows": [[r.subject, r.predicate, r.object, r.negated, r.comment, r.where, r.scheme] for r in rows],
        "published": {
            "schemes": {sd.iri: s for s, sd in docs.items()},
            "profiles": {sd.profile_iri: s for s, sd in docs.items()},
            "required": required,
        },
    }


def write_index(ctx) -> None:
    from ..fsutil import dump_json

    ctx.write(INDEX, dump_json(index_data(ctx), sort_keys=True))


def recognise_page(ctx, t: Templates, mp: dict) -> GenPage:
    schemes = [(s, str(d.get("title", s))) for s, d in sorted(mp["standards"].items())]
    return t.page("recognise.html", "recognise.html", "Recognise in your browser", schemes=schemes, index=INDEX)
