"""``crm-vocab validate``: JSON Schema, JSON-LD expansion (pinned contexts only) and SHACL.

Each finding says which check found it, where (a JSON path), what is wrong and what to do;
JSON Schema findings also say which layer failed: UNTP's own schema of the credential's version
and type ("UNTP 0.7.0", "UNTP 0.5.0") or the CRM profile ("CRM <vocabulary version>").
Exit codes (``exit_code``): 0 every file is a valid CRM profile credential; 1 some file is
invalid; 2 some file is unusable (unreadable, not JSON); 3 the validation of some file crashed (a
bug; the other files keep their reports); 4 every file is valid but some are UNTP credentials only,
not CRM profile credentials.

What a document is (``untp.detect``): its UNTP version and credential type from its contexts
(0.7.0 unified context; 0.5.0 module contexts on either host the pilots use) and types; a CRM
profile credential is one that lists this vocabulary's context (after VC v2 and UNTP 0.7.0).
It is judged by UNTP's schema of that version and type (pinned copies, ``data/untp``), and a
CRM profile credential also by the CRM layer and the CRM SHACL shapes.

Design notes
- The JSON Schema and SHACL shapes used are those of the vocabulary version the credential's
  own ``@context`` names (``<base>working/context.jsonld`` or a released version).
- Every node object without an ``@id`` (after the contexts: inside UNTP's ``idScheme`` the key
  ``id`` is the property ``untp:id``, not the node's id) is given a temporary IRI made from its
  JSON path (``urn:crm-vocab:node:<doc>:<path>``) instead of a blank node, so that every SHACL
  result can be reported at the JSON path of the object it concerns. These IRIs never leave
  the validator.
- Undefined properties are found by expanding with a sentinel ``@vocab``: a term no context
  defines expands into the sentinel namespace (or into the W3C VC ``issuer-dependent`` one)
  instead of being silently dropped.
- Speed (issue 5, bench/RESULTS.md). JSON Schema: a compiled jsonschema-rs validator decides
  valid/invalid; python-jsonschema runs only on documents it rejects, to word the findings (so
  findings are python-jsonschema's, and a document python-jsonschema accepts is never reported).
  JSON-LD: ``untp_crm_vocab.jsonld_compiled`` turns a document straight into RDF, taking every
  context decision from pyld's own processed active contexts (once per context); documents
  outside its subset (keywords, lists, inline contexts, relative IRIs ...) go through pyld
  expansion and ``to_rdf``. SHACL: ``untp_crm_vocab.shacl_compiled`` (the constraint subset our shapes use) unless
  ``--shacl-engine pyshacl``. tests/test_bench_inputs.py proves each fast path equal to the
  reference on every sample and on the 2,000 generated benchmark credentials.
"""
from __future__ import annotations

import argparse
import difflib
import functools
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterable

import logging
import warnings

from .contexts import VC_V2_URL, ContextRefused, ContextRegistry
from .contexts import expand as expand_pinned
from .untp import UNTP_070_CONTEXT
from .errors import INTERNAL_EXIT, UsageError, crash_message, run_isolated
from .project import Project

SENTINEL_VOCAB = "urn:crm-vocab:undefined-term:"
VC_VOCAB = "https://www.w3.org/ns/credentials/issuer-dependent#"
NODE_IRI = "urn:crm-vocab:node:"
_SENTINEL_CONTEXT = {"@vocab": SENTINEL_VOCAB}  # one object, so pyld's context caches recognise it
CHECKS = ("json", "json-schema", "json-ld", "shacl")
SHACL_ENGINES = ("compiled", "pyshacl")
FORMAT_VERSION = 1  # of the --format json output
DOC_GRAPH = "urn:crm-vocab:doc:"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass
class Finding:
    check: str  # json | json-schema | json-ld | shacl | untp | note
    path: str  # JSON path, "$" for the document
    message: str
    fix: str = ""
    rule: str = ""
    severity: str = "error"  # error | note
    layer: str = ""  # json-schema findings: which schema layer failed ("UNTP 0.7.0" or "CRM <version>")

    def render(self) -> str:
        tag = f"{self.check}, {self.layer}" if self.layer else self.check
        head = f"  [{tag}] {self.path}: {self.message}"
        return head + (f"\n      fix: {self.fix}" if self.fix else "")


@dataclass
class Report:
    file: str
    findings: list[Finding] = field(default_factory=list)
    unusable: bool = False
    credential_type: str | None = None  # the CRM credential type, for a CRM profile credential
    version: str | None = None  # the CRM vocabulary version that judged it
    untp_version: str | None = None
    untp_type: str | None = None
    untp_how: str = ""
    crm_profile: bool = False
    artifacts: str | None = None  # where the CRM artifacts that judged it came from
    crashed: bool = False  # an unexpected exception (a bug) stopped this file's validation

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def valid(self) -> bool:
        return not self.unusable and not self.errors

    @property
    def status(self) -> str:
        if self.crashed:
            return "error"
        return "unusable" if self.unusable else ("valid" if self.valid else "invalid")

    @property
    def summary(self) -> str:
        """What the file is: UNTP version and type, and whether it is a CRM profile credential."""
        if self.unusable:
            return ""
        untp_part = f"UNTP {self.untp_version} {self.untp_type or 'credential'}" if self.untp_version else "no UNTP version found"
        if self.crm_profile:
            return (f"{untp_part}; CRM profile {self.credential_type or '(no CRM type)'}, vocabulary {self.version}"
                    + (f": {self.artifacts}" if self.artifacts else ""))
        return f"{untp_part}; not a CRM profile credential"

    def as_json(self) -> dict:
        return {"file": self.file, "status": self.status, "crmProfile": self.crm_profile,
                "credentialType": self.credential_type, "vocabularyVersion": self.version,
                "untp": {"version": self.untp_version, "credentialType": self.untp_type, "detectedFrom": self.untp_how},
                "artifacts": self.artifacts, "summary": self.summary, "findings": [asdict(f) for f in self.findings]}


_PLAIN_KEY = re.compile(r"[A-Za-z_@][A-Za-z0-9_@-]*")


def json_path(parts: Iterable) -> str:
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif _PLAIN_KEY.fullmatch(str(p)):
            out += f".{p}"
        else:
            out += f"[{json.dumps(str(p))}]"
    return out


# ----------------------------------------------------------------------------------------------
# artifacts of one vocabulary version
# ----------------------------------------------------------------------------------------------
class SchemaLayer:
    """One JSON Schema a credential must pass (UNTP's schema of its type, or the CRM layer),
    compiled once for python-jsonschema (the findings' words) and jsonschema-rs (the verdict)."""

    def __init__(self, label: str, schema: dict):
        self.label = label
        self.schema = schema

    @cached_property
    def validator(self):
        from jsonschema import Draft202012Validator, FormatChecker

        fc = FormatChecker()
        try:  # 'uri' by rfc3986-validator (jsonschema[format-nongpl]) in every install: python-jsonschema
            from rfc3986_validator import validate_rfc3986  # would prefer the GPL rfc3987 where LinkML put it
        except ImportError:  # pragma: no cover - part of the [validate] extra
            pass
        else:
            fc.checks("uri")(lambda v: not isinstance(v, str) or bool(validate_rfc3986(v, rule="URI")))
        return Draft202012Validator(self.schema, format_checker=fc)

    @cached_property
    def fast(self):
        """A jsonschema-rs validator (format checks on) that decides valid/invalid quickly."""
        try:
            import jsonschema_rs
        except ImportError:  # pragma: no cover - a declared dependency
            return None
        # date and date-time are decided by python-jsonschema's own checkers (memoised): jsonschema-rs
        # accepts year 0000 and leap seconds, which python-jsonschema rejects. uri stays native
        # (equal on every probe in tests/test_bench_inputs.py, and far faster than rfc3987).
        formats = {"date": _py_date, "date-time": _py_date_time}
        return jsonschema_rs.Draft202012Validator(self.schema, validate_formats=True, formats=formats)


