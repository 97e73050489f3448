"""The one way bad input is reported.

A `UserError` is something the person using the dashboard or a CLI can fix. Pages show it with `st.error`,
CLIs print it on one line and exit with code 2. Anything else that escapes is a bug.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """What part of the input was wrong; lets callers group or style messages."""

    CORPUS = "corpus"
    CONFIG = "config"
    RUN = "run"
    PROMPT = "prompt"
    MODEL = "model"


class UserError(ValueError):
    """Bad input, with a message that says what went wrong and what to do."""

    def __init__(self, message: str, kind: ErrorKind = ErrorKind.CONFIG) -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def message(self) -> str:
        return str(self)
