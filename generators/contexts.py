"""JSON-LD contexts resolved from pinned local copies only.

No context is ever fetched over the network. The registry knows:
- the W3C VC v1 and v2 contexts shipped in ``generators/data/contexts/``;
- UNTP's released contexts shipped in ``generators/data/untp/`` (0.7.0, and the 0.5.0 module
  contexts under both hosts the pilot credentials use; see ``untp.py``);
- this vocabulary's context for the working build and for every released version;
- any extra ``URL=FILE`` pairs a user pins explicitly (``crm-vocab validate --context``).
Any other URL is refused with a message that says how to pin it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError

DATA = Path(__file__).resolve().parent / "data" / "contexts"
VC_V1_URL = "https://www.w3.org/2018/credentials/v1"
VC_V2_URL = "https://www.w3.org/ns/credentials/v2"
PINNED_W3C = {
    VC_V1_URL: DATA / "credentials-v1.jsonld",
    VC_V2_URL: DATA / "credentials-v2.jsonld",
}


class ContextRefused(Exception):
    def __init__(self, url: str):
        super().__init__(
            f"remote context {url} is not pinned locally and is not fetched (the toolkit works offline)"
        )
        self.url = url


@dataclass
class ContextRegistry:
    docs: dict[str, object] = field(default_factory=dict)  # url -> parsed JSON
    crm_urls: set[str] = field(default_factory=set)

    @classmethod
    def default(cls) -> "ContextRegistry":
        reg = cls()
        from . import untp

        for url, path in PINNED_W3C.items():
            reg.docs[url] = json.loads(path.read_text(encoding="utf-8"))
        reg.docs.update(untp.contexts())
        return reg

    def add(self, url: str, document, *, crm: bool = False) -> None:
        self.docs[url] = document
        if crm:
            self.crm_urls.add(url)

    def add_file(self, url: str, path: Path, *, crm: bool = False) -> None:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UsageError(f"cannot read context file {path}: {exc}", hint="pass a readable JSON-LD context file") from None
        self.add(url, doc, crm=crm)

    def loader(self):
        """A pyld document loader that serves only registered contexts. Its documents are tagged
        ``static``: pinned copies never change, so pyld may keep them resolved across calls (an
        untagged remote context is fetched and resolved again on every ``expand``)."""
        from pyld.jsonld import JsonLdError

        docs = self.docs

        def load(url, options=None):
            if url in docs:
                return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": docs[url],
                        "tag": "static"}
            raise JsonLdError(str(ContextRefused(url)), "jsonld.LoadDocumentError", {"url": url}, code="loading remote context failed")

        return load


def pinned_resolver(loader, docs: dict):
    """A pyld ``ContextResolver`` for one operation (pass it as the ``contextResolver`` option).

    Why: pyld's context caching does not fit a context the size of UNTP 0.7.0's (hundreds of
    type- and property-scoped contexts), which made expansion take 0.4 s per credential:
    - it keys every inline context by its canonical JSON (RFC 8785), computed again at each use
      (three quarters of the time). The scoped contexts inside the pinned documents never
      change, so their keys are computed once per dict object and kept (the registry holds the
      documents, so the objects and their ids live as long as it does);
    - its shared cache of resolved contexts holds 100 entries and each resolved context keeps
      the processed results of 10 active contexts: UNTP's scoped contexts evicted each other,
      so every credential processed them all again. This resolver uses a cache of its own,
      large enough for every pinned context, with 256 processed results each.
    Any other inline context is resolved exactly as pyld resolves it. The expansion result is
    the same (tests/test_bench_inputs.py compares it with pyld's own resolver).
    """
    from cachetools import LRUCache
    from c14n.Canonicalize import canonicalize
    from pyld.context_resolver import ContextResolver
    from pyld.resolved_context import ResolvedContext

    keys = _pinned_keys(docs)

    class PinnedContextResolver(ContextResolver):
        def resolve(self, active_ctx, context, base, cycles=None):
            if isinstance(context, dict) and "@context" in context:
                context = context["@context"]
            if not isinstance(context, list):
                context = [context]
            if not all(isinstance(c, dict) and id(c) in keys for c in context):
                return super().resolve(active_ctx, context, base, cycles)
            out = []
            for ctx in context:
                key = keys[id(ctx)][1]
                if key is None:
                    key = canonicalize(dict(ctx)).decode("UTF-8")
                    keys[id(ctx)] = (ctx, key)
                resolved = self._get(key)
                if not resolved:
                    resolved = ResolvedContext(ctx)
                    resolved.cache = LRUCache(maxsize=256)
                    self._cache_resolved_context(key, resolved, "static")
                out.append(resolved)
            return out

    global _SHARED
    if _SHARED is None:
        _SHARED = LRUCache(maxsize=20_000)
    return PinnedContextResolver(_SHARED, loader)


_SHARED = None  # the pinned resolvers' cache of resolved contexts (see pinned_resolver)


_KEYS: dict[int, dict] = {}


def _pinned_keys(docs: dict) -> dict:
    """id(dict) -> (the dict, its canonical key or None until first use) for every context object
    nested in the registry's documents (held here, so an id is never reused while it is known)."""
    table = _KEYS.get(id(docs))
    if table is None:
        table = {}
        stack = list(docs.values())
        while stack:
            o = stack.pop()
            if isinstance(o, dict):
                ctx = o.get("@context")
                if isinstance(ctx, dict):
                    table.setdefault(id(ctx), (ctx, None))
                stack.extend(v for v in o.values() if isinstance(v, (dict, list)))
            elif isinstance(o, list):
                stack.extend(v for v in o if isinstance(v, (dict, list)))
        _KEYS.clear()  # one registry at a time keeps its table
        _KEYS[id(docs)] = table
    return table


def expand(document, loader, docs: dict, options: dict | None = None, on_node=None):
    """``pyld.jsonld.expand`` with the caching this toolkit's pinned contexts need (see
    :func:`pinned_resolver` and :class:`_CachingProcessor`): same result, far less work.

    ``on_node(path, node)``, when given, is called with every node object of the result as pyld
    finishes it (children before parents; value, list, set and graph objects are no node
    objects) and ``path``, the JSON path (a tuple of keys and indices) of the input object it
    came from; it may add an ``@id`` to a node that has none (pyld has then already decided
    everything that depends on the input object's keys)."""
    opts = expand_options(loader, docs, options)
    proc = _processor(docs)
    if on_node is None:
        return proc.expand(document, opts)
    proc.on_node, proc.paths = on_node, None
    try:
        return proc.expand(document, opts)
    finally:
        proc.on_node = proc.paths = None


def expand_options(loader, docs: dict, options: dict | None = None) -> dict:
    """The options :func:`expand` gives pyld (with the pinned resolver)."""
    opts = dict(options or {})
    extra = opts.get("expandContext")
    if isinstance(extra, dict):  # callers pass one long-lived object (e.g. a sentinel @vocab): kept like a pinned one
        _pinned_keys(docs).setdefault(id(extra), (extra, None))
    opts["documentLoader"] = loader
    opts["contextResolver"] = pinned_resolver(loader, docs)
    return opts


def processor(docs: dict):
    """The caching pyld processor of a registry's documents (see :func:`_caching_processor_class`)."""
    return _processor(docs)


def _processor(docs: dict):
    global _PROCESSOR
    if _PROCESSOR is None or _PROCESSOR[0] is not docs:
        _PROCESSOR = (docs, _caching_processor_class()(_pinned_keys(docs)))
    return _PROCESSOR[1]


_PROCESSOR = None


def _caching_processor_class():
    """pyld's JSON-LD processor with context processing memoised.

    Why: pyld processes a type-scoped context again at every node of that type (it clones the
    active context first, and the clone gets a new identity, so pyld's own cache of processed
    contexts never hits), and processing one of UNTP 0.7.0's class contexts also re-checks every
    scoped context nested in it: ~100 context processings per credential, most of the time of
    an expansion. Processing is a pure function of the active context (pyld gives each processed
    context a unique ``_uuid`` and freezes it), the local context and the flags, so the result
    is kept for a local context that is a pinned URL or a dict inside a pinned document; any
    other input is processed as pyld processes it, and errors are never kept.
    """
    from cachetools import LRUCache
    from pyld.jsonld import JsonLdProcessor

    class _CachingProcessor(JsonLdProcessor):
        def __init__(self, pinned: dict):
            super().__init__()
            self._pinned = pinned
            self._memo = LRUCache(maxsize=50_000)
            self.on_node = None  # see expand(on_node=...)
            self.paths = None  # id(input object) -> its JSON path, for on_node

        def _expand(self, active_ctx, active_property, element, options, inside_list=False, inside_index=False,
                    type_scoped_ctx=None):
            on_node = self.on_node
            if on_node is None:
                return super()._expand(active_ctx, active_property, element, options, inside_list, inside_index,
                                       type_scoped_ctx)
            if self.paths is None:  # the first call gets pyld's copy of the whole document
                self.paths = _object_paths(element)
            rval = super()._expand(active_ctx, active_property, element, options, inside_list, inside_index,
                                   type_scoped_ctx)
            if (isinstance(element, dict) and isinstance(rval, dict) and active_property != "@reverse"
                    and not _NOT_NODE.intersection(rval)):
                path = self.paths.get(id(element))
                if path is not None:
                    on_node(path, rval)
            return rval

        def _local_key(self, local_ctx):
            if isinstance(local_ctx, str):
                return local_ctx
            if isinstance(local_ctx, dict) and id(local_ctx) in self._pinned:
                return id(local_ctx)
            if isinstance(local_ctx, list):
                keys = tuple(self._local_key(c) for c in local_ctx)
                return None if None in keys else keys
            return None

        def _process_context(self, active_ctx, local_ctx, options, override_protected=False, propagate=True,
                             validate_scoped=True, cycles=None):
            uuid_ = active_ctx.get("_uuid") if hasattr(active_ctx, "get") else None
            local = self._local_key(local_ctx)
            if uuid_ is None or local is None or cycles:
                return super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                                validate_scoped, cycles)
            key = (uuid_, local, override_protected, propagate, validate_scoped, options.get("base", ""),
                   options.get("processingMode"))
            hit = self._memo.get(key)
            if hit is None:
                hit = super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                               validate_scoped, cycles)
                self._memo[key] = hit
            return hit

    return _CachingProcessor


_NOT_NODE = frozenset({"@value", "@list", "@set", "@graph"})


def _object_paths(root) -> dict:
    """id(object) -> JSON path (tuple of keys and indices) of every JSON object in ``root``."""
    out = {}
    stack = [(root, ())]
    while stack:
        o, path = stack.pop()
        if isinstance(o, dict):
            out.setdefault(id(o), path)
            stack.extend((v, path + (k,)) for k, v in o.items() if isinstance(v, (dict, list)))
        elif isinstance(o, list):
            stack.extend((v, path + (i,)) for i, v in enumerate(o) if isinstance(v, (dict, list)))
    return out
