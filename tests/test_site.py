"""The built site: internal links resolve, downloads list true SHA-256, untrusted text is escaped,
server rules are present, two builds are byte-identical, and the site step split in two
(pages while the LinkML generators run, then finish) gives what one go would."""
from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import re
import struct
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import HOSTILE_MARK, _build


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v is not None:
                self.refs.append(v)


def internal_targets(page: Path, root: Path, base_path: str = "/"):
    """Internal references of ``page``; absolute paths (404.html uses them) are read relative to
    the base IRI's path, where the site is deployed."""
    p = Links()
    p.feed(page.read_text(encoding="utf-8"))
    for ref in p.refs:
        parts = urlsplit(ref)
        if parts.scheme or parts.netloc or ref.startswith(("#", "mailto:", "data:", "javascript:")) or not parts.path:
            continue
        path = unquote(parts.path)
        if path.startswith("/"):
            assert path.startswith(base_path), (page, ref)
            target = (root / path[len(base_path):]).resolve()
        else:
            target = (page.parent / path).resolve()
        if parts.path.endswith("/"):
            target = target / "index.html"
        yield ref, target


def test_every_internal_link_resolves(built_site, project):
    root = built_site.resolve()
    base_path = urlsplit(project.base_iri).path
    pages = sorted(root.rglob("*.html"))
    assert len(pages) > 10
    broken = []
    for page in pages:
        for ref, target in internal_targets(page, root, base_path):
            if not (target.is_file() and (target == root or root in target.parents)):
                broken.append((page.relative_to(root).as_posix(), ref))
    assert not broken, f"{len(broken)} broken links, e.g. {broken[:10]}"


def test_every_term_file_has_a_page(built_site):
    versions = {p.parent.name for p in built_site.glob("*/context.jsonld")}
    missing = [p.relative_to(built_site).as_posix() for p in built_site.rglob("*.jsonld")
               if p.relative_to(built_site).parts[0] not in versions and not p.with_suffix(".html").is_file()]
    assert not missing, missing[:10]


DOWNLOAD_ROW = re.compile(r'<tr><td><a href="([^"]+)">[^<]*</a></td><td><span data-bytes="(\d+)">[^<]*</span></td>'
                          r'<td><code class="crm-sha256">([0-9a-f]{64})</code></td></tr>')


def test_downloads_sha256_match(built_site):
    page = (built_site / "downloads.html").read_text(encoding="utf-8")
    rows = DOWNLOAD_ROW.findall(page)
    assert rows, "no artifact rows on the downloads page"
    listed = set()
    for href, size, sha in rows:
        f = built_site / unquote(html.unescape(href))
        assert f.is_file(), href
        data = f.read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha, href
        assert len(data) == int(size), href
        listed.add(f.relative_to(built_site).as_posix())
    # every artifact of the working version and its zip are listed, the LinkML generators'
    # files (written while the pages are built) included
    for f in (built_site / "working").rglob("*"):
        if f.is_file():
            assert f.relative_to(built_site).as_posix() in listed
    assert "working.zip" in listed
    schemas = [n for n in listed if n.startswith("working/schemas/") and n.endswith(".json")]
    assert schemas
    for name in ("working/context.jsonld", "working/shapes.ttl", "working/vocabulary.ttl"):
        assert name in listed, name


def test_downloads_in_search_index(built_site):
    """The search index has the downloads tables as they are on the page."""
    import json

    docs = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    entry = next(d for d in docs if d["location"] == "downloads.html#v-working")
    sha = hashlib.sha256((built_site / "working" / "context.jsonld").read_bytes()).hexdigest()
    assert "working/context.jsonld" in entry["text"] and sha in entry["text"]
    assert [d["location"] for d in docs].count("downloads.html") == 1


def test_no_pending_content_survives(built_site):
    """The pages rendered before the LinkML generators' files exist are final in the output."""
    pending = ("crm-pending", "crm-vocab-pending", "filled in when the build")
    for f in list(built_site.rglob("*.html")) + [built_site / "search" / "search_index.json"]:
        text = f.read_text(encoding="utf-8")
        assert not any(p in text for p in pending), f.relative_to(built_site).as_posix()


