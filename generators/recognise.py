"""``crm-vocab recognise``: which requirements of one scheme does another scheme (or a credential) meet.

Semantics (DEVELOPING.md "Recognition semantics", GUIDE section 3). Requirements and criteria are
read extensionally, as sets of conforming operations; every crosswalk row goes from a scheme's
requirement (subject) to a harmonised criterion (object). Only *reviewed* rows act (``reviewer_id``
and ``review_date`` set):

* ``a exactMatch c``: a = c.  Exact matches are closed transitively (equivalence classes).
* ``a broadMatch c``: a ⊆ c, holding a meets c.
* ``a narrowMatch c``: a covers part of c: holding a meets c only partly, and meeting c meets a
  only partly (no comment claims more).
* An exact or broad row whose comment marks it unverified or partial
  (:func:`untp_crm_vocab.mappingdata.comment_flags`) counts as a narrowMatch: partly, never "met".
* closeMatch, relatedMatch and unreviewed rows never recognise; reviewed ``predicate_modifier:
  Not`` rows and ``sssom:NoTermFound -> c`` gap rows say "the held scheme does not give c".
* broad/narrow are never chained: one hop from the held requirement's exact class to a criterion's
  exact class, then at most one hop from the criterion to the target requirement.

Achievement levels: a row assumes a level of its subject requirement (its ``subject_level``, or the
scheme's pass level). A requirement held at level H gives the row's evidence in full when H is at
least the level the row assumes, partly when H is lower but still counts for something, and nothing
at a level the scheme does not count. The held level comes from the credential (a score, or a bare
``conformance: true`` read as the catalogue's ``conformance_level``) or from ``--level``.

A target requirement ``b`` is **met** when its exact class is met (some ``b exactMatch c`` with c met
in full); **partly met** when some mapped criterion of b is met or partly met but the former does not
hold; **not met** when b has recognising rows and, for every criterion they name, reviewed rows of
the held scheme say it does not give it (a gap row, negated rows, or held requirements the credential
assesses as not conformant); **not established** otherwise (no row could recognise b, or the held
scheme has only close/related/unreviewed rows for a criterion b needs). Every verdict says which
levels it assumed and why.

The index is built once (:meth:`RecognitionIndex.from_mapping_data`); a query costs the held
requirements' edges (cached per source scheme and level) plus the target scheme's requirements.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterable

from .errors import UsageError
from .fsutil import display_path
from .mappingdata import comment_flags

MET, PARTLY, NOTHING = 2, 1, 0
STATUS_MET = "met"
STATUS_PARTLY = "partly met"
STATUS_NOT_MET = "not met"
STATUS_NOT_ESTABLISHED = "not established"
STATUSES = (STATUS_MET, STATUS_PARTLY, STATUS_NOT_MET, STATUS_NOT_ESTABLISHED)
#: what each status means, for people (text and JSON output, the site)
STATUS_MEANING = {
    STATUS_MET: "reviewed rows establish it in full, at the level stated",
    STATUS_PARTLY: "reviewed rows establish part of it, or it is held below the level the rows assume",
    STATUS_NOT_MET: "reviewed rows of the held scheme say it does not give what the requirement needs",
    STATUS_NOT_ESTABLISHED: "no reviewed row could recognise it either way (a gap in the crosswalks, not a finding)",
}

NO_TERM = "sssom:NoTermFound"
CRITERIA_PREFIX = "HC"
UNGRADED = ""  # the level of a requirement whose scheme has no achievement levels
_KINDS = {
    "skos:exactMatch": "exact",
    "skos:broadMatch": "broad",
    "skos:narrowMatch": "narrow",
    "skos:closeMatch": "close",
    "skos:relatedMatch": "related",
}


def node_id(curie: str, level: str) -> str:
    """The graph node of a requirement at one achievement level (``IRMA2018:3.1@IRMA-100``)."""
    return f"{curie}@{level}" if level else curie


def level_text(level: str) -> str:
    return level or "full conformance (no levels)"


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
    level: str = UNGRADED  # the level of the subject the row assumes (its subject_level or the scheme's default)
    level_stated: bool = False  # subject_level was written in the row
    reviewed: bool = True  # reviewer_id and review_date set
    reviewer: str = ""
    review_date: str = ""

    # the row's fields never change (frozen): what is read from them is computed once; recognition
    # reads these for every row on every query (bench/bench_recognition.py)
    @cached_property
    def kind(self) -> str:
        return _KINDS.get(self.predicate, "other")

    @cached_property
    def flags(self) -> frozenset:
        return comment_flags(self.comment)

    @cached_property
    def is_gap(self) -> bool:
        return NO_TERM in (self.subject, self.object)

    @cached_property
    def recognising(self) -> bool:
        """A reviewed exact/broad/narrow row between a requirement and a criterion."""
        return self.reviewed and not self.negated and self.kind in ("exact", "broad", "narrow") and not self.is_gap

    @cached_property
    def full(self) -> bool:
        """A recognising row that asserts containment without qualifying it (may carry "met")."""
        return self.recognising and self.kind in ("exact", "broad") and not self.flags

    @cached_property
    def says_no(self) -> bool:
        """A reviewed row stating that its scheme (gap) or its subject (negated) does not give the criterion."""
        return self.reviewed and (self.negated or self.subject == NO_TERM) and self.object != NO_TERM

    @property
    def subject_node(self) -> str:
        return node_id(self.subject, self.level) if self.subject != NO_TERM else self.subject

    def statement(self) -> str:
        mod = " Not" if self.negated else ""
        at = f" (at {self.level})" if self.level and self.recognising else ""
        return f"{self.subject}{at} {self.predicate}{mod} {self.object}"

    def as_json(self) -> dict:
        return {
            "where": self.where,
            "subject_id": self.subject,
            "subject_level": self.level or None,
            "predicate_id": self.predicate,
            "predicate_modifier": "Not" if self.negated else "",
            "object_id": self.object,
            "comment": self.comment,
            "reviewer_id": self.reviewer,
            "review_date": self.review_date,
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


@dataclass(frozen=True)
class LevelInfo:
    id: str
    title: str = ""
    reading: str = "full"  # none | partial | full
    codes: tuple = ()  # other codes naming this level (a scheme's scoring codes in credentials)


@dataclass
class SchemeInfo:
    scheme: str
    prefix: str
    title: str = ""
    version: str = ""
    url: str = ""
    requirements: list[Req] = field(default_factory=list)
    levels: list[LevelInfo] = field(default_factory=list)  # lowest first; empty: ungraded
    default_level: str = UNGRADED  # the level rows assume by default (the pass level)
    credential_level: str = UNGRADED  # how a bare `conformance: true` is read

    def rank(self, level: str) -> int:
        return next((i for i, lv in enumerate(self.levels) if lv.id == level), -1)

    def reading(self, level: str) -> str:
        return next((lv.reading for lv in self.levels if lv.id == level), "none")

    def find_level(self, text: str) -> str | None:
        """The level a score code or a user's --level names (by id or title, any case/punctuation)."""
        key = _norm_code(text)
        for lv in self.levels:
            if key in (_norm_code(lv.id), _norm_code(lv.title), *(_norm_code(c) for c in lv.codes)):
                return lv.id
        return None

    def strength(self, held: str, assumed: str) -> int:
        """What a requirement held at level ``held`` gives a row assuming level ``assumed``."""
        if not self.levels:
            return MET
        if self.reading(held) == "none":
            return NOTHING
        return MET if self.rank(held) >= self.rank(assumed) else PARTLY


