"""Concurrent use: the TUI's reader open, `partnerops sync` and `partnerops status` running as
other processes, and actions queued meanwhile: no "database is locked", no lost outbox rows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from loopback_backend import TODAY, cache_state, profile_for, server_state

from backend.faults import Faults
from backend.server import start_in_thread
from backend.store import Store
from console.cache import CacheReader
from local_store import outbox
from local_store.database import open_cache
from sync.engine import run_sync

ROUNDS = 3
ACTIONS_PER_ROUND = 15
PROCESS_TIMEOUT_S = 120


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "console.launch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def _finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=PROCESS_TIMEOUT_S)
    assert process.returncode == 0, err
    assert "locked" not in (out + err).lower()
    return err


def test_tui_reader_sync_status_and_actions_together(
    isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.generate(300, seed=21, today=TODAY)
    store.faults = Faults(latency_ms=15)  # each sync lasts long enough to overlap the rest
    with start_in_thread(store) as server:
        profile = profile_for(server, name="default")
        monkeypatch.setenv("PARTNEROPS_BACKEND_URL", server.url)
        monkeypatch.setenv("PARTNEROPS_TOKEN", store.partners[0].token)
        run_sync(profile)
        reader = CacheReader(profile.cache_path)  # what the TUI holds open all along
        assert reader.open(), reader.problem
        writer = open_cache(profile.cache_path)
        client_ids = [row[0] for row in writer.execute("SELECT id FROM client ORDER BY id")]
        queued: list[str] = []
        try:
            for round_number in range(ROUNDS):
                syncing = _cli("sync")
                for index in range(ACTIONS_PER_ROUND):
                    client_id = client_ids[(round_number * ACTIONS_PER_ROUND + index) % 300]
                    text = f"round {round_number} note {index}"
                    queued.append(outbox.add_note(writer, "client", client_id, text, "me"))
                    with reader.borrow() as conn:
                        conn.execute("SELECT count(*) FROM client").fetchone()
                    reader.ui.execute("SELECT count(*) FROM outbox").fetchone()
                    if index % 7 == 3:
                        _finish(_cli("status"))
                _finish(syncing)
            _finish(_cli("sync"))  # whatever the last overlapping sync did not see
        finally:
            writer.close()
            reader.close()
        partner = store.partners[0]
        assert set(queued) <= partner.applied_keys
        notes = [n["text"] for n in partner.records("notes") if n["text"].startswith("round ")]
        assert sorted(notes) == sorted(
            f"round {r} note {i}" for r in range(ROUNDS) for i in range(ACTIONS_PER_ROUND)
        )  # each exactly once
        conn = open_cache(profile.cache_path)
        try:
            assert outbox.count_pending(conn) == 0
            assert cache_state(conn) == server_state(store)
        finally:
            conn.close()
