"""Property: no input makes ``validate`` or ``check`` crash, and both are deterministic.

1,000 seeded mutations of the sample credentials (structural edits of the parsed JSON, and edits
of the JSON text: huge numbers, lone surrogates, NaN, deep nesting, cut-off text, long arrays)
go through the validator's own reading (``limits.parse_json_text``) and one in-process batch
(``Validator.validate_documents``); 1,000 seeded mutations of mapping files (crosswalks,
catalogues, criteria, curators: byte edits, comment lines, quotes, aliases, ids with line
breaks, deep YAML) go through ``check_tree``. Zero tracebacks: nothing raises, and no report is
a caught crash (status "error" / exit 3). Same verdict on a rerun: the whole run repeated from
the same seed gives the same verdict for every input (status and every finding's place and rule).
"""
from __future__ import annotations

import copy
import json
import random
import shutil
from pathlib import Path

import pytest

from untp_crm_vocab import check as chk
from untp_crm_vocab import limits
from untp_crm_vocab.validate import Validator

REPO = Path(__file__).resolve().parent.parent
FIX = Path(__file__).resolve().parent / "fixtures" / "mappings"
N = 1000

# ---- credentials --------------------------------------------------------------------------------
SAMPLES = sorted(p for d in ("valid", "invalid", "untp-0.7.0") for p in (REPO / "model" / "samples" / d).glob("*.json"))
VALUES = [None, True, 0, -1, 1e308, 10 ** 30, "", "x" * 5000, [], {}, [[[]]], {"@id": "x"}, {"@context": {"@vocab": "http://e/"}},
          "did:web:x", "2026-02-30", "2026-05-20T00:00:00Z", {"@type": "@json"}, {"@value": 1}, {"@list": [1]}, "_:b0",
          "http://[::1", "\u0000", "\u202e", {"id": 3}, {"type": 5}, ["a", {"b": 1}], {"@context": "https://evil.example.com/"},
          {"@graph": [{"id": "urn:x"}]}, list(range(300)), {"@context": {"x": "http://x/"}, "x": list(range(50))},
          "https://vocabulary.uncefact.org/untp/crm/working/context.jsonld", "CRMProductPassport", "lithium", 0.06, -0.5]
KEYS = ["foo", "@context", "@type", "@id", "@graph", "@reverse", "@included", "@nest", "type", "id", "name", "grade",
        "commodity", "ex:x", "x\u0085y"]


def _paths(o, pre=()):
    yield pre
    if isinstance(o, dict):
        for k, v in o.items():
            yield from _paths(v, pre + (k,))
    elif isinstance(o, list):
        for i, v in enumerate(o):
            yield from _paths(v, pre + (i,))


def _mutate_doc(doc, rnd: random.Random):
    doc = copy.deepcopy(doc)
    paths = list(_paths(doc))[1:]
    for _ in range(rnd.randint(1, 3)):
        path = rnd.choice(paths)
        parent = doc
        try:
            for k in path[:-1]:
                parent = parent[k]
            op = rnd.random()
            if op < 0.5:
                parent[path[-1]] = copy.deepcopy(rnd.choice(VALUES))
            elif op < 0.7 and isinstance(parent, dict):
                parent[rnd.choice(KEYS)] = copy.deepcopy(rnd.choice(VALUES))
            elif op < 0.73:  # a subtree copied somewhere else
                parent[path[-1]] = copy.deepcopy(rnd.choice([doc] + [v for v in (doc.get("credentialSubject"),) if v]))
            elif isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent.pop(path[-1])
        except (KeyError, IndexError, TypeError, AttributeError, RecursionError):
            pass  # the path went away through an earlier mutation
    return doc


def _mutate_text(text: str, rnd: random.Random) -> str:
    op = rnd.randrange(8)
    pos = rnd.randrange(len(text) + 1)
    if op == 0:
        return text[:pos]  # cut off
    if op == 1:
        return text.replace(": 0.", ": " + "9" * rnd.choice([50, 5000]) + ".", 1).replace('"grade": 0', '"grade": ' + "7" * 4400, 1)
    if op == 2:
        return text.replace('"name"', rnd.choice(['"na\\ud800me"', '"name\\udfff"', '"na\\ud83d\\ude00me"']), 1)
    if op == 3:
        return text.replace('"validFrom"', '"x": ' + rnd.choice(["NaN", "Infinity", "-Infinity", "1e400", "-0", "1E-400"]) + ', "validFrom"', 1)
    if op == 4:
        depth = rnd.choice([70, 5000])
        return text.replace('"validFrom"', '"deep": ' + "[" * depth + "]" * depth + ', "validFrom"', 1)
    if op == 5:
        return text.replace('"validFrom"', '"long": [' + ",".join(["1"] * rnd.choice([1200, 10_001])) + '], "validFrom"', 1)
    if op == 6:
        return text[:pos] + rnd.choice(["\\", '"', "{", "]", ",", "\x00", "\ufeff", "\u2028", "\\u0000"]) + text[pos:]
    return text.replace('"', "'", 1)