def _norm_code(s: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", str(s).lower()))


@dataclass(frozen=True)
class Evidence:
    """Why an exact class (of criteria and requirement nodes) is met or partly met."""

    level: int
    held: str  # the held node (requirement at a level)
    held_curie: str = ""
    held_level: str = UNGRADED
    hop: Row | None = None  # the broad/narrow row, None when the held node is in the class itself
    hop_from: str | None = None  # subject node of ``hop`` (in the held node's exact class)
    hop_to: str | None = None  # object of ``hop`` (in this class)


@dataclass
class Verdict:
    requirement: Req
    status: str
    reason: str
    path: list[Row] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)  # the mapped criteria considered
    notes: list[Row] = field(default_factory=list)  # rows that explain a "not met" / "not established"
    assumes: list[tuple[str, str, str]] = field(default_factory=list)  # (requirement, level, why) the answer assumes
    held: tuple[str, str, str] | None = None  # (requirement, level, source) the answer rests on

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
            "assumes": [{"requirement": q, "level": lv or None, "where": w} for q, lv, w in self.assumes],
            "held": ({"requirement": self.held[0], "level": self.held[1] or None, "source": self.held[2]}
                     if self.held else None),
            "path": [row.as_json() for row in self.path],
            "notes": [row.as_json() for row in self.notes],
        }

    def rows(self) -> list[Row]:
        """Every row the answer rests on (path, then notes)."""
        return list(self.path) + [r for r in self.notes if r not in self.path]


