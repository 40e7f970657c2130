"""The HubSpot client's pieces on their own: paths, the rate limiter, mapping, capabilities."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from sync.client import SyncError
from sync.hubspot.api import (
    HubSpotClient,
    Paths,
    RateLimiter,
    acquire_all,
    describe_error,
    missing_scopes,
)
from sync.hubspot.capabilities import available, unavailable_reason
from sync.hubspot.mapping import CLIENTS, SERVICES, epoch_ms, resolve_mapping, to_wire
from sync.hubspot.settings import load_settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_limiter_holds_the_eleventh_call_until_the_window_slides() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, 10.0, clock=clock, sleep=clock.sleep)
    for n in range(10):
        clock.now = n * 0.5
        assert limiter.acquire() == 0.0
    clock.now = 5.0
    assert limiter.acquire() == pytest.approx(5.0)  # the first call leaves the window at 10 s
    assert clock.now == pytest.approx(10.0)


def test_search_limiter_allows_five_a_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, 1.0, clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire() for _ in range(11)]
    assert waits[:5] == [0.0] * 5 and waits[5] == pytest.approx(1.0)
    assert clock.now == pytest.approx(2.0)


def test_api_version_lives_in_one_place() -> None:
    assert Paths("v3").objects(CLIENTS) == "/crm/v3/objects/partner_clients"
    assert Paths("v3").properties(SERVICES) == "/crm/v3/properties/partner_services"
    dated = Paths("2026-03")
    assert dated.search(CLIENTS) == "/crm/objects/2026-03/partner_clients/search"
    assert dated.properties(CLIENTS) == "/crm/properties/2026-03/partner_clients"


def test_client_uses_the_dated_path_and_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"results": [{"name": "hs_name"}]})

    with HubSpotClient(
        "secret-token", api_version="2026-03", transport=httpx.MockTransport(answer)
    ) as api:
        assert api.property_names(CLIENTS) == [{"name": "hs_name"}]
        assert "secret-token" not in repr(api)
    assert seen[0].url.path == "/crm/properties/2026-03/partner_clients"
    assert seen[0].headers["Authorization"] == "Bearer secret-token"


def test_error_line_carries_category_message_and_correlation_id() -> None:
    body = {"message": "bad\nthing", "category": "VALIDATION_ERROR", "correlationId": "abc-1"}
    assert describe_error(400, body) == (
        "HTTP 400 VALIDATION_ERROR: bad thing (correlation id abc-1)"
    )
    assert describe_error(500, {}) == "HTTP 500"


def test_default_mapping_discovers_properties_and_converts_values() -> None:
    discovered = [{"name": n} for n in ("name", "hs_domain", "mrr", "setup_issues", "extra")]
    mapping = resolve_mapping(CLIENTS, discovered, {})
    assert mapping.fields["name"] == "name" and mapping.fields["mrr_cents"] == "mrr"
    assert mapping.fields["industry"] is None
    assert "extra" in mapping.requested  # unmapped, still fetched for the raw view
    record = {
        "id": "7",
        "updatedAt": "2026-01-01T00:00:01.5Z",
        "properties": {"name": "Acme", "mrr": "99.99", "setup_issues": "a; b;", "hs_domain": ""},
    }
    wire = to_wire(mapping, record)
    assert wire["version"] == 1_767_225_601_500
    assert (wire["name"], wire["mrr_cents"], wire["setup_issues"]) == ("Acme", 9999, ["a", "b"])
    assert wire["domain"] == "" and wire["relationship"] == "managed"


def test_service_values_are_matched_to_console_choices() -> None:
    mapping = resolve_mapping(
        SERVICES, [{"name": n} for n in ("product", "edition", "start_date")], {}
    )
    wire = to_wire(
        mapping,
        {
            "id": "9",
            "properties": {
                "product": "sales_hub",
                "edition": "ENTERPRISE",
                "start_date": "1767225600000",
            },
        },
    )
    assert (wire["product"], wire["edition"]) == ("Sales Hub", "Enterprise")
    assert wire["start_date"] == "2026-01-01"
    assert "term" not in wire  # no default: the record is quarantined, not invented


def test_mapping_names_an_unknown_console_field() -> None:
    with pytest.raises(SyncError, match="no console field 'nmae'"):
        resolve_mapping(CLIENTS, [{"name": "hs_name"}], {"nmae": "hs_name"})


def test_epoch_ms_reads_both_forms() -> None:
    assert epoch_ms("1767225600000") == epoch_ms("2026-01-01T00:00:00Z") == 1_767_225_600_000
    assert epoch_ms("yesterday") is None


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"requests_per_10s": 0}, "requests_per_10s"),
        ({"mapping": {"contacts": {}}}, "partner_clients and partner_services"),
        ({"api_version": 3}, "api_version"),
    ],
)
def test_bad_settings_are_one_clear_line(table: dict, fragment: str) -> None:
    with pytest.raises(SyncError, match=fragment):
        load_settings({"hubspot": table})


def test_capabilities_say_what_hubspot_cannot_provide() -> None:
    assert available("hubspot", "clients") and available("backend", "tier")
    assert not available("hubspot", "renewals")
    assert unavailable_reason("hubspot", "team") == "Team: not available from this source (HubSpot)"
    assert unavailable_reason("backend", "team") is None


def test_capabilities_import_nothing_heavy() -> None:
    code = (
        "import sys, sync.hubspot.capabilities; "
        "print(any(m in sys.modules for m in ('httpx', 'pydantic', 'sqlmodel', 'textual')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_slots_in_both_windows_are_taken_at_the_same_moment() -> None:
    clock = FakeClock()
    burst, searches = RateLimiter(3, 10.0), RateLimiter(2, 1.0)
    for _ in range(3):
        acquire_all([burst, searches], clock=clock, sleep=clock.sleep)
        clock.now += 0.1
    # The burst window is full until 10 s: the search slot must not be stamped before that.
    acquire_all([burst, searches], clock=clock, sleep=clock.sleep)
    assert clock.now == pytest.approx(10.0)
    assert searches.pause_at(10.0) == 0.0  # one slot left of two at 10 s
    acquire_all([searches], clock=clock, sleep=clock.sleep)
    assert clock.now == pytest.approx(10.0)
    acquire_all([searches], clock=clock, sleep=clock.sleep)
    assert clock.now == pytest.approx(11.0)


def test_every_retried_search_waits_for_its_own_slot(no_backoff: None) -> None:
    clock = FakeClock()
    sent: list[float] = []
    refusals = iter([True, True, False] * 20)

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(clock.now)
        if next(refusals):
            return httpx.Response(429, json={"policyName": "SECONDLY", "status": "error"})
        return httpx.Response(200, json={"total": 0, "results": []})

    with HubSpotClient(
        "t", transport=httpx.MockTransport(answer), clock=clock, sleep=clock.sleep
    ) as api:
        for _ in range(10):
            api.search(CLIENTS, {"limit": 1})
    assert len(sent) == 30  # each search was refused twice, then answered
    assert all(b - a >= 1.25 - 1e-9 for a, b in zip(sent, sent[5:], strict=False))


@pytest.mark.parametrize(
    "body",
    [
        {"context": {"missingScopes": ["crm.objects.partner-services.read"]}},
        {
            "errors": [
                {"context": {"requiredGranularScopes": ["crm.objects.partner-services.read"]}}
            ]
        },
        {"errors": [{"context": {"requiredScopes": ["crm.objects.partner-services.read"]}}]},
    ],
)
def test_missing_scopes_are_read_from_every_documented_shape(body: dict) -> None:
    assert missing_scopes({"category": "MISSING_SCOPES", **body}) == [
        "crm.objects.partner-services.read"
    ]
    assert missing_scopes({"category": "MISSING_SCOPES"}) == []
