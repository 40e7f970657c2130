"""Reads for the Clients screen beyond the table: one client's detail panel, and the choices
its filters and actions offer (employees, products).

Plain `sqlite3` and the standard library only, like `queries`: the TUI imports this module
at start-up. Every read is by an indexed client id or over small tables, but the screen still
runs them in workers. JSON columns come from the server and are read defensively: a malformed
value shows as empty rather than failing the panel.
"""

import json
import sqlite3
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from local_store.activation import Activation, client_activation, milestone_plan
from local_store.queries import parse_utc

NOTES_SHOWN = 50


class Subscription(NamedTuple):
    product: str
    edition: str
    term: str
    billing_frequency: str
    mrr_cents: int
    start_date: date | None
    renewal_date: date | None


class Renewal(NamedTuple):
    renewal_date: date | None
    decision_deadline: date | None
    status: str
    communication_owner: str
    renewal_manager: str
    products: tuple[str, ...]
    current_subscription: str
    renewal_subscription: str
    mrr_now_cents: int
    mrr_change_cents: int
    last_active_employee: str | None


class UsagePeriod(NamedTuple):
    period: date | None
    tools_in_use: int
    active_users: int
    engagement_score: int
    category_points: tuple[tuple[str, int], ...]
    """(category, points) in the order the server sent them."""


class HealthReason(NamedTuple):
    label: str
    points: int


class Note(NamedTuple):
    author: str
    text: str
    created_at: datetime | None


class ClientDetail(NamedTuple):
    id: str
    hub_id: int
    name: str
    domain: str
    industry: str
    country: str
    relationship: str
    mrr_cents: int
    contact_tier: str
    email_tier: str
    engagement_score: int
    engagement_band: str
    tools_in_use: int
    active_users: int
    apps_in_use: tuple[str, ...]
    setup_issues: tuple[str, ...]
    owner_email: str | None
    owner_name: str | None
    crm_url: str
    account_url: str
    services_status: str
    health_score: int | None
    health_reasons: tuple[HealthReason, ...]
    subscriptions: tuple[Subscription, ...]
    renewals: tuple[Renewal, ...]
    usage: tuple[UsagePeriod, ...]
    """Oldest period first."""
    notes: tuple[Note, ...]
    """Newest first, at most `NOTES_SHOWN`."""
    tools: tuple[str, ...] | None = None
    """The HubSpot tools in use by name; None when the server does not name them."""
    activation: Activation | None = None
    """Onboarding milestones and time to first value, for a client the server reports them for."""

    @property
    def latest_usage(self) -> UsagePeriod | None:
        return self.usage[-1] if self.usage else None


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _json(text: str | None) -> object:
    try:
        return json.loads(text) if text else None
    except (TypeError, ValueError):
        return None


def _strings(text: str | None) -> tuple[str, ...]:
    value = _json(text)
    if not isinstance(value, list):
        return ()
    return tuple(str(item) for item in value)


def _category_points(text: str | None) -> tuple[tuple[str, int], ...]:
    value = _json(text)
    if not isinstance(value, dict):
        return ()
    return tuple(
        (str(category), int(points))
        for category, points in value.items()
        if isinstance(points, int | float) and not isinstance(points, bool)
    )


def _health_reasons(text: str | None) -> tuple[HealthReason, ...]:
    value = _json(text)
    if not isinstance(value, list):
        return ()
    reasons = []
    for item in value:
        if not isinstance(item, dict):
            continue
        points = item.get("points")
        if isinstance(points, int | float) and not isinstance(points, bool):
            reasons.append(HealthReason(str(item.get("label", "")), int(points)))
    return tuple(reasons)


def client_detail(
    conn: sqlite3.Connection,
    client_id: str,
    settings: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> ClientDetail | None:
    """Everything the detail panel shows about one client, or None if it left the cache.
    `settings` (the profile's) give the onboarding milestones expected per hub."""
    row = conn.execute(
        "SELECT id, hub_id, name, domain, industry, country, relationship, mrr_cents, "
        "contact_tier, email_tier, engagement_score, engagement_band, tools_in_use, "
        "active_users, apps_in_use, setup_issues, owner_email, "
        "(SELECT e.name FROM employee e WHERE e.email = client.owner_email LIMIT 1), "
        "crm_url, account_url, services_status, health_score, health_reasons, tools, onboarding "
        "FROM client WHERE id = ?",
        (client_id,),
    ).fetchone()
    if row is None:
        return None
    subscriptions = tuple(
        Subscription(product, edition, term, billing, mrr, _date(start), _date(renewal))
        for product, edition, term, billing, mrr, start, renewal in conn.execute(
            "SELECT product, edition, term, billing_frequency, mrr_cents, start_date, "
            "renewal_date FROM subscription WHERE client_id = ? ORDER BY product, edition, id",
            (client_id,),
        )
    )
    renewals = tuple(
        Renewal._make(
            [_date(values[0]), _date(values[1]), *values[2:5], _strings(values[5]), *values[6:]]
        )
        for values in conn.execute(
            "SELECT renewal_date, decision_deadline, status, communication_owner, "
            "renewal_manager, products, current_subscription, renewal_subscription, "
            "mrr_now_cents, mrr_change_cents, last_active_employee FROM renewal "
            "WHERE client_id = ? ORDER BY renewal_date, id",
            (client_id,),
        )
    )
    usage = tuple(
        UsagePeriod(_date(period), tools, users, score, _category_points(points))
        for period, tools, users, score, points in conn.execute(
            "SELECT period, tools_in_use, active_users, engagement_score, category_points "
            "FROM usage WHERE client_id = ? ORDER BY period, id",
            (client_id,),
        )
    )
    notes = tuple(
        Note(author, text, parse_utc(created))
        for author, text, created in conn.execute(
            "SELECT author, text, created_at FROM note "
            "WHERE target_type = 'client' AND target_id = ? "
            "ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (client_id, NOTES_SHOWN),
        )
    )
    first_start = min((sub.start_date for sub in subscriptions if sub.start_date), default=None)
    try:
        plan = milestone_plan(settings or {})
    except ValueError:  # a wrong [activation] is reported where the score is computed
        plan = milestone_plan({})
    activation = client_activation(
        row[24], first_start, [sub.product for sub in subscriptions], today or date.today(), plan
    )
    return ClientDetail._make(
        [
            *row[:14],
            _strings(row[14]),
            _strings(row[15]),
            *row[16:22],
            _health_reasons(row[22]),
            subscriptions,
            renewals,
            usage,
            notes,
            _strings(row[23]) if row[23] is not None else None,
            activation,
        ]
    )


def product_names(conn: sqlite3.Connection) -> list[str]:
    """Products any client owns, as the clients table spells them ("Marketing", not
    "Marketing Hub"), so that one is a filter on `ClientQuery.product`."""
    return [
        name
        for (name,) in conn.execute(
            "SELECT DISTINCT replace(product, ' Hub', '') AS name FROM subscription ORDER BY name"
        )
    ]
