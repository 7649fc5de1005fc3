"""The walkthrough page site/docs/cite-criteria.md (issue 9, item 4): every command it shows is run
again (the real ``crm-vocab`` in a shell, from the repository root) and its output must be the
text the page shows; the JSON excerpt must be the sample credential's."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO

PAGE = REPO / "site" / "docs" / "cite-criteria.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)\n```", re.S)


def _blocks():
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(PAGE.read_text(encoding="utf-8"))]


def test_page_output_is_the_tools_output(shared_dir):
    blocks = _blocks()
    pairs = [(cmd, blocks[i + 1][1]) for i, (lang, cmd) in enumerate(blocks)
             if lang == "sh" and cmd.startswith("crm-vocab ") and i + 1 < len(blocks) and blocks[i + 1][0] == "text"]
    assert len(pairs) == 3
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for cmd, shown in pairs:
        res = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=REPO, env=env, capture_output=True, text=True,
                             timeout=120)
        # head closes the pipe early: crm-vocab may then exit on SIGPIPE, which is not a failure here
        assert res.returncode in (0, 141) or "head" in cmd, res.stderr
        assert "Traceback" not in res.stderr
        assert res.stdout.rstrip("\n") == shown, f"{cmd}\n--- page ---\n{shown}\n--- tool ---\n{res.stdout}"


def test_page_excerpt_is_the_sample_credential():
    (excerpt,) = [b for lang, b in _blocks() if lang == "json"]
    cs = json.loads((REPO / "model" / "samples" / "untp-0.7.0" / "dcc-coppermark-0.7.json").read_text(encoding="utf-8"))["credentialSubject"]
    shown = json.loads(excerpt)
    assert shown["referenceScheme"] == cs["referenceScheme"] and shown["referenceProfile"] == cs["referenceProfile"]
    assert shown["conformityAssessment"] == cs["conformityAssessment"][:1]
