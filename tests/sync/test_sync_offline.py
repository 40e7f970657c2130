"""A backend that cannot be reached is reported at the first attempt, while retries go on.

A closed port on loopback is the "backend gone" case: connection refused, for real.
"""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from loopback_backend import profile_for

from backend.server import RunningServer
from local_store.database import open_cache
from sync.client import BackendClient, BackendUnavailable
from sync.engine import run_sync


class StopRetrying(Exception):
    """Raised by the test's callback: proves it was called before any backoff or retry."""


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_the_first_refused_attempt_is_reported_while_retries_would_go_on() -> None:
    reasons: list[str] = []

    def unreachable(reason: str) -> None:
        reasons.append(reason)
        raise StopRetrying

    url = closed_port_url()
    # A long budget: without the callback this call would retry for a minute.
    client = BackendClient(url, "t0ken", retry_total_s=60, on_unreachable=unreachable)
    with client, pytest.raises(StopRetrying):
        client.changes("clients", None, 10)
    assert reasons == [f"cannot reach the backend at {url} (ConnectError)"]


def test_every_failed_attempt_is_reported_and_the_end_is_backend_unavailable() -> None:
    reasons: list[str] = []
    url = closed_port_url()
    client = BackendClient(url, "t0ken", retry_total_s=0.5, on_unreachable=reasons.append)
    with client, pytest.raises(BackendUnavailable, match="cannot reach the backend"):
        client.changes("clients", None, 10)
    assert reasons and set(reasons) == {f"cannot reach the backend at {url} (ConnectError)"}


def test_a_reachable_backend_reports_nothing(backend: RunningServer) -> None:
    reasons: list[str] = []
    profile = profile_for(backend)
    open_cache(profile.cache_path, create=True).close()
    run_sync(profile, on_unreachable=reasons.append)
    assert reasons == []


def test_run_sync_reports_a_gone_backend_at_once(backend: RunningServer) -> None:
    reasons: list[str] = []

    def unreachable(reason: str) -> None:
        reasons.append(reason)
        raise StopRetrying

    profile = replace(profile_for(backend), backend_url=closed_port_url())
    with pytest.raises(StopRetrying):
        run_sync(profile, on_unreachable=unreachable)
    assert len(reasons) == 1 and "cannot reach the backend" in reasons[0]
