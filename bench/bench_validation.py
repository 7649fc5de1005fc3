"""Validation benchmark (issue 5, part 2).

1,000 valid and 1,000 invalid credentials generated deterministically (``validation_inputs``,
seed 5), measured in one run against named baselines:

1. the JSON Schema stage alone on one core: ``Validator.check_schema`` (verdict and findings of
   both layers: UNTP 0.7.0's schema and the CRM layer) vs python-jsonschema
   ``Draft202012Validator`` + ``FormatChecker`` ``iter_errors`` on the published CRM schemas (their
   ``allOf`` ``$ref`` to UNTP's schema resolved through the pinned copies; the engine
   linkml-validate uses);
2. all three stages (JSON Schema, JSON-LD, SHACL) on the batch through ``Validator`` vs, per
   document, pyld expansion with the pinned contexts + ``pyshacl.validate`` (inference none);
3. ``crm-vocab validate`` on the 2,000 files vs the ``linkml-validate`` CLI.

Correctness of the inputs and of the fast paths is asserted in tests/test_bench_inputs.py.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from . import harness
from . import validation_inputs as vi

SEED = 5


def _rate(n, m):
    return n / m["median"]


def _cpu_seconds() -> float:
    """CPU time of this process and of its waited-for children (forked workers), seconds."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _with_cpu(fn):
    """(fn wrapped, list of the CPU seconds of each call): the machine is shared, so wall-clock
    rates depend on its load; CPU time per credential does not (much)."""
    cpu: list[float] = []

    def run():
        c0 = _cpu_seconds()
        result = fn()
        cpu.append(_cpu_seconds() - c0)
        return result

    return run, cpu


def _cpu_row(name: str, cpu: list[float], warmup: int, n: int, cores: int = 1) -> tuple[dict, float]:
    """A row of CPU seconds per run (warm-up calls left out) and the rate per CPU-second x cores."""
    m = harness.summarise(cpu[warmup:])
    rate = n / m["median"] * cores
    what = f"{n / m['median']:,.0f} credentials per CPU-second" + (f", x {cores} cores = {rate:,.0f}/s" if cores > 1 else "")
    return harness.row(name, m, what), rate


