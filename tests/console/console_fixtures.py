"""Fixed data for the TUI tests: a small cache written with plain SQL, and a fixed clock."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

FIXED_NOW = datetime.fromisoformat("2026-11-23T09:00:30+00:00")
"""The tests' clock: three minutes after the fixture's last sync."""

HOSTILE_MARKUP = "[red]Acme[/]"
HOSTILE_ESCAPES = "\x1b[31mEvil\x1b]52;c;aGk=\x07"

_FIRST = (
    "Alder",
    "Birch",
    "Cobalt",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Indigo",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orchid",
    "Pioneer",
    "Quartz",
    "Riverside",
    "Summit",
    "Tidal",
)
_SECOND = (
    "Analytics",
    "Freight",
    "Bakery",
    "Legal",
    "Dental",
    "Studio",
    "Labs",
    "Outfitters",
    "Partners",
    "Clinic",
)
_RELATIONSHIPS = ("sourced", "assisted", "managed")
_PRODUCTS = ("Marketing Pro", "Sales Starter", "Service Ent, Sales Pro", "Content Starter", "")
_OWNERS = ("ana@partner.test", "ben@partner.test", None)

CLIENT_COLUMNS = (
    "id",
    "version",
    "hub_id",
    "name",
    "domain",
    "industry",
    "country",
    "relationship",
    "mrr_cents",
    "contact_tier",
    "email_tier",
    "engagement_score",
    "engagement_band",
    "tools_in_use",
    "active_users",
    "apps_in_use",
    "setup_issues",
    "owner_email",
    "crm_url",
    "account_url",
    "services_status",
    "products",
    "next_renewal_date",
    "health_score",
)


def band(score: int) -> str:
    return "Low" if score <= 3 else "Medium" if score <= 6 else "High"


def client_values(index: int, *, name: str | None = None, status: str = "active") -> tuple:
    first, second = _FIRST[index % len(_FIRST)], _SECOND[(index // len(_FIRST)) % len(_SECOND)]
    client_name = name if name is not None else f"{first} {second} {index:05d}"
    domain = f"{first}{second}{index}.example".lower()
    score = (index * 7) % 11
    renewal = date(2027, 1, 1) + timedelta(days=(index * 13) % 365)
    return (
        f"c{index:06d}",
        1,
        100_000 + index,
        client_name,
        domain,
        "Retail",
        "US",
        _RELATIONSHIPS[index % 3],
        (index * 9_173) % 500_000,
        "Pro",
        "Starter",
        score,
        band(score),
        3,
        5,
        "[]",
        "[]",
        _OWNERS[index % 3],
        f"https://crm.example/companies/{index}",
        f"https://app.example/portal/{index}",
        status,
        _PRODUCTS[index % len(_PRODUCTS)],
        renewal.isoformat(),
        (index * 37) % 101,
    )


def active_clients(count: int) -> list[tuple]:
    """`count` active clients, the last two with hostile names."""
    rows = [client_values(i) for i in range(count - 2)]
    rows.append(client_values(count - 2, name=HOSTILE_MARKUP))
    rows.append(client_values(count - 1, name=HOSTILE_ESCAPES))
    return rows


def insert_clients(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    placeholders = ", ".join("?" for _ in CLIENT_COLUMNS)
    conn.execute("BEGIN")
    conn.executemany(
        f"INSERT INTO client ({', '.join(CLIENT_COLUMNS)}) VALUES ({placeholders})", rows
    )
    conn.execute("COMMIT")


def fill_cache(conn: sqlite3.Connection, clients: int, *, ended: int = 0) -> None:
    """A partner, two employees, `clients` active clients (two hostile), `ended` ended ones."""
    conn.execute(
        "INSERT INTO partner (id, version, name, credited_tier, performance_tier, points, "
        "points_to_next_tier, next_tier, sourced_minimum, managed_minimum, median_app_usage, "
        "certified, growth_market, figures_as_of) VALUES ('p1', 1, 'Acme Partners', 'Gold', "
        "'Gold', 1200, 300, 'Platinum', 4, 10, 3.5, 1, 0, '2026-11-23 06:00:00')"
    )
    conn.executemany(
        "INSERT INTO employee (id, version, name, email, archetype) VALUES (?, 1, ?, ?, ?)",
        [
            ("e1", "Ana Lima", "ana@partner.test", "value_driver"),
            ("e2", "Ben Ode", "ben@partner.test", "implementer"),
        ],
    )
    conn.executemany(
        "INSERT INTO sync_state (resource, change_token, last_success, last_error, resyncing) "
        "VALUES (?, '1', ?, NULL, 0)",
        [("clients", "2026-11-23 08:57:00.123456"), ("partner", "2026-11-23T08:56:00+00:00")],
    )
    rows = active_clients(clients)
    rows += [client_values(clients + i, status="ended") for i in range(ended)]
    insert_clients(conn, rows)