@dataclass
class Result:
    target: SchemeInfo
    held: list[str]
    verdicts: list[Verdict]
    criteria: dict[str, tuple[str, list[Row]]]  # criterion -> (status, path) for evidenced criteria
    source: str = ""  # human description of what is held
    held_levels: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # requirement -> (level, source)

    def counts(self) -> dict[str, int]:
        c = {s: 0 for s in STATUSES}
        for v in self.verdicts:
            c[v.status] += 1
        return c

    def by_id(self) -> dict[str, Verdict]:
        return {v.requirement.local_id: v for v in self.verdicts}

    def by_node(self) -> dict[str, Verdict]:
        return {v.requirement.node: v for v in self.verdicts}


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

        exact: dict[str, dict[str, Row]] = {}  # exact-match adjacency between nodes (the last row of a pair wins)
        self.out_edges: dict[str, list[Row]] = {}
        self.rows_by_subject: dict[str, list[Row]] = {}
        self.rows_by_object_scheme: dict[tuple[str, str], list[Row]] = {}
        self._variants: dict[str, set[str]] = {}  # requirement -> the levels rows assume for it
        self._variant_lists: dict[str, list[str]] = {}  # variants(), memoised
        for row in self.rows:
            self.rows_by_subject.setdefault(row.subject, []).append(row)
            self.rows_by_object_scheme.setdefault((row.object, row.scheme), []).append(row)
            if row.subject != NO_TERM:
                self._variants.setdefault(row.subject, set()).add(row.level)
            if not row.recognising:
                continue
            if row.kind == "exact" and row.full:
                exact.setdefault(row.subject_node, {})[row.object] = row
                exact.setdefault(row.object, {})[row.subject_node] = row
            else:
                self.out_edges.setdefault(row.subject_node, []).append(row)

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

        # one hop out of each exact class, by target class: a full broad row (meets) is preferred
        # over a partial one; the first row in (member, file) order wins, so answers are stable
        self._hops: dict[str, dict[str, Row]] = {}
        for node in sorted(self.out_edges):
            hops = self._hops.setdefault(self.comp(node), {})
            for row in self.out_edges[node]:
                t = self.comp(row.object)
                if t not in hops or (not hops[t].full and row.full):
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
        self._scheme_cache: dict[tuple[str, str], dict[str, Evidence]] = {}

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

    # ---- levels -----------------------------------------------------------------------------
    def variants(self, curie: str) -> list[str]:
        """The levels at which a requirement appears in the graph (its default level included)."""
        got = self._variant_lists.get(curie)
        if got is None:  # the index never changes once built: each requirement's list is made once
            req = self.req_by_node.get(curie)
            out = set(self._variants.get(curie, ()))
            if req is not None:
                out.add(self.schemes[req.scheme].default_level)
            got = self._variant_lists[curie] = sorted(out)
        return got

    def scheme_of(self, curie: str) -> SchemeInfo | None:
        req = self.req_by_node.get(curie)
        return self.schemes.get(req.scheme) if req is not None else None

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

    def status(self, held: dict[str, str | None]) -> dict[str, Evidence]:
        """Exact class (root) -> evidence, for everything the held requirements meet or partly meet.
        ``held`` maps a requirement CURIE to the level it is held at (None: assessed, not held)."""
        seeds: list[tuple[int, str, str, str]] = []  # (strength, node, curie, held level)
        for curie in sorted(held):
            h = held[curie]
            if h is None:
                continue
            info = self.scheme_of(curie)
            for lv in self.variants(curie) if info is not None else [UNGRADED]:
                st = info.strength(h, lv) if info is not None else MET
                if st:
                    seeds.append((st, node_id(curie, lv), curie, h))
        status: dict[str, Evidence] = {}
        best: dict[str, tuple[int, str, str, str]] = {}
        for st, node, curie, h in sorted(seeds, key=lambda t: (-t[0], t[1])):
            root = self.comp(node)
            if root not in status:
                status[root] = Evidence(st, node, curie, h)
                best[root] = (st, node, curie, h)
        partial: list[tuple[str, Evidence]] = []
        for root in sorted(best):
            st, node, curie, h = best[root]
            for c, row in self._hops.get(root, {}).items():
                level = min(st, MET if row.full else PARTLY)
                ev = Evidence(level, node, curie, h, row, row.subject_node, row.object)
                if level == MET:
                    if c not in status or status[c].level < MET:
                        status[c] = ev
                else:
                    partial.append((c, ev))
        for c, ev in partial:
            if c not in status:
                status[c] = ev
        return status

    def evidence_path(self, ev: Evidence, node: str) -> list[Row]:
        """Rows from the held node to ``node`` (a member of the evidenced class)."""
        if ev.hop is None:
            return self.exact_path(ev.held, node)
        return self.exact_path(ev.held, ev.hop_from) + [ev.hop] + self.exact_path(ev.hop_to, node)

    def scheme_held(self, source: str, level: str | None = None) -> dict[str, str]:
        """Every requirement of ``source`` held at ``level`` (default: the scheme's pass level)."""
        info = self.scheme(source)
        lv = info.default_level if level is None else level
        return {r.node: lv for r in info.requirements}

    def recognise_scheme(self, source: str, target: str, level: str | None = None) -> Result:
        info = self.scheme(source)
        lv = info.default_level if level is None else level
        key = (source, lv)
        held = self.scheme_held(source, lv)
        if key not in self._scheme_cache:
            self._scheme_cache[key] = self.status(held)
        why = "--level" if level is not None else ("the scheme's pass level (no --level given)" if lv else "")
        desc = f"{source} ({info.version or info.title})" + (f" held at {lv}" if lv else "")
        return self._recognise(self._scheme_cache[key], held, target, held_schemes={source}, source=desc,
                               level_source=why)

    def recognise(self, held: dict[str, str | None] | Iterable[str], target: str, *, source: str = "",
                  level_sources: dict[str, str] | None = None) -> Result:
        """Recognition from held requirements: a dict CURIE -> level (None: assessed, not held), or
        an iterable of CURIEs held at their scheme's pass level."""
        if not isinstance(held, dict):
            held = {h: (self.scheme_of(h).default_level if self.scheme_of(h) else UNGRADED) for h in held}
        held_schemes = {self.req_by_node[h].scheme for h in held if h in self.req_by_node}
        return self._recognise(self.status(held), held, target, held_schemes=held_schemes, source=source,
                               level_sources=level_sources or {})

    def _recognise(self, status, held, target, *, held_schemes, source, level_source="", level_sources=None) -> Result:
        info = self.scheme(target)
        level_sources = level_sources or {}
        src = {h: (lv, level_sources.get(h, level_source)) for h, lv in held.items()}
        verdicts = [self._verdict(r, status, held, held_schemes, src) for r in info.requirements]
        crit: dict[str, tuple[str, list[Row]]] = {}
        for cid in self.criteria:
            ev = status.get(self.comp(cid))
            if ev is not None:
                crit[cid] = (STATUS_MET if ev.level == MET else STATUS_PARTLY, self.evidence_path(ev, cid))
        return Result(target=info, held=sorted(h for h, lv in held.items() if lv is not None), verdicts=verdicts,
                      criteria=crit, source=source, held_levels=src)

    def _assumes(self, path: list[Row]) -> list[tuple[str, str, str]]:
        out = []
        for r in path:
            if r.subject != NO_TERM and (r.subject, r.level, r.where) not in out:
                out.append((r.subject, r.level, r.where))
        return out

    def _verdict(self, req: Req, status: dict[str, Evidence], held, held_schemes: set[str], src) -> Verdict:
        b = req.node
        info = self.schemes[req.scheme]
        own = self.rows_by_subject.get(b, [])
        recog = [r for r in own if r.recognising]
        crits = sorted({r.object for r in recog})
        if b in held:  # the target requirement itself is held (same scheme)
            h = held[b]
            source = src.get(b, (h, ""))[1]
            if h is None:
                return Verdict(req, STATUS_NOT_MET, "assessed, and the credential says it is not conformant", [], crits,
                               held=(b, UNGRADED, source or "the credential"))
            st = info.strength(h, info.default_level)
            hl = (b, h, source)
            if st == MET:
                return Verdict(req, STATUS_MET, "held directly" + (f" at {h}" if h else ""), [], crits,
                               assumes=[(b, h, "held")], held=hl)
            if st == PARTLY:
                return Verdict(req, STATUS_PARTLY, f"held directly at {h}, below {info.default_level}, the level at which "
                               f"{info.scheme} counts it as met", [], crits, assumes=[(b, h, "held")], held=hl)
            return Verdict(req, STATUS_NOT_MET, f"held at {h}, a level {info.scheme} does not count as meeting it", [], crits,
                           held=hl)
        met: list[tuple[list[Row], Evidence, str]] = []
        partly: list[tuple[list[Row], Evidence]] = []
        for lv in self.variants(b):
            v = node_id(b, lv)
            ev = status.get(self.comp(v))
            if ev is not None:
                path = self.evidence_path(ev, v)
                (met.append((path, ev, lv)) if ev.level == MET else partly.append((path, ev)))
        for row in recog:
            if row.full and row.kind == "exact":
                continue  # its class is above
            evc = status.get(self.comp(row.object))
            if evc is not None:
                partly.append((self.evidence_path(evc, row.object) + [row], evc))
        if met:
            path, ev, lv = met[0]
            hl = (ev.held_curie, ev.held_level, src.get(ev.held_curie, (None, ""))[1])
            assumes = self._assumes(path) or [(b, lv, "held")]
            if all(q != b for q, _, _ in assumes):
                assumes.append((b, lv, "its exact class"))
            reason = _explain(path, b, "met")
            if ev.held_level:
                reason += f" — held {ev.held_curie} at {ev.held_level}"
            return Verdict(req, STATUS_MET, reason, path, crits, assumes=assumes, held=hl)
        if partly:
            partly.sort(key=lambda t: -t[1].level)  # prefer a path whose criterion is met, for the explanation
            path, ev = partly[0]
            hl = (ev.held_curie, ev.held_level, src.get(ev.held_curie, (None, ""))[1])
            reason = _explain(path, b, "partly", ev, self.scheme_of(ev.held_curie))
            return Verdict(req, STATUS_PARTLY, reason, path, crits, assumes=self._assumes(path), held=hl)
        # nothing recognised: a reviewed "no", or an unknown
        if not recog:
            if not own:
                return Verdict(req, STATUS_NOT_ESTABLISHED, "no crosswalk row for this requirement: nothing could recognise it", [], [])
            gaps = [r for r in own if r.object == NO_TERM and r.reviewed]
            unreviewed = [r for r in own if not r.reviewed and (r.kind in ("exact", "broad", "narrow") or r.negated or r.is_gap)]
            parts = []
            if gaps:
                parts.append("reviewed gap: it has no harmonised counterpart, so no other scheme can be recognised for it")
            if unreviewed:
                parts.append("unreviewed rows, which recognition does not use until reviewed")
            rest = sorted({_predicate_phrase(r) for r in own if r not in gaps and r not in unreviewed})
            if rest:
                parts.append("only " + ", ".join(rest) + " rows, which never recognise")
            return Verdict(req, STATUS_NOT_ESTABLISHED, "; ".join(parts), [], [], list(own))
        no_rows: list[Row] = []
        unknown: list[tuple[str, list[Row]]] = []
        for c in crits:
            says_no, rows = self._held_no(c, held_schemes, held)
            if says_no:
                no_rows += [r for r in rows if r not in no_rows]
            else:
                unknown.append((c, rows))
        if not unknown:
            reason = ("mapped to " + ", ".join(crits) + "; reviewed rows say the held scheme does not give them: "
                      + "; ".join(_note(r, held) for r in no_rows))
            return Verdict(req, STATUS_NOT_MET, reason, list(recog), crits, no_rows)
        parts = []
        notes: list[Row] = []
        for c, rows in unknown:
            if rows:
                parts.append(f"{c}: " + "; ".join(_note(r, held) for r in rows))
                notes += [r for r in rows if r not in notes]
            else:
                parts.append(f"{c}: no row of the held scheme names it")
        reason = "mapped to " + ", ".join(crits) + ", which nothing held establishes either way — " + "; ".join(parts)
        return Verdict(req, STATUS_NOT_ESTABLISHED, reason, list(recog), crits, notes + [r for r in no_rows if r not in notes])

    def _held_no(self, c: str, held_schemes: set[str], held) -> tuple[bool, list[Row]]:
        """Do reviewed rows of the held schemes say they do not give criterion ``c``?
        (True, the rows saying so) or (False, the rows that leave it open)."""
        rows = []
        for s in sorted(held_schemes):
            rows += self.rows_by_object_scheme.get((c, s), [])
        nos, open_ = [], []
        for r in rows:
            if r.says_no:
                nos.append(r)
            elif r.recognising and r.subject in held and self._counts_nothing(r.subject, held[r.subject]):
                nos.append(r)  # the credential assesses it: not conformant, or at a level that counts for nothing
            else:
                open_.append(r)
        gaps = [r for r in nos if r.subject == NO_TERM]
        if gaps:
            return True, gaps
        if rows and not open_:
            return True, nos
        return False, open_

    def _counts_nothing(self, curie: str, level: str | None) -> bool:
        if level is None:
            return True
        info = self.scheme_of(curie)
        return info is not None and bool(info.levels) and info.reading(level) == "none"

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