def test_zip_bundle_is_deterministic(built_site):
    import zipfile

    with zipfile.ZipFile(built_site / "working.zip") as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())
        files = sorted(p.relative_to(built_site).as_posix() for p in (built_site / "working").rglob("*") if p.is_file())
        assert names == files
        for n in names[:20]:
            assert zf.read(n) == (built_site / n).read_bytes()


def test_untrusted_text_is_escaped(built_site, site_project):
    raw_hits, escaped_hits = [], []
    for page in built_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if f"<script>{HOSTILE_MARK}" in text or f'onerror="{HOSTILE_MARK}' in text:
            raw_hits.append(page.name)
        if f"&lt;script&gt;{HOSTILE_MARK}" in text:
            escaped_hits.append(page.relative_to(built_site).as_posix())
    assert not raw_hits, raw_hits
    crit = site_project["hostile_object"].split(":", 1)[1]
    assert f"criteria/{crit}.html" in escaped_hits


def test_titles_carry_no_markup(built_site):
    for page in built_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for t in re.findall(r"<title>(.*?)</title>", text, flags=re.S):
            assert "<" not in t and ">" not in t, (page, t)


def test_nav_is_short(built_site):
    """Element pages are not in the navigation: a class page is small and the nav has few entries."""
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert home.count('class="md-nav__link') < 40
    assert (built_site / "search" / "search_index.json").is_file()


def test_server_rules(built_site):
    ht = (built_site / ".htaccess").read_text(encoding="utf-8")
    for needle in ("AddType application/ld+json .jsonld", "text/turtle", "Vary Accept", "rel=\\\"alternate\\\"",
                   "RewriteRule", "text/html"):
        assert needle in ht, needle
    ng = (built_site / "nginx.conf").read_text(encoding="utf-8")
    for needle in ("application/ld+json", "text/turtle", "Vary Accept", "$crm_conneg_ext"):
        assert needle in ng, needle


def test_coverage_and_changelog_pages(built_site):
    cov = (built_site / "coverage.html").read_text(encoding="utf-8")
    for status in ("met", "partly met", "not met", "not established"):  # the recognition statuses (issue 10)
        assert f"<strong>{status}</strong>" in cov, status
    if (built_site / "working" / "coverage.svg").is_file():
        # the working build's matrix is the interactive table; its SVG stays as a download
        assert 'id="crm-matrix-table"' in cov and 'href="working/coverage.svg"' in cov
        svg = (built_site / "working" / "coverage.svg").read_text(encoding="utf-8")
        assert "not established: close/related or unreviewed rows only" in svg and ": not met (reviewed gap" in svg
        report = json.loads((built_site / "working" / "coverage.json").read_text(encoding="utf-8"))
        statuses = {c["status"] for cells in report["cells"].values() for c in cells.values()}
        assert statuses <= {"met", "partly met", "not met", "not established"} and "not met" in statuses
    assert (built_site / "changelog" / "index.html").is_file()
    assert (built_site / "changelog" / "working.html").is_file()


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(built_site, site_project, tmp_path):
    again = _build(site_project["root"], tmp_path / "again")
    a, b = _tree(built_site), _tree(again)
    assert sorted(a) == sorted(b)
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, differ[:10]
    # the sitemap's gzip header carries a fixed mtime (SOURCE_DATE_EPOCH), not the build time
    gz = a["sitemap.xml.gz"]
    mtime = struct.unpack("<I", gz[4:8])[0]
    assert gzip.decompress(gz) == a["sitemap.xml"]
    assert mtime == int(os.environ.get("SOURCE_DATE_EPOCH") or mtime)


def test_site_size_report(built_site, capsys):
    """Not an assertion on size or time: prints them for bench notes."""
    from conftest import built_site_seconds

    total = sum(p.stat().st_size for p in built_site.rglob("*") if p.is_file())
    html_pages = sum(1 for _ in built_site.rglob("*.html"))
    with capsys.disabled():
        print(f"\n[site] {html_pages} html pages, {total / 1e6:.1f} MB, "
              f"build {built_site_seconds[0] if built_site_seconds else float('nan'):.1f} s")


