"""The mapping files as the pages read them (the file contract of DEVELOPING.md, "Mapping
files"), and how a crosswalk row's CURIEs resolve to pages."""
from __future__ import annotations

from pathlib import Path

from ..errors import BuildError
from ..versions import yaml_load


def load_mappings(project) -> dict:
    import csv

    import yaml

    def load_yaml(path: Path):
        try:
            return yaml_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise BuildError(f"cannot read {path.name}: {exc}", where=str(path),
                             hint="run crm-vocab check to locate the problem") from None

    out = {"scheme": {}, "criteria": [], "standards": {}, "crosswalks": {}, "prefix_to_scheme": {}}
    if project.criteria_file.is_file():
        d = load_yaml(project.criteria_file)
        if isinstance(d, dict):
            out["scheme"] = d.get("scheme") or {}
            out["criteria"] = [c for c in d.get("criteria") or [] if isinstance(c, dict) and c.get("id")]
            for c in out["criteria"]:
                c["id"] = str(c["id"])
    if project.catalogues_dir.is_dir():
        for f in sorted(project.catalogues_dir.glob("*.yaml")):
            d = load_yaml(f)
            if not isinstance(d, dict):
                continue
            scheme = str(d.get("scheme") or f.stem)
            d["scheme"] = scheme
            d["version_slug"] = str(d.get("version_slug") or "current")
            reqs = [r for r in d.get("requirements") or [] if isinstance(r, dict) and r.get("id") is not None]
            for r in reqs:
                r["id"] = str(r["id"])
                if r.get("parent") is not None:
                    r["parent"] = str(r["parent"])
            d["requirements"] = reqs
            out["standards"][scheme] = d
            if d.get("prefix"):
                out["prefix_to_scheme"][str(d["prefix"])] = scheme
    if project.crosswalks_dir.is_dir():
        for f in sorted(project.crosswalks_dir.glob("*.sssom.tsv")):
            scheme = f.name[: -len(".sssom.tsv")]
            try:
                lines = [ln for ln in f.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
            except (OSError, UnicodeDecodeError) as exc:
                raise BuildError(f"cannot read {f.name}: {exc}", where=str(f)) from None
            rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
            out["crosswalks"][scheme] = [{k: (v or "") for k, v in r.items() if k} for r in rows]
    return out


def resolve(mp: dict, curie: str):
    """('criterion', id) | ('requirement', (scheme, id)) | ('gap', None) | ('other', curie)."""
    if curie == "sssom:NoTermFound":
        return ("gap", None)
    p, _, local = curie.partition(":")
    if p == "HC":
        return ("criterion", local)
    if p in mp["prefix_to_scheme"]:
        return ("requirement", (mp["prefix_to_scheme"][p], local))
    return ("other", curie)


def req_path(mp: dict, scheme: str, rid: str) -> str:
    """The output path (no extension) of a requirement's page."""
    slug = mp["standards"].get(scheme, {}).get("version_slug", "current")
    return f"standards/{scheme}/{slug}/{rid}"


def predicate(row: dict) -> str:
    """A row's predicate as the pages show it (``NOT skos:exactMatch`` for a negated one)."""
    p = row.get("predicate_id", "")
    return ("NOT " if row.get("predicate_modifier") == "Not" else "") + p