def _note(r: Row, held=None) -> str:
    if r.subject == NO_TERM:
        what = f"{r.scheme} has nothing for {r.object} (reviewed gap)"
    elif r.negated:
        what = f"{r.subject} is reviewed as NOT {r.predicate.split(':')[-1]} {r.object}"
    elif r.kind in ("close", "related"):
        what = f"{r.subject} is only {r.predicate.split(':')[-1]} {r.object}, which never recognises"
    elif not r.reviewed:
        what = f"{r.subject} {r.predicate.split(':')[-1]} {r.object} is not reviewed yet"
    elif r.recognising and held is not None and r.subject in held:
        h = held[r.subject]
        what = (f"{r.subject} is assessed as not conformant" if h is None
                else f"{r.subject} is held at {h}, a level its scheme does not count")
    elif r.recognising:
        what = f"{r.subject} {r.predicate.split(':')[-1]} {r.object}, but {r.subject} is not held"
    else:
        what = f"{r.subject} is only {r.predicate.split(':')[-1]} {r.object}, which never recognises"
    return f"{what} [{r.where}]"


_SET_PHRASE = {
    "exact": "{s} = {o}",
    "broad": "{s} ⊆ {o}",
    "narrow": "{s} covers part of {o}",
}


def _phrase(r: Row) -> str:
    if r.kind in ("exact", "broad") and r.flags:
        return f"{r.subject} ~ {r.object} ({' and '.join(sorted(r.flags))})"
    return _SET_PHRASE.get(r.kind, "{s} ? {o}").format(s=r.subject, o=r.object)