# ---- the split step: site.pages() runs while the LinkML generators write, site.finish() after ----
LINKML_OUTPUTS = ("context.jsonld", "schemas", "shapes.ttl")  # under <version>/
_watched: list = []   # (folder, hits) while site.pages() runs; see _audit


def _audit(event, args):
    """Audit hook (cannot be removed once added: it checks _watched): opening a LinkML
    generator's file, or listing anything inside the versioned folder."""
    if not _watched or event not in ("open", "os.listdir", "os.scandir") or not args:
        return
    path = args[0]
    if path is None or isinstance(path, int):
        return
    path = os.path.abspath(os.fsdecode(os.fspath(path)))
    for folder, hits in _watched:
        if path == folder or path.startswith(folder + os.sep):
            rel = os.path.relpath(path, folder)
            if event != "open" or rel.split(os.sep)[0] in LINKML_OUTPUTS:
                hits.append((event, rel))


def _pre_site(root: Path, out: Path) -> Path:
    """Every step but the site, as the site step finds the output folder."""
    from untp_crm_vocab.build import STEPS, build
    from untp_crm_vocab.project import load_project

    build(load_project(root), out, steps=tuple(s for s in STEPS if s != "untp_crm_vocab.site"), quiet=True, force=True)
    (out / ".buildinfo").unlink()
    return out


def _site_ctx(root: Path, out: Path):
    from untp_crm_vocab.build import BuildContext
    from untp_crm_vocab.project import load_project

    p = load_project(root)
    return BuildContext(project=p, out=out, version=p.working_version, quiet=True)


@pytest.fixture(scope="module")
def release_project(site_project, built_site, tmp_path_factory):
    """site_project with one release, 0.1.0: the built working artifacts less one context entry,
    so the working build's changelog (which compares contexts) has a change."""
    import json
    import shutil

    root = tmp_path_factory.mktemp("release-project") / "project"
    shutil.copytree(site_project["root"], root)
    rel = root / "site" / "releases" / "0.1.0"
    shutil.copytree(built_site / "working", rel)
    data = json.loads((rel / "context.jsonld").read_text(encoding="utf-8"))
    term = min(k for k, v in data["@context"].items() if not k.startswith("@") and isinstance(v, dict))
    del data["@context"][term]
    (rel / "context.jsonld").write_text(json.dumps(data, indent=2), encoding="utf-8")
    pre = _pre_site(root, tmp_path_factory.mktemp("release-pre") / "site")
    return {"root": root, "pre": pre, "term": term}


def test_pages_then_finish_equals_one_shot_render(release_project, tmp_path, monkeypatch):
    """site.pages() reads none of the LinkML generators' files (they are absent while it runs,
    and it opens none and lists nothing inside working/), and pages() + finish() give the same
    bytes (HTML and search index included) as rendering every page final in one go."""
    import shutil

    from untp_crm_vocab import site

    root, pre = release_project["root"], release_project["pre"]

    # the split, as the build runs it: pages() without the LinkML generators' files
    split = tmp_path / "split"
    shutil.copytree(pre, split)
    ctx = _site_ctx(root, split)
    v = ctx.version
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in LINKML_OUTPUTS:
        shutil.move(split / v / name, aside / name)
    if not getattr(test_pages_then_finish_equals_one_shot_render, "hooked", False):
        sys.addaudithook(_audit)
        test_pages_then_finish_equals_one_shot_render.hooked = True
    hits: list = []
    _watched.append((str((split / v).resolve()), hits))
    try:
        site.pages(ctx)
    finally:
        _watched.clear()
    assert not hits, hits[:10]
    for name in LINKML_OUTPUTS:
        shutil.move(aside / name, split / v / name)
    site.finish(ctx)

    # one go: every artifact (and the zip) there first, every page rendered final by mkdocs
    whole = tmp_path / "whole"
    shutil.copytree(pre, whole)
    ctx = _site_ctx(root, whole)
    ctx.write(f"{v}.zip", site.downloads.deterministic_zip(whole / v, v))
    final_downloads = site.downloads.downloads_page
    monkeypatch.setattr(site.downloads, "downloads_page", lambda c, t, versions, final=True: final_downloads(c, t, versions))
    monkeypatch.setattr(site.changelog, "is_deferred", lambda *a: False)
    monkeypatch.setattr(site.deferred, "fill_in", lambda *a: None)
    site.pages(ctx)
    site.finish(ctx)

    a, b = _tree(split), _tree(whole)
    assert sorted(a) == sorted(b)
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, differ[:10]
    # the deferred pages are there and say what they should
    changelog = a["changelog/working.html"].decode("utf-8")
    assert "context-entry-added" in changelog and release_project["term"] in changelog
    assert "Compared with 0.1.0" in changelog
    assert "crm-pending" not in a["downloads.html"].decode("utf-8")
    assert "0.1.0.zip" in a["downloads.html"].decode("utf-8")


