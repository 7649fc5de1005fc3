"""Installed size of each kind of install (issue 11): the pre-commit hook's environment (made by
real pre-commit from this repository's .pre-commit-hooks.yaml, as a consumer repository gets it),
a vendor's ``untp-crm-vocab[validate]``, a maintainer's ``[build]``, against the baseline of
the runtime set every install got before the dependencies were split by job.

Each environment is new; the toolkit is the wheel built from this checkout (``make wheel``'s
command). Sizes are the files pip installed (each distribution's RECORD), without the installer
itself (pip, setuptools, wheel), in MB (10^6 bytes); the whole environment's folder is in the
notes. Install times are one run each, from the machine's pip cache or index: indicative only.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import yaml

from . import installs

# The runtime dependencies pyproject.toml declared before the split (every install, the
# pre-commit hook's included, got all of them).
BEFORE = ["linkml>=1.12.1,<1.13", "linkml-runtime>=1.12.1,<1.13", "rdflib>=7.1,<8", "pyshacl>=0.30,<0.41",
          "pyld>=2.0.4,<4", "sssom>=0.4.21,<0.5", "curies>=0.10,<1", "jsonschema>=4.23,<5",
          "fastjsonschema>=2.20,<3", "mkdocs>=1.6,<2", "mkdocs-material>=9.5,<10", "networkx>=3.2,<4",
          "pyyaml>=6,<7", "pyoxigraph>=0.5,<0.6", "jsonschema-rs>=0.30,<1", "rfc3339-validator>=0.1.4",
          "rfc3987>=1.3"]

MB = 1e6


def _hook_env(tmp: Path, toolkit: tuple[Path, str], rows: list) -> Path:
    """A consumer repository with the published hook; pre-commit makes its environment."""
    repo = tmp / "consumer"
    repo.mkdir()
    (repo / "pyproject.toml").write_text('[tool.crm-vocab]\nbase-iri = "https://vocabulary.uncefact.org/untp/crm/"\n',
                                         encoding="utf-8")
    import shutil

    shutil.copytree(installs.ROOT / "mappings", repo / "mappings")
    shutil.copy(installs.ROOT / "CODEOWNERS", repo / "CODEOWNERS")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{
        "repo": str(toolkit[0]), "rev": toolkit[1], "hooks": [{"id": "crm-vocab-check"}]}]}), encoding="utf-8")
    installs.run(["git", "init", "-q", "-b", "main"], cwd=repo)
    installs.git_commit_all(repo, "consumer")
    home = tmp / "pre-commit-home"
    env = installs.clean_env(PRE_COMMIT_HOME=str(home))
    pre_commit = Path(installs.sys.executable).parent / "pre-commit"
    t0 = time.perf_counter()
    installs.run([pre_commit, "install-hooks"], cwd=repo, env=env)
    rows.append({"name": "pre-commit install-hooks (the hook's environment)", "median_s": time.perf_counter() - t0,
                 "spread_s": None, "runs": 1, "note": "one run"})
    t0 = time.perf_counter()
    installs.run([pre_commit, "run", "--all-files"], cwd=repo, env=env)
    rows.append({"name": "pre-commit run --all-files (crm-vocab check on this repository's mappings)",
                 "median_s": time.perf_counter() - t0, "spread_s": None, "runs": 1, "note": "one run, hook installed"})
    (venv,) = home.glob("repo*/py_env-*")
    return venv


def run(quick: bool) -> dict:
    rows, sizes, dists = [], {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        tmp = Path(tmp)
        toolkit = installs.source_repo(tmp / "toolkit")
        wheel = installs.build_wheel(toolkit[0], tmp / "dist")
        venv = _hook_env(tmp, toolkit, rows)
        sizes["hook"] = (*installs.installed_size(venv), installs.tree_size(venv))
        dists["hook"] = installs.distributions(venv) - installs.INSTALLERS
        kinds = [("validate", f"{wheel}[validate]")] + ([] if quick else [("build", f"{wheel}[build]"),
                                                                          ("before", str(wheel), *BEFORE)])
        for kind, *reqs in kinds:
            t0 = time.perf_counter()
            installs.make_venv(tmp / kind, *reqs)
            rows.append({"name": f"pip install {'untp-crm-vocab[' + kind + ']' if kind != 'before' else 'the set declared before'}"
                                 " into a new environment", "median_s": time.perf_counter() - t0, "spread_s": None,
                         "runs": 1, "note": "one run"})
            sizes[kind] = (*installs.installed_size(tmp / kind), installs.tree_size(tmp / kind))
            dists[kind] = installs.distributions(tmp / kind) - installs.INSTALLERS

    label = {"hook": "pre-commit hook environment (base: check)", "validate": "untp-crm-vocab[validate]",
             "build": "untp-crm-vocab[build]", "before": "the runtime set before the split (every install)"}
    table = ["| install | installed (MB) | distributions | whole environment folder (MB) |", "|---|---:|---:|---:|"]
    for k, (size, n, folder) in sizes.items():
        table.append(f"| {label[k]} | {size / MB:.1f} | {n} | {folder / MB:.1f} |")
    ratios, targets = [], []
    hook, val = sizes["hook"][0] / MB, sizes["validate"][0] / MB
    heavy = {"linkml", "linkml-runtime", "mkdocs", "mkdocs-material", "pandas", "numpy", "sssom", "rfc3987"}
    targets.append({"target": "the hook's environment holds the toolkit and the base dependencies only",
                    "measured": ", ".join(sorted(dists["hook"])), "met": dists["hook"] == {"untp-crm-vocab", "pyyaml", "networkx"}})
    targets.append({"target": "[validate] installs no build tools (LinkML, mkdocs, pandas, sssom) and no GPL rfc3987",
                    "measured": ", ".join(sorted(dists["validate"] & heavy)) or "none of them", "met": not dists["validate"] & heavy})
    if "before" in sizes:
        before = sizes["before"][0] / MB
        ratios += [{"name": "hook environment / before", "value": hook / before, "baseline": label["before"]},
                   {"name": "[validate] / before", "value": val / before, "baseline": label["before"]},
                   {"name": "[build] / before", "value": sizes["build"][0] / MB / before, "baseline": label["before"]}]
    notes = "\n".join(table) + (
        "\n\nThe hook's environment is what pre-commit makes for a repository using this repository's "
        "`.pre-commit-hooks.yaml` (`language: python`: the toolkit and its base dependencies, PyYAML and "
        "networkx). `[validate]` adds jsonschema (format-nongpl), jsonschema-rs, pyld, pyshacl, rdflib and "
        "pyoxigraph; `[build]` adds LinkML and mkdocs-material (LinkML also brings the GPL-3 rfc3987 "
        "through jsonschema[format]). networkx (about 17 MB of the hook's environment) stays in the base: "
        "check and recognise use its graph algorithms (strongly connected components, paths). \"Before\" is the list "
        "pyproject.toml declared for every install until issue 11 (with sssom's pandas and numpy).")
    for k, (size, n, folder) in sizes.items():
        print(f"{label[k]}: {size / MB:.1f} MB installed ({n} distributions), environment folder {folder / MB:.1f} MB")
    return {"title": "Install size by job: the pre-commit hook, [validate], [build]",
            "baseline": label["before"], "rows": rows, "ratios": ratios, "targets": targets, "notes": notes}
