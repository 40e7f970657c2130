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
from collections.abc import Iterable
from typing import Any, TextIO, cast

from console.exits import EXIT_ERROR, EXIT_USAGE, fail
from console.tui import open_tui
from local_store.database import CacheError
from sync.profile import ProfileError, load_profile


class _PipeStdout:
    """`sys.stdout` for the commands: a reader that closed the pipe (`| head`) raises a
    BrokenPipeError without an errno, which Click lets through (it ends an EPIPE with exit 1)
    to `main`, where a closed pipe is a normal end."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise BrokenPipeError("the reader closed the pipe") from None

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise BrokenPipeError("the reader closed the pipe") from None


def _run_command_line() -> int:
    """The command named in `sys.argv`, its exit code returned; a usage error (unknown option,
    value out of range, missing argument) is one line like every other failure, exit 2."""
    import typer

    from console.cli import app

    try:
        from typer import TyperException as CommandLineError  # Typer vendors Click since 0.26
    except ImportError:  # an older Typer on plain Click
        from click import ClickException as CommandLineError  # type: ignore[assignment]
    sys.stdout = cast(TextIO, _PipeStdout(sys.stdout))
    try:
        # Not standalone: Click would print its three-line usage block.
        code = app(standalone_mode=False)
    except CommandLineError as exc:
        message = exc.format_message()
        if "\n" in message:  # a group named without its command: the message is its help
            print(message, file=sys.stderr)
            raise SystemExit(exc.exit_code) from None
        if exc.exit_code == EXIT_USAGE:
            context = getattr(exc, "ctx", None)
            command = context.command_path if context else "partnerops"
            message = f"{message.rstrip('.')} (see `{command} --help`)"
        fail(message, exc.exit_code)
    except typer.Abort:
        fail("interrupted", 130)
    return code if isinstance(code, int) else 0


def main() -> None:
    code = 0
    try:
        if sys.argv[1:]:
            code = _run_command_line()
        else:
            open_tui(load_profile())
        # Still inside the handlers: a reader that closed the pipe shows up at this flush.
        sys.stdout.flush()
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
    sys.exit(code)


if __name__ == "__main__":
    main()
