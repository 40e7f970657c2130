"""The cache file: owner-only, WAL, versioned, and clear about what it cannot open."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from crafted_cache import add_client

from local_store.database import SCHEMA_VERSION, CacheError, CacheMissing, open_cache
from local_store.paths import InvalidProfileName, cache_path


def test_new_cache_is_private_wal_and_current(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "p.sqlite3"
    conn = open_cache(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "client",
        "subscription",
        "renewal",
        "usage",
        "credit_event",
        "team_contact",
        "employee",
        "alert",
        "note",
        "outbox",
        "sync_state",
        "partner",
    } <= tables
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO sync_state (resource, resyncing) VALUES ('x', 0)")
    conn.execute("COMMIT")
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) == 0o600


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    open_cache(path, create=True).execute(
        "INSERT INTO sync_state (resource, resyncing) VALUES ('x', 0)"
    )
    conn = open_cache(path)
    assert conn.execute("SELECT count(*) FROM sync_state").fetchone()[0] == 1


def drop_version_4_columns(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE client DROP COLUMN tools")
    conn.execute("ALTER TABLE client DROP COLUMN onboarding")


def test_cache_of_version_3_merges_local_alerts_per_concern(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    conn = open_cache(path, create=True)
    add_client(conn, "c-1")
    drop_version_4_columns(conn)
    # As version 3 wrote them: one alert per rule; two of them now make one item.
    for rule, kind, status in (
        ("engagement_low", "engagement_low", "open"),
        ("upsell", "upsell", "acknowledged"),
        ("setup_issue", "setup_issue", "snoozed"),
    ):
        conn.execute(
            "INSERT INTO local_alert (id, client_id, rule, kind, severity, title, detail, "
            "fired_values, occurrence, raised_at, updated_at, due_date, status, assignee, "
            "snoozed_until, cleared) VALUES (?, 'c-1', ?, ?, 'info', 't', 'd', '{}', 'o', "
            "'2026-11-01T00:00:00', '2026-11-01T00:00:00', NULL, ?, NULL, NULL, 0)",
            (f"local:{rule}:c-1", rule, kind, status),
        )
        conn.execute(
            "INSERT INTO local_alert_note (id, alert_id, author, text, created_at) "
            "VALUES (?, ?, 'ana', ?, '2026-11-02T00:00:00')",
            (f"n-{rule}", f"local:{rule}:c-1", f"about {rule}"),
        )
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    conn = open_cache(path)
    alerts = dict(conn.execute("SELECT id, status FROM local_alert"))
    # The triaged row is the one kept per concern.
    assert alerts == {
        "local:engagement_risk:c-1": "acknowledged",
        "local:setup_issue:c-1": "snoozed",
    }
    notes = sorted(conn.execute("SELECT alert_id, text FROM local_alert_note"))
    assert notes == [
        ("local:engagement_risk:c-1", "about engagement_low"),
        ("local:engagement_risk:c-1", "about upsell"),
        ("local:setup_issue:c-1", "about setup_issue"),
    ]
    assert {row[0] for row in conn.execute("SELECT client_id FROM dirty_client")} == {"c-1"}
    columns = [row[1] for row in conn.execute("PRAGMA table_info(client)")]
    assert {"tools", "onboarding"} <= set(columns)


def test_cache_of_version_1_is_moved_forward_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    conn = open_cache(path, create=True)
    conn.execute("ALTER TABLE client DROP COLUMN health_reasons")  # as version 1 wrote it
    drop_version_4_columns(conn)
    conn.execute("INSERT INTO sync_state (resource, resyncing) VALUES ('clients', 0)")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    conn = open_cache(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    columns = [row[1] for row in conn.execute("PRAGMA table_info(client)")]
    assert "health_reasons" in columns
    assert conn.execute("SELECT count(*) FROM sync_state").fetchone()[0] == 1


def test_cache_of_version_2_gets_dirty_marks_and_the_usage_sort_index(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    conn = open_cache(path, create=True)
    add_client(conn, "c-1")
    add_client(conn, "c-2")
    # As version 2 wrote it: no dirty_client, no index on tools_in_use, and a signals run
    # that a sync killed before its recompute may have left out of date.
    conn.execute("DROP TABLE dirty_client")
    conn.execute("DROP INDEX ix_client_tools_in_use")
    drop_version_4_columns(conn)
    conn.execute("INSERT INTO signals_run (id, fingerprint) VALUES (1, 'old')")
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    conn = open_cache(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    dirty = {row[0] for row in conn.execute("SELECT client_id FROM dirty_client")}
    assert dirty == {"c-1", "c-2"}
    assert conn.execute("SELECT count(*) FROM signals_run").fetchone()[0] == 0
    plan = " ".join(
        str(row[3])
        for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM client ORDER BY tools_in_use DESC, rowid DESC"
        )
    )
    assert "ix_client_tools_in_use" in plan and "TEMP B-TREE" not in plan


def test_missing_cache_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(CacheMissing, match="partnerops sync"):
        open_cache(tmp_path / "none.sqlite3")


def test_cache_from_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    open_cache(path, create=True).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(CacheError, match="newer partnerops"):
        open_cache(path)


def test_garbage_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError, match="damaged|cannot open"):
        open_cache(path)


def test_profile_names_cannot_escape_the_data_dir(isolated_environment: Path) -> None:
    assert cache_path("acme-2").parent == isolated_environment
    for bad in ("../evil", "a/b", "", ".hidden"):
        with pytest.raises(InvalidProfileName):
            cache_path(bad)


def test_sqlite_cannot_open_is_not_a_traceback(tmp_path: Path) -> None:
    directory = tmp_path / "dir.sqlite3"
    directory.mkdir()
    with pytest.raises(CacheError):
        open_cache(directory)
