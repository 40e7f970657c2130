"""Fixtures for the reference backend: a small generated store and an in-process client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from backend_helpers import TODAY, TOKEN_A, TOKEN_B, TestClient

from backend.app import create_app
from backend.store import Store


@pytest.fixture
def store() -> Store:
    """Partner A with 60 clients, partner B with 6 (the generator's small second portfolio)."""
    return Store.generate(60, seed=7, today=TODAY, tokens=[TOKEN_A, TOKEN_B])


@pytest.fixture
def api(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store)) as client:
        yield client
