"""The `partnerops` command's entry point.

`partnerops` alone opens the TUI without loading the command-line parser: importing Typer and
building our commands costs about a quarter of what a bare Textual app takes to paint.
Anything after the command name goes to the parser in `console.cli`.
Every failure ends as one line on stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import sys
from typing import NoReturn

from local_store.database import CacheError
from sync.profile import Profile, ProfileError, load_profile

EXIT_ERROR = 1
EXIT_USAGE = 2


def open_tui(profile: Profile) -> None:
    from console.app import PartnerOpsApp

    app = PartnerOpsApp(profile)
    # The modules loaded by now live as long as the process; frozen, they are no longer
    # walked by each full garbage collection (one landed in the first paint: ~60 ms).
    gc.freeze()
    app.run()


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """One line on stderr and the exit code, never a traceback (every command's way out)."""
    print(f"partnerops: {message}", file=sys.stderr)
    raise SystemExit(code)


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
