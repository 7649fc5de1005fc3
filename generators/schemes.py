"""Build step: every requirement catalogue and the harmonised criteria as a UNTP 0.7.0
``ConformityScheme`` (Conformity Vocabulary Catalog), so that credentials can cite them.

For each catalogue ``mappings/standards/<scheme>.yaml`` and for the harmonised set (``hc``,
``mappings/criteria.yaml``) the step writes

* ``<version>/schemes/<scheme>.json``: the ConformityScheme document (pinned per version);
* ``schemes/<scheme>.jsonld``: the same document at the scheme's IRI ``<base>schemes/<scheme>``
  (beside its HTML page ``schemes/<scheme>.html``, which :func:`site_pages` gives the site step).

One profile per document: the pinned version of the catalogue (``<base>schemes/<scheme>#<version>``),
whose criteria are the catalogue's requirements at the IRIs they already dereference at
(``<base>standards/<scheme>/<version>/<id>``, ``<base>criteria/<ID>``); the owner's IRI of a
requirement, where the catalogue has one, is its ``documentation``. What the catalogues do not
say (the owner's IRI, endorsement, status, validity, grades) comes from ``mappings/schemes.yaml``;
conformity topics are UNTP 0.7.0's (:mod:`untp_crm_vocab.untp_topics`).
"""
from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BuildError

UNTP_CONTEXT = "https://vocabulary.uncefact.org/untp/0.7.0/context/"
CVC_SCHEMA_URL = "https://untp.unece.org/artefacts/schema/v0.7.0/cvc/ConformityScheme.json"
HC = "hc"
ENDORSEMENT_LEVELS = ("endorsed_self", "endorsed_mandate", "endorsed_accreditation", "endorsed_benchmarked")
STATUSES = ("proposed", "active", "deprecated")
FACT_KEYS = ("owner_id", "owner_name", "endorsement_level", "status", "valid_from", "note",
             "scheme_scoring", "criterion_scoring")
SCORING_KEYS = ("name", "description", "metric", "metric_name", "applies_to", "required", "scores")
_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_VERIFICATION = {"R": "recalled, not verified against the owner's text", "?": "uncertain"}


def facts_file(project) -> Path:
    return project.mappings_dir / "schemes.yaml"


# ---------------------------------------------------------------------------------------------
# mappings/schemes.yaml
@dataclass
class Scoring:
    name: str
    description: str
    scores: list[tuple[str, str]]  # (code, definition), best first
    metric: str = ""
    metric_name: str = ""
    applies_to: tuple[str, ...] = ()
    required: str = ""


@dataclass
class SchemeFacts:
    scheme: str
    owner_id: str
    owner_name: str
    endorsement_level: str
    status: str
    valid_from: str  # as written: YYYY, YYYY-MM or YYYY-MM-DD
    note: str = ""
    scheme_scoring: Scoring | None = None
    criterion_scoring: Scoring | None = None
    line: int = 0

    def valid_from_date(self) -> tuple[str, str]:
        """(full date for the document, what it stands for when the source is less precise)."""
        y, m, d = _DATE.match(self.valid_from).groups()
        if d:
            return self.valid_from, ""
        if m:
            return f"{y}-{m}-01", f"{_MONTHS[int(m) - 1]} {y} (the month only)"
        return f"{y}-01-01", f"{y} (the year only)"


