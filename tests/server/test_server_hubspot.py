"""HubSpot as the team server's upstream, against the HubSpot double of the sync suite: one
puller for the team, whose consoles sync from the server; the team's decisions outlive pulls."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_hubspot import (
    BASE_MS,
    CLIENTS,
    SCOPES,
    SERVICES,
    TOKEN,
    FakeHubSpot,
    VirtualClock,
    serve_fake,
)
from server_helpers import EMAILS, act, pull
from sqlalchemy import Engine
from typer.testing import CliRunner

from backend.server import RunningServer
from backend.team.hubspot import HubSpotUpstream
from backend.team.people import add_person, list_partners
from backend.team.run import open_database, start_team_in_thread
from backend.team.upstream import Refresher, RefreshReport, refresh
from console.cli import app
from local_store.database import open_cache
from sync.engine import run_sync
from sync.hubspot.api import HubSpotClient, MissingScopes
from sync.hubspot.settings import load_settings
from sync.profile import Profile

PARTNER = "Blueprint Consulting"
IN_HUBSPOT = 25  # clients, each with one service: three list pages of each at 10 a page
HOUR_MS = 3_600_000


@pytest.fixture
def fake() -> FakeHubSpot:
    """In process, on a virtual clock shared with the client's rate limiter: nothing sleeps."""
    fake = FakeHubSpot(clock=VirtualClock())
    for n in range(IN_HUBSPOT):
        client = fake.add_client(BASE_MS + n, owner_email=f"am{n % 3}@blueprint.example")
        fake.add_service(client, BASE_MS + n)
    return fake


def hubspot(fake: FakeHubSpot, **table: Any) -> HubSpotUpstream:
    settings = load_settings({"hubspot": {"page_size": 10, **table}})
    clock = fake.clock
    assert isinstance(clock, VirtualClock)
    api = HubSpotClient(
        TOKEN,
        requests_per_10s=settings.requests_per_10s,
        transport=fake.transport(),
        clock=clock,
        sleep=clock.sleep,
    )
    return HubSpotUpstream(PARTNER, settings, api)


@dataclass
class HubTeam:
    engine: Engine
    running: RunningServer[Engine]
    refresher: Refresher
    first: RefreshReport
    tokens: dict[str, str]

    def client(self, person: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[person]}"}
        return httpx.Client(base_url=self.running.url, headers=headers, timeout=30)

    def profile(self, person: str, data_dir: Path) -> Profile:
        return Profile(
            name=person,
            cache_path=data_dir / f"{person}.sqlite3",
            backend_url=self.running.url,
            token=self.tokens[person],
            user_email=EMAILS[person],
        )


@pytest.fixture
def hub_team(database: str, fake: FakeHubSpot) -> Iterator[HubTeam]:
    """A server whose upstream is the double: pulled once, Dana (admin) and Lee (member)."""
    engine = open_database(database)
    with hubspot(fake) as upstream:
        [first] = refresh(engine, upstream)
        refresher = Refresher(engine, upstream)
        running = start_team_in_thread(engine, refresher=refresher)
        tokens = {
            "dana": add_person(engine, PARTNER, EMAILS["dana"], "admin"),
            "lee": add_person(engine, PARTNER, EMAILS["lee"], "member"),
        }
        try:
            yield HubTeam(engine, running, refresher, first, tokens)
        finally:
            running.stop()
            engine.dispose()


def test_the_server_pulls_hubspot_and_consoles_sync_from_it(
    hub_team: HubTeam, fake: FakeHubSpot, tmp_path: Path
) -> None:
    clients, services = fake.live(CLIENTS), fake.live(SERVICES)
    assert list_partners(hub_team.engine) == [PARTNER]
    assert (hub_team.first.written, hub_team.first.deleted, hub_team.first.rejected) == (
        len(clients) + len(services),
        0,
        0,
    )
    lee, dana = hub_team.profile("lee", tmp_path), hub_team.profile("dana", tmp_path)
    asked_hubspot = len(fake.sent)
    report = run_sync(lee)
    run_sync(dana)
    assert len(fake.sent) == asked_hubspot  # consoles ask the server, never HubSpot
    assert report.pulled.pulled["clients"] == len(clients) and not report.pulled.quarantined
    conn = open_cache(lee.cache_path)
    try:
        cached = {
            row[0]: row[1:] for row in conn.execute("SELECT id, name, owner_email FROM client")
        }
        owners = dict(conn.execute("SELECT id, client_id FROM subscription").fetchall())
        mrr = dict(conn.execute("SELECT id, mrr_cents FROM subscription").fetchall())
    finally:
        conn.close()
    assert cached == {
        i: (r.properties["hs_name"], r.properties["owner_email"]) for i, r in clients.items()
    }
    assert owners == {i: fake.client_of[i] for i in services}
    assert set(mrr.values()) == {80_000}  # "800" dollars, mapped to cents