def run(quick: bool) -> dict:
    from untp_crm_vocab.project import load_project
    from untp_crm_vocab import validate as gv

    project = load_project(harness.ROOT)
    # the CLI validates against the build when it is up to date and otherwise generates the
    # artifacts from the model on every run (seconds of LinkML): build first (a no-op when current)
    harness.run_cmd([str(harness.BIN / "crm-vocab"), "build"], timeout=1800)
    valid, invalid = vi.generate(1000, 1000, seed=SEED)
    docs = valid + [(n, d) for n, d, _ in invalid]
    N = len(docs)
    rows, ratios, targets, notes = [], [], [], []

    # ---- 1. JSON Schema stage alone, one core ---------------------------------------------
    v1 = gv.Validator(project, jobs=1)
    arts = v1.sets[project.context_url()]
    types = [next(t for t in d["type"] if t in arts.schemas) for _, d in docs]  # the CRM credential types

    def ours_schema():
        gv._py_format.cache_clear()  # cold format caches every run
        for (name, doc), t in zip(docs, types):
            v1.check_schema(doc, arts, t)

    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from untp_crm_vocab import untp

    registry = Registry().with_resources(
        (url, Resource.from_contents(s, default_specification=DRAFT202012)) for url, s in untp.schema_resources().items())
    ref = {t: Draft202012Validator(s, registry=registry, format_checker=FormatChecker()) for t, s in arts.schemas.items()}
    layers = {t: (v1.untp_layer(*arts.untp_types[t]).fast, arts.layers[t].fast) for t in arts.schemas}

    def jsonschema_errors():
        for (name, doc), t in zip(docs, types):
            list(ref[t].iter_errors(doc))

    def jsonschema_verdict():
        for (name, doc), t in zip(docs, types):
            ref[t].is_valid(doc)

    def rs_verdict():
        gv._py_format.cache_clear()
        for (name, doc), t in zip(docs, types):
            untp_layer, crm_layer = layers[t]
            untp_layer.is_valid(doc) and crm_layer.is_valid(doc)

    def rs_verdict_and_errors():
        # the floor of this design: jsonschema-rs's verdict, and the raw errors of a failing layer,
        # with no finding built from them
        gv._py_format.cache_clear()
        for (name, doc), t in zip(docs, types):
            for layer in layers[t]:
                if not layer.is_valid(doc):
                    list(layer.iter_errors(doc))

    def rs_untp_verdict():
        gv._py_format.cache_clear()
        for (name, doc), t in zip(docs, types):
            layers[t][0].is_valid(doc)

    valid_only = [(d, t) for (n, d), t in zip(docs, types)][:len(valid)]

    def ours_schema_valid_only():
        gv._py_format.cache_clear()
        for doc, t in valid_only:
            v1.check_schema(doc, arts, t)

    runs = 3 if quick else 7
    load_before = os.getloadavg()
    ours_schema_cpu, cpu_schema = _with_cpu(ours_schema)
    m_ours = harness.measure(ours_schema_cpu, runs=runs, warmup=1)
    m_js = harness.measure(jsonschema_errors, runs=1 if quick else 3, warmup=0 if quick else 1)
    m_rs_v = harness.measure(rs_verdict, runs=runs, warmup=1)
    m_js_v = harness.measure(jsonschema_verdict, runs=1 if quick else 3, warmup=0)
    m_rs_e = harness.measure(rs_verdict_and_errors, runs=runs, warmup=1)
    m_ours_valid = harness.measure(ours_schema_valid_only, runs=runs, warmup=1)
    m_rs_untp = harness.measure(rs_untp_verdict, runs=runs, warmup=1)
    r_ours, r_js = _rate(N, m_ours), _rate(N, m_js)
    row_cpu_schema, c_ours = _cpu_row("1.   the same, CPU time", cpu_schema, 1, N)
    rows += [
        harness.row(f"1. JSON Schema stage, ours (verdict + findings), {N} credentials", m_ours, f"{r_ours:,.0f} credentials/s"),
        row_cpu_schema,
        harness.row(f"1. python-jsonschema iter_errors + FormatChecker, {N} credentials", m_js, f"{r_js:,.0f} credentials/s"),
        harness.row("1. verdict only: jsonschema-rs is_valid, both layers (date/date-time via python checkers)", m_rs_v, f"{_rate(N, m_rs_v):,.0f} credentials/s"),
        harness.row("1. verdict only: python-jsonschema is_valid + FormatChecker", m_js_v, f"{_rate(N, m_js_v):,.0f} credentials/s"),
        harness.row("1. jsonschema-rs alone: verdict, and the raw errors of a failing layer (no finding built)", m_rs_e,
                    f"{_rate(N, m_rs_e):,.0f} credentials/s: the floor of any stage built on jsonschema-rs"),
        harness.row("1. verdict only: jsonschema-rs is_valid, the UNTP 0.7.0 layer alone", m_rs_untp, f"{_rate(N, m_rs_untp):,.0f} credentials/s"),
        harness.row(f"1. JSON Schema stage, ours, the {len(valid_only)} valid credentials only", m_ours_valid,
                    f"{_rate(len(valid_only), m_ours_valid):,.0f} credentials/s"),
    ]
    ratios.append({"name": "JSON Schema stage: ours / python-jsonschema (credentials/s)", "value": r_ours / r_js,
                   "baseline": "jsonschema.Draft202012Validator + FormatChecker, iter_errors, published schema (UNTP $ref resolved)"})
    targets += [
        {"target": "JSON Schema stage >= 20,000 credentials/s on one core",
         "measured": f"{r_ours:,.0f}/s (CPU time: {c_ours:,.0f} per CPU-second)", "met": r_ours >= 20000},
        {"target": "JSON Schema stage >= 5x python-jsonschema", "measured": f"{r_ours / r_js:.1f}x", "met": r_ours / r_js >= 5},
    ]

    # ---- 2. all three stages on the batch -------------------------------------------------
    v2 = gv.Validator(project)  # default: compiled SHACL, workers = usable cores
    v2.validate_documents(docs[:4])
    bruns = 2 if quick else 5
    b1, cpu_b1 = _with_cpu(lambda: v2.validate_documents(docs, jobs=1))
    b2, cpu_b2 = _with_cpu(lambda: v2.validate_documents(docs))
    m_b1 = harness.measure(b1, runs=bruns, warmup=1)
    m_b2 = harness.measure(b2, runs=bruns, warmup=1)
    reports = m_b2["result"]
    n_valid_ok = sum(r.valid for r in reports[: len(valid)])
    n_invalid_ok = sum(not r.valid for r in reports[len(valid):])
    r_b1, r_b2 = _rate(N, m_b1), _rate(N, m_b2)
    row_cpu_b1, c_b1 = _cpu_row("2.   the same, 1 process, CPU time", cpu_b1, 1, N)
    row_cpu_b2, c_b2 = _cpu_row(f"2.   the same, {v2.jobs} processes, CPU time of all", cpu_b2, 1, N, cores=v2.jobs)
    rows += [
        harness.row(f"2. Validator, 3 stages, batch of {N}, 1 process", m_b1, f"{r_b1:,.0f} credentials/s"),
        row_cpu_b1,
        harness.row(f"2. Validator, 3 stages, batch of {N}, {v2.jobs} processes (default)", m_b2,
                    f"{r_b2:,.0f} credentials/s; {n_valid_ok} valid / {n_invalid_ok} invalid as expected"),
        row_cpu_b2,
    ]

    # baseline: per document pyld expand (pinned contexts) + pyshacl.validate, inference none
    import pyshacl
    from pyld import jsonld
    from rdflib import Graph

    shapes = Graph().parse(data=arts.shapes_ttl, format="turtle")
    loader = v1.registry.loader()
    k = 10 if quick else 60
    subset = valid[: k // 2] + [(n, d) for n, d, _ in invalid[: k // 2]]
    prepared = []
    for name, doc in subset:
        ctxs = v1._contexts_for_processing(doc, gv.Report(name))
        body = {kk: vv for kk, vv in doc.items() if kk != "@context"}
        body["@context"] = ctxs
        prepared.append(body)

    def pyshacl_per_doc():
        for body in prepared:
            nq = jsonld.to_rdf(jsonld.expand(body, {"documentLoader": loader}), {"format": "application/n-quads"})
            g = Graph().parse(data=nq, format="nquads")
            pyshacl.validate(g, shacl_graph=shapes, inference="none")

    m_ps = harness.measure(pyshacl_per_doc, runs=1 if quick else 3, warmup=0)
    r_ps = _rate(len(prepared), m_ps)
    rows.append(harness.row(f"2. pyld expand + pyshacl.validate per document, {len(prepared)} of them (half valid)", m_ps,
                            f"{r_ps:,.1f} credentials/s; {N} would take ~{N / r_ps:,.0f} s (extrapolated)"))
    ratios += [
        {"name": "3 stages, batch: ours (default, all cores) / pyshacl per document", "value": r_b2 / r_ps,
         "baseline": "pyld expand + pyshacl.validate per document (subset, extrapolated)"},
        {"name": "3 stages, batch: ours (1 process) / pyshacl per document", "value": r_b1 / r_ps,
         "baseline": "pyld expand + pyshacl.validate per document (subset, extrapolated)"},
    ]

    # the JSON-LD stage alone, one core: the compiled expander vs pyld (expansion + to_rdf), with the
    # validator's cached context processing (its path for documents outside the compiled subset)
    # and plain (pyld's own context handling, what a user of pyld gets)
    ctx_of = [v1._contexts_for_processing(d, gv.Report(n)) for n, d in docs]
    keyed = [(d, c, f"d{i}") for i, ((n, d), c) in enumerate(zip(docs, ctx_of))]
    v1._compiled.to_rdf(*keyed[0])

    def jsonld_compiled():
        for d, c, key in keyed:
            v1._compiled.to_rdf(d, c, key)

    cached = keyed[:: 10]

    def jsonld_pyld_cached():
        for d, c, key in cached:
            gv._pyld_triples(*v1.check_jsonld(d, c, key, gv.Report(key)))

    plain_docs = prepared[: 4 if quick else 10]

    def jsonld_pyld_plain():
        for body in plain_docs:
            jsonld.to_rdf(jsonld.expand(body, {"documentLoader": loader, "expandContext": gv._SENTINEL_CONTEXT}), {})

    jsonld_compiled_cpu, cpu_jc = _with_cpu(jsonld_compiled)
    m_jc = harness.measure(jsonld_compiled_cpu, runs=3 if quick else 7, warmup=1)
    m_jp = harness.measure(jsonld_pyld_cached, runs=1 if quick else 3, warmup=1)
    m_jpp = harness.measure(jsonld_pyld_plain, runs=1, warmup=0)
    r_jc, r_jp, r_jpp = _rate(N, m_jc), _rate(len(cached), m_jp), _rate(len(plain_docs), m_jpp)
    rows += [
        harness.row(f"2. JSON-LD stage alone, compiled expander (triples + undefined terms), {N} credentials, 1 process", m_jc,
                    f"{r_jc:,.0f} credentials/s"),
        _cpu_row("2.   the same, CPU time", cpu_jc, 1, N)[0],
        harness.row(f"2. JSON-LD stage alone, pyld expand (cached contexts) + to_rdf, {len(cached)} credentials", m_jp,
                    f"{r_jp:,.0f} credentials/s"),
        harness.row(f"2. JSON-LD stage alone, plain pyld expand + to_rdf, {len(plain_docs)} credentials", m_jpp,
                    f"{r_jpp:,.1f} credentials/s"),
    ]
    ratios += [
        {"name": "JSON-LD stage: compiled expander / pyld with cached context processing", "value": r_jc / r_jp,
         "baseline": "contexts.expand + jsonld.to_rdf per document (the validator's fallback path)"},
        {"name": "JSON-LD stage: compiled expander / plain pyld", "value": r_jc / r_jpp,
         "baseline": "jsonld.expand (pinned loader, pyld's own context caching) + jsonld.to_rdf per document"},
    ]
    targets += [
        {"target": "3 stages >= 500 credentials/s on a batch",
         "measured": f"{r_b2:,.0f}/s ({v2.jobs} processes); {r_b1:,.0f}/s (1 process); CPU time: {c_b2:,.0f}/s "
                     f"({v2.jobs} cores), {c_b1:,.0f} per CPU-second (1 process)",
         "met": r_b2 >= 500},
        {"target": "3 stages >= 10x per-document pyshacl", "measured": f"{r_b2 / r_ps:,.0f}x", "met": r_b2 / r_ps >= 10},
    ]

    # ---- 3. the command lines --------------------------------------------------------------
    tmp = Path(tempfile.mkdtemp(prefix="bench-validation-"))
    try:
        vpaths, ipaths = vi.write(tmp, 1000, 1000, seed=SEED)
        files = [str(p) for p in vpaths + ipaths]
        cli = [str(harness.BIN / "crm-vocab"), "validate", "--format", "json", *files]
        m_cli = harness.measure_cmd(cli, runs=1 if quick else 3, ok_codes=(0, 1), timeout=1800)
        out = json.loads(m_cli["stdout"])
        statuses = [r["status"] for r in out["reports"]]
        assert statuses[: len(vpaths)] == ["valid"] * len(vpaths) and "valid" not in statuses[len(vpaths):]
        r_cli = N / m_cli["median"]
        rows.append(harness.row(f"3. crm-vocab validate --format json, {N} files, one command", m_cli,
                                f"{r_cli:,.0f} files/s; peak RSS {m_cli['peak_rss_bytes'] / 2**20:,.0f} MiB"))

        lv = str(harness.BIN / "linkml-validate")
        schema = str(harness.ROOT / "model" / "untp_crm.yaml")
        per_class = 10 if quick else 100  # enough files that the marginal cost stands above the start-up noise
        dpp = [str(p) for p in vpaths + ipaths if "dpp" in p.name]
        dcc = [str(p) for p in vpaths + ipaths if "dcc" in p.name]
        # valid and invalid alike, both classes; one command per class with several files, so the
        # baseline pays its start-up once per class, as a user scripting it would
        pick = lambda xs: xs[:: max(1, len(xs) // per_class)][:per_class]  # noqa: E731
        one = [[lv, "-s", schema, "-C", c, f] for c, f in (("CRMProductPassport", dpp[0]), ("CRMConformityCredential", dcc[0]))]
        many = [[lv, "-s", schema, "-C", c, *pick(fs)] for c, fs in (("CRMProductPassport", dpp), ("CRMConformityCredential", dcc))]

        def seq(cmds):
            t0 = time.perf_counter()
            for c in cmds:
                harness.run_cmd(c, ok_codes=(0, 1), timeout=1800)
            return time.perf_counter() - t0

        lruns = 1 if quick else 3
        t_one = harness.summarise([seq(one) for _ in range(lruns)])
        t_many = harness.summarise([seq(many) for _ in range(lruns)])
        per_file = max(0.0, (t_many["median"] - t_one["median"]) / (2 * (per_class - 1)))
        est = t_one["median"] + per_file * (N - 2)
        rows += [
            harness.row("3. linkml-validate, 1 file per class (2 commands)", t_one, "start-up dominated"),
            harness.row(f"3. linkml-validate, {per_class} files per class (2 commands)", t_many,
                        f"marginal {per_file * 1e3:,.0f} ms/file; {N} files extrapolated: ~{est:,.0f} s"),
        ]
        ratios.append({"name": f"CLI, {N} files: linkml-validate (extrapolated) / crm-vocab validate", "value": est / m_cli["median"],
                       "baseline": f"linkml-validate -s model/untp_crm.yaml -C <class>, {2 * per_class} of {N} files measured, linear extrapolation"})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    notes = f"""Inputs: `bench/validation_inputs.py` (seed {SEED}): 1,000 valid UNTP 0.7.0 CRM credentials varied from the four
valid samples (ids, names, numbers within range, list lengths) and 1,000 invalid ones, each broken in one of six ways
(bad date, missing required field of the UNTP or the CRM layer, unknown property, wrong enum, wrong nesting, wrong type),
both credential types; each invalid one gets exactly one finding (JSON Schema, either layer, or JSON-LD for an undefined
term). Their correctness (valid under our validator, python-jsonschema on the published schemas and pyshacl; invalid
with the intended finding) and the equality of every fast path with its reference engine are asserted in
`tests/test_bench_inputs.py`. Every credential is read with the real contexts: W3C VC v2, UNTP 0.7.0's unified
context (hundreds of protected type- and property-scoped contexts), the CRM context.

- **1.** "Ours" is the whole JSON Schema stage as `crm-vocab validate` runs it: the jsonschema-rs verdict, and for a
  rejected credential the findings built from jsonschema-rs errors (python-jsonschema only for error kinds whose wording
  is its own). Formats `date`/`date-time` are decided by python-jsonschema's own checkers (jsonschema-rs accepts year
  0000 and leap seconds); their memo is cleared before every run. One process, one core. "jsonschema-rs alone" is
  the same two layers' verdicts and raw errors with nothing built from them: what is left above it is the wording of
  the findings. The UNTP-layer row is the share of the verdict that UNTP 0.7.0's schema takes.
- **2.** Batch = the 2,000 credentials in one `validate_documents` call (what the CLI does with many files). The default
  uses forked workers, one per usable core ({v2.jobs} here); the 1-process row is the single-core figure. The pyshacl
  baseline gets the same pinned contexts and shapes, per document, through plain pyld ({1 / r_jpp:.2f} s a credential
  with the UNTP 0.7.0 context, JSON-LD alone); it is measured on {len(prepared)} credentials and extrapolated linearly. The JSON-LD stage
  alone: the compiled expander (`generators/jsonld_compiled.py`, every context decision taken from pyld's processed
  contexts) on all {N}, against pyld with the validator's cached context processing (`contexts.expand`, the path of
  documents outside the compiled subset) on every tenth, and plain pyld on {len(plain_docs)}.
- **3.** `linkml-validate` is run as one command per class with several files (its start-up paid once per class),
  measured with 1 and with {per_class} files per class; the marginal time per file is extrapolated to 2,000 files. It
  validates against the LinkML model (its own JSON Schema via python-jsonschema), not the JSON-LD or SHACL stages.
"""
    load_after = os.getloadavg()
    notes += (f"\nMachine load (1-minute load average, {os.cpu_count()} logical CPUs): {load_before[0]:.1f} when the "
              f"benchmark started, {load_after[0]:.1f} when it ended. Wall-clock rates shrink with the load (other "
              "processes share the cores); the CPU-time rows do not, much: credentials per CPU-second is what one "
              "free core would do.\n")
    return {"title": "Validation: 1,000 valid + 1,000 invalid credentials",
            "baseline": "python-jsonschema (linkml-validate's engine); pyld + pyshacl per document; linkml-validate CLI",
            "rows": rows, "ratios": ratios, "targets": targets, "notes": notes + _history()}


def _history() -> str:
    p = Path(__file__).with_name("validation_history.md")
    return "\n" + p.read_text(encoding="utf-8") if p.exists() else ""