def read_facts(project) -> dict[str, SchemeFacts]:
    """mappings/schemes.yaml -> {scheme: facts}; a BuildError names file:line and the fix."""
    from .mappingdata import parse_yaml, read_text

    path = facts_file(project)

    def sink(f):
        if f.severity == "error":
            raise BuildError(f"{f.rule}: {f.message}", where=f"{path}:{f.line or 1}", hint=f.fix)

    if not path.is_file():
        raise BuildError("the scheme facts file is missing", where=str(path),
                         hint="restore mappings/schemes.yaml (DEVELOPING.md, 'Mapping files')")
    text = read_text(path, sink)
    data = parse_yaml(text or "", path, sink, what="scheme facts file")
    if not isinstance(data, dict) or not isinstance(data.get("schemes"), dict):
        raise BuildError("the scheme facts file must be a mapping with `schemes:`, one entry per scheme",
                         where=f"{path}:1", hint="restore the layout shown in DEVELOPING.md")
    out = {}
    for scheme, entry in data["schemes"].items():
        line = data["schemes"].line_of(scheme) if hasattr(data["schemes"], "line_of") else 1

        def fail(msg, key=None, hint="see the key list at the top of the file", _e=entry, _l=line):
            ln = _e.line_of(key) if key is not None and hasattr(_e, "line_of") else _l
            raise BuildError(f"scheme {scheme}: {msg}", where=f"{path}:{ln}", hint=hint)

        if not isinstance(entry, dict):
            fail("the entry must be a mapping of keys")
        for k in entry:
            if k not in FACT_KEYS:
                fail(f"unknown key {k!r}", k, hint="use only: " + ", ".join(FACT_KEYS))
        for k in ("endorsement_level", "status", "valid_from") + (("owner_name",) if scheme == HC else ("owner_id",)):
            if not isinstance(entry.get(k), str) or not entry[k].strip():
                fail(f"`{k}` is missing or empty", k if k in entry else None, hint=f"add `{k}:`")
        if entry["endorsement_level"] not in ENDORSEMENT_LEVELS:
            fail(f"endorsement_level {entry['endorsement_level']!r} is not a UNTP value", "endorsement_level",
                 hint="use one of: " + ", ".join(ENDORSEMENT_LEVELS))
        if entry["status"] not in STATUSES:
            fail(f"status {entry['status']!r} is not a UNTP value", "status", hint="use one of: " + ", ".join(STATUSES))
        m = _DATE.match(entry["valid_from"])
        if not m or (m.group(2) and not 1 <= int(m.group(2)) <= 12):
            fail(f"valid_from {entry['valid_from']!r} is not YYYY, YYYY-MM or YYYY-MM-DD", "valid_from",
                 hint="write the date the pinned version's citation gives, at its precision")
        if m.group(3):
            import datetime

            try:
                datetime.date.fromisoformat(entry["valid_from"])
            except ValueError:
                fail(f"valid_from {entry['valid_from']!r} is not a calendar date", "valid_from", hint="correct the date")
        owner_id = entry.get("owner_id") or ""
        if scheme == HC:
            owner_id = project.base_iri
        elif not re.match(r"^https?://[^\s<>\"]+\Z", owner_id):
            fail(f"owner_id {owner_id!r} is not an http(s) IRI", "owner_id", hint="give the owner's web site, e.g. https://example.org/")
        scoring = {}
        for k in ("scheme_scoring", "criterion_scoring"):
            if entry.get(k) is not None:
                scoring[k] = _read_scoring(entry[k], k, fail)
        out[scheme] = SchemeFacts(
            scheme=scheme, owner_id=owner_id, owner_name=str(entry.get("owner_name") or ""),
            endorsement_level=entry["endorsement_level"], status=entry["status"], valid_from=entry["valid_from"],
            note=" ".join(str(entry.get("note") or "").split()), line=line, **scoring)
    return out


def _read_scoring(d, key, fail) -> Scoring:
    if not isinstance(d, dict):
        fail(f"`{key}` must be a mapping", key)
    for k in d:
        if k not in SCORING_KEYS:
            fail(f"unknown key {key}.{k}", key, hint="use only: " + ", ".join(SCORING_KEYS))
    for k in ("name", "description"):
        if not isinstance(d.get(k), str) or not d[k].strip():
            fail(f"{key}.{k} is missing or empty", key)
    scores = []
    for s in d.get("scores") or []:
        if not isinstance(s, dict) or not isinstance(s.get("code"), str) or not s["code"].strip():
            fail(f"each of {key}.scores needs a `code`", key)
        scores.append((s["code"], " ".join(str(s.get("definition") or "").split())))
    if not scores:
        fail(f"{key}.scores lists no score", key, hint="list the grades, best first")
    codes = [c for c, _ in scores]
    if len(set(codes)) != len(codes):
        fail(f"{key}.scores lists a code twice", key)
    sc = Scoring(name=d["name"], description=" ".join(d["description"].split()), scores=scores)
    if key == "criterion_scoring":
        for k in ("metric", "metric_name", "required"):
            if not isinstance(d.get(k), str) or not d[k].strip():
                fail(f"{key}.{k} is missing or empty", key)
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z", d["metric"]):
            fail(f"{key}.metric {d['metric']!r} must be letters, digits, '.', '_' or '-' (it ends an IRI)", key)
        if d["required"] not in codes:
            fail(f"{key}.required {d['required']!r} is not one of its scores", key)
        applies = d.get("applies_to")
        if not isinstance(applies, list) or not applies or not all(isinstance(a, str) for a in applies):
            fail(f"{key}.applies_to must list the requirement kinds it grades", key)
        sc.metric, sc.metric_name, sc.required, sc.applies_to = d["metric"], d["metric_name"], d["required"], tuple(applies)
    return sc


