"""The one loader of mapping data: harmonised criteria, requirement catalogues, SSSOM crosswalks
and curators (DEVELOPING.md "Mapping files").

Used by the build (``BuildContext.mapping_data()``), the pull-request checks (``crm-vocab check``)
and the recognition queries. Everything is read with line numbers kept, so every problem can be
reported as ``file:line``:

* :func:`load_mapping_data` raises :class:`untp_crm_vocab.errors.BuildError` on the first *error*
  (unparseable file, unknown prefix, subject missing from its catalogue, invalid predicate ...).
  Formatting problems that ``crm-vocab check --fix`` repairs (BOM, CRLF, blank lines, row order,
  a stale ``curie_map``) do not stop the build: IRIs are always derived from the project settings.
* :func:`read_tree` gives the data *and* every finding; ``untp_crm_vocab.check`` adds the
  cross-row rules (duplicates, contradictions, cycles, coverage, order) on top of it.

The SSSOM/TSV reader is our own (sssom-py drops line numbers and extension columns); only
PyYAML is imported here.
"""
from __future__ import annotations

import csv
import difflib
import gc
import re
from contextlib import contextmanager
from functools import cached_property
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import yaml

from .errors import BuildError

# ---- vocabularies of allowed values ----------------------------------------------------------

NO_TERM_FOUND = "sssom:NoTermFound"

#: SSSOM built-in prefixes (need no curie_map entry) and their IRIs.
BUILTIN_PREFIXES: dict[str, str] = {
    "linkml": "https://w3id.org/linkml/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "semapv": "https://w3id.org/semapv/vocab/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sssom": "https://w3id.org/sssom/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

CRITERIA_PREFIX = "HC"
CURATOR_PREFIX = "CRMCUR"
#: prefix of the project's crosswalk extension properties (``<base>crosswalks/``): declared in a
#: crosswalk's curie_map only when its ``extension_definitions`` use it
CROSSWALK_TERMS_PREFIX = "CRMXW"
#: prefix of the sources a crosswalk maps between (``<base>sources/``: ``subject_source`` names the
#: catalogue, ``object_source`` the harmonised criteria): declared only when the metadata uses it
SOURCES_PREFIX = "CRMSRC"
#: the extension column naming the achievement level of the subject requirement a row assumes
LEVEL_SLOT = "subject_level"
LEVEL_PROPERTY = f"{CROSSWALK_TERMS_PREFIX}:{LEVEL_SLOT}"
#: how a scheme counts a requirement held at one of its levels: nothing, partly, or met
LEVEL_READINGS = ("none", "partial", "full")

EXACT = "skos:exactMatch"
BROAD = "skos:broadMatch"
NARROW = "skos:narrowMatch"
CLOSE = "skos:closeMatch"
RELATED = "skos:relatedMatch"
PREDICATES = (EXACT, BROAD, NARROW, CLOSE, RELATED)
MODIFIERS = ("", "Not")

MAPPING_JUSTIFICATIONS = tuple(
    "semapv:" + v
    for v in (
        "ManualMappingCuration", "MappingReview", "LexicalMatching", "LexicalSimilarityThresholdMatching",
        "SemanticSimilarityThresholdMatching", "LogicalReasoning", "CompositeMatching", "UnspecifiedMatching",
        "MappingChaining", "MappingInversion", "StructuralMatching", "InstanceBasedMatching",
        "BackgroundKnowledgeBasedMatching",
    )
)

#: UNTP's 15 conformity topic codes.
CONFORMITY_TOPICS = (
    "environment.energy", "environment.emissions", "environment.water", "environment.waste",
    "environment.deforestation", "environment.biodiversity", "circularity.content", "circularity.design",
    "social.labour", "social.rights", "social.community", "social.safety",
    "governance.ethics", "governance.compliance", "governance.transparency",
)

REQUIREMENT_KINDS = (
    "principle", "chapter", "performance-expectation", "protocol", "indicator", "criterion",
    "issue-area", "article", "annex-point", "risk", "topic",
)
VERIFICATION = ("V", "R", "?")
#: confidence that goes with a verification tag at the start of a comment
TAG_CONFIDENCE = {"V": 0.9, "R": 0.6, "?": 0.3}

# Matched whole: "\Z", never "$" (which also matches before a final newline), and ASCII digits
# only ("\d" is any Unicode digit). These values become IRIs, file names and server rules.
CRITERION_ID = re.compile(r"^(GOV|HR|LAB|OHS|ENV)-[0-9]{2}\Z")
REQUIREMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")
VERSION_SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")
PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9]*\Z")
SCHEME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
CURIE_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*):(\S+)\Z")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
OWNER_RE = re.compile(r"^@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?\Z")
LICENSE = "https://creativecommons.org/licenses/by/4.0/"

#: crosswalk columns, in canonical order (DEVELOPING.md)
COLUMNS = (
    "subject_id", "subject_label", "predicate_id", "predicate_modifier", "object_id", "object_label",
    "mapping_justification", "author_id", "reviewer_id", "confidence", "comment",
)
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification", "author_id")
#: other SSSOM Mapping slots (schema order); allowed after the canonical columns
SSSOM_MAPPING_SLOTS = (
    "record_id", "subject_id", "subject_label", "subject_category", "predicate_id", "predicate_label",
    "predicate_modifier", "object_id", "object_label", "object_category", "mapping_justification", "author_id",
    "author_label", "reviewer_id", "reviewer_label", "creator_id", "creator_label", "license", "subject_type",
    "subject_source", "subject_source_version", "object_type", "object_source", "object_source_version",
    "predicate_type", "mapping_provider", "mapping_source", "mapping_cardinality", "cardinality_scope",
    "mapping_tool", "mapping_tool_id", "mapping_tool_version", "mapping_date", "publication_date",
    "review_date", "confidence", "reviewer_agreement", "curation_rule", "curation_rule_text",
    "subject_match_field", "object_match_field", "match_string", "subject_preprocessing",
    "object_preprocessing", "similarity_score", "similarity_measure", "see_also", "issue_tracker_item",
    "other", "comment",
)
#: SSSOM MappingSet slots: the only metadata keys allowed (plus nothing else)
SSSOM_SET_SLOTS = (
    "sssom_version", "curie_map", "mapping_set_id", "mapping_set_version", "mapping_set_source",
    "mapping_set_title", "mapping_set_description", "mapping_set_confidence", "creator_id", "creator_label",
    "license", "subject_type", "subject_source", "subject_source_version", "object_type", "object_source",
    "object_source_version", "predicate_type", "mapping_provider", "cardinality_scope", "mapping_tool",
    "mapping_tool_id", "mapping_tool_version", "mapping_date", "publication_date", "subject_match_field",
    "object_match_field", "subject_preprocessing", "object_preprocessing", "similarity_measure",
    "curation_rule", "curation_rule_text", "see_also", "issue_tracker", "other", "comment",
    "extension_definitions",
)
REQUIRED_METADATA = (
    "mapping_set_id", "mapping_set_title", "license", "curie_map", "subject_source",
    "subject_source_version", "object_source", "object_source_version", "mapping_date",
)
CATALOGUE_KEYS = ("scheme", "prefix", "title", "version", "version_slug", "publisher", "url", "owner_team", "requirements")
#: optional catalogue keys: the scheme's achievement levels (DEVELOPING.md "Mapping files")
CATALOGUE_LEVEL_KEYS = ("levels", "pass_level", "conformance_level")
LEVEL_KEYS = ("id", "title", "reading", "codes", "verification", "note")
LEVEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")
DATE_SLOTS = ("review_date", "mapping_date", "publication_date")
REQUIREMENT_KEYS = ("id", "title", "kind", "parent", "conformity_topic", "owner_iri", "verification", "note")
REQUIREMENT_REQUIRED = ("id", "title", "kind", "verification")
CRITERION_KEYS = ("id", "label", "definition", "conformity_topic", "sources", "verification")
CURATOR_ID_COLUMNS = ("curator_id", "id", "author_id", "user", "curator")

CROSSWALK_SUFFIX = ".sssom.tsv"


# ---- findings -----------------------------------------------------------------------------------

ERROR = "error"  # the data is wrong: the build stops, check exits 1
STYLE = "style"  # formatting that `check --fix` repairs; the build reads through it
REPORT = "report"  # not a defect of one file (coverage): check lists it, the build ignores it


@dataclass
class Finding:
    path: Path
    line: int | None
    rule: str
    message: str
    fix: str
    column: int | None = None  # 1-based TSV column
    field: str | None = None  # YAML key / TSV column name / metadata key
    fixable: bool = False
    severity: str = ERROR
    related: tuple = ()  # other paths a cross-file finding involves

    def location(self, display: Callable[[Path], str] = str) -> str:
        loc = display(self.path)
        if self.line:
            loc += f":{self.line}"
            if self.column:
                loc += f":{self.column}"
        return loc

    def render(self, display: Callable[[Path], str] = str) -> str:
        where = f" [{self.field}]" if self.field and not self.column else ""
        return f"{self.location(display)}: {self.rule}: {self.message}{where} \u2014 fix: {self.fix}"

    def as_dict(self, display: Callable[[Path], str] = str) -> dict:
        return {
            "file": display(self.path),
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "rule": self.rule,
            "message": self.message,
            "fix": self.fix,
            "fixable": self.fixable,
            "severity": self.severity,
        }


Sink = Callable[[Finding], None]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    cands = sorted(set(candidates))
    best = difflib.get_close_matches(word, cands, n=1, cutoff=0.5)
    if not best:
        lw = word.lower()
        best = [c for c in cands if c.lower() == lw]
    return f" (did you mean {best[0]}?)" if best else ""


# ---- what a row's comment says about itself ----------------------------------------------------------
#
# A recognising row asserts containment (exactMatch: a = c, broadMatch: a ⊆ c). A comment that says
# the row's content is uncertain, or that the requirement covers the criterion only partly,
# contradicts that assertion: recognition never lets such a row carry "met", and `crm-vocab check`
# reports it (rule unverified-recognition). The markers are the research legend's `[?]` tag and
# the phrases below (DEVELOPING.md "Mapping files").
UNVERIFIED_RE = re.compile(
    r"^\s*\[\?\]|\b(?:not (?:re-?)?verified|unverified|not confirmed|unconfirmed|to (?:be )?verif(?:y|ied)|uncertain)\b",
    re.IGNORECASE,
)
PARTIAL_RE = re.compile(r"\bpartial(?:ly)?\b", re.IGNORECASE)
#: the marker that introduces the citation of the requirement's own text in a comment
TEXT_MARKER_RE = re.compile(r"\bText:\s*\S")


