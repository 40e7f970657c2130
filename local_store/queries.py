"""Read queries for the TUI and the exports: plain `sqlite3`, no SQLModel.

These run on the path to the TUI's first paint, so this module imports only the standard
library, and its records are NamedTuples (a frozen dataclass costs six times as long to
define, which adds up at import). No `from __future__ import annotations` here: NamedTuple
compiles every string annotation, real ones cost nothing.

Every value a user typed reaches SQL as a parameter; the only SQL text chosen at run time is
a sort column, and it comes from the `SORT_COLUMNS` allow-list.
"""

import json
import sqlite3
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

from local_store.health import HEALTH_BANDS  # the bands' one home; re-exported for exports

SORT_COLUMNS: dict[str, str] = {
    "name": "name",
    "domain": "domain",
    "products": "products",
    "relationship": "relationship",
    "mrr": "mrr_cents",
    "engagement": "engagement_score",
    "owner": "owner_email",
    "renewal": "next_renewal_date",
    "health": "health_score",
    "usage": "tools_in_use",
}
"""Public sort key → column. Every column but `products` and `usage` has an index, so a page
at any offset is read in index order without sorting the whole table."""


_ACTIVE = "services_status != 'ended'"


def parse_utc(text: str | None) -> datetime | None:
    """A timestamp as the cache stores it (ISO text, with or without `T`, offset or `Z`).

    Naive values are UTC: every writer stores UTC. Unreadable text gives None rather than an
    error, because a status line must never crash on one odd row.
    """
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_date(text: object) -> date | None:
    """The day in the first ten characters of an ISO `YYYY-MM-DD…` text, else None. Strict
    on purpose: the cache holds what sync wrote, so anything else was edited by hand (and
    digits alone come back from the column as an integer)."""
    if not isinstance(text, str) or len(text) < 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


# The header: who the partner is and how fresh the cache is.


class PartnerHeader(NamedTuple):
    name: str
    credited_tier: str


def partner_header(conn: sqlite3.Connection) -> PartnerHeader | None:
    """The partner this cache belongs to, or None before the first sync brought it."""
    row = conn.execute("SELECT name, credited_tier FROM partner ORDER BY rowid LIMIT 1").fetchone()
    return PartnerHeader(name=row[0], credited_tier=row[1]) if row else None


class ResourceSync(NamedTuple):
    resource: str
    last_success: datetime | None
    last_error: str | None


class SyncOverview(NamedTuple):
    resources: tuple[ResourceSync, ...]
    actions_waiting: int
    actions_refused: int

    @property
    def last_success(self) -> datetime | None:
        """The newest successful sync of any resource."""
        times = [r.last_success for r in self.resources if r.last_success is not None]
        return max(times) if times else None

    @property
    def last_error(self) -> str | None:
        """An error left by the last attempt on some resource, if any."""
        return next((r.last_error for r in self.resources if r.last_error), None)


def sync_overview(conn: sqlite3.Connection) -> SyncOverview:
    resources = tuple(
        ResourceSync(resource, parse_utc(last_success), last_error)
        for resource, last_success, last_error in conn.execute(
            "SELECT resource, last_success, last_error FROM sync_state ORDER BY resource"
        )
    )
    waiting, refused = conn.execute(
        "SELECT count(*) FILTER (WHERE state = 'pending'), "
        "count(*) FILTER (WHERE state != 'pending') FROM outbox"
    ).fetchone()
    return SyncOverview(resources, waiting, refused)


# The clients table.


@dataclass(frozen=True)
class ClientQuery:
    """What the clients table shows: a search, filters and a sort.

    `search` matches name or domain, case-insensitively, anywhere in the text. Filters left
    as None do not filter. For "mine", set `owner_email` to the profile's user.
    """

    search: str = ""
    sort: str = "name"
    descending: bool = False
    relationship: str | None = None
    product: str | None = None
    owner_email: str | None = None
    engagement_band: str | None = None
    health: str | None = None

    def __post_init__(self) -> None:
        if self.sort not in SORT_COLUMNS:
            raise ValueError(f"cannot sort clients by {self.sort!r}")
        if self.health is not None and self.health not in HEALTH_BANDS:
            raise ValueError(f"health must be one of {', '.join(HEALTH_BANDS)}")

    @property
    def narrowed(self) -> bool:
        """True when a search or a filter leaves some clients out."""
        return bool(self.search.strip()) or any(
            value is not None
            for value in (
                self.relationship,
                self.product,
                self.owner_email,
                self.engagement_band,
                self.health,
            )
        )


