"""Sync against the real reference backend on loopback, faults set through its switches."""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from loopback_backend import TODAY, cache_state, profile_for, server_state
from typer.testing import CliRunner

from backend.faults import Faults
from backend.server import RunningServer, start_in_thread
from backend.store import Store
from console.cli import app
from local_store import outbox
from local_store.database import open_cache
from sync.client import BackendClient
from sync.engine import run_sync
from sync.pull import PullReport, pull_all


class CountingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return super().handle_request(request)


def synced(server: RunningServer, partner: int = 0) -> sqlite3.Connection:
    profile = profile_for(server, partner, name=f"p{partner}")
    run_sync(profile)
    return open_cache(profile.cache_path)


def test_full_sync_mirrors_the_server_exactly(backend: RunningServer) -> None:
    conn = synced(backend)
    assert cache_state(conn) == server_state(backend.store)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    products, renewal = conn.execute(
        "SELECT products, next_renewal_date FROM client LIMIT 1"
    ).fetchone()
    assert products and renewal


def test_a_token_sees_only_its_own_partner(backend: RunningServer) -> None:
    first, second = synced(backend, 0), synced(backend, 1)
    ids_first = {r[0] for r in first.execute("SELECT id FROM client")}
    ids_second = {r[0] for r in second.execute("SELECT id FROM client")}
    assert ids_first == set(server_state(backend.store, 0)["clients"])
    assert ids_second == set(server_state(backend.store, 1)["clients"])
    assert not ids_first & ids_second
    assert (
        first.execute("SELECT name FROM partner").fetchone()
        != second.execute("SELECT name FROM partner").fetchone()
    )


def test_nothing_changed_costs_one_small_request_per_resource(backend: RunningServer) -> None:
    conn = synced(backend)
    transport = CountingTransport()
    with BackendClient(backend.url, backend.store.partners[0].token, transport=transport) as c:
        report = pull_all(c, conn)
    assert len(transport.requests) == len(server_state(backend.store))
    assert sum(report.pulled.values()) == 0


def test_incremental_sync_follows_a_moving_world(backend: RunningServer) -> None:
    conn = synced(backend)
    backend.store.faults = Faults(world_moves=25, seed=3)
    moved = run_sync(profile_for(backend, 0, name="p0")).pulled
    assert 0 < sum(moved.pulled.values()) < 1000
    assert sum(moved.deleted.values()) > 0
    backend.store.faults = Faults()
    run_sync(profile_for(backend, 0, name="p0"))  # settle whatever the last request moved
    assert cache_state(conn) == server_state(backend.store)


def test_expired_token_resyncs_and_removes_what_the_server_lost(backend: RunningServer) -> None:
    conn = synced(backend)
    with start_in_thread(Store.generate(40, seed=99, today=TODAY)) as other:
        profile = profile_for(other, 0, name="p0")
        report = run_sync(profile)
        assert set(report.pulled.resynced) == set(server_state(other.store))
        assert cache_state(conn) == server_state(other.store)


def test_killed_sync_resumes_without_duplicates(backend: RunningServer) -> None:
    profile = profile_for(backend, 0, name="p0")
    conn = open_cache(profile.cache_path, create=True)

    class Killed(Exception):
        pass

    def die_on_third_page(resource: str, count: int) -> None:
        if resource == "usage" and count >= 300:
            raise Killed

    with BackendClient(profile.backend_url, profile.token) as client:
        with pytest.raises(Killed):
            pull_all(client, conn, page_size=100, progress=die_on_third_page)
        partial = conn.execute("SELECT count(*) FROM usage").fetchone()[0]
        assert 0 < partial < len(server_state(backend.store)["usage"])
        report = pull_all(client, conn, page_size=100)
    assert report.pulled["clients"] == 0  # already complete before the kill
    assert cache_state(conn) == server_state(backend.store)


def test_flaky_backend_still_converges(backend: RunningServer, no_backoff: None) -> None:
    import stamina

    stamina.set_testing(True, attempts=30)
    backend.store.faults = Faults(error_rate=0.3, rate_limit_every=4, truncate_rate=0.1, seed=5)
    profile = profile_for(backend, 0, name="p0")
    run_sync(profile)
    backend.store.faults = Faults()
    assert cache_state(open_cache(profile.cache_path)) == server_state(backend.store)


