"""HubSpot as a source, against the fake HubSpot on loopback: passes, windows, faults, resume."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import pytest
from fake_hubspot import BASE_MS, CLIENTS, TOKEN, FakeHubSpot, VirtualClock, serve_fake
from typer.testing import CliRunner

from console.cli import app
from local_store import outbox
from local_store.database import open_cache
from local_store.paths import cache_path
from local_store.raw_properties import raw_properties
from sync.client import BadResponse, SyncError
from sync.engine import run_sync
from sync.hubspot.api import HubSpotClient
from sync.hubspot.pull import pull_hubspot
from sync.hubspot.settings import load_settings
from sync.profile import Profile
from sync.pull import PullReport

HOUR_MS = 3_600_000
CAP = 50


@pytest.fixture
def fake() -> FakeHubSpot:
    """In process, on a virtual clock shared with the client's rate limiter: nothing sleeps."""
    return FakeHubSpot(search_cap=CAP, clock=VirtualClock())


@pytest.fixture
def url(fake: FakeHubSpot) -> Iterator[str]:
    """The double on loopback, for `run_sync` and the CLI, which take a URL and real time."""
    fake.clock = time.monotonic
    with serve_fake(fake) as base_url:
        yield base_url


def hubspot_settings(url: str, **overrides: Any) -> MappingProxyType:
    table = {
        "api_base_url": url,
        "page_size": 10,
        "search_page_size": 10,
        "search_cap": CAP,
        **overrides,
    }
    return MappingProxyType({"hubspot": table})


def make_profile(url: str, token: str = TOKEN, **overrides: Any) -> Profile:
    return Profile(
        name="hs",
        cache_path=cache_path("hs"),
        token=token,
        source="hubspot",
        settings=hubspot_settings(url, **overrides),
    )


def pull(fake: FakeHubSpot, now_ms: int, progress=None, **overrides: Any) -> PullReport:
    """One pull in process with an explicit time, so search windows are exact."""
    settings = load_settings(hubspot_settings("https://api.hubapi.com", **overrides))
    conn = open_cache(cache_path("hs"), create=True)
    clock = fake.clock
    assert isinstance(clock, VirtualClock)
    clock.sleep(60)  # syncs are a minute apart at least: each client starts with fresh windows
    try:
        with HubSpotClient(
            TOKEN,
            api_version=settings.api_version,
            transport=fake.transport(),
            clock=clock,
            sleep=clock.sleep,
        ) as api:
            return pull_hubspot(api, conn, settings, progress=progress, now_ms=now_ms)
    finally:
        conn.close()


def cache() -> sqlite3.Connection:
    return open_cache(cache_path("hs"))


def client_rows(conn: sqlite3.Connection) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in conn.execute("SELECT id, name, version FROM client")}


def expected_clients(fake: FakeHubSpot) -> dict[str, tuple]:
    return {
        r.id: (r.properties["hs_name"], r.updated_ms)
        for r in fake.records[CLIENTS].values()
        if not r.archived
    }


def portfolio(fake: FakeHubSpot, clients: int) -> None:
    for n in range(clients):
        fake.add_service(fake.add_client(updated_ms=BASE_MS + n))


def test_full_pass_pages_maps_and_keeps_raw_properties(fake: FakeHubSpot, url: str) -> None:
    portfolio(fake, 35)
    report = run_sync(make_profile(url))
    assert report.pulled.pulled == {"clients": 35, "subscriptions": 35}
    pages = [s for s in fake.sent if s.path == "/crm/v3/objects/partner_clients"]
    # The scope check reads one record, then the full pass pages 10 at a time with the cursor.
    assert [s.query["limit"] for s in pages] == ["1", "10", "10", "10", "10"]
    assert [bool(s.query.get("after")) for s in pages] == [False, False, True, True, True]
    with cache() as conn:
        assert client_rows(conn) == expected_clients(fake)
        first = fake.records[CLIENTS]["1001"]
        row = conn.execute(
            "SELECT domain, hub_id, mrr_cents, apps_in_use, relationship, products "
            "FROM client WHERE id = '1001'"
        ).fetchone()
        assert row == (
            "c1001.example",
            41_001,
            12_050,
            '["Zoom", "Slack"]',
            "managed",
            "Marketing Pro",
        )
        service = conn.execute(
            "SELECT client_id, product, edition, term, mrr_cents, renewal_date FROM subscription "
            "WHERE id = '1002'"
        ).fetchone()
        assert service == ("1001", "Marketing Hub", "Professional", "annual", 80_000, "2027-02-01")
        raw = raw_properties(conn, "1001")
    assert raw["partner_note"] == first.properties["partner_note"]  # unmapped, still kept
    assert raw["hs_name"] == "Client 1001"


