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