def comment_flags(comment: str) -> frozenset:
    """``{"unverified", "partial"}`` (or a subset) for what a row's comment says about itself."""
    out = set()
    if UNVERIFIED_RE.search(comment or ""):
        out.add("unverified")
    if PARTIAL_RE.search(comment or ""):
        out.add("partial")
    return frozenset(out)


# ---- data model -----------------------------------------------------------------------------------


@dataclass
class Criterion:
    id: str
    label: str
    definition: str
    conformity_topic: str | None
    sources: list[str]
    verification: str | None
    line: int

    @property
    def curie(self) -> str:
        return f"{CRITERIA_PREFIX}:{self.id}"


@dataclass
class Requirement:
    id: str
    title: str
    kind: str | None
    parent: str | None
    conformity_topic: str | None
    owner_iri: str | None
    verification: str | None
    note: str | None
    line: int
    scheme: str = ""
    prefix: str = ""

    @property
    def curie(self) -> str:
        return f"{self.prefix}:{self.id}"


@dataclass
class Level:
    """One achievement level of a scheme (lowest first in the catalogue)."""

    id: str
    title: str
    reading: str  # none | partial | full: what holding a requirement at this level gives
    verification: str | None
    note: str | None
    line: int
    codes: tuple = ()  # other codes that name this level in credentials (e.g. the scheme's scoring codes)


@dataclass
class Catalogue:
    scheme: str
    prefix: str
    title: str
    version: str
    version_slug: str
    publisher: str
    url: str
    owner_team: str
    requirements: dict[str, Requirement]
    path: Path
    levels: list[Level] = field(default_factory=list)  # lowest first; empty: the scheme does not grade
    pass_level: str | None = None  # the lowest level at which the scheme counts a requirement as met
    conformance_level: str | None = None  # how a credential's bare `conformance: true` is read

    def level(self, level_id: str) -> Level | None:
        return next((lv for lv in self.levels if lv.id == level_id), None)

    def level_rank(self, level_id: str) -> int:
        """Position of a level (0 = lowest); -1 for an unknown one."""
        return next((i for i, lv in enumerate(self.levels) if lv.id == level_id), -1)

    @property
    def default_level(self) -> str:
        """The level a crosswalk row assumes when it names none: the pass level ("" when the
        scheme does not grade)."""
        if not self.levels:
            return ""
        if self.pass_level and self.level(self.pass_level):
            return self.pass_level
        full = [lv.id for lv in self.levels if lv.reading == "full"]
        return full[0] if full else self.levels[-1].id

    @property
    def credential_level(self) -> str:
        """How a credential's bare ``conformance: true`` (no score) is read ("" when ungraded)."""
        if not self.levels:
            return ""
        if self.conformance_level and self.level(self.conformance_level):
            return self.conformance_level
        return self.default_level


@dataclass
class Mapping:
    subject_id: str
    subject_label: str
    predicate_id: str
    predicate_modifier: str
    object_id: str
    object_label: str
    mapping_justification: str
    author_id: str
    reviewer_id: str
    confidence: float | None
    comment: str
    line: int
    path: Path
    extra: dict = field(default_factory=dict)  # other (declared) columns, by name

    @property
    def negated(self) -> bool:
        return self.predicate_modifier == "Not"

    @property
    def is_gap(self) -> bool:
        """A reviewed gap: ``sssom:NoTermFound`` as subject (scheme lacks the criterion) or object
        (requirement without harmonised counterpart)."""
        return self.subject_id == NO_TERM_FOUND or self.object_id == NO_TERM_FOUND

    @property
    def recognises(self) -> bool:
        """exact/broad/narrow, not negated, not a gap: the rows recognition may use."""
        return not self.negated and not self.is_gap and self.predicate_id in (EXACT, BROAD, NARROW)

    @property
    def needs_review(self) -> bool:
        """exact/broad/narrow rows: recognition uses them only once reviewed, so `check` asks for a
        review. Negated and gap rows may stay unreviewed: they then only leave a criterion open
        ("not established") instead of saying "not met"."""
        return self.recognises

    @property
    def review_date(self) -> str:
        return (self.extra or {}).get("review_date", "")

    @property
    def subject_level(self) -> str:
        """The achievement level of the subject requirement the row states it assumes ("" = the
        scheme's default level, see :attr:`Catalogue.default_level`)."""
        return (self.extra or {}).get(LEVEL_SLOT, "")

    @property
    def reviewed(self) -> bool:
        return bool(self.reviewer_id.strip()) and bool(self.review_date.strip())

    @property
    def flags(self) -> frozenset:
        return comment_flags(self.comment)

    @property
    def sort_key(self) -> tuple:
        return (self.subject_id, self.object_id, self.predicate_id, self.predicate_modifier)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class MappingSet:
    path: Path
    scheme: str
    metadata: dict
    curie_map: dict
    columns: list
    mappings: list[Mapping]


@dataclass
class MappingData:
    criteria: dict  # id -> Criterion
    catalogues: dict  # scheme -> Catalogue
    crosswalks: dict  # scheme -> MappingSet
    curators: dict  # CURIE (CRMCUR:x) -> row dict
    prefix_map: dict = field(default_factory=dict)  # prefix -> IRI namespace, derived from the project
    criteria_meta: dict = field(default_factory=dict)  # the `scheme:` block of criteria.yaml

    # -- lookups ---------------------------------------------------------------------------
    @cached_property
    def _catalogue_by_prefix(self) -> dict[str, Catalogue]:
        # built once (was a scan of every catalogue per looked-up row: rows x schemes at scale);
        # the first catalogue with a prefix wins, as before
        out: dict[str, Catalogue] = {}
        for cat in self.catalogues.values():
            out.setdefault(cat.prefix, cat)
        return out

    def catalogue_for_prefix(self, prefix: str) -> Catalogue | None:
        return self._catalogue_by_prefix.get(prefix)

    def expand(self, curie: str) -> str:
        """CURIE -> IRI, using namespaces derived from the project settings (never a file's
        possibly stale curie_map). Raises KeyError for an undeclared prefix."""
        m = CURIE_RE.match(curie or "")
        if not m:
            raise KeyError(f"not a CURIE: {curie!r}")
        prefix, local = m.groups()
        ns = self.prefix_map.get(prefix) or BUILTIN_PREFIXES.get(prefix)
        if ns is None:
            raise KeyError(f"undeclared prefix {prefix!r} in {curie!r}")
        return ns + local

    def requirement_for(self, curie: str) -> Requirement | None:
        m = CURIE_RE.match(curie or "")
        if not m:
            return None
        cat = self.catalogue_for_prefix(m.group(1))
        return cat.requirements.get(m.group(2)) if cat else None

    def criterion_for(self, curie: str) -> Criterion | None:
        m = CURIE_RE.match(curie or "")
        if not m or m.group(1) != CRITERIA_PREFIX:
            return None
        return self.criteria.get(m.group(2))

    def mappings(self) -> Iterator[Mapping]:
        """Every row of every crosswalk, crosswalks in scheme order, rows in file order."""
        for scheme in sorted(self.crosswalks):
            yield from self.crosswalks[scheme].mappings


# ---- text reading with findings ---------------------------------------------------------------


def _fnd(sink: Sink, path: Path, line, rule, message, fix, **kw) -> None:
    sink(Finding(path=path, line=line, rule=rule, message=message, fix=fix, **kw))