def _wait_for_change(client: httpx.Client, since: str) -> tuple[list[dict], list[str]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        changed, deleted, _ = pull(client, "clients", since=since)
        if changed or deleted:
            return changed, deleted
        time.sleep(0.05)
    raise AssertionError("the pull on demand changed nothing within 30 s")


def test_team_decisions_outlive_a_pull_and_archived_records_leave(
    hub_team: HubTeam, fake: FakeHubSpot, tmp_path: Path
) -> None:
    unassigned, noted, ended, archived = sorted(fake.live(CLIENTS), key=int)[:4]
    lee = hub_team.profile("lee", tmp_path)
    run_sync(lee)
    with hub_team.client("lee") as client:
        results = act(
            client,
            {"key": "h1", "kind": "assign_owner", "target_id": unassigned,
             "payload": {"owner_email": None}},
            {"key": "h2", "kind": "add_note", "target_id": "n-hub-1",
             "payload": {"target_type": "client", "target_id": noted, "text": "call Monday",
                         "author": "lee"}},
            {"key": "h3", "kind": "end_services", "target_id": ended},
        )  # fmt: skip
        assert [r["outcome"] for r in results] == ["applied"] * 3
        since = pull(client, "clients")[2]
    later = BASE_MS + HOUR_MS
    records = fake.records[CLIENTS]
    # HubSpot disagrees with the owner the team chose, and keeps listing the ended client.
    fake.update(records[unassigned], later, hs_name="Renamed in HubSpot", owner_email="x@b.example")
    fake.update(records[noted], later, hs_name="Noted, renamed")
    fake.update(records[ended], later, hs_name="Still in HubSpot")
    gone_services = [s for s, c in fake.client_of.items() if c == archived]
    fake.archive(records[archived], later)
    for service_id in gone_services:
        fake.archive(fake.records[SERVICES][service_id], later)

    with hub_team.client("dana") as client:  # on demand, as an admin
        started = client.post("/v1/admin/refresh")
        assert started.status_code == 202, started.text
        changed, deleted = _wait_for_change(client, since)
        notes = {note["id"]: note for note in pull(client, "notes")[0]}
    by_id = {record["id"]: record for record in changed}
    assert set(by_id) == {unassigned, noted} and deleted == [archived]
    kept = by_id[unassigned]
    assert (kept["name"], kept["owner_email"]) == ("Renamed in HubSpot", None)
    assert kept["changed_by"] == EMAILS["lee"]
    assert notes["n-hub-1"]["text"] == "call Monday"

    run_sync(lee)  # the console follows: the archived client and its service leave
    conn = open_cache(lee.cache_path)
    try:
        cached = {
            row[0]: row[1:] for row in conn.execute("SELECT id, name, owner_email FROM client")
        }
        services = {row[0] for row in conn.execute("SELECT client_id FROM subscription")}
        note = conn.execute("SELECT text FROM note WHERE id = 'n-hub-1'").fetchone()
    finally:
        conn.close()
    assert archived not in cached and ended not in cached
    assert archived not in services and ended not in services
    assert cached[unassigned] == ("Renamed in HubSpot", None)
    assert cached[noted][0] == "Noted, renamed" and note == ("call Monday",)
    assert len(cached) == IN_HUBSPOT - 2

    # HubSpot restores the archived client and its service: they come back; the ended one not.
    for record in [records[archived], *(fake.records[SERVICES][s] for s in gone_services)]:
        record.archived = False
        fake.update(record, later + HOUR_MS)
    [report] = refresh(hub_team.engine, hub_team.refresher.upstream)
    assert (report.written, report.deleted) == (1 + len(gone_services), 0)
    run_sync(lee)
    conn = open_cache(lee.cache_path)
    try:
        clients = {row[0] for row in conn.execute("SELECT id FROM client")}
        services = {row[0] for row in conn.execute("SELECT id FROM subscription")}
    finally:
        conn.close()
    assert archived in clients and ended not in clients and set(gone_services) <= services


def test_the_server_keeps_to_hubspots_rate_windows(database: str, fake: FakeHubSpot) -> None:
    """Two pulls back to back at 8 requests per 10 s: the limiter lives as long as the
    upstream, so the second pull waits for the first one's window instead of hitting 429."""
    fake.burst_per_10s = 8
    engine = open_database(database)
    try:
        with hubspot(fake, requests_per_10s=8) as upstream:
            refresh(engine, upstream)
            refresh(engine, upstream)
    finally:
        engine.dispose()
    assert len(fake.sent) > 3 * 8  # enough requests that the limiter had to hold some back
    assert [s.path for s in fake.sent if s.status == 429] == []
    assert fake.most_in_any(10.0, searches=False) <= 8


def test_a_missing_scope_writes_nothing(database: str, fake: FakeHubSpot) -> None:
    engine = open_database(database)
    try:
        with hubspot(fake) as upstream:
            fake.granted.discard(SCOPES[SERVICES])
            with pytest.raises(MissingScopes, match="crm.objects.partner-services.read"):
                refresh(engine, upstream)
            assert list_partners(engine) == []
            fake.granted.add(SCOPES[SERVICES])
            [report] = refresh(engine, upstream)
    finally:
        engine.dispose()
    assert report.written == 2 * IN_HUBSPOT


runner = CliRunner()


@pytest.fixture
def hubspot_profile(fake: FakeHubSpot, tmp_path: Path) -> Iterator[str]:
    """The double on loopback (real time), and a HubSpot profile pointing at it."""
    fake.clock = time.monotonic
    with serve_fake(fake) as url:
        (tmp_path / "config.toml").write_text(
            f'[profiles.hs]\nsource = "hubspot"\n\n[profiles.hs.hubspot]\n'
            f'api_base_url = "{url}"\npage_size = 10\n'
        )
        yield "hs"


def _server(*args: str, token: str | None = TOKEN) -> tuple[int, str, str]:
    env = {"PARTNEROPS_HUBSPOT_TOKEN": token} if token else {"PARTNEROPS_HUBSPOT_TOKEN": ""}
    result = runner.invoke(app, ["server", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_server_refresh_from_hubspot_on_demand(
    database: str, fake: FakeHubSpot, hubspot_profile: str
) -> None:
    hub = ["--hubspot", "--partner", PARTNER, "--hubspot-profile", hubspot_profile]
    code, _, said = _server("run", *hub, "--database", database, token="pat-na1-wrong")
    assert code == 3 and said.count("\n") == 1 and "check PARTNEROPS_HUBSPOT_TOKEN" in said
    assert "pat-na1-wrong" not in said
    fake.granted.discard(SCOPES[CLIENTS])
    code, out, said = _server("refresh", *hub, "--database", database)
    assert code == 3 and out == ""
    assert said.count("\n") == 1 and "crm.objects.partner-clients.read" in said
    code, _, said = _server("run", *hub, "--database", database, "--port", "0")
    assert code == 3 and said.count("\n") == 1  # checked before it serves
    fake.granted.add(SCOPES[CLIENTS])
    code, out, _ = _server("refresh", *hub, "--database", database)
    assert code == 0 and out == f"partner {PARTNER}: {2 * IN_HUBSPOT} written, 0 deleted\n"
    fake.archive(next(iter(fake.live(SERVICES).values())), BASE_MS + HOUR_MS)
    code, out, _ = _server("refresh", *hub, "--database", database)
    assert code == 0 and out == f"partner {PARTNER}: 0 written, 1 deleted\n"
    assert all(TOKEN not in s.path for s in fake.sent)


@pytest.mark.parametrize(
    ("args", "token", "message"),
    [
        (["--hubspot", "--partner", PARTNER], None, "set PARTNEROPS_HUBSPOT_TOKEN"),
        (["--hubspot"], TOKEN, "--hubspot needs --partner NAME"),
        (["--partner", PARTNER, "--demo"], TOKEN, "--partner and --hubspot-profile go with"),
        (["--hubspot", "--demo", "--partner", PARTNER], TOKEN, "give one upstream"),
    ],
)
def test_server_hubspot_usage_errors(
    args: list[str], token: str | None, message: str, tmp_path: Path
) -> None:
    code, out, said = _server("refresh", *args, "--database", str(tmp_path / "t.db"), token=token)
    assert code == 2 and out == "" and said.count("\n") == 1 and message in said
