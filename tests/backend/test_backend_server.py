"""Running the backend: in a background thread, and `serve` in the foreground."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from backend_helpers import TODAY

from backend.server import is_loopback, serve, start_in_thread
from backend.store import Store

REPO = Path(__file__).resolve().parents[2]


def test_start_in_thread_serves_and_stops() -> None:
    store = Store.generate(8, seed=1, today=TODAY)
    name, token = store.credentials()[0]
    with start_in_thread(store) as running:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", running.url)
        assert running.store is store
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=running.url, headers=headers) as client:
            assert client.get("/v1/health").json() == {"status": "ok"}
            assert len(client.get("/v1/changes/clients").json()["items"]) == 8
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.url}/v1/health", timeout=2)
    assert name == store.partners[0].name


def test_two_servers_run_side_by_side_on_free_ports() -> None:
    store = Store.generate(5, seed=1, today=TODAY)
    first = start_in_thread(store)
    second = start_in_thread(store)
    try:
        assert first.url != second.url
        assert httpx.get(f"{second.url}/v1/health").is_success
    finally:
        first.stop()
        second.stop()


def test_serve_refuses_a_remote_host() -> None:
    with pytest.raises(ValueError, match="loopback"):
        serve("0.0.0.0", 0, clients=5, seed=1, data=None)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("192.168.1.10") and not is_loopback("example.com")


def test_serve_prints_tokens_then_the_url_and_stops_on_ctrl_c() -> None:
    code = "from backend.server import serve; serve('127.0.0.1', 0, clients=20, seed=3, data=None)"
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(3)]
        partner_lines = [re.fullmatch(r"partner (.+): token (\S+)", line) for line in lines[:2]]
        assert all(partner_lines), lines
        url = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)", lines[2])
        assert url, lines
        token = partner_lines[0].group(2)
        response = httpx.get(
            f"{url.group(1)}/v1/changes/clients", headers={"Authorization": f"Bearer {token}"}
        )
        assert len(response.json()["items"]) == 20
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert token not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
