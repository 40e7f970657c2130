"""Health and alert rules rerun only when the data, the day or their settings changed."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from crafted_cache import add_client, new_cache

from local_store.signals import refresh_signals

TODAY = date(2026, 11, 23)


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = new_cache(tmp_path)
    add_client(connection, "c-1", engagement=2)
    return connection


def score(conn: sqlite3.Connection) -> int | None:
    return conn.execute("SELECT health_score FROM client WHERE id = 'c-1'").fetchone()[0]


def test_first_run_scores_then_an_unchanged_sync_skips(conn: sqlite3.Connection) -> None:
    assert refresh_signals(conn, {}, data_changed=False, today=TODAY)
    first = score(conn)
    assert first is not None
    conn.execute("UPDATE client SET health_score = NULL")  # would be restored by a rerun
    assert not refresh_signals(conn, {}, data_changed=False, today=TODAY)
    assert score(conn) is None


@pytest.mark.parametrize(
    ("settings", "today", "changed"),
    [
        ({}, TODAY, True),
        ({}, date(2026, 11, 24), False),
        ({"health": {"weights": {"engagement": 10}}}, TODAY, False),
    ],
)
def test_new_data_a_new_day_or_new_settings_rerun(
    conn: sqlite3.Connection, settings: dict, today: date, changed: bool
) -> None:
    refresh_signals(conn, {}, data_changed=False, today=TODAY)
    conn.execute("UPDATE client SET health_score = NULL")
    assert refresh_signals(conn, settings, data_changed=changed, today=today)
    assert score(conn) is not None


def test_only_the_marked_clients_are_recomputed(conn: sqlite3.Connection) -> None:
    add_client(conn, "c-2", engagement=2)
    refresh_signals(conn, {}, today=TODAY)
    assert conn.execute("SELECT count(*) FROM local_alert").fetchone()[0] == 2
    conn.execute("UPDATE client SET health_score = NULL")
    conn.execute("DELETE FROM local_alert WHERE client_id = 'c-1'")
    conn.execute("UPDATE client SET engagement_score = 9 WHERE id = 'c-2'")
    conn.execute("INSERT INTO dirty_client (client_id) VALUES ('c-2')")
    assert refresh_signals(conn, {}, today=TODAY)
    scores = dict(conn.execute("SELECT id, health_score FROM client"))
    assert scores["c-1"] is None and scores["c-2"] == 100
    alerts = list(conn.execute("SELECT client_id, status, cleared FROM local_alert"))
    assert alerts == [("c-2", "resolved", 1)]  # c-2 no longer fires; c-1 was left alone
    assert conn.execute("SELECT count(*) FROM dirty_client").fetchone()[0] == 0
    assert not refresh_signals(conn, {}, today=TODAY)
