"""Page data for the changelog: one page per version (``crm-vocab diff`` against the version
before it) and the index (templates ``changelog.html`` and ``changelog_index.html``).

Comparing the working build with a release reads the working context, JSON Schemas and shapes,
which the LinkML generators may still be writing while the pages are rendered: that page, and
its counts on the index, are then rendered pending and filled in by the step's ``finish``
(see deferred.py)."""
from __future__ import annotations

from types import SimpleNamespace

from .render import GenPage, Templates

# cells of the changelog index filled in by finish()
PENDING_CHANGES = "crm-vocab-pending-changes"
PENDING_BREAKING = "crm-vocab-pending-breaking"


def versions_compared(ctx, versions: list[str]) -> list[tuple[str, str | None]]:
    """(version, the version it is compared with) for every version folder, oldest first."""
    out, prev = [], None
    for v in versions:  # oldest release first, the working build last
        if not (ctx.out / v).is_dir():
            continue
        out.append((v, prev))
        if v != ctx.version:
            prev = v
    return out


def is_deferred(ctx, v: str, prev: str | None) -> bool:
    """Whether the changelog of ``v`` waits for finish(): comparing the working build with a
    release reads the working context, JSON Schemas and shapes (the LinkML generators' files);
    compared with nothing, only its vocabulary."""
    return v == ctx.version and prev is not None


def compare(ctx, v: str, prev: str | None):
    """(changes, None) or (None, error text)."""
    from .. import diff as diffmod

    try:
        return diffmod.compare(ctx.out / prev if prev else None, ctx.out / v, ctx.project), None
    except Exception as exc:  # a broken old release must not stop the site
        return None, str(exc)


def _title(ctx, v: str) -> str:
    return f"{v} (working build)" if v == ctx.version else v


def changelog_page(ctx, t: Templates, v: str, prev: str | None, changes, err: str | None, *,
                   final: bool = True) -> GenPage:
    return t.page("changelog.html", f"changelog/{v}.html", f"Changelog {v}", title=_title(ctx, v), version=v,
                  previous=prev, final=final, changes=changes, error=err)


def change_counts(changes) -> tuple[str, str]:
    """The changelog index's "changes" and "breaking" cells."""
    if changes is None:
        return "?", "0"
    return str(len(changes)), str(sum(1 for c in changes if c["breaking"]))


def add_pages(ctx, t: Templates, add, versions: list[str]) -> None:
    """Add a page per version and the index (``add(docs path, page)``)."""
    rows = []
    for v, prev in versions_compared(ctx, versions):
        if is_deferred(ctx, v, prev):
            add(f"changelog/{v}.md", changelog_page(ctx, t, v, prev, None, None, final=False))
            counts = (PENDING_CHANGES, PENDING_BREAKING)
        else:
            changes, err = compare(ctx, v, prev)
            add(f"changelog/{v}.md", changelog_page(ctx, t, v, prev, changes, err))
            counts = change_counts(changes)
        rows.append(SimpleNamespace(page=f"changelog/{v}.html", title=_title(ctx, v), changes=counts[0],
                                    breaking=counts[1]))
    add("changelog/index.md", t.page("changelog_index.html", "changelog/index.html", "Changelog",
                                     rows=list(reversed(rows))))
