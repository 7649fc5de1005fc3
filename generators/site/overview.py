"""Page data for the home page and the coverage page (templates ``home.html`` and ``coverage.html``)."""
from __future__ import annotations

import json
from types import SimpleNamespace

from .render import GenPage, Templates
from .terms import ModelInfo


def home_page(ctx, t: Templates, model: ModelInfo, mp: dict, latest: str | None) -> GenPage:
    p = ctx.project
    v = latest or ctx.version
    example = {"@context": ["https://www.w3.org/ns/credentials/v2", p.context_url(v)],
               "type": ["VerifiableCredential"], "credentialSubject": {"type": ["Facility"]}}
    return t.page(
        "home.html", "index.html", "Home",
        description=str(model.schema.description or "") if model.sv is not None else "",
        context_url=p.context_url(v), artifact_base=p.artifact_base(v), base_iri=p.base_iri,
        example=json.dumps(example, indent=2),
        counts={k: sum(1 for x in model.terms.values() if x["kind"] == k) for k in ("class", "slot", "enum", "enum value")},
        criteria=len(mp["criteria"]), schemes=len(mp["standards"]), latest=latest)


def coverage_page(ctx, t: Templates, releases: list[str]) -> GenPage:
    """The working build's coverage matrix, and the latest release's that has one (older ones
    are downloads)."""
    shown = []
    for v in [ctx.version] + [x for x in reversed(releases) if x != ctx.version]:
        vd = ctx.out / v
        if not (vd / "coverage.svg").is_file():
            continue
        shown.append(SimpleNamespace(
            name=v, svg=f"{v}/coverage.svg",
            downloads=[(e.upper(), f"{v}/coverage.{e}") for e in ("csv", "json") if (vd / f"coverage.{e}").is_file()]))
        if v != ctx.version:
            break
    from ..coverage import CELL_STATUSES, LEGEND

    return t.page("coverage.html", "coverage.html", "Coverage", versions=shown, working=ctx.version,
                  statuses=[(st, LEGEND[st][1].split(": ", 1)[-1]) for st in CELL_STATUSES])