def test_malformed_records_are_set_aside_and_the_rest_commits(backend: RunningServer) -> None:
    backend.store.faults = Faults(malformed_rate=0.05, seed=8)
    profile = profile_for(backend, 0, name="p0")
    report: PullReport = run_sync(profile).pulled
    conn = open_cache(profile.cache_path)
    quarantined = conn.execute("SELECT count(*), min(reason) FROM quarantine").fetchone()
    assert quarantined[0] == sum(report.quarantined.values()) > 0
    assert quarantined[1]
    assert conn.execute("SELECT count(*) FROM client").fetchone()[0] > 0


def test_actions_are_pushed_once_and_the_pull_confirms_them(backend: RunningServer) -> None:
    profile = profile_for(backend, 0, name="p0")
    run_sync(profile)
    conn = open_cache(profile.cache_path)
    client_id = conn.execute("SELECT id FROM client ORDER BY id LIMIT 1").fetchone()[0]
    outbox.end_services(conn, client_id)
    report = run_sync(profile)
    assert report.pushed.applied == 1 and not report.pushed.refused
    assert backend.store.partners[0].get("clients", client_id) is None
    assert conn.execute("SELECT count(*) FROM client WHERE id = ?", (client_id,)).fetchone()[0] == 0
    assert outbox.count_pending(conn) == 0
    assert cache_state(conn) == server_state(backend.store)


def test_rejected_action_is_reported_and_the_row_restored(backend: RunningServer) -> None:
    profile = profile_for(backend, 0, name="p0")
    run_sync(profile)
    conn = open_cache(profile.cache_path)
    client_id, owner = conn.execute("SELECT id, owner_email FROM client LIMIT 1").fetchone()
    outbox.assign_owner(conn, client_id, "stranger@nowhere.example")
    report = run_sync(profile)
    assert len(report.pushed.refused) == 1 and "refused by the server" in report.pushed.refused[0]
    assert (
        conn.execute("SELECT owner_email FROM client WHERE id = ?", (client_id,)).fetchone()[0]
        == owner
    )
    assert [e.state for e in outbox.refused_actions(conn)] == ["rejected"]
    run_sync(profile)
    assert len(outbox.refused_actions(conn)) == 1  # not retried


def test_wrong_token_exits_with_the_credentials_code(backend: RunningServer, monkeypatch) -> None:
    monkeypatch.setenv("PARTNEROPS_BACKEND_URL", backend.url)
    monkeypatch.setenv("PARTNEROPS_TOKEN", "not-the-token")
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 3
    assert "rejected the token" in result.output
    assert "not-the-token" not in result.output


def test_cli_sync_then_status(backend: RunningServer, monkeypatch) -> None:
    monkeypatch.setenv("PARTNEROPS_BACKEND_URL", backend.url)
    monkeypatch.setenv("PARTNEROPS_TOKEN", backend.store.partners[0].token)
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 0, result.output
    clients = len(server_state(backend.store)["clients"])
    status = CliRunner().invoke(app, ["status", "--format", "json"])
    assert status.exit_code == 0
    import json

    document = json.loads(status.stdout)
    assert document["counts"]["client"] == clients
    assert backend.store.partners[0].token not in status.output


def test_offline_note_and_snooze_reach_the_server_as_the_same_records(
    backend: RunningServer,
) -> None:
    profile = profile_for(backend, 0, name="p0")
    run_sync(profile)
    conn = open_cache(profile.cache_path)
    client_id = conn.execute("SELECT id FROM client ORDER BY id LIMIT 1").fetchone()[0]
    alert_id = conn.execute("SELECT id FROM alert WHERE status = 'open' LIMIT 1").fetchone()[0]
    author = conn.execute("SELECT email FROM employee LIMIT 1").fetchone()[0]
    outbox.add_note(conn, "client", client_id, "Asked about Ops Hub", author)
    until = TODAY.replace(day=30)
    outbox.snooze_alert(conn, alert_id, until, "waiting for budget", author)
    local_notes = dict(conn.execute("SELECT id, text FROM note WHERE version = 0"))
    assert sorted(local_notes.values()) == [
        "Asked about Ops Hub",
        "Snoozed until 2026-11-30: waiting for budget",
    ]
    report = run_sync(profile)
    assert report.pushed.applied == 2 and not report.pushed.refused
    keeper = backend.store.partners[0]
    assert {n: keeper.get("notes", n)["text"] for n in local_notes} == local_notes
    assert keeper.get("alerts", alert_id)["status"] == "snoozed"
    assert cache_state(conn) == server_state(backend.store)
