"""Hand-made caches for the health score and alert rule tests: one fact per call."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from local_store.database import open_cache

TODAY = date(2026, 11, 23)
THIS_MONTH = "2026-11-01"
LAST_MONTH = "2026-10-01"


def new_cache(tmp_path: Path) -> sqlite3.Connection:
    return open_cache(tmp_path / "crafted.sqlite3", create=True)


def add_client(
    conn: sqlite3.Connection,
    client_id: str,
    *,
    engagement: int = 8,
    tools: int = 6,
    users: int = 10,
    setup_issues: tuple[str, ...] = (),
    owner: str | None = None,
    status: str = "active",
    mrr_cents: int = 50_000,
) -> None:
    band = "Low" if engagement <= 3 else "Medium" if engagement <= 6 else "High"
    conn.execute(
        "INSERT INTO client (id, version, hub_id, name, domain, industry, country, relationship, "
        "mrr_cents, contact_tier, email_tier, engagement_score, engagement_band, tools_in_use, "
        "active_users, apps_in_use, setup_issues, owner_email, crm_url, account_url, "
        "services_status) VALUES (?, 1, 1, ?, ?, 'Retail', 'US', 'sourced', ?, '', '', ?, ?, ?, "
        "?, '[]', ?, ?, 'https://crm.example/x', 'https://app.example/x', ?)",
        (
            client_id,
            f"Client {client_id}",
            f"{client_id}.example",
            mrr_cents,
            engagement,
            band,
            tools,
            users,
            json.dumps(list(setup_issues)),
            owner,
            status,
        ),
    )


def add_usage(
    conn: sqlite3.Connection,
    client_id: str,
    period: str,
    *,
    score: int,
    tools: int,
    users: int,
    points: dict[str, int] | None = None,
) -> None:
    conn.execute(
        "INSERT INTO usage (id, version, client_id, period, tools_in_use, active_users, "
        "engagement_score, category_points) VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
        (
            f"u-{client_id}-{period}",
            client_id,
            period,
            tools,
            users,
            score,
            json.dumps(points or {}),
        ),
    )


def set_onboarding(
    conn: sqlite3.Connection, client_id: str, milestones: list[tuple[str, str, str | None]]
) -> None:
    """(hub, milestone, done_on) as a newer backend reports them."""
    reported = [{"hub": h, "milestone": m, "done_on": d} for h, m, d in milestones]
    conn.execute("UPDATE client SET onboarding = ? WHERE id = ?", (json.dumps(reported), client_id))


def add_trend(
    conn: sqlite3.Connection,
    client_id: str,
    *,
    scores: tuple[int, int] = (8, 8),
    tools: tuple[int, int] = (6, 6),
    users: tuple[int, int] = (10, 10),
) -> None:
    """Last month's and this month's usage."""
    add_usage(conn, client_id, LAST_MONTH, score=scores[0], tools=tools[0], users=users[0])
    add_usage(conn, client_id, THIS_MONTH, score=scores[1], tools=tools[1], users=users[1])


def add_subscription(
    conn: sqlite3.Connection,
    client_id: str,
    number: int = 1,
    *,
    start: date | None = None,
    product: str = "Marketing Hub",
    edition: str = "Professional",
) -> None:
    start = start or date(2024, 1, 15)
    conn.execute(
        "INSERT INTO subscription (id, version, client_id, product, edition, term, "
        "billing_frequency, mrr_cents, start_date, renewal_date) VALUES (?, 1, ?, ?, ?, "
        "'annual', 'monthly', 10000, ?, '2027-06-01')",
        (f"s-{client_id}-{number}", client_id, product, edition, start.isoformat()),
    )


def add_renewal(
    conn: sqlite3.Connection,
    client_id: str,
    *,
    status: str = "pending",
    days_to_deadline: int = 100,
    mrr_now_cents: int = 50_000,
    mrr_change_cents: int = 0,
) -> None:
    deadline = TODAY + timedelta(days=days_to_deadline)
    conn.execute(
        "INSERT INTO renewal (id, version, client_id, renewal_date, decision_deadline, status, "
        "communication_owner, renewal_manager, products, current_subscription, "
        "renewal_subscription, mrr_now_cents, mrr_change_cents, last_active_employee) "
        "VALUES (?, 1, ?, ?, ?, ?, 'partner', 'HubSpot', '[]', '', '', ?, ?, NULL)",
        (
            f"r-{client_id}",
            client_id,
            (deadline + timedelta(days=45)).isoformat(),
            deadline.isoformat(),
            status,
            mrr_now_cents,
            mrr_change_cents,
        ),
    )


def add_credit(
    conn: sqlite3.Connection, client_id: str, month: str, kind: str, points: int, number: int = 1
) -> None:
    conn.execute(
        "INSERT INTO credit_event (id, version, client_id, month, kind, points, "
        "mrr_basis_cents) VALUES (?, 1, ?, ?, ?, ?, 10000)",
        (f"cr-{client_id}-{number}", client_id, month, kind, points),
    )


def add_backend_alert(
    conn: sqlite3.Connection, alert_id: str, client_id: str, *, due: date, status: str = "open"
) -> None:
    conn.execute(
        "INSERT INTO alert (id, version, client_id, kind, severity, title, detail, raised_at, "
        "due_date, status, assignee, snoozed_until) VALUES (?, 1, ?, 'renewal_decision', "
        "'warning', 'Renewal decision due', 'from the vendor', '2026-11-01T07:00:00+00:00', ?, "
        "?, NULL, NULL)",
        (alert_id, client_id, due.isoformat(), status),
    )