def test_sequential_build_is_identical(built_site, site_project, tmp_path, monkeypatch):
    """With one core (CRM_VOCAB_JOBS=1) the site is rendered in one process, with two a worker
    renders part of the pages: the same bytes either way."""
    from untp_crm_vocab import build as buildmod

    monkeypatch.setenv(buildmod.ENV_JOBS, "1")
    seq = _build(site_project["root"], tmp_path / "seq")
    a, b = _tree(built_site), _tree(seq)
    assert sorted(a) == sorted(b)
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, differ[:10]


def test_page_error_fails_the_build_and_keeps_the_output(built_site, site_project, tmp_path):
    """A page that cannot be rendered (here the last one, which the page worker renders when
    there are two cores) fails the build with a clear error, and the previous output stays."""
    import shutil

    import pytest

    from untp_crm_vocab import site
    from untp_crm_vocab.errors import BuildError

    root = tmp_path / "project"
    shutil.copytree(site_project["root"], root)
    out = tmp_path / "site"
    shutil.copytree(built_site, out)
    before = _tree(out)
    pages = [p.relative_to(built_site).as_posix()[: -len(".html")] + ".md" for p in built_site.rglob("*.html")
             if p.name != "404.html" and p.relative_to(built_site).parts[0] not in ("assets", "search")]
    last = max(pages, key=site.mkdocs_run._walk_key)[: -len(".md")] + ".html"
    main = root / "site" / "overrides" / "main.html"
    main.write_text(main.read_text(encoding="utf-8") +
                    f'{{% block content %}}{{% if page.url == "{last}" %}}{{{{ page.no_such_thing() }}}}'
                    "{% endif %}{{ super() }}{% endblock %}\n", encoding="utf-8")
    with pytest.raises(BuildError) as exc:
        _build(root, out)
    assert "mkdocs failed" in exc.value.message
    assert _tree(out) == before


def test_shared_theme_blocks_render_as_material_does(release_project, tmp_path, monkeypatch):
    """The theme blocks rendered once per folder for generated pages (site/overrides/main.html)
    give the bytes Material gives when it renders them for every page."""
    import shutil

    from untp_crm_vocab import site

    trees = []
    for share in (True, False):
        out = tmp_path / f"share-{share}"
        shutil.copytree(release_project["pre"], out)
        monkeypatch.setattr(site.mkdocs_run, "_SHARE_BLOCKS", share)
        site.build(_site_ctx(release_project["root"], out))
        trees.append(_tree(out))
    a, b = trees
    assert sorted(a) == sorted(b)
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, differ[:10]


