"""Deterministic benchmark inputs for the validation benchmark (and tests/test_bench_inputs.py).

``generate(n_valid, n_invalid, seed)`` derives credentials from the valid samples in
``model/samples/valid/``:

- valid ones vary ids (consistently within a document: a node referenced twice keeps one id),
  names (one suffix per document, so a node named twice keeps one name), numbers (within the
  schema's ranges, the same original number maps to the same new number within a document, and
  floats stay floats so JSON-LD keeps xsd:double) and list lengths (object lists are trimmed or
  grown with copies whose ids are made distinct);
- invalid ones are generated valid ones broken in exactly one of the six ways of
  ``model/samples/invalid/expected.yaml`` (bad date, missing required field, unknown property,
  wrong enum value, wrong nesting, wrong type), for both credential types, each with the finding
  it must produce: ``{"defect", "stage", "rule", "path"}``.

Same seed, same documents, byte for byte.
"""
from __future__ import annotations

import copy
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "model" / "samples"

# keys whose values are lists of objects that may be trimmed or grown (never @context or type)
_GROWABLE = {"conformityAssessment", "commodityContent", "productCategory", "materialProvenance", "performanceClaim",
             "referenceCriteria", "claimedPerformance", "assessmentCriteria", "assessedPerformance", "assessedFacility",
             "assessedProduct"}
