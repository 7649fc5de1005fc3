"""A 330-byte YAML alias bomb (nine anchors, each nine aliases of the one before: 9^9 values) made
``check`` and ``build`` run for 38-115 s. Mapping files may not use aliases at all (a finding
naming file:line); every other YAML the toolkit reads (the model, the release index, mkdocs.yml)
is refused beyond MAX_YAML_EXPANDED values with its aliases expanded. Benign aliases there still
load."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from untp_crm_vocab import limits
from untp_crm_vocab.errors import BuildError
from untp_crm_vocab.mappingdata import load_mapping_data

FIX = Path(__file__).resolve().parent / "fixtures" / "mappings"


def bomb(indent: str = "", key: str = "k") -> str:
    lines = [f"{indent}{key}a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{indent}{key}{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_the_bomb_is_small_and_huge():
    text = bomb()
    assert len(text) < 400
    import yaml

    node = yaml.compose(text, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
    assert limits.expanded_size(node) > limits.MAX_YAML_EXPANDED


@pytest.fixture()
def tree(tmp_path):
    dst = tmp_path / "m"
    shutil.copytree(FIX / "valid", dst)
    return dst


def test_alias_bomb_in_a_catalogue_is_a_finding(tree, project, capsys):
    cat = tree / "standards" / "x.yaml"
    text = cat.read_text(encoding="utf-8")
    cat.write_text(text.replace("requirements:\n", bomb() + "requirements:\n", 1), encoding="utf-8")
    line = text[: text.index("requirements:")].count("\n") + 2  # the first alias: line of kb
    rc, out, err = run_cli(capsys, "check", str(tree))
    assert rc == 1
    hits = [ln for ln in out.splitlines() if "yaml-alias" in ln]
    assert hits and hits[0].split(": yaml-alias")[0].endswith(f"x.yaml:{line}"), out
    with pytest.raises(BuildError) as err:
        load_mapping_data(project, tree)
    assert "yaml-alias" in err.value.message and err.value.where.endswith(f"x.yaml:{line}")


def test_alias_bomb_in_a_crosswalk_metadata_block_is_a_finding(tree, project, capsys):
    xw = tree / "crosswalks" / "x.sssom.tsv"
    lines = xw.read_text(encoding="utf-8").split("\n")
    block = ["#" + ln for ln in bomb("", "comment_").rstrip("\n").split("\n")]
    xw.write_text("\n".join(lines[:5] + block + lines[5:]), encoding="utf-8")
    rc, out, err = run_cli(capsys, "check", str(tree))
    assert rc == 1
    assert "x.sssom.tsv:7: yaml-alias" in out, out


def test_one_benign_alias_is_refused_in_mapping_files_too(tree, project, capsys):
    crit = tree / "criteria.yaml"
    text = crit.read_text(encoding="utf-8")
    crit.write_text(text.replace("scheme:\n", "scheme: &s\n", 1) + "other: *s\n", encoding="utf-8")
    rc, out, err = run_cli(capsys, "check", str(tree))
    assert rc == 1 and "yaml-alias" in out and "*s" in out


def test_other_yaml_is_bounded_not_banned(tmp_path):
    assert limits.yaml_load("a: &a [1, 2]\nb: *a\n") == {"a": [1, 2], "b": [1, 2]}
    with pytest.raises(limits.YamlTooLarge) as err:
        limits.yaml_load("x: 1\n" + bomb())
    assert err.value.problem_mark.line + 1 == 1


def test_release_index_bomb_is_a_build_error(tmp_path, project):
    from untp_crm_vocab.project import Project
    from untp_crm_vocab.versions import read_release_index

    p = Project(root=tmp_path, base_iri=project.base_iri)
    p.releases_dir.mkdir(parents=True)
    (p.releases_dir / "index.yaml").write_text("latest: 0.1.0\n" + bomb(), encoding="utf-8")
    with pytest.raises(BuildError) as err:
        read_release_index(p)
    assert "aliases expanded" in err.value.message


def test_model_bomb_is_a_build_error(tmp_path, project):
    from conftest import _copy_project
    from untp_crm_vocab.model_artifacts import load_model
    from untp_crm_vocab.project import load_project

    root = _copy_project(tmp_path / "p")
    model = root / "model" / "untp_crm.yaml"
    model.write_text(model.read_text(encoding="utf-8") + bomb(), encoding="utf-8")
    with pytest.raises(BuildError) as err:
        load_model(load_project(root))
    assert "aliases expanded" in err.value.message and err.value.where.startswith(str(model))


def test_a_mapping_file_over_the_size_limit_is_a_finding_unread(tmp_path, project, capsys, monkeypatch):
    """A mapping file is read up to limits.MAX_MAPPING_BYTES (a real catalogue is ~100 KB);
    beyond that it is one finding, not a read of the whole file."""
    tree = tmp_path / "m"
    shutil.copytree(FIX / "valid", tree)
    monkeypatch.setattr(limits, "MAX_MAPPING_BYTES", 2000)
    cat = tree / "standards" / "x.yaml"
    cat.write_text(cat.read_text(encoding="utf-8") + "#" + "x" * 3000 + "\n", encoding="utf-8")
    rc, out, err = run_cli(capsys, "check", str(tree))
    assert rc == 1 and "x.yaml: file-too-large" in out.replace("\\", "/"), out