def read_text(path: Path, sink: Sink) -> str | None:
    """Read a text file: UTF-8 (BOM, CRLF and trailing whitespace reported as fixable).
    Returns the text with the BOM removed and line ends normalised to LF, or None."""
    from . import limits

    try:
        raw = limits.read_limited(path, limits.MAX_MAPPING_BYTES)
    except OSError as exc:
        _fnd(sink, path, None, "unreadable", f"cannot read the file: {exc.strerror or exc}", "check the path and permissions")
        return None
    if raw is None:
        _fnd(sink, path, None, "file-too-large", f"the file is larger than {limits.MAX_MAPPING_BYTES // 2**20} MB; it was not read",
             "split the catalogue or crosswalk, or check that this is the file you meant")
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        _fnd(sink, path, 1, "bom", "file starts with a UTF-8 byte-order mark", "run crm-vocab check --fix (removes the BOM)", fixable=True, severity=STYLE)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        _fnd(sink, path, line, "encoding", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8")
        text = raw.decode("utf-8", errors="replace")
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        _fnd(sink, path, line, "crlf", "line ends are CRLF (or CR); the project uses LF", "run crm-vocab check --fix (converts to LF)", fixable=True, severity=STYLE)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        _fnd(sink, path, line, "encoding", "file contains NUL characters (binary or corrupted)", "restore the file from version control")
        text = text.replace("\x00", "")
    return text


# YAML: every plain scalar is a string (so `id: 4.10` stays "4.10" and dates stay text); only
# empty / null values become None. Mappings keep their line numbers. libyaml's parser (CSafeLoader)
# when available: the pure-Python scanner took ~8 s of the ~11 s load of a 100-scheme x 500-requirement
# synthetic tree (bench/bench_recognition.py); nodes carry the same marks, construction stays here.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag == "tag:yaml.org,2002:null"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class LineDict(dict):
    """A dict from YAML that knows its line and the line of each key."""

    line: int = 0
    key_lines: dict
    value_marks: dict  # key -> (start mark, end mark, scalar style) of its value
    key_marks: dict  # key -> start mark of the key
    duplicates: list

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    line: int = 0
    item_lines: list


_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"


def _construct(loader, node):
    """``loader.construct_object`` with a shortcut for plain strings and nulls (most nodes):
    the same values, without the generic constructor's bookkeeping (half the load time of a
    large catalogue)."""
    if node.__class__ is yaml.ScalarNode:
        if node.tag == _STR_TAG:
            return node.value
        if node.tag == _NULL_TAG:
            return None
    return loader.construct_object(node, deep=True)


def editable_value(d, key) -> bool:
    """Whether ``check --fix`` can replace the value of ``d[key]`` where it stands: a scalar (plain
    or quoted, not a ``|``/``>`` block) or a flow collection, on one line."""
    marks = getattr(d, "value_marks", {}).get(key)
    if marks is None:
        return False
    start, end, style = marks
    return start.line == end.line and style not in ("|", ">")


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    d = LineDict()
    d.line = node.start_mark.line + 1
    d.key_lines, d.value_marks, d.key_marks, d.duplicates = {}, {}, {}, []
    for k_node, v_node in node.value:
        key = _construct(loader, k_node)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value", k_node.start_mark)
        if key in d:
            d.duplicates.append((key, k_node.start_mark.line + 1))
        d[key] = _construct(loader, v_node)
        d.key_lines[key] = k_node.start_mark.line + 1
        style = "flow" if getattr(v_node, "flow_style", False) else getattr(v_node, "style", None)
        d.value_marks[key] = (v_node.start_mark, v_node.end_mark, style)
        d.key_marks[key] = k_node.start_mark
    return d


def _construct_sequence(loader, node, deep=False):
    items = LineList(_construct(loader, c) for c in node.value)
    items.line = node.start_mark.line + 1
    items.item_lines = [c.start_mark.line + 1 for c in node.value]
    return items


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def parse_yaml(text: str, path: Path, sink: Sink, *, line_offset: int = 0, what: str = "YAML"):
    """Parse YAML text; a syntax error becomes a `yaml-syntax` finding and None is returned, and so
    does any alias (`*name`): mapping files write their values out, and an alias bomb of a few
    hundred bytes expands into billions of values (untp_crm_vocab.limits)."""
    from .limits import yaml_aliases

    aliases = yaml_aliases(text)
    if aliases:
        shown = ", ".join(f"*{name} (line {ln + line_offset})" for ln, name in aliases[:5]) + (" ..." if len(aliases) > 5 else "")
        _fnd(sink, path, aliases[0][0] + line_offset, "yaml-alias", f"{what} uses YAML aliases: {shown}",
             "write each value out in full (mapping files may not use &anchors and *aliases)")
        return None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        # the construct that is open (an unclosed '[' or quote) is where a person looks first
        marks = [m for m in (getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None)) if m is not None]
        mark = min(marks, key=lambda m: m.line) if marks else None
        line = (mark.line + 1 + line_offset) if mark is not None else (line_offset + 1)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        _fnd(sink, path, line, "yaml-syntax", f"{what} does not parse: {problem}", "correct the YAML syntax at this line (indentation, quoting, a ':' in a value needs quotes)")
        return None
    except RecursionError:
        _fnd(sink, path, line_offset + 1, "yaml-syntax", f"{what} is nested too deeply", "simplify the YAML")
        return None
    _report_duplicate_keys(data, path, sink, line_offset)
    return data


def _report_duplicate_keys(node, path, sink, off):
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, LineDict):
            for key, line in n.duplicates:
                _fnd(sink, path, line + off, "duplicate-key", f"key {key!r} appears twice in one mapping (the last one wins silently)", "remove or rename one of them", field=str(key))
            stack.extend(n.values())
        elif isinstance(n, list):
            stack.extend(n)


def _s(v) -> str | None:
    """A YAML scalar as text (None stays None)."""
    if v is None:
        return None
    if isinstance(v, (dict, list)):
        return None
    return str(v)


def _line(d, key=None, off: int = 0) -> int:
    if isinstance(d, LineDict):
        return (d.line_of(key) if key is not None else d.line) + off
    return 1 + off


def _trailing_ws(text: str, path: Path, sink: Sink) -> None:
    for i, ln in enumerate(text.split("\n"), 1):
        if ln != ln.rstrip(" \t"):
            _fnd(sink, path, i, "trailing-whitespace", "line ends in spaces or tabs", "run crm-vocab check --fix (strips them)", fixable=True, severity=STYLE)
            return  # once per file is enough; --fix repairs every line


# ---- criteria.yaml ------------------------------------------------------------------------------


def read_criteria(path: Path, sink: Sink) -> tuple[dict, dict]:
    """criteria.yaml -> ({id: Criterion}, scheme block)."""
    criteria: dict[str, Criterion] = {}
    text = read_text(path, sink)
    if text is None:
        return criteria, {}
    _trailing_ws(text, path, sink)
    data = parse_yaml(text, path, sink, what="criteria file")
    if data is None and text.strip() == "":
        _fnd(sink, path, 1, "empty-file", "the criteria file is empty", "restore it: a `scheme:` block and a `criteria:` list")
        return criteria, {}
    if not isinstance(data, dict):
        if data is not None:
            _fnd(sink, path, 1, "structure", "the criteria file must be a mapping with `scheme:` and `criteria:`", "restore the layout shown in DEVELOPING.md")
        return criteria, {}
    for key in data:
        if key not in ("scheme", "criteria"):
            _fnd(sink, path, _line(data, key), "unknown-key", f"unknown key {key!r}{did_you_mean(str(key), ('scheme', 'criteria'))}", "remove it or correct its name", field=str(key))
    scheme = data.get("scheme")
    if not isinstance(scheme, dict):
        _fnd(sink, path, _line(data, "scheme"), "missing-key", "`scheme:` block (id, title, version) is missing or not a mapping", "add `scheme: {id: hc, title: ..., version: \"x.y.z\"}`", field="scheme")
        scheme = {}
    else:
        for k in ("id", "title", "version"):
            if not _s(scheme.get(k)):
                _fnd(sink, path, _line(scheme), "missing-key", f"scheme.{k} is missing or empty", f"add `{k}:` to the scheme block", field=f"scheme.{k}")
        for k in scheme:
            if k not in ("id", "title", "version"):
                _fnd(sink, path, _line(scheme, k), "unknown-key", f"unknown key scheme.{k}", "remove it or correct its name", field=f"scheme.{k}")
    items = data.get("criteria")
    if not isinstance(items, list):
        _fnd(sink, path, _line(data, "criteria"), "missing-key", "`criteria:` list is missing or not a list", "add `criteria:` with one entry per criterion", field="criteria")
        return criteria, dict(scheme)
    for item in items:
        if not isinstance(item, dict):
            _fnd(sink, path, getattr(items, "line", 1), "structure", "each criteria entry must be a mapping", "write each criterion as `- id: ...` with its keys", field="criteria")
            continue
        ln = _line(item)
        cid = _s(item.get("id"))
        for k in item:
            if k not in CRITERION_KEYS:
                _fnd(sink, path, _line(item, k), "unknown-key", f"unknown key {k!r} in criterion {cid or '?'}{did_you_mean(str(k), CRITERION_KEYS)}", "remove it or correct its name", field=str(k))
        if not cid:
            _fnd(sink, path, ln, "missing-key", "criterion without an `id`", "add `id: XXX-NN`", field="id")
            continue
        if not CRITERION_ID.match(cid):
            _fnd(sink, path, _line(item, "id"), "invalid-id", f"criterion id {cid!r} does not match (GOV|HR|LAB|OHS|ENV)-NN", "use a family code and two digits, e.g. ENV-02", field="id")
        if cid in criteria:
            _fnd(sink, path, _line(item, "id"), "duplicate-id", f"criterion {cid} is defined twice (first at line {criteria[cid].line})", "give one of them a new, never-used id", field="id")
            continue
        for k in ("label", "definition"):
            if not _s(item.get(k)):
                _fnd(sink, path, _line(item, k), "missing-key", f"criterion {cid} has no {k}", f"add `{k}:`", field=k)
        topic = _s(item.get("conformity_topic"))
        if topic is None:
            _fnd(sink, path, ln, "missing-key", f"criterion {cid} has no conformity_topic", "add one of UNTP's 15 conformity topic codes", field="conformity_topic")
        elif topic not in CONFORMITY_TOPICS:
            _fnd(sink, path, _line(item, "conformity_topic"), "invalid-topic", f"conformity_topic {topic!r} is not a UNTP code{did_you_mean(topic, CONFORMITY_TOPICS)}", "use one of: " + ", ".join(CONFORMITY_TOPICS), field="conformity_topic")
        ver = _s(item.get("verification"))
        if ver not in VERIFICATION:
            _fnd(sink, path, _line(item, "verification"), "invalid-verification", f"criterion {cid}: verification {ver!r} is not V, R or ?", "set verification: V (verified), R (recalled) or ? (unverified)", field="verification")
        sources = item.get("sources")
        if sources is None:
            sources = []
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            _fnd(sink, path, _line(item, "sources"), "invalid-value", f"criterion {cid}: sources must be a list of citations", "write sources: [\"...\", \"...\"]", field="sources")
            sources = [str(s) for s in sources] if isinstance(sources, list) else []
        criteria[cid] = Criterion(
            id=cid, label=_s(item.get("label")) or "", definition=_s(item.get("definition")) or "",
            conformity_topic=topic, sources=list(sources), verification=ver, line=ln,
        )
    return criteria, dict(scheme)


# ---- standards/<scheme>.yaml -------------------------------------------------------------------------


