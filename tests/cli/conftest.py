"""A reference backend on loopback and a cache synced from it, for the scripted commands.

The portfolio is generated for today's date, the date the export commands use for their
windows (`--within`, days left), so both sides of every comparison agree on "today".
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from backend.server import RunningServer, start_in_thread
from backend.store import Store
from sync.engine import run_sync
from sync.profile import Profile

PORTFOLIO_CLIENTS = 240


@pytest.fixture(scope="session")
def export_backend() -> Iterator[RunningServer]:
    with start_in_thread(Store.generate(PORTFOLIO_CLIENTS, seed=13, today=date.today())) as server:
        yield server


@pytest.fixture(scope="session")
def _synced_cache(export_backend: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synced") / "synced.sqlite3"
    run_sync(
        Profile(
            name="synced",
            cache_path=path,
            backend_url=export_backend.url,
            token=export_backend.store.partners[0].token,
        )
    )
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def cli_cache(_synced_cache: Path, isolated_environment: Path) -> Path:
    """A private copy of the synced cache, where profile "default" looks for it."""
    isolated_environment.mkdir(parents=True, exist_ok=True)
    path = isolated_environment / "default.sqlite3"
    shutil.copyfile(_synced_cache, path)
    path.chmod(0o600)
    return path


@pytest.fixture
def owner_email(cli_cache: Path) -> str:
    """The employee who owns the most clients: the profile's user."""
    conn = sqlite3.connect(cli_cache)
    (email,) = conn.execute(
        "SELECT owner_email FROM client WHERE owner_email IS NOT NULL "
        "GROUP BY owner_email ORDER BY count(*) DESC, owner_email LIMIT 1"
    ).fetchone()
    conn.close()
    return email


def _write_config(backend_url: str, user_email: str | None, extra: str = "") -> None:
    lines = ["[profiles.default]", f'backend_url = "{backend_url}"']
    if user_email:
        lines.append(f'user_email = "{user_email}"')
    Path(os.environ["PARTNEROPS_CONFIG"]).write_text(
        "\n".join(lines) + "\n" + extra, encoding="utf-8"
    )


@pytest.fixture
def configure() -> Callable[..., None]:
    """Writes profile "default" (backend URL, user, extra TOML lines) to the test's config."""
    return _write_config


@pytest.fixture
def cli_profile(cli_cache: Path, owner_email: str, export_backend: RunningServer) -> Path:
    """Profile "default" configured on the synced cache; returns the cache's path."""
    _write_config(export_backend.url, owner_email)
    return cli_cache
