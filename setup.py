"""Wheel builds add the validation artifacts to the package; everything else is in pyproject.toml.

Why here, and how (issue 11): a vendor's ``pip install untp-crm-vocab[validate]`` must validate
credentials with no checkout, so the wheel carries the working version's context, JSON Schemas
and SHACL shapes (and those of every release in ``site/releases/``) under
``untp_crm_vocab/data/artifacts/`` with a ``manifest.json``. They are generated, never
committed: ``build_py`` below writes them straight into the build folder (``build/lib``) with
the toolkit's own build step (``untp_crm_vocab.artifacts.write_packaged``, the same code as
``crm-vocab build``, so the bytes are the same and two wheel builds carry identical files).
Nothing is written into the source tree, so no stale copy can ever be packaged.

Generating needs LinkML, which is deliberately *not* a build requirement: the pre-commit hook
installs this repository with ``pip install .`` and must stay as small as ``check`` needs. So:

* ``make wheel`` (= ``pip wheel --no-deps --no-build-isolation .`` in the project's .venv, which
  has the [build] extra) makes the wheel a vendor installs, with the artifacts;
* a build where LinkML cannot be imported (pip's isolated build of the hook) prints a warning
  and leaves them out; ``crm-vocab validate`` outside a project then says the installation has
  no packaged artifacts and asks for ``--artifacts``;
* editable installs (``make install``) skip it: they run inside the project, which validate uses.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
GENERATE = (
    "import sys\n"
    "from pathlib import Path\n"
    "import untp_crm_vocab\n"
    "assert Path(untp_crm_vocab.__file__).resolve().is_relative_to(Path(sys.argv[2]).resolve()), untp_crm_vocab.__file__\n"
    "from untp_crm_vocab.artifacts import write_packaged\n"
    "from untp_crm_vocab.project import load_project\n"
    "write_packaged(load_project(sys.argv[1]), Path(sys.argv[2]) / 'untp_crm_vocab' / 'data' / 'artifacts', sys.argv[3])\n"
)


class BuildPyWithArtifacts(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        dest = Path(self.build_lib) / "untp_crm_vocab" / "data" / "artifacts"
        shutil.rmtree(dest, ignore_errors=True)  # never a leftover from an earlier build
        if not (HERE / "model" / "untp_crm.yaml").is_file():
            self.warn("no model/untp_crm.yaml here: the wheel carries no validation artifacts")
            return
        if importlib.util.find_spec("linkml") is None:
            self.warn("LinkML is not importable in this build environment, so the wheel carries no validation "
                      "artifacts (fine for the pre-commit hook); build a vendor's wheel with `make wheel`")
            return
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (self.build_lib, os.environ.get("PYTHONPATH")) if p)}
        subprocess.run([sys.executable, "-c", GENERATE, str(HERE), self.build_lib, self.distribution.get_version()],
                       check=True, env=env, cwd=HERE)


setup(cmdclass={"build_py": BuildPyWithArtifacts})
