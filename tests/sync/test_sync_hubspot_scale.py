"""HubSpot as a source at 12,000 partner clients and 12,000 partner services, against the
double in process on a virtual clock: the sync converges to the double's ground truth after
updates, a bulk edit sharing one timestamp, archives, merges, moved associations, search lag
and a DAILY stop, and never sends more than 5 searches in any second or more than the burst
in any 10 s, retries included (arrival times carry jitter, so the margin is exercised)."""

from __future__ import annotations

import copy
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from fake_hubspot import (
    BASE_MS,
    CLIENTS,
    SERVICES,
    TOKEN,
    FakeHubSpot,
    FakeRecord,
    VirtualClock,
)

from local_store.database import open_cache
from local_store.paths import cache_path
from sync.hubspot.api import HubSpotClient, HubSpotDailyLimit
from sync.hubspot.pull import pull_hubspot
from sync.hubspot.settings import load_settings
from sync.pull import PullReport

SIZE = 12_000
MINUTE_MS = 60_000
T0 = BASE_MS + 24 * 60 * MINUTE_MS  # the first sync: a day after every record was made
SETTINGS = {
    "full_pass_max": 1_000,  # 12,000 clients: every sync after the first searches
    "id_sweep_minutes": 24 * 60,
    "association_sweep_minutes": 24 * 60,
}


def pull(fake: FakeHubSpot, now_ms: int, **overrides: Any) -> PullReport:
    clock = fake.clock
    assert isinstance(clock, VirtualClock)
    clock.sleep(60)  # a minute since the last sync: a fresh client starts with empty windows
    settings = load_settings(MappingProxyType({"hubspot": {**SETTINGS, **overrides}}))
    conn = open_cache(cache_path("hs"), create=True)
    try:
        with HubSpotClient(
            TOKEN, transport=fake.transport(), clock=clock, sleep=clock.sleep
        ) as api:
            return pull_hubspot(api, conn, settings, now_ms=now_ms)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeHubSpot, Path]]:
    """12,000 clients with a service each, synced once (a full pass); tests get copies."""
    fake = FakeHubSpot(clock=VirtualClock(), arrival_jitter_s=0.1, seed=7)
    for n in range(SIZE):
        fake.add_service(fake.add_client(updated_ms=BASE_MS + n), updated_ms=BASE_MS + n)
    data = tmp_path_factory.mktemp("hubspot-12k")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARTNEROPS_DATA_DIR", str(data))
        pull(fake, T0)
        template = cache_path("hs")
    yield fake, template


@pytest.fixture
def fake(synced: tuple[FakeHubSpot, Path]) -> FakeHubSpot:
    base, template = synced
    copied = copy.deepcopy(base)
    copied.sent.clear()
    target = cache_path("hs")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(template) as source, sqlite3.connect(target) as destination:
        source.backup(destination)
    os.chmod(target, 0o600)
    return copied


def clients(fake: FakeHubSpot, start: int, count: int) -> list[FakeRecord]:
    return list(fake.live(CLIENTS).values())[start : start + count]


def services(fake: FakeHubSpot, start: int, count: int) -> list[FakeRecord]:
    return list(fake.live(SERVICES).values())[start : start + count]


def assert_converged(fake: FakeHubSpot) -> None:
    with open_cache(cache_path("hs")) as conn:
        cached = {r[0]: r[1:] for r in conn.execute("SELECT id, name, version FROM client")}
        owners = dict(conn.execute("SELECT id, client_id FROM subscription"))
        raw = {r[0] for r in conn.execute("SELECT id FROM raw_properties")}
    truth = {r.id: (r.properties["hs_name"], r.updated_ms) for r in fake.live(CLIENTS).values()}
    assert cached == truth
    assert owners == {i: fake.client_of[i] for i in fake.live(SERVICES)}
    assert raw == set(truth) | set(owners)  # nothing lingers, not even raw properties


def assert_within_limits(fake: FakeHubSpot) -> None:
    assert fake.most_in_any(1.0, searches=True) <= 5
    assert fake.most_in_any(10.0, searches=False) <= 100
    assert not [s for s in fake.sent if s.status == 429]  # never refused for its rate


def test_the_first_sync_cached_everything(fake: FakeHubSpot) -> None:
    assert_converged(fake)


