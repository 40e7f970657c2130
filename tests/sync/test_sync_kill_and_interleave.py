"""A sync killed for real (SIGKILL) resumes cleanly, and random interleavings converge.

The first test runs `partnerops sync` as a subprocess against the loopback backend and kills
it after a seeded random delay; the second mixes server changes, local actions and syncs in
a seeded random order and checks the cache ends up as the server has it.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback_backend import TODAY, cache_state, profile_for, server_state

from backend.faults import Faults
from backend.server import RunningServer, start_in_thread
from backend.store import Store
from local_store import outbox, writes
from local_store.database import open_cache, write_transaction
from local_store.tables import SYNCED_TABLES
from sync.engine import run_sync
from sync.profile import Profile

REPO = Path(__file__).resolve().parents[2]
KILL_CLIENTS = 2_000
KILL_LATENCY_MS = 40  # per request: with the data above a full sync lasts a few seconds
WAIT_S = 30.0


def _wait_for(predicate, what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)


def _table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        resource: conn.execute(f"SELECT count(*) FROM {table.__tablename__}").fetchone()[0]
        for resource, table in SYNCED_TABLES.items()
    }


def _rollups(conn: sqlite3.Connection) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in conn.execute("SELECT id, products, next_renewal_date FROM client")
    }


def _fresh_rollups(conn: sqlite3.Connection) -> dict[str, tuple]:
    """The derived columns as a recompute from the cached rows gives them (on a copy)."""
    copy = sqlite3.connect(":memory:", isolation_level=None)
    conn.backup(copy)
    with write_transaction(copy):
        writes.update_client_rollups(copy)
    try:
        return _rollups(copy)
    finally:
        copy.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkilled_cli_sync_resumes_to_the_servers_state(
    seed: int, isolated_environment: Path
) -> None:
    rng = random.Random(seed)
    store = Store.generate(KILL_CLIENTS, seed=seed, today=TODAY)
    store.faults = Faults(latency_ms=KILL_LATENCY_MS)
    data_dir = isolated_environment  # the autouse fixture's PARTNEROPS_DATA_DIR
    cache = data_dir / "default.sqlite3"
    with start_in_thread(store) as server:
        env = {
            **os.environ,
            "PARTNEROPS_BACKEND_URL": server.url,
            "PARTNEROPS_TOKEN": store.partners[0].token,
            "PARTNEROPS_DATA_DIR": str(data_dir),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "console.launch", "sync"],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_for(lambda: cache.exists() or proc.poll() is not None, "the cache file")
            assert proc.poll() is None, proc.communicate()
            time.sleep(rng.uniform(0.3, 2.0))  # the one deliberate delay: where the kill lands
            still_running = proc.poll() is None
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=WAIT_S)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert still_running, "the sync finished before the kill: give it more data or latency"
        assert proc.returncode == -signal.SIGKILL

        check = sqlite3.connect(cache)
        try:
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            finished_before_kill = [
                r for (r,) in check.execute("SELECT resource FROM sync_state WHERE last_success")
            ]
        finally:
            check.close()

        store.faults = Faults()
        profile = Profile(
            name="default",
            cache_path=cache,
            backend_url=server.url,
            token=store.partners[0].token,
        )
        run_sync(profile)
        conn = open_cache(cache)
        try:
            expected = server_state(store)
            assert cache_state(conn) == expected
            assert _table_counts(conn) == {r: len(ids) for r, ids in expected.items()}
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored, fresh = _rollups(conn), _fresh_rollups(conn)
            stale = sorted(i for i in fresh if stored.get(i) != fresh[i])
            assert not stale, (
                f"{len(stale)} of {len(fresh)} clients have stale products/next renewal, "
                f"e.g. {stale[0]}: cached {stored.get(stale[0])}, recomputed {fresh[stale[0]]}; "
                f"resources finished before the kill: {finished_before_kill}"
            )
        finally:
            conn.close()


@pytest.fixture
def small_backend() -> Iterator[RunningServer]:
    with start_in_thread(Store.generate(40, seed=7, today=TODAY)) as server:
        yield server


STEPS = ("server", "end_services", "assign_real", "assign_bogus", "renewal_owner", "sync")


def _random_id(rng: random.Random, conn: sqlite3.Connection, table: str) -> str | None:
    ids = [i for (i,) in conn.execute(f"SELECT id FROM {table} ORDER BY id")]
    return rng.choice(ids) if ids else None


@pytest.mark.parametrize("seed", [101, 102, 103, 104, 105])
def test_random_interleavings_of_server_changes_actions_and_syncs_converge(
    seed: int, small_backend: RunningServer
) -> None:
    rng = random.Random(seed)
    backend = small_backend
    store = backend.store
    profile = profile_for(backend, 0, name="p0")
    run_sync(profile)
    conn = open_cache(profile.cache_path)
    emails = [e["email"] for e in store.partners[0].records("employees")]
    bogus_keys: list[str] = []
    trail: list[str] = []  # what happened, for the failure message
    try:
        for step_no in range(rng.randint(6, 10)):
            step = rng.choice(STEPS)
            try:
                if step == "server":
                    moves = rng.randint(1, 30)
                    store.faults = Faults(world_moves=moves, seed=rng.randrange(1_000_000))
                    run_sync(profile)
                    store.faults = Faults()
                    trail.append(f"server moves x{moves} + sync")
                elif step == "sync":
                    run_sync(profile)
                    trail.append("sync")
                elif step == "renewal_owner":
                    renewal = _random_id(rng, conn, "renewal")
                    owner = rng.choice(("partner", "hubspot"))
                    trail.append(f"set_renewal_owner {renewal} {owner}")
                    if renewal is not None:
                        outbox.set_renewal_owner(conn, renewal, owner)
                else:
                    client = _random_id(rng, conn, "client")
                    trail.append(f"{step} {client}")
                    if client is None:
                        continue
                    if step == "end_services":
                        outbox.end_services(conn, client)
                    elif step == "assign_real":
                        outbox.assign_owner(conn, client, rng.choice([*emails, None]))
                    else:
                        bogus = f"stranger-{step_no}@nowhere.example"
                        bogus_keys.append(outbox.assign_owner(conn, client, bogus))
            except LookupError:
                trail[-1] += " (skipped: no longer cached)"

        store.faults = Faults()
        run_sync(profile)
        run_sync(profile)
        where = f"seed {seed}, steps: {trail}"
        assert cache_state(conn) == server_state(store), where
        assert outbox.count_pending(conn) == 0, where
        refused = {entry.key: entry for entry in outbox.refused_actions(conn)}
        assert not [k for k in bogus_keys if k not in refused], where
        assert all(refused[k].kind == "assign_owner" for k in bogus_keys)
        stored, fresh = _rollups(conn), _fresh_rollups(conn)
        assert stored == fresh, where
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        store.faults = Faults()
        conn.close()
