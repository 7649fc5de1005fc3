"""Errors meant for people: each says what went wrong, where, and how to fix it.

The CLI turns them into a message and an exit code; they never reach the user as a traceback.
"""
from __future__ import annotations


class CrmVocabError(Exception):
    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def render(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        return head + (f"\n  fix: {self.hint}" if self.hint else "")


class UsageError(CrmVocabError):
    """Unusable input or invocation (exit 2)."""

    exit_code = 2


class BuildError(CrmVocabError):
    """The sources cannot be built (exit 1); the previous output is left intact."""

    exit_code = 1


#: exit code of a crash: an unexpected exception, a bug in the toolkit rather than in the input
#: (0 = fine, 1 = invalid / findings, 2 = unusable input or invocation, 130 = interrupted)
INTERNAL_EXIT = 3
#: where a crash is reported (README.md "Reporting a bug")
REPORT_TO = "the crm-vocab issue tracker (README.md, 'Reporting a bug')"


def crash_message(command: str, exc: BaseException) -> str:
    """One line for an unexpected exception: which command, which error, where to report it."""
    detail = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in " ".join(str(exc).split()))
    if len(detail) > 200:
        detail = detail[:200] + "\u2026"
    what = type(exc).__name__ + (f": {detail}" if detail else "")
    return (f"crm-vocab {command}: internal error ({what}); this is a bug in crm-vocab, not a problem "
            f"with your input: please report it with the command and its input to {REPORT_TO} "
            f"(CRM_VOCAB_DEBUG=1 shows the traceback)")


def run_isolated(batch, items: list, crashed) -> list:
    """``batch(items)`` -> one result per item. When it raises an unexpected exception (a bug),
    the items are split in halves and each half run again, down to single items, so that a crash
    costs only the item(s) that cause it their result (``crashed(item, exc)``), and a batch of n
    with k such items costs about k log n extra runs. Errors meant for people (CrmVocabError) and
    interrupts pass through."""
    try:
        return batch(items)
    except (CrmVocabError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - find the item(s) that crash; the others keep their results
        if len(items) == 1:
            return [crashed(items[0], exc)]
    half = len(items) // 2
    return run_isolated(batch, items[:half], crashed) + run_isolated(batch, items[half:], crashed)
