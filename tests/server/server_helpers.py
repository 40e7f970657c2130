"""Helpers for the team server tests (a uniquely named module, unlike conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from backend.server import RunningServer
from backend.team.people import add_person, list_partners
from backend.team.run import open_database, start_team_in_thread
from backend.team.upstream import Refresher, generator_upstream, refresh
from sync.profile import Profile

CLIENTS = 60
SEED = 7


@dataclass
class Team:
    """A migrated database with the demo portfolio, three people, and a server over it."""

    database: str
    engine: Engine
    running: RunningServer[Engine]
    partners: list[str]
    tokens: dict[str, str] = field(default_factory=dict)
    test_faults: bool = False

    @property
    def url(self) -> str:
        return self.running.url

    def restart(self) -> None:
        """Stop the server and serve the same database on the same port, in a new process state."""
        port = int(self.url.rsplit(":", 1)[1])
        self.running.stop()
        self.engine.dispose()
        self.engine = open_database(self.database)
        self.running = start_team_in_thread(
            self.engine, port=port, test_faults=self.test_faults, refresher=self._refresher()
        )

    def _refresher(self) -> Refresher:
        return Refresher(self.engine, generator_upstream(CLIENTS, SEED))

    def client(self, person: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[person]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def profile(self, person: str, data_dir: Path) -> Profile:
        return Profile(
            name=person,
            cache_path=data_dir / f"{person}.sqlite3",
            backend_url=self.url,
            token=self.tokens[person],
            user_email=EMAILS[person],
        )


EMAILS = {
    "dana": "dana@team.example",
    "lee": "lee@team.example",
    "otto": "otto@other.example",
}


@contextmanager
def start_team(database: str, *, test_faults: bool = False) -> Iterator[Team]:
    engine = open_database(database)
    refresh(engine, generator_upstream(CLIENTS, SEED))
    partners = list_partners(engine)
    running = start_team_in_thread(
        engine,
        test_faults=test_faults,
        refresher=Refresher(engine, generator_upstream(CLIENTS, SEED)),
    )
    team = Team(database, engine, running, partners, test_faults=test_faults)
    team.tokens["dana"] = add_person(engine, partners[0], EMAILS["dana"], "admin")
    team.tokens["lee"] = add_person(engine, partners[0], EMAILS["lee"], "member")
    team.tokens["otto"] = add_person(engine, partners[1], EMAILS["otto"], "admin")
    try:
        yield team
    finally:
        team.running.stop()
        team.engine.dispose()


def pull(
    client: httpx.Client, resource: str, since: str | None = None, limit: int = 1000
) -> tuple[list[dict[str, Any]], list[str], str]:
    """Drain one feed: (items, deleted ids, final token)."""
    items: list[dict[str, Any]] = []
    deleted: list[str] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if since is not None:
            params["since"] = since
        response = client.get(f"/v1/changes/{resource}", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        deleted += page["deleted"]
        since = page["next"]
        if not page["has_more"]:
            return items, deleted, since


def act(client: httpx.Client, *actions: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post("/v1/actions", json={"actions": list(actions)})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def today() -> str:
    return datetime.now(UTC).date().isoformat()
