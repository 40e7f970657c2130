"""Tier reads on hand-made credit events: month sums, gained and lost, what expires next."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from local_store.database import open_cache
from local_store.tier import (
    CreditMonth,
    credit_by_month,
    credit_projection,
    month_clients,
    tier_for_points,
    tier_report,
)

TODAY = date(2026, 11, 23)


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = open_cache(tmp_path / "tier.sqlite3", create=True)
    for client_id, name in (("c-a", "Alder"), ("c-b", "Birch"), ("c-c", "[red]Cedar[/]")):
        connection.execute(
            "INSERT INTO client (id, version, hub_id, name, domain, industry, country, "
            "relationship, mrr_cents, contact_tier, email_tier, engagement_score, "
            "engagement_band, tools_in_use, active_users, apps_in_use, setup_issues, "
            "owner_email, crm_url, account_url, services_status) VALUES (?, 1, 1, ?, 'x.io', "
            "'Retail', 'US', 'sourced', 1000, 'c', 'e', 5, 'Medium', 3, 3, '[]', '[]', NULL, "
            "'https://crm', 'https://acct', 'active')",
            (client_id, name),
        )
    return connection


_event_ids = itertools.count(1)


def event(
    conn: sqlite3.Connection, client_id: str, month: str, kind: str, points: int, basis: int = 0
) -> None:
    conn.execute(
        "INSERT INTO credit_event (id, version, client_id, month, kind, points, mrr_basis_cents) "
        "VALUES (?, 1, ?, ?, ?, ?, ?)",
        (f"e{next(_event_ids)}", client_id, month, kind, points, basis),
    )


def partner(conn: sqlite3.Connection, points: int, performance: str = "Platinum") -> None:
    conn.execute(
        "INSERT INTO partner (id, version, name, credited_tier, performance_tier, points, "
        "points_to_next_tier, next_tier, sourced_minimum, managed_minimum, median_app_usage, "
        "certified, growth_market, figures_as_of) VALUES ('p', 1, 'Acme', 'Gold', ?, ?, ?, "
        "'Diamond', 600, 300, 2.5, 1, 0, '2026-11-23T07:00:00+00:00')",
        (performance, points, 2500 - points),
    )


def test_no_partner_and_no_events(conn: sqlite3.Connection) -> None:
    assert tier_report(conn) is None
    assert credit_by_month(conn) == []
    projection = credit_projection(conn, TODAY)
    assert (projection.points_now, projection.points_after, projection.tier_after) == (
        0,
        0,
        "Partner",
    )
    assert [m.points_expiring for m in projection.months] == [0, 0, 0]


def test_report_derives_the_next_threshold_and_progress(conn: sqlite3.Connection) -> None:
    partner(conn, 1000)
    report = tier_report(conn)
    assert report is not None
    assert (report.credited_tier, report.performance_tier, report.next_tier) == (
        "Gold",
        "Platinum",
        "Diamond",
    )
    assert report.next_tier_points == 2500
    assert report.progress == pytest.approx((1000 - 600) / (2500 - 600))
    assert report.median_app_usage == 2.5 and not report.median_app_usage_ok
    assert report.certified is True and report.growth_market is False
    assert report.figures_as_of == datetime(2026, 11, 23, 7, tzinfo=UTC)


def test_months_sum_each_kind_and_fill_gaps(conn: sqlite3.Connection) -> None:
    event(conn, "c-a", "2026-09-01", "new", 10)
    event(conn, "c-b", "2026-09-01", "new", 5)
    event(conn, "c-a", "2026-09-01", "increased", 3)
    event(conn, "c-b", "2026-09-01", "expired", -4)
    event(conn, "c-c", "2026-09-01", "decreased", -2)
    event(conn, "c-a", "2026-11-01", "expired", -7)
    event(conn, "c-a", "2026-06-01", "new", 99)  # before the window
    months = credit_by_month(conn, 3)
    assert months == [
        CreditMonth(date(2026, 9, 1), 15, 3, -4, -2, 12),
        CreditMonth(date(2026, 10, 1), 0, 0, 0, 0, 0),
        CreditMonth(date(2026, 11, 1), 0, 0, -7, 0, -7),
    ]
    assert (months[0].gained, months[0].lost) == (18, -6)


def test_months_end_at_until_across_a_year(conn: sqlite3.Connection) -> None:
    event(conn, "c-a", "2025-12-01", "new", 4)
    event(conn, "c-a", "2027-01-01", "new", 8)  # after `until`
    months = credit_by_month(conn, 2, until=date(2026, 1, 15))
    assert [(m.month, m.total) for m in months] == [(date(2025, 12, 1), 4), (date(2026, 1, 1), 0)]


def test_month_clients_split_gained_and_lost(conn: sqlite3.Connection) -> None:
    event(conn, "c-a", "2026-09-01", "new", 10, 20_000)
    event(conn, "c-a", "2026-09-01", "increased", 2, 4_000)
    event(conn, "c-a", "2026-09-01", "increased", 1, 2_000)
    event(conn, "c-b", "2026-09-01", "expired", -30, 60_000)
    event(conn, "c-c", "2026-09-01", "decreased", -1, 500)
    event(conn, "c-gone", "2026-09-01", "new", 4, 8_000)
    event(conn, "c-b", "2026-10-01", "new", 50)  # another month
    gained = month_clients(conn, date(2026, 9, 1), "gained")
    assert [(c.client_id, c.kind, c.points, c.mrr_basis_cents) for c in gained] == [
        ("c-a", "new", 10, 20_000),
        ("c-gone", "new", 4, 8_000),
        ("c-a", "increased", 3, 6_000),
    ]
    assert gained[1].name is None
    lost = month_clients(conn, date(2026, 9, 1), "lost")
    assert [(c.name, c.kind, c.points) for c in lost] == [
        ("Birch", "expired", -30),
        ("[red]Cedar[/]", "decreased", -1),
    ]
    total = month_clients(conn, date(2026, 9, 20), "total")
    assert [c.points for c in total] == [-30, 10, 4, 3, -1]
    with pytest.raises(ValueError, match="side must be one of"):
        month_clients(conn, date(2026, 9, 1), "won")


def test_projection_takes_three_calendar_months_after_today(conn: sqlite3.Connection) -> None:
    partner(conn, 700)
    event(conn, "c-a", "2025-11-01", "new", 500)  # expires this month: already recorded
    event(conn, "c-a", "2026-11-01", "expired", -500)
    event(conn, "c-a", "2025-12-01", "new", 20, 4_000)  # 1 month out
    event(conn, "c-b", "2025-12-01", "increased", 30, 6_000)
    event(conn, "c-c", "2026-02-01", "new", 60, 12_000)  # exactly 3 months out: in
    event(conn, "c-c", "2026-03-01", "new", 400)  # 4 months out: out
    event(conn, "c-b", "2026-01-01", "expired", -9)  # an expiry is not a purchase
    projection = credit_projection(conn, TODAY)
    assert [(m.month, m.points_expiring, m.points_after) for m in projection.months] == [
        (date(2026, 12, 1), 50, 650),
        (date(2027, 1, 1), 0, 650),
        (date(2027, 2, 1), 60, 590),
    ]
    december = projection.months[0]
    assert [(c.name, c.points_expiring, c.mrr_basis_cents) for c in december.clients] == [
        ("Birch", 30, 6_000),
        ("Alder", 20, 4_000),
    ]
    assert (projection.points_now, projection.points_expiring, projection.points_after) == (
        700,
        110,
        590,
    )
    # 590 is below Platinum's 600: the tier left is Gold, and the last month says so.
    assert (projection.tier_now, projection.tier_after) == ("Platinum", "Gold")
    assert [m.tier_after for m in projection.months] == ["Platinum", "Platinum", "Gold"]
    assert projection.tier_drops


def test_projection_does_not_expire_credit_twice(conn: sqlite3.Connection) -> None:
    partner(conn, 650)
    event(conn, "c-a", "2025-12-01", "new", 40)
    event(conn, "c-a", "2026-12-01", "expired", -40)  # recorded ahead by the backend
    event(conn, "c-b", "2025-12-01", "new", 10)
    projection = credit_projection(conn, TODAY)
    assert [c.client_id for c in projection.months[0].clients] == ["c-b"]
    assert projection.points_expiring == 10
    assert (projection.tier_after, projection.tier_drops) == ("Platinum", False)


def test_projection_without_a_partner_counts_the_events(conn: sqlite3.Connection) -> None:
    event(conn, "c-a", "2025-12-01", "new", 160)
    projection = credit_projection(conn, TODAY, months=1)
    assert (projection.points_now, projection.tier_now) == (160, "Gold")
    assert (projection.points_after, projection.tier_after) == (0, "Partner")


@pytest.mark.parametrize(
    ("points", "tier"),
    [(0, "Partner"), (149, "Partner"), (150, "Gold"), (2499, "Platinum"), (10_000, "Elite")],
)
def test_tier_for_points(points: int, tier: str) -> None:
    assert tier_for_points(points) == tier
