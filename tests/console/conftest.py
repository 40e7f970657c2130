"""Fixtures of the TUI tests; the data itself is in `console_fixtures`."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_fixtures import fill_cache

from local_store.database import open_cache
from sync.profile import Profile


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    """300 active clients (two with hostile names) and 5 ended ones."""
    path = tmp_path / "test.sqlite3"
    conn = open_cache(path, create=True)
    fill_cache(conn, 300, ended=5)
    conn.close()
    return path


@pytest.fixture
def profile(cache_file: Path) -> Profile:
    return Profile(name="test", cache_path=cache_file)