_UNIT_INTERVAL = {"massFraction", "recycledMassFraction", "grade"}
_RANGES = {"latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0)}
_WORDS = ["north", "south", "ridge", "valley", "lake", "river", "hill", "basin", "creek", "plateau"]


def templates() -> list[tuple[str, dict]]:
    return [(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in sorted((SAMPLES / "valid").glob("*.json"))]


def ctype(doc: dict) -> str:
    return doc["type"][0]


class _Varier:
    def __init__(self, rng: random.Random, n: int):
        self.rng = rng
        self.n = n
        self.ids: dict[str, str] = {}
        self.nums: dict[tuple, float] = {}
        self.suffix = f"{rng.choice(_WORDS)} {n}"
        self.copies = 0

    def new_id(self, old: str, extra: str = "") -> str:
        key = old + extra
        if key not in self.ids:
            tag = f"g{self.n}{extra}"
            if old.startswith("did:"):
                self.ids[key] = f"{old}:{tag}"
            elif "#" in old:
                self.ids[key] = f"{old}-{tag}"
            else:
                self.ids[key] = f"{old.rstrip('/')}/{tag}"
        return self.ids[key]

    def number(self, key: str, v: float) -> float:
        mk = (key, v)
        if mk not in self.nums:
            r = self.rng
            if key in _UNIT_INTERVAL:
                x = round(r.uniform(0.0, 1.0), 4)
            elif key in _RANGES:
                lo, hi = _RANGES[key]
                x = round(r.uniform(lo, hi), 4)
            else:
                x = round(v * r.uniform(0.5, 2.0) + r.uniform(0.0, 10.0), 3)
            self.nums[mk] = float(x)
        return self.nums[mk]

    def walk(self, obj, key: str | None = None, extra: str = ""):
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                if k in ("@context", "type"):
                    out[k] = v
                elif k == "id" and isinstance(v, str):
                    out[k] = self.new_id(v, extra)
                elif k == "name" and isinstance(v, str):
                    out[k] = f"{v} ({self.suffix})"
                elif isinstance(v, bool):
                    out[k] = v
                elif isinstance(v, float):
                    out[k] = self.number(k, v)
                elif isinstance(v, list) and k in _GROWABLE and v and all(isinstance(x, dict) for x in v):
                    out[k] = self.vary_list(k, v, extra)
                else:
                    out[k] = self.walk(v, k, extra)
            return out
        if isinstance(obj, list):
            return [self.walk(v, key, extra) for v in obj]
        return obj

    def vary_list(self, key: str, items: list, extra: str) -> list:
        r = self.rng
        n = r.choice([max(1, len(items) - 1), len(items), len(items) + 1, len(items) + 2])
        out = []
        for i in range(n):
            src = items[i % len(items)]
            if i < len(items):
                out.append(self.walk(src, key, extra))
            else:  # a copy: every id inside it is new (a distinct node with the same content)
                self.copies += 1
                out.append(self.walk(src, key, f"{extra}-c{self.copies}"))
        return out


def vary(doc: dict, rng: random.Random, n: int) -> dict:
    return _Varier(rng, n).walk(copy.deepcopy(doc))


# ---- the six defects ---------------------------------------------------------------------------
# Each returns (what, JSON path, rule, stage, layer) of the one finding the broken credential gets.
def _dpp(doc, defect, rng):
    cs = doc["credentialSubject"]
    if defect == "bad-date":
        cs["productionDate"] = rng.choice(["2026-13-45", "2026-02-30", "12/04/2026", "2026-4-12", "2026-04-12T00:00:00Z"])
        return "productionDate is not an ISO 8601 date", "$.credentialSubject.productionDate", "format", "json-schema", "UNTP 0.7.0"
    if defect == "missing-required":
        if rng.random() < 0.5:
            del doc["name"]
            return "the credential has no name (UNTP requires it)", "$", "required", "json-schema", "UNTP 0.7.0"
        del cs["commodity"]
        return "the product names no commodity (the CRM profile requires it)", "$.credentialSubject", "required", "json-schema", "CRM"
    if defect == "unknown-property":
        cs[rng.choice(["oreGrade", "gradePercent", "lithiumOxide"])] = rng.choice(["6%", 6.5, "high"])
        return "a term of no context on the product (UNTP leaves Product open: JSON-LD finds it)", "$.credentialSubject", \
            "undefined-term", "json-ld", ""
    if defect == "wrong-enum":
        cs["chainOfCustody"] = rng.choice(["massbalance", "Segregated", "book-and-claim", "Mass_Balance"])
        return "chainOfCustody is not a code", "$.credentialSubject.chainOfCustody", "enum", "json-schema", "CRM"
    cc = cs.get("commodityContent")
    if not cc:
        raise LookupError("needs commodityContent")
    if defect == "wrong-nesting":
        cs["commodityContent"] = cc[0]
        return "commodityContent is one object instead of a list", "$.credentialSubject.commodityContent", "type", "json-schema", "CRM"
    if defect == "wrong-type":
        i = rng.randrange(len(cc))
        cc[i]["grade"] = f"{rng.randint(1, 60)}%"
        return "grade is a string", f"$.credentialSubject.commodityContent[{i}].grade", "type", "json-schema", "CRM"
    raise ValueError(defect)


def _dcc(doc, defect, rng):
    cs = doc["credentialSubject"]
    if defect == "missing-required":
        del cs["referenceScheme"]
        return "the attestation names no referenceScheme (UNTP requires it)", "$.credentialSubject", "required", "json-schema", "UNTP 0.7.0"
    if defect == "wrong-enum":
        cs["assessmentLevel"] = rng.choice(["Accredited", "accredited", "scheme_cab", "Scheme-CAB"])
        return "assessmentLevel is not a UNTP 0.7.0 code", "$.credentialSubject.assessmentLevel", "enum", "json-schema", "UNTP 0.7.0"
    assessments = cs.get("conformityAssessment")
    if not assessments:
        raise LookupError("needs a conformityAssessment")
    i = rng.randrange(len(assessments))
    a = assessments[i]
    at = f"$.credentialSubject.conformityAssessment[{i}]"
    if defect == "bad-date":
        a["assessmentDate"] = rng.choice(["10/02/2026", "2026-02-31", "2026-2-10", "20260210"])
        return "assessmentDate is not an ISO 8601 date", f"{at}.assessmentDate", "format", "json-schema", "UNTP 0.7.0"
    if defect == "unknown-property":
        a[rng.choice(["auditScore", "scorePercent", "rating"])] = rng.randint(0, 100)
        return "a term of no context on the assessment (UNTP leaves it open: JSON-LD finds it)", at, "undefined-term", "json-ld", ""
    if defect == "wrong-nesting":
        a["assessmentCriteria"] = a["assessmentCriteria"][0]
        return "assessmentCriteria is one object instead of a list", f"{at}.assessmentCriteria", "type", "json-schema", "UNTP 0.7.0"
    if defect == "wrong-type":
        a["conformance"] = rng.choice(["yes", "true", 1])
        return "conformance is not a boolean", f"{at}.conformance", "type", "json-schema", "UNTP 0.7.0"
    raise ValueError(defect)


DEFECTS = ("bad-date", "missing-required", "unknown-property", "wrong-enum", "wrong-nesting", "wrong-type")


def break_doc(doc: dict, defect: str, rng: random.Random) -> tuple[dict, dict]:
    doc = copy.deepcopy(doc)
    fn = _dpp if ctype(doc) == "DigitalProductPassport" else _dcc
    what, path, rule, stage, layer = fn(doc, defect, rng)
    return doc, {"defect": f"{defect}: {what}", "stage": stage, "rule": rule, "path": path, "layer": layer}


def generate(n_valid: int = 1000, n_invalid: int = 1000, seed: int = 5):
    """([(name, doc)], [(name, doc, expected)]): valid ones, invalid ones."""
    rng = random.Random(seed)
    tpls = templates()
    valid = []
    for n in range(n_valid):
        stem, doc = tpls[n % len(tpls)]
        valid.append((f"valid-{n:04d}-{stem}.json", vary(doc, rng, n)))
    invalid = []
    kinds = [(t, d) for t in ("DigitalProductPassport", "DigitalConformityCredential") for d in DEFECTS]
    for n in range(n_invalid):
        t, defect = kinds[n % len(kinds)]
        # a varied document of the right type that has what the defect needs
        while True:
            stem, doc = rng.choice([x for x in tpls if ctype(x[1]) == t])
            base = vary(doc, rng, 10_000 + n)
            try:
                broken, exp = break_doc(base, defect, rng)
                break
            except LookupError:
                continue
        short = "dpp" if t == "DigitalProductPassport" else "dcc"
        invalid.append((f"invalid-{n:04d}-{short}-{defect}.json", broken, exp))
    return valid, invalid


def write(folder: Path, n_valid: int = 1000, n_invalid: int = 1000, seed: int = 5) -> tuple[list[Path], list[Path]]:
    """Write the generated documents as files (two-space JSON, like the samples)."""
    valid, invalid = generate(n_valid, n_invalid, seed)
    folder.mkdir(parents=True, exist_ok=True)
    vp, ip = [], []
    for name, doc in valid:
        (folder / name).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        vp.append(folder / name)
    for name, doc, _ in invalid:
        (folder / name).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        ip.append(folder / name)
    return vp, ip
