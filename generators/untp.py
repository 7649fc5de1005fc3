"""The released UNTP artefacts pinned in this package, and which UNTP version a credential is.

``data/untp/manifest.json`` maps each published URL (contexts and JSON Schemas of UNTP 0.7.0,
and the 0.5.0 module contexts and schemas the CRM pilots use) to its file and SHA-256;
``data/untp/NOTICE.md`` gives provenance and terms of use. Nothing is fetched.

:func:`detect` reads a credential's UNTP version and credential type from its ``@context``
list (0.7.0: the one unified context; 0.5.0: a module context on either host the pilots use)
and its ``type``; a document without an envelope is read by its shape and says so.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "untp"
UNTP_070_CONTEXT = "https://vocabulary.uncefact.org/untp/0.7.0/context/"
CREDENTIAL_TYPES = ("DigitalProductPassport", "DigitalConformityCredential", "DigitalFacilityRecord",
                    "DigitalIdentityAnchor", "DigitalTraceabilityEvent")
# 0.5.0 module of each credential type (the module context's path segment)
MODULE_OF = {"DigitalProductPassport": "dpp", "DigitalConformityCredential": "dcc", "DigitalFacilityRecord": "dfr",
             "DigitalIdentityAnchor": "dia", "DigitalTraceabilityEvent": "dte"}
_V05_HOSTS = ("https://test.uncefact.org/vocabulary/untp/", "https://vocabulary.uncefact.org/untp/")
# subject types that exist only before 0.7.0 (0.7.0 removed Attestation; its attestation holds
# conformityAssessment, the 0.5.0 one assessment)
_PRE_070_SUBJECT_TYPES = {"Attestation"}


@lru_cache(maxsize=1)
def manifest() -> dict:
    return json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _load(path: str):
    return json.loads((DATA / path).read_text(encoding="utf-8"))


def contexts() -> dict[str, object]:
    """Published context URL -> parsed document, for every pinned UNTP context (0.5.0 contexts
    under both hosts the pilots use)."""
    m = manifest()
    out = {f["url"]: _load(f["path"]) for f in m["files"] if f["kind"] == "context"}
    for alias, url in m["aliases"].items():
        out[alias] = out[url]
    return out


def schema_url(version: str, credential_type: str) -> str | None:
    for f in manifest()["files"]:
        if f["kind"] == "schema" and f["version"] == version and f.get("credentialType") == credential_type:
            return f["url"]
    return None


def schema(version: str, credential_type: str) -> dict | None:
    """UNTP's JSON Schema of a credential type in one version (parsed; shared, do not modify)."""
    for f in manifest()["files"]:
        if f["kind"] == "schema" and f["version"] == version and f.get("credentialType") == credential_type:
            return _load(f["path"])
    return None


def schema_resources() -> dict[str, dict]:
    """Published schema URL -> schema, for a JSON Schema registry (UNTP's schemas have no $id)."""
    return {f["url"]: _load(f["path"]) for f in manifest()["files"] if f["kind"] == "schema"}


def canonical_context(url: str) -> str:
    """The published URL a pinned copy is filed under (0.5.0 aliases read as their test host)."""
    return manifest()["aliases"].get(url, url)


@dataclass
class UntpInfo:
    """What a document is, as far as UNTP goes."""
    version: str | None = None          # "0.7.0", "0.5.0", or None (not a UNTP credential)
    credential_type: str | None = None  # DigitalProductPassport, ... or None
    context_url: str | None = None      # the UNTP context the document lists
    envelope: bool = True               # False: a bare credentialSubject (no @context, no type)
    how: str = ""                       # how the version was read, for the report
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if not self.version:
            return "not a UNTP credential"
        what = self.credential_type or ("credential subject" if not self.envelope else "credential of unknown type")
        return f"UNTP {self.version} {what}"


def _v05_module(url: str) -> str | None:
    for host in _V05_HOSTS:
        if url.startswith(host):
            rest = url[len(host):].strip("/").split("/")
            if len(rest) == 2 and rest[1] == "0.5.0" and rest[0] in set(MODULE_OF.values()):
                return rest[0]
    return None


def detect(doc) -> UntpInfo:
    info = UntpInfo()
    if not isinstance(doc, dict):
        return info
    ctx = doc.get("@context")
    urls = [u for u in (ctx if isinstance(ctx, list) else [ctx]) if isinstance(u, str)]
    types = doc.get("type")
    types = [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]
    ctype = next((t for t in types if t in CREDENTIAL_TYPES), None)
    info.credential_type = ctype
    if UNTP_070_CONTEXT in urls:
        info.version, info.context_url, info.how = "0.7.0", UNTP_070_CONTEXT, "from its @context (the UNTP 0.7.0 context)"
        return info
    for u in urls:
        module = _v05_module(u)
        if module:
            info.version, info.context_url = "0.5.0", u
            info.how = f"from its @context (the UNTP 0.5.0 {module} module context)"
            if ctype and MODULE_OF.get(ctype) != module:
                info.notes.append(f"its type {ctype} belongs to the UNTP {MODULE_OF[ctype]} module, but its context is the {module} module's")
            elif not ctype:
                info.credential_type = next((t for t, m in MODULE_OF.items() if m == module), None)
            return info
    if ctx is None and "type" not in doc and isinstance(doc.get("credentialSubject"), dict):
        # a bare credential subject, as the Copper Mark pilot file is: read by its shape
        info.envelope = False
        cs = doc["credentialSubject"]
        st = cs.get("type")
        st = {t for t in (st if isinstance(st, list) else [st]) if isinstance(t, str)}
        if "ConformityAttestation" in st:
            info.credential_type = "DigitalConformityCredential"
            if st & _PRE_070_SUBJECT_TYPES or "assessment" in cs:
                info.version, info.how = "0.5.0", "from its shape (no @context: an Attestation with assessment[], as UNTP 0.5.0 has it)"
            elif "conformityAssessment" in cs:
                info.version, info.how = "0.7.0", "from its shape (no @context: conformityAssessment[], as UNTP 0.7.0 has it)"
        elif "Product" in st:
            info.credential_type = "DigitalProductPassport"
    return info
