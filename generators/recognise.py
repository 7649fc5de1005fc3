"""``crm-vocab recognise``: which requirements of one scheme does another scheme (or a credential) meet.

Semantics (DEVELOPING.md "Recognition semantics", GUIDE section 3). Requirements and criteria are
read extensionally, as sets of conforming operations; every crosswalk row goes from a scheme's
requirement (subject) to a harmonised criterion (object):

* ``a exactMatch c``: a = c.  Exact matches are closed transitively (equivalence classes).
* ``a broadMatch c``: a ⊆ c, holding a meets c.
* ``a narrowMatch c``: c ⊆ a, holding a meets c only partly.
* closeMatch, relatedMatch, ``predicate_modifier: Not`` and ``sssom:NoTermFound`` never recognise.
* broad/narrow are never chained: one broad/narrow hop from the held requirement's exact class to a
  criterion's exact class, then at most one hop from the criterion to the target requirement.

A target requirement ``b`` is **met** when some criterion ``c`` with ``b exactMatch c`` or
``b narrowMatch c`` (c ⊆ b) is met; **partly met** when some mapped criterion of b is met or partly
met but the former does not hold; **not met** when b has recognising mappings but none of their
criteria is met at all; **not assessable** when b has no exact/broad/narrow mapping.

The index is built once (:meth:`RecognitionIndex.from_mapping_data`); a query costs the held
requirements' edges (cached per source scheme) plus the target scheme's requirements and their rows.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterable

from .fsutil import display_path
from .errors import UsageError

MET, PARTLY = 2, 1
STATUS_MET = "met"
STATUS_PARTLY = "partly met"
STATUS_NOT_MET = "not met"
STATUS_NA = "not assessable"
STATUSES = (STATUS_MET, STATUS_PARTLY, STATUS_NOT_MET, STATUS_NA)

NO_TERM = "sssom:NoTermFound"
CRITERIA_PREFIX = "HC"
_KINDS = {
    "skos:exactMatch": "exact",
    "skos:broadMatch": "broad",
    "skos:narrowMatch": "narrow",
    "skos:closeMatch": "close",
    "skos:relatedMatch": "related",
}
_SKOS = "http://www.w3.org/2004/02/skos/core#"


# ---------------------------------------------------------------------------------------------
# the neutral model the index is built from
@dataclass(frozen=True)
class Row:
    """One crosswalk row, as far as recognition needs it."""

    subject: str
    predicate: str
    object: str
    negated: bool = False
    comment: str = ""
    where: str = ""  # "mappings/crosswalks/<scheme>.sssom.tsv:<line>"
    scheme: str = ""  # the crosswalk (= subject scheme) the row belongs to
    confidence: float | None = None

    @property
    def kind(self) -> str:
        return _KINDS.get(self.predicate, "other")

    @property
    def recognising(self) -> bool:
        return (
            not self.negated
            and self.kind in ("exact", "broad", "narrow")
            and NO_TERM not in (self.subject, self.object)
        )

    def statement(self) -> str:
        mod = " Not" if self.negated else ""
        return f"{self.subject} {self.predicate}{mod} {self.object}"

    def as_json(self) -> dict:
        return {
            "where": self.where,
            "subject_id": self.subject,
            "predicate_id": self.predicate,
            "predicate_modifier": "Not" if self.negated else "",
            "object_id": self.object,
            "comment": self.comment,
        }


@dataclass(frozen=True)
class Req:
    node: str  # CURIE, e.g. "IRMA2018:4.5"
    scheme: str
    local_id: str
    title: str = ""
    iri: str = ""
    owner_iri: str = ""
    conformity_topic: str = ""
    kind: str = ""


@dataclass
class SchemeInfo:
    scheme: str
    prefix: str
    title: str = ""
    version: str = ""
    url: str = ""
    requirements: list[Req] = field(default_factory=list)


@dataclass(frozen=True)
class Evidence:
    """Why an exact class (of criteria and requirements) is met or partly met."""

    level: int
    held: str  # the held node
    hop: Row | None = None  # the broad/narrow row, None when the held node is in the class itself
    hop_from: str | None = None  # subject of ``hop`` (in the held node's exact class)
    hop_to: str | None = None  # object of ``hop`` (in this class)


@dataclass
class Verdict:
    requirement: Req
    status: str
    reason: str
    path: list[Row] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)  # the mapped criteria considered
    notes: list[Row] = field(default_factory=list)  # non-recognising rows that explain a "not"

    def as_json(self) -> dict:
        r = self.requirement
        return {
            "id": r.node,
            "requirement": r.local_id,
            "iri": r.iri,
            "title": r.title,
            "status": self.status,
            "reason": self.reason,
            "criteria": self.criteria,
            "path": [row.as_json() for row in self.path],
            "notes": [row.as_json() for row in self.notes],
        }


@dataclass
class Result:
    target: SchemeInfo
    held: list[str]
    verdicts: list[Verdict]
    criteria: dict[str, tuple[str, list[Row]]]  # criterion -> (status, path) for evidenced criteria
    source: str = ""  # human description of what is held

    def counts(self) -> dict[str, int]:
        c = {s: 0 for s in STATUSES}
        for v in self.verdicts:
            c[v.status] += 1
        return c

    def by_id(self) -> dict[str, Verdict]:
        return {v.requirement.local_id: v for v in self.verdicts}


# ---------------------------------------------------------------------------------------------
class RecognitionIndex:
    """A graph over catalogues, criteria and crosswalk rows, prepared for recognition queries."""

    def __init__(self, schemes: dict[str, SchemeInfo], criteria: dict[str, str], rows: Iterable[Row]):
        self.schemes = dict(sorted(schemes.items()))
        self.criteria = dict(criteria)  # CURIE -> label
        self.rows = list(rows)
        self.req_by_node: dict[str, Req] = {}
        for info in self.schemes.values():
            for r in info.requirements:
                self.req_by_node[r.node] = r

        exact: dict[str, dict[str, Row]] = {}  # exact-match adjacency (the last row of a pair wins)
        self.out_edges: dict[str, list[Row]] = {}
        self.rows_by_subject: dict[str, list[Row]] = {}
        self.rows_by_object_scheme: dict[tuple[str, str], list[Row]] = {}
        for row in self.rows:
            self.rows_by_subject.setdefault(row.subject, []).append(row)
            self.rows_by_object_scheme.setdefault((row.object, row.scheme), []).append(row)
            if not row.recognising:
                continue
            if row.kind == "exact":
                exact.setdefault(row.subject, {})[row.object] = row
                exact.setdefault(row.object, {})[row.subject] = row
            else:
                self.out_edges.setdefault(row.subject, []).append(row)

        # exact classes: a BFS tree per class (rooted at its smallest member, neighbours in sorted
        # order) gives every exact path in O(depth). Plain dicts: networkx took ~1 s here for
        # 100 schemes x 500 requirements (bench/bench_recognition.py).
        self._comp: dict[str, str] = {}
        self._members: dict[str, tuple[str, ...]] = {}
        self._parent: dict[str, tuple[str, Row] | None] = {}
        self._depth: dict[str, int] = {}
        for start in exact:
            if start in self._comp:
                continue
            comp = {start}
            todo = [start]
            while todo:
                u = todo.pop()
                for v in exact[u]:
                    if v not in comp:
                        comp.add(v)
                        todo.append(v)
            members = tuple(sorted(comp))
            root = members[0]
            self._members[root] = members
            self._parent[root] = None
            self._depth[root] = 0
            self._comp[root] = root
            level = [root]
            while level:
                nxt = []
                for u in level:
                    for v in sorted(exact[u]):
                        if v not in self._comp:
                            self._comp[v] = root
                            self._parent[v] = (u, exact[u][v])
                            self._depth[v] = self._depth[u] + 1
                            nxt.append(v)
                level = nxt

        # one broad/narrow hop out of each exact class, by target class: broad (meets) preferred
        # over narrow (partly); the first row in (member, file) order wins, so answers are stable
        self._hops: dict[str, dict[str, Row]] = {}
        for node in sorted(self.out_edges):
            hops = self._hops.setdefault(self.comp(node), {})
            for row in self.out_edges[node]:
                t = self.comp(row.object)
                if t not in hops or (hops[t].kind == "narrow" and row.kind == "broad"):
                    hops[t] = row

        # credential resolution helpers
        self.by_owner_iri: dict[str, list[Req]] = {}
        self._by_name: dict[tuple[str, str], list[Req]] = {}
        self._url_schemes: dict[str, set[str]] = {}
        for info in self.schemes.values():
            if info.url:
                self._url_schemes.setdefault(_url_key(info.url), set()).add(info.scheme)
            for r in info.requirements:
                if r.owner_iri:
                    self.by_owner_iri.setdefault(r.owner_iri, []).append(r)
                    self._url_schemes.setdefault(_url_key(r.owner_iri), set()).add(info.scheme)
                if r.title:
                    self._by_name.setdefault((info.scheme, _norm_name(r.title)), []).append(r)
        self._scheme_cache: dict[str, dict[str, Evidence]] = {}

    @cached_property
    def graph(self):
        """The whole picture as one networkx graph, for other tools (built on first use):
        catalogue -> requirement, and every crosswalk row as an edge keyed by its file:line."""
        import networkx as nx

        g = nx.MultiDiGraph()
        for info in self.schemes.values():
            g.add_node(f"scheme:{info.scheme}", kind="catalogue", title=info.title)
            for r in info.requirements:
                g.add_node(r.node, kind="requirement", scheme=info.scheme, title=r.title)
                g.add_edge(f"scheme:{info.scheme}", r.node, key="requirement")
        for cid, label in self.criteria.items():
            g.add_node(cid, kind="criterion", title=label)
        for row in self.rows:
            g.add_edge(row.subject, row.object, key=row.where or row.statement(), row=row)
        return g

    # ---- construction from the project's mapping files -----------------------------------
    @classmethod
    def from_mapping_data(cls, md, project=None) -> "RecognitionIndex":
        from .mappingdata import gc_paused

        with gc_paused():  # many small objects, no cycles (see mappingdata.gc_paused)
            schemes, criteria, rows = inputs_from_mapping_data(md, project)
            return cls(schemes, criteria, rows)

    # ---- exact classes -------------------------------------------------------------------
    def comp(self, node: str) -> str:
        return self._comp.get(node, node)

    def members(self, node: str) -> tuple[str, ...]:
        return self._members.get(self.comp(node), (node,))

    def exact_path(self, u: str, v: str) -> list[Row]:
        """The exact rows linking ``u`` to ``v`` (same class), in order from u to v."""
        if u == v:
            return []
        up, down = [], []
        a, b = u, v
        while self._depth.get(a, 0) > self._depth.get(b, 0):
            p, row = self._parent[a]
            up.append(row)
            a = p
        while self._depth.get(b, 0) > self._depth.get(a, 0):
            p, row = self._parent[b]
            down.append(row)
            b = p
        while a != b:
            pa, ra = self._parent[a]
            pb, rb = self._parent[b]
            up.append(ra)
            down.append(rb)
            a, b = pa, pb
        return up + down[::-1]

    # ---- queries ---------------------------------------------------------------------------
    def scheme(self, name: str) -> SchemeInfo:
        info = self.schemes.get(name)
        if info is None:
            known = ", ".join(self.schemes) or "(none: mappings/standards/ is empty)"
            raise UsageError(
                f"unknown scheme {name!r}",
                hint=f"use one of: {known}",
            )
        return info

    def status(self, held: Iterable[str]) -> dict[str, Evidence]:
        """Exact class (root) -> evidence, for everything the held nodes meet or partly meet."""
        held = sorted(set(held))
        status: dict[str, Evidence] = {}
        for a in held:
            root = self.comp(a)
            if root not in status or status[root].level < MET:
                status[root] = Evidence(MET, a)
        seen: set[str] = set()
        partial: list[tuple[str, Evidence]] = []
        for a in held:
            root = self.comp(a)
            if root in seen:
                continue
            seen.add(root)
            for c, row in self._hops.get(root, {}).items():
                ev = Evidence(MET if row.kind == "broad" else PARTLY, a, row, row.subject, row.object)
                if ev.level == MET:
                    if c not in status or status[c].level < MET:
                        status[c] = ev
                else:
                    partial.append((c, ev))
        for c, ev in partial:
            if c not in status:
                status[c] = ev
        return status

    def scheme_status(self, source: str) -> dict[str, Evidence]:
        if source not in self._scheme_cache:
            info = self.scheme(source)
            self._scheme_cache[source] = self.status(r.node for r in info.requirements)
        return self._scheme_cache[source]

    def evidence_path(self, ev: Evidence, node: str) -> list[Row]:
        """Rows from the held node to ``node`` (a member of the evidenced class)."""
        if ev.hop is None:
            return self.exact_path(ev.held, node)
        return self.exact_path(ev.held, ev.hop_from) + [ev.hop] + self.exact_path(ev.hop_to, node)

    def recognise_scheme(self, source: str, target: str) -> Result:
        info = self.scheme(source)
        return self._recognise(
            self.scheme_status(source),
            [r.node for r in info.requirements],
            target,
            held_schemes={source},
            source=f"{source} ({info.version or info.title})",
        )

    def recognise(self, held: Iterable[str], target: str, *, source: str = "") -> Result:
        held = sorted(set(held))
        held_schemes = {self.req_by_node[h].scheme for h in held if h in self.req_by_node}
        return self._recognise(self.status(held), held, target, held_schemes=held_schemes, source=source)

    def _recognise(self, status, held, target, *, held_schemes, source) -> Result:
        info = self.scheme(target)
        verdicts = [self._verdict(r, status, held_schemes) for r in info.requirements]
        crit: dict[str, tuple[str, list[Row]]] = {}
        for cid in self.criteria:
            ev = status.get(self.comp(cid))
            if ev is not None:
                crit[cid] = (STATUS_MET if ev.level == MET else STATUS_PARTLY, self.evidence_path(ev, cid))
        return Result(target=info, held=list(held), verdicts=verdicts, criteria=crit, source=source)

    def _verdict(self, req: Req, status: dict[str, Evidence], held_schemes: set[str]) -> Verdict:
        b = req.node
        own = self.rows_by_subject.get(b, [])
        recog = [r for r in own if r.recognising]
        crits = sorted({r.object for r in recog})
        ev = status.get(self.comp(b))
        if ev is not None and ev.level == MET:
            path = self.evidence_path(ev, b)
            if not path:
                return Verdict(req, STATUS_MET, "held directly", [], crits)
            return Verdict(req, STATUS_MET, _explain(path, b, "met"), path, crits)
        for row in recog:
            if row.kind == "narrow":
                evc = status.get(self.comp(row.object))
                if evc is not None and evc.level == MET:
                    path = self.evidence_path(evc, row.object) + [row]
                    return Verdict(req, STATUS_MET, _explain(path, b, "met"), path, crits)
        if ev is not None:  # partly
            path = self.evidence_path(ev, b)
            return Verdict(req, STATUS_PARTLY, _explain(path, b, "partly"), path, crits)
        for row in recog:
            if row.kind in ("broad", "narrow"):
                evc = status.get(self.comp(row.object))
                if evc is not None:
                    path = self.evidence_path(evc, row.object) + [row]
                    return Verdict(req, STATUS_PARTLY, _explain(path, b, "partly"), path, crits)
        if recog:
            notes: list[Row] = []
            for c in crits:
                for s in sorted(held_schemes):
                    notes += [r for r in self.rows_by_object_scheme.get((c, s), ()) if not r.recognising]
            reason = "mapped to " + ", ".join(crits) + ", which the held requirements do not evidence"
            if notes:
                reason += "; " + "; ".join(_note(r) for r in notes)
            return Verdict(req, STATUS_NOT_MET, reason, list(recog), crits, notes)
        if not own:
            return Verdict(req, STATUS_NA, "no crosswalk row for this requirement", [], [])
        gaps = [r for r in own if r.object == NO_TERM]
        if gaps:
            reason = "reviewed gap: no harmonised counterpart"
        else:
            reason = "only " + ", ".join(sorted({_predicate_phrase(r) for r in own})) + " rows, which never recognise"
        return Verdict(req, STATUS_NA, reason, [], [], list(own))

    # ---- credentials -------------------------------------------------------------------------
    def schemes_for_url(self, url: str) -> set[str]:
        return set(self._url_schemes.get(_url_key(url), ()))

    def match_name(self, scheme: str, name: str) -> list[Req]:
        for cand in _name_candidates(name):
            hits = self._by_name.get((scheme, cand))
            if hits:
                return hits
        return []


# ---------------------------------------------------------------------------------------------
def _predicate_phrase(r: Row) -> str:
    if r.negated:
        return f"negated {r.predicate}"
    if NO_TERM in (r.subject, r.object):
        return "NoTermFound"
    return r.predicate


def _note(r: Row) -> str:
    if r.subject == NO_TERM:
        what = f"{r.scheme} has nothing for {r.object} (reviewed gap)"
    elif r.negated:
        what = f"{r.subject} is reviewed as NOT {r.predicate.split(':')[-1]} {r.object}"
    else:
        what = f"{r.subject} is only {r.predicate.split(':')[-1]} {r.object}, which never recognises"
    return f"{what} [{r.where}]"


_SET_PHRASE = {
    "exact": "{s} = {o}",
    "broad": "{s} ⊆ {o}",
    "narrow": "{o} ⊆ {s}",
}


def _explain(path: list[Row], target: str, outcome: str) -> str:
    """A one-line reading of the path in set terms, e.g. ``ALPHA:A3 ⊆ HC:LAB-01 ⊆ BETA:2.2``."""
    parts = [_SET_PHRASE[r.kind].format(s=r.subject, o=r.object) for r in path]
    text = "; ".join(parts)
    if outcome == "partly":
        narrow_held = [r for r in path[:-1] if r.kind == "narrow"] or [r for r in path if r.kind == "narrow" and r.subject != target]
        broad_target = [r for r in path if r.kind == "broad" and r.subject == target]
        why = []
        if narrow_held:
            r = narrow_held[0]
            why.append(f"the held {r.subject} covers {r.object} only partly")
        if broad_target:
            r = broad_target[0]
            why.append(f"{target} asks more than {r.object}")
        if why:
            text += " — " + " and ".join(why)
    return text


def _url_key(url: str) -> str:
    u = url.strip().split("#", 1)[0].rstrip("/")
    u = re.sub(r"^https?://", "", u, flags=re.I)
    return u.lower()


_NOISE = {"test", "sample"}


def _norm_name(s: str) -> str:
    s = s.lower().replace("&", " and ")
    return " ".join(t for t in re.findall(r"[a-z0-9]+", s) if t not in _NOISE)


def _name_candidates(name: str) -> list[str]:
    out = []
    for part in (name, name.rsplit(":", 1)[-1]):
        n = _norm_name(part)
        if n and n not in out:
            out.append(n)
    return out


def inputs_from_mapping_data(md, project=None):
    """(schemes, criteria, rows) from a :class:`untp_crm_vocab.mappingdata.MappingData`."""
    root = Path(project.root).resolve() if project is not None else None
    schemes: dict[str, SchemeInfo] = {}
    for scheme in sorted(md.catalogues):
        cat = md.catalogues[scheme]
        info = SchemeInfo(scheme=scheme, prefix=cat.prefix, title=cat.title or "", version=str(cat.version or ""), url=cat.url or "")
        base = project.standard_base(scheme, cat.version_slug) if project is not None else md.prefix_map.get(cat.prefix, "")
        for rid, req in cat.requirements.items():  # catalogue order
            info.requirements.append(
                Req(
                    node=f"{cat.prefix}:{rid}",
                    scheme=scheme,
                    local_id=rid,
                    title=req.title or "",
                    iri=f"{base}{rid}" if base else "",
                    owner_iri=req.owner_iri or "",
                    conformity_topic=req.conformity_topic or "",
                    kind=req.kind or "",
                )
            )
        schemes[scheme] = info
    criteria = {f"{CRITERIA_PREFIX}:{cid}": c.label for cid, c in md.criteria.items()}
    rows: list[Row] = []
    for scheme in sorted(md.crosswalks):
        shown: dict = {}  # path -> display text (resolving each row's path cost ~3 s at 69k rows)
        for m in md.crosswalks[scheme].mappings:
            disp = shown.get(m.path)
            if disp is None:
                disp = shown[m.path] = display_path(m.path, root)
            rows.append(
                Row(
                    subject=m.subject_id,
                    predicate=m.predicate_id,
                    object=m.object_id,
                    negated=m.negated,
                    comment=m.comment or "",
                    where=f"{disp}:{m.line}",
                    scheme=scheme,
                    confidence=m.confidence,
                )
            )
    return schemes, criteria, rows




# ---------------------------------------------------------------------------------------------
# credentials
@dataclass
class CriterionReading:
    where: str  # JSON path in the credential
    id: str
    name: str
    conformance: bool
    conformity_topic: str
    requirement: Req | None = None
    how: str = ""  # "owner_iri" | "name" | ""
    problem: str = ""

    def as_json(self) -> dict:
        return {
            "where": self.where,
            "id": self.id,
            "name": self.name,
            "conformance": self.conformance,
            "conformityTopic": self.conformity_topic,
            "resolved": self.requirement.node if self.requirement else None,
            "how": self.how,
            "problem": self.problem,
        }


@dataclass
class CredentialReading:
    path: str
    schemes: list[str]
    readings: list[CriterionReading]
    version: str = ""  # the UNTP version read (untp_crm_vocab.credentials)
    unresolved_iris: list[str] = field(default_factory=list)  # "<json path> <iri>" cited but not published

    @property
    def held(self) -> list[str]:
        return sorted({r.requirement.node for r in self.readings if r.requirement and r.conformance})

    @property
    def unresolved(self) -> list[CriterionReading]:
        return [r for r in self.readings if r.requirement is None]


def load_credential(path: str | Path) -> tuple[dict, str]:
    """The credential subject (a ConformityAttestation) and its JSON path prefix."""
    from .fsutil import read_json

    p = Path(path)
    data = read_json(p, what="credential", hint="pass a UNTP ConformityAttestation (JSON, or a VC wrapping one)")
    return credential_subject(data, str(p))


def credential_subject(data, where: str = "credential") -> tuple[dict, str]:
    if isinstance(data, dict) and _is_enveloped(data):
        data = _unwrap_envelope(data, where)
    if not isinstance(data, dict):
        raise UsageError(
            "the credential is not a JSON object", where=where, hint="pass a UNTP ConformityAttestation or a VC wrapping one"
        )
    if "credentialSubject" in data:
        cs = data["credentialSubject"]
        if isinstance(cs, list):
            for i, item in enumerate(cs):
                if isinstance(item, dict) and item.get("assessment"):
                    return item, f"credentialSubject[{i}]"
            cs = cs[0] if cs else {}
        if not isinstance(cs, dict):
            raise UsageError("credentialSubject is not an object", where=f"{where}: credentialSubject")
        return cs, "credentialSubject"
    return data, "$"


def _is_enveloped(data: dict) -> bool:
    t = data.get("type")
    types = t if isinstance(t, list) else [t]
    return "EnvelopedVerifiableCredential" in types and str(data.get("id", "")).startswith("data:")


def _unwrap_envelope(data: dict, where: str):
    """Decode (without verifying) an enveloped VC: ``data:application/vc+jwt,<jwt>``."""
    import base64

    body = str(data["id"]).split(",", 1)[-1]
    parts = body.split(".")
    from .limits import parse_json_text

    try:
        seg = parts[1] if len(parts) >= 2 else parts[0]
        seg += "=" * (-len(seg) % 4)
        doc, problem = parse_json_text(base64.urlsafe_b64decode(seg.encode("ascii")).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, IndexError) as exc:
        raise UsageError(f"cannot decode the enveloped credential: {exc}", where=f"{where}: id")
    if problem is not None:
        raise UsageError(f"cannot decode the enveloped credential: {problem.message}", where=f"{where}: id")
    return doc


def _as_list(x) -> list:
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def read_credential(index: RecognitionIndex, cs: dict, prefix: str = "credentialSubject", path: str = "") -> CredentialReading:
    assessments = _as_list(cs.get("assessment"))
    if not assessments:
        raise UsageError(
            "the credential has no assessments",
            where=f"{path}: {prefix}.assessment" if path else f"{prefix}.assessment",
            hint="recognition needs a UNTP ConformityAttestation with assessment[].assessmentCriteria[] and conformance",
        )
    # the scheme(s) the credential speaks of: its scope and the assessments' reference standards
    urls = []
    scope = cs.get("scope")
    if isinstance(scope, dict) and isinstance(scope.get("id"), str):
        urls.append(scope["id"])
    for a in assessments:
        if isinstance(a, dict) and isinstance(a.get("referenceStandard"), dict):
            rid = a["referenceStandard"].get("id")
            if isinstance(rid, str):
                urls.append(rid)
    schemes: set[str] = set()
    for u in urls:
        schemes |= index.schemes_for_url(u)
    readings: list[CriterionReading] = []
    for i, a in enumerate(assessments):
        ap = f"{prefix}.assessment[{i}]"
        if not isinstance(a, dict):
            readings.append(CriterionReading(ap, "", "", False, "", problem="assessment is not an object"))
            continue
        conf = a.get("conformance") is True
        topic = a.get("conformityTopic") if isinstance(a.get("conformityTopic"), str) else ""
        local = set(schemes)
        ref = a.get("referenceStandard")
        if isinstance(ref, dict) and isinstance(ref.get("id"), str):
            local = index.schemes_for_url(ref["id"]) or local
        crits = _as_list(a.get("assessmentCriteria"))
        if not crits:
            readings.append(CriterionReading(ap, "", "", conf, topic, problem="no assessmentCriteria"))
            continue
        for j, c in enumerate(crits):
            cp = f"{ap}.assessmentCriteria[{j}]"
            if not isinstance(c, dict):
                readings.append(CriterionReading(cp, "", "", conf, topic, problem="criterion is not an object"))
                continue
            cid = c.get("id") if isinstance(c.get("id"), str) else ""
            name = c.get("name") if isinstance(c.get("name"), str) else ""
            readings.append(_resolve(index, CriterionReading(cp, cid, name, conf, topic), local))
    return CredentialReading(path=path, schemes=sorted(schemes), readings=readings)


def _resolve(index: RecognitionIndex, rd: CriterionReading, schemes: set[str]) -> CriterionReading:
    cands = index.by_owner_iri.get(rd.id, []) if rd.id else []
    if schemes and cands:
        cands = [r for r in cands if r.scheme in schemes] or cands
    if len(cands) == 1:
        rd.requirement, rd.how = cands[0], "owner_iri"
        return rd
    pool = sorted(schemes or {r.scheme for r in cands})
    if rd.name and pool:
        hits = []
        for s in pool:
            hits += index.match_name(s, rd.name)
        if cands:
            hits = [h for h in hits if h in cands] or hits
        if len(hits) == 1:
            rd.requirement, rd.how = hits[0], "name"
            return rd
        if len(hits) > 1:
            rd.problem = f"name {rd.name!r} matches several requirements: " + ", ".join(h.node for h in hits)
            return rd
    if not pool:
        rd.problem = "no catalogue has this criterion's IRI, and the credential's scope/referenceStandard names no known scheme"
    elif len(cands) > 1:
        rd.problem = f"IRI {rd.id} is shared by " + ", ".join(c.node for c in cands) + f" and the name {rd.name!r} matches none of them"
    else:
        rd.problem = f"no requirement with this IRI, and no title in {', '.join(pool)} matches {rd.name!r}"
    return rd


# ---------------------------------------------------------------------------------------------
# CLI
def configure(p) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--from", dest="source", metavar="SCHEME", help="the scheme held (all its requirements)")
    src.add_argument("--credential", metavar="FILE", help="a UNTP ConformityAttestation (JSON, with or without VC envelope)")
    p.add_argument("--to", dest="target", metavar="SCHEME", help="the scheme whose requirements are checked")
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args, project) -> int:
    from .mappingdata import load_mapping_data

    if not args.target:
        raise UsageError("--to SCHEME is required", hint="e.g. crm-vocab recognise --from coppermark --to tsm")
    if not args.source and not args.credential:
        raise UsageError("say what is held: --from SCHEME or --credential FILE")
    data = None
    if args.credential:  # read the file before the (slower) mapping data, so bad input fails fast
        from .fsutil import read_json

        data = read_json(Path(args.credential), what="credential",
                         hint="pass a UNTP ConformityAttestation (JSON, or a VC wrapping one)")
        credential_subject(data, args.credential)
    index = RecognitionIndex.from_mapping_data(load_mapping_data(project), project)
    index.scheme(args.target)
    reading = None
    if args.source:
        result = index.recognise_scheme(args.source, args.target)
    else:
        from .credentials import read as read_any_version

        reading = read_any_version(index, project, data, args.credential)
        result = index.recognise(reading.held, args.target, source=f"credential {args.credential}")
    if args.format == "json":
        from .fsutil import dump_json

        print(dump_json(result_json(result, reading)), end="")
    else:
        print(render_text(result, reading), end="")
    return 0


def result_json(result: Result, reading: CredentialReading | None = None) -> dict:
    out = {
        "source": result.source,
        "target": {"scheme": result.target.scheme, "title": result.target.title, "version": result.target.version},
        "held": result.held,
        "summary": result.counts(),
        "criteria": {
            cid: {"status": st, "path": [r.as_json() for r in path]} for cid, (st, path) in sorted(result.criteria.items())
        },
        "requirements": [v.as_json() for v in result.verdicts],
    }
    if reading is not None:
        out["credential"] = {
            "path": reading.path,
            "untp_version": reading.version,
            "unresolved_iris": reading.unresolved_iris,
            "schemes": reading.schemes,
            "criteria": [r.as_json() for r in reading.readings],
        }
    return out


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _safe(text: str) -> str:
    """Mapping and credential text is untrusted: no terminal control sequences in the output."""
    return _CONTROL.sub("\ufffd", str(text)).replace("\n", " ")


def render_text(result: Result, reading: CredentialReading | None = None) -> str:
    return "\n".join(_safe(ln) for ln in _render_lines(result, reading)) + "\n"


def _render_lines(result: Result, reading: CredentialReading | None = None) -> list[str]:
    t = result.target
    lines = [f"recognise: {result.source or ', '.join(result.held)} -> {t.scheme} ({t.version or t.title})"]
    if reading is not None:
        res = [r for r in reading.readings if r.requirement]
        held = [r for r in res if r.conformance]
        lines.append(
            f"credential: UNTP {reading.version or '0.5.0'}, {len(reading.readings)} assessed criteria, {len(res)} resolved"
            f" ({', '.join(reading.schemes) or 'no known scheme'}), {len(held)} held (conformance true)"
        )
        for iri in reading.unresolved_iris:
            lines.append(f"  cited IRI not resolved: {iri}")
        for r in reading.readings:
            if r.requirement is None:
                lines.append(f"  unresolved {r.where}: {r.name or r.id or '(no id)'}: {r.problem}")
            elif not r.conformance:
                lines.append(f"  not held   {r.where}: {r.requirement.node} (conformance is not true)")
    c = result.counts()
    lines.append(
        f"{len(result.verdicts)} requirements: {c[STATUS_MET]} met, {c[STATUS_PARTLY]} partly met, "
        f"{c[STATUS_NOT_MET]} not met, {c[STATUS_NA]} not assessable"
    )
    ev = sorted(result.criteria.items())
    if ev:
        lines.append(
            "criteria evidenced: "
            + ", ".join(f"{cid}{'' if st == STATUS_MET else ' (partly)'}" for cid, (st, _) in ev)
        )
    lines.append("")
    for v in result.verdicts:
        r = v.requirement
        lines.append(f"{v.status.upper():<15} {r.node}  {r.title}")
        lines.append(f"    {v.reason}")
        for row in v.path if v.status in (STATUS_MET, STATUS_PARTLY) else []:
            lines.append(f"    - {row.statement()}  [{row.where}]" + (f"  {row.comment}" if row.comment else ""))
        if v.status in (STATUS_NOT_MET, STATUS_NA):
            for row in (v.path if v.status == STATUS_NOT_MET else v.notes):
                lines.append(f"    - {row.statement()}  [{row.where}]" + (f"  {row.comment}" if row.comment else ""))
    return lines