def _explain(path: list[Row], target: str, outcome: str, ev: Evidence | None = None, held_info: SchemeInfo | None = None) -> str:
    """A one-line reading of the path in set terms, e.g. ``ALPHA:A3 ⊆ HC:LAB-01; BETA:2.2 covers part of HC:LAB-01``."""
    text = "; ".join(_phrase(r) for r in path)
    if outcome != "partly":
        return text
    why = []
    held_side = [r for r in path if r.subject != target]
    for r in held_side:
        if not r.full:
            why.append(f"the held {r.subject} covers {r.object} only partly" if r.kind == "narrow"
                       else f"{r.subject} ~ {r.object} is marked {' and '.join(sorted(r.flags))}")
            break
    target_side = [r for r in path if r.subject == target]
    for r in target_side:
        if r.kind == "broad" and r.full:
            why.append(f"{target} asks more than {r.object}")
        elif r.kind == "narrow":
            why.append(f"{target} covers only part of {r.object}, and no row claims {r.object} ⊆ {target}")
        elif r.flags:
            why.append(f"{target} ~ {r.object} is marked {' and '.join(sorted(r.flags))}")
    if ev is not None and ev.held_level and held_info is not None and held_info.levels:
        for r in held_side[:1]:
            if held_info.strength(ev.held_level, r.level) == PARTLY:
                why.append(f"{ev.held_curie} is held at {ev.held_level}, below the {r.level} that {r.where} assumes")
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
        info = SchemeInfo(
            scheme=scheme, prefix=cat.prefix, title=cat.title or "", version=str(cat.version or ""), url=cat.url or "",
            levels=[LevelInfo(lv.id, lv.title, lv.reading, tuple(lv.codes)) for lv in cat.levels],
            default_level=cat.default_level, credential_level=cat.credential_level,
        )
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
        cat = md.catalogues.get(scheme)
        default = cat.default_level if cat is not None else UNGRADED
        for m in md.crosswalks[scheme].mappings:
            disp = shown.get(m.path)
            if disp is None:
                disp = shown[m.path] = display_path(m.path, root)
            stated = m.subject_level
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
                    level=(stated or default) if m.subject_id != NO_TERM else UNGRADED,
                    level_stated=bool(stated),
                    reviewed=m.reviewed,
                    reviewer=m.reviewer_id,
                    review_date=m.review_date,
                )
            )
    return schemes, criteria, rows