def test_full_pass_detects_changes_and_sweeps_deleted_records(fake: FakeHubSpot, url: str) -> None:
    portfolio(fake, 12)
    run_sync(make_profile(url))
    assert run_sync(make_profile(url)).pulled.pulled == {"clients": 0, "subscriptions": 0}
    fake.update(fake.records[CLIENTS]["1003"], BASE_MS + HOUR_MS, hs_name="Renamed")
    del fake.records[CLIENTS]["1005"]  # gone without a trace (not even archived)
    report = run_sync(make_profile(url))
    assert report.pulled.pulled["clients"] == 1
    assert report.pulled.deleted["clients"] == 1
    with cache() as conn:
        assert client_rows(conn) == expected_clients(fake)


def test_search_windows_pull_only_what_changed(fake: FakeHubSpot) -> None:
    portfolio(fake, 30)
    t1 = BASE_MS + 10 * HOUR_MS
    pull(fake, t1, full_pass_max=5)  # the first sync is always a full pass
    for record_id in ("1001", "1021", "1041"):
        fake.update(fake.records[CLIENTS][record_id], t1 + 1000, hs_name=f"New {record_id}")
    fake.sent.clear()
    report = pull(fake, t1 + HOUR_MS, full_pass_max=5)
    assert report.pulled["clients"] == 3
    listed = [s.query for s in fake.sent if s.path == "/crm/v3/objects/partner_clients"]
    assert [q["archived"] for q in listed[1:]] == ["true"]  # no full listing after the probe
    windows = [s.body["filterGroups"][0]["filters"] for s in fake.searches()]
    assert windows[0][0] == {
        "propertyName": "hs_lastmodifieddate",
        "operator": "GTE",
        "value": str(t1),
    }
    assert windows[0][1]["value"] == str(t1 + HOUR_MS)  # half-open: LT the sync's start
    assert windows[-1][0]["value"] == str(t1 - 300_000)  # then the default look-back
    with cache() as conn:
        assert client_rows(conn) == expected_clients(fake)


def test_windows_past_the_search_cap_are_split(fake: FakeHubSpot) -> None:
    portfolio(fake, 6)
    t1 = BASE_MS + HOUR_MS
    pull(fake, t1, full_pass_max=1)
    for n in range(3 * CAP):
        fake.add_client(updated_ms=t1 + 10 * n)
    report = pull(fake, t1 + HOUR_MS, full_pass_max=1)
    assert report.pulled["clients"] == 3 * CAP
    with cache() as conn:
        assert client_rows(conn) == expected_clients(fake)
    ends = {int(s.body["filterGroups"][0]["filters"][1]["value"]) for s in fake.searches()}
    assert len(ends) > 2  # the window was halved, more than once


def test_equal_timestamps_page_by_object_id(fake: FakeHubSpot) -> None:
    portfolio(fake, 6)
    t1 = BASE_MS + HOUR_MS
    pull(fake, t1, full_pass_max=1)
    same = t1 + 5_000
    for _ in range(2 * CAP + 7):  # more than the cap share one millisecond: cannot be split
        fake.add_client(updated_ms=same)
    report = pull(fake, t1 + HOUR_MS, full_pass_max=1)
    assert report.pulled["clients"] == 2 * CAP + 7
    with cache() as conn:
        assert client_rows(conn) == expected_clients(fake)
    one_ms = [
        s.body["filterGroups"][0]["filters"]
        for s in fake.searches()
        if int(s.body["filterGroups"][0]["filters"][1]["value"])
        - int(s.body["filterGroups"][0]["filters"][0]["value"])
        == 1
    ]
    assert len({f[2]["value"] for f in one_ms}) > 2  # resumed by hs_object_id within 1 ms