class ClientListRow(NamedTuple):
    """One line of the clients table, with what its actions need."""

    id: str
    name: str
    domain: str
    products: str
    relationship: str
    mrr_cents: int
    engagement_score: int
    engagement_band: str
    owner_email: str | None
    owner_name: str | None
    next_renewal: date | None
    health_score: int | None
    crm_url: str
    account_url: str
    tools_in_use: int
    active_users: int
    services_status: str
    """'ending' while an End services action waits to sync; 'ended' rows are never listed."""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_pattern(text: str) -> str:
    return f"%{_escape_like(text)}%"


def _where(query: ClientQuery) -> tuple[str, list[object]]:
    clauses = [_ACTIVE]
    params: list[object] = []
    search = query.search.strip()
    if search:
        pattern = _like_pattern(search)
        clauses.append("(name LIKE ? ESCAPE '\\' OR domain LIKE ? ESCAPE '\\')")
        params += [pattern, pattern]
    if query.relationship is not None:
        clauses.append("relationship = ?")
        params.append(query.relationship)
    if query.product is not None:
        clauses.append("products LIKE ? ESCAPE '\\'")
        params.append(_like_pattern(query.product))
    if query.owner_email is not None:
        clauses.append("owner_email = ?")
        params.append(query.owner_email)
    if query.engagement_band is not None:
        clauses.append("engagement_band = ?")
        params.append(query.engagement_band)
    if query.health is not None:
        low, high = HEALTH_BANDS[query.health]
        clauses.append("health_score BETWEEN ? AND ?")
        params += [low, high]
    return " AND ".join(clauses), params


def _order_by(query: ClientQuery) -> str:
    direction = "DESC" if query.descending else "ASC"
    # rowid breaks ties: every index ends with it, so the order is total and still indexed.
    return f"{SORT_COLUMNS[query.sort]} {direction}, rowid {direction}"


class ClientSql(NamedTuple):
    """A `ClientQuery` as SQL over the `client` table."""

    where: str
    order_by: str
    params: list[object]
    """The WHERE clause's parameters, in order."""


def client_sql(query: ClientQuery) -> ClientSql:
    """The WHERE and ORDER BY that pick and order the query's clients: for reads elsewhere
    (exports) that must list the same clients in the same order as the Clients screen."""
    where, params = _where(query)
    return ClientSql(where, _order_by(query), params)


def total_clients(conn: sqlite3.Connection) -> int:
    """Clients the partner still serves, before any search or filter."""
    return conn.execute(f"SELECT count(*) FROM client WHERE {_ACTIVE}").fetchone()[0]


def count_clients(conn: sqlite3.Connection, query: ClientQuery) -> int:
    where, params = _where(query)
    return conn.execute(f"SELECT count(*) FROM client WHERE {where}", params).fetchone()[0]


# Multi-row reads come back as one JSON value from one `sqlite3_step`. Python's sqlite3 drops
# and retakes the GIL at every step, and while another thread is busy (the UI painting, a
# sync parsing pages) each retake waits up to the 5 ms switch interval: a 100-row page took
# 170 ms instead of 0.6 ms during the TUI's first paint. One step means one wait.
_ROW_FIELDS = (
    "id", "name", "domain", "products", "relationship", "mrr_cents", "engagement_score",
    "engagement_band", "owner_email", "owner_name", "next_renewal_date", "health_score",
    "crm_url", "account_url", "tools_in_use", "active_users", "services_status",
)  # fmt: skip
OWNER_NAME_OF = "(SELECT {} FROM employee e WHERE e.email = client.owner_email LIMIT 1)"
"""A client's owner's name (there may be none), with `{}` for what it selects: `e.name`, or an
expression of it (exports spell the name in there, so the subquery runs once a row)."""
_ROW_SELECT = ", ".join(_ROW_FIELDS).replace(
    "owner_name", f"{OWNER_NAME_OF.format('e.name')} AS owner_name"
)
_ROW_JSON = f"json_array({', '.join(_ROW_FIELDS)})"


