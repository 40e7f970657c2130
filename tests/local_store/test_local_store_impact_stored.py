"""The stored impacts the inbox pages by (issue 14): a portfolio synced from the reference
backend lists the same alerts in the same order, with the same figures, whether the impacts
are read from their indexed columns or computed; and what changes their inputs (a synced page,
a new day, the rules) leaves them out of date until they are computed again, never wrong."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from synced_cache import synced_cache

from local_store import alerts, writes
from local_store.alert_filter import ARCHETYPE_SECTIONS, Section, compile_filter
from local_store.alerts import AlertListRow, list_matching
from local_store.database import write_transaction
from local_store.impact import forget_impact, impact_is_current, refresh_impact
from local_store.signals import refresh_signals

DAY = date(2026, 11, 23)
FILTERS = sorted({s.filter for sections in ARCHETYPE_SECTIONS.values() for s in sections})


@pytest.fixture
def portfolio(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = synced_cache(tmp_path / "portfolio.sqlite3", 300, seed=3, day=DAY)
    yield conn
    conn.close()


def listing(conn: sqlite3.Connection, text: str, search: str = "", day: date = DAY) -> list:
    me = conn.execute("SELECT email FROM employee ORDER BY email LIMIT 1").fetchone()[0]
    rows = list_matching(conn, compile_filter(text, me, day), search, limit=100_000)
    return [(row.id, row.impact) for row in rows]


def computed(conn: sqlite3.Connection, text: str, search: str = "", day: date = DAY) -> list:
    with write_transaction(conn):
        forget_impact(conn)
    try:
        return listing(conn, text, search, day)
    finally:
        with write_transaction(conn):
            refresh_impact(conn, DAY)


def test_stored_and_computed_impacts_list_the_same_alerts_in_the_same_order(
    portfolio: sqlite3.Connection,
) -> None:
    assert impact_is_current(portfolio, DAY)
    stored = portfolio.execute("SELECT count(*) FROM alert WHERE impact > 0").fetchone()[0]
    assert stored > 0
    for text in FILTERS:
        for search in ("", "re"):
            assert listing(portfolio, text, search) == computed(portfolio, text, search), text
    assert len(listing(portfolio, "")) > 100


@pytest.mark.parametrize("page", [0, 10**9], ids=["along-the-impact-index", "as-sqlite-chooses"])
def test_counted_sections_read_each_source_their_own_way_to_the_same_rows(
    portfolio: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch, page: int
) -> None:
    monkeypatch.setattr(alerts, "PAGE_ROWS", page)
    me = portfolio.execute("SELECT email FROM employee ORDER BY email LIMIT 1").fetchone()[0]
    sections = tuple(Section(text, text) for text in FILTERS)
    counts = alerts.section_counts(portfolio, sections, me, DAY)
    assert any(count.backend.matches == 0 < count.local.matches for count in counts)
    for section, counted in zip(sections, counts, strict=True):
        compiled = compile_filter(section.filter, me, DAY)
        for search in ("", "re"):
            every = list_matching(portfolio, compiled, search, limit=100_000)
            counted_rows = list_matching(portfolio, compiled, search, 100_000, 0, counted)
            assert counted_rows == every, (section.filter, search, counted)
            page = list_matching(portfolio, compiled, search, 7, 3, counted)
            assert page == every[3:10], (section.filter, search, counted)


def top_row(conn: sqlite3.Connection) -> AlertListRow:
    return list_matching(conn, compile_filter("", None, DAY), limit=1)[0]


def test_a_synced_page_of_clients_forgets_them_and_the_signals_store_them_again(
    portfolio: sqlite3.Connection,
) -> None:
    every = list_matching(portfolio, compile_filter("", None, DAY), limit=100_000)
    least = next(row for row in reversed(every) if row.client_id is not None)
    assert top_row(portfolio).client_id != least.client_id
    cursor = portfolio.execute("SELECT * FROM client WHERE id = ?", (least.client_id,))
    row = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
    # The least urgent alert's client becomes by far the biggest account the partner has.
    row["mrr_cents"] = 100_000_000
    pulled = {column: row[column] for column in writes.table_columns("clients")[1]}
    writes.commit_page(portfolio, writes.PulledPage("clients", [pulled], [], "t-1"))
    assert not impact_is_current(portfolio, DAY)
    assert top_row(portfolio).client_id == least.client_id
    moved = listing(portfolio, "")
    refresh_signals(portfolio, {}, today=DAY)
    assert impact_is_current(portfolio, DAY)
    assert listing(portfolio, "") == moved


def test_on_a_new_day_they_are_computed_until_the_refresh(portfolio: sqlite3.Connection) -> None:
    tomorrow = DAY + timedelta(days=1)
    assert not impact_is_current(portfolio, tomorrow)
    before_refresh = listing(portfolio, "", day=tomorrow)
    assert before_refresh != listing(portfolio, "")  # urgency moved with the date
    with write_transaction(portfolio):
        assert refresh_impact(portfolio, tomorrow)
        assert not refresh_impact(portfolio, tomorrow)
    assert impact_is_current(portfolio, tomorrow)
    assert listing(portfolio, "", day=tomorrow) == before_refresh
