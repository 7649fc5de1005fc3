"""Timing helpers shared by the ``bench/bench_*.py`` modules.

Every benchmark module exposes ``run(quick: bool) -> dict`` shaped::

    {"title": str, "baseline": str,
     "rows": [{"name", "median_s", "spread_s", "runs", "note"}],
     "ratios": [{"name", "value", "baseline"}],
     "targets": [{"target", "measured", "met": bool}],
     "notes": "markdown"}

``spread_s`` is always the interquartile range (Q3 - Q1) of the timed runs when there are
four runs or more, and max - min below that (``SPREAD_KIND`` says which, per result).
"""
from __future__ import annotations

import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

PACKAGES = ("linkml", "linkml-runtime", "pyld", "pyshacl", "rdflib", "jsonschema",
            "jsonschema-rs", "pyoxigraph", "mkdocs", "mkdocs-material",
            "networkx", "sssom", "pyyaml")


def spread_of(samples: list[float]) -> tuple[float, str]:
    """(spread, kind): the IQR for >= 4 samples, else max - min."""
    if len(samples) >= 4:
        q = statistics.quantiles(samples, n=4, method="inclusive")
        return q[2] - q[0], "IQR"
    if len(samples) >= 2:
        return max(samples) - min(samples), "max-min"
    return 0.0, "max-min"


def summarise(samples: list[float]) -> dict[str, Any]:
    spread, kind = spread_of(samples)
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "spread": spread, "spread_kind": kind, "runs": len(samples), "samples": samples}


def measure(fn: Callable[[], Any], runs: int = 5, warmup: int = 1) -> dict[str, Any]:
    """Time ``fn()`` ``runs`` times after ``warmup`` untimed calls (wall clock,
    ``time.perf_counter``; the garbage collector runs between calls, not during them).

    Returns {"median", "min", "max", "spread", "spread_kind", "runs", "samples", "result"}
    with seconds; "result" is the last return value of ``fn``.
    """
    result = None
    for _ in range(warmup):
        result = fn()
    samples = []
    for _ in range(runs):
        gc.collect()
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            t0 = time.perf_counter()
            result = fn()
            samples.append(time.perf_counter() - t0)
        finally:
            if was_enabled:
                gc.enable()
    out = summarise(samples)
    out["result"] = result
    return out


def run_cmd(argv: list[str], env: dict[str, str] | None = None,
            cwd: str | Path | None = None, check: bool = True,
            timeout: float | None = None, ok_codes: Iterable[int] = (0,)) -> dict[str, Any]:
    """Run one subprocess (cwd defaults to the repository root, PYTHONHASHSEED=0 unless set).

    Returns {"seconds", "cpu_seconds", "returncode", "peak_rss_bytes", "stdout", "stderr"};
    ``cpu_seconds`` is user + system time of the child and the descendants it waited for. The peak RSS is
    the child's own ``ru_maxrss`` from ``os.wait4`` (Linux: the largest resident set of the
    child or of any descendant it waited for), not the cumulative RUSAGE_CHILDREN maximum.
    Raises RuntimeError when the exit code is not in ``ok_codes`` and ``check`` is true.
    """
    import tempfile
    full_env = dict(os.environ)
    full_env.setdefault("PYTHONHASHSEED", "0")
    if env:
        full_env.update(env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, env=full_env, cwd=cwd or ROOT, stdout=out, stderr=err)
        deadline = None if timeout is None else t0 + timeout
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise subprocess.TimeoutExpired(argv, timeout)
            time.sleep(0.001)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        rss = ru.ru_maxrss if sys.platform == "darwin" else ru.ru_maxrss * 1024
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if check and proc.returncode not in tuple(ok_codes):
        raise RuntimeError(f"{argv[0]} exited {proc.returncode}: "
                           f"{stderr.decode(errors='replace')[-2000:]}")
    return {"seconds": seconds, "cpu_seconds": ru.ru_utime + ru.ru_stime, "returncode": proc.returncode,
            "peak_rss_bytes": rss,
            "stdout": stdout, "stderr": stderr}


def measure_cmd(argv: list[str], runs: int = 3, env: dict[str, str] | None = None,
                warmup: int = 0, cwd: str | Path | None = None, timeout: float | None = None,
                ok_codes: Iterable[int] = (0,)) -> dict[str, Any]:
    """Time a subprocess ``runs`` times (after ``warmup`` untimed runs).

    Returns the ``summarise`` dict plus "peak_rss_bytes" (the largest peak RSS of the child over
    the runs, from ``os.wait4``) and "returncode" / "stdout" / "stderr" of the last run.
    ``ok_codes`` lists exit codes that are not failures (e.g. (0, 1) for findings commands).
    """
    last = None
    for _ in range(warmup):
        last = run_cmd(argv, env=env, cwd=cwd, timeout=timeout, ok_codes=ok_codes)
    samples, peak = [], 0
    for _ in range(runs):
        last = run_cmd(argv, env=env, cwd=cwd, timeout=timeout, ok_codes=ok_codes)
        samples.append(last["seconds"])
        peak = max(peak, last["peak_rss_bytes"])
    out = summarise(samples)
    out.update(peak_rss_bytes=peak, returncode=last["returncode"], stdout=last["stdout"],
               stderr=last["stderr"])
    return out


def peak_rss_self_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def machine() -> dict[str, Any]:
    ram = ram_bytes()
    return {"cpu": cpu_model(), "cores": usable_cores(), "logical_cpus": os.cpu_count(),
            "ram_gib": round(ram / 2**30, 1) if ram else None,
            "os": f"{platform.system()} {platform.release()}",
            "python": f"{platform.python_implementation()} {platform.python_version()}"}


def calibrate() -> dict[str, float]:
    """How fast this machine is right now, on two fixed workloads (median of 3, milliseconds):
    ``python_ms``, pure-Python work (JSON round trips, sorting, dict building) on one core, and
    ``files_ms``, creating, writing and deleting 300 small files. Saved with every result, so runs
    on different days can be compared: the machine is shared and its speed varies."""
    import tempfile

    data = [{"id": f"urn:x:{i}", "n": i * 0.5, "tags": [str(j) for j in range(i % 7)]} for i in range(2000)]

    def python_work():
        for _ in range(5):
            text = json.dumps(data, sort_keys=True)
            back = json.loads(text)
            sorted(back, key=lambda d: (len(d["tags"]), d["id"]))
            {d["id"]: d["n"] for d in back}

    def file_work():
        with tempfile.TemporaryDirectory(prefix="bench-calibrate-") as tmp:
            for i in range(300):
                Path(tmp, f"f{i}.txt").write_text("x" * 512)

    out = {}
    for name, fn in (("python_ms", python_work), ("files_ms", file_work)):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out[name] = round(statistics.median(times) * 1000, 1)
    return out


def row(name: str, m: dict[str, Any], note: str = "") -> dict[str, Any]:
    """A result row from a ``measure``/``measure_cmd`` dict."""
    return {"name": name, "median_s": m["median"], "spread_s": m["spread"], "runs": m["runs"],
            "note": (note + " " if note else "") + f"(spread = {m['spread_kind']})"}


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "–"
    if s >= 100:
        return f"{s:.0f} s"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"