class ArtifactSet:
    """The context, JSON Schemas and shapes of one version, compiled once."""

    def __init__(self, version: str, context: dict, schemas: dict[str, dict], shapes_ttl: str, context_url: str,
                 source: str = ""):
        self.source = source  # where the artifacts came from (said in every report)
        self.version = version
        self.context = context
        self.schemas = schemas
        self.shapes_ttl = shapes_ttl
        self.context_url = context_url

    @classmethod
    def from_dir(cls, version: str, d: Path, context_url: str) -> "ArtifactSet":
        try:
            context = json.loads((d / "context.jsonld").read_text(encoding="utf-8"))
            schemas = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((d / "schemas").glob("*.json"))}
            shapes = (d / "shapes.ttl").read_text(encoding="utf-8")
        except (OSError, json.JSONDecodeError) as exc:
            raise UsageError(f"the artifacts of version '{version}' in {d} are incomplete or unreadable: {exc}",
                             hint="run `crm-vocab build` first, or pass --artifacts DIR") from None
        return cls(version, context, schemas, shapes, context_url)

    @classmethod
    def generate(cls, project: Project) -> "ArtifactSet":
        """Build the working artifacts in memory (when no build output exists yet)."""
        from . import model_artifacts as ma, rdfutil

        model = ma.load_model(project)
        v = project.working_version
        shapes = rdfutil.to_turtle(ma.generate_shacl(model), ma.vocabulary_prefixes(model))
        return cls(v, ma.generate_context(model), ma.generate_json_schemas(model, v), shapes, project.context_url(v))

    @cached_property
    def layers(self) -> dict[str, "SchemaLayer"]:
        """CRM credential type -> its CRM layer (the published schema without UNTP's ``$ref``)."""
        from .model_artifacts import crm_layer

        return {name: SchemaLayer(f"CRM {self.version}", crm_layer(s)) for name, s in self.schemas.items()}

    @cached_property
    def untp_types(self) -> dict[str, tuple[str, str] | None]:
        """CRM credential type -> (UNTP version, UNTP credential type) its schema composes."""
        from . import untp
        from .model_artifacts import untp_layer_url

        by_url = {f["url"]: (f["version"], f.get("credentialType")) for f in untp.manifest()["files"] if f["kind"] == "schema"}
        return {name: by_url.get(untp_layer_url(s) or "") for name, s in self.schemas.items()}

    @property
    def validators(self) -> dict:
        return {name: layer.validator for name, layer in self.layers.items()}

    @property
    def fast_validators(self) -> dict:
        return {name: layer.fast for name, layer in self.layers.items() if layer.fast is not None}

    @cached_property
    def compiled_shapes(self):
        """The shapes compiled by untp_crm_vocab.shacl_compiled, or None when they use more than it compiles."""
        from .shacl_compiled import CompiledShapes, Unsupported

        try:
            return CompiledShapes(self.shapes)
        except Unsupported:
            return None

    @cached_property
    def shapes(self):
        from rdflib import Graph

        g = Graph()
        g.parse(data=self.shapes_ttl, format="turtle")
        return g

    @cached_property
    def term_for_iri(self) -> dict[str, str]:
        """Reverse map from property IRI to the JSON key (for SHACL messages)."""
        ctx = self.context.get("@context", {})
        prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("/", "#"))}

        def exp(x):
            if isinstance(x, dict):
                x = x.get("@id")
            if not isinstance(x, str):
                return None
            p, _, local = x.partition(":")
            return prefixes[p] + local if p in prefixes else x

        out = {}
        items = list(ctx.items())
        for k, v in list(items):
            if isinstance(v, dict) and isinstance(v.get("@context"), dict):
                items += list(v["@context"].items())
        for k, v in items:
            if k.startswith("@") or k in prefixes:
                continue
            iri = exp(v)
            if iri:
                out.setdefault(iri, k)
        out.setdefault("https://schema.org/name", "name")
        out.setdefault("https://schema.org/description", "description")
        out.setdefault("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "type")
        return out


# ----------------------------------------------------------------------------------------------
# the validator
# ----------------------------------------------------------------------------------------------
def _quiet_rdflib() -> None:
    """rdflib logs a full traceback for every ill-typed literal (e.g. a bad xsd:date) and warns
    on odd booleans; SHACL reports those values as findings, so the noise is silenced here."""
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", module="rdflib.term")


class Validator:
    def __init__(self, project: Project | None, artifacts: str | Path | None = None, extra_contexts: dict[str, Path] | None = None,
                 shacl_engine: str = "compiled", fast_paths: bool = True, jobs: int | None = None,
                 artifacts_version: str | None = None):
        _quiet_rdflib()
        if shacl_engine not in SHACL_ENGINES:
            raise UsageError(f"unknown SHACL engine {shacl_engine!r}", hint=f"use one of: {', '.join(SHACL_ENGINES)}")
        self.shacl_engine = shacl_engine
        self.jobs = _usable_cores() if jobs is None else max(1, int(jobs))
        self.fast_paths = fast_paths  # False: python-jsonschema and pyld for everything (the reference)
        self.project = project  # None outside a project: packaged artifacts or --artifacts
        self.registry = ContextRegistry.default()
        self.sets: dict[str, ArtifactSet] = {}  # context URL -> artifacts
        self._untp_layers: dict[tuple[str, str], SchemaLayer | None] = {}
        self._context_defects: dict[tuple, str | None] = {}
        from .artifacts import locate

        located = locate(project, str(artifacts) if artifacts else None)
        self.working_url = located.working_url  # the context URL findings suggest
        self.notes = located.notes
        for a in located.sets:
            self.sets[a.context_url] = ArtifactSet(a.version, a.context, a.schemas, a.shapes_ttl, a.context_url, a.source)
        if artifacts_version and project is not None:
            # ``artifacts`` are those of ``artifacts_version`` (``release`` judges the previous
            # release's samples with the new artifacts, at the context URL they will be published at)
            if len(self.sets) != 1:
                raise UsageError(f"{artifacts} holds {len(self.sets)} versions, not one", hint="pass one built version folder")
            (only,) = self.sets.values()
            only.version, only.context_url = artifacts_version, project.context_url(artifacts_version)
            self.sets = {only.context_url: only}
        for url, s in self.sets.items():
            self.registry.add(url, s.context, crm=True)
        for url, path in (extra_contexts or {}).items():
            self.registry.add_file(url, Path(path))
        self._loader = self.registry.loader()

    # -- what the document is --------------------------------------------------------------
    def _crm_artifacts(self, doc: dict) -> ArtifactSet | None:
        """The CRM artifacts of the CRM context the document lists, or None (not a CRM credential)."""
        ctx = doc.get("@context")
        for u in ctx if isinstance(ctx, list) else [ctx]:
            if isinstance(u, str) and u in self.sets:
                return self.sets[u]
        return None

    def _crm_type(self, doc: dict, arts: ArtifactSet, report: Report) -> str | None:
        """The CRM credential type the document names, else the one extending its UNTP type (the
        CRM layer then reports the missing type), else None with a finding."""
        types = doc.get("type")
        types = [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]
        for t in types:
            if t in arts.schemas:
                return t
        for crm_type, untp_of in sorted(arts.untp_types.items()):
            if untp_of and untp_of[1] in types:
                return crm_type
        known = " or ".join(sorted(arts.schemas))
        report.findings.append(Finding(
            "json-schema", "$.type", f"the document lists the CRM context but names no CRM credential type (type is {json.dumps(doc.get('type'))})",
            fix=f"a CRM credential's type lists its UNTP type, VerifiableCredential and {known}", rule="credential-type",
            layer=f"CRM {arts.version}"))
        return None

    def untp_layer(self, version: str, credential_type: str) -> SchemaLayer | None:
        """UNTP's own schema of a credential type in one version (pinned copy), compiled once."""
        key = (version, credential_type)
        if key not in self._untp_layers:
            from . import untp

            sch = untp.schema(version, credential_type)
            self._untp_layers[key] = SchemaLayer(f"UNTP {version}", sch) if sch is not None else None
        return self._untp_layers[key]

    @staticmethod
    def _as_published(doc: dict) -> tuple[dict, list[str]]:
        """The document with every 0.5.0 context alias (the ``vocabulary.uncefact.org`` host the
        pilots use) written as the URL UNTP's 0.5.0 schemas pin (``test.uncefact.org``)."""
        from . import untp

        ctx = doc.get("@context")
        if not isinstance(ctx, list):
            return doc, []
        canon = [untp.canonical_context(u) if isinstance(u, str) else u for u in ctx]
        if canon == ctx:
            return doc, []
        changed = [u for u, c in zip(ctx, canon) if u != c]
        return {**doc, "@context": canon}, changed

    # -- stage 1: JSON Schema --------------------------------------------------------------
    def check_schema(self, doc: dict, arts: ArtifactSet, ctype: str) -> list[Finding]:
        """A CRM credential's JSON Schema findings: UNTP's schema of the UNTP type the CRM type
        extends, then the CRM layer (together: the published schema, ``allOf`` of both)."""
        out = []
        untp_of = arts.untp_types.get(ctype)
        if untp_of:
            layer = self.untp_layer(*untp_of)
            if layer is not None:
                out.extend(self.check_layer(doc, layer))
        out.extend(self.check_layer(doc, arts.layers[ctype]))
        return out

    def check_layer(self, doc: dict, layer: SchemaLayer) -> list[Finding]:
        found = self._check_layer(doc, layer)
        for f in found:
            f.layer = layer.label
        return found

    def _check_layer(self, doc: dict, layer: SchemaLayer) -> list[Finding]:
        if self.fast_paths:
            fast = layer.fast
            if fast is not None:
                try:
                    # is_valid first: on a valid document it is a quarter faster than iter_errors
                    # (measured on the benchmark's credentials), and most documents are valid
                    if fast.is_valid(doc):
                        return []
                    found = self._fast_schema_findings(list(fast.iter_errors(doc)), layer.schema)
                    if found is not None:
                        return found
                except (ValueError, TypeError, OverflowError, KeyError, IndexError):
                    pass  # a value or error jsonschema-rs cannot give us: the reference decides
        out = []
        for err in layer.validator.iter_errors(doc):
            out.extend(self._explain(err, layer.schema))
        uniq = {}
        for f in out:
            uniq.setdefault((f.path, f.rule, f.message), f)
        return sorted(uniq.values(), key=lambda f: (f.path, f.rule, f.message))

    # error kinds whose finding is built from the instance and the failing schema alone (not from
    # python-jsonschema's message text); any other kind sends the document to python-jsonschema
    _FAST_KINDS = frozenset({"required", "additionalProperties", "enum", "type", "format", "contains", "pattern"})

    def _fast_schema_findings(self, errors: list, root_schema: dict) -> list[Finding] | None:
        """The findings python-jsonschema + ``_explain`` give, from jsonschema-rs errors, or None
        when an error needs python-jsonschema's own wording (tests/test_bench_inputs.py compares
        both on every invalid sample and generated credential)."""
        out = []
        for e in errors:
            kw = e.kind.name
            if kw not in self._FAST_KINDS:
                return None
            sp = list(e.schema_path)
            if not sp or sp[-1] != kw:
                return None
            schema = root_schema
            for part in sp[:-1]:
                schema = schema[part]
            if kw == "required":
                name = e.kind.as_dict().get("property")
                message = f"{name!r} is a required property"
            else:
                message = ""
            out.extend(self._explain(_FastError(kw, list(e.instance_path), schema, e.instance, message), root_schema))
        if not out:
            return None
        uniq = {}
        for f in out:
            uniq.setdefault((f.path, f.rule, f.message), f)
        return sorted(uniq.values(), key=lambda f: (f.path, f.rule, f.message))

    def _explain(self, err, root_schema) -> list[Finding]:
        kw = err.validator
        path = json_path(err.absolute_path)
        schema = err.schema if isinstance(err.schema, dict) else {}
        if kw in ("anyOf", "oneOf", "allOf") and err.context:
            best = sorted(err.context, key=lambda e: -len(e.absolute_path))
            return self._explain(best[0], root_schema)
        if kw == "required":
            missing = re.findall(r"'([^']+)' is a required property", err.message)
            name = missing[0] if missing else "?"
            return [Finding("json-schema", path, f"required property '{name}' is missing", f"add '{name}' to this object", "required")]
        if kw == "additionalProperties":
            allowed = sorted((schema.get("properties") or {}).keys())
            extras = sorted(set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
            out = []
            for x in extras or ["?"]:
                near = _close_match(x, tuple(allowed))
                hint = f"did you mean '{near}'? " if near else ""
                out.append(Finding("json-schema", path, f"property '{x}' is not defined for this object",
                                   f"{hint}remove it or use a property of this class: {', '.join(allowed)}", "additionalProperties"))
            return out
        if kw == "enum":
            opts = schema.get("enum", [])
            shown = ", ".join(map(str, opts[:20])) + (" ..." if len(opts) > 20 else "")
            near = _close_match(str(err.instance), tuple(str(o) for o in opts))
            hint = f"did you mean '{near}'? " if near else ""
            return [Finding("json-schema", path, f"{json.dumps(err.instance)} is not an allowed value", f"{hint}use one of: {shown}", "enum")]
        if kw == "type":
            want = schema.get("type")
            return [Finding("json-schema", path, f"{json.dumps(err.instance)[:80]} is {_article(err.instance)} {type(err.instance).__name__.replace('dict', 'object').replace('list', 'array').replace('str', 'string')}, expected {want}",
                            f"give {'an' if str(want)[0] in 'aeio' else 'a'} {want} here" + (" (one object, not a list)" if want == "object" and isinstance(err.instance, list) else "") + (" (a list)" if want == "array" else ""), "type")]
        if kw == "format":
            fmt = schema.get("format")
            fixes = {"date": "write a real calendar date as YYYY-MM-DD (ISO 8601), e.g. 2026-04-12",
                     "date-time": "write an ISO 8601 date-time with time zone, e.g. 2026-04-30T08:00:00Z",
                     "uri": "give an absolute IRI, e.g. https://example.org/... or did:web:..."}
            return [Finding("json-schema", path, f"{json.dumps(err.instance)} is not a valid {fmt}", fixes.get(fmt, f"use the {fmt} format"), "format")]
        if kw == "contains":
            c = schema.get("contains") or {}
            if "pattern" in c:
                return [Finding("json-schema", path, "no context of this vocabulary in the list",
                                f"add \"{self.working_url}\" (or a released version's context.jsonld)", "contains")]
            return [Finding("json-schema", path, f"must contain {json.dumps(c.get('const'))}", f"add {json.dumps(c.get('const'))} to this list", "contains")]
        if kw in ("const", "prefixItems"):
            if "@context" in path:
                want = schema.get("const")
                msg = f"{json.dumps(err.instance)} is not {json.dumps(want)}" if want is not None else err.message
                return [Finding("json-schema", path, f"wrong context here: {msg}",
                                "list the contexts in this order: the W3C VC v2 context, the UNTP context of the credential's version, "
                                "then (for a CRM credential) this vocabulary's context of one version", kw)]
            return [Finding("json-schema", path, err.message, "use the required value", kw)]
        if kw == "pattern":
            return [Finding("json-schema", path, f"{json.dumps(err.instance)} does not match {schema.get('pattern')}", "use a value of the documented form (see the property's description)", "pattern")]
        if kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            return [Finding("json-schema", path, err.message, f"give a value within the allowed range ({kw} {schema.get(kw)})", kw)]
        if kw in ("minItems", "uniqueItems", "maxItems"):
            if path.endswith("['@context']") and kw == "minItems":
                return [Finding("json-schema", path, f"too few contexts: {err.message}",
                                "list the W3C VC v2 context, the UNTP context and (for a CRM credential) this vocabulary's context", kw)]
            return [Finding("json-schema", path, err.message, "fix the list as the message says", kw)]
        return [Finding("json-schema", path, err.message, "see the schema of this property", str(kw))]

    # -- stage 2: JSON-LD ------------------------------------------------------------------
    def _contexts_for_processing(self, doc: dict, report: Report) -> list | None:
        from . import untp

        ctx = doc.get("@context")
        if ctx is None:
            report.findings.append(Finding("json-ld", "$", "no @context",
                                           f"add \"@context\": [\"{VC_V2_URL}\", \"{UNTP_070_CONTEXT}\", \"{self.working_url}\"]", "context"))
            return None
        entries = ctx if isinstance(ctx, list) else [ctx]
        out, ok = [], True
        for i, u in enumerate(entries):
            if not isinstance(u, str) or u in self.registry.docs:
                out.append(u)
                continue
            ok = False
            unpublished = next((x["summary"] for x in untp.manifest().get("unpublished", []) if x["url"] == u), None)
            if unpublished:
                report.findings.append(Finding("json-ld", f"$['@context'][{i}]", f"{unpublished}: JSON-LD and SHACL checks were not run",
                                               "", "untp-context-unpublished", severity="note"))
                continue
            report.findings.append(Finding("json-ld", f"$['@context'][{i}]", str(ContextRefused(u)),
                "use the pinned W3C VC, UNTP and CRM contexts, or pin this one with --context URL=FILE; "
                "JSON-LD and SHACL checks were not run", "context-refused"))
        if not ok:
            return None
        defect = self._context_defect(tuple(u for u in out if isinstance(u, str)))
        if defect is not None:
            report.findings.append(Finding("json-ld", "$['@context']", defect,
                "nothing to fix in the credential; JSON-LD and SHACL checks were not run",
                "untp-context-defect", severity="note"))
            return None
        return out

    def _context_defect(self, urls: tuple) -> str | None:
        """Why a list of pinned contexts cannot be processed, when one of UNTP's own contexts is
        the cause: each known defect (``data/untp/manifest.json``) is reproduced on its probe
        document with this very context list before it is reported, else None."""
        from . import untp

        if urls in self._context_defects:
            return self._context_defects[urls]
        reason = None
        for defect in untp.manifest().get("known_defects", []):
            if defect["context"] not in (untp.canonical_context(u) for u in urls):
                continue
            from pyld import jsonld
            from pyld.jsonld import JsonLdError

            try:
                jsonld.expand({"@context": list(urls), **defect["probe"]}, {"documentLoader": self._loader})
            except (JsonLdError, ValueError, TypeError, KeyError, RecursionError) as exc:
                why = _jsonld_reason(exc) if isinstance(exc, JsonLdError) else str(exc)
                reason = f"{defect['summary']}; a defect of UNTP's published context, not of this credential (pyld: {why[:160]})"
                break
        self._context_defects[urls] = reason
        return reason

    def expand(self, doc: dict, contexts: list, doc_key: str):
        """Expand with a sentinel @vocab; returns (expanded, ids). Every node object without an
        @id gets the temporary IRI of its JSON path; ``ids`` maps every @id to the JSON path of
        the first node object (in pyld's order: keys sorted, children first) that has it."""
        body = {k: v for k, v in doc.items() if k != "@context"}
        body["@context"] = contexts
        ids: dict[str, str] = {}

        def on_node(parts, node):
            own = node.get("@id")
            if own is None:
                node["@id"] = node_iri(doc_key, json_path(parts))
            elif isinstance(own, str):
                ids.setdefault(own, json_path(parts))

        expanded = expand_pinned(body, self._loader, self.registry.docs, {"expandContext": _SENTINEL_CONTEXT},
                                 on_node=on_node)
        return expanded, ids

    def check_jsonld(self, doc: dict, contexts: list, doc_key: str, report: Report):
        from pyld.jsonld import JsonLdError

        try:
            expanded, ids = self.expand(doc, contexts, doc_key)
        except (JsonLdError, ValueError, TypeError, KeyError, RecursionError) as exc:
            # pyld raises plain ValueError/TypeError for some malformed input (e.g. an invalid relative IRI)
            reason = _jsonld_reason(exc) if isinstance(exc, JsonLdError) else str(exc)
            if len(reason) > 300:
                reason = reason[:300] + "…"
            report.findings.append(Finding("json-ld", "$", f"JSON-LD processing failed: {reason}",
                                           "fix the @context list (VC v2 first, then this vocabulary's context) or the term named above", "expansion"))
            return None
        undefined = []
        _find_undefined(expanded, doc_key, ids, undefined)
        report.findings.extend(_undefined_findings(undefined, report.crm_profile))
        return expanded, ids

    # -- stage 3: SHACL --------------------------------------------------------------------
    def to_graph(self, expanded_docs: list, on_error=None):
        """RDF of the default graphs of expanded documents (proofs in named graphs are not shape-checked).

        ``expanded_docs`` holds (doc key, expanded, ids) triples. Every node IRI a document
        defines (its ``id`` values) is renamed to a document-scoped IRI naming its JSON path, so
        that documents sharing an id (the same facility in two passports) are still checked one
        by one, and every result points back into its own document.
        """
        from pyld import jsonld
        from rdflib import BNode, Graph, Literal, URIRef

        def term(t, prefix):
            if t["type"] == "IRI":
                return URIRef(t["value"])
            if t["type"] == "blank node":
                return BNode(f"{prefix}x{t['value'][2:]}")  # "<doc key>x<label>": see _locate
            # normalize=False keeps the lexical form the credential wrote ("yes", not "false")
            return Literal(t["value"], lang=t.get("language"), datatype=None if t.get("language") else URIRef(t["datatype"]), normalize=False)

        g = Graph()
        for key, ex, ids in expanded_docs:
            try:
                ds = jsonld.to_rdf(ex, {})
            except Exception as exc:  # noqa: BLE001 - reported per document by the caller
                if on_error is None:
                    raise
                on_error(key, exc)
                continue
            rename = {iri: node_iri(key, path) for iri, path in ids.items()}

            def node(t):
                if t["type"] == "IRI" and t["value"] in rename:
                    return URIRef(rename[t["value"]])
                return term(t, key)

            for tr in ds.get("@default", []):
                g.add((node(tr["subject"]), URIRef(tr["predicate"]["value"]), node(tr["object"])))
        return g

    def check_shacl(self, graph, arts: ArtifactSet) -> dict[str, list[Finding]]:
        """SHACL (pyshacl) on one rdflib graph (one or many documents); findings keyed by document key."""
        import pyshacl

        from rdflib import Namespace, RDF

        SH = Namespace("http://www.w3.org/ns/shacl#")
        conforms, results, _ = pyshacl.validate(graph, shacl_graph=arts.shapes, inference="none", advanced=False,
                                                allow_warnings=True, abort_on_first=False)
        if conforms:
            return {}
        rows = []
        for r in results.subjects(RDF.type, SH.ValidationResult):
            rpath, comp, value = results.value(r, SH.resultPath), results.value(r, SH.sourceConstraintComponent), results.value(r, SH.value)
            comp_name = str(comp).rsplit("#", 1)[-1].replace("ConstraintComponent", "") if comp else "constraint"
            rows.append((str(results.value(r, SH.focusNode)), None if rpath is None or isinstance(rpath, BNodeType()) else str(rpath),
                         comp_name, None if value is None else str(value), results.value(r, SH.resultMessage)))
        return self._shacl_findings(rows, arts)

    def check_shacl_triples(self, triples: list, arts: ArtifactSet) -> dict[str, list[Finding]]:
        """SHACL on pyoxigraph triples with the configured engine; findings keyed by document key."""
        compiled = arts.compiled_shapes if self.shacl_engine == "compiled" else None
        if compiled is not None:
            from .shacl_compiled import Unsupported

            try:
                found = compiled.validate(triples)
            except Unsupported:
                found = None
            if found is not None:
                rows = [(f.value, p, comp, None if v is None else v.value, None) for f, p, comp, v in found]
                return self._shacl_findings(rows, arts)
        from rdflib import Graph

        from .rdfutil import from_oxigraph as to_rdflib

        g = Graph()
        for t in triples:
            g.add(tuple(map(to_rdflib, t)))
        return self.check_shacl(g, arts)

    def _shacl_findings(self, rows, arts: ArtifactSet) -> dict[str, list[Finding]]:
        """rows: (focus, path or None, component name, value or None, message) as strings."""
        by_doc: dict[str, list[Finding]] = {}
        # a nested object that breaks its own shape also makes every ancestor fail sh:node;
        # report the nested problem only, not the cascade
        # (only where the nested problem can be placed in a document: a bare IRI value such as
        # "issuer": "did:web:..." has no JSON object of its own, so its parent's sh:node result stays)
        focused = {f for f, *_ in rows if _locate(f)[0][0] != "*"}
        for focus, rpath, comp_name, value, msg in rows:
            if comp_name == "Node" and value is not None and value in focused:
                continue
            prop = arts.term_for_iri.get(rpath, rpath) if rpath is not None else None
            for dkey, jpath in _locate(focus):
                where = f"{jpath}.{prop}" if prop and comp_name != "MinCount" else jpath
                shown = None
                if value is not None:
                    shown = _locate(value)[0][1] if value.startswith(NODE_IRI) else value
                text, fix = _shacl_text(comp_name, prop, shown, msg)
                by_doc.setdefault(dkey, []).append(Finding("shacl", where, text, fix, f"sh:{comp_name[0].lower() + comp_name[1:]}"))
        for k in by_doc:
            uniq = {(f.path, f.rule, f.message): f for f in by_doc[k]}
            by_doc[k] = sorted(uniq.values(), key=lambda f: (f.path, f.rule, f.message))
        return by_doc

    # -- fast JSON-LD (compiled) -----------------------------------------------------------
    @cached_property
    def _compiled(self):
        """The compiled JSON-LD expander (``jsonld_compiled``) on this validator's pinned contexts."""
        from .contexts import expand_options, processor
        from .jsonld_compiled import CompiledExpander

        options = expand_options(self._loader, self.registry.docs, {"expandContext": _SENTINEL_CONTEXT})
        options.update(isFrame=False, keepFreeFloatingNodes=False, extractAllScripts=False,
                       processingMode="json-ld-1.1", base="")  # the options pyld's expand() runs with
        return CompiledExpander(processor(self.registry.docs), options, _SENTINEL_CONTEXT, undefined_namespaces(),
                                node_iri, _segment)

    def _compiled_rdf(self, doc: dict, contexts: list, key: str):
        """(triples, ids, undefined) from the compiled expander, or None: pyld decides."""
        from .jsonld_compiled import Fallback

        try:
            return self._compiled.to_rdf(doc, contexts, key)
        except Fallback:
            return None

    def _pyld_pending(self, key, report, arts, doc, contexts, pending) -> None:
        """The reference JSON-LD path: pyld expansion, undefined terms, RDF for SHACL."""
        from .limits import pyld_work_problem  # pyld's work is quadratic in array length: bounded first

        problem = pyld_work_problem(doc)
        if problem is not None:
            report.findings.append(Finding("json-ld", problem.where, problem.message, problem.fix, problem.rule))
            return
        result = self.check_jsonld(doc, contexts, key, report)
        if result is None:
            return
        try:
            pending.append((key, report, arts, _pyld_triples(*result)))
        except Exception as exc:  # noqa: BLE001 - pyld can still fail turning some expanded input into RDF
            report.findings.append(Finding(
                "json-ld", "$", f"cannot turn the expanded credential into RDF: {str(exc)[:300]}",
                "fix the JSON-LD structure reported above; SHACL was not run for this file", "to-rdf"))

    # -- whole documents -------------------------------------------------------------------
    def validate_documents(self, docs: list[tuple[str, object]], jobs: int | None = None) -> list[Report]:
        """Validate (name, parsed JSON) pairs; SHACL runs once over the batch.

        With ``jobs`` > 1 (default: ``self.jobs``) and a large batch, the batch is split into
        contiguous chunks validated in forked worker processes. Every check is document-scoped
        (SHACL runs on document-scoped node IRIs), so the reports are the same either way.
        """
        jobs = self.jobs if jobs is None else jobs
        if jobs > 1 and len(docs) >= 2 * _MIN_CHUNK and _can_fork():
            return run_isolated(lambda d: self._validate_parallel(d, jobs) if len(d) > 1 else self._validate_batch(d),
                                docs, _crash_report)
        return run_isolated(self._validate_batch, docs, _crash_report)

    def _validate_parallel(self, docs, jobs: int) -> list[Report]:
        import multiprocessing as mp

        global _WORK
        # compile everything once here, so that the workers inherit it instead of each compiling it
        for arts in self.sets.values():
            arts.validators, arts.fast_validators, arts.term_for_iri
            if self.shacl_engine == "compiled":
                arts.compiled_shapes
        self._warm_compiled(docs)
        jobs = min(jobs, len(docs) // _MIN_CHUNK)
        step = -(-len(docs) // jobs)
        bounds = [(i, min(i + step, len(docs))) for i in range(0, len(docs), step)]
        _WORK = (self, docs)
        try:
            with mp.get_context("fork").Pool(len(bounds)) as pool:
                parts = pool.map(_work_chunk, bounds, chunksize=1)
        finally:
            _WORK = None
        return [r for part in parts for r in part]

    def _warm_compiled(self, docs) -> None:
        """Process the contexts of a batch's first documents once here, so that forked workers
        inherit them instead of each processing them again."""
        if not self.fast_paths:
            return
        for name, doc in docs[:8]:
            if isinstance(doc, dict) and isinstance(doc.get("@context"), list):
                self._compiled_rdf(doc, doc["@context"], "d0")

    def _judge_schema(self, doc: dict, report: Report) -> ArtifactSet | None:
        """Read what the document is (UNTP version and type, CRM profile or not) and run the
        JSON Schema layers that apply: UNTP's schema of its version and type, and for a CRM
        profile credential the CRM layer. Returns the CRM artifacts, or None."""
        from . import untp

        info = untp.detect(doc)
        report.untp_version, report.untp_type, report.untp_how = info.version, info.credential_type, info.how
        arts = self._crm_artifacts(doc)
        if not info.envelope:
            report.findings.append(Finding(
                "untp", "$", f"not a credential: a bare UNTP {info.version or ''} credential subject "
                f"({'a ' + info.credential_type + ' subject' if info.credential_type else 'no type'}) without the envelope "
                "(@context, type, id, issuer, validFrom)".replace("  ", " "),
                "issue it as a Verifiable Credential: put it under credentialSubject of a credential with @context and type",
                "envelope"))
            return None
        if arts is not None:
            report.crm_profile = True
            report.version, report.artifacts = arts.version, arts.source
            ctype = self._crm_type(doc, arts, report)
            report.credential_type = ctype
            if ctype:
                untp_of = arts.untp_types.get(ctype)
                if untp_of and (info.version, info.credential_type) != untp_of and info.version != untp_of[0]:
                    report.findings.append(Finding(
                        "untp", "$['@context']",
                        f"a CRM {arts.version} credential is a UNTP {untp_of[0]} credential, but this one reads as "
                        f"{'UNTP ' + info.version if info.version else 'no UNTP version'} ({info.how or 'no UNTP context'})",
                        f"list the UNTP {untp_of[0]} context before this vocabulary's context", "untp-version", layer=f"CRM {arts.version}"))
                report.findings.extend(self.check_schema(doc, arts, ctype))
            return arts
        if not info.version:
            report.findings.append(Finding(
                "untp", "$['@context']", "not a UNTP credential: its @context lists neither the UNTP 0.7.0 context nor a UNTP 0.5.0 module context, nor this vocabulary's context",
                f"a CRM credential lists \"{VC_V2_URL}\", \"{UNTP_070_CONTEXT}\" and \"{self.working_url}\"", "untp-version"))
            return None
        if not info.credential_type:
            report.findings.append(Finding("untp", "$.type", f"no UNTP credential type in type ({json.dumps(doc.get('type'))})",
                                           "name the UNTP credential type, e.g. DigitalProductPassport, and VerifiableCredential", "credential-type"))
        else:
            layer = self.untp_layer(info.version, info.credential_type)
            if layer is None:
                report.findings.append(Finding("untp", "$", f"UNTP {info.version} published no schema of a {info.credential_type} that is pinned here: "
                                               "the UNTP layer was not checked", "", "untp-schema-missing", severity="note"))
            else:
                judged, aliases = self._as_published(doc)
                if aliases:
                    report.findings.append(Finding("untp", "$['@context']",
                        f"read {', '.join(aliases)} as {', '.join(untp.canonical_context(u) for u in aliases)}, the URL UNTP's {info.version} schema pins "
                        "(the same published context under UNTP's other host)", "", "untp-context-alias", severity="note"))
                report.findings.extend(self.check_layer(judged, layer))
        for f in info.notes:
            report.findings.append(Finding("untp", "$.type", f, "", "untp-type", severity="note"))
        report.findings.append(Finding("note", "$['@context']", f"not a CRM profile credential: its @context lists no context of this vocabulary "
                                       f"(judged as a UNTP {info.version} credential only)", "", "not-crm", severity="note"))
        return None

    def _validate_batch(self, docs: list[tuple[str, object]]) -> list[Report]:
        reports, pending = [], []
        for i, (name, doc) in enumerate(docs):
            report = Report(name)
            reports.append(report)
            if not isinstance(doc, dict):
                report.findings.append(Finding("json", "$", f"the document is a JSON {type(doc).__name__}, not an object", "a credential is one JSON object", "not-object"))
                continue
            arts = self._judge_schema(doc, report)
            if any(f.rule == "envelope" for f in report.findings):
                continue  # no envelope: nothing to process as JSON-LD (reported above)
            contexts = self._contexts_for_processing(doc, report)
            if contexts is None:
                continue
            key = f"d{i}"
            compiled = self._compiled_rdf(doc, contexts, key) if self.fast_paths else None
            if compiled is None:  # outside the compiled subset: pyld decides (and words any error)
                self._pyld_pending(key, report, arts, doc, contexts, pending)
                continue
            triples, ids, undefined = compiled
            report.findings.extend(_undefined_findings(undefined, report.crm_profile))
            pending.append((key, report, arts, (triples, ids)))
        groups: dict[str, list] = {}
        for item in pending:
            if item[2] is not None:  # SHACL: the CRM shapes judge CRM profile credentials only
                groups.setdefault(item[2].version, []).append(item)
        for items in groups.values():
            arts = items[0][2]
            found = self._shacl_per_document(items, arts) if self.shacl_engine == "compiled" else None
            if found is None:
                triples = []
                for key, _, _, (trs, ids) in items:
                    triples.extend(_rename(trs, key, ids))
                found = self.check_shacl_triples(triples, arts)
            for key, report, _, _ in items:
                # a value the JSON Schema stage already reported is not reported again by SHACL
                # (the CRM shapes repeat the CRM layer's enums, ranges and required properties)
                seen = {f.path for f in report.findings if f.check == "json-schema" and f.severity == "error"}
                report.findings.extend(f for f in found.get(key, []) if f.path not in seen)
        return reports

    def _shacl_per_document(self, items, arts: ArtifactSet) -> dict[str, list[Finding]] | None:
        """The compiled checker one document at a time. Equivalent to checking the renamed batch
        graph: renaming makes the documents' nodes disjoint (an IRI one document defines is
        renamed in that document only; blank nodes get the document key), so no node's values
        come from two documents either way. Only the results' nodes are renamed here."""
        compiled = arts.compiled_shapes
        if compiled is None:
            return None
        import pyoxigraph as ox

        from .shacl_compiled import Unsupported

        rows = []
        for key, _, _, (trs, ids) in items:
            try:
                found = compiled.validate(trs)
            except Unsupported:
                return None
            if not found:
                continue

            def name(t):
                if isinstance(t, ox.NamedNode):
                    path = ids.get(t.value)
                    return node_iri(key, path) if path is not None else t.value
                if isinstance(t, ox.BlankNode):
                    return f"{key}x{t.value}"  # "<doc key>x<label>": see _locate
                return t.value

            rows.extend((name(f), p, comp, None if v is None else name(v), None) for f, p, comp, v in found)
        return self._shacl_findings(rows, arts)


# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------
def _crash_report(item, exc) -> Report:
    """The report of a file whose validation raised an unexpected exception (a bug)."""
    r = Report(item[0], crashed=True)
    r.findings.append(Finding("internal", "$", crash_message("validate", exc), "", "internal-error"))
    return r


_SEGMENTS: dict = {}


def _segment(k) -> str:
    """json_path's text for one key (memoised)."""
    seg = _SEGMENTS.get(k)
    if seg is None:
        seg = json_path((k,))[1:]
        if len(_SEGMENTS) < 100_000:
            _SEGMENTS[k] = seg
    return seg


_QUOTE_FREE = re.compile(r"[A-Za-z0-9_.~$\[\]-]*")


def node_iri(doc_key: str, path: str) -> str:
    # brackets are percent-encoded: they are not IRI characters (pyoxigraph drops such IRIs)
    if _QUOTE_FREE.fullmatch(path):  # the common case, same result as quote() below
        return f"{NODE_IRI}{doc_key}:{path.replace('[', '%5B').replace(']', '%5D')}"
    from urllib.parse import quote

    return f"{NODE_IRI}{doc_key}:{quote(path, safe='$._-')}"


@functools.lru_cache(maxsize=1 << 16)
def _py_format(fmt: str, value: str) -> bool:
    from jsonschema import FormatChecker

    return FormatChecker().conforms(value, fmt)


def _py_date(value: str) -> bool:
    return _py_format("date", value)


def _py_date_time(value: str) -> bool:
    return _py_format("date-time", value)


@functools.lru_cache(maxsize=4096)
def _close_match(word: str, options: tuple[str, ...]) -> str | None:
    """difflib's closest option for a "did you mean" hint; memoised because a batch repeats the
    same slips (difflib was a third of the JSON Schema stage's time on invalid credentials)."""
    near = difflib.get_close_matches(word, options, n=1)
    return near[0] if near else None


@dataclass
class _FastError:
    """The parts of a jsonschema ValidationError that ``Validator._explain`` reads."""
    validator: str
    absolute_path: list
    schema: dict
    instance: object
    message: str
    context: tuple = ()


_MIN_CHUNK = 100  # documents per worker below which forking does not pay
_WORK = None  # (validator, docs) inherited by forked workers


def _work_chunk(bounds):
    validator, docs = _WORK
    return validator._validate_batch(docs[bounds[0]:bounds[1]])


def _usable_cores() -> int:
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _can_fork() -> bool:
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods()


def BNodeType():
    from rdflib.term import BNode

    return BNode


def _pyld_triples(expanded, ids) -> tuple[list, dict]:
    """pyld expanded JSON-LD -> ((s, p, o) pyoxigraph terms of the default graph, ids)."""
    import pyoxigraph as ox
    from pyld import jsonld

    def term(t):
        if t["type"] == "IRI":
            return ox.NamedNode(t["value"])
        if t["type"] == "blank node":
            return ox.BlankNode(t["value"][2:])
        if t.get("language"):
            return ox.Literal(t["value"], language=t["language"])
        return ox.Literal(t["value"], datatype=ox.NamedNode(t["datatype"]))

    ds = jsonld.to_rdf(expanded, {})
    return [(term(tr["subject"]), term(tr["predicate"]), term(tr["object"])) for tr in ds.get("@default", [])], ids


def _rename(triples: list, doc_key: str, ids: dict) -> list:
    """Document-scoped nodes: every id the document defines becomes the IRI of its JSON path,
    blank nodes get the document key (documents sharing an id are still checked one by one)."""
    import pyoxigraph as ox

    rename = {iri: ox.NamedNode(node_iri(doc_key, path)) for iri, path in ids.items()}

    def node(t):
        if isinstance(t, ox.NamedNode):
            return rename.get(t.value, t)
        if isinstance(t, ox.BlankNode):
            return ox.BlankNode(f"{doc_key}x{t.value}")  # "<doc key>x<label>": see _locate
        return t

    if not rename:
        return [(node(s), p, node(o)) for s, p, o in triples]
    return [(node(s), p, node(o)) for s, p, o in triples]


def _find_undefined(expanded, doc_key: str, ids: dict, out: list, parts=()):
    """Walk expanded JSON-LD and collect properties/types in the sentinel or VC @vocab namespaces."""
    from urllib.parse import unquote

    if isinstance(expanded, list):
        for v in expanded:
            _find_undefined(v, doc_key, ids, out, parts)
        return
    if not isinstance(expanded, dict):
        return
    node_id = expanded.get("@id", "")
    here = "$"
    if isinstance(node_id, str) and node_id.startswith(f"{NODE_IRI}{doc_key}:"):
        here = unquote(node_id[len(f"{NODE_IRI}{doc_key}:"):])
    elif isinstance(node_id, str) and node_id in ids:
        here = ids[node_id]
    elif parts:
        here = parts[-1]
    for k, v in expanded.items():
        for ns in undefined_namespaces():
            if k.startswith(ns):
                out.append((here, k[len(ns):], ns))
        if k == "@type":
            for t in v if isinstance(v, list) else [v]:
                for ns in undefined_namespaces():
                    if isinstance(t, str) and t.startswith(ns):
                        out.append((f"{here}.type", t[len(ns):], ns))
        if not k.startswith("@") or k in ("@graph", "@list", "@set", "@included"):
            _find_undefined(v, doc_key, ids, out, parts + (here,))


@functools.lru_cache(maxsize=1)
def undefined_namespaces() -> tuple[str, ...]:
    """Namespaces an undefined term falls into: the checks' sentinel ``@vocab``, W3C VC's
    issuer-dependent one, and the ``@vocab`` of each UNTP 0.7.0 type-scoped context (inside a
    typed UNTP node, e.g. a Product, an undefined ``foo`` becomes ``.../untp/Product#foo``
    instead of being dropped). Property-scoped ones (``characteristics``, UNTP's open bag of
    industry terms; code lists) are not: terms there are allowed, or are values."""
    from . import untp

    out = [SENTINEL_VOCAB, VC_VOCAB]
    ctx = untp.contexts()[UNTP_070_CONTEXT]["@context"]
    for k, v in sorted(ctx.items()):
        if k[:1].isupper() and isinstance(v, dict) and isinstance(v.get("@context"), dict):
            vocab = v["@context"].get("@vocab")
            if isinstance(vocab, str):
                out.append(vocab)
    return tuple(out)


def _undefined_where(ns: str) -> str:
    if ns == SENTINEL_VOCAB:
        return "any context of the credential (W3C VC, UNTP or this vocabulary's)"
    if ns == VC_VOCAB:
        return "any context (it fell into the VC issuer-dependent @vocab)"
    return f"UNTP or this vocabulary's context (it fell into UNTP's catch-all {ns})"


def _undefined_findings(undefined: list, crm_profile: bool) -> list[Finding]:
    """Findings for terms no context defines. In a CRM profile credential each is an error (the
    profile's contexts define every term it may use). A UNTP-only credential is judged by UNTP's
    schema; what JSON-LD drops from it is summed up in one note (0.5.0 credentials often carry
    untyped objects whose terms the 0.5.0 contexts define only inside type-scoped contexts)."""
    rows = sorted(set(undefined))
    if crm_profile:
        return [Finding("json-ld", path, f"'{term}' is not defined by {_undefined_where(ns)}",
                        "use a term of the vocabulary (see the class's page) or remove it", "undefined-term")
                for path, term, ns in rows]
    if not rows:
        return []
    terms = sorted({t for _, t, _ in rows})
    shown = ", ".join(terms[:12]) + (f" and {len(terms) - 12} more" if len(terms) > 12 else "")
    return [Finding("json-ld", rows[0][0], f"{len(rows)} uses of {len(terms)} terms that none of the credential's contexts defines "
                    f"(JSON-LD processing drops or mis-files them): {shown}; first at {rows[0][0]}", "", "undefined-terms", severity="note")]


def _jsonld_reason(exc) -> str:
    parts = []
    e = exc
    while e is not None and len(parts) < 4:
        code = getattr(e, "code", None)
        msg = getattr(e, "message", None) or str(e).split("\n")[0]
        details = getattr(e, "details", None) or {}
        term = details.get("term") if isinstance(details, dict) else None
        parts.append(f"{msg}" + (f" [{code}]" if code else "") + (f" (term '{term}')" if term else ""))
        e = getattr(e, "cause", None)
    return "; ".join(dict.fromkeys(parts))


def _locate(focus: str) -> list[tuple[str, str]]:
    from urllib.parse import unquote

    if focus.startswith(NODE_IRI):
        rest = focus[len(NODE_IRI):]
        key, _, path = rest.partition(":")
        return [(key, unquote(path))]
    m = re.match(r"^(d\d+)x", focus)
    if m:
        # a blank node: an object with no JSON position of its own (inside @list, a value object ...);
        # it still belongs to its document and must be reported there, never dropped
        return [(m.group(1), "$ (an object inside a JSON-LD @list or value object)")]
    return [("*", f"<{focus}>")]


def _shacl_text(comp: str, prop: str | None, value, msg) -> tuple[str, str]:
    v = f" {value}" if value is not None else ""
    p = f"'{prop}'" if prop else "a property"
    table = {
        "MinCount": (f"required property {p} is missing", f"add {p}"),
        "MaxCount": (f"{p} has more values than allowed", f"give at most the allowed number of values for {p}"),
        "In": (f"{p} has the value{v}, which is not in the allowed list", f"use one of the codes listed for {p} on the vocabulary page"),
        "NodeKind": (f"{p} has the value{v} of the wrong kind (e.g. a literal where an IRI or object is required)", f"give {p} as the kind the vocabulary requires (an IRI/object vs text)"),
        "Datatype": (f"{p} has the value{v} of the wrong datatype or an ill-formed value", f"give {p} in the datatype the vocabulary requires"),
        "Pattern": (f"{p} value{v} does not match the required pattern", f"write {p} in the documented form"),
        "MinInclusive": (f"{p} value{v} is below the minimum", f"give {p} within the allowed range"),
        "MaxInclusive": (f"{p} value{v} is above the maximum", f"give {p} within the allowed range"),
        "Class": (f"{p} value{v} is not of the required class", f"give {p} an object of the required type"),
        "Node": (f"{p} value{v} does not conform to its shape", f"fix the object under {p}"),
    }
    text, fix = table.get(comp, (str(msg) if msg else f"{comp} violation on {p}", "see the SHACL shape of this class"))
    return text, fix


# ----------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------
EXIT_CODES = """exit codes:
  0  every file is a valid CRM profile credential
  1  some file is invalid (the findings say where, which layer, and how to fix it)
  2  some file is unusable (unreadable, not JSON), no artifacts to validate against, or a usage error
  3  the validation of some file crashed (a bug in the toolkit; the other files keep their reports)
  4  every file is valid but some are UNTP credentials only (no CRM context)"""


def needs_project(args) -> bool:
    """A project is used when there is one (its build or model); without one the artifacts
    packaged with the toolkit, or --artifacts, are used."""
    return False


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="credential JSON files ('-' reads standard input)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--artifacts", metavar="DIR|ZIP",
                   help="validate against this built version folder (e.g. build/site/working), a folder of versions, or a "
                        "downloaded <version>.zip (default: in a project its current build, else the model; outside one "
                        "the artifacts packaged with the toolkit)")
    p.add_argument("--context", action="append", default=[], metavar="URL=FILE", help="pin one more JSON-LD context to a local file")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes for large batches (default: the usable CPU cores; 1 = this process only)")
    p.add_argument("--shacl-engine", choices=SHACL_ENGINES, default="compiled",
                   help="SHACL engine: 'compiled' (default: the shapes' constraint subset compiled to Python, "
                        "differential-tested against pyshacl) or 'pyshacl'")


def read_documents(paths: list[str]) -> tuple[list[tuple[str, object]], list[Report]]:
    from .limits import read_json_document  # bounded reading and parsing (README "Input limits")

    docs, unusable = [], []
    for name in paths:
        doc, problem = read_json_document(name)
        if problem is None:
            docs.append((name, doc))
            continue
        r = Report(name, unusable=True)
        r.findings.append(Finding("json", problem.where, problem.message, problem.fix, problem.rule))
        unusable.append(r)
    return docs, unusable


def run(args, project: Project) -> int:
    extra = {}
    for pair in args.context:
        url, sep, file = pair.partition("=")
        if not sep or not url or not file:
            raise UsageError(f"--context takes URL=FILE, got {pair!r}", hint="e.g. --context https://example.org/ctx.jsonld=ctx.jsonld")
        extra[url] = Path(file)
    docs, unusable = read_documents(args.files)
    validator = Validator(project, args.artifacts or None, extra,
                          shacl_engine=getattr(args, "shacl_engine", "compiled"), jobs=getattr(args, "jobs", None))
    reports = validator.validate_documents(docs) + unusable
    order = {n: i for i, n in enumerate(args.files)}
    reports.sort(key=lambda r: order.get(r.file, 0))
    if args.format == "json":
        print(json.dumps({"format": FORMAT_VERSION, "notes": validator.notes, "reports": [r.as_json() for r in reports]},
                         indent=2, ensure_ascii=False))
    else:
        for note in validator.notes:
            print(f"note: {note}", file=sys.stderr)
        for r in reports:
            n = len(r.errors)
            what = f" ({r.summary})" if r.summary else ""
            print(f"{r.file}: {r.status.upper()}{what}" + (f", {n} problem{'s' if n != 1 else ''}" if n else ""))
            for f in r.findings:
                print(f.render() if f.severity == "error" else f"  note: {f.message}")
        valid = sum(r.valid for r in reports)
        not_crm = sum(r.valid and not r.crm_profile for r in reports)
        print(f"{valid} valid ({not_crm} of them UNTP only, not CRM profile credentials), {len(reports) - valid} not valid"
              if not_crm else f"{valid} valid, {len(reports) - valid} not valid")
    return exit_code(reports)


def exit_code(reports: list[Report]) -> int:
    """0 every file is a valid CRM profile credential; 1 some file is invalid (UNTP or CRM layer);
    2 some file is unusable (unreadable, not JSON, beyond the input limits); 3 validating some file
    crashed (a bug: the other files still have their reports); 4 every file is valid, but some are
    UNTP credentials only (no CRM context). The worst applies: 3, then 2, then 1, then 4."""
    if any(r.crashed for r in reports):
        return INTERNAL_EXIT
    if any(r.unusable for r in reports):
        return 2
    if not all(r.valid for r in reports):
        return 1
    return 4 if any(not r.crm_profile for r in reports) else 0


def _article(value) -> str:
    """'an' for the JSON types whose names start with a vowel (object, array, integer)."""
    return "an" if isinstance(value, (dict, list, int)) and not isinstance(value, (bool, float)) else "a"
