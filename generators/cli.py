"""``crm-vocab``: one command line for every job of the toolkit.

Each sub-command lives in its own module that exposes ``configure(parser)`` and
``run(args, project) -> int``; modules are imported only when their command runs, so
``crm-vocab check`` does not pay for importing LinkML. A module may also define
``needs_project(args) -> bool`` (default: always) and ``EXIT_CODES`` (its ``--help`` epilog).

The project is found like git finds its repository (``project.find_project``): ``--project``
(before or after the command), then ``$CRM_VOCAB_PROJECT``, then the current folder and its
parents; never where the toolkit is installed.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .errors import INTERNAL_EXIT, CrmVocabError, UsageError, crash_message

DISTRIBUTION = "untp-crm-vocab"
DESCRIPTION = "UNTP Critical Raw Materials vocabulary toolkit: one command line for every job."

# name -> (module, one-line help, the optional-dependency extra it needs; None = the base install)
COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "build": ("untp_crm_vocab.build", "build every artifact and the site into build/site/", "build"),
    "validate": ("untp_crm_vocab.validate", "validate credentials: JSON Schema, JSON-LD and SHACL", "validate"),
    "check": ("untp_crm_vocab.check", "check mapping files (pull-request checks); --fix rewrites what is safe", None),
    "recognise": ("untp_crm_vocab.recognise", "which requirements of one scheme does another scheme (or a credential) meet", None),
    "coverage": ("untp_crm_vocab.coverage", "coverage of the harmonised criteria per scheme; diff two reports", None),
    "upgrade": ("untp_crm_vocab.upgrade", "rewrite UNTP 0.5.0 credentials as unsigned UNTP 0.7.0 ones (drafts where 0.7.0 needs more)",
                "validate"),
    "query": ("untp_crm_vocab.query", "SPARQL over the vocabulary, criteria, catalogues and crosswalks", "validate"),
    "serve": ("untp_crm_vocab.serve", "serve the built site locally with content negotiation", None),
    "release": ("untp_crm_vocab.release", "freeze the working build into an immutable version", "build"),
    "diff": ("untp_crm_vocab.diff", "list what changed between two versions, breaking or not", "build"),
}

# top-level Python modules of each extra's own dependencies (pyproject.toml), for the message
# that names the extra to install when one is missing
EXTRA_MODULES: dict[str, frozenset[str]] = {
    "validate": frozenset({"jsonschema", "jsonschema_rs", "pyld", "pyshacl", "pyoxigraph", "rdflib"}),
    "build": frozenset({"linkml", "linkml_runtime", "mkdocs", "material", "rdflib", "pyoxigraph", "jinja2"}),
}

EXIT_CODES = """exit codes:
  0    success
  1    findings (validate: a file is invalid; check: problems found) or a failed build
  2    usage error, unusable input, no project found, or a missing optional dependency
  3    internal error (a bug in the toolkit: the message says where to report it)
  4    validate: every file is valid, but some are UNTP credentials only (no CRM context)
  130  interrupted"""

DEFAULT_EXIT_CODES = """exit codes:
  0    success
  1    the command failed on the project's sources
  2    usage error, unusable input, no project found, or a missing optional dependency
  3    internal error (a bug in the toolkit: the message says where to report it)"""

PROJECT_HELP = ("project root (default: $CRM_VOCAB_PROJECT, else the current folder or the nearest "
                "parent whose pyproject.toml has a [tool.crm-vocab] table)")


def version() -> str:
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(prog="crm-vocab", description=DESCRIPTION, epilog=EXIT_CODES, formatter_class=fmt)
    p.add_argument("--project", metavar="DIR", help=PROJECT_HELP)
    p.add_argument("--version", action="version", version=f"crm-vocab {version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, (mod, help_, _extra) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_, description=help_, formatter_class=fmt)
        sp.set_defaults(_module=mod)
        # accepted after the command too; SUPPRESS keeps a value given before the command
        sp.add_argument("--project", metavar="DIR", default=argparse.SUPPRESS, help=PROJECT_HELP)
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # a command whose module is not there yet
            if exc.name != mod:
                raise
            sp.set_defaults(_missing=True)
            sp.epilog = DEFAULT_EXIT_CODES
            continue
        sp.epilog = with_common_exit_codes(getattr(module, "EXIT_CODES", DEFAULT_EXIT_CODES),
                                           interruptible=getattr(module, "INTERRUPTIBLE", True))
        module.configure(sp)
    return p


#: the exit codes every command can end with, whatever it does (main() below gives them)
COMMON_EXIT_CODES = {
    "3": "internal error (a bug in the toolkit: the message says where to report it)",
    "130": "interrupted",
}


def with_common_exit_codes(epilog: str, interruptible: bool = True) -> str:
    """A command's own exit codes, with the common ones it does not list itself appended (130 not
    for a command that ends on Ctrl-C by design, ``INTERRUPTIBLE = False`` in its module)."""
    listed = {ln.split()[0] for ln in epilog.splitlines()[1:] if ln.strip()}
    if not interruptible:
        listed.add("130")
    width = max(len(c) for c in (*listed, *COMMON_EXIT_CODES)) + 2
    lines = epilog.splitlines()
    head, own = lines[0], [ln.strip().split(None, 1) for ln in lines[1:] if ln.strip()]
    own += [[c, text] for c, text in COMMON_EXIT_CODES.items() if c not in listed]
    return "\n".join([head, *(f"  {c:<{width}}{text}" for c, text in own)])


def missing_dependency(command: str, exc: ModuleNotFoundError) -> UsageError | None:
    """The error naming the extra to install, when ``exc`` is a third-party module missing."""
    top = (exc.name or "").split(".")[0]
    if not top or top == "untp_crm_vocab":
        return None
    own = COMMANDS[command][2]
    extra = own if own and top in EXTRA_MODULES.get(own, ()) else next(
        (e for e, mods in EXTRA_MODULES.items() if top in mods), own)
    if extra is None:
        return UsageError(f"the Python package {top!r} is not installed",
                          hint=f"reinstall the toolkit: pip install --force-reinstall {DISTRIBUTION}")
    return UsageError(
        f"this needs the toolkit's [{extra}] extra (the Python package {top!r} is not installed)",
        hint=f"pip install '{DISTRIBUTION}[{extra}]'")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    if getattr(args, "_missing", False):
        print(f"crm-vocab: the '{args.command}' command is not available in this version", file=sys.stderr)
        return 2
    from .project import find_project, load_project

    try:
        module = importlib.import_module(args._module)
        needs = getattr(module, "needs_project", None)
        if needs is None or needs(args):
            project = load_project(args.project)
        else:
            project = find_project(args.project)
        try:
            return int(module.run(args, project) or 0)
        except ModuleNotFoundError as exc:
            err = missing_dependency(args.command, exc)
            if err is None:
                raise
            raise err from None
    except CrmVocabError as exc:
        print(f"crm-vocab {args.command}: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("crm-vocab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug: one line and its own exit code, never a traceback
        if os.environ.get("CRM_VOCAB_DEBUG"):
            import traceback

            traceback.print_exc()
        print(crash_message(args.command, exc), file=sys.stderr)
        return INTERNAL_EXIT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
