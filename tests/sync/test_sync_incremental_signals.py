"""After a sync, health and local alerts are recomputed only for the clients it touched, and
that gives exactly what a recompute of every client gives, even after an interrupted sync.

The data is the reference backend's portfolio (200 clients, seed 7, the one the console's
`portfolio_cache` fixture syncs), changed on the backend between syncs as real edits would:
world moves (engagement, renewals, churn, wins) plus rows that move to another client.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from loopback_backend import TODAY, profile_for

from backend.server import RunningServer, start_in_thread
from backend.store import PartnerStore, Store
from backend.world import apply_world_moves
from local_store import alert_rules, writes
from local_store.database import open_cache, write_transaction
from local_store.signals import refresh_signals
from sync.client import BackendClient
from sync.engine import run_sync
from sync.profile import Profile
from sync.pull import pull_all

FIXED_NOW = "2026-11-23T09:00:00+00:00"


@pytest.fixture
def portfolio(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningServer]:
    # One clock for every evaluation, so a full and an incremental run can be compared row
    # for row (the alert timestamps are the evaluation's wall-clock time).
    monkeypatch.setattr(alert_rules, "utc_now_text", lambda: FIXED_NOW)
    with start_in_thread(Store.generate(200, seed=7, today=TODAY)) as server:
        yield server


def _health(conn: sqlite3.Connection) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in conn.execute(
            "SELECT id, health_score, health_reasons, products, next_renewal_date FROM client"
        )
    }


def _alerts(conn: sqlite3.Connection) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in conn.execute("SELECT * FROM local_alert")}


def _full_recompute(conn: sqlite3.Connection) -> tuple[dict, dict]:
    """Health and local alerts as a recompute of every client gives them (on a copy)."""
    copy = sqlite3.connect(":memory:", isolation_level=None)
    conn.backup(copy)
    try:
        with write_transaction(copy):
            writes.update_client_rollups(copy)
        assert refresh_signals(copy, {}, data_changed=True)
        return _health(copy), _alerts(copy)
    finally:
        copy.close()


def _assert_same_as_full(conn: sqlite3.Connection) -> None:
    health, alerts = _full_recompute(conn)
    stored_health, stored_alerts = _health(conn), _alerts(conn)
    assert stored_health.keys() == health.keys()
    stale = sorted(i for i in health if stored_health[i] != health[i])
    assert not stale, f"{len(stale)} stale clients, e.g. {stale[0]}: {stored_health[stale[0]]}"
    assert stored_alerts.keys() == alerts.keys()
    wrong = sorted(i for i in alerts if stored_alerts[i] != alerts[i])
    assert not wrong, f"{len(wrong)} alerts differ, e.g. {wrong[0]}: {stored_alerts[wrong[0]]}"


def _move_rows(partner: PartnerStore, rng: random.Random, count: int) -> None:
    """Give some usage rows, subscriptions and renewals to another client: both the old and
    the new owner's signals change."""
    clients = sorted(r["id"] for r in partner.records("clients"))
    for resource in ("usage", "subscriptions", "renewals"):
        for record in rng.sample(partner.records(resource), count):
            partner.update(resource, record["id"], client_id=rng.choice(clients))


def _change_backend(server: RunningServer, seed: int) -> None:
    partner = server.store.partners[0]
    rng = random.Random(seed)
    apply_world_moves(partner, rng, 40)
    _move_rows(partner, rng, 5)


def _synced(server: RunningServer) -> tuple[Profile, sqlite3.Connection]:
    profile = profile_for(server, 0, name="portfolio")
    run_sync(profile)
    return profile, open_cache(profile.cache_path)


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_sync_recomputes_like_a_full_one(portfolio: RunningServer, seed: int) -> None:
    profile, conn = _synced(portfolio)
    try:
        before_health, before_alerts = _health(conn), _alerts(conn)
        assert before_alerts, "the portfolio raises local alerts"
        _change_backend(portfolio, seed)
        run_sync(profile)

        assert conn.execute("SELECT count(*) FROM dirty_client").fetchone()[0] == 0
        _assert_same_as_full(conn)
        # The changes did reach the signals: the comparison above compared something.
        after_health = _health(conn)
        assert any(after_health.get(i) != before_health[i] for i in before_health)
        assert _alerts(conn) != before_alerts
    finally:
        conn.close()


def test_clean_clients_keep_their_alerts_and_triage_exactly(
    portfolio: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile, conn = _synced(portfolio)
    try:
        with conn:
            # Triage on every alert, as a person would have done: a recompute of a clean
            # client would write the alert again (new time), not its triage.
            conn.execute("UPDATE local_alert SET assignee = 'ana@example.com'")
        before = _alerts(conn)
        monkeypatch.setattr(alert_rules, "utc_now_text", lambda: "2026-11-23T10:00:00+00:00")
        partner = portfolio.store.partners[0]
        touched = sorted(r["id"] for r in partner.records("clients"))[:3]
        for client_id in touched:
            partner.update("clients", client_id, engagement_score=1)
        run_sync(profile)
        after = _alerts(conn)
        changed = {i for i in after if after[i] != before.get(i)}
        assert changed, "the touched clients' alerts were rewritten"
        assert {after[i][0] for i in changed} <= set(touched)
        assert all(row[12] == "ana@example.com" for i, row in after.items() if i in before)
    finally:
        conn.close()


def test_marks_survive_a_sync_killed_after_its_pull(portfolio: RunningServer) -> None:
    profile, conn = _synced(portfolio)
    try:
        _change_backend(portfolio, 3)
        with BackendClient(profile.backend_url, profile.token) as client:
            pull_all(client, conn)  # the process dies here, before health and rules
        assert conn.execute("SELECT count(*) FROM dirty_client").fetchone()[0] > 0
        # The next sync pulls nothing new, and still owes the recompute.
        report = run_sync(profile)
        assert not report.pulled.changed
        _assert_same_as_full(conn)
    finally:
        conn.close()


def test_marks_survive_a_sync_killed_half_way_through_its_pull(
    portfolio: RunningServer,
) -> None:
    profile, conn = _synced(portfolio)

    class Killed(Exception):
        pass

    def die_in_usage(resource: str, count: int) -> None:
        if resource == "usage" and count >= 5:
            raise Killed

    try:
        _change_backend(portfolio, 4)
        with BackendClient(profile.backend_url, profile.token) as client, pytest.raises(Killed):
            pull_all(client, conn, page_size=5, progress=die_in_usage)
        run_sync(profile)
        _assert_same_as_full(conn)
    finally:
        conn.close()


def test_a_new_day_recomputes_every_client(portfolio: RunningServer) -> None:
    _, conn = _synced(portfolio)
    try:
        with conn:
            conn.execute("UPDATE client SET health_score = NULL")
        assert not refresh_signals(conn, {})  # same day, nothing marked: nothing to do
        assert refresh_signals(conn, {}, today=date.today() + timedelta(days=1))
        nulls = conn.execute("SELECT count(*) FROM client WHERE health_score IS NULL")
        assert nulls.fetchone()[0] == 0
    finally:
        conn.close()
