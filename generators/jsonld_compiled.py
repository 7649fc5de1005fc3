"""JSON-LD expansion and RDF conversion compiled for the documents CRM credentials are, with
every context decision taken by pyld.

Why: the validator's JSON-LD stage expands each credential (pinned contexts plus a sentinel
``@vocab`` that makes undefined terms visible) and turns it into RDF for SHACL. With UNTP
0.7.0's context (hundreds of protected type- and property-scoped contexts) pyld takes about
20 ms per credential even with its context processing memoised (``contexts.expand``): most of
it is pyld walking the document generically (keyword checks, IRI expansion of every key,
copies, the node map of ``to_rdf``). This module walks the JSON itself and writes the RDF
triples directly, but asks pyld for every context decision, and only once per active context:

- active contexts are pyld's own, processed by ``JsonLdProcessor._process_context`` (memoised
  in ``contexts``), so protected terms, ``@propagate``, type- and property-scoped contexts and
  their errors stay pyld's; each distinct active context gets a :class:`_State` that keeps what
  was derived from it (key IRIs, coercions, the contexts of children and of typed nodes);
- per node it does what pyld's ``_expand`` does: revert a non-propagated (type-scoped) context
  on entering a nested node unless the node is a lone ``@id`` reference, apply the
  property-scoped context of the property leading to it (overriding protected terms), then the
  type-scoped contexts of its types in lexicographic order (not propagated), type values
  expanded with the context from before them;
- keys are expanded by pyld's ``_expand_iri`` (terms, compact IRIs, the active ``@vocab``:
  the sentinel or a UNTP type-scoped catch-all), values coerced as pyld's ``_expand_value``
  does (``@id``, ``@vocab``, datatypes, language), and literals converted by pyld's own
  ``_object_to_rdf`` (the same lexical forms, e.g. doubles);
- a node's identity follows the context: its subject is the value of the key that expands to
  ``@id`` there (inside UNTP's ``idScheme`` the key ``id`` is the property ``untp:id``), and a
  node without one gets the validator's temporary IRI naming its JSON path, exactly as
  ``Validator.expand`` gives it to pyld's result.

Anything outside that subset raises :class:`Fallback` and the validator gives the document to
pyld: JSON-LD keywords as keys or values (``@context``, ``@value``, ``@list``, ``@graph`` ...),
containers other than ``@set``, reverse properties, ``@json``, ``@direction``, blank node
identifiers, relative IRIs, inline contexts, nested arrays, and any error. tests/test_bench_inputs.py
proves the triples, the node identities and the undefined-term findings equal to pyld's on every
sample, the generated benchmark credentials and seeded mutations of them.
"""
from __future__ import annotations

from urllib.parse import unquote

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
_MAX_STATES = 20_000


class Fallback(Exception):
    """The document is outside the compiled subset: pyld decides (and words any error)."""


# what a key is in an active context (see CompiledExpander._prop)
_DROP, _ID, _TYPE, _PROP = range(4)


class _Prop:
    """One key in one active context (the node's, after its type-scoped contexts)."""

    __slots__ = ("kind", "key", "pred", "undefined", "term", "coerce", "dt", "lang", "dt_undefined", "children",
                 "psc", "str_dt")

    def __init__(self, kind, key=None):
        self.kind = kind
        self.key = key
        self.children = {}


class _State:
    """What the compiled expander derived from one pyld active context."""

    __slots__ = ("ctx", "keys", "props", "types", "iris", "vocab_iris", "has_previous", "type_keys", "plans")

    def __init__(self, ctx):
        self.ctx = ctx
        self.type_keys = {}  # a node's keys -> its type key or None (this state before the types)
        self.plans = {}  # (a node's keys, its type key) -> (id key, properties) (this state as the node's)
        self.keys = {}  # key -> pyld _expand_iri(ctx, key, vocab=True)
        self.props = {}  # key -> _Prop (this state as a node's active context)
        self.types = {}  # type values -> (node state, type terms, undefined type entries) (this state before them)
        self.iris = {}  # string -> IRI term, @id coercion
        self.vocab_iris = {}  # string -> IRI term, @vocab coercion
        self.has_previous = bool(ctx.get("previousContext"))


