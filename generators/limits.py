"""Explicit limits on the input the toolkit reads, so that no file makes it hang, exhaust memory or
crash (README.md "Input limits"). Every limit gives a finding that names the file and the place,
never a hang, a MemoryError or a traceback.

JSON (``crm-vocab validate``; :func:`read_json_document`):

* ``MAX_JSON_BYTES``: a credential file is read up to this size and refused beyond it (so
  ``/dev/zero`` or a 50 MB array costs one bounded read, not gigabytes);
* ``MAX_NUMBER_CHARS``: one number literal (Python refuses integers over 4,300 digits with a
  ValueError; ``NaN``/``Infinity`` and numbers out of the float range are not JSON values);
* ``MAX_JSON_DEPTH``, ``MAX_ARRAY_ITEMS``, ``MAX_JSON_NODES``: nesting, one array's length and
  the number of values (objects, arrays, strings, numbers, booleans, nulls) in one document;
* text must be Unicode: a ``\\ud800`` escape without its pair (a lone surrogate) in a key or a
  string cannot be written as UTF-8 and is refused;
* ``MAX_PYLD_WORK`` (:func:`pyld_work_problem`): pyld, the JSON-LD processor used for documents
  the fast path does not take (inline contexts, JSON-LD keywords ...), compares each new value of
  a property with every earlier one, so its work grows with the square of an array's length (a
  120 KB credential with a 20,000-element array and an inline ``@context`` took 113 s). The sum
  of the squared lengths of a document's arrays (and of the number of objects sharing one id)
  must stay under this bound (a few seconds of pyld at most): one array of about 1,000 items, or a
  hundred of 100.

Mapping files (``check``, the build): read up to ``MAX_MAPPING_BYTES`` (a real catalogue is
~100 KB); a larger one is a finding (``file-too-large``), not read.

YAML (mapping files, the model, the release index, mkdocs.yml; :func:`yaml_aliases`,
:func:`yaml_load`): anchors and aliases let 300 bytes expand into billions of nodes. Mapping
files may not use aliases at all (a finding naming file:line); elsewhere the document, aliases
expanded, may hold at most ``MAX_YAML_EXPANDED`` nodes.
"""
from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

MAX_JSON_BYTES = 10 * 1024 * 1024
MAX_NUMBER_CHARS = 100
MAX_JSON_DEPTH = 64
MAX_ARRAY_ITEMS = 10_000
MAX_JSON_NODES = 250_000
MAX_PYLD_WORK = 1_000_000
MAX_YAML_EXPANDED = 1_000_000
MAX_MAPPING_BYTES = 50 * 1024 * 1024


@dataclass
class Problem:
    """Why a file (or one document) is not processed: a finding's parts."""

    rule: str
    where: str  # a JSON path ("$...") or "line L column C"
    message: str
    fix: str


