"""What every `partnerops` command module shares: exit codes, the --profile option, and
one-line failures. Imports nothing heavy: each command's --help must stay quick."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from console.exits import EXIT_ERROR, EXIT_USAGE, fail
from sync.profile import Profile, ProfileError, load_profile

# Re-exported: the command modules take everything they share from here.
__all__ = [
    "EXIT_ERROR",
    "EXIT_USAGE",
    "ProfileOption",
    "cache_of",
    "fail",
    "open_cache_orfail",
    "profile_from",
    "resolve_profile",
]

ProfileOption = Annotated[
    str | None,
    typer.Option("--profile", "-p", help="Profile to use (default: PARTNEROPS_PROFILE or config)."),
]


def resolve_profile(name: str | None) -> Profile:
    try:
        return load_profile(name)
    except ProfileError as exc:
        fail(str(exc), EXIT_USAGE)


def profile_from(ctx: typer.Context, name: str | None) -> Profile:
    """The profile named on the sub-command, else the one given before it (`-p P alerts …`)."""
    return resolve_profile(name or ctx.obj)


def open_cache_orfail(profile: Profile) -> sqlite3.Connection:
    """The profile's cache, or one line saying why not (none yet, damaged, too new)."""
    from local_store.database import CacheError, open_cache

    try:
        return open_cache(profile.cache_path)
    except CacheError as exc:
        fail(str(exc))


@contextmanager
def cache_of(profile: Profile) -> Iterator[sqlite3.Connection]:
    """`open_cache_orfail`, closed at the end of the block."""
    conn = open_cache_orfail(profile)
    try:
        yield conn
    finally:
        conn.close()
