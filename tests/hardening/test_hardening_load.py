"""The reference backend under load: 20 consoles sync the same partner at once while the world
moves; all converge, and `/v1/health` keeps answering. Bounded: every wait has a timeout."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, wait

import httpx
from loopback_backend import TODAY, cache_state, profile_for, server_state

from backend.server import start_in_thread
from backend.store import Store
from local_store.database import open_cache
from sync.engine import run_sync

CONSOLES = 20
WAIT_S = 240.0
HEALTH_TIMEOUT_S = 10.0
"""The bound on one health answer while the consoles sync: generous, so only a backend that
stops answering (a blocked event loop, a deadlock) fails it."""


def test_twenty_consoles_converge_and_health_answers(isolated_environment) -> None:
    store = Store.generate(200, seed=31, today=TODAY)
    partner = store.partners[0]
    with start_in_thread(store) as server:
        profiles = [profile_for(server, name=f"console-{i}") for i in range(CONSOLES)]
        done = threading.Event()
        health_answers: list[int] = []

        def probe_health() -> None:
            with httpx.Client(base_url=server.url, timeout=HEALTH_TIMEOUT_S) as http:
                while not done.is_set():
                    health_answers.append(http.get("/v1/health").status_code)
                    done.wait(0.05)

        def move_world() -> None:
            client_ids = list(server_state(store)["clients"])
            for step in range(60):
                if done.is_set():
                    return
                partner.update("clients", client_ids[step % len(client_ids)], mrr_cents=step)
                done.wait(0.02)

        with ThreadPoolExecutor(max_workers=CONSOLES + 2) as pool:
            background = [pool.submit(probe_health), pool.submit(move_world)]
            syncs = [pool.submit(run_sync, profile) for profile in profiles]
            finished, pending = wait(syncs, timeout=WAIT_S)
            done.set()
            assert not pending, f"{len(pending)} consoles still syncing after {WAIT_S:.0f} s"
            for future in (*finished, *background):
                future.result(timeout=HEALTH_TIMEOUT_S)  # re-raises a failed sync or probe
        assert health_answers and set(health_answers) == {200}
        expected = server_state(store)
        for profile in profiles:
            run_sync(profile)  # picks up the last moves, which may have come after its pull
            conn = open_cache(profile.cache_path)
            try:
                assert cache_state(conn) == expected, profile.name
            finally:
                conn.close()