# ---------------------------------------------------------------------------------------------
# achievement levels in UNTP credentials (0.5.0 and 0.7.0 shapes)
@dataclass(frozen=True)
class Score:
    """One performance score a credential states."""

    code: str  # e.g. "AAA", "fully met"
    metric: str = ""  # the metric (indicator, criterion) the score is for, when named
    where: str = ""  # JSON path


def performance_scores(obj, where: str = "$") -> list[Score]:
    """Every performance score stated on a UNTP object, in document order:

    * UNTP 0.5.0 ``ConformityAssessment.declaredValue[]`` (``Metric``: ``score`` text with ``metricName``);
    * UNTP 0.7.0 ``ConformityAssessment.assessedPerformance[]`` and ``Claim.claimedPerformance``
      (``Performance``: ``score.code`` with ``metric.name``);
    * UNTP 0.7.0 ``ConformityAttestation.profileScore`` (``Score``: ``code``).

    Scores without a code are skipped; nothing here raises for odd input."""
    out: list[Score] = []
    if not isinstance(obj, dict):
        return out
    for i, m in enumerate(_as_list(obj.get("declaredValue"))):
        if isinstance(m, dict) and isinstance(m.get("score"), (str, int, float)) and str(m.get("score")).strip():
            name = m.get("metricName") if isinstance(m.get("metricName"), str) else ""
            out.append(Score(str(m["score"]).strip(), name, f"{where}.declaredValue[{i}].score"))
    for key in ("assessedPerformance", "claimedPerformance"):
        val = obj.get(key)
        many = isinstance(val, list)
        for i, p in enumerate(_as_list(val)):
            if not isinstance(p, dict) or not isinstance(p.get("score"), dict):
                continue
            code = p["score"].get("code")
            if not isinstance(code, (str, int, float)) or not str(code).strip():
                continue
            metric = p.get("metric")
            name = metric.get("name") if isinstance(metric, dict) and isinstance(metric.get("name"), str) else ""
            at = f"{where}.{key}[{i}].score.code" if many else f"{where}.{key}.score.code"
            out.append(Score(str(code).strip(), name, at))
    ps = obj.get("profileScore")
    if isinstance(ps, dict) and isinstance(ps.get("code"), (str, int, float)) and str(ps.get("code")).strip():
        out.append(Score(str(ps["code"]).strip(), "", f"{where}.profileScore.code"))
    return out


@dataclass(frozen=True)
class HeldLevel:
    level: str | None  # the level held (UNGRADED for an ungraded scheme); None: not held
    source: str  # where the level comes from (a JSON path, "conformance: true", "--level")
    problem: str = ""  # what could not be read, when the level fell back


