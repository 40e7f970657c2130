"""Exit codes and `fail`, every command's way out: one line on stderr, never a traceback.

Below both the entry point (`launch`) and the command modules, so neither imports the other
for them; imports nothing heavy, so the bare TUI start never loads Typer.
"""

from __future__ import annotations

import sys
from typing import NoReturn

EXIT_ERROR = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """One line on stderr and the exit code, never a traceback.

    Messages quote the server (refusals, errors) and the user's input: both shown inert.
    """
    from console.text import safe_text  # here: the bare TUI start must not pay for it

    print(f"partnerops: {safe_text(message)}", file=sys.stderr)
    raise SystemExit(code)
