"""Figures 4 and 5: the product's sync against the raw limit, on loopback.

The backend runs in its own process (`backend_proc`). The raw limit fetches the same pages
(same resources, same page size, same tokens followed) with a bare `httpx.Client` and inserts
each page's items with one `executemany` and one commit per page, nothing else: no
validation, no conflict rules, no rollups.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.dataset import TOKENS
from local_store import writes
from local_store.database import connect, open_cache, write_transaction
from sync.client import BackendClient
from sync.engine import run_sync
from sync.profile import Profile
from sync.pull import pull_all
from sync.push import push_outbox
from sync.wire import API_PREFIX, DEFAULT_PAGE_SIZE, RESOURCE_MODELS, engagement_band

BACKEND_START_TIMEOUT_S = 120.0


class BackendProcess:
    """The benchmark backend in a child process; a context manager."""

    def __init__(self, clients: int) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.backend_proc", str(clients)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        first = self._answer()
        if not first.startswith("url "):
            self.close()
            raise RuntimeError(f"the benchmark backend did not start: {first!r}")
        self.url = first.removeprefix("url ")

    def _answer(self) -> str:
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line:
            raise RuntimeError("the benchmark backend exited")
        return line

    def touch(self, fraction: float) -> int:
        """Change `fraction` of every resource's records; returns how many changed."""
        assert self._process.stdin is not None
        self._process.stdin.write(f"touch {fraction}\n")
        self._process.stdin.flush()
        return int(self._answer().removeprefix("ok "))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> BackendProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class CountingTransport(httpx.HTTPTransport):
    """Counts requests and response bytes, to check "one small request per resource"."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self.response_bytes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.read()
        self.requests += 1
        self.response_bytes += len(response.content)
        return response


@dataclass
class SyncTime:
    total: float
    after_pull: dict[str, float]
    """Seconds of each step that follows the pull (rollups, health, alert rules)."""

    @property
    def pull(self) -> float:
        """Push and pull alone: what `sync/pull.py` and `sync/client.py` answer for."""
        return self.total - sum(self.after_pull.values())


AFTER_PULL_STEPS = (
    ("local_store.signals", "read_signals", "signals read"),
    ("local_store.signals", "write_health", "health"),
    ("local_store.signals", "apply_rules", "alert rules"),
    ("local_store.writes", "update_client_rollups", "rollups"),
)
"""Functions `run_sync` calls after pulling, timed by wrapping them for one call."""


@contextmanager
def _timing_steps(spent: dict[str, float]) -> Iterator[None]:
    patched = []
    for module_name, name, label in AFTER_PULL_STEPS:
        module = importlib.import_module(module_name)
        original = getattr(module, name, None)
        if original is None:
            continue  # renamed or gone: the total still counts it, under "pull"

        def timed(*args: Any, _original: Any = original, _label: str = label, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - started

        setattr(module, name, timed)
        patched.append((module, name, original))
    try:
        yield
    finally:
        for module, name, original in patched:
            setattr(module, name, original)


def product_sync(url: str, path: Path) -> SyncTime:
    """One `partnerops sync` into `path`, exactly as the command runs it, timed by step."""
    profile = Profile(name="bench", cache_path=path, backend_url=url, token=TOKENS[0])
    spent: dict[str, float] = {}
    with _timing_steps(spent):
        started = time.perf_counter()
        run_sync(profile)
        total = time.perf_counter() - started
    return SyncTime(total, spent)


def pull_requests(url: str, path: Path) -> CountingTransport:
    """The requests and bytes of a push and pull like `run_sync`'s, counted on the client."""
    transport = CountingTransport()
    with BackendClient(url, TOKENS[0], transport=transport) as client:
        conn = open_cache(path)
        try:
            push_outbox(client, conn)
            pull_all(client, conn)
        finally:
            conn.close()
    return transport


def _raw_rows(resource: str, columns: tuple[str, ...], items: list[dict]) -> list[tuple]:
    rows = []
    for item in items:
        values = [item.get(column) for column in columns]
        rows.append(
            tuple(
                json.dumps(value) if isinstance(value, list | dict) else value for value in values
            )
        )
    if resource == "clients":  # the one derived column the table requires
        band = columns.index("engagement_band")
        rows = [
            (*row[:band], engagement_band(item["engagement_score"]).value, *row[band + 1 :])
            for row, item in zip(rows, items, strict=True)
        ]
    return rows


def raw_sync(url: str, path: Path) -> float:
    """The raw limit: the same pages, bare httpx, one `executemany` a page; seconds taken."""
    conn = open_cache(path, create=True)  # the schema is made before the clock starts
    conn.close()
    started = time.perf_counter()
    conn = connect(path)
    with httpx.Client(
        base_url=url + API_PREFIX, headers={"Authorization": f"Bearer {TOKENS[0]}"}
    ) as http:
        for resource in RESOURCE_MODELS:
            table, columns = writes.table_columns(resource)
            sql = (
                f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            params: dict[str, str | int] = {"limit": DEFAULT_PAGE_SIZE}
            while True:
                page = http.get(f"/changes/{resource}", params=params).raise_for_status().json()
                with write_transaction(conn):
                    conn.executemany(sql, _raw_rows(resource, columns, page["items"]))
                params["since"] = page["next"]
                if not page["has_more"]:
                    break
    conn.close()
    return time.perf_counter() - started
