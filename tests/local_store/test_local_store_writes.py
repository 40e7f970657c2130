"""Committing pulled pages marks the clients they touch, in the page's own transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from crafted_cache import add_client, add_trend, new_cache

from local_store import writes
from local_store.database import write_transaction
from local_store.signals import refresh_signals
from local_store.writes import PulledPage


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = new_cache(tmp_path)
    for client_id in ("c-1", "c-2", "c-3"):
        add_client(connection, client_id)
    add_trend(connection, "c-1")
    return connection


def dirty(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT client_id FROM dirty_client")}


def usage_row(conn: sqlite3.Connection, usage_id: str, **changes: object) -> dict[str, object]:
    cursor = conn.execute("SELECT * FROM usage WHERE id = ?", (usage_id,))
    row = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
    return {**row, **changes}


def test_a_row_moved_to_another_client_marks_both(conn: sqlite3.Connection) -> None:
    moved = usage_row(conn, "u-c-1-2026-11-01", client_id="c-2", version=2)
    writes.commit_page(conn, PulledPage("usage", [moved], [], "t1"))
    assert dirty(conn) == {"c-1", "c-2"}


def test_a_deleted_row_marks_the_client_it_belonged_to(conn: sqlite3.Connection) -> None:
    writes.commit_page(conn, PulledPage("usage", [], ["u-c-1-2026-10-01", "u-unknown"], "t1"))
    assert dirty(conn) == {"c-1"}
    assert conn.execute("SELECT count(*) FROM usage").fetchone()[0] == 1


def test_client_pages_mark_their_own_ids_and_other_resources_mark_none(
    conn: sqlite3.Connection,
) -> None:
    writes.commit_page(conn, PulledPage("clients", [], ["c-3"], "t1"))
    writes.commit_page(conn, PulledPage("notes", [], ["n-1"], "t2"))
    assert dirty(conn) == {"c-3"}


def test_a_full_resync_marks_the_owners_of_what_it_sweeps(conn: sqlite3.Connection) -> None:
    writes.start_full_resync(conn, "usage")
    kept = usage_row(conn, "u-c-1-2026-11-01")
    writes.commit_page(conn, PulledPage("usage", [kept], [], "t1"))
    conn.execute("DELETE FROM dirty_client")  # as if a recompute ran since that page
    assert writes.finish_resource(conn, "usage") == 1
    assert dirty(conn) == {"c-1"}


def test_a_page_that_fails_to_commit_leaves_neither_rows_nor_marks(
    conn: sqlite3.Connection,
) -> None:
    moved = usage_row(conn, "u-c-1-2026-11-01", client_id="c-2", version=2)
    # The page's last statement (its change token) fails, as a kill or a full disk would.
    conn.execute(
        "CREATE TEMP TRIGGER fail_token BEFORE UPDATE ON sync_state "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    with pytest.raises(sqlite3.DatabaseError, match="disk full"):
        writes.commit_page(conn, PulledPage("usage", [moved], [], "t1"))
    assert dirty(conn) == set()
    owner = conn.execute("SELECT client_id FROM usage WHERE id = 'u-c-1-2026-11-01'").fetchone()
    assert owner == ("c-1",)
    conn.execute("DROP TRIGGER fail_token")
    writes.commit_page(conn, PulledPage("usage", [moved], [], "t1"))
    assert dirty(conn) == {"c-1", "c-2"}
    assert writes.change_token(conn, "usage") == "t1"


def test_rollups_of_only_the_dirty_clients(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO renewal (id, version, client_id, renewal_date, decision_deadline, status, "
        "communication_owner, renewal_manager, products, current_subscription, "
        "renewal_subscription, mrr_now_cents, mrr_change_cents, last_active_employee) "
        "VALUES (?, 1, ?, '2027-03-01', '2027-01-15', 'pending', 'partner', 'HubSpot', '[]', "
        "'', '', 100, 0, NULL)",
        ("r-1", "c-1"),
    )  # written directly: no marks
    conn.execute("INSERT INTO dirty_client (client_id) VALUES ('c-2')")
    conn.execute("UPDATE client SET products = 'stale' WHERE id IN ('c-1', 'c-2')")
    with write_transaction(conn):
        writes.update_client_rollups(conn, only_dirty=True)
    rows = dict(conn.execute("SELECT id, products FROM client WHERE id IN ('c-1', 'c-2')"))
    assert rows == {"c-1": "stale", "c-2": ""}
    assert dirty(conn) == {"c-2"}  # health and rules consume the marks, not the rollups
    with write_transaction(conn):
        writes.update_client_rollups(conn)
    renewal = conn.execute("SELECT next_renewal_date FROM client WHERE id = 'c-1'").fetchone()
    assert renewal == ("2027-03-01",)


def test_rollups_and_the_marks_they_read_are_consumed_in_one_transaction(
    conn: sqlite3.Connection,
) -> None:
    """Another sync's page committed between a rollup and the deletion of the marks would lose
    its marks with its rollup never done: no statement of another sync can come between."""
    moved = usage_row(conn, "u-c-1-2026-11-01", client_id="c-2", version=2)
    writes.commit_page(conn, PulledPage("usage", [moved], [], "t1"))
    conn.execute("UPDATE sync_state SET rollups_owed = 1")
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    assert refresh_signals(conn, {})
    conn.set_trace_callback(None)
    boundaries = [
        i for i, sql in enumerate(statements) if sql.split()[0].upper() in ("BEGIN", "COMMIT")
    ]
    rollup = next(i for i, sql in enumerate(statements) if "next_renewal_date" in sql)
    consumed = next(i for i, sql in enumerate(statements) if "DELETE FROM dirty_client" in sql)
    assert [statements[i].split()[0].upper() for i in boundaries] == ["BEGIN", "COMMIT"]
    assert boundaries[0] < rollup < consumed < boundaries[1]
    assert dirty(conn) == set()
