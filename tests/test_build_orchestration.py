"""untp_crm_vocab.build runs steps in order, with work started by ``ctx.beside`` in forked workers:
a split step's ``finish`` sees every worker's files, ``start`` never has to, a worker's error
surfaces as the clear error it raised, and a failed build leaves the previous output alone.
Run both ways: forked workers (two cores) and in order (CRM_VOCAB_JOBS=1)."""
from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from untp_crm_vocab import build as buildmod
from untp_crm_vocab.errors import BuildError

STEPS = {
    # a step that starts slow work beside itself
    "orch_producer": """
        import time

        def _slow(ctx):
            time.sleep(0.3)
            if (ctx.project.root / "FAIL").exists():
                from untp_crm_vocab.errors import BuildError
                raise BuildError("the worker failed on purpose", where="FAIL", hint="delete FAIL")
            ctx.write("late.txt", "late")

        def build(ctx):
            ctx.beside(_slow)
            ctx.write("early.txt", "early")
        """,
    # a start-only step: runs without waiting for the worker (its file is not there yet when
    # the worker sleeps; in order, the worker ran at once)
    "orch_start_only": """
        def start(ctx):
            ctx.write("start-only.txt", "late there" if (ctx.out / "late.txt").exists() else "late not there")
        """,
    # a split step: start reads only early.txt, finish reads the worker's late.txt
    "orch_consumer": """
        def start(ctx):
            ctx.write("seen-at-start.txt", (ctx.out / "early.txt").read_text())

        def finish(ctx):
            ctx.write("seen-at-finish.txt", (ctx.out / "late.txt").read_text())

        def build(ctx):
            start(ctx)
            finish(ctx)
        """,
    # an unsplit step after the producer: must see the worker's file
    "orch_plain": """
        def build(ctx):
            ctx.write("plain.txt", (ctx.out / "late.txt").read_text())
        """,
}


class _Project:
    def __init__(self, root: Path):
        self.root = root
        self.working_version = "working"
        self.base_iri = "https://example.org/"
        self.default_out = root / "out"


@pytest.fixture()
def steps(tmp_path, monkeypatch):
    mods = tmp_path / "mods"
    mods.mkdir()
    for name, src in STEPS.items():
        (mods / f"{name}.py").write_text(textwrap.dedent(src), encoding="utf-8")
    monkeypatch.syspath_prepend(str(mods))
    # inputs_hash and sources_digest read the project's files; these steps read none
    monkeypatch.setattr(buildmod, "sources_digest", lambda project: "s")
    monkeypatch.setattr(buildmod, "inputs_hash", lambda project, steps, sources=None: "x")
    yield tuple(STEPS)
    for name in STEPS:
        sys.modules.pop(name, None)


@pytest.fixture(params=["workers", "in-order"])
def mode(request, monkeypatch):
    if request.param == "in-order":
        monkeypatch.setenv(buildmod.ENV_JOBS, "1")
    else:
        monkeypatch.delenv(buildmod.ENV_JOBS, raising=False)
        if not buildmod.parallel_ok():
            pytest.skip("one usable core: no forked workers here")
    return request.param


def test_finish_and_later_steps_see_the_workers_files(tmp_path, steps, mode):
    out = buildmod.build(_Project(tmp_path), tmp_path / "site", steps=steps, quiet=True, force=True)
    assert (out / "seen-at-start.txt").read_text() == "early"
    assert (out / "seen-at-finish.txt").read_text() == "late"
    assert (out / "plain.txt").read_text() == "late"
    # a start-only step never waits for the worker
    assert (out / "start-only.txt").read_text() == ("late there" if mode == "in-order" else "late not there")


def test_a_workers_error_is_reported_and_the_old_output_kept(tmp_path, steps, mode):
    project = _Project(tmp_path)
    out = buildmod.build(project, tmp_path / "site", steps=steps, quiet=True, force=True)
    before = sorted(p.name for p in out.iterdir())
    (tmp_path / "FAIL").write_text("")
    with pytest.raises(BuildError) as err:
        buildmod.build(project, tmp_path / "site", steps=steps, quiet=True, force=True)
    assert err.value.message == "the worker failed on purpose"
    assert err.value.where == "FAIL" and err.value.hint == "delete FAIL"
    assert sorted(p.name for p in out.iterdir()) == before
    # no staging folder left behind (the worker was waited for before it was removed)
    assert [p.name for p in tmp_path.iterdir() if "staging" in p.name] == []


def test_case_insensitive_file_system_is_detected(tmp_path):
    from untp_crm_vocab.fsutil import case_insensitive

    (tmp_path / "Probe").write_text("")
    assert case_insensitive(tmp_path) == (tmp_path / "PROBE").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["Probe"]  # the probe file is gone


def test_terms_differing_only_in_case_are_refused_on_a_case_insensitive_file_system(tmp_path, monkeypatch):
    """The model has a class Product and a slot product: on macOS/Windows file systems their
    files would be one. The build says so instead of letting one replace the other (simulated:
    this machine's file system is case-sensitive)."""
    from untp_crm_vocab.project import load_project

    monkeypatch.setattr(buildmod, "case_insensitive", lambda folder: True)
    monkeypatch.setenv(buildmod.ENV_JOBS, "1")
    out = tmp_path / "site"
    with pytest.raises(BuildError) as err:
        buildmod.build(load_project(Path(__file__).resolve().parent.parent), out,
                       steps=("untp_crm_vocab.model_artifacts",), quiet=True, force=True)
    msg = err.value.message
    assert "differ only in case" in msg and "case-insensitive" in msg
    a, b = re.match(r"(\S+) and (\S+) differ only in case", msg).groups()
    assert a != b and a.casefold() == b.casefold()
    assert "case-sensitive file system" in err.value.hint
    assert not out.exists()