@pytest.mark.parametrize("merge_bumps", [True, False], ids=["merge-bumps", "merge-silent"])
def test_converges_after_every_kind_of_change(fake: FakeHubSpot, merge_bumps: bool) -> None:
    fake.merge_bumps = merge_bumps
    t1 = T0 + 10 * MINUTE_MS
    for n, record in enumerate(clients(fake, 0, 300)):
        fake.update(record, t1 + n, hs_name=f"Renamed {record.id}")
    fake.bulk_update(clients(fake, 1_000, 2_500), t1 + 500, engagement_score="7")
    for record in clients(fake, 11_900, 5) + services(fake, 11_900, 5):
        fake.archive(record, t1 + 600)
    survivors, merged = clients(fake, 11_800, 3), clients(fake, 11_810, 3)
    for survivor, gone in zip(survivors, merged, strict=True):
        fake.merge(survivor, gone, t1 + 700)
    targets = clients(fake, 200, 10)
    for n, service in enumerate(services(fake, 500, 10)):
        fake.move_service(service, targets[n], t1 + 800, bump=n % 2 == 0)
    lagging = clients(fake, 11_000, 2)
    for record in lagging:
        fake.update(record, t1 + 900, hs_name="Indexed late")
    fake.unindexed.update(r.id for r in lagging)

    pull(fake, t1 + 2_000)
    fake.unindexed.clear()
    # Two minutes later; a day after the first sync, so both sweeps are due.
    pull(fake, T0 + 24 * 60 * MINUTE_MS + 2 * MINUTE_MS)
    assert_converged(fake)
    assert_within_limits(fake)


def test_merged_away_ids_leave_at_once_when_the_survivor_changes(fake: FakeHubSpot) -> None:
    survivor, gone = clients(fake, 10, 2)
    fake.merge(survivor, gone, T0 + MINUTE_MS)
    pull(fake, T0 + 2 * MINUTE_MS)
    assert_converged(fake)
    listings = [s for s in fake.sent if s.method == "GET" and s.query.get("archived") == "false"]
    assert all(s.query["limit"] == "1" for s in listings)  # no id sweep was needed


def test_merged_away_ids_leave_with_the_id_sweep_when_nothing_changes(
    fake: FakeHubSpot,
) -> None:
    fake.merge_bumps = False
    survivor, gone = clients(fake, 10, 2)
    fake.merge(survivor, gone, T0 + MINUTE_MS)
    pull(fake, T0 + 2 * MINUTE_MS)
    with open_cache(cache_path("hs")) as conn:
        lingering = conn.execute("SELECT count(*) FROM client WHERE id = ?", (gone.id,))
        assert lingering.fetchone()[0] == 1  # search cannot see a silent merge
    report = pull(fake, T0 + 24 * 60 * MINUTE_MS + MINUTE_MS)  # the id sweep is due
    assert report.deleted["clients"] == 1
    sweep = [s for s in fake.sent if "hs_merged_object_ids" in s.query.get("properties", "")]
    assert len(sweep) >= 2 * SIZE // 100  # both objects listed, ids only
    assert_converged(fake)


def move_a_service_to_a_client_that_changes(fake: FakeHubSpot) -> None:
    """The service's own timestamp stays; its new client's changes."""
    new_client = clients(fake, 7, 1)[0]
    fake.move_service(services(fake, 40, 1)[0], new_client, T0 + MINUTE_MS, bump=False)
    fake.update(new_client, T0 + MINUTE_MS, hs_name="Took over a service")


def test_a_moved_service_follows_its_changed_client(fake: FakeHubSpot) -> None:
    move_a_service_to_a_client_that_changes(fake)
    report = pull(fake, T0 + 2 * MINUTE_MS)
    assert report.pulled["subscriptions"] == 1
    assert_converged(fake)


def test_the_association_sweep_finds_moves_that_changed_nothing(fake: FakeHubSpot) -> None:
    for n, service in enumerate(services(fake, 100, 4)):
        fake.move_service(service, clients(fake, 3_000 + n, 1)[0], T0 + MINUTE_MS, bump=False)
    pull(fake, T0 + 2 * MINUTE_MS, association_sweep_minutes=0)
    reads = [s.body for s in fake.sent if s.path.endswith("partner_clients/batch/read")]
    assert max(len(body["inputs"]) for body in reads) == 1_000
    assert sum(len(body["inputs"]) for body in reads) >= SIZE
    assert_converged(fake)


