"""Renewal decisions and team contacts read from the cache: window, deadline, sort, filters."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from local_store.database import open_cache
from local_store.renewals import (
    RENEWAL_SORTS,
    WINDOWS,
    RenewalOwner,
    RenewalQuery,
    RenewalTotals,
    renewal_owners,
    renewal_page,
    renewal_rows,
    renewal_totals,
    window_totals,
)
from local_store.team import team_contacts

TODAY = date(2026, 11, 23)


def add_client(
    conn: sqlite3.Connection, client_id: str, name: str, owner: str | None, status: str = "active"
) -> None:
    conn.execute(
        "INSERT INTO client (id, version, hub_id, name, domain, industry, country, relationship, "
        "mrr_cents, contact_tier, email_tier, engagement_score, engagement_band, tools_in_use, "
        "active_users, apps_in_use, setup_issues, owner_email, crm_url, account_url, "
        "services_status) VALUES (?, 1, 1, ?, 'x.example', 'Retail', 'US', 'managed', 0, 'Pro', "
        "'Pro', 5, 'Medium', 1, 1, '[]', '[]', ?, 'https://crm.example/c', "
        "'https://app.example/a', ?)",
        (client_id, name, owner, status),
    )


def add_renewal(
    conn: sqlite3.Connection,
    renewal_id: str,
    client_id: str,
    days_from_today: int,
    *,
    mrr: int = 10_000,
    change: int = 0,
    status: str = "pending",
    communication_owner: str = "partner",
    products: tuple[str, ...] = ("Marketing Hub Professional",),
) -> None:
    renewal = TODAY + timedelta(days=days_from_today)
    conn.execute(
        "INSERT INTO renewal (id, version, client_id, renewal_date, decision_deadline, status, "
        "communication_owner, renewal_manager, products, current_subscription, "
        "renewal_subscription, mrr_now_cents, mrr_change_cents, last_active_employee) "
        "VALUES (?, 1, ?, ?, ?, ?, ?, 'Rita Manager', ?, 'now', 'next', ?, ?, "
        "'ana@partner.test')",
        (
            renewal_id,
            client_id,
            renewal.isoformat(),
            # A server copy that disagrees: the rule (renewal date − 45 days) wins.
            (renewal - timedelta(days=10)).isoformat(),
            status,
            communication_owner,
            json.dumps(list(products)),
            mrr,
            change,
        ),
    )


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = open_cache(tmp_path / "r.sqlite3", create=True)
    connection.execute(
        "INSERT INTO employee (id, version, name, email, archetype) VALUES "
        "('e1', 1, 'Ana Lima', 'ana@partner.test', 'value_driver'), "
        "('e2', 1, 'Ben Ode', 'ben@partner.test', 'implementer')"
    )
    add_client(connection, "c-ana", "alder", "ana@partner.test")
    add_client(connection, "c-ben", "Birch", "ben@partner.test")
    add_client(connection, "c-nobody", "Cedar", None)
    add_client(connection, "c-ghost", "Ghost", "gone@partner.test")
    add_client(connection, "c-ended", "Ended", "ana@partner.test", status="ended")
    add_renewal(connection, "r-past", "c-ana", -1)
    add_renewal(connection, "r-today", "c-ana", 0, mrr=1_000, change=-1_000)
    add_renewal(connection, "r-30", "c-ben", 30, mrr=20_000, change=5_000, status="confirmed")
    add_renewal(connection, "r-31", "c-nobody", 31, mrr=30_000, change=-7_000)
    add_renewal(connection, "r-120", "c-ghost", 120, mrr=40_000, communication_owner="hubspot")
    add_renewal(connection, "r-121", "c-ana", 121)
    add_renewal(connection, "r-ended", "c-ended", 5)
    return connection


def ids(conn: sqlite3.Connection, query: RenewalQuery) -> list[str]:
    return [row.renewal_id for row in renewal_rows(conn, query, TODAY)]


def test_window_includes_today_and_its_last_day_only(conn: sqlite3.Connection) -> None:
    assert ids(conn, RenewalQuery(window_days=30)) == ["r-today", "r-30"]
    assert ids(conn, RenewalQuery(window_days=60)) == ["r-today", "r-30", "r-31"]
    assert ids(conn, RenewalQuery(window_days=120)) == ["r-today", "r-30", "r-31", "r-120"]


def test_deadline_is_45_days_before_the_renewal_and_days_left_count_to_it(
    conn: sqlite3.Connection,
) -> None:
    rows = {row.renewal_id: row for row in renewal_rows(conn, RenewalQuery(120), TODAY)}
    r30 = rows["r-30"]
    assert r30.renewal_date == date(2026, 12, 23)
    assert r30.decision_deadline == date(2026, 11, 8)
    assert r30.days_left == -15  # the deadline has passed
    assert rows["r-120"].days_left == 75
    assert rows["r-today"].days_left == -45


def test_row_carries_every_column_of_the_brief(conn: sqlite3.Connection) -> None:
    add_renewal(
        conn, "r-two", "c-ben", 50, products=("Sales Hub Starter", "Service Hub Professional")
    )
    row = next(r for r in renewal_rows(conn, RenewalQuery(60), TODAY) if r.renewal_id == "r-two")
    assert row.client_name == "Birch"
    assert row.products == "Sales Hub Starter, Service Hub Professional"
    assert (row.status, row.communication_owner, row.renewal_manager) == (
        "pending",
        "partner",
        "Rita Manager",
    )
    assert (row.last_active_employee, row.last_active_name) == ("ana@partner.test", "Ana Lima")
    assert (row.owner_email, row.owner_name) == ("ben@partner.test", "Ben Ode")
    assert row.crm_url == "https://crm.example/c"


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("deadline", False, ["r-today", "r-30", "r-31", "r-120"]),
        ("deadline", True, ["r-120", "r-31", "r-30", "r-today"]),
        ("mrr_change", False, ["r-31", "r-today", "r-120", "r-30"]),
        ("mrr_change", True, ["r-30", "r-120", "r-today", "r-31"]),
        ("mrr", True, ["r-120", "r-31", "r-30", "r-today"]),
        ("client", False, ["r-today", "r-30", "r-31", "r-120"]),  # alder, Birch, Cedar, Ghost
    ],
)
def test_sorts(conn: sqlite3.Connection, sort: str, descending: bool, expected: list[str]) -> None:
    assert ids(conn, RenewalQuery(120, sort=sort, descending=descending)) == expected


def test_filters_by_owner_status_and_communication_owner(conn: sqlite3.Connection) -> None:
    assert ids(conn, RenewalQuery(120, owner_email="ana@partner.test")) == ["r-today"]
    assert ids(conn, RenewalQuery(120, status="confirmed")) == ["r-30"]
    assert ids(conn, RenewalQuery(120, communication_owner="hubspot")) == ["r-120"]
    assert ids(conn, RenewalQuery(120, owner_email="ben@partner.test", status="pending")) == []


def test_totals_follow_the_same_window_and_filters(conn: sqlite3.Connection) -> None:
    assert renewal_totals(conn, RenewalQuery(30), TODAY) == RenewalTotals(2, 21_000, 4_000)
    assert renewal_totals(conn, RenewalQuery(120), TODAY) == RenewalTotals(4, 91_000, -3_000)
    assert renewal_totals(conn, RenewalQuery(30, status="renewed"), TODAY) == RenewalTotals(0, 0, 0)


@pytest.mark.parametrize(
    "query",
    [RenewalQuery(), RenewalQuery(status="pending"), RenewalQuery(owner_email="ana@partner.test")],
)
def test_every_windows_totals_in_one_pass(conn: sqlite3.Connection, query: RenewalQuery) -> None:
    totals = window_totals(conn, query, TODAY)
    assert list(totals) == list(WINDOWS)
    for days in WINDOWS:
        rows = list(renewal_rows(conn, replace(query, window_days=days), TODAY))
        money = sum(r.mrr_now_cents for r in rows), sum(r.mrr_change_cents for r in rows)
        assert totals[days] == RenewalTotals(len(rows), *money)


@pytest.mark.parametrize("sort", list(RENEWAL_SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_pages_walk_the_same_order_as_the_whole_list(
    conn: sqlite3.Connection, sort: str, descending: bool
) -> None:
    # The money and client sorts page by walking an index, the others by the date index.
    query = RenewalQuery(120, sort=sort, descending=descending)
    whole = [row.renewal_id for row in renewal_rows(conn, query, TODAY)]
    paged = [row.renewal_id for n in range(4) for row in renewal_page(conn, query, TODAY, n, 1)]
    assert paged == whole and len(whole) == 4


def test_owners_for_the_filter(conn: sqlite3.Connection) -> None:
    # Named owners first, then an owner the employee list does not know; ended clients and
    # clients with no owner add none.
    assert renewal_owners(conn) == [
        RenewalOwner("ana@partner.test", "Ana Lima"),
        RenewalOwner("ben@partner.test", "Ben Ode"),
        RenewalOwner("gone@partner.test", None),
    ]


@pytest.mark.parametrize(
    "bad",
    [{"window_days": 45}, {"sort": "name; DROP TABLE client"}, {"status": "won"}],
)
def test_query_refuses_unknown_values(bad: dict) -> None:
    with pytest.raises(ValueError):
        RenewalQuery(**bad)


def test_team_contacts_in_server_order(tmp_path: Path) -> None:
    conn = open_cache(tmp_path / "t.sqlite3", create=True)
    conn.execute(
        "INSERT INTO team_contact (id, version, role, name, email, description, phone, "
        "meeting_url) VALUES ('t-2', 1, 'Partner Development Manager', 'Pat', 'pat@hs.example', "
        "'Main contact', NULL, 'https://meet.example/pat'), ('t-10', 1, 'Channel Consultant', "
        "'Cy', 'cy@hs.example', 'Onboarding', '+1 555', NULL)"
    )
    contacts = team_contacts(conn)
    assert [c.id for c in contacts] == ["t-2", "t-10"]
    assert contacts[0].meeting_url == "https://meet.example/pat" and contacts[0].phone is None
    assert contacts[1].phone == "+1 555"