def _row(values: list) -> ClientListRow:
    return ClientListRow._make([*values[:10], _parse_date(values[10]), *values[11:]])


def _json_value(conn: sqlite3.Connection, sql: str, params: Sequence[object]) -> list:
    (text,) = conn.execute(sql, params).fetchone()
    return json.loads(text)


def client_page(
    conn: sqlite3.Connection, query: ClientQuery, offset: int, limit: int
) -> list[ClientListRow]:
    """Rows `offset` to `offset + limit` of the table in the query's order."""
    where, order_by, params = client_sql(query)
    # The subquery's LIMIT keeps its ORDER BY: the aggregate sees the rows in that order.
    sql = (
        f"SELECT json_group_array({_ROW_JSON}) FROM ("
        f"SELECT {_ROW_SELECT} FROM client WHERE {where} "
        f"ORDER BY {order_by} LIMIT ? OFFSET ?)"
    )
    return [_row(values) for values in _json_value(conn, sql, [*params, limit, max(offset, 0)])]


class ClientOrder:
    """A query's rows as rowids, in order. Reading any page is then one lookup by rowid.

    Paging by OFFSET reads every skipped row to test its status, which takes hundreds of
    milliseconds near the end of 100,000 clients; this order costs one scan and 8 bytes a row.
    """

    __slots__ = ("query", "rowids")

    def __init__(self, query: ClientQuery, rowids: array) -> None:
        self.query = query
        self.rowids = rowids

    def __len__(self) -> int:
        return len(self.rowids)


def client_page_in_order(
    conn: sqlite3.Connection, order: ClientOrder, offset: int, limit: int
) -> list[ClientListRow | None]:
    """Rows `offset` to `offset + limit` of an order; None for a row deleted since."""
    rowids = order.rowids[max(offset, 0) : max(offset, 0) + limit].tolist()
    if not rowids:
        return []
    sql = (
        f"SELECT json_group_array(json_array(rowid, {_ROW_SELECT.replace(' AS owner_name', '')})) "
        f"FROM client WHERE rowid IN ({', '.join('?' * len(rowids))})"
    )
    found = {values[0]: _row(values[1:]) for values in _json_value(conn, sql, rowids)}
    return [found.get(rowid) for rowid in rowids]


def client_index(conn: sqlite3.Connection, order: ClientOrder, client_id: str) -> int | None:
    """Where a client sits in an order, or None if the order leaves it out."""
    row = conn.execute("SELECT rowid FROM client WHERE id = ?", (client_id,)).fetchone()
    if row is None:
        return None
    try:
        return order.rowids.index(row[0])
    except ValueError:
        return None


class ClientName(NamedTuple):
    id: str
    name: str
    domain: str


def search_client_names(conn: sqlite3.Connection, text: str, limit: int = 20) -> list[ClientName]:
    """Clients whose name or domain contains `text`, names that start with it first."""
    text = text.strip()
    if not text:
        return []
    pattern = _like_pattern(text)
    prefix = f"{_escape_like(text)}%"
    rows = conn.execute(
        f"SELECT id, name, domain FROM client WHERE {_ACTIVE} "
        "AND (name LIKE ? ESCAPE '\\' OR domain LIKE ? ESCAPE '\\') "
        "ORDER BY name NOT LIKE ? ESCAPE '\\', name, rowid LIMIT ?",
        (pattern, pattern, prefix, limit),
    )
    return [ClientName(*values) for values in rows]


class Employee(NamedTuple):
    """One of the partner's people: an owner or assignee to pick."""

    name: str
    email: str


def employees(conn: sqlite3.Connection) -> list[Employee]:
    """The partner's people, by name."""
    return [
        Employee(name, email)
        for name, email in conn.execute("SELECT name, email FROM employee ORDER BY name, email")
    ]