def read_catalogue(path: Path, sink: Sink) -> Catalogue | None:
    text = read_text(path, sink)
    if text is None:
        return None
    _trailing_ws(text, path, sink)
    data = parse_yaml(text, path, sink, what="catalogue")
    if not isinstance(data, dict):
        if data is None and text.strip() == "":
            _fnd(sink, path, 1, "empty-file", "the catalogue is empty", "restore it from version control or remove the file")
        elif data is not None:
            _fnd(sink, path, 1, "structure", "a catalogue must be a mapping (scheme, prefix, ..., requirements)", "restore the layout shown in DEVELOPING.md")
        return None
    slug = path.name[: -len(".yaml")] if path.name.endswith(".yaml") else path.stem
    for k in data:
        if k not in CATALOGUE_KEYS and k not in CATALOGUE_LEVEL_KEYS:
            _fnd(sink, path, _line(data, k), "unknown-key", f"unknown key {k!r}{did_you_mean(str(k), CATALOGUE_KEYS + CATALOGUE_LEVEL_KEYS)}", "remove it or correct its name", field=str(k))
    for k in CATALOGUE_KEYS:
        if k == "requirements":
            continue
        if not _s(data.get(k)):
            _fnd(sink, path, _line(data, k), "missing-key", f"catalogue key `{k}` is missing or empty", f"add `{k}:` (see DEVELOPING.md)", field=k)
    scheme = _s(data.get("scheme")) or slug
    if scheme != slug:
        _fnd(sink, path, _line(data, "scheme"), "scheme-name", f"scheme {scheme!r} differs from the file name {path.name!r}", f"rename the file to {scheme}.yaml or set scheme: {slug}", field="scheme")
    elif not SCHEME_RE.match(scheme):
        _fnd(sink, path, _line(data, "scheme"), "scheme-name", f"scheme slug {scheme!r} must be lowercase letters, digits and '-'", "rename the scheme (and its files)", field="scheme")
    prefix = _s(data.get("prefix")) or ""
    if prefix and not PREFIX_RE.match(prefix):
        _fnd(sink, path, _line(data, "prefix"), "invalid-prefix", f"prefix {prefix!r} must be uppercase letters and digits, starting with a letter", f"use e.g. {re.sub(r'[^A-Z0-9]', '', prefix.upper()) or 'SCHEME'}", field="prefix")
    elif prefix in (CRITERIA_PREFIX, CURATOR_PREFIX) or prefix.lower() in BUILTIN_PREFIXES:
        _fnd(sink, path, _line(data, "prefix"), "invalid-prefix", f"prefix {prefix!r} is reserved", "choose another prefix for this scheme", field="prefix")
    vslug = _s(data.get("version_slug"))
    if vslug and not VERSION_SLUG_RE.match(vslug):
        _fnd(sink, path, _line(data, "version_slug"), "invalid-slug", f"version_slug {vslug!r} must match [A-Za-z0-9][A-Za-z0-9._-]* (it is an IRI segment and a folder name)", "use letters, digits, '.', '_' and '-' only, e.g. \"2018\" or \"v1.0\"", field="version_slug")
    owner = _s(data.get("owner_team"))
    if owner and not OWNER_RE.match(owner):
        _fnd(sink, path, _line(data, "owner_team"), "invalid-owner", f"owner_team {owner!r} is not a GitHub @user or @org/team", "write it as \"@org/team\"", field="owner_team")
    reqs: dict[str, Requirement] = {}
    items = data.get("requirements")
    if not isinstance(items, list):
        _fnd(sink, path, _line(data, "requirements"), "missing-key", "`requirements:` list is missing or not a list", "add `requirements:` with one entry per requirement", field="requirements")
        items = []
    for item in items:
        if not isinstance(item, dict):
            _fnd(sink, path, getattr(items, "line", 1), "structure", "each requirement must be a mapping", "write each requirement as `- id: ...` with its keys", field="requirements")
            continue
        ln = _line(item)
        rid = _s(item.get("id"))
        for k in item:
            if k not in REQUIREMENT_KEYS:
                _fnd(sink, path, _line(item, k), "unknown-key", f"unknown key {k!r} in requirement {rid or '?'}{did_you_mean(str(k), REQUIREMENT_KEYS)}", "remove it or correct its name", field=str(k))
        if not rid:
            _fnd(sink, path, ln, "missing-key", "requirement without an `id`", "add `id: \"...\"`", field="id")
            continue
        if not REQUIREMENT_ID.match(rid):
            _fnd(sink, path, _line(item, "id"), "invalid-id", f"requirement id {rid!r} must match [A-Za-z0-9][A-Za-z0-9._-]*", "use letters, digits, '.', '_' and '-' only (no spaces or '/')", field="id")
        if rid in reqs:
            _fnd(sink, path, _line(item, "id"), "duplicate-id", f"requirement {rid!r} is defined twice (first at line {reqs[rid].line})", "merge the two entries or correct one id", field="id")
            continue
        if not _s(item.get("title")):
            _fnd(sink, path, _line(item, "title"), "missing-key", f"requirement {rid} has no title", "add `title:` as the owner writes it", field="title")
        kind = _s(item.get("kind"))
        if kind is None:
            _fnd(sink, path, ln, "missing-key", f"requirement {rid} has no kind", "add `kind:` (" + " | ".join(REQUIREMENT_KINDS) + ")", field="kind")
        elif kind not in REQUIREMENT_KINDS:
            _fnd(sink, path, _line(item, "kind"), "invalid-kind", f"kind {kind!r} is not allowed{did_you_mean(kind, REQUIREMENT_KINDS)}", "use one of: " + ", ".join(REQUIREMENT_KINDS), field="kind")
        topic = _s(item.get("conformity_topic"))
        if topic is not None and topic not in CONFORMITY_TOPICS:
            _fnd(sink, path, _line(item, "conformity_topic"), "invalid-topic", f"conformity_topic {topic!r} is not a UNTP code{did_you_mean(topic, CONFORMITY_TOPICS)}", "use one of: " + ", ".join(CONFORMITY_TOPICS), field="conformity_topic")
        ver = _s(item.get("verification"))
        if ver not in VERIFICATION:
            _fnd(sink, path, _line(item, "verification"), "invalid-verification", f"requirement {rid}: verification {ver!r} is not V, R or ?", "set verification: V (verified), R (recalled) or ? (unverified: never invent)", field="verification")
        reqs[rid] = Requirement(
            id=rid, title=_s(item.get("title")) or "", kind=kind, parent=_s(item.get("parent")),
            conformity_topic=topic, owner_iri=_s(item.get("owner_iri")), verification=ver,
            note=_s(item.get("note")), line=ln, scheme=scheme, prefix=prefix,
        )
    # parents: exist, and no cycle
    for r in reqs.values():
        if r.parent is not None and r.parent not in reqs:
            _fnd(sink, path, r.line, "unknown-parent", f"requirement {r.id}: parent {r.parent!r} is not in this catalogue{did_you_mean(r.parent, reqs)}", "correct the parent id or add the parent requirement", field="parent")
    reported: set[str] = set()
    for r in reqs.values():
        seen, cur = [], r
        while cur is not None and cur.parent in reqs and cur.id not in seen:
            seen.append(cur.id)
            cur = reqs[cur.parent]
        if cur is not None and cur.id in seen and cur.id not in reported:
            loop = seen[seen.index(cur.id):]
            reported.update(loop)
            first = reqs[min(loop, key=lambda i: reqs[i].line)]
            _fnd(sink, path, first.line, "parent-cycle", "requirements are their own ancestors: " + " -> ".join(loop + [cur.id]), "break the loop: one of them must have another parent (or none)", field="parent")
    levels, pass_level, conformance_level = _read_levels(data, path, sink)
    return Catalogue(
        scheme=scheme, prefix=prefix, title=_s(data.get("title")) or "", version=_s(data.get("version")) or "",
        version_slug=_s(data.get("version_slug")) or "", publisher=_s(data.get("publisher")) or "",
        url=_s(data.get("url")) or "", owner_team=owner or "", requirements=reqs, path=path,
        levels=levels, pass_level=pass_level, conformance_level=conformance_level,
    )


def _read_levels(data: dict, path: Path, sink: Sink) -> tuple[list[Level], str | None, str | None]:
    """The optional `levels:` list (lowest first), `pass_level:` and `conformance_level:`."""
    items = data.get("levels")
    levels: list[Level] = []
    if items is not None and not isinstance(items, list):
        _fnd(sink, path, _line(data, "levels"), "invalid-level", "`levels:` must be a list of levels, lowest first", "write `levels:` then `- {id: ..., title: ..., reading: none|partial|full}` entries", field="levels")
        items = []
    for item in items or []:
        if not isinstance(item, dict):
            _fnd(sink, path, getattr(items, "line", 1), "invalid-level", "each level must be a mapping (id, title, reading)", "write each level as `- id: ...` with title and reading", field="levels")
            continue
        for k in item:
            if k not in LEVEL_KEYS:
                _fnd(sink, path, _line(item, k), "unknown-key", f"unknown key {k!r} in a level{did_you_mean(str(k), LEVEL_KEYS)}", "remove it or correct its name", field=str(k))
        lid = _s(item.get("id"))
        if not lid or not LEVEL_ID.match(lid):
            _fnd(sink, path, _line(item, "id"), "invalid-level", f"level id {lid!r} is missing or not of the form [A-Za-z0-9][A-Za-z0-9._-]*", "give the level a short id such as AA or fully-met", field="id")
            continue
        if any(lv.id == lid for lv in levels):
            _fnd(sink, path, _line(item, "id"), "invalid-level", f"level {lid!r} is listed twice", "list each level once, lowest first", field="id")
            continue
        reading = _s(item.get("reading"))
        if reading not in LEVEL_READINGS:
            _fnd(sink, path, _line(item, "reading"), "invalid-level", f"level {lid}: reading {reading!r} is not one of {', '.join(LEVEL_READINGS)}", "say what holding a requirement at this level gives: none, partial or full", field="reading")
            reading = "none"
        ver = _s(item.get("verification"))
        if ver is not None and ver not in VERIFICATION:
            _fnd(sink, path, _line(item, "verification"), "invalid-verification", f"level {lid}: verification {ver!r} is not V, R or ?", "set verification: V, R or ?", field="verification")
        codes = item.get("codes") or []
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list) or not all(isinstance(c, str) and c.strip() for c in codes):
            _fnd(sink, path, _line(item, "codes"), "invalid-level", f"level {lid}: codes must be a list of texts", "write codes: [\"met\", ...]", field="codes")
            codes = []
        levels.append(Level(id=lid, title=_s(item.get("title")) or lid, reading=reading, verification=ver,
                            note=_s(item.get("note")), line=_line(item), codes=tuple(codes)))
    out = []
    for key in ("pass_level", "conformance_level"):
        v = _s(data.get(key))
        if v is not None and not any(lv.id == v for lv in levels):
            known = ", ".join(lv.id for lv in levels) or "(no `levels:` list)"
            _fnd(sink, path, _line(data, key), "invalid-level", f"{key} {v!r} is not one of the catalogue's levels: {known}{did_you_mean(v, [lv.id for lv in levels])}", "name a level listed under `levels:`", field=key)
            v = None
        out.append(v)
    return levels, out[0], out[1]