def credential_inputs(seed: int) -> list[tuple[str, object]]:
    """(name, text or parsed document) for N mutated credentials."""
    rnd = random.Random(seed)
    samples = [json.loads(p.read_text(encoding="utf-8")) for p in SAMPLES]
    out = []
    for i in range(N):
        doc = _mutate_doc(rnd.choice(samples), rnd)
        if rnd.random() < 0.3:
            out.append((f"m{i:04}.json", _mutate_text(json.dumps(doc, ensure_ascii=rnd.random() < 0.5), rnd)))
        else:
            out.append((f"m{i:04}.json", doc))
    return out


def validate_verdicts(validator: Validator, inputs) -> dict:
    verdicts, batch = {}, []
    for name, item in inputs:
        if isinstance(item, str):  # through the validator's own reading of a file's text
            doc, problem = limits.parse_json_text(item)
            if problem is not None:
                verdicts[name] = ("unusable", ((problem.rule, problem.where),))
                continue
            item = doc
        batch.append((name, item))
    reports = validator.validate_documents(batch)
    assert [r.file for r in reports] == [n for n, _ in batch]
    for r in reports:
        assert not r.crashed, (r.file, [f.message for f in r.findings])
        for f in r.findings:
            assert f.message and f.path and (f.fix or f.severity == "note"), (r.file, f)
        verdicts[r.file] = (r.status, tuple(sorted((f.rule, f.path) for f in r.findings)))
    return verdicts


def test_validate_1000_mutated_credentials(project):
    validator = Validator(project)
    first = validate_verdicts(validator, credential_inputs(12))
    assert len(first) == N
    statuses = {v[0] for v in first.values()}
    assert {"valid", "invalid", "unusable"} <= statuses, statuses  # the mutations reach every verdict
    again = validate_verdicts(Validator(project), credential_inputs(12))
    assert again == first


# ---- mapping files ------------------------------------------------------------------------------
TARGETS = [("crosswalks/x.sssom.tsv", 5), ("crosswalks/y.sssom.tsv", 1), ("standards/x.yaml", 2), ("criteria.yaml", 1),
           ("curators.tsv", 1)]
INSERTS = [b"\t", b"\n", b"\r\n", b"\r", b'"', b"#", b"# note\n", b"## c\n", b":", b" ", b"|", b"\xef\xbb\xbf", b"\xff", b"\x00",
           b"[", b"{", b"- ", b"&a", b"*a", b"&a [x, x]\n", b"<<: *a\n", b"!!python/object:os.system", b"\\n", b"\"R1\\n\"",
           b"'R\"1'", b"HC:ENV-01\n", b"sssom:NoTermFound", b"\xe2\x80\xa8", b"[" * 3000, b"a: " + b"x" * 20000 + b"\n"]


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:
            del b[pos: pos + rng.randint(1, 40)]
        elif op in (1, 2):
            b[pos:pos] = rng.choice(INSERTS)
        elif op == 3:
            b = b[:pos]
        elif op == 4 and b:
            lines = bytes(b).split(b"\n")
            lines.insert(rng.randrange(len(lines)), lines[rng.randrange(len(lines))])
            b = bytearray(b"\n".join(lines))
        elif op == 5 and b:
            lines = bytes(b).split(b"\n")
            rng.shuffle(lines)
            b = bytearray(b"\n".join(lines))
        elif op == 6 and b:
            b[pos % len(b)] = rng.randrange(256)
        elif op == 7:
            b = bytearray(bytes(b).replace(b"\t", b"    ", 1))
        else:
            b = bytearray(bytes(b).replace(rng.choice([b"skos:", b"HC:", b"XS:", b'"1"', b"id: "]),
                                           rng.choice([b"", b"sko:", b"XS:", b'"1\\n"', b"id: '\"'"]), 2))
    return bytes(b)


def check_verdicts(project, work: Path, seed: int) -> dict:
    rng = random.Random(seed)
    src = FIX / "valid-two-schemes"
    originals = {rel: (src / rel).read_bytes() for rel, _ in TARGETS}
    weights = [w for _, w in TARGETS]
    tree = work / "tree"
    if tree.exists():
        shutil.rmtree(tree)
    shutil.copytree(src, tree)
    verdicts = {}
    for i in range(N):
        rel = rng.choices([t for t, _ in TARGETS], weights)[0]
        (tree / rel).write_bytes(_mutate_bytes(originals[rel], rng))
        res = chk.check_tree(tree, project)  # the in-process check: every rule, never raises
        assert all(f.rule in chk.RULES and f.message and f.fix for f in res.findings), [f.rule for f in res.findings]
        verdicts[i] = (rel, tuple((f.path.relative_to(tree).as_posix(), f.line, f.column, f.rule) for f in res.findings))
        (tree / rel).write_bytes(originals[rel])
    return verdicts


def test_check_1000_mutated_mapping_files(project, tmp_path):
    first = check_verdicts(project, tmp_path, 34)
    assert len(first) == N
    assert sum(1 for _, f in first.values() if f) > N // 2  # most mutations are found
    rules = {r for _, f in first.values() for *_, r in f}
    assert {"yaml-syntax", "column-count", "yaml-alias"} <= rules, rules
    assert check_verdicts(project, tmp_path, 34) == first