class _Refused(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _number_problem(text: str) -> Problem:
    return Problem("limits", "$", f"a number literal of {len(text):,} characters (at most {MAX_NUMBER_CHARS} are read)",
                   "write the value as a string, or check that the file is the credential you meant")


def _parse_int(text: str):
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(_number_problem(text))
    return int(text)


def _parse_float(text: str):
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(_number_problem(text))
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(Problem("limits", "$", f"the number {text[:40]} is out of range (not a finite 64-bit float)",
                               "use a number within ±1.8e308, or write it as a string"))
    return value


def _parse_constant(name: str):
    raise _Refused(Problem("not-json", "$", f"{name} is not a JSON value (a JavaScript extension)",
                           "write null, a number or a string instead"))


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_json_text(text: str) -> tuple[object, Problem | None]:
    """Parse JSON text within the limits: (value, None), or (None, the problem)."""
    try:
        doc = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except _Refused as exc:
        return None, exc.problem
    except json.JSONDecodeError as exc:
        return None, Problem("not-json", f"line {exc.lineno} column {exc.colno}", f"not JSON: {exc.msg}",
                             "fix the JSON syntax at that position")
    except RecursionError:
        return None, Problem("not-json", "$", "not usable JSON: nested too deeply",
                             f"a credential is a JSON object of modest depth (at most {MAX_JSON_DEPTH} levels)")
    except (ValueError, MemoryError) as exc:  # any other refusal of the parser
        return None, Problem("not-json", "$", f"not usable JSON: {str(exc)[:200]}", "check that the file is the credential you meant")
    problem = structure_problem(doc, surrogates=bool(_SURROGATE_ESCAPE.search(text)))
    return (None, problem) if problem else (doc, None)


def read_json_document(name: str) -> tuple[object, Problem | None]:
    """Read and parse one JSON file (``-``: standard input) within the limits."""
    try:
        if name == "-":
            raw = sys.stdin.buffer.read(MAX_JSON_BYTES + 1)
        else:
            with open(name, "rb") as fh:
                raw = fh.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        return None, Problem("unreadable", "$", f"cannot read the file: {exc.strerror or exc}",
                             "check the path and that the file is UTF-8 text")
    if len(raw) > MAX_JSON_BYTES:
        return None, Problem("limits", "$", f"the file is larger than {MAX_JSON_BYTES // (1024 * 1024)} MB",
                             "a credential is a JSON document of modest size; split large data into several credentials")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, Problem("unreadable", "$", f"cannot read the file: not UTF-8 (byte {exc.start})",
                             "check the path and that the file is UTF-8 text")
    return parse_json_text(text)


def _bad_text(s: str) -> bool:
    if s.isascii():
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _scan(doc, surrogates: bool, want_path: bool):
    """Walk ``doc`` once (iteratively): the first limit broken as (kind, path parts, detail), or
    None. Paths are only tracked when ``want_path`` (the second walk, for the message)."""
    nodes = 0
    stack = [(doc, 1, ())]
    while stack:
        value, depth, path = stack.pop()
        nodes += 1
        if nodes > MAX_JSON_NODES:
            return "nodes", path, nodes
        if depth > MAX_JSON_DEPTH:
            return "depth", path, depth
        if isinstance(value, dict):
            for k, v in value.items():
                if surrogates and _bad_text(k):
                    return "surrogate-key", path, k
                if isinstance(v, (dict, list)):
                    stack.append((v, depth + 1, path + (k,) if want_path else ()))
                else:
                    nodes += 1
                    if surrogates and isinstance(v, str) and _bad_text(v):
                        return "surrogate", path + (k,) if want_path else (), None
        elif isinstance(value, list):
            if len(value) > MAX_ARRAY_ITEMS:
                return "array", path, len(value)
            for i, v in enumerate(value):
                if isinstance(v, (dict, list)):
                    stack.append((v, depth + 1, path + (i,) if want_path else ()))
                else:
                    nodes += 1
                    if surrogates and isinstance(v, str) and _bad_text(v):
                        return "surrogate", path + (i,) if want_path else (), None
        elif surrogates and isinstance(value, str) and _bad_text(value):
            return "surrogate", path, None
    return None


def _json_path(parts) -> str:
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif re.fullmatch(r"[A-Za-z_@][A-Za-z0-9_@-]*", p):
            out += f".{p}"
        else:
            out += "[" + json.dumps(p, ensure_ascii=True) + "]"
    return out


def structure_problem(doc, surrogates: bool = True) -> Problem | None:
    """The first limit ``doc`` breaks (depth, array length, number of values, lone surrogates), or
    None. ``surrogates``: look for lone surrogates (only possible when the text had a ``\\ud8xx``
    escape; strings read from UTF-8 bytes never hold one)."""
    if _scan(doc, surrogates, False) is None:
        return None
    kind, path, detail = _scan(doc, surrogates, True)
    where = _json_path(path)
    if kind == "nodes":
        return Problem("limits", where, f"the document holds more than {MAX_JSON_NODES:,} values",
                       "a credential is a JSON document of modest size; split large data into several credentials")
    if kind == "depth":
        return Problem("limits", where, f"the document is nested more than {MAX_JSON_DEPTH} levels deep",
                       "a credential is a JSON object of modest depth")
    if kind == "array":
        return Problem("limits", where, f"an array of {detail:,} items (at most {MAX_ARRAY_ITEMS:,})",
                       "split the data into several credentials or link to it")
    what = "a key" if kind == "surrogate-key" else "a string"
    return Problem("not-unicode", where, f"{what} holds a lone surrogate (a \\ud800-\\udfff escape without its pair): not Unicode text",
                   "write the character itself, or its complete surrogate pair")


def pyld_work_problem(doc) -> Problem | None:
    """Whether ``doc`` would cost pyld more than ``MAX_PYLD_WORK`` value comparisons (see the
    module docstring); a Problem naming the largest array, or None."""
    work = 0
    largest = (0, ())
    ids: dict[str, int] = {}
    stack = [(doc, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            own = value.get("id", value.get("@id"))
            if isinstance(own, str):
                n = ids.get(own, 0) + 1
                ids[own] = n
                work += 2 * n - 1  # n² over the objects sharing one id, counted as they come
            stack.extend((v, path + (k,)) for k, v in value.items() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            n = len(value)
            work += n * n
            if n > largest[0]:
                largest = (n, path)
            stack.extend((v, path + (i,)) for i, v in enumerate(value) if isinstance(v, (dict, list)))
    if work <= MAX_PYLD_WORK:
        return None
    n, path = largest
    return Problem("limits", _json_path(path),
                   f"too large for full JSON-LD processing (an inline @context or other JSON-LD features send it "
                   f"to pyld, whose work grows with the square of an array's length; the largest array here has {n:,} items)",
                   "use only the registered context URLs (no inline @context, no JSON-LD keywords), which the fast path "
                   f"handles at any size up to the general limits, or keep arrays short (the squares of their lengths "
                   f"must add up to at most {MAX_PYLD_WORK:,})")


# ---- YAML ----------------------------------------------------------------------------------------


def yaml_aliases(text: str) -> list[tuple[int, str]]:
    """Every alias (``*name``, including merge keys ``<<: *name``) in a YAML text as (line, name),
    from its parse events (libyaml's parser when available); [] when there is none, or when the
    text does not parse (the loader reports that). A text without ``*`` has none and is not parsed."""
    if "*" not in text:
        return []
    out = []
    try:
        for ev in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(ev, yaml.AliasEvent):
                out.append((ev.start_mark.line + 1, ev.anchor))
    except yaml.YAMLError:
        return []
    return out


def expanded_size(node, budget: int = MAX_YAML_EXPANDED) -> int:
    """Number of nodes of a composed YAML node graph with every alias expanded (memoised, so
    linear in the graph, however large the expansion); stops counting past ``budget``."""
    sizes: dict[int, int] = {}
    # iterative post-order walk
    stack = [(node, False)]
    while stack:
        n, done = stack.pop()
        key = id(n)
        if key in sizes and not done:
            continue
        if isinstance(n, yaml.ScalarNode):
            sizes[key] = 1
            continue
        children = [c for pair in n.value for c in pair] if isinstance(n, yaml.MappingNode) else list(n.value)
        if not done:
            sizes[key] = -1  # in progress (a recursive alias is a cycle: counted as over budget)
            stack.append((n, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1
        for c in children:
            s = sizes.get(id(c), 1)
            total = budget + 1 if s < 0 else min(budget + 1, total + s)
        sizes[key] = total
    return sizes.get(id(node), 1)


class YamlTooLarge(yaml.YAMLError):
    """A YAML document that, aliases expanded, holds more than MAX_YAML_EXPANDED values (a YAMLError,
    so every handler of YAML errors reports it; ``problem_mark`` is where the document starts)."""

    def __init__(self, mark, size: int):
        self.problem = (f"with its aliases expanded the YAML holds more than {MAX_YAML_EXPANDED:,} values "
                        "(an alias bomb?): write the values out, or use fewer aliases")
        self.problem_mark = mark
        self.size = size
        super().__init__(f"line {mark.line + 1}: {self.problem}")


def yaml_load(text: str, loader_cls=None):
    """``yaml.load`` with a safe loader (libyaml's when available), refusing documents that hold
    more than ``MAX_YAML_EXPANDED`` nodes once their aliases are expanded (YamlTooLarge, with the
    line of the document). Texts without aliases load as before, in one pass."""
    loader_cls = loader_cls or getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if "*" not in text:
        return yaml.load(text, Loader=loader_cls)  # noqa: S506 - a safe loader
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = expanded_size(node)
        if size > MAX_YAML_EXPANDED:
            raise YamlTooLarge(node.start_mark, size)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_limited(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of ``path``; None when the file is larger."""
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    return None if len(data) > limit else data