def held_level(info: SchemeInfo, *, conformance, scores: list[Score], names: Iterable[str] = (),
               cli_level: str | None = None) -> HeldLevel:
    """The level at which an assessed requirement of scheme ``info`` is held.

    ``conformance`` false: not held. A score that names one of the scheme's levels wins (the one
    whose metric is named like the criterion, or the only/common score); otherwise ``cli_level``
    (``--level``), otherwise the catalogue's ``conformance_level`` for a bare ``conformance: true``.
    A partially met criterion therefore never reads as fully met unless a score or --level says so."""
    if conformance is False:
        return HeldLevel(None, "conformance: false")
    if not info.levels:
        return HeldLevel(UNGRADED, "conformance: true" if conformance else "assessed")
    problem = ""
    chosen: Score | None = None
    if scores:
        wanted = [n for n in (_norm_name(x) for x in names) if n]
        named = [s for s in scores if s.metric and _norm_name(s.metric) in wanted]
        if not named and wanted:
            for s in scores:
                if s.metric and difflib.get_close_matches(_norm_name(s.metric), wanted, n=1, cutoff=0.85):
                    named.append(s)
        if named:
            chosen = named[0]
        elif len({_norm_code(s.code) for s in scores}) == 1:
            chosen = scores[0]
        else:
            problem = ("several scores (" + ", ".join(f"{s.code} at {s.where}" for s in scores)
                       + ") and none is named like this criterion")
    if chosen is not None:
        lv = info.find_level(chosen.code)
        if lv is not None:
            return HeldLevel(lv, chosen.where)
        problem = (f"score {chosen.code!r} at {chosen.where} is not one of {info.scheme}'s levels "
                   f"({', '.join(x.id for x in info.levels)})")
    if cli_level is not None and info.find_level(cli_level) is not None:
        return HeldLevel(info.find_level(cli_level), "--level", problem)
    return HeldLevel(info.credential_level, f"conformance: true, read as {info.scheme}'s conformance_level", problem)


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
    level: str | None = None  # the level held (None: not held)
    level_source: str = ""
    level_problem: str = ""
    level_rank: int = 0  # position of ``level`` in its scheme's levels (to keep the lowest of several)

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
            "level": self.level or None,
            "levelSource": self.level_source,
            "levelProblem": self.level_problem,
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
    def held_levels(self) -> dict[str, str | None]:
        """Requirement -> level held (None: assessed, not conformant). Several assessments of one
        requirement: the lowest level counts, and a non-conformance wins."""
        out: dict[str, str | None] = {}
        rank: dict[str, int] = {}
        for r in self.readings:
            if r.requirement is None:
                continue
            n = r.requirement.node
            lv = r.level if r.conformance else None
            k = -1 if lv is None else r.level_rank
            if n not in out or k < rank[n]:
                out[n], rank[n] = lv, k
        return out

    @property
    def level_sources(self) -> dict[str, str]:
        return {r.requirement.node: r.level_source for r in self.readings if r.requirement is not None}

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
                if isinstance(item, dict) and (item.get("assessment") or item.get("conformityAssessment")):
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


def read_credential(index: RecognitionIndex, cs: dict, prefix: str = "credentialSubject", path: str = "",
                    cli_level: str | None = None) -> CredentialReading:
    key = "assessment" if cs.get("assessment") is not None or cs.get("conformityAssessment") is None else "conformityAssessment"
    assessments = _as_list(cs.get(key))
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
        ap = f"{prefix}.{key}[{i}]"
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
        scores = performance_scores(a, ap)
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
            rd = _resolve(index, CriterionReading(cp, cid, name, conf, topic), local)
            if rd.requirement is not None:
                info = index.schemes[rd.requirement.scheme]
                hl = held_level(info, conformance=conf, scores=scores, names=(name, rd.requirement.title),
                                cli_level=cli_level)
                rd.level, rd.level_source, rd.level_problem = hl.level, hl.source, hl.problem
                rd.level_rank = info.rank(hl.level) if hl.level else 0
            readings.append(rd)
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
EXIT_CODES = """exit codes:
  0  the recognition was computed (met or not)
  1  the mapping files cannot be read
  2  usage error: unknown scheme, unreadable credential, no project found"""


def configure(p) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--from", dest="source", metavar="SCHEME", help="the scheme held (all its requirements)")
    src.add_argument("--credential", metavar="FILE", help="a UNTP ConformityAttestation (JSON, with or without VC envelope)")
    p.add_argument("--to", dest="target", metavar="SCHEME", help="the scheme whose requirements are checked")
    p.add_argument("--level", metavar="LEVEL",
                   help="the achievement level held (e.g. AA, fully-met): for --from every requirement, for "
                        "--credential where the credential states no score (default: the scheme's pass level, "
                        "or the catalogue's conformance_level for a bare conformance true)")
    p.add_argument("--format", choices=("text", "json"), default="text")


