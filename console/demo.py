"""`partnerops demo`: a generated portfolio served on loopback, synced into the demo profile.

One demo runs at a time per data directory (a lock, released by the operating system however the
demo ends), so a second demo never overwrites a running demo's cache.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from console.exits import fail
from console.tui import open_tui
from local_store.paths import data_dir
from sync.profile import Profile


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