# ---------------------------------------------------------------------------------------------
# the documents
@dataclass
class SchemeDoc:
    scheme: str
    iri: str
    title: str
    doc: dict
    profile_iri: str
    catalogue_version: str = ""
    pages: dict = field(default_factory=dict)  # criterion IRI -> site path of its page (no extension)


def _scoring_json(sc: Scoring) -> dict:
    score = []
    for rank, (code, definition) in enumerate(sc.scores, 1):
        s = {"code": code, "rank": rank}
        if definition:
            s["definition"] = definition
        score.append(s)
    return {"name": sc.name, "description": sc.description, "score": score}


def _required(sc: Scoring | None, kind: str, scheme_iri: str) -> list:
    if sc is None or kind not in sc.applies_to:
        return []
    rank = [c for c, _ in sc.scores].index(sc.required) + 1
    better = " or better" if rank > 1 else ""
    return [{
        "metric": {"type": ["PerformanceMetric"], "id": f"{scheme_iri}#{sc.metric}", "name": sc.metric_name},
        "score": {"code": sc.required, "rank": rank,
                  "definition": f"{sc.required}{better} on the {sc.name} (ranks 1 to {len(sc.scores)}, 1 best)"},
    }]


def _topics(code: str | None) -> list:
    from .untp_topics import topic_object

    t = topic_object(code) if code else None
    return [t] if t else []


def _describe(text: str, verification: str | None) -> str:
    parts = [" ".join(str(text or "").split())]
    if verification in _VERIFICATION:
        parts.append(f"[{verification}] Identifier and title {_VERIFICATION[verification]}.")
    return " ".join(p for p in parts if p)


def documents(project, md, facts: dict[str, SchemeFacts]) -> dict[str, SchemeDoc]:
    """Every ConformityScheme document, by scheme (``hc`` first, then the catalogues)."""
    out: dict[str, SchemeDoc] = {}
    schemes = [HC] + sorted(md.catalogues)
    for scheme in schemes:
        f = facts.get(scheme)
        if f is None:
            raise BuildError(
                f"scheme {scheme} has no entry in {facts_file(project).name}",
                where=str(facts_file(project)),
                hint=f"add `{scheme}:` under `schemes:` with owner_id, endorsement_level, status and valid_from")
        out[scheme] = _hc_doc(project, md, f) if scheme == HC else _catalogue_doc(project, md.catalogues[scheme], f)
    return out


def _scheme_doc(project, f: SchemeFacts, *, name, description, owner_name, documentation, version,
                profile_name, profile_description, criteria) -> tuple[dict, str]:
    iri = project.scheme_iri(f.scheme)
    profile_iri = f"{iri}#{version}"
    valid_from, stands_for = f.valid_from_date()
    pdesc = [profile_description]
    if stands_for:
        pdesc.append(f"validFrom {valid_from} stands for {stands_for}.")
    if f.note:
        pdesc.append(f.note)
    profile = {
        "type": ["ConformityProfile"],
        "id": profile_iri,
        "name": profile_name,
        "description": " ".join(pdesc),
        "version": version,
        "validFrom": valid_from,
        "status": f.status,
        "documentation": documentation,
    }
    if f.criterion_scoring:
        profile["criterionScoringFramework"] = [_scoring_json(f.criterion_scoring)]
    profile["criterion"] = criteria
    profile["scheme"] = {"type": ["ConformityScheme"], "id": iri, "name": name}
    doc = {
        "@context": [UNTP_CONTEXT],
        "type": ["ConformityScheme"],
        "id": iri,
        "name": name,
        "description": description,
        "owner": {"type": ["Party"], "id": f.owner_id, "name": owner_name},
        "endorsementLevel": f.endorsement_level,
    }
    if f.scheme_scoring:
        doc["schemeScoringFramework"] = _scoring_json(f.scheme_scoring)
    doc["documentation"] = documentation
    doc["conformsTo"] = {"linkName": "UNTP Conformity Vocabulary Catalog 0.7.0 (ConformityScheme)", "linkURL": CVC_SCHEMA_URL}
    doc["includedProfile"] = [profile]
    return doc, profile_iri