def check_level(info: SchemeInfo, level: str) -> str:
    """``level`` as one of the scheme's level ids, or a UsageError saying which exist."""
    if not info.levels:
        raise UsageError(f"{info.scheme} has no achievement levels, so --level {level!r} does not apply",
                         hint=f"leave out --level for {info.scheme}")
    lv = info.find_level(level)
    if lv is None:
        raise UsageError(f"{level!r} is not a level of {info.scheme}",
                         hint="use one of: " + ", ".join(x.id for x in info.levels) + " (lowest first)")
    return lv


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
    level = getattr(args, "level", None)
    if args.source:
        info = index.scheme(args.source)
        lv = check_level(info, level) if level is not None else None
        result = index.recognise_scheme(args.source, args.target, lv)
    else:
        from .credentials import read as read_any_version

        reading = read_any_version(index, project, data, args.credential)
        if level is not None:
            named = sorted({r.requirement.scheme for r in reading.readings
                            if r.requirement is not None and r.requirement.scheme in index.schemes})
            graded = [s for s in named if index.schemes[s].levels]
            if not graded:
                raise UsageError(f"--level {level!r}: none of the credential's schemes ({', '.join(named) or 'none resolved'}) has achievement levels",
                                 hint="leave out --level")
            for s in graded:
                check_level(index.schemes[s], level)
            reading = read_any_version(index, project, data, args.credential, cli_level=level)
        result = index.recognise(reading.held_levels, args.target, source=f"credential {args.credential}",
                                 level_sources=reading.level_sources)
    if args.format == "json":
        from .fsutil import dump_json

        print(dump_json(result_json(result, reading)), end="")
    else:
        print(render_text(result, reading), end="")
    return 0


FORMAT_VERSION = 2  # of the --format json output (2: statuses met / partly met / not met / not established, levels)


def result_json(result: Result, reading: CredentialReading | None = None) -> dict:
    out = {
        "format": FORMAT_VERSION,
        "source": result.source,
        "target": {"scheme": result.target.scheme, "title": result.target.title, "version": result.target.version,
                   "levels": [lv.id for lv in result.target.levels], "pass_level": result.target.default_level or None},
        "held": result.held,
        "held_levels": {h: {"level": lv or None, "source": src} for h, (lv, src) in sorted(result.held_levels.items())
                        if lv is not None},
        "statuses": STATUS_MEANING,
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
    # The summary comes first (a `| head -4` shows it); the per-criterion reading of the
    # credential follows it, then one block per requirement.
    details: list[str] = []
    if reading is not None:
        for iri in reading.unresolved_iris:
            details.append(f"  cited IRI not resolved: {iri}")
        for r in reading.readings:
            if r.requirement is None:
                details.append(f"  unresolved {r.where}: {r.name or r.id or '(no id)'}: {r.problem}")
            elif not r.conformance:
                details.append(f"  not held   {r.where}: {r.requirement.node} (conformance is not true)")
            elif r.level:
                extra = f"; {r.level_problem}" if r.level_problem else ""
                details.append(f"  held       {r.where}: {r.requirement.node} at {r.level} ({r.level_source}{extra})")
    c = result.counts()
    lines.append(
        f"{len(result.verdicts)} requirements: {c[STATUS_MET]} met, {c[STATUS_PARTLY]} partly met, "
        f"{c[STATUS_NOT_MET]} not met, {c[STATUS_NOT_ESTABLISHED]} not established"
    )
    ev = sorted(result.criteria.items())
    if ev:
        lines.append(
            "criteria evidenced: "
            + ", ".join(f"{cid}{'' if st == STATUS_MET else ' (partly)'}" for cid, (st, _) in ev)
        )
    lines.append("  (not met: reviewed rows say the held scheme does not give it; not established: no reviewed row could"
                 " recognise it either way)")
    if details:
        lines.append("credential reading:")
        lines.extend(details)
    lines.append("")
    for v in result.verdicts:
        r = v.requirement
        lines.append(f"{v.status.upper():<17} {r.node}  {r.title}")
        lines.append(f"    {v.reason}")
        if v.status == STATUS_MET:
            lines.append("    assumes: " + "; ".join(f"{q} at {level_text(lv)} ({w})" for q, lv, w in v.assumes))
        for row in v.path if v.status in (STATUS_MET, STATUS_PARTLY) else []:
            lines.append(f"    - {row.statement()}  [{row.where}]" + (f"  {row.comment}" if row.comment else ""))
        if v.status in (STATUS_NOT_MET, STATUS_NOT_ESTABLISHED):
            for row in v.notes or v.path:
                lines.append(f"    - {row.statement()}  [{row.where}]" + (f"  {row.comment}" if row.comment else ""))
    return lines