# ---- curators.tsv -------------------------------------------------------------------------------------


def read_curators(path: Path, sink: Sink) -> dict:
    """curators.tsv: a header row with `curator_id` (values `CRMCUR:<id>`), `name`, optional `orcid`."""
    curators: dict[str, dict] = {}
    text = read_text(path, sink)
    if text is None:
        return curators
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    rows = [(i, ln) for i, ln in enumerate(lines, 1)]
    header = None
    for i, ln in rows:
        if not ln.strip():
            _fnd(sink, path, i, "blank-line", "blank line", "run crm-vocab check --fix (removes it)", fixable=True, severity=STYLE)
            continue
        if ln.startswith("#"):
            continue
        cells = [c.strip() for c in ln.split("\t")]
        if header is None:
            header = cells
            idcol = next((header.index(c) for c in CURATOR_ID_COLUMNS if c in header), None)
            if idcol is None:
                _fnd(sink, path, i, "missing-column", "curators.tsv has no `curator_id` column", "make the first line `curator_id<TAB>name<TAB>orcid`", field="curator_id")
                idcol = 0
            continue
        if len(cells) != len(header):
            _fnd(sink, path, i, "column-count", f"row has {len(cells)} fields, the header has {len(header)}", "one tab between fields; no tabs inside a field")
        cid = cells[idcol] if idcol < len(cells) else ""
        if not cid:
            continue
        if ":" not in cid:
            cid = f"{CURATOR_PREFIX}:{cid}"
        elif not cid.startswith(CURATOR_PREFIX + ":"):
            _fnd(sink, path, i, "invalid-curator", f"curator id {cid!r} must be a {CURATOR_PREFIX}: CURIE", f"write it as {CURATOR_PREFIX}:<name>", column=idcol + 1)
        if cid in curators:
            _fnd(sink, path, i, "duplicate-id", f"curator {cid} is listed twice (first at line {curators[cid]['line']})", "remove one of the rows", column=idcol + 1)
            continue
        row = {h: (cells[j] if j < len(cells) else "") for j, h in enumerate(header)}
        row["line"] = i
        curators[cid] = row
    if header is None:
        _fnd(sink, path, 1, "empty-file", "curators.tsv has no header row", "first line: curator_id<TAB>name<TAB>orcid")
    return curators


# ---- crosswalks/<scheme>.sssom.tsv ------------------------------------------------------------------------


@dataclass
class RawRow:
    """One TSV line as read: cells, and where it is."""

    line: int
    cells: list[str]
    text: str
    #: the cells as written (split_tsv_raw), for --fix to move without rewriting
    raw_cells: list[str] = field(default_factory=list)


@dataclass
class RawCrosswalk:
    """The file's parts, for `check --fix` (which must rewrite without touching content)."""

    path: Path
    header_lines: list[tuple[int, str]] = field(default_factory=list)  # (line, text) incl. '#'
    column_line: int | None = None
    columns: list[str] = field(default_factory=list)
    raw_columns: list[str] = field(default_factory=list)  # as written (split_tsv_raw)
    rows: list[RawRow] = field(default_factory=list)
    metadata: dict | None = None
    text: str | None = None
    meta_line_offset: int = 0
    #: '#' lines after the column header (line, text): reported, and kept by --fix
    comments: list[tuple[int, str]] = field(default_factory=list)


def split_tsv_raw(line: str) -> list[str]:
    """The cells of one TSV line exactly as written (quotes and all), so that ``"\\t".join`` of
    them gives the line back. Boundaries as in RFC 4180 with Python csv's lenient reading: a cell
    that starts with a double quote runs to its closing quote (tabs inside do not split; ``""`` is
    a quote), then to the next tab; an unclosed quote runs to the end of the line; quotes
    elsewhere are text. ``check --fix`` moves these strings, never re-writes them."""
    if '"' not in line:
        return line.split("\t")
    cells, start, n = [], 0, len(line)
    while True:
        j = start
        if j < n and line[j] == '"':
            j += 1
            while j < n:
                if line[j] == '"':
                    if j + 1 < n and line[j + 1] == '"':
                        j += 2
                        continue
                    j += 1
                    break
                j += 1
        k = line.find("\t", j)
        if k < 0:
            cells.append(line[start:])
            return cells
        cells.append(line[start:k])
        start = k + 1


def tsv_cell_value(raw: str) -> str:
    """The value of one cell as written (see split_tsv_raw): a quoted start is unquoted (``""`` ->
    ``"``) and whatever follows its closing quote is kept as text."""
    if not raw.startswith('"'):
        return raw
    out, j, n = [], 1, len(raw)
    while j < n:
        c = raw[j]
        if c == '"':
            if j + 1 < n and raw[j + 1] == '"':
                out.append('"')
                j += 2
                continue
            j += 1
            break
        out.append(c)
        j += 1
    return "".join(out) + raw[j:]


def split_tsv_line(line: str) -> list[str]:
    """Split one TSV line into cell values, honouring RFC-4180 double quotes ("a\tb", "" for a quote)."""
    if '"' not in line:
        return line.split("\t")
    return [tsv_cell_value(c) for c in split_tsv_raw(line)]


def strip_would_requote(raw: str) -> bool:
    """Whether removing the spaces around a raw cell would make it start with a quote it did not
    start with (a quoted cell then, read differently): such a cell is not stripped by --fix."""
    return not raw.startswith('"') and raw.lstrip().startswith('"')


def read_crosswalk_raw(path: Path, sink: Sink) -> RawCrosswalk:
    raw = RawCrosswalk(path=path)
    text = read_text(path, sink)
    if text is None:
        return raw
    raw.text = text
    if text and not text.endswith("\n"):
        n = text.count("\n") + 1
        _fnd(sink, path, n, "final-newline", "the last line has no line end (a cut-off file?)", "run crm-vocab check --fix (adds it); if the row is incomplete, restore it", fixable=True, severity=STYLE)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or all(not ln.strip() for ln in lines):
        _fnd(sink, path, 1, "empty-file", "the crosswalk is empty", "restore it: a `#` metadata block, the column header and the rows")
        return raw
    in_header = True
    for i, ln in enumerate(lines, 1):
        if not ln.strip():
            _fnd(sink, path, i, "blank-line", "blank line" + (" inside the metadata block" if in_header and raw.header_lines else ""), "run crm-vocab check --fix (removes it)", fixable=True, severity=STYLE)
            continue
        if ln.startswith("#"):
            if in_header:
                raw.header_lines.append((i, ln))
                if ln != ln.rstrip(" \t"):
                    _fnd(sink, path, i, "trailing-whitespace", "metadata line ends in spaces or tabs", "run crm-vocab check --fix (strips them)", fixable=True, severity=STYLE)
            else:
                raw.comments.append((i, ln))
                _fnd(sink, path, i, "stray-comment", "a '#' line after the metadata block", "move it into the metadata block or delete it (SSSOM allows comments only at the top)")
            continue
        if in_header:
            in_header = False
            raw.column_line = i
            raw.raw_columns = split_tsv_raw(ln)
            raw.columns = [tsv_cell_value(c) for c in raw.raw_columns]
            continue
        cells = split_tsv_raw(ln)
        raw.rows.append(RawRow(line=i, cells=[tsv_cell_value(c) for c in cells], text=ln, raw_cells=cells))
    if not raw.header_lines:
        _fnd(sink, path, 1, "missing-metadata", "no SSSOM metadata block (lines starting with '#') at the top", "add the `#curie_map:` ... `#mapping_date:` block (see DEVELOPING.md)")
    else:
        start = raw.header_lines[0][0]
        # the block as YAML with the original line numbers (blank lines in the block keep their place)
        body = [""] * (raw.header_lines[-1][0] - start + 1)
        for i, ln in raw.header_lines:
            body[i - start] = ln[1:]
        meta = parse_yaml("\n".join(body), path, sink, line_offset=start - 1, what="metadata block")
        if meta is None and all(not b.strip() for b in body):
            meta = {}
        if meta is not None and not isinstance(meta, dict):
            _fnd(sink, path, start, "missing-metadata", "the metadata block is not a YAML mapping", "write it as `#key: value` lines")
            meta = None
        raw.metadata = meta
        raw.meta_line_offset = start - 1
    if raw.column_line is None:
        _fnd(sink, path, (raw.header_lines[-1][0] + 1) if raw.header_lines else 1, "missing-columns", "no column header row after the metadata block (a truncated file?)", "add the header row: " + "\t".join(COLUMNS))
    return raw


def crosswalk_terms_base(project) -> str:
    """Namespace of the project's crosswalk extension properties (``CRMXW:subject_level``)."""
    return f"{project.base_iri}crosswalks/"


def sources_base(project) -> str:
    """Namespace of the sources a crosswalk maps between (``CRMSRC:eubatt-2023``, ``CRMSRC:hc``)."""
    return f"{project.base_iri}sources/"


def _uses_sources(metadata) -> bool:
    if not isinstance(metadata, dict):
        return False
    cmap = metadata.get("curie_map")
    if isinstance(cmap, dict) and SOURCES_PREFIX in cmap:
        return True
    return any(str(metadata.get(k) or "").startswith(SOURCES_PREFIX + ":") for k in ("subject_source", "object_source"))


def _uses_crosswalk_terms(metadata) -> bool:
    if not isinstance(metadata, dict):
        return False
    cmap = metadata.get("curie_map")
    if isinstance(cmap, dict) and CROSSWALK_TERMS_PREFIX in cmap:
        return True
    ext = metadata.get("extension_definitions")
    return isinstance(ext, list) and any(
        isinstance(e, dict) and str(e.get("property") or "").startswith(CROSSWALK_TERMS_PREFIX + ":") for e in ext)


def expected_curie_map(project, catalogue: Catalogue | None, metadata: dict | None = None) -> dict[str, str]:
    """The curie_map a crosswalk must declare, derived from the project settings (with the
    crosswalk-terms prefix when the file's metadata uses it)."""
    cmap = {CRITERIA_PREFIX: project.criteria_base, CURATOR_PREFIX: f"{project.base_iri}curators/"}
    if catalogue is not None and catalogue.prefix:
        cmap[catalogue.prefix] = project.standard_base(catalogue.scheme, catalogue.version_slug)
    if _uses_crosswalk_terms(metadata):
        cmap[CROSSWALK_TERMS_PREFIX] = crosswalk_terms_base(project)
    if _uses_sources(metadata):  # a fork's sources are its own, like its criteria and catalogues
        cmap[SOURCES_PREFIX] = sources_base(project)
    return cmap


