"""JSON-LD contexts resolved from pinned local copies only.

No context is ever fetched over the network. The registry knows:
- the W3C VC v1 and v2 contexts shipped in ``generators/data/contexts/``;
- this vocabulary's context for the working build and for every released version;
- any extra ``URL=FILE`` pairs a user pins explicitly (``crm-vocab validate --context``).
Any other URL is refused with a message that says how to pin it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError

DATA = Path(__file__).resolve().parent / "data" / "contexts"
VC_V1_URL = "https://www.w3.org/2018/credentials/v1"
VC_V2_URL = "https://www.w3.org/ns/credentials/v2"
PINNED_W3C = {
    VC_V1_URL: DATA / "credentials-v1.jsonld",
    VC_V2_URL: DATA / "credentials-v2.jsonld",
}
# UNTP module contexts are GPL-3 and are not shipped. The CRM context defines every UNTP term a
# CRM credential uses (with UNTP's IRIs), so where a credential lists a UNTP module context
# *followed by* a CRM context, the UNTP entry is left out of JSON-LD processing (and the report
# says so). Without a CRM context after it, a UNTP context is refused like any other.
UNTP_CONTEXT_PREFIXES = ("https://test.uncefact.org/vocabulary/untp/", "https://vocabulary.uncefact.org/untp/")


class ContextRefused(Exception):
    def __init__(self, url: str):
        super().__init__(
            f"remote context {url} is not pinned locally and is not fetched (the toolkit works offline)"
        )
        self.url = url


@dataclass
class ContextRegistry:
    docs: dict[str, object] = field(default_factory=dict)  # url -> parsed JSON
    crm_urls: set[str] = field(default_factory=set)

    @classmethod
    def default(cls) -> "ContextRegistry":
        reg = cls()
        for url, path in PINNED_W3C.items():
            reg.docs[url] = json.loads(path.read_text(encoding="utf-8"))
        return reg

    def add(self, url: str, document, *, crm: bool = False) -> None:
        self.docs[url] = document
        if crm:
            self.crm_urls.add(url)

    def add_file(self, url: str, path: Path, *, crm: bool = False) -> None:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UsageError(f"cannot read context file {path}: {exc}", hint="pass a readable JSON-LD context file") from None
        self.add(url, doc, crm=crm)

    def is_untp_module(self, url: str) -> bool:
        return isinstance(url, str) and url.startswith(UNTP_CONTEXT_PREFIXES) and url not in self.docs and url not in self.crm_urls

    def loader(self):
        """A pyld document loader that serves only registered contexts."""
        from pyld.jsonld import JsonLdError

        docs = self.docs

        def load(url, options=None):
            if url in docs:
                return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": docs[url]}
            raise JsonLdError(str(ContextRefused(url)), "jsonld.LoadDocumentError", {"url": url}, code="loading remote context failed")

        return load