@pytest.mark.parametrize("name, message", [
    ("CommodityContent.jsonld", "would overwrite CommodityContent.jsonld, written by an earlier build step"),
    ("working/notes.md", "would write working/notes.html"),
    ("releases.json", "would write releases.json"),
])
def test_site_never_overwrites_artifacts(release_project, tmp_path, name, message):
    """A file in site/docs whose output is an earlier step's file, in a versioned folder (the
    LinkML generators may still write there) or a file the site step writes itself stops the
    build before mkdocs writes anything."""
    import shutil

    from untp_crm_vocab import site
    from untp_crm_vocab.errors import BuildError

    root = tmp_path / "project"
    shutil.copytree(release_project["root"], root)
    (root / "site" / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
    (root / "site" / "docs" / name).write_text("# hand-written\n", encoding="utf-8")
    out = tmp_path / "out"
    shutil.copytree(release_project["pre"], out)
    before = _tree(out)
    with pytest.raises(BuildError) as exc:
        site.pages(_site_ctx(root, out))
    assert message in exc.value.message
    after = _tree(out)
    assert not [k for k in after if k not in before or after[k] != before[k]
                if not k.startswith("0.1.0")]  # only the release copy and its zip came first


# ---- the site code: templates, modules ------------------------------------------------------
def test_site_modules_import_no_circle():
    """The site package and the build import each other only at run time (the build finds the
    step by name, the site asks the build's core rule when it runs): importing either alone
    imports nothing of the other."""
    import subprocess

    code = ("import sys, importlib; importlib.import_module(sys.argv[1]); "
            "print(sorted(m for m in sys.modules if m.startswith('untp_crm_vocab')))")
    for mod, other in (("untp_crm_vocab.site", "untp_crm_vocab.build"), ("untp_crm_vocab.build", "untp_crm_vocab.site")):
        r = subprocess.run([sys.executable, "-c", code, mod], capture_output=True, text=True, check=True)
        loaded = eval(r.stdout)  # noqa: S307 - our own print of a list of module names
        assert other not in loaded, (mod, loaded)


def test_page_markup_lives_in_templates():
    """No page markup in the site package's Python: the generated pages are the templates'."""
    pkg = Path(__file__).resolve().parent.parent / "generators" / "site"
    for py in sorted(pkg.glob("*.py")):
        if py.name in ("mkdocs_run.py", "server_rules.py"):  # mkdocs' plumbing; server configs
            continue
        text = py.read_text(encoding="utf-8")
        assert not re.search(r"<(td|tr|table|a|h[1-6]|dl|dt|dd|li|ul|code)[ >]", text), py.name


def _templates(tmp_path, files: dict[str, str]):
    from types import SimpleNamespace

    from untp_crm_vocab.site.render import Templates

    for name, text in files.items():
        (tmp_path / "site" / "templates").mkdir(parents=True, exist_ok=True)
        (tmp_path / "site" / "templates" / name).write_text(text, encoding="utf-8")
    return Templates(SimpleNamespace(site_src_dir=tmp_path / "site"))


def test_templates_escape_and_link(tmp_path):
    """Autoescape on: text from mapping files is escaped; links are relative to the page;
    blank lines are dropped; a project template shadows the toolkit's of the same name."""
    t = _templates(tmp_path, {"criterion.html": (
        '{% extends "_page.html" %}{% block content %}\n<p>{{ comment }}</p>\n\n'
        '<a href="{{ "standards/irma/2018/4.5.html" | href }}">x</a>\n{% endblock %}')})
    page = t.page("criterion.html", "criteria/ENV-02.html", "ENV-02 <b>", comment='<script>x</script> & "q"')
    assert page.title == "ENV-02 b"
    assert page.html == ('<div class="crm-page">\n<p>&lt;script&gt;x&lt;/script&gt; &amp; &#34;q&#34;</p>\n'
                         '<a href="../standards/irma/2018/4.5.html">x</a>\n</div>')
    # the toolkit's templates serve the rest
    assert "Harmonised ESG criteria" in t.page("criteria_index.html", "criteria/index.html", "Criteria",
                                               title="t", version="", criteria=[]).html


def test_template_errors_are_build_errors(tmp_path):
    from untp_crm_vocab.errors import BuildError

    t = _templates(tmp_path, {"broken.html": "{% if %}", "undefined.html": "{{ nothing.here }}"})
    with pytest.raises(BuildError) as exc:
        t.page("broken.html", "x.html", "x")
    assert exc.value.where.endswith("broken.html:1")
    with pytest.raises(BuildError) as exc:
        t.page("undefined.html", "x.html", "x")
    assert "undefined.html failed on x.html" in exc.value.message
    with pytest.raises(BuildError) as exc:
        t.page("missing.html", "x.html", "x")
    assert "missing.html not found" in exc.value.message
