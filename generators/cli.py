"""``crm-vocab``: one command line for every job of the toolkit.

Each sub-command lives in its own module that exposes ``configure(parser)`` and
``run(args, project) -> int``; modules are imported only when their command runs, so
``crm-vocab check`` does not pay for importing LinkML.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .errors import INTERNAL_EXIT, CrmVocabError, crash_message

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("untp_crm_vocab.build", "build every artifact and the site into build/site/"),
    "validate": ("untp_crm_vocab.validate", "validate credentials: JSON Schema, JSON-LD and SHACL"),
    "check": ("untp_crm_vocab.check", "check mapping files (pull-request checks); --fix rewrites what is safe"),
    "recognise": ("untp_crm_vocab.recognise", "which requirements of one scheme does another scheme (or a credential) meet"),
    "coverage": ("untp_crm_vocab.coverage", "coverage of the harmonised criteria per scheme; diff two reports"),
    "upgrade": ("untp_crm_vocab.upgrade", "rewrite UNTP 0.5.0 credentials as unsigned UNTP 0.7.0 ones (drafts where 0.7.0 needs more)"),
    "serve": ("untp_crm_vocab.serve", "serve the built site locally with content negotiation"),
    "release": ("untp_crm_vocab.release", "freeze the working build into an immutable version"),
    "diff": ("untp_crm_vocab.diff", "list what changed between two versions, breaking or not"),
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="crm-vocab", description=__doc__.splitlines()[0])
    p.add_argument("--project", metavar="DIR", help="project root (default: this checkout)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, (mod, help_) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(_module=mod)
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # a command whose module is not there yet
            if exc.name != mod:
                raise
            sp.set_defaults(_missing=True)
            continue
        module.configure(sp)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    if getattr(args, "_missing", False):
        print(f"crm-vocab: the '{args.command}' command is not available in this version", file=sys.stderr)
        return 2
    from .project import load_project

    try:
        project = load_project(args.project)
        module = importlib.import_module(args._module)
        return int(module.run(args, project) or 0)
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