class CompiledExpander:
    """Turns documents into (triples, ids, undefined terms) as ``Validator`` gets them from pyld.

    ``processor`` and ``options`` are what ``contexts.expand`` gives pyld (the caching processor
    and the pinned resolver), ``expand_context`` the sentinel ``@vocab`` context processed first,
    ``namespaces`` the undefined-term namespaces, ``node_iri(doc_key, path)`` the temporary IRI of
    a node without an ``@id`` and ``segment(key)`` a key's JSON path segment.
    """

    def __init__(self, processor, options: dict, expand_context, namespaces: tuple, node_iri, segment):
        import pyoxigraph as ox
        from pyld import jsonld

        self._ox = ox
        self._jsonld = jsonld
        self.proc = processor
        self.options = options
        self.expand_context = expand_context
        self.namespaces = tuple(namespaces)
        self.node_iri = node_iri
        self.segment = segment
        self._rdf_options = {"processingMode": options.get("processingMode", "json-ld-1.1")}
        self._states: dict[int, _State] = {}
        self._roots: dict[tuple, _State] = {}
        self._datatypes: dict[str, object] = {}
        self._literals: dict[tuple, object] = {}  # (class, value, datatype, language) -> literal term
        self._rdf_type = ox.NamedNode(RDF_TYPE)
        self._base_ctx = None

    # -- contexts ---------------------------------------------------------------------------------
    def _state(self, ctx) -> _State:
        st = self._states.get(id(ctx))
        if st is None or st.ctx is not ctx:
            if len(self._states) >= _MAX_STATES:
                self._states.clear()
                self._roots.clear()
            st = self._states[id(ctx)] = _State(ctx)  # the state holds ctx: its id stays unique
        return st

    def _process(self, ctx, local, **flags):
        return self.proc._process_context(ctx, local, self.options, **flags)

    def _root(self, contexts: tuple) -> _State:
        """The document's active context before its type-scoped contexts (pyld: the sentinel
        expandContext, then the document's own @context)."""
        st = self._roots.get(contexts)
        if st is None:
            if self._base_ctx is None:
                initial = self.proc._get_initial_context(self.options)
                self._base_ctx = self._process(initial, self.expand_context)
            st = self._roots[contexts] = self._state(self._process(self._base_ctx, list(contexts)))
        return st

    def _expand_key(self, st: _State, key: str):
        try:
            return st.keys[key]
        except KeyError:
            iri = st.keys[key] = self.proc._expand_iri(st.ctx, key, vocab=True)
            return iri

    def _typed(self, st: _State, types: tuple):
        """(node state, rdf:type terms, undefined (local, namespace) entries) for a node whose
        active context before its types is ``st`` (pyld ``_prepare_nested_context``)."""
        hit = st.types.get(types)
        if hit is None:
            if not all(isinstance(t, str) for t in types):
                raise Fallback("a type that is no string")
            ctx = st.ctx
            active = ctx
            for t in sorted(types):
                mapping = ctx["mappings"].get(t)
                scoped = mapping.get("@context") if mapping else None
                if scoped is not None and scoped is not False:
                    active = self._process(active, scoped, propagate=False)
            terms, undefined = [], []
            for t in types:
                iri = self.proc._expand_iri(ctx, t, vocab=True, base=self.options.get("base", ""))
                terms.append(self._iri_term(iri))
                undefined.extend(self._undefined(iri))
            hit = st.types[types] = (self._state(active), tuple(terms), tuple(undefined))
        return hit

    def _undefined(self, iri: str) -> list:
        return [(iri[len(ns):], ns) for ns in self.namespaces if iri.startswith(ns)]

    def _iri_term(self, iri):
        """The RDF IRI pyld's ``_object_to_rdf`` makes of an expanded @id, or None where it makes
        none (a relative IRI or a keyword: pyld leaves the triple out). Blank node identifiers
        and anything else are outside the subset."""
        if not isinstance(iri, str) or iri.startswith("_:"):
            raise Fallback(f"not an IRI: {iri!r}")
        if not self._jsonld._is_absolute_iri(iri):
            return None
        return self._ox.NamedNode(iri)

    def _prop(self, st: _State, key: str) -> _Prop:
        """What pyld's ``_expand_object`` does with ``key`` in active context ``st``."""
        prop = st.props.get(key)
        if prop is not None:
            return prop
        jsonld = self._jsonld
        get = jsonld.JsonLdProcessor.get_context_value
        ep = self._expand_key(st, key)
        if ep is None or not (jsonld._is_absolute_iri(ep) or jsonld._is_keyword(ep)):
            prop = _Prop(_DROP)  # pyld drops the key
        elif ep == "@id":
            prop = _Prop(_ID)
        elif ep == "@type":
            prop = _Prop(_TYPE)
        elif jsonld._is_keyword(ep) or ep.startswith("_:"):
            raise Fallback(f"key {key!r} expands to {ep}")
        else:
            ctx = st.ctx
            mapping = ctx["mappings"].get(key)
            if mapping and mapping.get("reverse"):
                raise Fallback(f"reverse property {key!r}")
            if _container(get(ctx, key, "@container")) or get(ctx, key, "@type") == "@json":
                raise Fallback(f"container or @json on {key!r}")
            scoped = get(ctx, key, "@context")
            term = self._state(self._process(ctx, scoped, propagate=True, override_protected=True)) \
                if scoped is not None else st
            tctx = term.ctx
            tmapping = tctx["mappings"].get(key)
            if (tmapping and tmapping.get("reverse")) or _container(get(tctx, key, "@container")):
                raise Fallback(f"container or reverse on {key!r} in its scoped context")
            tep = self._expand_key(term, key)
            if tep is None or jsonld._is_keyword(tep):
                raise Fallback(f"key {key!r} expands to {tep} in its scoped context")
            type_ = get(tctx, key, "@type")
            if type_ == "@json" or get(tctx, key, "@direction") is not None:
                raise Fallback(f"@json or @direction on {key!r}")
            prop = _Prop(_PROP, key)
            prop.pred = self._ox.NamedNode(ep)
            prop.undefined = tuple(self._undefined(ep))
            prop.term = term
            prop.coerce = type_ if type_ in ("@id", "@vocab") else None
            prop.dt = type_ if type_ not in (None, "@id", "@vocab", "@none") else None
            prop.lang = get(tctx, key, "@language")
            prop.dt_undefined = tuple(self._undefined(prop.dt)) if prop.dt else ()
            prop.psc = get(tctx, key, "@context")  # the property-scoped context a nested node gets
            # a string with neither @id/@vocab coercion nor a language becomes a literal of its
            # datatype as it is (pyld _object_to_rdf; only xsd:double is rewritten)
            plain = prop.coerce is None and (prop.dt is not None or prop.lang is None)
            prop.str_dt = self._datatype(prop.dt or XSD_STRING) if plain and prop.dt != XSD_DOUBLE else None
        st.props[key] = prop
        return prop

    def _datatype(self, iri: str):
        dt = self._datatypes.get(iri)
        if dt is None:
            dt = self._datatypes[iri] = self._ox.NamedNode(iri)
        return dt

    def _type_key(self, st: _State, keys: tuple, top: bool):
        """The key of a node's types (pyld ``_prepare_nested_context``: looked up in the context
        before the types), for nodes with these keys in state ``st``."""
        if not top and "@context" in keys:
            raise Fallback("an inline context")
        found = [k for k in keys if self._expand_key(st, k) == "@type"]
        if len(found) > 1:
            raise Fallback("two keys expand to @type")
        type_key = st.type_keys[keys] = found[0] if found else None
        return type_key

    def _node_plan(self, node: _State, keys: tuple, type_key):
        """(id key, properties in pyld's order) for nodes with these keys in state ``node``."""
        id_key, props, typed = None, [], False
        for k in sorted(keys):
            prop = self._prop(node, k)
            if prop.kind == _PROP:
                props.append(prop)
            elif prop.kind == _ID:
                if id_key is not None:
                    raise Fallback("two keys expand to @id")
                id_key = k
            elif prop.kind == _TYPE:
                if k != type_key:
                    raise Fallback("another key expands to @type once typed")
                typed = True
        if type_key is not None and not typed:
            raise Fallback("the type key is no longer @type once typed")
        plan = node.plans[(keys, type_key)] = (id_key, tuple(props))
        return plan

    def _child(self, prop: _Prop, element: dict) -> _State:
        """The active context of a node object reached through ``prop``, before its types
        (pyld ``_expand``: revert a type-scoped context unless the node is a lone @id
        reference, then apply the property-scoped context, overriding protected terms)."""
        term = prop.term
        revert = True
        if term.has_previous and len(element) <= 2:
            for k in sorted(element):
                ek = self._expand_key(term, k)
                if ek == "@value":
                    raise Fallback("a value object")
                if ek == "@id" and len(element) == 1:
                    revert = False
                    break
        st = prop.children.get(revert)
        if st is None:
            ctx = term.ctx
            if revert:
                ctx = self.proc._revert_to_previous_context(ctx)
            if prop.psc is not None:
                ctx = self._process(ctx, prop.psc, override_protected=True)
            st = prop.children[revert] = self._state(ctx)
        return st

    # -- documents --------------------------------------------------------------------------------
    def to_rdf(self, doc: dict, contexts, doc_key: str):
        """(triples, ids, undefined) of a document: triples as pyoxigraph terms (the default
        graph, each once), ids the JSON path of the first node object (in pyld's order) with each
        @id, undefined the (JSON path, term, namespace) of every key or type that expands into
        one of ``namespaces``. Raises Fallback outside the compiled subset."""
        if not isinstance(doc, dict) or not isinstance(contexts, (list, tuple)) \
                or not all(isinstance(c, str) for c in contexts):
            raise Fallback("inline or missing contexts")
        try:
            root = self._root(tuple(contexts))
            run = _Run(self, doc_key)
            run.node(doc, root, "$", top=True)
        except Fallback:
            raise
        except Exception as exc:  # noqa: BLE001 - pyld decides, and words the error
            raise Fallback(f"{type(exc).__name__}: {exc}") from exc
        return list(dict.fromkeys(run.triples)), run.ids, run.undefined_paths()