def test_look_back_skips_what_the_cache_already_holds(fake: FakeHubSpot) -> None:
    t1 = T0 + MINUTE_MS
    fake.bulk_update(clients(fake, 0, 10_500), t1, engagement_score="2")
    assert pull(fake, t1 + MINUTE_MS).pulled["clients"] == 10_500
    fake.sent.clear()
    # The next sync's look-back covers the bulk edit: one count, nothing read again.
    report = pull(fake, t1 + 2 * MINUTE_MS)
    assert report.pulled["clients"] == 0
    client_searches = [s for s in fake.searches() if CLIENTS in s.path]
    assert len(client_searches) == 2  # the new window, and the look-back's count
    assert client_searches[1].body["limit"] == 1


def test_look_back_reads_only_the_records_indexed_late(fake: FakeHubSpot) -> None:
    t1 = T0 + MINUTE_MS
    bulk = clients(fake, 0, 10_500)
    fake.bulk_update(bulk, t1, engagement_score="2")
    late = clients(fake, 10_600, 1)[0]
    fake.update(late, t1 + 10, hs_name="Indexed late")
    fake.unindexed.add(late.id)
    pull(fake, t1 + MINUTE_MS)
    fake.unindexed.clear()
    report = pull(fake, t1 + 2 * MINUTE_MS)
    assert report.pulled["clients"] == 1  # the 10,500 held ones are skipped, not re-read
    assert_converged(fake)
    assert_within_limits(fake)


def test_a_daily_stop_resumes_without_missing_what_changed_meanwhile(
    fake: FakeHubSpot,
) -> None:
    t1 = T0 + MINUTE_MS
    fake.bulk_update(clients(fake, 0, 6_000), t1, engagement_score="3")
    fake.daily_limit = fake.daily_used + 20  # runs out in the middle of the search
    with pytest.raises(HubSpotDailyLimit):
        pull(fake, t1 + MINUTE_MS)
    assert [s.status for s in fake.sent].count(429) == 1  # stopped at once, not retried
    # While stopped: records before the search's cursor change, one is archived.
    t2 = t1 + 60 * MINUTE_MS
    for n, record in enumerate(clients(fake, 5, 20)):
        fake.update(record, t2 + n, hs_name=f"Changed while stopped {record.id}")
    fake.archive(clients(fake, 30, 1)[0], t2 + 50)
    fake.daily_limit, fake.daily_used = None, 0  # the next day
    pull(fake, t2 + 24 * 60 * MINUTE_MS)
    assert_converged(fake)  # in one sync, not the sync after


def test_searches_stay_under_five_a_second_with_retries(
    fake: FakeHubSpot, no_backoff: None
) -> None:
    t1 = T0 + MINUTE_MS
    fake.bulk_update(clients(fake, 0, 10_500), t1, engagement_score="4")
    fake.fail_next(429, policy="SECONDLY", path_contains="/search", times=2)
    fake.fail_next(502, path_contains="/search")
    pull(fake, t1 + MINUTE_MS)
    refused = [s for s in fake.sent if s.status in (429, 502)]
    assert len(refused) == 3  # only the ones injected: the rate itself was never refused
    assert len(fake.searches()) > 60
    assert fake.most_in_any(1.0, searches=True) <= 5
    assert fake.most_in_any(10.0, searches=False) <= 100
    assert_converged(fake)


def test_a_stop_before_the_association_step_leaves_the_sweep_due(fake: FakeHubSpot) -> None:
    move_a_service_to_a_client_that_changes(fake)
    fake.fail_next(429, policy="DAILY", path_contains="partner_clients/partner_services/batch")
    with pytest.raises(HubSpotDailyLimit):
        pull(fake, T0 + 2 * MINUTE_MS)
    fake.sent.clear()
    pull(fake, T0 + 3 * MINUTE_MS)  # nothing changed since: the sweep makes up for it
    assert_converged(fake)
    sweep = [s for s in fake.sent if s.path.endswith("partner_services/partner_clients/batch/read")]
    assert sum(len(s.body["inputs"]) for s in sweep) >= SIZE
