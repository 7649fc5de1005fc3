"""``crm-vocab upgrade FILE... --to 0.7.0``: rewrite UNTP 0.5.0 credentials as unsigned UNTP 0.7.0 ones.

What 0.5.0 said is carried onto 0.7.0 where 0.7.0 has a place for it, by explicit rules (the
DCC's ``scope`` becomes ``referenceScheme``, ``assessment`` ``conformityAssessment``, a topic
code a UNTP 0.7.0 topic object, a criteria-guide fragment the criterion IRI the project publishes
(through the catalogues' ``owner_iri``) ...); everything else is fitted to UNTP 0.7.0's own schema
of the credential's type: a property or value 0.7.0 has no place for is left out and reported.
Nothing is invented: a value 0.7.0 requires that the original does not give is reported as
missing and left for the issuer, and the output is then a *draft* (``<name>.untp-0.7.0.draft.json``).
The original proof cannot survive a rewrite: the output is unsigned, and the report says so.

Outputs are written atomically, never over an input, and never over an existing file without
``--force``.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError

VC_V2 = "https://www.w3.org/ns/credentials/v2"
UNTP_070 = "https://vocabulary.uncefact.org/untp/0.7.0/context/"
TARGETS = ("0.7.0",)
#: 0.5.0 module -> (0.7.0 credential type, pinned schema file under the UNTP 0.7.0 folder)
TYPES = {
    "dcc": ("DigitalConformityCredential", "schema/dcc/ConformityCredential.json"),
    "dpp": ("DigitalProductPassport", "schema/dpp/DigitalProductPassport.json"),
    "dfr": ("DigitalFacilityRecord", "schema/dfr/DigitalFacilityRecord.json"),
    "dia": ("DigitalIdentityAnchor", "schema/dia/DigitalIdentityAnchor.json"),
}
_MODULE_CONTEXT = re.compile(r"^https://(?:test\.uncefact\.org/vocabulary|vocabulary\.uncefact\.org)/untp/(dpp|dcc|dfr|dia)/0\.5\.0/?\Z")
_SUBJECT_TYPES = {"ConformityAttestation": "dcc", "Product": "dpp", "Facility": "dfr", "RegisteredIdentity": "dia"}


def untp070_dir() -> Path:
    """The pinned UNTP 0.7.0 artefacts: the package's copies once shipped (issue 8), else
    ``../shared/external/untp-0.7.0`` beside the checkout."""
    pkg = Path(__file__).resolve().parent / "data" / "untp" / "0.7.0"
    if (pkg / "schema").is_dir():
        return pkg
    from .project import load_project

    shared = load_project().shared_dir
    p = shared / "external" / "untp-0.7.0" if shared else None
    if p is None or not (p / "schema").is_dir():
        raise UsageError("the pinned UNTP 0.7.0 schemas are not available",
                         hint="install the package with its data, or run inside a checkout with ../shared/external/untp-0.7.0")
    return p


# ---------------------------------------------------------------------------------------------
@dataclass
class Report:
    file: str
    read: str = ""
    module: str = ""
    output: str = ""
    status: str = ""  # "valid" | "draft"
    missing: list = field(default_factory=list)  # JSON paths of required fields the output lacks
    invalid: list = field(default_factory=list)  # other schema errors left (none expected)
    mapped: list = field(default_factory=list)  # {"where", "from", "to"}
    dropped: list = field(default_factory=list)  # {"where", "value", "reason"}
    proof: str = ""
    crm_context: bool = False

    def as_json(self) -> dict:
        return {"file": self.file, "read": self.read, "output": self.output, "status": self.status,
                "missing": self.missing, "invalid": self.invalid, "mapped": self.mapped,
                "dropped": self.dropped, "proof": self.proof, "crm_context": self.crm_context}


def _short(v) -> str:
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 80 else s[:77] + "..."


def detect(data) -> tuple[str, str]:
    """(module, what was read) of a 0.5.0 credential; UsageError for anything else."""
    if not isinstance(data, dict):
        raise UsageError("the file is not a JSON object", hint="pass a UNTP 0.5.0 credential (JSON)")
    ctx = data.get("@context")
    ctxs = ctx if isinstance(ctx, list) else [ctx] if ctx else []
    if UNTP_070 in ctxs:
        raise UsageError("this credential already uses the UNTP 0.7.0 context", where="@context",
                         hint="nothing to upgrade: validate it with crm-vocab validate")
    mods = [m.group(1) for c in ctxs if isinstance(c, str) for m in [_MODULE_CONTEXT.match(c)] if m]
    if mods:
        return mods[0], f"UNTP 0.5.0 {TYPES[mods[0]][0]} (context {next(c for c in ctxs if _MODULE_CONTEXT.match(str(c)))})"
    cs = data.get("credentialSubject") if "credentialSubject" in data else None
    if not ctxs and isinstance(cs, dict):  # a bare subject without envelope (the Copper Mark pilot)
        types = cs.get("type") if isinstance(cs.get("type"), list) else [cs.get("type")]
        for t in types:
            if t in _SUBJECT_TYPES:
                m = _SUBJECT_TYPES[t]
                return m, f"UNTP 0.5.0 {TYPES[m][0]} without credential envelope or @context (credentialSubject type {t})"
    raise UsageError("not a UNTP 0.5.0 credential: no UNTP 0.5.0 module context (dpp, dcc, dfr, dia) in @context",
                     where="@context", hint="pass a credential issued against UNTP 0.5.0")


# ---------------------------------------------------------------------------------------------
class Upgrader:
    def __init__(self, project):
        from .mappingdata import load_mapping_data
        from . import schemes

        self.project = project
        self.md = load_mapping_data(project)
        self.schemes = schemes.load(project, self.md)
        self.untp = untp070_dir()
        ctx = json.loads((self.untp / "contexts" / "untp-context.jsonld").read_text(encoding="utf-8"))["@context"]
        self.untp_classes = {k for k, v in ctx.items() if isinstance(v, dict) and k[:1].isupper()}
        self.crm_terms = crm_terms(project) - _context_terms(ctx)
        self.active_crm_terms: set[str] = set()
        # owner IRI (fragment included) -> requirements; catalogue URL -> scheme
        self.by_owner: dict[str, list] = {}
        self.scheme_by_url: dict[str, str] = {}
        for scheme, cat in self.md.catalogues.items():
            self.scheme_by_url.setdefault(_url_key(cat.url), scheme)
            for r in cat.requirements.values():
                if r.owner_iri:
                    self.by_owner.setdefault(r.owner_iri, []).append((scheme, r))
                    self.scheme_by_url.setdefault(_url_key(r.owner_iri), scheme)
        self._schemas: dict[str, dict] = {}

    def schema(self, module: str) -> dict:
        if module not in self._schemas:
            self._schemas[module] = json.loads((self.untp / TYPES[module][1]).read_text(encoding="utf-8"))
        return self._schemas[module]

    # -- 0.5.0 -> 0.7.0 shapes ------------------------------------------------------------------
    def upgrade(self, data: dict, rep: Report) -> dict:
        module = rep.module
        src = copy.deepcopy(data)
        out: dict = {}
        crm_ctx = [c for c in _as_list(src.get("@context")) if _is_crm_context(self.project, c)]
        # a 0.5.0 credential uses CRM terms only through the CRM context it lists (0.5.0's own
        # terms keep their UNTP meaning even where the CRM model has a slot of the same name)
        self.active_crm_terms = self.crm_terms if crm_ctx else set()
        extra_ctx = [c for c in _as_list(src.get("@context"))
                     if c != VC_V2 and not _MODULE_CONTEXT.match(str(c)) and c not in crm_ctx]
        for c in extra_ctx:
            rep.dropped.append({"where": "@context", "value": _short(c), "reason":
                                "a context other than UNTP's, not pinned here: the terms it defines are not carried over "
                                "(add it back if it composes with UNTP 0.7.0)"})
        out["@context"] = [VC_V2, UNTP_070]
        vc_type = TYPES[module][0]
        types = [t for t in _as_list(src.get("type"))]
        other = [t for t in types if t not in (vc_type, "VerifiableCredential")]
        for t in other:
            rep.dropped.append({"where": "type", "value": _short(t), "reason": "not a UNTP 0.7.0 credential type"})
        out["type"] = [vc_type, "VerifiableCredential"]
        if types != out["type"] and types and not other:
            pass
        for k, v in src.items():
            if k in ("@context", "type"):
                continue
            if k == "proof":
                kinds = ", ".join(sorted({str(p.get("type")) for p in _as_list(v) if isinstance(p, dict)})) or "a proof"
                rep.proof = (f"the original's proof ({kinds}) signs the 0.5.0 document and cannot survive the rewrite: "
                             "the output is unsigned; the issuer must issue and sign it again")
                continue
            if k == "issuanceDate" and "validFrom" not in src:
                out["validFrom"] = v
                rep.mapped.append({"where": "issuanceDate", "from": _short(v), "to": "validFrom (VC 2.0 replaced issuanceDate)"})
                continue
            if k == "credentialSubject":
                v = self.subject(module, v, rep)
            out[k] = v
        if not rep.proof:
            rep.proof = "the original has no proof; the output is unsigned: the issuer must issue and sign it"
        return out

    def subject(self, module: str, cs, rep: Report):
        if not isinstance(cs, dict):
            return cs
        cs = dict(cs)
        where = "credentialSubject"
        if module == "dcc":
            if "scope" in cs:
                scope = cs.pop("scope")
                ref = self.scheme_ref(scope, f"{where}.scope", rep)
                if ref:
                    cs["referenceScheme"], prof = ref
                    if prof:
                        cs["referenceProfile"] = prof
            if "assessment" in cs:
                cs["conformityAssessment"] = [
                    self.assessment(a, f"{where}.assessment[{i}]", rep) for i, a in enumerate(_as_list(cs.pop("assessment")))]
                rep.mapped.append({"where": f"{where}.assessment", "from": "assessment", "to": "conformityAssessment"})
            for i, e in enumerate(_as_list(cs.get("authorisation"))):
                if isinstance(e, dict) and isinstance(e.get("trustmark"), dict):
                    e["trustmark"] = self.image(e["trustmark"], f"{where}.authorisation[{i}].trustmark", rep)
                    if e["trustmark"] is None:
                        del e["trustmark"]
        if module in ("dpp", "dfr"):
            if "conformityClaim" in cs:
                cs["performanceClaim"] = [self.claim(c, f"{where}.conformityClaim[{i}]", rep)
                                          for i, c in enumerate(_as_list(cs.pop("conformityClaim")))]
                rep.mapped.append({"where": f"{where}.conformityClaim", "from": "conformityClaim", "to": "performanceClaim"})
            if module == "dpp" and "granularityLevel" in cs and "idGranularity" not in cs:
                cs["idGranularity"] = cs.pop("granularityLevel")
                rep.mapped.append({"where": f"{where}.granularityLevel", "from": "granularityLevel", "to": "idGranularity"})
        return cs

    def scheme_ref(self, scope, where, rep):
        if not isinstance(scope, dict):
            return None
        sid = scope.get("id") if isinstance(scope.get("id"), str) else ""
        scheme = self.scheme_by_url.get(_url_key(sid)) if sid else None
        if scheme and scheme in self.schemes:
            sd = self.schemes[scheme]
            prof = sd.doc["includedProfile"][0]
            rep.mapped.append({"where": f"{where}.id", "from": sid, "to": f"referenceScheme {sd.iri}, referenceProfile {prof['id']}"})
            return ({"id": sd.iri, "name": sd.doc["name"]}, {"id": prof["id"], "name": prof["name"]})
        rep.mapped.append({"where": where, "from": "scope", "to": "referenceScheme (no published scheme has this IRI: kept as given)"})
        return ({k: scope[k] for k in ("id", "name") if k in scope}, None)

    def criterion_iri(self, cid: str, name: str, where: str, rep: Report) -> str:
        cands = self.by_owner.get(cid, [])
        if not cands:
            return cid
        # several requirements may share an owner's IRI (a protocol PDF): prefer the one the name
        # names, among them and their children
        pool = list(cands)
        for scheme, r in cands:
            pool += [(scheme, c) for c in self.md.catalogues[scheme].requirements.values() if c.parent == r.id]
        hits = [(s, r) for s, r in pool if _norm(r.title) and _norm(r.title) in _norm(name)]
        pick = hits[0] if len({(s, r.id) for s, r in hits}) == 1 else (cands[0] if len(cands) == 1 and not hits else None)
        if pick is None:
            rep.mapped.append({"where": where, "from": cid, "to": f"(not mapped: {len(hits) or len(cands)} requirements match)"})
            return cid
        scheme, r = pick
        iri = self.project.standard_base(scheme, self.md.catalogues[scheme].version_slug) + r.id
        rep.mapped.append({"where": where, "from": cid, "to": iri})
        return iri

    def criteria(self, items, where, rep):
        out = []
        for j, c in enumerate(_as_list(items)):
            if isinstance(c, dict) and isinstance(c.get("id"), str):
                c = dict(c)
                c["id"] = self.criterion_iri(c["id"], str(c.get("name", "")), f"{where}[{j}].id", rep)
            out.append(c)
        return out

    def topic(self, code, where, rep):
        from .untp_topics import topic_object

        if isinstance(code, str):
            t = topic_object(code)
            if t:
                rep.mapped.append({"where": where, "from": code, "to": t["id"]})
                return [t]
        rep.dropped.append({"where": where, "value": _short(code), "reason": "not a UNTP conformity topic code"})
        return None

    def assessment(self, a, where, rep):
        if not isinstance(a, dict):
            return a
        a = dict(a)
        if "assessmentCriteria" in a:
            a["assessmentCriteria"] = self.criteria(a["assessmentCriteria"], f"{where}.assessmentCriteria", rep)
        self._topic_and_references(a, where, rep)
        for k, inner in (("assessedFacility", "facility"), ("assessedProduct", "product")):
            if k in a:
                a[k] = [{inner: x} if isinstance(x, dict) and inner not in x else x for x in _as_list(a[k])]
        return a

    def _topic_and_references(self, o: dict, where, rep) -> None:
        """In place: the 0.5.0 topic code as a 0.7.0 ConformityTopic (``self.topic``), and single
        references as lists, as 0.7.0 has them (shared by assessments and claims)."""
        if "conformityTopic" in o:
            t = self.topic(o.pop("conformityTopic"), f"{where}.conformityTopic", rep)
            if t:
                o["conformityTopic"] = t
        for k in ("referenceStandard", "referenceRegulation"):
            if isinstance(o.get(k), dict):
                o[k] = [o[k]]

    def claim(self, c, where, rep):
        if not isinstance(c, dict):
            return c
        c = dict(c)
        if "assessmentCriteria" in c and "referenceCriteria" not in c:
            c["referenceCriteria"] = self.criteria(c.pop("assessmentCriteria"), f"{where}.assessmentCriteria", rep)
        if "assessmentDate" in c and "claimDate" not in c:
            c["claimDate"] = c.pop("assessmentDate")
            rep.mapped.append({"where": f"{where}.assessmentDate", "from": "assessmentDate", "to": "claimDate"})
        self._topic_and_references(c, where, rep)
        if "conformityEvidence" in c and "evidence" not in c:
            c["evidence"] = _as_list(c.pop("conformityEvidence"))
            rep.mapped.append({"where": f"{where}.conformityEvidence", "from": "conformityEvidence", "to": "evidence"})
        return c

    def image(self, b: dict, where: str, rep: Report):
        """0.5.0 BinaryFile {fileName, fileType, file} -> 0.7.0 Image {name, mediaType, imageData}."""
        if not b.get("file"):
            rep.dropped.append({"where": where, "value": _short(b), "reason": "the image is empty (no file content)"})
            return None
        rep.mapped.append({"where": where, "from": "BinaryFile {fileName, fileType, file}", "to": "Image {name, mediaType, imageData}"})
        return {k2: b[k1] for k1, k2 in (("fileName", "name"), ("fileType", "mediaType"), ("file", "imageData")) if k1 in b}

    # -- fitting to the 0.7.0 schema -------------------------------------------------------------
    def fit(self, doc: dict, module: str, rep: Report) -> dict:
        root = self.schema(module)
        fitted = {"@context": doc["@context"]}
        body = {k: v for k, v in doc.items() if k != "@context"}
        fitted.update(self._fit_obj(body, root, root, "", rep))
        if rep.crm_context:
            fitted["@context"] = doc["@context"] + [self.project.context_url()]
        return fitted

    def _resolve(self, node: dict, root: dict) -> dict:
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/$defs/"):
                break
            node = {**root["$defs"][ref[len("#/$defs/"):]], **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def _fit(self, v, node, root, where, rep):
        node = self._resolve(node, root)
        t = node.get("type")
        if t == "array" or (isinstance(t, list) and "array" in t):
            if not isinstance(v, list):
                v = [v]
            items = node.get("items", {})
            out = []
            for i, x in enumerate(v):
                r = self._fit(x, items, root, f"{where}[{i}]", rep)
                if r is not _DROP:
                    out.append(r)
            return out if out else _DROP
        if isinstance(v, str) and "countryCode" in node.get("properties", {}):
            rep.mapped.append({"where": where, "from": _short(v), "to": "{countryCode} (0.7.0 country object)"})
            v = {"countryCode": v}
        if t == "object" or "properties" in node:
            if not isinstance(v, dict):
                rep.dropped.append({"where": where, "value": _short(v), "reason": "UNTP 0.7.0 expects an object here"})
                return _DROP
            return self._fit_obj(v, node, root, where, rep)
        return self._leaf(v, node, root, where, rep)

    def _fit_obj(self, v: dict, node, root, where, rep):
        props = node.get("properties", {})
        out = {}
        for k, x in v.items():
            p = f"{where}.{k}" if where else k
            if k == "schemeID" and "schemeId" in props and "schemeId" not in v:  # 0.5.0's spelling
                rep.mapped.append({"where": p, "from": "schemeID", "to": "schemeId"})
                k = "schemeId"
            if k == "type" and "type" in props:
                keep = [t for t in _as_list(x) if isinstance(t, str) and (t in self.untp_classes or t in ("VerifiableCredential",))]
                for t in _as_list(x):
                    if t not in keep:
                        rep.dropped.append({"where": p, "value": _short(t), "reason": "not a UNTP 0.7.0 class"})
                r = self._leaf(keep, self._resolve(props["type"], root), root, p, rep) if keep else _DROP
                if r is not _DROP:
                    out[k] = r
                continue
            if k not in props:
                if k in self.active_crm_terms:
                    out[k] = x
                    rep.crm_context = True
                    continue
                rep.dropped.append({"where": p, "value": _short(x), "reason": "UNTP 0.7.0 has no such property here"})
                continue
            r = self._fit(x, props[k], root, p, rep)
            if r is not _DROP:
                out[k] = r
        return out

    def _leaf(self, v, node, root, where, rep):
        from jsonschema import Draft202012Validator, FormatChecker

        sub = {**node, "$defs": root.get("$defs", {})}
        errs = list(Draft202012Validator(sub, format_checker=FormatChecker()).iter_errors(v))
        if errs:
            rep.dropped.append({"where": where, "value": _short(v), "reason": f"not valid in UNTP 0.7.0: {errs[0].message}"})
            return _DROP
        return v

    def check(self, out: dict, module: str, rep: Report) -> None:
        from jsonschema import Draft202012Validator, FormatChecker

        v = Draft202012Validator(self.schema(module), format_checker=FormatChecker())
        for e in sorted(v.iter_errors(out), key=lambda e: list(map(str, e.absolute_path))):
            path = _json_path(e.absolute_path)
            if e.validator == "required":
                for name in e.validator_value:
                    if isinstance(e.instance, dict) and name not in e.instance:
                        rep.missing.append(f"{path}.{name}" if path else name)
            else:
                rep.invalid.append(f"{path or '$'}: {e.message}")
        rep.missing = sorted(set(rep.missing))
        rep.status = "draft" if rep.missing or rep.invalid else "valid"


_DROP = object()


def _is_crm_context(project, c) -> bool:
    return isinstance(c, str) and c.startswith(project.base_iri) and c.endswith("/context.jsonld")


def _context_terms(ctx: dict) -> set[str]:
    """Every term a (JSON-LD) context defines, scoped contexts included."""
    out, todo = set(), [ctx]
    while todo:
        d = todo.pop()
        for k, v in d.items():
            if not k.startswith("@"):
                out.add(k)
            if isinstance(v, dict) and isinstance(v.get("@context"), dict):
                todo.append(v["@context"])
    return out


def _json_path(parts) -> str:
    s = ""
    for p in parts:
        s += f"[{p}]" if isinstance(p, int) else (f".{p}" if s else str(p))
    return s


def _as_list(x) -> list:
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def _url_key(url: str) -> str:
    u = (url or "").strip().split("#", 1)[0].rstrip("/")
    return re.sub(r"^https?://", "", u, flags=re.I).lower()


def _norm(s: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", str(s).lower().replace("accontability", "accountability")))


def crm_terms(project) -> set[str]:
    """Property names the CRM context defines and UNTP 0.7.0 does not: the model's slots whose
    IRI is in the CRM namespace (``slot_uri`` absent or under the default prefix)."""
    import yaml

    try:
        from .limits import yaml_load

        model = yaml_load(project.model_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set()
    default = model.get("default_prefix", "")
    out = set()
    for name, slot in (model.get("slots") or {}).items():
        uri = (slot or {}).get("slot_uri") or f"{default}:{name}"
        prefix = str(uri).split(":", 1)[0]
        iri = str((model.get("prefixes") or {}).get(prefix, ""))
        if prefix == default or iri.startswith(project.base_iri) or str(uri).startswith(project.base_iri):
            out.add(name)
    return out


# ---------------------------------------------------------------------------------------------
def output_path(src: Path, out_dir: Path, draft: bool) -> Path:
    stem = src.name[:-5] if src.name.endswith(".json") else src.name
    return out_dir / f"{stem}.untp-0.7.0{'.draft' if draft else ''}.json"


def upgrade_file(up: Upgrader, path: Path) -> tuple[dict, Report]:
    from .fsutil import read_json

    data = read_json(path, what="credential", hint="pass a UNTP 0.5.0 credential (JSON)")
    rep = Report(file=str(path))
    try:
        rep.module, rep.read = detect(data)
    except UsageError as e:
        raise UsageError(e.message, where=f"{path}: {e.where}" if e.where else str(path), hint=e.hint) from None
    mapped = up.upgrade(data, rep)
    out = up.fit(mapped, rep.module, rep)
    up.check(out, rep.module, rep)
    return out, rep


FORMAT_VERSION = 1  # of the --format json output
EXIT_CODES = """exit codes:
  0  every file was written (for a .draft.json, the report lists what the issuer must still add)
  2  usage error: no such file, an output that exists or would overwrite an input, no project found"""


def configure(p) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="UNTP 0.5.0 credentials (JSON)")
    p.add_argument("--to", required=True, choices=TARGETS, help="the UNTP version to write")
    p.add_argument("--out", metavar="DIR", help="folder for the outputs (default: beside each input)")
    p.add_argument("--force", action="store_true", help="replace existing outputs")
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args, project) -> int:
    from .fsutil import dump_json, write_text_atomic

    inputs = [Path(f) for f in args.files]
    for p in inputs:
        if not p.is_file():
            raise UsageError(f"no such file: {p}", hint="pass UNTP 0.5.0 credential files")
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir} is not a folder", hint="pass a folder (it is created when missing)")
    up = Upgrader(project)
    results = [(p, *upgrade_file(up, p)) for p in inputs]
    # decide every output before writing any: never over an input, nor over a file without --force
    in_set = {p.resolve() for p in inputs}
    planned: dict[Path, Path] = {}
    for p, _, rep in results:
        dst = output_path(p, out_dir or p.parent, rep.status == "draft")
        if dst.resolve() in in_set:
            raise UsageError(f"the output {dst} would overwrite an input", hint="pass --out DIR")
        if dst.resolve() in planned:
            raise UsageError(f"{p} and {planned[dst.resolve()]} would both be written to {dst}", hint="upgrade them into different folders")
        if dst.exists() and not args.force:
            raise UsageError(f"{dst} exists", hint="pass --force to replace it, or --out another folder")
        planned[dst.resolve()] = p
        rep.output = str(dst)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    for p, out, rep in results:
        write_text_atomic(Path(rep.output), dump_json(out))
    if args.format == "json":
        print(dump_json({"format": FORMAT_VERSION, "to": args.to, "files": [r.as_json() for _, _, r in results]}), end="")
    else:
        print(render_text([r for _, _, r in results]), end="")
    return 0


def render_text(reports: list[Report]) -> str:
    from .recognise import _safe

    lines = []
    for r in reports:
        lines.append(f"{r.file}: read {r.read}")
        if r.status == "valid":
            lines.append(f"  wrote {r.output}: passes UNTP 0.7.0's schema (unsigned)")
        else:
            lines.append(f"  wrote {r.output}: DRAFT, not yet a valid UNTP 0.7.0 credential; the issuer must supply:")
            lines += [f"    missing {m}" for m in r.missing] + [f"    invalid {m}" for m in r.invalid]
        lines.append(f"  proof: {r.proof}")
        if r.crm_context:
            lines.append("  CRM terms used: the CRM context is appended")
        for m in r.mapped:
            lines.append(f"  mapped  {m['where']}: {m['from']} -> {m['to']}")
        for d in r.dropped:
            lines.append(f"  left out {d['where']}: {d['value']} ({d['reason']})")
    return "\n".join(_safe(x) for x in lines) + "\n"