@pytest.mark.parametrize(("lookback", "caught"), [(0, False), (300, True)])
def test_look_back_catches_changes_search_indexed_late(
    fake: FakeHubSpot, lookback: int, caught: bool
) -> None:
    portfolio(fake, 6)
    t1 = BASE_MS + HOUR_MS
    pull(fake, t1, full_pass_max=1, lookback_seconds=lookback)
    late = fake.records[CLIENTS]["1003"]
    fake.update(late, t1 + 1_000, hs_name="Indexed late")
    fake.unindexed.add(late.id)
    pull(fake, t1 + 2_000, full_pass_max=1, lookback_seconds=lookback)
    fake.unindexed.clear()
    pull(fake, t1 + 60_000, full_pass_max=1, lookback_seconds=lookback)
    with cache() as conn:
        name = conn.execute("SELECT name FROM client WHERE id = ?", (late.id,)).fetchone()[0]
    assert (name == "Indexed late") is caught


def test_archived_pass_removes_clients(fake: FakeHubSpot) -> None:
    portfolio(fake, 8)
    t1 = BASE_MS + HOUR_MS
    pull(fake, t1, full_pass_max=1)
    gone = fake.records[CLIENTS]["1007"]
    fake.archive(gone, t1 + 1_000)
    report = pull(fake, t1 + HOUR_MS, full_pass_max=1)
    assert report.deleted["clients"] == 1
    with cache() as conn:
        assert gone.id not in client_rows(conn)
        assert client_rows(conn) == expected_clients(fake)
        assert raw_properties(conn, gone.id) == {}
    assert all(gone.id not in json.dumps(s.body) for s in fake.searches())


def test_a_killed_sync_resumes_from_its_cursor_without_duplicates(fake: FakeHubSpot) -> None:
    portfolio(fake, 35)
    pages = []

    def kill_after_two_pages(resource: str, count: int) -> None:
        pages.append(resource)
        if len(pages) == 2:
            raise KeyboardInterrupt  # as abrupt as it gets inside the process

    with pytest.raises(KeyboardInterrupt):
        pull(fake, BASE_MS + HOUR_MS, progress=kill_after_two_pages)
    with cache() as conn:
        assert len(client_rows(conn)) == 20  # both committed pages, nothing more
    fake.sent.clear()
    pull(fake, BASE_MS + HOUR_MS)
    pages = [s.query for s in fake.sent if s.path == "/crm/v3/objects/partner_clients"]
    assert pages[1].get("after")  # after the scope probe: carried on, not from the start
    with cache() as conn:
        assert client_rows(conn) == expected_clients(fake)
        assert conn.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM subscription").fetchone()[0] == 35


def test_ten_secondly_429_and_502_are_retried(
    fake: FakeHubSpot, url: str, no_backoff: None
) -> None:
    portfolio(fake, 3)
    fake.fail_next(429, policy="TEN_SECONDLY_ROLLING", retry_after="0", path_contains="/objects/")
    fake.fail_next(502, path_contains="/objects/", times=2)
    report = run_sync(make_profile(url))
    assert report.pulled.pulled["clients"] == 3
    client_lists = [s for s in fake.sent if s.path == "/crm/v3/objects/partner_clients"]
    assert [s.status for s in client_lists[:4]] == [429, 502, 502, 200]  # the probe, retried


