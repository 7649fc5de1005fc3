"""Reading a conformity credential for recognition, by the UNTP version it declares.

* UNTP 0.7.0 (``https://vocabulary.uncefact.org/untp/0.7.0/context/`` in ``@context``): read by the
  IRIs it cites: ``referenceScheme`` and ``referenceProfile`` (the published ConformityScheme
  documents, ``<base>schemes/<scheme>`` and ``…#<version>``), each
  ``conformityAssessment[].assessmentCriteria[].id`` (a requirement ``<base>standards/...``, a
  harmonised criterion ``<base>criteria/<ID>``, or an owner's IRI listed in a catalogue) and
  ``assessedPerformance``. A criterion is held when the assessment says ``conformance: true``; without
  ``conformance``, when its assessed score on the criterion's metric ranks at least as high as the
  published ``requiredPerformance``. Every cited IRI that resolves to nothing published is listed.
* Anything else: the UNTP 0.5.0 reading of :mod:`untp_crm_vocab.recognise` (``scope``,
  ``assessment[]``, ``conformance``, criteria-guide IRIs through the catalogues' ``owner_iri``).
"""
from __future__ import annotations

from .errors import UsageError
from .recognise import (
    CredentialReading, CriterionReading, credential_subject, held_level, performance_scores, read_credential,
)

UNTP_070 = "https://vocabulary.uncefact.org/untp/0.7.0/context/"


def version_of(data) -> str:
    ctx = data.get("@context") if isinstance(data, dict) else None
    ctxs = ctx if isinstance(ctx, list) else [ctx]
    if UNTP_070 in ctxs:
        return "0.7.0"
    if any(isinstance(c, str) and "/0.5.0" in c and "/untp/" in c for c in ctxs):
        return "0.5.0"
    return "0.5.0 (assumed: no UNTP 0.7.0 context)"


def read(index, project, data, path: str, cli_level: str | None = None) -> CredentialReading:
    """A :class:`CredentialReading` with ``version`` and ``unresolved_iris`` set, and each held
    criterion's achievement level (:func:`untp_crm_vocab.recognise.held_level`; ``cli_level``:
    ``--level``, used where the credential states no score)."""
    version = version_of(data)
    cs, prefix = credential_subject(data, path)
    if version == "0.7.0":
        reading = read_070(index, project, cs, prefix, path, cli_level=cli_level)
    else:
        reading = read_credential(index, cs, prefix, path, cli_level=cli_level)
        reading.unresolved_iris = [r.id for r in reading.readings if r.requirement is None and r.id]
    reading.version = version
    return reading


def _as_list(x) -> list:
    return [] if x is None else x if isinstance(x, list) else [x]


def _published(project):
    from . import schemes

    return schemes.load(project)


def read_070(index, project, cs: dict, prefix: str, path: str, cli_level: str | None = None) -> CredentialReading:
    assessments = _as_list(cs.get("conformityAssessment"))
    if not assessments:
        raise UsageError("the credential has no conformity assessments",
                         where=f"{path}: {prefix}.conformityAssessment",
                         hint="recognition needs a UNTP 0.7.0 ConformityAttestation with conformityAssessment[].assessmentCriteria[]")
    docs = _published(project)
    by_scheme_iri = {sd.iri: s for s, sd in docs.items()}
    profiles = {sd.profile_iri: s for s, sd in docs.items()}
    required = {}  # criterion IRI -> (metric IRI, required rank)
    for sd in docs.values():
        for c in sd.doc["includedProfile"][0]["criterion"]:
            for p in c["requiredPerformance"]:
                if "rank" in p.get("score", {}):
                    required[c["id"]] = (p["metric"]["id"], p["score"]["rank"])
    by_iri = {r.iri: r for r in index.req_by_node.values() if r.iri}
    unresolved: list[str] = []
    schemes: set[str] = set()
    for key in ("referenceScheme", "referenceProfile"):
        ref = cs.get(key)
        rid = ref.get("id") if isinstance(ref, dict) else None
        if not isinstance(rid, str):
            continue
        s = (by_scheme_iri if key == "referenceScheme" else profiles).get(rid)
        if s is None and key == "referenceScheme":
            s_set = index.schemes_for_url(rid)
            schemes |= s_set
            if not s_set:
                unresolved.append(f"{prefix}.{key}.id {rid}")
        elif s is None:
            unresolved.append(f"{prefix}.{key}.id {rid}")
        elif s != "hc":
            schemes.add(s)
    readings: list[CriterionReading] = []
    for i, a in enumerate(assessments):
        ap = f"{prefix}.conformityAssessment[{i}]"
        if not isinstance(a, dict):
            readings.append(CriterionReading(ap, "", "", False, "", problem="assessment is not an object"))
            continue
        topics = [t.get("id", "") for t in _as_list(a.get("conformityTopic")) if isinstance(t, dict)]
        scores = {p["metric"]["id"]: p["score"].get("rank") for p in _as_list(a.get("assessedPerformance"))
                  if isinstance(p, dict) and isinstance(p.get("metric"), dict) and isinstance(p.get("score"), dict)}
        crits = _as_list(a.get("assessmentCriteria"))
        if not crits:
            readings.append(CriterionReading(ap, "", "", False, ",".join(topics), problem="no assessmentCriteria"))
            continue
        for j, c in enumerate(crits):
            cp = f"{ap}.assessmentCriteria[{j}]"
            cid = c.get("id") if isinstance(c, dict) and isinstance(c.get("id"), str) else ""
            name = c.get("name") if isinstance(c, dict) and isinstance(c.get("name"), str) else ""
            if isinstance(a.get("conformance"), bool):
                held = a["conformance"]
            elif cid in required and required[cid][0] in scores and isinstance(scores[required[cid][0]], int):
                held = scores[required[cid][0]] <= required[cid][1]
            else:
                held = False
            rd = CriterionReading(cp, cid, name, held, ",".join(topics))
            req = by_iri.get(cid)
            if req is not None:
                rd.requirement, rd.how = req, "IRI"
            elif cid.startswith(project.criteria_base) and f"HC:{cid[len(project.criteria_base):]}" in index.criteria:
                from .recognise import Req

                hc = cid[len(project.criteria_base):]
                rd.requirement, rd.how = Req(node=f"HC:{hc}", scheme="hc", local_id=hc, title=index.criteria[f"HC:{hc}"], iri=cid), "IRI"
            elif cid in index.by_owner_iri and len(index.by_owner_iri[cid]) == 1:
                rd.requirement, rd.how = index.by_owner_iri[cid][0], "owner_iri"
            else:
                rd.problem = "no published requirement or criterion has this IRI"
                unresolved.append(f"{cp}.id {cid}")
            if rd.requirement is not None and rd.requirement.scheme != "hc":
                schemes.add(rd.requirement.scheme)
            if rd.requirement is not None:  # the achievement level held (a score, --level or conformance)
                info = index.schemes.get(rd.requirement.scheme)
                if info is None:  # a harmonised criterion cited directly: no levels
                    rd.level, rd.level_source = ("" if held else None), "conformance"
                else:
                    hl = held_level(info, conformance=held, scores=performance_scores(a, ap),
                                    names=(name, rd.requirement.title), cli_level=cli_level)
                    rd.level, rd.level_source, rd.level_problem = hl.level, hl.source, hl.problem
                    rd.level_rank = info.rank(hl.level) if hl.level else 0
            readings.append(rd)
    reading = CredentialReading(path=path, schemes=sorted(schemes), readings=readings)
    reading.unresolved_iris = unresolved
    return reading
