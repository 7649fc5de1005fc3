"""``check`` (and the build's loader) never follows a mapping file's symlink out of the mappings
folder: such a file is a finding (rule symlink-outside) and is not read, so nothing of the target
is ever printed. Symlinks that stay inside the folder are read as before."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from untp_crm_vocab.errors import BuildError
from untp_crm_vocab.mappingdata import load_mapping_data

FIX = Path(__file__).resolve().parent / "fixtures" / "mappings"
SECRET = "SECRET-FIRST-LINE: do not print me"


@pytest.fixture()
def tree(tmp_path):
    dst = tmp_path / "m"
    shutil.copytree(FIX / "valid", dst)
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\nsecond line\n", encoding="utf-8")
    return dst, secret


@pytest.mark.parametrize("rel", ["crosswalks/x.sssom.tsv", "standards/x.yaml", "criteria.yaml", "curators.tsv"])
def test_a_symlink_out_of_the_tree_is_refused_unread(tree, rel, project, capsys):
    root, secret = tree
    target = root / rel
    target.unlink()
    os.symlink(secret, target)
    for fmt in ("text", "json"):
        rc, out, err = run_cli(capsys, "check", str(root), "--format", fmt)
        assert rc == 1
        assert "SECRET" not in out + err and "second line" not in out + err
        assert "symlink-outside" in out and rel.split("/")[-1] in out
    with pytest.raises(BuildError) as err:
        load_mapping_data(project, root)
    assert "symlink-outside" in err.value.message and "SECRET" not in err.value.render()


def test_a_symlinked_folder_out_of_the_tree_is_refused(tree, capsys):
    root, secret = tree
    outside = secret.parent / "crosswalks"
    shutil.move(str(root / "crosswalks"), outside)
    (outside / "x.sssom.tsv").write_text(SECRET + "\n", encoding="utf-8")
    os.symlink(outside, root / "crosswalks")
    rc, out, err = run_cli(capsys, "check", str(root))
    assert rc == 1 and "symlink-outside" in out and "SECRET" not in out + err


def test_a_symlink_inside_the_tree_is_read(tree, capsys):
    root, _ = tree
    real = root / "standards" / "x.yaml"
    moved = root / "x-real.yaml"
    shutil.move(str(real), moved)
    os.symlink(os.path.relpath(moved, real.parent), real)
    rc, out, err = run_cli(capsys, "check", str(root))
    assert rc == 0, out + err
