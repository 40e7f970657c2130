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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, NoReturn

from local_store.database import CacheError
from local_store.paths import data_dir
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


class DemoRunning(Exception):
    """Another `partnerops demo` holds the demo's cache."""


def _try_lock(handle: IO[str]) -> bool:
    """An exclusive lock on the open file, released when it is closed or the process ends."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextmanager
def demo_lock() -> Iterator[None]:
    """Hold the demo's lock for as long as the demo runs: one demo per data directory.

    A lock rather than a cache per run, so that after the demo there is one `demo` profile
    (`--profile demo`, `partnerops status`) with one cache. The operating system releases it
    when the demo ends, however it ends, so a crashed demo never leaves it behind.
    """
    path = data_dir() / "demo.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise DemoRunning(
                f"another `partnerops demo` is running on this machine{who}; close it first "
                "(a second demo would overwrite its cache), or open its data with "
                "`partnerops --profile demo`"
            )
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def run_demo(
    clients: int,
    seed: int,
    archetype: str,
    with_progress: Callable[[Callable[[Any], Any]], Any],
) -> None:
    """Serve a generated portfolio on loopback, sync it into the `demo` profile's fresh cache
    and open the TUI as an employee of `archetype`, on that archetype's start screen."""
    try:
        with demo_lock():
            _serve_demo(clients, seed, archetype, with_progress)
    except DemoRunning as exc:
        fail(str(exc))


def _serve_demo(
    clients: int,
    seed: int,
    archetype: str,
    with_progress: Callable[[Callable[[Any], Any]], Any],
) -> None:
    from datetime import date

    from backend.server import start_in_thread
    from backend.store import Store
    from local_store.paths import cache_path
    from sync.client import SyncError
    from sync.engine import run_sync
    from sync.profile import (
        ARCHETYPE_CLIENT_COLUMNS,
        ARCHETYPE_START_SCREEN,
        DEMO_PROFILE,
        write_demo_profile,
    )

    print(f"partnerops: generating a demo portfolio of {clients:,} clients…", file=sys.stderr)
    store = Store.generate(clients, seed, date.today())
    partner = store.partners[0]
    people = [e for e in partner.records("employees") if e["archetype"] == archetype]
    person = people[0] if people else next(iter(partner.records("employees")), None)
    user_email = person["email"] if person else None
    cache = cache_path(DEMO_PROFILE)
    # Each demo serves a new portfolio: a cache from the last one (its change tokens, its
    # queued actions) would mix two servers' data.
    for stale in (
        cache,
        cache.with_name(cache.name + "-wal"),
        cache.with_name(cache.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)
    write_demo_profile(user_email, archetype)
    with start_in_thread(store) as server:
        profile = Profile(
            name=DEMO_PROFILE,
            cache_path=cache,
            backend_url=server.url,
            token=partner.token,
            user_email=user_email,
            archetype=archetype,
            start_screen=ARCHETYPE_START_SCREEN[archetype],
            client_columns=ARCHETYPE_CLIENT_COLUMNS[archetype],
        )
        try:
            with_progress(lambda progress: run_sync(profile, progress=progress))
        except SyncError as exc:
            fail(str(exc), exc.exit_code)
        open_tui(profile)


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