def _catalogue_doc(project, cat, f: SchemeFacts) -> SchemeDoc:
    iri = project.scheme_iri(cat.scheme)
    base = project.standard_base(cat.scheme, cat.version_slug)
    criteria, pages = [], {}
    for rid, r in cat.requirements.items():  # catalogue order
        c = {"type": ["Criterion"], "id": base + rid, "name": r.title}
        desc = _describe(r.note, r.verification)
        if desc:
            c["description"] = desc
        c["version"] = cat.version_slug
        c["status"] = f.status
        if r.owner_iri:
            c["documentation"] = r.owner_iri
        c["conformityTopic"] = _topics(r.conformity_topic)
        if r.kind:
            c["tag"] = [r.kind]
        c["requiredPerformance"] = _required(f.criterion_scoring, r.kind or "", iri)
        criteria.append(c)
        pages[base + rid] = f"standards/{cat.scheme}/{cat.version_slug}/{rid}"
    doc, profile_iri = _scheme_doc(
        project, f, name=cat.title,
        description=(f"The requirements of {cat.title} ({cat.version}) as identifiers and short titles, "
                     f"published by the UNTP Critical Raw Materials vocabulary so that credentials can cite them and "
                     f"its crosswalks can relate them; the requirements' text is {cat.publisher}'s (see documentation). "
                     f"Not issued or endorsed by {cat.publisher}."),
        owner_name=cat.publisher, documentation=cat.url, version=cat.version_slug,
        profile_name=f"{cat.title}, {cat.version}",
        profile_description=f"The {len(criteria)} requirements of {cat.version} catalogued in mappings/standards/{cat.scheme}.yaml.",
        criteria=criteria)
    return SchemeDoc(cat.scheme, iri, cat.title, doc, profile_iri, cat.version, pages)


def _hc_doc(project, md, f: SchemeFacts) -> SchemeDoc:
    meta = md.criteria_meta or {}
    version = str(meta.get("version") or "")
    title = str(meta.get("title") or "Harmonised criteria")
    if not version:
        raise BuildError("the harmonised criteria have no version", where=str(project.criteria_file),
                         hint="add `version:` to the `scheme:` block")
    criteria, pages = [], {}
    for cid, c in sorted(md.criteria.items()):
        iri = project.criterion_iri(cid)
        crit = {"type": ["Criterion"], "id": iri, "name": c.label, "description": _describe(c.definition, c.verification),
                "version": version, "status": f.status, "conformityTopic": _topics(c.conformity_topic),
                "requiredPerformance": []}
        criteria.append(crit)
        pages[iri] = f"criteria/{cid}"
    doc, profile_iri = _scheme_doc(
        project, f, name=title,
        description=("Harmonised ESG criteria for critical raw materials: each criterion is read extensionally, as the "
                     "set of operations that conform to it; the crosswalks map the requirements of external schemes onto them."),
        owner_name=f.owner_name, documentation=project.scheme_iri(HC), version=version,
        profile_name=f"{title} {version}",
        profile_description=f"All {len(criteria)} harmonised criteria of version {version} (mappings/criteria.yaml).",
        criteria=criteria)
    return SchemeDoc(HC, project.scheme_iri(HC), title, doc, profile_iri, version, pages)


def load(project, md=None) -> dict[str, SchemeDoc]:
    from .mappingdata import load_mapping_data

    return documents(project, md if md is not None else load_mapping_data(project), read_facts(project))


# ---------------------------------------------------------------------------------------------
# the build step
def build(ctx) -> None:
    from .fsutil import dump_json

    docs = ctx.cached("schemes", lambda: documents(ctx.project, ctx.mapping_data(), read_facts(ctx.project)))
    for scheme, sd in docs.items():
        text = dump_json(sd.doc)
        ctx.write(f"{ctx.version}/schemes/{scheme}.json", text)
        ctx.write(f"schemes/{scheme}.jsonld", text)
    ctx.log(f"    schemes: {len(docs)} ConformityScheme documents")


# ---------------------------------------------------------------------------------------------
# the HTML pages (handed to the site step, which renders them in the site's theme)
esc = html.escape


def _href(page: str, target: str) -> str:
    from urllib.parse import quote

    return esc(quote(posixpath.relpath(target, posixpath.dirname(page) or "."), safe="/._-~#"))


def _link(url: str, text: str | None = None) -> str:
    label = esc(text if text is not None else url)
    return f'<a href="{esc(url)}" rel="noopener">{label}</a>' if re.match(r"^https?://[^\s<>\"']+\Z", url or "") else label


def _score_table(fw: dict) -> str:
    rows = "".join(f"<tr><td>{s['rank']}</td><td><code>{esc(s['code'])}</code></td><td>{esc(s.get('definition', ''))}</td></tr>"
                   for s in fw["score"])
    return (f"<p><strong>{esc(fw['name'])}</strong>: {esc(fw['description'])}</p>"
            f'<table class="crm-table"><thead><tr><th>rank</th><th>code</th><th>definition</th></tr></thead><tbody>{rows}</tbody></table>')


