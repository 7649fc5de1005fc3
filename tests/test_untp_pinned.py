"""The UNTP artefacts pinned in the package are UNTP's published files, unchanged (issue: a real
UNTP 0.7.0 extension, item 4): every digest in the manifest is recomputed and compared with the
digests recorded, independently, in each version's SOURCE.md."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from untp_crm_vocab import untp

DATA = Path(untp.__file__).resolve().parent / "data" / "untp"


def _source_rows(version: str) -> dict[str, tuple[str, str | None]]:
    """Published URL -> (file SHA-256, content digest or None) from the SOURCE.md table."""
    rows = {}
    for line in (DATA / version / "SOURCE.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        urls = [c for c in cells if re.fullmatch(r"https://\S+", c)]
        digests = [c.strip("`") for c in cells if re.fullmatch(r"`[0-9a-f]{64}`", c)]
        if urls and digests:
            rows[urls[0]] = (digests[0], digests[1] if len(digests) > 1 else None)
    return rows


def test_every_pinned_file_matches_its_recorded_digests():
    m = untp.manifest()
    assert {f["version"] for f in m["files"]} == {"0.5.0", "0.7.0"}
    for f in m["files"]:
        data = (DATA / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"], f["path"]
        recorded = _source_rows(f["version"])
        assert f["url"] in recorded, f"{f['url']} is not listed in {f['version']}/SOURCE.md"
        file_digest, content_digest = recorded[f["url"]]
        assert f["sha256"] == file_digest, f["path"]
        if content_digest:  # UNTP 0.7.0: the UNTP Playground manifest's digest of the compact JSON
            compact = json.dumps(json.loads(data), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            assert hashlib.sha256(compact).hexdigest() == content_digest, f["path"]


def test_every_published_context_and_schema_resolves_offline():
    ctx = untp.contexts()
    assert untp.UNTP_070_CONTEXT in ctx
    for module in ("dpp", "dcc", "dfr"):  # both hosts the pilots use
        assert f"https://test.uncefact.org/vocabulary/untp/{module}/0.5.0/" in ctx
        assert f"https://vocabulary.uncefact.org/untp/{module}/0.5.0/" in ctx
    for ctype in ("DigitalProductPassport", "DigitalConformityCredential", "DigitalFacilityRecord",
                  "DigitalIdentityAnchor", "DigitalTraceabilityEvent"):
        assert untp.schema("0.7.0", ctype)["$schema"].startswith("https://json-schema.org/draft/2020-12")
    assert untp.schema("0.7.0", "ConformityScheme") is not None


def test_notice_names_terms_and_every_file():
    notice = (DATA / "NOTICE.md").read_text(encoding="utf-8")
    assert "UN/CEFACT" in notice and "Terms of use" in notice
    for f in untp.manifest()["files"]:
        assert f["url"] in (DATA / f["version"] / "SOURCE.md").read_text(encoding="utf-8")


def test_pinned_copies_equal_the_shared_ones(shared_dir):
    for f in untp.manifest()["files"]:
        rel = f["path"].split("/", 1)[1]
        src = shared_dir / "external" / f"untp-{f['version']}" / rel
        if not src.is_file():
            pytest.fail(f"{src} missing from ../shared")
        assert src.read_bytes() == (DATA / f["path"]).read_bytes(), rel


def test_known_defect_probe_reproduces_on_the_pinned_context():
    """The DCC 0.5.0 defect the validator reports is real: its probe fails in pyld."""
    from pyld import jsonld
    from pyld.jsonld import JsonLdError

    from untp_crm_vocab.contexts import VC_V2_URL, ContextRegistry

    loader = ContextRegistry.default().loader()
    (defect,) = untp.manifest()["known_defects"]
    with pytest.raises(JsonLdError):
        jsonld.expand({"@context": [VC_V2_URL, defect["context"]], **defect["probe"]}, {"documentLoader": loader})
