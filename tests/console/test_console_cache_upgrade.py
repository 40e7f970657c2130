"""A cache written by an older partnerops opens in the TUI, moved forward in place: an upgrade
on a laptop that is offline must not hide its data until the next sync."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from console.cache import CacheReader
from local_store.database import SCHEMA_VERSION, schema_version

FIXTURES = Path(__file__).parents[1] / "local_store" / "fixtures"


def cache_from(dump: str, path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / dump).read_text())
    conn.close()
    return path


def test_an_older_cache_is_upgraded_when_the_tui_opens_it(tmp_path: Path) -> None:
    path = cache_from("cache_v5.sql", tmp_path / "old.sqlite3")
    before = sqlite3.connect(path).execute("SELECT count(*) FROM client").fetchone()[0]
    reader = CacheReader(path)
    assert reader.open(), reader.problem
    assert schema_version(reader.ui) == SCHEMA_VERSION
    assert reader.ui.execute("SELECT count(*) FROM client").fetchone()[0] == before > 0


def test_a_cache_that_cannot_be_upgraded_says_what_to_do(tmp_path: Path) -> None:
    path = cache_from("cache_v5.sql", tmp_path / "old.sqlite3")
    conn = sqlite3.connect(path)
    # A table the next step alters, gone: the step fails and its transaction is undone.
    conn.execute("DROP TABLE renewal")
    conn.close()
    reader = CacheReader(path)
    assert not reader.open()
    assert reader.problem is not None and "could not be upgraded" in reader.problem
    assert "partnerops cache rebuild" in reader.problem
    assert schema_version(sqlite3.connect(path)) == 5