def _prefix_of(curie: str) -> str | None:
    m = CURIE_RE.match(curie)
    return m.group(1) if m else None


def read_crosswalk(path: Path, sink: Sink, *, project, catalogue: Catalogue | None, criteria: dict,
                   curators: dict | None, criteria_meta: dict | None = None) -> tuple[MappingSet | None, RawCrosswalk]:
    """Read and validate one crosswalk file: metadata, columns and each row's own fields and
    references. Cross-row rules live in ``untp_crm_vocab.check``."""
    raw = read_crosswalk_raw(path, sink)
    scheme = path.name[: -len(CROSSWALK_SUFFIX)] if path.name.endswith(CROSSWALK_SUFFIX) else path.stem
    if catalogue is None:
        _fnd(sink, path, None, "no-catalogue", f"no catalogue standards/{scheme}.yaml for this crosswalk", f"add standards/{scheme}.yaml or rename the crosswalk after its scheme")
    meta = raw.metadata if isinstance(raw.metadata, dict) else {}
    off = raw.meta_line_offset
    cmap_raw = meta.get("curie_map")
    curie_map: dict[str, str] = {}
    if raw.metadata is not None:
        _check_metadata(raw, meta, off, sink, project=project, scheme=scheme, catalogue=catalogue, criteria_meta=criteria_meta or {})
        if isinstance(cmap_raw, dict):
            curie_map = {str(k): _s(v) or "" for k, v in cmap_raw.items()}
    # columns
    cols = raw.columns
    colidx: dict[str, int] = {}
    if raw.column_line is not None:
        allowed = set(SSSOM_MAPPING_SLOTS) | set(_extension_slots(meta))
        for j, c in enumerate(cols):
            if c in colidx:
                _fnd(sink, path, raw.column_line, "duplicate-column", f"column {c!r} appears twice", "remove the second one", column=j + 1, field=c)
                continue
            colidx[c] = j
            if c != c.strip():
                _fnd(sink, path, raw.column_line, "field-whitespace", f"column name {c!r} has spaces around it", "run crm-vocab check --fix (strips them)", column=j + 1, field=c.strip(), fixable=True, severity=STYLE)
                continue
            if c not in allowed:
                _fnd(sink, path, raw.column_line, "unknown-column", f"column {c!r} is not an SSSOM slot nor a declared extension{did_you_mean(c, COLUMNS)}", "rename it to an SSSOM column or declare it under extension_definitions", column=j + 1, field=c)
        stripped = {c.strip(): j for c, j in colidx.items()}
        for c in REQUIRED_COLUMNS:
            if c not in stripped:
                _fnd(sink, path, raw.column_line, "missing-column", f"required column {c!r} is missing", f"add the column {c!r} (canonical order: {' '.join(COLUMNS)})", field=c)
        colidx = stripped
    # rows
    mappings: list[Mapping] = []
    declared = set(curie_map) | set(BUILTIN_PREFIXES)
    if not isinstance(raw.metadata, dict) or not isinstance(cmap_raw, dict):
        # no usable curie_map: already reported once; do not repeat it for every CURIE
        declared |= set(expected_curie_map(project, catalogue))
    for row in raw.rows:
        if len(row.cells) != len(cols):
            extra = row.cells[len(cols):]
            if len(row.cells) > len(cols) and all(not c.strip() for c in extra):
                _fnd(sink, path, row.line, "trailing-whitespace", f"row ends in {len(extra)} empty field(s) beyond the {len(cols)} columns", "run crm-vocab check --fix (strips them)", column=len(cols) + 1, fixable=True, severity=STYLE)
            else:
                hint = "a tab inside a field? quote the field or remove the tab" if len(row.cells) > len(cols) else "a cut-off row or a missing tab: complete the row"
                _fnd(sink, path, row.line, "column-count", f"row has {len(row.cells)} fields, the header has {len(cols)}", hint, column=min(len(row.cells), len(cols)) + 1)
                continue
        values: dict[str, str] = {}
        for c, j in colidx.items():
            v = row.cells[j] if j < len(row.cells) else ""
            if v != v.strip():
                if j < len(row.raw_cells) and strip_would_requote(row.raw_cells[j]):
                    _fnd(sink, path, row.line, "field-whitespace", f"{c} {v!r} has spaces before a quote", "remove the spaces by hand, and quote the whole value if it has a tab (--fix leaves it: the quote would then start a quoted field)", column=j + 1, field=c, severity=STYLE)
                else:
                    _fnd(sink, path, row.line, "field-whitespace", f"{c} {v!r} has spaces around it", "run crm-vocab check --fix (strips them)", column=j + 1, field=c, fixable=True, severity=STYLE)
                v = v.strip()
            values[c] = v
        m = _row_to_mapping(values, row.line, path)
        _check_row(m, values, colidx, sink, path=path, declared=declared, curie_map=curie_map, catalogue=catalogue, criteria=criteria, curators=curators, scheme=scheme)
        mappings.append(m)
    if raw.column_line is not None and not raw.rows:
        _fnd(sink, path, raw.column_line, "no-rows", "the crosswalk has a header but no rows (a truncated file?)", "restore the rows, or add reviewed gap rows (sssom:NoTermFound) for every criterion")
    ms = MappingSet(path=path, scheme=scheme, metadata=dict(meta), curie_map=curie_map, columns=[c.strip() for c in cols], mappings=mappings)
    return ms, raw


def _extension_slots(meta: dict) -> list[str]:
    out = []
    ext = meta.get("extension_definitions")
    if isinstance(ext, list):
        for e in ext:
            if isinstance(e, dict) and _s(e.get("slot_name")):
                out.append(_s(e.get("slot_name")))
    return out


def _check_metadata(raw: RawCrosswalk, meta: dict, off: int, sink: Sink, *, project, scheme: str, catalogue, criteria_meta: dict) -> None:
    path = raw.path
    first = raw.header_lines[0][0] if raw.header_lines else 1
    for k in meta:
        if k not in SSSOM_SET_SLOTS:
            _fnd(sink, path, _line(meta, k, off), "unknown-metadata", f"metadata key {k!r} is not an SSSOM mapping-set slot{did_you_mean(str(k), SSSOM_SET_SLOTS)}", "correct or remove it (sssom-py would silently accept it)", field=str(k))
    for k in REQUIRED_METADATA:
        if k == "curie_map":
            continue  # reported prefix by prefix below (fixable)
        if k not in meta or meta.get(k) in (None, ""):
            _fnd(sink, path, first, "missing-metadata", f"required metadata key `{k}` is missing or empty", f"add `#{k}: ...` to the metadata block (see DEVELOPING.md)", field=k)
    cmap = meta.get("curie_map")
    valid_cmap = cmap is None or isinstance(cmap, dict)
    if not valid_cmap:
        _fnd(sink, path, _line(meta, "curie_map", off), "invalid-metadata", "curie_map must be a mapping of prefix: IRI", "write `#curie_map:` then `#  PREFIX: https://...` lines", field="curie_map")
    cmap = cmap if isinstance(cmap, dict) else {}
    # --fix rewrites curie_map / mapping_set_id only when the block says unambiguously where they are
    dups = {k for k, _ in getattr(meta, "duplicates", [])} | ({"curie_map"} if getattr(cmap, "duplicates", None) else set())
    can_fix = not dups
    later = "remove the duplicate key first, then run crm-vocab check --fix"
    expected = expected_curie_map(project, catalogue, meta)
    # an entry is added in place unless curie_map is a flow mapping over several lines
    cmap_marks = getattr(meta, "value_marks", {}).get("curie_map")
    can_add = cmap_marks is None or cmap_marks[2] != "flow" or cmap_marks[0].line == cmap_marks[1].line
    by_hand = "write curie_map as `#  PREFIX: IRI` lines, one a line, then run crm-vocab check --fix"
    for d in meta.get("extension_definitions") or [] if isinstance(meta.get("extension_definitions"), list) else []:
        if isinstance(d, dict) and _s(d.get("slot_name")) == LEVEL_SLOT and _s(d.get("property")) != LEVEL_PROPERTY:
            _fnd(sink, path, _line(meta, "extension_definitions", off), "invalid-metadata", f"extension slot {LEVEL_SLOT} must have property {LEVEL_PROPERTY} (got {_s(d.get('property'))!r})",
                 f"declare it as `- slot_name: {LEVEL_SLOT}` / `property: {LEVEL_PROPERTY}` / `type_hint: xsd:string`", field="extension_definitions")
    for p, iri in expected.items():
        if not valid_cmap:
            break
        if p not in cmap:
            ok = can_fix and can_add
            _fnd(sink, path, _line(meta, "curie_map", off) if "curie_map" in meta else first, "curie-map", f"curie_map does not declare {p} ({iri})", "run crm-vocab check --fix (adds it)" if ok else (later if not can_fix else by_hand), field=f"curie_map.{p}", fixable=ok, severity=STYLE)
        elif _s(cmap.get(p)) != iri:
            key = next(k for k in cmap if str(k) == p)
            ok = can_fix and editable_value(cmap, key)
            _fnd(sink, path, _line(cmap, p, off), "curie-map", f"curie_map {p} is {_s(cmap.get(p))!r}, the project says {iri!r}", "run crm-vocab check --fix (sets it from pyproject base-iri)" if ok else (later if not can_fix else f"set it by hand to {iri}"), field=f"curie_map.{p}", fixable=ok, severity=STYLE)
    for p in cmap:
        p = str(p)
        if p in BUILTIN_PREFIXES and _s(cmap.get(p)) != BUILTIN_PREFIXES[p]:
            _fnd(sink, path, _line(cmap, p, off), "builtin-prefix", f"curie_map redefines the SSSOM built-in prefix {p!r}", f"remove the entry (built-in: {BUILTIN_PREFIXES[p]})", field=f"curie_map.{p}")
        elif not re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*\Z", p):
            _fnd(sink, path, _line(cmap, p, off), "invalid-prefix", f"curie_map key {p!r} is not a valid prefix", "use letters, digits, '_', '-', '.'", field="curie_map")
        elif not (_s(cmap.get(p)) or "").startswith(("http://", "https://")):
            _fnd(sink, path, _line(cmap, p, off), "invalid-metadata", f"curie_map {p} is not an http(s) IRI", "give the namespace IRI", field=f"curie_map.{p}")
    msid = _s(meta.get("mapping_set_id"))
    want = f"{project.base_iri}crosswalks/{scheme}"
    if msid and msid != want:
        ok = can_fix and editable_value(meta, "mapping_set_id")
        _fnd(sink, path, _line(meta, "mapping_set_id", off), "mapping-set-id", f"mapping_set_id is {msid!r}, expected {want!r}", "run crm-vocab check --fix (sets it from pyproject base-iri)" if ok else (later if not can_fix else f"set it by hand to {want}"), field="mapping_set_id", fixable=ok, severity=STYLE)
    lic = _s(meta.get("license"))
    if lic and lic != LICENSE:
        _fnd(sink, path, _line(meta, "license", off), "license", f"license is {lic!r}; crosswalks are published under {LICENSE}", f"set `#license: {LICENSE}`", field="license")
    date = _s(meta.get("mapping_date"))
    if date and not DATE_RE.match(date):
        _fnd(sink, path, _line(meta, "mapping_date", off), "invalid-metadata", f"mapping_date {date!r} is not YYYY-MM-DD", "write the date as YYYY-MM-DD", field="mapping_date")
    ssv = _s(meta.get("subject_source_version"))
    if catalogue is not None and ssv and catalogue.version and ssv != catalogue.version:
        _fnd(sink, path, _line(meta, "subject_source_version", off), "source-version", f"subject_source_version {ssv!r} differs from the catalogue version {catalogue.version!r}", "map against the pinned catalogue version and copy its `version:` exactly", field="subject_source_version")
    osv = _s(meta.get("object_source_version"))
    cv = _s(criteria_meta.get("version"))
    if osv and cv and osv != cv:
        _fnd(sink, path, _line(meta, "object_source_version", off), "source-version", f"object_source_version {osv!r} differs from the criteria version {cv!r}", f"review the rows against criteria {cv} and set `#object_source_version: {cv}`", field="object_source_version")
    for k in ("subject_source", "object_source"):
        v = _s(meta.get(k))
        if v and not v.startswith(("http://", "https://")):
            p = _prefix_of(v)
            if p is None or (p not in cmap and p not in BUILTIN_PREFIXES):
                _fnd(sink, path, _line(meta, k, off), "unknown-prefix", f"{k} {v!r} is neither an IRI nor a CURIE with a declared prefix", "use the source's IRI or a declared CURIE", field=k)