def _container(c) -> bool:
    """True when a container mapping is more than @set (the compiled subset has no other)."""
    if c is None:
        return False
    return any(x != "@set" for x in (c if isinstance(c, (list, tuple)) else [c]))


class _Run:
    """One document's expansion."""

    def __init__(self, ex: CompiledExpander, doc_key: str):
        self.ex = ex
        self.doc_key = doc_key
        self.triples: list = []
        self.ids: dict[str, str] = {}
        self.undefined: list = []  # (subject IRI, suffix, term, namespace)
        self.own = ex.node_iri(doc_key, "")  # the prefix of this document's temporary node IRIs

    def node(self, element: dict, st: _State, path: str, top: bool = False):
        """Expand one node object in active context ``st`` (before its types); returns its subject."""
        ex = self.ex
        keys = tuple(k for k in element if k != "@context") if top else tuple(element)
        try:
            type_key = st.type_keys[keys]
        except KeyError:
            type_key = ex._type_key(st, keys, top)
        if type_key is not None:
            tv = element[type_key]
            types = tuple(tv) if isinstance(tv, list) else (tv,)
            hit = st.types.get(types)
            node, type_terms, type_undefined = hit if hit is not None else ex._typed(st, types)
        else:
            node, type_terms, type_undefined = st, (), ()
        try:
            id_key, props = node.plans[(keys, type_key)]
        except KeyError:
            id_key, props = ex._node_plan(node, keys, type_key)
        if id_key is not None:
            v = element[id_key]
            if not isinstance(v, str):
                raise Fallback("an @id that is no string")
            subject = self.iri(node, v)
            if subject is None:
                raise Fallback(f"a node id pyld writes no triple for: {v!r}")
            sid = subject.value
        else:
            sid = ex.node_iri(self.doc_key, path)
            subject = ex._ox.NamedNode(sid)
        triples = self.triples
        if type_terms:
            rdf_type = ex._rdf_type
            triples.extend((subject, rdf_type, t) for t in type_terms if t is not None)
            if type_undefined:
                self.undefined.extend((sid, ".type", local, ns) for local, ns in type_undefined)
        values = self.values
        for prop in props:
            v = element[prop.key]
            if v is None:
                continue  # pyld drops null values
            if prop.undefined:
                self.undefined.extend((sid, "", local, ns) for local, ns in prop.undefined)
            values(subject, sid, prop, v, path)
        if id_key is not None and not (top and self._dropped(element, props, type_key)):
            self.ids.setdefault(sid, path)
        return subject

    @staticmethod
    def _dropped(element: dict, props: tuple, type_key) -> bool:
        """pyld drops a top-level node object that expands to nothing but its @id (its id is
        then recorded nowhere; it has no triples either way)."""
        return type_key is None and all(element[p.key] is None for p in props)

    def values(self, subject, sid: str, prop: _Prop, v, path: str):
        """The triples of one property (a value or a list of values) of the node ``subject``."""
        many = isinstance(v, list)
        append = self.triples.append
        pred, str_dt = prop.pred, prop.str_dt
        for i, x in enumerate(v if many else (v,)):
            if isinstance(x, str):
                if str_dt is not None:
                    obj = self.ex._ox.Literal(x, datatype=str_dt)
                elif prop.coerce == "@id":
                    obj = self.iri(prop.term, x)
                elif prop.coerce == "@vocab":
                    obj = self.vocab_iri(prop.term, x)
                else:
                    obj = self.literal(sid, prop, x)
            elif isinstance(x, dict):
                ex = self.ex
                child = path + ex.segment(prop.key) + (f"[{i}]" if many else "")
                obj = self.node(x, ex._child(prop, x), child)
            elif x is None:
                continue  # pyld drops nulls in arrays
            elif isinstance(x, list):
                raise Fallback("a nested array")
            else:
                obj = self.literal(sid, prop, x)
            if obj is not None:  # None: an IRI pyld leaves out of the RDF
                append((subject, pred, obj))

    def literal(self, sid: str, prop: _Prop, x):
        """pyld's value expansion (``_expand_value``) and RDF conversion (``_object_to_rdf``)."""
        ex = self.ex
        item = {"@value": x}
        if prop.dt is not None:
            item["@type"] = prop.dt
            if prop.dt_undefined:
                self.undefined.extend((sid, ".type", local, ns) for local, ns in prop.dt_undefined)
        elif prop.lang is not None and isinstance(x, str):
            item["@language"] = prop.lang
        # pyld's conversion is a function of these (repr tells -0.0 from 0.0: pyld writes -0.0E0 and 0.0E0)
        key = (x.__class__, repr(x) if isinstance(x, float) else x, prop.dt, item.get("@language"))
        hit = ex._literals.get(key)
        if hit is None:
            lit = ex.proc._object_to_rdf(item, None, None, ex._rdf_options)
            if lit.get("language"):
                hit = ex._ox.Literal(lit["value"], language=lit["language"])
            else:
                hit = ex._ox.Literal(lit["value"], datatype=ex._datatype(lit["datatype"]))
            if len(ex._literals) < 50_000:
                ex._literals[key] = hit
        return hit

    def vocab_iri(self, term: _State, x: str):
        """A string coerced by ``@type: @vocab`` (pyld ``_expand_iri`` with the term's @vocab)."""
        try:
            return term.vocab_iris[x]
        except KeyError:
            pass
        ex = self.ex
        obj = ex._iri_term(ex.proc._expand_iri(term.ctx, x, vocab=True, base=ex.options.get("base", "")))
        if len(term.vocab_iris) < 10_000:
            term.vocab_iris[x] = obj
        return obj

    def iri(self, st: _State, value: str):
        """pyld's ``_expand_iri(ctx, value, base)`` (no @vocab) as an IRI term: an IRI with
        ``//`` after its scheme is kept as it is, anything else is expanded by pyld."""
        colon = value.find(":")
        if colon > 0 and value.startswith("//", colon + 1):
            iri = value
        else:
            try:
                return st.iris[value]
            except KeyError:
                pass
            iri = self.ex.proc._expand_iri(st.ctx, value, base=self.ex.options.get("base", ""))
            term = self.ex._iri_term(iri)
            if len(st.iris) < 10_000:
                st.iris[value] = term
            return term
        return self.ex._iri_term(iri)

    def undefined_paths(self) -> list:
        """(JSON path, term, namespace) entries, placed as ``validate._find_undefined`` places them."""
        own, ids, out = self.own, self.ids, []
        for sid, suffix, local, ns in self.undefined:
            here = unquote(sid[len(own):]) if sid.startswith(own) else ids.get(sid, "$")
            out.append((here + suffix, local, ns))
        return out
