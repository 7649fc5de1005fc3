"""The generated pages' templates: one Jinja environment over ``site/templates/``, autoescape on.

A page module (terms, criteria, standards, ...) gathers a page's *data* and calls
:meth:`Templates.page`; the markup is in the template (``site/templates/<kind>.html``, each
extending ``_page.html``; shared pieces in ``_macros.html``). Everything from the model or the
mapping files reaches a template as plain text, so the environment escapes it; the only markup a
template receives is :class:`markupsafe.Markup` made in a template.

Links are written with output paths, made relative to the page by the ``href`` filter
(``{{ "criteria/ENV-02.html" | href }}``: the page's own output path is the ``page`` variable).
A project may replace any template by putting its own file of the same name in its
``site/templates/``; the toolkit's are used for the rest.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import jinja2

from ..errors import BuildError

TOOLKIT_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "site" / "templates"
_WEB_URL = re.compile(r"^https?://[^\s<>\"']+\Z")


class GenPage(NamedTuple):
    """A generated page: its title (identifier characters only) and its HTML content."""
    title: str
    html: str


def page_title(text: str) -> str:
    """A page title safe for the theme's unescaped ``<title>``: identifier characters only."""
    return re.sub(r"[^\w .:/()+,-]", "", str(text))[:120].strip() or "page"


@functools.lru_cache(maxsize=1 << 16)
def relative_href(from_page: str, to_path: str) -> str:
    """Relative, percent-encoded link from the page at ``from_page`` to ``to_path`` (output paths:
    relative, normalised), as ``posixpath.relpath`` gives it (without its calls to the file
    system: thousands of links a build)."""
    start = from_page.split("/")[:-1]
    target = to_path.split("/")
    i = 0
    while i < len(start) and i < len(target) and start[i] == target[i]:
        i += 1
    return quote("/".join([".."] * (len(start) - i) + target[i:]) or ".", safe="/._-~#")


def template_dirs(project) -> list[Path]:
    """The project's ``site/templates/`` first, then the toolkit's (a project copy without its own
    templates, or without one of them, uses the toolkit's)."""
    dirs = [project.site_src_dir / "templates", TOOLKIT_TEMPLATES]
    out: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [o.resolve() for o in out]:
            out.append(d)
    return out


class Templates:
    """The Jinja environment of one build."""

    def __init__(self, project):
        dirs = template_dirs(project)
        if not dirs:
            raise BuildError("no page templates found", where=str(project.site_src_dir / "templates"),
                             hint="restore site/templates/ from git")
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
            autoescape=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
            auto_reload=False)
        self.env.filters["href"] = _href
        self.env.tests["web_url"] = lambda url: bool(_WEB_URL.match(str(url or "")))

    def page(self, template: str, page: str, title: str, /, **data) -> GenPage:
        """Render ``template`` with ``data`` for the page at output path ``page`` (the template's
        ``page``) into one ``<div class="crm-page">`` block without blank lines (given to mkdocs
        as HTML that bypasses markdown); ``title``: the page's title (``<title>``, search)."""
        try:
            text = self.env.get_template(template).render(page=page, **data)
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(f"page template {exc.name or template}: {exc.message}",
                             where=f"{exc.filename}:{exc.lineno}", hint="fix the template") from None
        except jinja2.TemplateNotFound as exc:
            raise BuildError(f"page template {exc.name} not found", where=" or ".join(self.env.loader.searchpath),
                             hint="restore site/templates/ from git") from None
        except jinja2.TemplateError as exc:
            raise BuildError(f"page template {template} failed on {page}: {exc}",
                             hint="fix the template") from None
        return GenPage(page_title(title), "\n".join(line for line in text.splitlines() if line.strip()))


@jinja2.pass_context
def _href(context, to_path: str) -> str:
    """The ``href`` filter: ``to_path`` relative to the page being rendered."""
    return relative_href(context["page"], str(to_path))
