"""`local_store.client_detail`: one client's panel, and the choices of filters and actions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from local_store.client_detail import (
    HealthReason,
    Note,
    client_detail,
    product_names,
)
from local_store.database import open_cache
from local_store.queries import employees


def _client(conn: sqlite3.Connection, client_id: str, **overrides: object) -> None:
    values: dict[str, object] = {
        "id": client_id,
        "version": 1,
        "hub_id": 4242,
        "name": "Alder Analytics",
        "domain": "alder.io",
        "industry": "Software",
        "country": "DE",
        "relationship": "sourced",
        "mrr_cents": 125_000,
        "contact_tier": "10,000 marketing contacts",
        "email_tier": "5x contact tier",
        "engagement_score": 7,
        "engagement_band": "High",
        "tools_in_use": 6,
        "active_users": 12,
        "apps_in_use": '["Slack", "Zoom"]',
        "setup_issues": '["broken workflow"]',
        "owner_email": "ana@p.test",
        "crm_url": "https://crm.example/1",
        "account_url": "https://app.example/1",
        "services_status": "active",
        "health_score": 64,
        "health_reasons": json.dumps([{"label": "engagement fell", "points": -20}]),
    } | overrides
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    conn.execute(f"INSERT INTO client ({columns}) VALUES ({marks})", tuple(values.values()))


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = open_cache(tmp_path / "cache.sqlite3", create=True)
    connection.executemany(
        "INSERT INTO employee (id, version, name, email, archetype) VALUES (?, 1, ?, ?, ?)",
        [("e2", "Ben Ode", "ben@p.test", "implementer"), ("e1", "Ana Lima", "ana@p.test", "x")],
    )
    _client(connection, "c-1")
    connection.executemany(
        "INSERT INTO subscription (id, version, client_id, product, edition, term, "
        "billing_frequency, mrr_cents, start_date, renewal_date) "
        "VALUES (?, 1, ?, ?, ?, 'annual', 'monthly', ?, '2025-01-01', '2026-01-01')",
        [
            ("s2", "c-1", "Sales Hub", "Professional", 50_000),
            ("s1", "c-1", "Marketing Hub", "Starter", 75_000),
            ("s3", "c-other", "Service Hub", "Enterprise", 1),
        ],
    )
    connection.execute(
        "INSERT INTO renewal (id, version, client_id, renewal_date, decision_deadline, status, "
        "communication_owner, renewal_manager, products, current_subscription, "
        "renewal_subscription, mrr_now_cents, mrr_change_cents, last_active_employee) VALUES "
        "('r1', 1, 'c-1', '2026-01-01', '2025-11-17', 'pending', 'hubspot', 'Dana Reyes', "
        "'[\"Sales Hub Professional\"]', 'Sales Pro, annual', 'Sales Ent, annual', 125000, "
        "30000, NULL)"
    )
    connection.executemany(
        "INSERT INTO usage (id, version, client_id, period, tools_in_use, active_users, "
        "engagement_score, category_points) VALUES (?, 1, 'c-1', ?, 5, 10, ?, ?)",
        [
            ("u2", "2025-11-01", 7, '{"Marketing": 12, "Sales": 9}'),
            ("u1", "2025-10-01", 5, "not json"),
        ],
    )
    connection.executemany(
        "INSERT INTO note (id, version, target_type, target_id, author, text, created_at) "
        "VALUES (?, 1, ?, ?, ?, ?, ?)",
        [
            ("n1", "client", "c-1", "ana@p.test", "older", "2025-10-01T10:00:00+00:00"),
            ("n2", "client", "c-1", "ben@p.test", "newer", "2025-11-01T10:00:00+00:00"),
            ("n3", "alert", "c-1", "ben@p.test", "an alert's note", "2025-11-02T10:00:00"),
        ],
    )
    yield connection
    connection.close()


def test_detail_reads_every_part_of_the_client(conn: sqlite3.Connection) -> None:
    detail = client_detail(conn, "c-1")
    assert detail is not None
    assert (detail.name, detail.hub_id, detail.owner_name) == ("Alder Analytics", 4242, "Ana Lima")
    assert detail.apps_in_use == ("Slack", "Zoom")
    assert detail.setup_issues == ("broken workflow",)
    assert [s.product for s in detail.subscriptions] == ["Marketing Hub", "Sales Hub"]
    assert detail.subscriptions[0].renewal_date == date(2026, 1, 1)
    (renewal,) = detail.renewals
    assert renewal.products == ("Sales Hub Professional",)
    assert (renewal.renewal_manager, renewal.mrr_change_cents) == ("Dana Reyes", 30_000)
    assert [period.period for period in detail.usage] == [date(2025, 10, 1), date(2025, 11, 1)]
    assert detail.usage[0].category_points == ()  # malformed JSON reads as empty
    assert detail.latest_usage.category_points == (("Marketing", 12), ("Sales", 9))
    assert detail.health_reasons == (HealthReason("engagement fell", -20),)
    assert detail.notes == (
        Note("ben@p.test", "newer", datetime(2025, 11, 1, 10, tzinfo=UTC)),
        Note("ana@p.test", "older", datetime(2025, 10, 1, 10, tzinfo=UTC)),
    )


@pytest.mark.parametrize(
    "reasons",
    ["", "not json", '{"label": "x"}', '[1, {"label": "no points"}, {"points": true}]'],
)
def test_malformed_server_json_never_fails_the_panel(
    conn: sqlite3.Connection, reasons: str
) -> None:
    _client(conn, "c-2", apps_in_use="{", setup_issues="null", health_reasons=reasons)
    detail = client_detail(conn, "c-2")
    assert detail.apps_in_use == () and detail.setup_issues == ()
    assert detail.health_reasons == ()
    assert detail.subscriptions == () and detail.renewals == () and detail.latest_usage is None


def test_a_missing_client_is_none(conn: sqlite3.Connection) -> None:
    assert client_detail(conn, "nobody") is None


def test_choices_for_filters_and_owners(conn: sqlite3.Connection) -> None:
    assert [person.name for person in employees(conn)] == ["Ana Lima", "Ben Ode"]
    assert product_names(conn) == ["Marketing", "Sales", "Service"]
