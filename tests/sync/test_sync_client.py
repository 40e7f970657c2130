"""Unit tests of the HTTP client's transport rules (respx stands in for the network)."""

from __future__ import annotations

import httpx
import pytest
import respx

from sync.client import (
    BackendClient,
    BackendUnavailable,
    CredentialsRejected,
    SyncError,
    TokenExpired,
    check_backend_url,
)
from sync.retry import Retryable, backoff

URL = "http://127.0.0.1:9"
TOKEN = "s3cret-token-value"
EMPTY_PAGE = {"items": [], "deleted": [], "next": "t1", "has_more": False}


def test_sends_bearer_token_and_parses_page() -> None:
    with respx.mock(base_url=URL) as mock:
        route = mock.get("/v1/changes/clients").respond(json=EMPTY_PAGE)
        with BackendClient(URL, TOKEN) as client:
            page = client.changes("clients", None, 10)
    assert page.next == "t1"
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "since" not in route.calls.last.request.url.params


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_credentials_stop_at_once_without_leaking_token(status: int) -> None:
    with respx.mock(base_url=URL) as mock:
        route = mock.get("/v1/changes/clients").respond(status)
        with BackendClient(URL, TOKEN) as client, pytest.raises(CredentialsRejected) as info:
            client.changes("clients", None, 10)
    assert route.call_count == 1
    assert TOKEN not in str(info.value) and TOKEN not in repr(client)
    assert info.value.exit_code != 1


def test_gone_token_asks_for_full_resync() -> None:
    with respx.mock(base_url=URL) as mock:
        mock.get("/v1/changes/clients").respond(410, json={"error": "token_expired"})
        with BackendClient(URL, TOKEN) as client, pytest.raises(TokenExpired):
            client.changes("clients", "old", 10)


def test_transient_answers_are_retried_until_success(no_backoff: None) -> None:
    with respx.mock(base_url=URL) as mock:
        route = mock.get("/v1/changes/clients")
        route.side_effect = [
            httpx.Response(429, headers={"Retry-After": "1"}),
            httpx.Response(503),
            httpx.Response(200, content=b'{"items": [], "del'),  # cut off mid-body
            httpx.Response(200, json=EMPTY_PAGE),
        ]
        with BackendClient(URL, TOKEN) as client:
            assert client.changes("clients", None, 10).next == "t1"
    assert route.call_count == 4


def test_retries_are_bounded(no_backoff: None) -> None:
    with respx.mock(base_url=URL) as mock:
        route = mock.get("/v1/changes/clients").respond(500)
        with BackendClient(URL, TOKEN) as client, pytest.raises(BackendUnavailable):
            client.changes("clients", None, 10)
    assert route.call_count == 5


def test_backoff_honours_retry_after_and_caps_it() -> None:
    assert backoff(Retryable("HTTP 429", 2.5)) == 2.5
    assert backoff(Retryable("HTTP 503")) is True
    assert backoff(httpx.ConnectError("refused")) is True
    assert backoff(ValueError("a bug")) is False


def test_unreachable_backend_is_one_clear_error(no_backoff: None) -> None:
    with respx.mock(base_url=URL) as mock:
        mock.get("/v1/changes/clients").mock(side_effect=httpx.ConnectError("refused"))
        with BackendClient(URL, TOKEN) as client, pytest.raises(BackendUnavailable) as info:
            client.changes("clients", None, 10)
    assert "cannot reach the backend" in str(info.value)


def test_malformed_page_is_reported_not_crashing() -> None:
    with respx.mock(base_url=URL) as mock:
        mock.get("/v1/changes/clients").respond(json={"items": "nope"})
        with BackendClient(URL, TOKEN) as client, pytest.raises(SyncError, match="malformed"):
            client.changes("clients", None, 10)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://127.0.0.1:8765", True),
        ("http://localhost:1", True),
        ("https://partners.example.com", True),
        ("http://partners.example.com", False),
        ("ftp://127.0.0.1", False),
        ("not a url", False),
    ],
)
def test_plain_http_only_on_loopback(url: str, ok: bool) -> None:
    if ok:
        assert check_backend_url(url) == url.rstrip("/")
    else:
        with pytest.raises(SyncError):
            check_backend_url(url)
