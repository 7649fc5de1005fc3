"""Bad input never reaches a user as a traceback: seeded random mutations of the valid samples
(wrong types, JSON-LD keywords in odd places, inline contexts, huge strings, removed keys)."""
from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from untp_crm_vocab.validate import Validator

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "model" / "samples" / "valid").glob("*.json"))
VALUES = [None, True, 0, -1, 1e308, "", "x" * 5000, [], {}, [[[]]], {"@id": "x"}, {"@context": {"@vocab": "http://e/"}},
          "did:web:x", "2026-02-30", {"@type": "@json"}, {"@value": 1}, {"@list": [1]}, "_:b0", "http://[::1", "\u0000",
          {"id": 3}, {"type": 5}, ["a", {"b": 1}], {"@context": "https://evil.example.com/"}, {"@graph": [{"id": "urn:x"}]}]
KEYS = ["foo", "@context", "@type", "@id", "@graph", "@reverse", "@included", "@nest", "type", "id"]


def _paths(o, pre=()):
    yield pre
    if isinstance(o, dict):
        for k, v in o.items():
            yield from _paths(v, pre + (k,))
    elif isinstance(o, list):
        for i, v in enumerate(o):
            yield from _paths(v, pre + (i,))


def _mutate(doc, rnd):
    doc = copy.deepcopy(doc)
    paths = list(_paths(doc))[1:]
    for _ in range(rnd.randint(1, 3)):
        path = rnd.choice(paths)
        parent = doc
        try:
            for k in path[:-1]:
                parent = parent[k]
            op = rnd.random()
            if op < 0.6:
                parent[path[-1]] = copy.deepcopy(rnd.choice(VALUES))
            elif op < 0.8 and isinstance(parent, dict):
                parent[rnd.choice(KEYS)] = copy.deepcopy(rnd.choice(VALUES))
            elif isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif isinstance(parent, list):
                parent.pop(path[-1])
        except (KeyError, IndexError, TypeError, AttributeError):
            pass  # the path went away (or became a scalar) through an earlier mutation
    return doc


@pytest.fixture(scope="module")
def validator(project):
    return Validator(project)


@pytest.mark.parametrize("seed", range(4))
def test_mutated_credentials_give_findings_not_tracebacks(validator, seed):
    rnd = random.Random(seed)
    samples = [json.loads(p.read_text(encoding="utf-8")) for p in SAMPLES]
    docs = [(f"m{i}", _mutate(rnd.choice(samples), rnd)) for i in range(50)]
    reports = validator.validate_documents(docs)  # one batch: one broken document must not sink the others
    assert len(reports) == len(docs)
    for r in reports:
        for f in r.findings:
            assert f.message and f.path and (f.fix or f.severity == "note")
