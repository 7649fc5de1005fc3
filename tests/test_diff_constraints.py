"""``diff`` and ``release`` see every change that can make a valid credential invalid: a pattern,
a bound (minimum/maximum, minLength/maxLength, minItems/maxItems), a format, ``contains``, an
enumeration or closedness (``additionalProperties`` / ``sh:closed``) in the JSON Schemas or the
SHACL shapes, each classified (tightening = breaking); ``release`` re-validates the previous
release's valid samples against the new artifacts and counts any that now fail as breaking;
``diff --fail-on-breaking`` exits 1 on a breaking change. The probe's case: CountryCode from two
letters to three made valid passports invalid, yet ``diff`` saw 0 changes and a patch release
was accepted. Run on the project's real generated artifacts (model_artifacts step)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import _copy_project, run_cli
from untp_crm_vocab import build as buildmod
from untp_crm_vocab.diff import compare
from untp_crm_vocab.errors import UsageError
from untp_crm_vocab.project import load_project
from untp_crm_vocab.release import release, sample_regressions

TWO = "^[A-Z]{2}$"
THREE = "^[A-Z]{3}$"


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory, project):
    out = tmp_path_factory.mktemp("diff-artifacts") / "out"
    buildmod.build(project, out, steps=("untp_crm_vocab.model_artifacts",), quiet=True, force=True)
    return out / project.working_version


@pytest.fixture()
def pair(artifacts, tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(artifacts, old)
    shutil.copytree(artifacts, new)
    return old, new


def edit_schemas(folder: Path, fn) -> None:
    for f in sorted((folder / "schemas").glob("*.json")):
        data = json.loads(f.read_text(encoding="utf-8"))
        fn(data)
        f.write_text(json.dumps(data, indent=2), encoding="utf-8")


def edit_shapes(folder: Path, old: str, new: str, count: int = -1) -> None:
    p = folder / "shapes.ttl"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, count), encoding="utf-8")


def prop(data: dict, cls: str, name: str) -> dict:
    return data["$defs"][cls]["properties"][name]


def changed(changes, kind=None):
    return {(c["kind"], c["subject"], c["breaking"]) for c in changes if kind is None or c["kind"] == kind}


def with_pattern(folder: Path, pattern: str) -> None:
    """Give CommodityContent.measuredAs a pattern, in the JSON Schemas and in the shapes."""
    edit_schemas(folder, lambda d: prop(d, "CommodityContent", "measuredAs").__setitem__("pattern", pattern)
                 if "CommodityContent" in d.get("$defs", {}) else None)
    edit_shapes(folder, "sh:path untpcrm:measuredAs ]", f'sh:path untpcrm:measuredAs ;\n            sh:pattern "{pattern}" ]')


def test_two_letters_to_three_is_breaking(pair, project):
    """The probe's case (CountryCode from two letters to three), on a CRM property: a pattern
    changed in the schemas and the shapes is one breaking change, reported once."""
    old, new = pair
    with_pattern(old, TWO)
    with_pattern(new, THREE)
    changes = compare(old, new, project)
    assert changed(changes) == {("constraint-changed", "CommodityContent.measuredAs", True)}, changes
    (c,) = changes
    assert c["detail"] == f'pattern "{TWO}" -> "{THREE}"' and c["source"] == "schemas"


@pytest.mark.parametrize("mutate, kind, subject, breaking", [
    (lambda d: prop(d, "CommodityContent", "grade").__setitem__("minimum", 0.1), "constraint-narrowed", "CommodityContent.grade", True),
    (lambda d: prop(d, "CommodityContent", "grade").__setitem__("minimum", -1), "constraint-widened", "CommodityContent.grade", False),
    (lambda d: prop(d, "CommodityContent", "grade").__setitem__("maximum", 0.5), "constraint-narrowed", "CommodityContent.grade", True),
    (lambda d: prop(d, "CommodityContent", "grade").pop("maximum"), "constraint-widened", "CommodityContent.grade", False),
    (lambda d: prop(d, "CommodityContent", "measuredAs").__setitem__("maxLength", 2), "constraint-narrowed", "CommodityContent.measuredAs", True),
    (lambda d: prop(d, "CommodityContent", "measuredAs").__setitem__("minLength", 0), None, None, None),
    (lambda d: prop(d, "CommodityContent", "measuredAs").__setitem__("pattern", "^[A-Z]"), "constraint-changed", "CommodityContent.measuredAs", True),
    (lambda d: prop(d, "CommodityContent", "measuredAs").__setitem__("format", "uri"), "constraint-changed", "CommodityContent.measuredAs", True),
    (lambda d: prop(d, "Material", "sourceFacility").__setitem__("format", "date-time"), "constraint-changed", "Material.sourceFacility", True),
    (lambda d: prop(d, "Material", "sourceFacility").pop("format"), "constraint-widened", "Material.sourceFacility", False),
    (lambda d: d["$defs"]["CommodityContent"].__setitem__("additionalProperties", True), "constraint-widened", "CommodityContent", False),
    (lambda d: d["$defs"]["Facility"].__setitem__("additionalProperties", False), "constraint-narrowed", "Facility", True),
    (lambda d: d["$defs"]["Facility"]["properties"]["type"]["allOf"][0]["contains"].__setitem__("const", "Site"),
     "constraint-changed", "Facility.type", True),
    (lambda d: prop(d, "Facility", "type").__setitem__("maxItems", 1), "constraint-narrowed", "Facility.type", True),
    (lambda d: prop(d, "Facility", "type").__setitem__("minItems", 3), "constraint-narrowed", "Facility.type", True),
])
def test_schema_constraints_are_seen_and_classified(pair, project, mutate, kind, subject, breaking):
    old, new = pair
    edit_schemas(new, lambda d: mutate(d) if "CommodityContent" in d.get("$defs", {}) else None)
    changes = compare(old, new, project)
    if kind is None:  # minLength 0 restricts nothing
        assert changes == []
        return
    assert (kind, subject, breaking) in changed(changes), changes


@pytest.mark.parametrize("old_text, new_text, kind, subject, breaking", [
    ("sh:path untpcrm:measuredAs ]", 'sh:path untpcrm:measuredAs ;\n            sh:pattern "^[A-Z]" ]', "constraint-changed",
     "CommodityContent.measuredAs", True),
    ("sh:minInclusive 0 ;", "sh:minInclusive 0.5 ;", "constraint-narrowed", "CommodityContent.grade", True),
    ("sh:minInclusive 0 ;", "sh:minInclusive -1 ;", "constraint-widened", "CommodityContent.grade", False),
    ("sh:path untpcrm:measuredAs ]", "sh:path untpcrm:measuredAs ;\n            sh:maxLength 3 ]", "constraint-narrowed",
     "CommodityContent.measuredAs", True),
    ("sh:closed false ;", "sh:closed true ;", "constraint-narrowed", None, True),
])
def test_shacl_constraints_are_seen_and_classified(pair, project, old_text, new_text, kind, subject, breaking):
    old, new = pair
    edit_shapes(new, old_text, new_text, 1)
    changes = compare(old, new, project)
    hits = [c for c in changes if c["kind"] == kind and c["breaking"] == breaking and c["source"] == "shapes.ttl"]
    assert hits, changes
    if subject:
        assert subject in {c["subject"] for c in hits}


def test_diff_fail_on_breaking(pair, capsys):
    old, new = pair
    rc, out, err = run_cli(capsys, "diff", str(old), str(new), "--fail-on-breaking")
    assert rc == 0 and "0 change(s)" in out
    edit_shapes(new, "sh:minInclusive 0 ;", "sh:minInclusive 0.5 ;")
    rc, out, err = run_cli(capsys, "diff", str(old), str(new))
    assert rc == 0 and "BREAKING" in out  # without the flag: a report, exit 0
    rc, out, err = run_cli(capsys, "diff", str(old), str(new), "--fail-on-breaking")
    assert rc == 1 and "BREAKING" in out and "breaking" in err
    rc, out, err = run_cli(capsys, "diff", str(old), str(new), "--fail-on-breaking", "--format", "json")
    assert rc == 1 and json.loads(out)["summary"]["breaking"] > 0


# ---- release: the previous release's valid samples, re-validated --------------------------------
@pytest.fixture()
def rproject(tmp_path):
    root = _copy_project(tmp_path / "proj")
    return load_project(root)


def _artifacts_as(project, version: str, dest: Path) -> Path:
    from untp_crm_vocab.release import build_artifacts

    return build_artifacts(project, version, dest)


def test_release_freezes_its_valid_samples(rproject, tmp_path):
    info = release(rproject, "0.1.0")
    frozen = sorted(p.name for p in (info["folder"] / "samples").glob("*.json"))
    assert frozen == sorted(p.name for p in (rproject.samples_dir / "valid").glob("*.json"))
    text = (info["folder"] / "samples" / frozen[0]).read_text(encoding="utf-8")
    assert rproject.context_url("0.1.0") in text and rproject.context_url() not in text
    # every versioned artifact of a build is frozen, the ConformityScheme documents among them
    import yaml

    schemes = yaml.safe_load((rproject.mappings_dir / "schemes.yaml").read_text(encoding="utf-8"))["schemes"]
    assert sorted(p.stem for p in (info["folder"] / "schemes").glob("*.json")) == sorted(schemes)


def test_release_dry_run_writes_nothing(rproject):
    before = sorted(p.relative_to(rproject.root) for p in rproject.root.rglob("*"))
    info = release(rproject, "0.1.0", dry_run=True)
    assert info["previous"] is None
    assert sorted(p.relative_to(rproject.root) for p in rproject.root.rglob("*")) == before


def test_a_change_the_artifact_diff_cannot_see_still_breaks_the_release(rproject, tmp_path):
    """Every sample has validFrom; a root schema that now forbids it (``not``, which the artifact
    diff does not compare) leaves the diff silent, but the previous release's samples fail."""
    release(rproject, "0.1.0")
    new = _artifacts_as(rproject, "0.1.1", tmp_path / "work")
    edit_schemas(new, lambda d: d.__setitem__("not", {"required": ["validFrom"]}))
    prev = rproject.releases_dir / "0.1.0"
    assert compare(prev, new, rproject) == []
    regressions = sample_regressions(rproject, prev, new, "0.1.1")
    assert {c["subject"] for c in regressions} == {p.name for p in (prev / "samples").glob("*.json")}
    assert all(c["kind"] == "sample-invalidated" and c["breaking"] for c in regressions)
    with pytest.raises(UsageError) as err:
        release(rproject, "0.1.1", source=new)
    assert "need a minor bump" in err.value.message and "sample-invalidated" in err.value.message
    assert not (rproject.releases_dir / "0.1.1").exists()


def test_a_tightened_bound_in_a_patch_release_is_refused(rproject, tmp_path):
    """CommodityContent.grade from >= 0 to >= 0.1 (schemas and shapes): the diff says breaking, and
    the lithium concentrate sample (grade 0.06) of the previous release now fails."""
    release(rproject, "0.1.0")
    new = _artifacts_as(rproject, "0.1.1", tmp_path / "work")
    edit_schemas(new, lambda d: prop(d, "CommodityContent", "grade").__setitem__("minimum", 0.1)
                 if "CommodityContent" in d.get("$defs", {}) else None)
    edit_shapes(new, "sh:minInclusive 0 ;", "sh:minInclusive 0.1 ;")
    with pytest.raises(UsageError) as err:
        release(rproject, "0.1.1", source=new)
    msg = err.value.message
    assert "need a minor bump" in msg and "constraint-narrowed CommodityContent.grade" in msg
    assert re.search(r"sample-invalidated dpp-lithium-concentrate\.json", msg)
    info = release(rproject, "0.2.0", source=new)  # a minor bump (0.x) is accepted
    assert info["required"] == "minor"
