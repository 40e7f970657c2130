"""The `partnerops` command's entry point.

`partnerops` alone opens the TUI without loading the command-line parser: importing Typer and
building our commands costs about a quarter of what a bare Textual app takes to paint.
Anything after the command name goes to the parser in `console.cli`.
Every failure ends as one line on stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import os
import sqlite3
import sys

from console.exits import EXIT_ERROR, EXIT_USAGE, fail
from console.tui import open_tui
from local_store.database import CacheError
from sync.profile import ProfileError, load_profile


def main() -> None:
    try:
        if sys.argv[1:]:
            from console.cli import app

            app()
        else:
            open_tui(load_profile())
    except ProfileError as exc:
        fail(str(exc), EXIT_USAGE)
    except CacheError as exc:
        fail(str(exc), EXIT_ERROR)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except BrokenPipeError:
        # A closed pipe that a command did not expect: still the reader's choice, not a failure.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except sqlite3.Error as exc:
        # A full or read-only disk, or a damaged file, met in the middle of a command.
        if os.environ.get("PARTNEROPS_DEBUG"):
            raise
        from local_store.rebuild import describe_cache_error

        fail(describe_cache_error(exc), EXIT_ERROR)
    except Exception as exc:
        if os.environ.get("PARTNEROPS_DEBUG"):
            raise
        fail(
            f"unexpected error ({type(exc).__name__}); "
            "run again with PARTNEROPS_DEBUG=1 for details",
            EXIT_ERROR,
        )


if __name__ == "__main__":
    main()
