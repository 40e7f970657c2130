"""The sync client's transport: TCP_NODELAY unless a proxy is set (a page waited 40 ms on Nagle)."""

from __future__ import annotations

import socket

import pytest

from sync.client import BackendClient


def _socket_options(client: BackendClient) -> list:
    pool = client._http._transport._pool  # httpcore's pool keeps the options it connects with
    return list(pool._socket_options or [])


def test_without_proxies_connections_set_tcp_nodelay(monkeypatch: pytest.MonkeyPatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with BackendClient("http://127.0.0.1:9", "token") as client:
        assert (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1) in _socket_options(client)


def test_proxy_variables_are_still_honoured(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    with BackendClient("https://partners.example", "token") as client:
        mounted = [str(pattern.pattern) for pattern in client._http._mounts]
        assert "https://" in mounted
