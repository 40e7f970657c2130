"""The kept search order (local_store.queries_search.client_order): one order per cache file shared
by every connection, a search that extends the previous one, and every change to the cache
seen by every connection. Each result is checked against a LIKE scan and sort in SQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from search_oracle import like_order

from local_store.database import connect, open_cache, write_transaction
from local_store.queries import ClientQuery
from local_store.queries_search import client_order
from local_store.rebuild import rebuild_cache

ROWS = 300  # several blocks of the kept order


def _add(conn: sqlite3.Connection, number: int, name: str, domain: str) -> None:
    conn.execute(
        "INSERT INTO client (id, version, hub_id, name, domain, industry, country, relationship, "
        "mrr_cents, contact_tier, email_tier, engagement_score, engagement_band, tools_in_use, "
        "active_users, apps_in_use, setup_issues, owner_email, crm_url, account_url, "
        "services_status) VALUES (?, 1, 1, ?, ?, 'Retail', 'US', 'sourced', ?, '', '', 5, "
        "'Medium', 1, 1, '[]', '[]', NULL, 'https://crm.example/x', 'https://app.example/x', "
        "'active')",
        (f"c{number}", name, domain, (number * 7919) % 1000),
    )


WORDS = ["alpha", "Beta", "gamma", "ALPS", "delta", "alto", "bravo", "100%", "a_b"]


def _fill(conn: sqlite3.Connection, start: int, stop: int) -> None:
    for number in range(start, stop):
        first, second = WORDS[number % len(WORDS)], WORDS[(number * 5 + 3) % len(WORDS)]
        _add(conn, number, f"{first} {second} {number}", f"{second}{number}.example")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    path = tmp_path / "search.sqlite3"
    conn = open_cache(path, create=True)
    with write_transaction(conn):
        _fill(conn, 0, ROWS)
    conn.close()
    return path


def _order_reads(conn: sqlite3.Connection) -> list[str]:
    """The statements that read the whole unsearched order on this connection, from now."""
    seen: list[str] = []
    conn.set_trace_callback(lambda sql: seen.append(sql) if "lower(name)" in sql else None)
    return seen


# Each search after the first extends an earlier one, or does not, in turn.
TYPED = ["a", "al", "alp", "alph", "alpha", "lph", "b", "ab", "a", "a_", "a_b", "%", "100%", "zzq",
         "zzqx", "1", "12", "123", "2", "e", "e.", "e.ex"]  # fmt: skip


@pytest.mark.parametrize(("sort", "descending"), [("name", False), ("mrr", True)])
def test_searches_typed_in_turn_match_the_like_scan(cache: Path, sort: str, descending: bool):
    conn = connect(cache)
    for search in TYPED:
        query = ClientQuery(search=search, sort=sort, descending=descending)
        assert list(client_order(conn, query).rowids) == like_order(conn, query), search


def test_an_extended_search_gives_what_a_fresh_one_gives(cache: Path):
    conn = connect(cache)
    extended = client_order(conn, ClientQuery(search="alp"))
    assert len(extended) > 0
    client_order(conn, ClientQuery(search="gamma"))  # "alp" does not extend "gamma"
    fresh = client_order(conn, ClientQuery(search="alp"))
    client_order(conn, ClientQuery(search="a"))
    from_a = client_order(conn, ClientQuery(search="alp"))
    assert list(extended.rowids) == list(fresh.rowids) == list(from_a.rowids)


def test_connections_to_one_file_share_the_order(cache: Path):
    first, second = connect(cache), connect(cache)
    client_order(first, ClientQuery())
    reads = _order_reads(second)
    assert list(client_order(second, ClientQuery(search="a")).rowids) == like_order(
        second, ClientQuery(search="a")
    )
    assert reads == []
    client_order(second, ClientQuery(sort="mrr"))  # another order is read
    assert len(reads) == 1


def test_a_commit_is_seen_by_every_connection(cache: Path):
    readers = [connect(cache) for _ in range(3)]
    writer = connect(cache)
    query = ClientQuery(search="newco")
    for reader in readers:
        assert len(client_order(reader, query)) == 0
    with write_transaction(writer):
        _add(writer, 1000, "NewCo", "newco.example")
    for reader in readers:
        assert list(client_order(reader, query).rowids) == like_order(reader, query)
        assert len(client_order(reader, query)) == 1


def test_a_reader_s_own_commit_is_seen_by_the_others(cache: Path):
    first, second = connect(cache), connect(cache)
    query = ClientQuery(search="alpha")
    before = len(client_order(first, query))
    client_order(second, query)
    with write_transaction(second):
        second.execute("UPDATE client SET name = 'Renamed' WHERE name LIKE 'alpha%'")
    for conn in (first, second):
        assert list(client_order(conn, query).rowids) == like_order(conn, query)
    assert len(client_order(first, query)) < before


def test_an_open_transaction_is_neither_kept_nor_shared(cache: Path):
    writer, other = connect(cache), connect(cache)
    query = ClientQuery(search="zeta")
    assert len(client_order(other, query)) == 0
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE client SET name = 'Zeta' WHERE id = 'c1'")
    assert len(client_order(writer, query)) == 1  # its own uncommitted write
    assert len(client_order(other, query)) == 0
    writer.execute("ROLLBACK")
    assert len(client_order(writer, query)) == 0
    assert len(client_order(other, query)) == 0


def test_a_cache_made_anew_at_the_same_path_is_read_again(cache: Path):
    old = connect(cache)
    assert len(client_order(old, ClientQuery(search="alpha"))) > 0
    old.close()
    rebuild_cache(cache)  # moves the file aside, with its -wal and -shm
    conn = connect(cache)
    with write_transaction(conn):
        _add(conn, 1, "Omega", "omega.example")
    conn.close()
    new = connect(cache)
    assert len(client_order(new, ClientQuery(search="alpha"))) == 0
    assert len(client_order(new, ClientQuery())) == 1


def test_an_in_memory_cache_searches_too(cache: Path):
    memory = sqlite3.connect(":memory:")
    connect(cache).backup(memory)
    for search in ("a", "al", "zzq"):
        query = ClientQuery(search=search)
        assert list(client_order(memory, query).rowids) == like_order(memory, query)
