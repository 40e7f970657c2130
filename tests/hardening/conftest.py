"""Fixtures for the hardening tests: the loopback backend, and keyrings that are never the
user's real one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))

from hardening_helpers import MemoryKeyring  # noqa: E402
from loopback_backend import backend  # noqa: E402, F401  (the fixture)


def _swapped(replacement: KeyringBackend) -> Iterator[KeyringBackend]:
    keyring.set_keyring(replacement)
    try:
        yield replacement
    finally:
        # Not the backend found before: the rest of the session must not reach the real one.
        keyring.set_keyring(fail.Keyring())


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every hardening test gets an empty in-memory keyring unless it asks for none."""
    yield from _swapped(MemoryKeyring())


@pytest.fixture
def no_keyring(memory_keyring: MemoryKeyring) -> Iterator[KeyringBackend]:
    """What CI and headless Linux have: keyring's 'fail' backend."""
    yield from _swapped(fail.Keyring())
