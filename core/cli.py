"""What every command line of the project shares: bad arguments exit with code 2 and one line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from core.errors import UserError


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's default prints the whole usage first
        self.exit(2, f"{self.prog}: error: {message}\n")


def exit_on_user_error(body: Callable[[], None]) -> None:
    """Run a CLI body; a UserError becomes one line on stderr and exit code 2."""
    try:
        body()
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