def page_html(project, version: str, sd: SchemeDoc) -> str:
    """The HTML content of ``schemes/<scheme>.html`` (every value escaped: mapping text is untrusted)."""
    page = f"schemes/{sd.scheme}.html"
    d = sd.doc
    prof = d["includedProfile"][0]
    dl = [("IRI", f"<code>{esc(d['id'])}</code>"),
          ("Owner", f"{esc(d['owner']['name'])} ({_link(d['owner']['id'])})"),
          ("Documentation", _link(d["documentation"])),
          ("Endorsement level", f"<code>{esc(d['endorsementLevel'])}</code>"),
          ("Profile", f"<code>{esc(prof['id'])}</code>: {esc(prof['name'])}"),
          ("Status", f"<code>{esc(prof['status'])}</code>"),
          ("Valid from", esc(prof["validFrom"])),
          ("Downloads", f'<a href="{_href(page, f"{version}/schemes/{sd.scheme}.json")}">{esc(version)}/schemes/{esc(sd.scheme)}.json</a>'
                        f' &middot; <a rel="alternate" type="application/ld+json" href="{_href(page, f"schemes/{sd.scheme}.jsonld")}">JSON-LD</a>')]
    parts = [f'<h1 id="scheme">{esc(d["name"])}</h1>', f"<p>{esc(d['description'])}</p>",
             '<dl class="crm-dl">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in dl) + "</dl>",
             f'<p>{esc(prof["description"])}</p>']
    if "schemeScoringFramework" in d:
        parts += ['<h2 id="achievement">Achievement levels</h2>', _score_table(d["schemeScoringFramework"])]
    for fw in prof.get("criterionScoringFramework", []):
        parts += [f'<h2 id="{esc(prof["id"].rsplit("#", 1)[-1])}-grades">Grades</h2>', _score_table(fw)]
    rows = []
    for c in prof["criterion"]:
        target = sd.pages.get(c["id"])
        cid = f'<a href="{_href(page, target + ".html")}">{esc(c["id"].rsplit("/", 1)[-1])}</a>' if target else esc(c["id"])
        topics = ", ".join(_link(t["id"], t["name"]) for t in c["conformityTopic"])
        req = ", ".join(f"{esc(p['score']['code'])} ({esc(p['metric']['name'])})" for p in c["requiredPerformance"])
        doc = _link(c["documentation"], "owner's text") if c.get("documentation") else ""
        desc = f"<br><small>{esc(c['description'])}</small>" if c.get("description") else ""
        rows.append(f"<tr><td>{cid}</td><td>{esc(c['name'])}{desc}</td><td>{topics}</td><td>{req}</td><td>{doc}</td></tr>")
    parts += [f'<h2 id="criteria">Criteria ({len(rows)})</h2>',
              '<table class="crm-table"><thead><tr><th>id</th><th>name</th><th>conformity topic (UNTP 0.7.0)</th>'
              '<th>required performance</th><th>documentation</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"]
    return '<div class="crm-page">\n' + "\n".join(parts) + "\n</div>"


def index_html(docs: dict[str, SchemeDoc]) -> str:
    rows = "".join(
        f'<tr><td><a href="{esc(s)}.html">{esc(s)}</a></td><td>{esc(sd.title)}</td>'
        f"<td>{len(sd.doc['includedProfile'][0]['criterion'])}</td><td><code>{esc(sd.iri)}</code></td></tr>"
        for s, sd in docs.items())
    return ('<div class="crm-page">\n<h1 id="schemes">Conformity schemes</h1>\n'
            "<p>Every requirement catalogue and the harmonised criteria as a UNTP 0.7.0 ConformityScheme "
            "(Conformity Vocabulary Catalog): the IRIs a conformity credential cites in <code>referenceScheme</code>, "
            "<code>referenceProfile</code> and <code>assessmentCriteria</code>.</p>\n"
            '<table class="crm-table"><thead><tr><th>scheme</th><th>name</th><th>criteria</th><th>IRI</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>\n</div>")


def site_pages(ctx) -> list[tuple[str, str, str]]:
    """(docs path, title, HTML) of ``schemes/index.html`` and ``schemes/<scheme>.html``."""
    docs = ctx.cached("schemes", lambda: documents(ctx.project, ctx.mapping_data(), read_facts(ctx.project)))
    out = [("schemes/index.md", "Conformity schemes", index_html(docs))]
    for scheme, sd in docs.items():
        out.append((f"schemes/{scheme}.md", f"Scheme {scheme}", page_html(ctx.project, ctx.version, sd)))
    return out
