"""The clients search answered from a kept order (local_store.queries_search.client_order) gives
exactly what the LIKE scan gives, and notices every change to the cache."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from search_oracle import like_order

from local_store.database import connect, open_cache, write_transaction
from local_store.queries import ClientQuery
from local_store.queries_search import client_order

NAMES = [
    ("Alpha Bakery", "alphabakery.com"),
    ("ÉCOLE Nord", "ecole-nord.fr"),
    ("école sud", "ecolesud.fr"),
    ("100% Coffee", "hundred_percent.io"),
    ("Line\nBreak Ltd", "linebreak.co"),
    ("Zed AB", "zed.se"),
    ("beta ALPHA", "beta.example"),
]


def _add(conn: sqlite3.Connection, number: int, name: str, domain: str, mrr: int) -> None:
    conn.execute(
        "INSERT INTO client (id, version, hub_id, name, domain, industry, country, relationship, "
        "mrr_cents, contact_tier, email_tier, engagement_score, engagement_band, tools_in_use, "
        "active_users, apps_in_use, setup_issues, owner_email, crm_url, account_url, "
        "services_status) VALUES (?, 1, 1, ?, ?, 'Retail', 'US', 'sourced', ?, '', '', 5, "
        "'Medium', 1, 1, '[]', '[]', NULL, 'https://crm.example/x', 'https://app.example/x', ?)",
        (f"c{number}", name, domain, mrr, "ended" if number == 5 else "active"),
    )


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    path = tmp_path / "search.sqlite3"
    conn = open_cache(path, create=True)
    with write_transaction(conn):
        for number, (name, domain) in enumerate(NAMES):
            _add(conn, number, name, domain, 1000 * (len(NAMES) - number))
    conn.close()
    return path


@pytest.mark.parametrize("search", ["a", "A", "alpha", "É", "é", "%", "_", "e\nb", ".", "zz", " "])
@pytest.mark.parametrize(("sort", "descending"), [("name", False), ("mrr", True)])
def test_search_matches_the_like_scan(cache: Path, search: str, sort: str, descending: bool):
    conn = connect(cache)
    query = ClientQuery(search=search, sort=sort, descending=descending)
    client_order(conn, ClientQuery(sort=sort, descending=descending))  # keeps the order
    assert list(client_order(conn, query).rowids) == like_order(conn, query)


def test_a_commit_by_another_connection_is_seen(cache: Path):
    reader, writer = connect(cache), connect(cache)
    assert len(client_order(reader, ClientQuery(search="bakery"))) == 1
    with write_transaction(writer):
        writer.execute("UPDATE client SET name = 'Gamma Bakery' WHERE id = 'c6'")
        _add(writer, 9, "Delta Bakery", "delta.example", 5)
    assert len(client_order(reader, ClientQuery(search="bakery"))) == 3


def test_a_write_on_the_same_connection_is_seen(cache: Path):
    conn = connect(cache)
    assert len(client_order(conn, ClientQuery(search="nord"))) == 1
    with write_transaction(conn):
        conn.execute("UPDATE client SET services_status = 'ended' WHERE id = 'c1'")
    assert len(client_order(conn, ClientQuery(search="nord"))) == 0


def test_filters_apply_before_the_search(cache: Path):
    conn = connect(cache)
    everyone = client_order(conn, ClientQuery(search="a"))
    assert len(everyone) > 1
    assert len(client_order(conn, ClientQuery(search="a", relationship="managed"))) == 0


def test_orders_longer_than_one_block(cache: Path):
    conn = connect(cache)
    with write_transaction(conn):
        for number in range(10, 160):
            _add(conn, number, f"Row {number:03d}", f"row{number}.example", number)
    client_order(conn, ClientQuery())
    for search in ("row 0", "1", "9.ex", "row 15"):
        query = ClientQuery(search=search)
        assert list(client_order(conn, query).rowids) == like_order(conn, query)


def test_a_name_holding_a_nul_still_searches_right(cache: Path):
    conn = connect(cache)
    with write_transaction(conn):
        _add(conn, 20, "Nul\x00Name Alpha", "nul.example", 1)
    for search in ("alpha", "name", "nul"):
        query = ClientQuery(search=search)
        assert list(client_order(conn, query).rowids) == like_order(conn, query)