def test_daily_limit_stops_with_a_clear_line_and_exit_code_1(
    fake: FakeHubSpot, url: str, isolated_environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio(fake, 3)
    config = isolated_environment.parent / "config.toml"
    config.write_text(
        '[profiles.default]\nsource = "hubspot"\n\n'
        f'[profiles.default.hubspot]\napi_base_url = "{url}"\n'
    )
    monkeypatch.setenv("PARTNEROPS_TOKEN", TOKEN)
    correlation = fake.fail_next(429, policy="DAILY", message="You have reached your daily limit.")
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 1
    assert "daily API limit" in result.output
    assert correlation in result.output
    assert "Traceback" not in result.output
    assert TOKEN not in result.output
    assert len(fake.sent) == 1  # not retried


def test_error_is_one_line_with_correlation_id_and_no_token(
    fake: FakeHubSpot, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    correlation = fake.fail_next(400, message="Property values were not valid\nsecond line")
    with pytest.raises(BadResponse) as failure:
        run_sync(make_profile(url))
    message = str(failure.value)
    assert correlation in message and "VALIDATION_ERROR" in message
    assert "\n" not in message
    assert TOKEN not in message and TOKEN not in caplog.text


def test_rejected_token_never_appears_in_the_message(fake: FakeHubSpot, url: str) -> None:
    wrong = "pat-na1-not-the-right-one"
    with pytest.raises(SyncError) as failure:
        run_sync(make_profile(url, token=wrong))
    assert failure.value.exit_code == 3
    assert wrong not in str(failure.value)


def test_mapping_overrides_pick_other_properties(fake: FakeHubSpot, url: str) -> None:
    portfolio(fake, 2)
    mapping = {"partner_clients": {"name": "partner_note", "industry": "hs_domain"}}
    run_sync(make_profile(url, mapping=mapping))
    with cache() as conn:
        row = conn.execute("SELECT name, industry FROM client WHERE id = '1001'").fetchone()
    assert row == ("note 1001", "c1001.example")


def test_mapping_to_an_unknown_property_is_a_clear_error(fake: FakeHubSpot, url: str) -> None:
    with pytest.raises(SyncError, match="no_such_property"):
        run_sync(make_profile(url, mapping={"partner_clients": {"name": "no_such_property"}}))


def test_unmappable_records_are_quarantined_once(fake: FakeHubSpot, url: str) -> None:
    portfolio(fake, 3)
    fake.add_service(fake.records[CLIENTS]["1001"], hs_product="Toaster Hub")
    for _ in range(2):
        report = run_sync(make_profile(url))
    assert report.pulled.quarantined == {}  # unchanged since it was set aside
    with cache() as conn:
        reasons = conn.execute("SELECT resource, reason FROM quarantine").fetchall()
    assert len(reasons) == 1 and reasons[0][0] == "subscriptions" and "product" in reasons[0][1]


def test_local_actions_are_not_pushed_and_say_so(fake: FakeHubSpot, url: str) -> None:
    portfolio(fake, 2)
    run_sync(make_profile(url))
    with cache() as conn:
        outbox.end_services(conn, "1001")
    report = run_sync(make_profile(url))
    assert report.pushed.refused == [
        "End services (1001) is not available when the source is HubSpot; the action stays local"
    ]
    with cache() as conn:
        assert outbox.count_pending(conn) == 1
        status = conn.execute("SELECT services_status FROM client WHERE id = '1001'").fetchone()
    assert status == ("ending",)


def test_bad_hubspot_settings_stop_before_any_request(fake: FakeHubSpot, url: str) -> None:
    with pytest.raises(SyncError) as failure:
        run_sync(make_profile(url, lookback_seconds=-5))
    assert failure.value.exit_code == 2
    assert "hubspot.lookback_seconds" in str(failure.value)
    assert fake.sent == []


def test_health_follows_a_hubspot_sync_like_a_backend_one(fake: FakeHubSpot, url: str) -> None:
    portfolio(fake, 4)
    run_sync(make_profile(url))
    with cache() as conn:
        unscored = conn.execute("SELECT count(*) FROM client WHERE health_score IS NULL")
        assert unscored.fetchone()[0] == 0


def test_a_search_pass_rescores_the_client_it_changed(fake: FakeHubSpot, url: str) -> None:
    portfolio(fake, 6)
    profile = make_profile(url, full_pass_max=2)  # the second sync is a search pass
    run_sync(profile)
    with cache() as conn:
        before = dict(conn.execute("SELECT id, health_score FROM client"))
    fake.update(fake.records[CLIENTS]["1001"], int(time.time() * 1000), engagement_score="1")
    assert run_sync(profile).pulled.pulled["clients"] == 1
    with cache() as conn:
        after = dict(conn.execute("SELECT id, health_score FROM client"))
        assert conn.execute("SELECT count(*) FROM dirty_client").fetchone()[0] == 0
    assert after["1001"] < before["1001"]
    assert {i: s for i, s in after.items() if i != "1001"} == {
        i: s for i, s in before.items() if i != "1001"
    }


def test_the_dated_api_version_reads_the_same_account(fake: FakeHubSpot) -> None:
    portfolio(fake, 12)
    t1 = BASE_MS + HOUR_MS
    pull(fake, t1, full_pass_max=1, api_version="2026-03")
    fake.update(fake.records[CLIENTS]["1003"], t1 + 1_000, hs_name="Dated")
    assert pull(fake, t1 + HOUR_MS, full_pass_max=1, api_version="2026-03").pulled["clients"] == 1
    assert {s.path.split("/")[2] for s in fake.sent} == {"objects", "properties", "associations"}
    assert all("/2026-03/" in s.path for s in fake.sent)
    with cache() as conn:
        assert client_rows(conn) == expected_clients(fake)
