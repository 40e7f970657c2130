"""`local_store.queries`, the TUI's only way into the cache.

(These live with the console tests because the console is their first user.)
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from console_fixtures import HOSTILE_MARKUP, active_clients, client_values, insert_clients

from local_store.database import connect
from local_store.queries import (
    SORT_COLUMNS,
    ClientQuery,
    client_index,
    client_page,
    client_page_in_order,
    count_clients,
    parse_utc,
    partner_header,
    search_client_names,
    sync_overview,
    total_clients,
)
from local_store.queries_search import client_order


@pytest.fixture
def conn(cache_file: Path) -> sqlite3.Connection:
    connection = connect(cache_file)
    yield connection
    connection.close()


def test_totals_leave_out_ended_clients(conn: sqlite3.Connection) -> None:
    assert total_clients(conn) == 300
    assert count_clients(conn, ClientQuery()) == 300
    ended_ids = {
        r[0] for r in conn.execute("SELECT id FROM client WHERE services_status = 'ended'")
    }
    assert len(ended_ids) == 5
    shown = {row.id for row in client_page(conn, ClientQuery(), 0, 1000)}
    assert not shown & ended_ids


def test_search_is_case_insensitive_on_name_or_domain(conn: sqlite3.Connection) -> None:
    by_name = client_page(conn, ClientQuery(search="KESTREL bakery"), 0, 1000)
    assert by_name and all("kestrel bakery" in row.name.lower() for row in by_name)
    by_domain = client_page(conn, ClientQuery(search="kestrelbakery25"), 0, 1000)
    assert {row.domain for row in by_domain} == {"kestrelbakery250.example"}
    assert count_clients(conn, ClientQuery(search="  kestrel bakery ")) == len(by_name)


def test_search_text_is_never_sql(conn: sqlite3.Connection) -> None:
    for text in ("%", "_", "\\", "'; DROP TABLE client; --", "[red]"):
        rows = client_page(conn, ClientQuery(search=text), 0, 1000)
        assert all(text in row.name or text in row.domain for row in rows)
    assert [row.name for row in client_page(conn, ClientQuery(search="[red]"), 0, 10)] == [
        HOSTILE_MARKUP
    ]
    assert total_clients(conn) == 300


def test_sort_column_must_be_allowed() -> None:
    with pytest.raises(ValueError, match="cannot sort"):
        ClientQuery(sort="name; DROP TABLE client")
    with pytest.raises(ValueError, match="health"):
        ClientQuery(health="purple")


@pytest.mark.parametrize("sort", sorted(SORT_COLUMNS))
@pytest.mark.parametrize("descending", [False, True])
def test_order_and_offset_pages_agree(
    conn: sqlite3.Connection, sort: str, descending: bool
) -> None:
    """The table reads pages by OFFSET until the order arrives, then by rowid: same rows."""
    query = ClientQuery(sort=sort, descending=descending)
    by_offset = [
        row for offset in range(0, 300, 70) for row in client_page(conn, query, offset, 70)
    ]
    order = client_order(conn, query)
    assert len(order) == 300
    in_order = [
        row for offset in range(0, 300, 70) for row in client_page_in_order(conn, order, offset, 70)
    ]
    assert [row.id for row in by_offset] == [row.id for row in in_order]
    column = SORT_COLUMNS[sort]
    values = [
        r[0] for r in conn.execute(f"SELECT {column} FROM client WHERE services_status != 'ended'")
    ]
    key = {"owner": "owner_email", "renewal": "next_renewal"}.get(sort, column)
    shown = [getattr(row, key) for row in by_offset]
    shown = [value.isoformat() if hasattr(value, "isoformat") else value for value in shown]
    expected = sorted(values, key=lambda v: (v is not None, v), reverse=descending)
    assert shown == expected


def test_filters_narrow_the_rows(conn: sqlite3.Connection) -> None:
    query = ClientQuery(relationship="managed", engagement_band="High", health="green")
    rows = client_page(conn, query, 0, 1000)
    assert rows and count_clients(conn, query) == len(rows)
    for row in rows:
        assert row.relationship == "managed" and row.engagement_band == "High"
        assert row.health_score is not None and 76 <= row.health_score <= 100
    mine = client_page(conn, ClientQuery(owner_email="ana@partner.test"), 0, 1000)
    assert mine and all(row.owner_name == "Ana Lima" for row in mine)
    assert ClientQuery(product="Sales").narrowed and not ClientQuery(sort="mrr").narrowed
    sales = client_page(conn, ClientQuery(product="Sales"), 0, 1000)
    assert sales and all("Sales" in row.products for row in sales)


def test_order_survives_deleted_rows_and_finds_clients(conn: sqlite3.Connection) -> None:
    order = client_order(conn, ClientQuery(sort="mrr"))
    first = client_page_in_order(conn, order, 0, 3)
    conn.execute("DELETE FROM client WHERE id = ?", (first[1].id,))
    again = client_page_in_order(conn, order, 0, 3)
    assert again[0] == first[0] and again[1] is None and again[2] == first[2]
    assert client_index(conn, order, first[2].id) == 2
    assert client_index(conn, order, "no-such-client") is None
    narrowed = client_order(conn, ClientQuery(search="summit"))
    assert client_index(conn, narrowed, "c000001") is None


def test_row_fields_are_typed(conn: sqlite3.Connection) -> None:
    row = client_page(conn, ClientQuery(search="alderanalytics0.example"), 0, 1)[0]
    assert row.mrr_cents == 0 and row.engagement_score == 0 and row.engagement_band == "Low"
    assert row.next_renewal.isoformat() == "2027-01-01"
    assert row.owner_email == "ana@partner.test" and row.owner_name == "Ana Lima"
    assert (row.tools_in_use, row.active_users, row.services_status) == (3, 5, "active")


def test_ending_clients_stay_listed_until_the_sync_ends_them(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE client SET services_status = 'ending' WHERE id = 'c000000'")
    assert total_clients(conn) == 300
    (row,) = client_page(conn, ClientQuery(search="alderanalytics0.example"), 0, 1)
    assert row.services_status == "ending"


def test_search_client_names_prefers_prefix_matches(conn: sqlite3.Connection) -> None:
    insert_clients(conn, [client_values(900, name="Big Summit Co")])
    names = [found.name for found in search_client_names(conn, "summit", limit=50)]
    prefixed = [name.lower().startswith("summit") for name in names]
    assert prefixed == sorted(prefixed, reverse=True)  # every prefix match comes first
    assert "Big Summit Co" in names[prefixed.count(True) :]
    assert search_client_names(conn, "   ") == []
    assert len(search_client_names(conn, "a", limit=3)) == 3


def test_partner_header_and_sync_overview(conn: sqlite3.Connection) -> None:
    header = partner_header(conn)
    assert (header.name, header.credited_tier) == ("Acme Partners", "Gold")
    overview = sync_overview(conn)
    assert overview.last_success == datetime(2026, 11, 23, 8, 57, 0, 123456, tzinfo=UTC)
    assert overview.actions_waiting == 0 and overview.last_error is None
    conn.execute("UPDATE sync_state SET last_error = 'timed out' WHERE resource = 'partner'")
    conn.execute(
        "INSERT INTO outbox (key, kind, target_id, payload, created_at, state, target_table) "
        "VALUES ('a', 'x', 't', '{}', '2026-11-23', 'pending', 'client'), "
        "('b', 'x', 't', '{}', '2026-11-23', 'rejected', 'client')"
    )
    overview = sync_overview(conn)
    assert overview.last_error == "timed out"
    assert (overview.actions_waiting, overview.actions_refused) == (1, 1)


def test_empty_cache_has_no_partner_and_never_synced(tmp_path: Path) -> None:
    from local_store.database import open_cache

    conn = open_cache(tmp_path / "empty.sqlite3", create=True)
    assert partner_header(conn) is None
    assert sync_overview(conn).last_success is None
    assert total_clients(conn) == 0 and client_page(conn, ClientQuery(), 0, 10) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23 08:51:00.123456", datetime(2026, 11, 23, 8, 51, 0, 123456, tzinfo=UTC)),
        ("2026-11-23T08:51:00", datetime(2026, 11, 23, 8, 51, tzinfo=UTC)),
        ("2026-11-23T08:51:00+00:00", datetime(2026, 11, 23, 8, 51, tzinfo=UTC)),
        ("2026-11-23T08:51:00Z", datetime(2026, 11, 23, 8, 51, tzinfo=UTC)),
        ("2026-11-23T10:51:00+02:00", datetime(2026, 11, 23, 8, 51, tzinfo=UTC)),
        ("not a time", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_utc(text: str | None, expected: datetime | None) -> None:
    assert parse_utc(text) == expected


def test_fixture_matches_what_the_tests_expect() -> None:
    assert len(active_clients(300)) == 300
