"""Python's ``$`` also matches before a final newline, so ``^x$`` accepted ``"x\\n"``: ``release
$'0.2.0\\n'`` was accepted and the next build wrote server rules on which Apache answered 500
everywhere; a requirement id or ``version_slug`` with a newline or quotes passed ``check`` and
crashed the build. Every id, version and slug is now matched whole (``\\Z`` / fullmatch, ASCII
digits), ``check`` refuses such values (so the build stops with a clear error instead), and the
server rules refuse to write any version name that is not plain."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from untp_crm_vocab.errors import BuildError, UsageError
from untp_crm_vocab.mappingdata import load_mapping_data

FIX = Path(__file__).resolve().parent / "fixtures" / "mappings"


@pytest.mark.parametrize("version", ["0.2.0\n", "0.2.0\r", "0.2.0 ", "0.2.0\nRewriteRule ^ - [F]", "0.2.0-rc.1\n", "٠.2.0"])
def test_release_refuses_a_version_with_a_trailing_newline(version, capsys):
    from untp_crm_vocab.release import parse_version

    with pytest.raises(UsageError):
        parse_version(version)
    rc, out, err = run_cli(capsys, "release", version, "--dry-run")
    assert rc == 2 and "not a semantic version" in err


def test_release_still_takes_plain_versions():
    from untp_crm_vocab.release import parse_version

    assert parse_version("0.2.0") == (0, 2, 0, "")
    assert parse_version("1.0.0-rc.1") == (1, 0, 0, "rc.1")


@pytest.fixture()
def tree(tmp_path):
    dst = tmp_path / "m"
    shutil.copytree(FIX / "valid", dst)
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CASES = [  # (file, old text, new text, rule)
    ("standards/x.yaml", 'id: "R1"', 'id: "R1\\n"', "invalid-id"),
    ("standards/x.yaml", 'id: "R1"', "id: 'R1\"'", "invalid-id"),
    ("standards/x.yaml", 'version_slug: "1"', 'version_slug: "1\\n"', "invalid-slug"),
    ("standards/x.yaml", 'version_slug: "1"', "version_slug: '1\"'", "invalid-slug"),
    ("standards/x.yaml", 'version_slug: "1"', 'version_slug: "../1"', "invalid-slug"),
    ("standards/x.yaml", 'version_slug: "1"', 'version_slug: "1 2"', "invalid-slug"),
    ("standards/x.yaml", "prefix: XS", 'prefix: "XS\\n"', "invalid-prefix"),
    ("standards/x.yaml", 'owner_team: "@crm-vocab/x"', 'owner_team: "@crm-vocab/x\\n"', "invalid-owner"),
    ("criteria.yaml", "id: ENV-01", 'id: "ENV-01\\n"', "invalid-id"),
    ("criteria.yaml", "id: ENV-01", 'id: "ENV-٠١"', "invalid-id"),
]


@pytest.mark.parametrize("file, old, new, rule", CASES)
def test_check_refuses_ids_and_slugs_with_newlines_or_quotes(tree, project, file, old, new, rule, capsys):
    _edit(tree / file, old, new)
    rc, out, err = run_cli(capsys, "check", str(tree))
    assert rc == 1
    assert f": {rule}: " in out, out
    with pytest.raises(BuildError):  # the build stops with the error instead of crashing on it
        load_mapping_data(project, tree)


def test_mapping_date_is_matched_whole(tree, capsys):
    _edit(tree / "crosswalks" / "x.sssom.tsv", "#mapping_date: 2026-01-15", '#mapping_date: "2026-01-15\\n"')
    rc, out, err = run_cli(capsys, "check", str(tree))
    assert rc == 1 and "invalid-metadata" in out


@pytest.mark.parametrize("latest", ["0.2.0\n", "0.2.0\nRewriteRule ^ - [F]", '0.2.0"', "0.2.0 x", "../0.2.0", "0.2.0;"])
def test_server_rules_never_receive_an_unsafe_version(latest):
    from untp_crm_vocab.site.server_rules import htaccess, nginx_conf

    for rules in (htaccess, nginx_conf):
        with pytest.raises(BuildError) as err:
            rules(latest)
        assert "latest" in err.value.message


def test_server_rules_take_plain_versions():
    from untp_crm_vocab.site.server_rules import htaccess, nginx_conf

    assert "%20.2.0$1" in htaccess("0.2.0") and "/1.0.0-rc.1$1" in nginx_conf("1.0.0-rc.1")


def test_level_id_is_matched_whole(tmp_path, capsys):
    tree = tmp_path / "m"
    shutil.copytree(FIX / "unknown-level", tree)
    _edit(tree / "standards" / "x.yaml", "  - id: B\n", '  - id: "B\\n"\n')
    rc, out, err = run_cli(capsys, "check", str(tree))
    assert rc == 1 and ": invalid-level: level id 'B\\n'" in out, out


def test_no_pattern_in_the_package_is_anchored_with_dollar():
    """``$`` matches before a final newline; every pattern literal passed to ``re`` in the package
    ends in ``\\Z`` (or is used with fullmatch) instead. Found by reading the source, so a new
    ``^...$`` fails here with its file and line."""
    import ast

    pkg = Path(__file__).resolve().parent.parent / "generators"
    found = []
    for p in sorted(pkg.rglob("*.py")):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("compile", "match", "search", "sub", "subn", "findall", "finditer", "split")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                pat = node.args[0].value
                if pat.endswith("$") and not pat.endswith("\\$"):
                    found.append(f"{p.relative_to(pkg.parent)}:{node.lineno}: {pat!r}")
    assert not found, "end these patterns with \\Z, not $:\n" + "\n".join(found)
