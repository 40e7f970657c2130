"""Running the reference backend: in the foreground (`serve`) or in a background thread.

Both bind the listening socket themselves before uvicorn starts, so the printed or returned
URL carries the real port (port 0 picks a free one) and is accepting connections already.
"""

from __future__ import annotations

import gc
import ipaddress
import socket
import threading
import time
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Generic, TypeVar

import uvicorn
from fastapi import FastAPI

from backend.app import create_app
from backend.datafile import load_store
from backend.faults import Faults
from backend.store import Store

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
Served = TypeVar("Served")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it. uvicorn writes headers and body separately, and with
    # Nagle the body waited for the client's delayed ACK: 40 ms on every small page.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def socket_url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def uvicorn_server(app: FastAPI) -> uvicorn.Server:
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    return uvicorn.Server(config)


class RunningServer(Generic[Served]):
    """A backend serving in a daemon thread. `stop()` shuts it down; also a context manager.

    `store` is what it serves: the in-memory `Store`, or the team server's database engine.
    """

    def __init__(
        self, store: Served, server: uvicorn.Server, sock: socket.socket, url: str
    ) -> None:
        self.store = store
        self.url = url
        self._server = server
        self._socket = sock
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="partnerops-backend", daemon=True
        )

    def _start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the reference backend did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(STOP_TIMEOUT_S)
        if self._thread.is_alive():
            self._server.force_exit = True  # open keep-alive connections held it up
            self._thread.join(STOP_TIMEOUT_S)
        self._socket.close()

    def __enter__(self) -> RunningServer[Served]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_in_thread(store: Store, host: str = "127.0.0.1", port: int = 0) -> RunningServer[Store]:
    """Serve `store` in a background thread; returns once it accepts requests."""
    return start_app_in_thread(create_app(store), store, host, port)


def start_app_in_thread(
    app: FastAPI, served: Served, host: str = "127.0.0.1", port: int = 0
) -> RunningServer[Served]:
    sock = bind_socket(host, port)
    running = RunningServer(served, uvicorn_server(app), sock, socket_url(host, sock))
    running._start()
    return running


def build_store(clients: int, seed: int, data: Path | None, faults: Faults | None = None) -> Store:
    """From the data file when given, else from the generator with today's date."""
    if data is not None:
        return load_store(data, faults)
    return Store.generate(clients, seed, date.today(), faults=faults)


def serve(
    host: str,
    port: int,
    clients: int,
    seed: int,
    data: Path | None,
    *,
    allow_remote: bool = False,
    faults: Faults | None = None,
) -> None:
    """Run in the foreground until Ctrl-C, printing each partner's token once at start.

    Raises ValueError for a non-loopback host without `allow_remote`, DataFileError for a bad
    data file, and OSError when the port cannot be bound.
    """
    if not is_loopback(host) and not allow_remote:
        raise ValueError(
            f"refusing to listen on {host}: the reference backend is for loopback "
            "(127.0.0.1, ::1, localhost) unless remote access is explicitly allowed"
        )
    store = build_store(clients, seed, data, faults)
    # The portfolio lives as long as the process: keep the collector from rescanning it.
    gc.collect()
    gc.freeze()
    sock = bind_socket(host, port)
    for name, token in store.credentials():
        print(f"partner {name}: token {token}", flush=True)
    print(f"listening on {socket_url(host, sock)}", flush=True)
    try:
        uvicorn_server(create_app(store)).run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn shut down gracefully, then re-raised the Ctrl-C it had caught
    finally:
        sock.close()
