"""``python -m bench [--only NAME ...] [--quick] [--list]``

Discovers ``bench/bench_<name>.py``, runs each module's ``run(quick)``, saves the result to
``bench/results/<name>.json`` and rewrites ``bench/RESULTS.md`` from every saved result
(benchmarks not run this time keep their saved section, marked with their run date).
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
import time
import traceback
from pathlib import Path

from . import harness

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
RESULTS_MD = HERE / "RESULTS.md"


def discover() -> list[str]:
    return sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))


def _cell(v) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def _num(v) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.3g}"
    return str(v)


def render_section(name: str, res: dict, current: bool) -> str:
    out = [f"## {res.get('title', name)}", ""]
    when = res.get("date", "?")
    flag = "" if current else " — **not re-run this time; kept from its saved result**"
    quick = " (**--quick run**: fewer runs/inputs, not for comparison)" if res.get("quick") else ""
    out.append(f"`{name}` · run {when}{quick}{flag}")
    m = res.get("machine") or {}
    if m and not current:
        out.append(f"(machine then: {m.get('cpu')}, {m.get('cores')} cores, {m.get('ram_gib')} GiB)")
    cal = m.get("calibration")
    out.append("" if not m else
               f"Machine speed when it started: {cal['python_ms']:.0f} ms of fixed Python work, {cal['files_ms']:.0f} ms "
               "for 300 small files (`harness.calibrate`; lower is faster: the machine is shared, compare runs by these)"
               if cal else "Machine speed when it started: not recorded (a run before `harness.calibrate` existed)")
    out.append("")
    if res.get("error"):
        out += ["**Failed:**", "", "```", res["error"].rstrip(), "```", ""]
        return "\n".join(out)
    if res.get("baseline"):
        out += [f"Baseline: {res['baseline']}", ""]
    rows = res.get("rows") or []
    if rows:
        out += ["| measurement | median | spread | runs | note |", "|---|---:|---:|---:|---|"]
        for r in rows:
            out.append(f"| {_cell(r.get('name'))} | {harness.fmt_seconds(r.get('median_s'))} | "
                       f"{harness.fmt_seconds(r.get('spread_s') if (r.get('runs') or 0) > 1 else None)} | {r.get('runs', '')} | "
                       f"{_cell(r.get('note', ''))} |")
        out.append("")
    ratios = res.get("ratios") or []
    if ratios:
        out += ["| ratio | value | baseline |", "|---|---:|---|"]
        for r in ratios:
            out.append(f"| {_cell(r.get('name'))} | {_num(r.get('value'))} | "
                       f"{_cell(r.get('baseline', ''))} |")
        out.append("")
    targets = res.get("targets") or []
    if targets:
        out += ["| target | measured | met |", "|---|---|:---:|"]
        for t in targets:
            met = "yes" if t.get("met") else "**no**"
            out.append(f"| {_cell(t.get('target'))} | {_cell(t.get('measured'))} | {met} |")
        out.append("")
    if res.get("notes"):
        out += [res["notes"].rstrip(), ""]
    return "\n".join(out)


def render(results: dict[str, dict], ran: set[str]) -> str:
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    m = harness.machine()
    v = harness.versions()
    lines = ["# Benchmark results", "",
             "Written by `python -m bench` (`make bench`); do not edit by hand. "
             "How to run and what each benchmark measures: [README.md](README.md).", "",
             f"Last written: {now}", "",
             f"Machine: {m['cpu']}, {m['cores']} usable cores ({m['logical_cpus']} logical), "
             f"{m['ram_gib']} GiB RAM, {m['os']}, {m['python']}", "",
             "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()), "",
             "Times are wall-clock medians; spread is the interquartile range (Q3 - Q1) for four "
             "runs or more, max - min below that (each row says which).", ""]
    for name in sorted(results):
        lines.append(render_section(name, results[name], name in ran))
    return "\n".join(lines).rstrip() + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", action="extend", metavar="NAME", help="run only these benchmarks (repeatable)")
    ap.add_argument("--quick", action="store_true",
                    help="fewer runs and inputs (for development; results are marked quick)")
    ap.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = ap.parse_args(argv)
    names = discover()
    if args.list:
        print("\n".join(names))
        return 0
    if args.only:
        unknown = [n for n in args.only if n not in names]
        if unknown:
            print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(names)}",
                  file=sys.stderr)
            return 2
        names = [n for n in names if n in args.only]
    RESULTS_DIR.mkdir(exist_ok=True)
    failed = False
    for name in names:
        print(f"== bench {name}{' (quick)' if args.quick else ''}", flush=True)
        calibration = harness.calibrate()  # the machine's speed when this benchmark started
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(f"bench.bench_{name}")
            res = mod.run(args.quick)
        except Exception:
            failed = True
            res = {"title": name, "error": traceback.format_exc()}
            print(res["error"], file=sys.stderr)
        res["date"] = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        res["quick"] = bool(args.quick)
        res["machine"] = {**harness.machine(), "calibration": calibration}
        res["versions"] = harness.versions()
        res["wall_s"] = time.perf_counter() - t0
        (RESULTS_DIR / f"{name}.json").write_text(
            json.dumps(res, indent=2, sort_keys=True, default=str) + "\n")
        for t in res.get("targets") or []:
            print(f"   {'met ' if t.get('met') else 'MISS'} {t['target']}: {t['measured']}")
        print(f"   ({res['wall_s']:.1f} s)", flush=True)
    results = {}
    for p in sorted(RESULTS_DIR.glob("*.json")):
        try:
            results[p.stem] = json.loads(p.read_text())
        except ValueError:
            continue
    RESULTS_MD.write_text(render(results, set(names)))
    print(f"wrote {RESULTS_MD.relative_to(HERE.parent)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
