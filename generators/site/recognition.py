"""The recognition page (``recognise.html``, template ``recognise.html``): recognition computed
in the browser (``site/docs/javascripts/recognise.js``) from a published index of the
crosswalks, ``recognise/index.json``, written here.

The index holds what ``untp_crm_vocab.recognise`` builds its :class:`RecognitionIndex` from
(``inputs_from_mapping_data``: every scheme with its requirements and achievement levels, the
harmonised criteria, every crosswalk row with its ``file:line``, the level it assumes, its review
and the flags its comment carries (``mappingdata.comment_flags``, computed here so that the page
reads comments exactly as the CLI does)), the wording of the statuses and the version of the
JSON the CLI prints, and, for UNTP 0.7.0 credentials, what
``untp_crm_vocab.credentials`` reads from the published ConformityScheme documents (their
IRIs, their profiles' IRIs and the required performance of each criterion). The page's results
are held to ``crm-vocab recognise --format json`` by tests/test_recognise_page.py.

The same page checks a credential against the JSON Schemas (``site/docs/javascripts/validate.js``
with the vendored Ajv bundle, see ``site/vendor/ajv/README.md``) published in
``recognise/validate.json``, which the step's ``finish`` writes (it reads the LinkML
generators' schemas).
"""
from __future__ import annotations

from .render import GenPage, Templates

INDEX = "recognise/index.json"
VALIDATE_INDEX = "recognise/validate.json"
FORMAT = 2  # of recognise/index.json (2: levels, reviews, comment flags, statuses; issue 10's rules)
#: the fields of one row in the index, in order (recognise.js reads them by position)
ROW_FIELDS = ("subject", "predicate", "object", "negated", "comment", "where", "scheme", "level", "reviewed",
              "reviewer", "review_date", "flags")


def index_data(ctx) -> dict:
    from ..recognise import FORMAT_VERSION, STATUS_MEANING, inputs_from_mapping_data
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
        "result_format": FORMAT_VERSION,
        "statuses": STATUS_MEANING,
        "criteria_base": project.criteria_base,
        "schemes": [{"scheme": s.scheme, "prefix": s.prefix, "title": s.title, "version": s.version, "url": s.url,
                     "levels": [{"id": lv.id, "title": lv.title, "reading": lv.reading, "codes": list(lv.codes)}
                                for lv in s.levels],
                     "default_level": s.default_level, "credential_level": s.credential_level,
                     "requirements": [[r.node, r.local_id, r.title, r.iri, r.owner_iri, r.conformity_topic, r.kind]
                                      for r in s.requirements]}
                    for s in schemes.values()],
        "criteria": criteria,
        "row_fields": list(ROW_FIELDS),
        "rows": [[r.subject, r.predicate, r.object, r.negated, r.comment, r.where, r.scheme, r.level, r.reviewed,
                  r.reviewer, r.review_date, sorted(r.flags)] for r in rows],
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
    return t.page("recognise.html", "recognise.html", "Recognise in your browser", schemes=schemes, index=INDEX,
                  validate=VALIDATE_INDEX)


# ---- validation in the browser ----------------------------------------------------------------


def validate_data(ctx, versions: list[str]) -> dict:
    """What the page's JSON Schema check needs, as ``crm-vocab validate`` has it: UNTP's pinned
    schemas by their published URL and how a document's UNTP version and type are read
    (``untp.detect``), and for each CRM version built here, its context URL and per CRM
    credential type the UNTP (version, type) it extends and its CRM layer. Reads the LinkML
    generators' schemas: written by the step's ``finish``."""
    import json
    from pathlib import Path

    from .. import untp
    from ..contexts import VC_V2_URL
    from ..model_artifacts import crm_layer, untp_layer_url

    by_url = {f["url"]: (f["version"], f.get("credentialType")) for f in untp.manifest()["files"] if f["kind"] == "schema"}
    crm = {}
    for v in versions:
        d = Path(ctx.out) / v
        if not (d / "context.jsonld").is_file():
            continue
        types = {}
        for p in sorted((d / "schemas").glob("*.json")):
            schema = json.loads(p.read_text(encoding="utf-8"))
            untp_of = by_url.get(untp_layer_url(schema) or "")
            types[p.stem] = {"untp": list(untp_of) if untp_of else None, "layer": crm_layer(schema)}
        crm[ctx.project.context_url(v)] = {"version": v, "types": types}
    untp_types: dict = {}
    for f in untp.manifest()["files"]:
        if f["kind"] == "schema" and f.get("credentialType"):
            untp_types.setdefault(f["version"], {})[f["credentialType"]] = f["url"]
    return {
        "format": FORMAT,
        "vc_context": VC_V2_URL,
        "untp_070_context": untp.UNTP_070_CONTEXT,
        "credential_types": list(untp.CREDENTIAL_TYPES),
        "module_of": untp.MODULE_OF,
        "v05_hosts": list(untp._V05_HOSTS),
        "pre_070_subject_types": sorted(untp._PRE_070_SUBJECT_TYPES),
        "aliases": untp.manifest()["aliases"],
        "untp_schemas": untp.schema_resources(),
        "untp_types": untp_types,
        "working_context": ctx.project.context_url(),
        "crm": crm,
    }


def write_validate_data(ctx, versions: list[str]) -> None:
    from ..fsutil import dump_json

    ctx.write(VALIDATE_INDEX, dump_json(validate_data(ctx, versions), sort_keys=True))
