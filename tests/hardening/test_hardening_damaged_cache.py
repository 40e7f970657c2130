"""A damaged cache: one clear message, `cache check`, and `cache rebuild` keeping unsent actions."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from loopback_backend import cache_state, profile_for, server_state
from typer.testing import CliRunner

from backend.server import RunningServer
from console.cli import app
from local_store import outbox
from local_store.database import SCHEMA_VERSION, open_cache, write_transaction
from local_store.rebuild import check_cache, describe_cache_error, rebuild_cache
from sync.client import BackendClient
from sync.engine import run_sync
from sync.profile import Profile
from sync.pull import pull_all

runner = CliRunner()


@pytest.fixture
def synced(backend: RunningServer, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """A cache synced from the loopback backend, as the default profile of the CLI."""
    monkeypatch.setenv("PARTNEROPS_BACKEND_URL", backend.url)
    monkeypatch.setenv("PARTNEROPS_TOKEN", backend.store.partners[0].token)
    profile = profile_for(backend, name="default")
    run_sync(profile)
    return profile


def _queue_notes(profile: Profile, count: int) -> list[str]:
    conn = open_cache(profile.cache_path)
    try:
        client_ids = [row[0] for row in conn.execute("SELECT id FROM client ORDER BY id")]
        return [
            outbox.add_note(
                conn, "client", client_ids[i % len(client_ids)], f"note {i} " * 20, "me"
            )
            for i in range(count)
        ]
    finally:
        conn.close()


def _cli(*args: str) -> subprocess.CompletedProcess:
    """Through the real entry point, whose `main()` turns failures into one line."""
    return subprocess.run(
        [sys.executable, "-m", "console.launch", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )


def test_a_file_that_is_not_sqlite_is_one_line_everywhere(synced: Profile) -> None:
    synced.cache_path.write_bytes(b"this is not a database, just text " * 200)
    for path in synced.cache_path.parent.glob("default.sqlite3-*"):
        path.unlink()
    status = _cli("status")
    assert status.returncode == 1
    assert status.stderr.count("\n") == 1 and "Traceback" not in status.stderr
    assert str(synced.cache_path) in status.stderr
    check = runner.invoke(app, ["cache", "check"])
    assert check.exit_code == 1
    assert "cache rebuild" in check.output


def test_check_says_sound_for_a_sound_cache(synced: Profile) -> None:
    result = runner.invoke(app, ["cache", "check"])
    assert result.exit_code == 0, result.output
    assert "is sound" in result.output


def test_a_cache_from_a_newer_schema_is_named_as_such(synced: Profile) -> None:
    conn = open_cache(synced.cache_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    status = _cli("status")
    assert status.returncode == 1
    assert "newer partnerops" in status.stderr and "Traceback" not in status.stderr
    assert not check_cache(synced.cache_path).ok
    assert "newer partnerops" in check_cache(synced.cache_path).findings[0]


def test_rebuild_keeps_unsent_actions_and_sync_sends_them_once(
    synced: Profile, backend: RunningServer
) -> None:
    keys = _queue_notes(synced, 5)
    result = runner.invoke(app, ["cache", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "5 unsent actions kept" in result.output
    assert "partnerops sync" in result.output
    moved = list(synced.cache_path.parent.glob("default.sqlite3.damaged-*"))
    assert len([p for p in moved if not p.name.endswith(("-wal", "-shm"))]) == 1
    conn = open_cache(synced.cache_path)
    try:
        assert [entry.key for entry in outbox.pending_actions(conn)] == keys
        assert conn.execute("SELECT count(*) FROM client").fetchone()[0] == 0
        run_sync(synced)
        assert outbox.count_pending(conn) == 0
        assert cache_state(conn) == server_state(backend.store)
    finally:
        conn.close()
    partner = backend.store.partners[0]
    assert set(keys) <= partner.applied_keys
    run_sync(synced)  # the same keys again would be duplicates, never a second note
    texts = [note["text"] for note in partner.records("notes")]
    assert len([t for t in texts if t.startswith("note ")]) == 5


def test_rebuild_of_a_file_with_wrecked_pages_salvages_what_it_can(synced: Profile) -> None:
    keys = _queue_notes(synced, 400)
    conn = open_cache(synced.cache_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = synced.cache_path.stat().st_size
    with synced.cache_path.open("r+b") as damaged:
        # The newest pages, where the outbox's later rows went, are overwritten with junk.
        damaged.seek(size - size // 5)
        damaged.write(b"\xa5" * (size // 5))
    assert not check_cache(synced.cache_path).ok
    report = rebuild_cache(synced.cache_path)
    assert report.salvage_file is not None
    saved = json.loads(report.salvage_file.read_text(encoding="utf-8"))
    assert 0 < len(saved) == report.requeued < len(keys)
    assert [action["key"] for action in saved] == keys[: len(saved)]
    assert oct(report.salvage_file.stat().st_mode & 0o777) == "0o600"
    conn = open_cache(synced.cache_path)
    try:
        assert [e.key for e in outbox.pending_actions(conn)] == keys[: len(saved)]
    finally:
        conn.close()
    assert check_cache(synced.cache_path).ok


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_rebuild_of_an_unreadable_file_writes_the_salvage_file_and_says_where(
    synced: Profile, damage: str
) -> None:
    _queue_notes(synced, 3)
    if damage == "garbage":
        synced.cache_path.write_bytes(b"\0garbage" * 1000)
    else:
        conn = open_cache(synced.cache_path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        with synced.cache_path.open("r+b") as cut:
            cut.truncate(synced.cache_path.stat().st_size // 2)
    result = runner.invoke(app, ["cache", "rebuild"])
    assert result.exit_code == 0, result.output
    salvage = list(synced.cache_path.parent.glob("default.sqlite3.outbox-*.json"))
    assert len(salvage) == 1 and isinstance(json.loads(salvage[0].read_text()), list)
    assert str(salvage[0]) in result.output
    assert check_cache(synced.cache_path).ok


def _fill_the_disk(conn: sqlite3.Connection) -> None:
    """SQLITE_FULL forced with max_page_count: no root needed for a tiny filesystem."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_leaves_the_cache_whole_and_says_so(
    synced: Profile, backend: RunningServer
) -> None:
    partner = backend.store.partners[0]
    for client_id in list(server_state(backend.store)["clients"])[:20]:
        partner.update("clients", client_id, name="renamed " * 500)
    conn = open_cache(synced.cache_path)
    before = cache_state(conn)
    _fill_the_disk(conn)
    with pytest.raises(sqlite3.OperationalError) as full:
        conn.execute(
            "INSERT INTO note (id, version, target_type, target_id, author, text, "
            "created_at) VALUES ('n-x', 0, 'client', 'c', 'me', ?, '2026-01-01')",
            ("x" * 500_000,),
        )
    assert "is full" in describe_cache_error(full.value, synced.cache_path)
    with pytest.raises(sqlite3.OperationalError):
        outbox.add_note(conn, "client", next(iter(before["clients"])), "x" * 500_000, "me")
    assert outbox.count_pending(conn) == 0
    with BackendClient(synced.backend_url, synced.token) as client:
        with pytest.raises(sqlite3.OperationalError):
            pull_all(client, conn)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert cache_state(conn) == before  # the page that did not fit was rolled back whole
        conn.execute("PRAGMA max_page_count = 1073741823")
        pull_all(client, conn)
    assert cache_state(conn) == server_state(backend.store)
    conn.close()


def test_a_full_disk_inside_an_action_keeps_its_cause(synced: Profile) -> None:
    conn = open_cache(synced.cache_path)
    client_id = conn.execute("SELECT id FROM client LIMIT 1").fetchone()[0]
    _fill_the_disk(conn)
    with pytest.raises(sqlite3.OperationalError) as full:
        outbox.add_note(conn, "client", client_id, "x" * 500_000, "me")
    conn.close()
    assert "is full" in describe_cache_error(full.value, synced.cache_path)


def test_a_read_only_cache_is_named_as_such(synced: Profile) -> None:
    conn = sqlite3.connect(f"file:{synced.cache_path}?mode=ro", uri=True, isolation_level=None)
    client_id = conn.execute("SELECT id FROM client LIMIT 1").fetchone()[0]
    with pytest.raises(sqlite3.OperationalError) as refused, write_transaction(conn):
        conn.execute("UPDATE client SET name = 'x' WHERE id = ?", (client_id,))
    assert "is read-only" in describe_cache_error(refused.value, synced.cache_path)
    conn.close()