def _row_to_mapping(values: dict, line: int, path: Path) -> Mapping:
    conf_text = values.get("confidence", "")
    try:
        conf = float(conf_text) if conf_text else None
    except ValueError:
        conf = None
    return Mapping(
        subject_id=values.get("subject_id", ""), subject_label=values.get("subject_label", ""),
        predicate_id=values.get("predicate_id", ""), predicate_modifier=values.get("predicate_modifier", ""),
        object_id=values.get("object_id", ""), object_label=values.get("object_label", ""),
        mapping_justification=values.get("mapping_justification", ""), author_id=values.get("author_id", ""),
        reviewer_id=values.get("reviewer_id", ""), confidence=conf, comment=values.get("comment", ""),
        line=line, path=path, extra={k: v for k, v in values.items() if k not in COLUMNS},
    )


def _check_row(m: Mapping, values: dict, colidx: dict, sink: Sink, *, path, declared, curie_map, catalogue, criteria, curators, scheme) -> None:
    ln = m.line

    def col(name):
        return colidx[name] + 1 if name in colidx else None

    def bad(name, rule, message, fix):
        _fnd(sink, path, ln, rule, message, fix, column=col(name), field=name)

    def curie_ok(name, value) -> str | None:
        """prefix of a well-formed CURIE with a declared prefix, else report and None."""
        m_ = CURIE_RE.match(value)
        if not m_:
            if value.startswith(("http://", "https://")):
                bad(name, "invalid-curie", f"{name} {value!r} is an IRI; SSSOM/TSV identifiers are CURIEs", "write it as PREFIX:local with the prefix in curie_map")
            else:
                bad(name, "invalid-curie", f"{name} {value!r} is not a CURIE (PREFIX:local)", "write it as PREFIX:local")
            return None
        p = m_.group(1)
        if p not in declared:
            bad(name, "unknown-prefix", f"prefix {p!r} is not declared in curie_map", "declare it or correct the CURIE" + did_you_mean(p, set(curie_map) | set(BUILTIN_PREFIXES)))
            return None
        return p

    # subject
    s = m.subject_id
    if not s:
        bad("subject_id", "missing-value", "subject_id is empty", "give the requirement CURIE, or sssom:NoTermFound for a gap row")
    elif s != NO_TERM_FOUND:
        p = curie_ok("subject_id", s)
        if p is not None and catalogue is not None:
            local = s.split(":", 1)[1]
            if p != catalogue.prefix:
                bad("subject_id", "wrong-scheme", f"subject {s} is not from this crosswalk's scheme ({catalogue.prefix}:)", f"subjects of {scheme}.sssom.tsv are {catalogue.prefix}:<id> or sssom:NoTermFound")
            elif local not in catalogue.requirements:
                bad("subject_id", "unknown-subject", f"subject {s} is not in the {scheme} catalogue{did_you_mean(local, catalogue.requirements)}", f"add requirement {local!r} to standards/{scheme}.yaml or correct the id")
            elif m.subject_label and m.subject_label != catalogue.requirements[local].title:
                bad("subject_label", "label-mismatch", f"subject_label {m.subject_label!r} differs from the catalogue title {catalogue.requirements[local].title!r}", "copy the title from the catalogue")
    # object
    o = m.object_id
    if not o:
        bad("object_id", "missing-value", "object_id is empty", "give the criterion CURIE (HC:XXX-NN), or sssom:NoTermFound for a gap row")
    elif o != NO_TERM_FOUND:
        p = curie_ok("object_id", o)
        if p is not None:
            local = o.split(":", 1)[1]
            if p != CRITERIA_PREFIX:
                bad("object_id", "unknown-object", f"object {o} is not a harmonised criterion (HC:...)", "objects are HC:<criterion id> or sssom:NoTermFound")
            elif local not in criteria:
                bad("object_id", "unknown-object", f"object {o} is not in criteria.yaml{did_you_mean(local, criteria)}", "correct the id or add the criterion to criteria.yaml")
            elif m.object_label and m.object_label != criteria[local].label:
                bad("object_label", "label-mismatch", f"object_label {m.object_label!r} differs from the criterion label {criteria[local].label!r}", "copy the label from criteria.yaml")
    if s == NO_TERM_FOUND and o == NO_TERM_FOUND:
        bad("object_id", "gap-row", "both subject and object are sssom:NoTermFound", "a gap row names either a requirement or a criterion")
    # predicate and modifier
    if m.predicate_id not in PREDICATES:
        if not m.predicate_id:
            bad("predicate_id", "invalid-predicate", "predicate_id is empty", "use one of " + ", ".join(PREDICATES))
        else:
            bad("predicate_id", "invalid-predicate", f"predicate {m.predicate_id!r} is not allowed{did_you_mean(m.predicate_id, PREDICATES)}", "use one of " + ", ".join(PREDICATES))
    if m.predicate_modifier not in MODIFIERS:
        bad("predicate_modifier", "invalid-modifier", f"predicate_modifier {m.predicate_modifier!r} is not allowed{did_you_mean(m.predicate_modifier, ['Not'])}", "leave it empty or write Not")
    if m.is_gap and (m.predicate_id != EXACT or m.predicate_modifier):
        bad("predicate_id", "gap-row", "a sssom:NoTermFound row must use skos:exactMatch without modifier", "set predicate_id skos:exactMatch and an empty predicate_modifier")
    # justification
    j = m.mapping_justification
    if j not in MAPPING_JUSTIFICATIONS:
        bad("mapping_justification", "invalid-justification", f"mapping_justification {j!r} is not a semapv: value{did_you_mean(j, MAPPING_JUSTIFICATIONS)}", "people's mappings use semapv:ManualMappingCuration")
    # comment
    plain_exact = m.predicate_id == EXACT and not m.predicate_modifier and not m.is_gap
    if not plain_exact and not m.comment:
        why = "a gap row" if m.is_gap else f"{m.predicate_id}{' Not' if m.negated else ''}"
        bad("comment", "missing-comment", f"a comment is required for {why}", "say why (what is missing, what differs), starting with [V], [R] or [?]")
    # confidence
    ctext = values.get("confidence", "")
    if ctext:
        if m.confidence is None or m.confidence != m.confidence:
            bad("confidence", "invalid-confidence", f"confidence {ctext!r} is not a number", "write a number between 0 and 1 (0.9 [V], 0.6 [R], 0.3 [?])")
            m.confidence = None
        elif not 0.0 <= m.confidence <= 1.0:
            bad("confidence", "invalid-confidence", f"confidence {ctext} is outside [0, 1]", "write a number between 0 and 1 (0.9 [V], 0.6 [R], 0.3 [?])")
        else:
            tag = re.match(r"^\[(V|R|\?)\]", m.comment or "")
            if tag and abs(TAG_CONFIDENCE[tag.group(1)] - m.confidence) > 1e-9:
                bad("confidence", "tag-confidence", f"comment starts with [{tag.group(1)}] but confidence is {ctext}", f"set confidence to {TAG_CONFIDENCE[tag.group(1)]} or correct the tag")
    # people
    authors = [a for a in (x.strip() for x in m.author_id.split("|")) if a]
    if not authors and "author_id" in colidx:
        bad("author_id", "missing-value", "author_id is empty", f"give the curator id ({CURATOR_PREFIX}:<name>) listed in curators.tsv")
    for name, ids in (("author_id", authors), ("reviewer_id", [r for r in (x.strip() for x in m.reviewer_id.split("|")) if r])):
        for a in ids:
            if curators is not None and a not in curators:
                rule = "unknown-author" if name == "author_id" else "unknown-reviewer"
                bad(name, rule, f"{name} {a!r} is not listed in curators.tsv{did_you_mean(a, curators)}", "add the curator to curators.tsv (no invented ORCIDs) or correct the id")
    reviewers = [r for r in (x.strip() for x in m.reviewer_id.split("|")) if r]
    if reviewers and authors and set(reviewers) <= set(authors):
        _fnd(sink, path, ln, "self-review", f"reviewer_id {m.reviewer_id!r} is the row's own author",
             "a review is a second person's check: ask another curator listed in curators.tsv to review the row",
             column=col("reviewer_id"), field="reviewer_id", severity=REPORT)
    # dates
    for name in DATE_SLOTS:
        v = values.get(name, "")
        if v and not DATE_RE.match(v):
            bad(name, "invalid-value", f"{name} {v!r} is not a date YYYY-MM-DD", "write the date as YYYY-MM-DD")
    # the achievement level of the subject requirement the row assumes
    lvl = m.subject_level
    if lvl:
        if m.subject_id == NO_TERM_FOUND:
            bad(LEVEL_SLOT, "unknown-level", f"{LEVEL_SLOT} {lvl!r} on a gap row, which has no subject requirement", f"leave {LEVEL_SLOT} empty on sssom:NoTermFound rows")
        elif catalogue is not None and not catalogue.levels:
            bad(LEVEL_SLOT, "unknown-level", f"{LEVEL_SLOT} {lvl!r}, but standards/{scheme}.yaml lists no achievement levels", f"leave {LEVEL_SLOT} empty, or add `levels:` to the catalogue")
        elif catalogue is not None and catalogue.level(lvl) is None:
            known = ", ".join(lv.id for lv in catalogue.levels)
            bad(LEVEL_SLOT, "unknown-level", f"{LEVEL_SLOT} {lvl!r} is not a level of {scheme} ({known}){did_you_mean(lvl, [lv.id for lv in catalogue.levels])}", "name one of the catalogue's `levels:`")
    # review and justification: reported (check exits 1), the build reads through them
    if m.needs_review and not m.reviewed and m.predicate_id in PREDICATES:
        missing = " and ".join(n for n, v in (("reviewer_id", m.reviewer_id.strip()), ("review_date", m.review_date.strip())) if not v)
        _fnd(sink, path, ln, "unreviewed", f"a {m.predicate_id} row without {missing}: recognition acts on it only once someone has reviewed it against the requirement's text",
             f"have a curator listed in curators.tsv other than the author check the row and fill in reviewer_id and review_date (YYYY-MM-DD)",
             column=col("reviewer_id" if not m.reviewer_id.strip() else "review_date"), field="reviewer_id" if not m.reviewer_id.strip() else "review_date", severity=REPORT)
    if m.recognises and m.predicate_id in PREDICATES:
        if not TEXT_MARKER_RE.search(m.comment or ""):
            _fnd(sink, path, ln, "missing-justification", f"a {m.predicate_id} row whose comment cites no requirement text (no `Text:`)",
                 "justify the row by the requirement's own text: `[tag] Text: <document, section> \"<short quote>\" — why the predicate holds`; a row justified only by topic becomes skos:closeMatch or skos:relatedMatch",
                 column=col("comment"), field="comment", severity=REPORT)
        if m.predicate_id in (EXACT, BROAD) and m.flags:
            why = " and ".join(sorted(m.flags))
            _fnd(sink, path, ln, "unverified-recognition", f"a {m.predicate_id} row whose comment marks it {why}: it asserts full containment, so recognition never lets it carry \"met\"",
                 "verify the containment against the requirement's text and reword the comment, or demote the row to skos:narrowMatch (partial) or skos:relatedMatch (unverified)",
                 column=col("comment"), field="comment", severity=REPORT)


