"""The output folder is the build's own and nothing else: ``build --out DIR`` refuses a non-empty
folder it did not make (``fsutil.OUTPUT_MARKER`` marks the ones it did), a killed build's staging
folder is removed by the next build (never a running build's), and the output gets a web
server's normal permissions (folders 0755, files 0644 under umask 022; mkdtemp gave 0700)."""
from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from untp_crm_vocab import build as buildmod
from untp_crm_vocab.cli import main as cli_main
from untp_crm_vocab.errors import UsageError
from untp_crm_vocab.fsutil import OUTPUT_MARKER

REPO = Path(__file__).resolve().parent.parent

STEP = """
    import os, time
    from pathlib import Path

    def build(ctx):
        ctx.write("a/b/page.html", "<p>hi</p>")
        ctx.write("top.txt", "top")
        hold = os.environ.get("HOLD_BUILD")
        if hold:  # a slow build: say where it stages, then wait to be killed
            Path(hold).write_text(str(ctx.out))
            time.sleep(120)
    """


class _Project:
    def __init__(self, root: Path):
        self.root = root
        self.working_version = "working"
        self.base_iri = "https://example.org/"
        self.default_out = root / "out"


@pytest.fixture()
def step(tmp_path, monkeypatch):
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "out_step.py").write_text(textwrap.dedent(STEP), encoding="utf-8")
    monkeypatch.syspath_prepend(str(mods))
    # sources_digest and inputs_hash read the project's files; this step reads none
    monkeypatch.setattr(buildmod, "sources_digest", lambda project: "s")
    monkeypatch.setattr(buildmod, "inputs_hash", lambda project, steps, sources=None: "x")
    monkeypatch.setenv(buildmod.ENV_JOBS, "1")
    yield ("out_step",), mods
    sys.modules.pop("out_step", None)


def _build(tmp_path, out, steps):
    return buildmod.build(_Project(tmp_path), out, steps=steps, quiet=True, force=True)


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def test_a_folder_it_did_not_make_is_refused_and_kept(tmp_path, step):
    out = tmp_path / "mine"
    (out / "model").mkdir(parents=True)
    (out / "notes.txt").write_text("uncommitted notes")
    (out / "model" / "m.yaml").write_text("id: x")
    before = _snapshot(out)
    with pytest.raises(UsageError) as err:
        _build(tmp_path, out, step[0])
    assert "not empty" in err.value.message and "crm-vocab build" in err.value.message
    assert err.value.where == str(out.resolve()) and "--out" in err.value.hint
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".mine")] == []  # no staging left


def test_a_file_as_output_is_refused(tmp_path, step):
    out = tmp_path / "file.txt"
    out.write_text("keep")
    with pytest.raises(UsageError):
        _build(tmp_path, out, step[0])
    assert out.read_text() == "keep"


def test_empty_and_own_folders_are_rebuilt(tmp_path, step):
    out = tmp_path / "site"
    out.mkdir()
    _build(tmp_path, out, step[0])  # an empty folder is fine
    assert (out / OUTPUT_MARKER).is_file() and (out / "top.txt").read_text() == "top"
    (out / "stale.txt").write_text("from an earlier build")
    _build(tmp_path, out, step[0])  # its own output: replaced whole
    assert not (out / "stale.txt").exists() and (out / "top.txt").is_file()


def test_legacy_output_with_a_build_stamp_is_still_its_own(tmp_path, step):
    """Output of a build before the marker existed carries the build stamp (.buildinfo)."""
    out = tmp_path / "site"
    out.mkdir()
    (out / buildmod.STAMP).write_text('{"inputs": "old", "tree": "old"}\n')
    (out / "index.html").write_text("old")
    _build(tmp_path, out, step[0])
    assert not (out / "index.html").exists() and (out / "top.txt").is_file()


def test_cli_out_dot_refuses_the_checkout(tmp_path, capsys, monkeypatch):
    """The probe's case: `build --out .` from the checkout erased it and exited 0."""
    from conftest import _copy_project

    root = _copy_project(tmp_path / "checkout")
    (root / "notes.txt").write_text("uncommitted")
    before = _snapshot(root)
    monkeypatch.chdir(root)
    rc = cli_main(["--project", str(root), "build", "--out", ".", "--only", "coverage", "-q"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "not empty" in err and "Traceback" not in err
    assert _snapshot(root) == before


def test_output_permissions_are_a_web_servers(tmp_path, step):
    old = os.umask(0o022)
    try:
        out = _build(tmp_path, tmp_path / "site", step[0])
    finally:
        os.umask(old)
    modes = {p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in [out, *out.rglob("*")]}
    assert modes["."] == 0o755, oct(modes["."])
    assert all(m == 0o755 for p, m in modes.items() if (out / p).is_dir()), modes
    assert all(m == 0o644 for p, m in modes.items() if (out / p).is_file()), modes


def _start_held_build(tmp_path, mods, out, name):
    hold = tmp_path / f"{name}.staging-path"
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(mods)!r})
        from pathlib import Path
        from untp_crm_vocab import build as b
        b.sources_digest = lambda project: "s"
        b.inputs_hash = lambda project, steps, sources=None: "x"
        class P:
            root = Path({str(tmp_path)!r}); working_version = "working"; base_iri = "https://example.org/"
            default_out = root / "out"
        b.build(P(), Path({str(out)!r}), steps=("out_step",), quiet=True, force=True)
        """)
    env = dict(os.environ, HOLD_BUILD=str(hold), CRM_VOCAB_JOBS="1")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=REPO)
    for _ in range(600):
        if hold.is_file() and hold.read_text():
            return proc, Path(hold.read_text())
        if proc.poll() is not None:
            raise AssertionError(f"the held build exited early ({proc.returncode})")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the held build never started its step")


def test_a_killed_builds_staging_folder_is_removed_by_the_next_build(tmp_path, step):
    out = tmp_path / "site"
    _build(tmp_path, out, step[0])
    proc, stage = _start_held_build(tmp_path, step[1], out, "a")
    try:
        assert stage.is_dir() and stage.parent == out.parent
        # a build while the other still runs leaves that one's staging folder alone
        _build(tmp_path, out, step[0])
        assert stage.is_dir()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert stage.is_dir()  # killed: nothing removed it
    _build(tmp_path, out, step[0])
    assert not stage.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []


def test_the_sweep_never_touches_folders_without_the_marker(tmp_path, step):
    """A folder that merely looks like a staging folder (no marker) is not the build's to remove."""
    out = tmp_path / "site"
    lookalike = tmp_path / ".site.staging-keepme"
    lookalike.mkdir()
    (lookalike / "data.txt").write_text("not ours")
    _build(tmp_path, out, step[0])
    assert (lookalike / "data.txt").read_text() == "not ours"
    shutil.rmtree(lookalike)
