"""Fixtures of the TUI tests; the hand-made data itself is in `console_fixtures`."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from console_fixtures import fill_cache

from backend.server import start_in_thread
from backend.store import Store
from local_store.database import open_cache
from sync.engine import run_sync
from sync.profile import Profile

PORTFOLIO_TODAY = date(2026, 11, 23)
PORTFOLIO_SYNCED_AT = "2026-11-23 08:57:00.000000"
"""Every resource's last sync in the portfolio cache: three minutes before `FIXED_NOW`."""


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


@pytest.fixture(scope="session")
def _synced_portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference backend's portfolio (200 clients, seed 7, 2026-11-23) synced once."""
    path = tmp_path_factory.mktemp("portfolio") / "portfolio.sqlite3"
    store = Store.generate(200, seed=7, today=PORTFOLIO_TODAY)
    with start_in_thread(store) as server:
        run_sync(
            Profile(
                name="portfolio",
                cache_path=path,
                backend_url=server.url,
                token=store.partners[0].token,
            )
        )
    conn = sqlite3.connect(path)
    with conn:
        # Sync times are wall-clock; fixed here so the header reads the same in every run.
        conn.execute("UPDATE sync_state SET last_success = ?", (PORTFOLIO_SYNCED_AT,))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def portfolio_cache(_synced_portfolio: Path, tmp_path: Path) -> Iterator[Path]:
    """A private copy of a cache synced from the real backend: every table filled."""
    path = tmp_path / "portfolio.sqlite3"
    shutil.copyfile(_synced_portfolio, path)
    path.chmod(0o600)
    yield path


@pytest.fixture
def portfolio_profile(portfolio_cache: Path) -> Profile:
    """A Value Driver profile on the portfolio cache, user ana (the first employee)."""
    conn = sqlite3.connect(portfolio_cache)
    email = conn.execute("SELECT email FROM employee ORDER BY id LIMIT 1").fetchone()[0]
    conn.close()
    return Profile(name="portfolio", cache_path=portfolio_cache, user_email=email)