# ---- a tree: criteria.yaml, standards/, crosswalks/, curators.tsv ------------------------------------------


@dataclass
class Tree:
    """A mappings folder: the project's `mappings/` or a test fixture laid out the same way."""

    root: Path

    @property
    def criteria_file(self) -> Path:
        return self.root / "criteria.yaml"

    @property
    def catalogues_dir(self) -> Path:
        return self.root / "standards"

    @property
    def crosswalks_dir(self) -> Path:
        return self.root / "crosswalks"

    @property
    def curators_file(self) -> Path:
        return self.root / "curators.tsv"

    @property
    def expected_answers_file(self) -> Path:
        return self.root / "expected-answers.yaml"

    def catalogue_files(self) -> list[Path]:
        d = self.catalogues_dir
        return sorted(p for p in d.iterdir() if p.is_file() and p.name.endswith((".yaml", ".yml")) and not p.name.startswith(".")) if d.is_dir() else []

    def crosswalk_files(self) -> list[Path]:
        d = self.crosswalks_dir
        return sorted(p for p in d.iterdir() if p.is_file() and p.name.endswith(".tsv") and not p.name.startswith(".")) if d.is_dir() else []

    @classmethod
    def of_project(cls, project) -> "Tree":
        return cls(project.mappings_dir)

    def outside(self, path: Path) -> bool:
        """Whether ``path``, symlinks resolved, lies outside the tree (such files are not read)."""
        try:
            real, root = path.resolve(), self.root.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            return True
        return real != root and root not in real.parents

    def refuse_outside(self, path: Path, sink: Sink) -> bool:
        """Report ``path`` when it leads out of the tree (rule symlink-outside); True when refused."""
        if not self.outside(path):
            return False
        _fnd(sink, path, None, "symlink-outside", "the file is a symlink (or lies in a symlinked folder) leading out of the mappings folder; it was not read",
             "replace the symlink with the file itself (mapping files live inside the mappings folder)")
        return True


@dataclass
class TreeRead:
    data: MappingData
    raw: dict  # path -> RawCrosswalk


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while loading: the loaders allocate hundreds of
    thousands of small objects and no reference cycles, and the collector's repeated passes over
    them were ~40 % of the load time of a large tree (bench/bench_recognition.py)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_tree(tree: Tree, project, sink: Sink) -> TreeRead:
    """Read every file of the tree, reporting each problem to ``sink``; never raises for bad input."""
    with gc_paused():
        return _read_tree(tree, project, sink)


def _read_tree(tree: Tree, project, sink: Sink) -> TreeRead:
    criteria: dict = {}
    criteria_meta: dict = {}
    if tree.criteria_file.is_file():
        if not tree.refuse_outside(tree.criteria_file, sink):
            criteria, criteria_meta = read_criteria(tree.criteria_file, sink)
    else:
        _fnd(sink, tree.criteria_file, None, "missing-file", "criteria.yaml is missing", "restore mappings/criteria.yaml")
    catalogues: dict[str, Catalogue] = {}
    prefixes: dict[str, Catalogue] = {}
    for p in tree.catalogue_files():
        if p.suffix == ".yml":
            _fnd(sink, p, None, "file-name", "catalogues end in .yaml", f"rename to {p.stem}.yaml")
        if tree.refuse_outside(p, sink):
            continue
        cat = read_catalogue(p, sink)
        if cat is None:
            continue
        if cat.scheme in catalogues:
            _fnd(sink, p, None, "duplicate-id", f"scheme {cat.scheme!r} is also defined in {catalogues[cat.scheme].path.name}", "one catalogue per scheme")
            continue
        if cat.prefix and cat.prefix in prefixes:
            _fnd(sink, p, 1, "duplicate-prefix", f"prefix {cat.prefix!r} is also used by {prefixes[cat.prefix].path.name}", "give each scheme its own prefix", field="prefix")
        elif cat.prefix:
            prefixes[cat.prefix] = cat
        catalogues[cat.scheme] = cat
    curators: dict | None = None
    if tree.curators_file.is_file():
        curators = None if tree.refuse_outside(tree.curators_file, sink) else read_curators(tree.curators_file, sink)
    else:
        _fnd(sink, tree.curators_file, None, "missing-file", "curators.tsv is missing", "add curators.tsv (curator_id<TAB>name<TAB>orcid)")
    crosswalks: dict[str, MappingSet] = {}
    raws: dict[Path, RawCrosswalk] = {}
    for p in tree.crosswalk_files():
        if not p.name.endswith(CROSSWALK_SUFFIX):
            _fnd(sink, p, None, "file-name", "crosswalk files are named <scheme>.sssom.tsv", f"rename to {p.name[:-4]}.sssom.tsv")
            continue
        if tree.refuse_outside(p, sink):
            continue
        scheme = p.name[: -len(CROSSWALK_SUFFIX)]
        ms, raw = read_crosswalk(p, sink, project=project, catalogue=catalogues.get(scheme), criteria=criteria,
                                 curators=curators, criteria_meta=criteria_meta)
        raws[p] = raw
        if ms is not None:
            crosswalks[scheme] = ms
    prefix_map = {CRITERIA_PREFIX: project.criteria_base, CURATOR_PREFIX: f"{project.base_iri}curators/",
                  CROSSWALK_TERMS_PREFIX: crosswalk_terms_base(project), SOURCES_PREFIX: sources_base(project)}
    for cat in catalogues.values():
        if cat.prefix:
            prefix_map[cat.prefix] = project.standard_base(cat.scheme, cat.version_slug)
    data = MappingData(criteria=criteria, catalogues=catalogues, crosswalks=crosswalks,
                       curators=curators or {}, prefix_map=prefix_map, criteria_meta=criteria_meta)
    return TreeRead(data=data, raw=raws)


class _FirstError(Exception):
    def __init__(self, finding: Finding):
        self.finding = finding


def load_mapping_data(project, root: Path | None = None) -> MappingData:
    """Load the project's mapping data (or the tree at ``root``), raising BuildError at the first
    error. Formatting findings (BOM, CRLF, order, stale curie_map ...) are tolerated."""
    tree = Tree(Path(root)) if root is not None else Tree.of_project(project)

    def sink(f: Finding) -> None:
        if f.severity == ERROR:
            raise _FirstError(f)

    try:
        return read_tree(tree, project, sink).data
    except _FirstError as e:
        f = e.finding
        where = str(f.path) + (f":{f.line}" if f.line else "")
        raise BuildError(f"{f.rule}: {f.message}", where=where, hint=f.fix + "; run `crm-vocab check` for every problem") from None
