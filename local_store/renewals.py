"""Upcoming renewal decisions, for the Renewals screen and `partnerops export renewals`.

Plain `sqlite3` and NamedTuples, like `local_store.queries` (the Renewals screen can be the
first one painted). Every value reaches SQL as a parameter; the only SQL text chosen at run
time is a sort column, taken from the `RENEWAL_SORTS` allow-list.

Terms (PRODUCT.md §2): the decision window opens 120 days before the renewal date, and the
decision deadline is 45 days before it. The deadline is computed here from the renewal date
rather than read from the server's copy, so the screen, the export and the days-left count
always follow that one rule.
"""

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import NamedTuple

DECISION_LEAD_DAYS = 45
"""The decision deadline is this many days before the renewal date."""

WINDOWS = (30, 60, 90, 120)
"""Windows the screen and the export offer, in days from today; 120 is when decisions open."""

STATUSES = ("pending", "confirmed", "renewed", "cancellation_requested")
COMMUNICATION_OWNERS = ("partner", "hubspot")

RENEWAL_SORTS: dict[str, str] = {
    # The deadline is the renewal date less a constant, so it sorts the same; the bare column
    # lets SQLite walk its index instead of sorting the whole window for every page.
    "deadline": "r.renewal_date",
    "mrr_change": "r.mrr_change_cents",
    "renewal_date": "r.renewal_date",
    "mrr": "r.mrr_now_cents",
    "client": "c.name COLLATE NOCASE",
}
"""Public sort key → SQL expression. Ties break on the renewal id, so the order is total."""


@dataclass(frozen=True)
class RenewalQuery:
    """Which renewal decisions to list, and in what order.

    - `window_days`: renewals dated from today up to and including today + this many days;
      one of `WINDOWS`.
    - `owner_email`: only clients owned by this partner employee (set it to the profile's
      user for "mine"); None for every client.
    - `status`: one of `STATUSES`, or None for all.
    - `communication_owner`: "partner" or "hubspot", or None for both.
    - `sort`: a key of `RENEWAL_SORTS`; `descending` reverses it. "mrr_change" ascending puts
      the largest forecast losses first.
    """

    window_days: int = 90
    owner_email: str | None = None
    status: str | None = None
    communication_owner: str | None = None
    sort: str = "deadline"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.window_days not in WINDOWS:
            raise ValueError(f"window must be one of {', '.join(map(str, WINDOWS))} days")
        if self.sort not in RENEWAL_SORTS:
            raise ValueError(f"cannot sort renewals by {self.sort!r}")
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        if (
            self.communication_owner is not None
            and self.communication_owner not in COMMUNICATION_OWNERS
        ):
            raise ValueError("communication owner must be partner or hubspot")


class RenewalListRow(NamedTuple):
    """One renewal decision. Field names are stable: the export writes them as they are.

    Money is integer cents; `mrr_change_cents` is the forecast change at renewal (negative
    for a downgrade or a cancellation). `days_left` counts from today to
    `decision_deadline` and is negative once the deadline has passed. `products` is the
    products renewing, joined with ", ". `last_active_employee` and `owner_email` are
    partner employees' emails; the `*_name` fields are their names when the cache knows them.
    """

    renewal_id: str
    client_id: str
    client_name: str
    products: str
    renewal_date: date
    decision_deadline: date
    days_left: int
    status: str
    mrr_now_cents: int
    mrr_change_cents: int
    communication_owner: str
    renewal_manager: str
    last_active_employee: str | None
    last_active_name: str | None
    owner_email: str | None
    owner_name: str | None
    crm_url: str


@dataclass(frozen=True)
class RenewalTotals:
    """What is at stake in a query's rows: how many, their MRR now and the forecast change."""

    count: int
    mrr_now_cents: int
    mrr_change_cents: int


class RenewalOwner(NamedTuple):
    """A partner employee who owns clients with upcoming renewals, for the owner filter."""

    email: str
    name: str | None


def _employee_name(email_column: str) -> str:
    return f"(SELECT e.name FROM employee e WHERE e.email = {email_column} LIMIT 1)"


_WALKED_SORTS = frozenset({"mrr_change", "mrr", "client"})
"""Sorts whose index a page walks in order, testing the window on the way: the first pages of
a 30,000-renewal window then read a few hundred rows instead of sorting all of them."""


def _where(
    query: RenewalQuery, today: date, window_days: int | None = None
) -> tuple[str, list[object]]:
    # `+` keeps SQLite off the date index when the page walks the sort's index instead.
    day = "+r.renewal_date" if query.sort in _WALKED_SORTS else "r.renewal_date"
    clauses = ["c.services_status != 'ended'", f"{day} BETWEEN ? AND ?"]
    params: list[object] = [
        today.isoformat(),
        (today + timedelta(days=window_days or query.window_days)).isoformat(),
    ]
    if query.owner_email is not None:
        clauses.append("c.owner_email = ?")
        params.append(query.owner_email)
    if query.status is not None:
        clauses.append("r.status = ?")
        params.append(query.status)
    if query.communication_owner is not None:
        clauses.append("r.communication_owner = ?")
        params.append(query.communication_owner)
    return " AND ".join(clauses), params


_FROM = "FROM renewal r JOIN client c ON c.id = r.client_id"
_FROM_BY_CLIENT = "FROM client c CROSS JOIN renewal r ON c.id = r.client_id"
"""The same rows; CROSS JOIN tells SQLite to read the clients first (in name order)."""
_SELECT = (
    "SELECT r.id, r.client_id, c.name, r.products, r.renewal_date, r.status, r.mrr_now_cents, "
    "r.mrr_change_cents, r.communication_owner, r.renewal_manager, r.last_active_employee, "
    f"{_employee_name('r.last_active_employee')}, c.owner_email, "
    f"{_employee_name('c.owner_email')}, c.crm_url"
)


def _products(text: str) -> str:
    try:
        products = json.loads(text)
    except ValueError:
        return text  # not the JSON list a pull writes: show what is there
    if isinstance(products, list):
        return ", ".join(str(product) for product in products)
    return str(products)


def _row(values: tuple, today: date) -> RenewalListRow:
    (renewal_id, client_id, name, products, renewal_text, *rest) = values
    renewal_date = date.fromisoformat(renewal_text[:10])
    deadline = renewal_date - timedelta(days=DECISION_LEAD_DAYS)
    return RenewalListRow(
        renewal_id,
        client_id,
        name,
        _products(products),
        renewal_date,
        deadline,
        (deadline - today).days,
        *rest,
    )


def _ordered_sql(query: RenewalQuery, today: date) -> tuple[str, list[object]]:
    where, params = _where(query, today)
    direction = "DESC" if query.descending else "ASC"
    # The client sort walks the clients by name, each one's renewals found by its index.
    joined = _FROM_BY_CLIENT if query.sort == "client" else _FROM
    sql = (
        f"{_SELECT} {joined} WHERE {where} "
        f"ORDER BY {RENEWAL_SORTS[query.sort]} {direction}, r.id {direction}"
    )
    return sql, params


def renewal_rows(
    conn: sqlite3.Connection, query: RenewalQuery, today: date
) -> Iterator[RenewalListRow]:
    """The query's renewal decisions in its order, streamed row by row.

    Renewals of clients whose services ended are left out.
    """
    sql, params = _ordered_sql(query, today)
    for values in conn.execute(sql, params):
        yield _row(values, today)


def renewal_page(
    conn: sqlite3.Connection, query: RenewalQuery, today: date, offset: int, limit: int
) -> list[RenewalListRow]:
    """Rows `offset` to `offset + limit` of `renewal_rows`, for a table that pages."""
    sql, params = _ordered_sql(query, today)
    rows = conn.execute(f"{sql} LIMIT ? OFFSET ?", [*params, limit, offset])
    return [_row(values, today) for values in rows]


def renewal_totals(conn: sqlite3.Connection, query: RenewalQuery, today: date) -> RenewalTotals:
    """Count, MRR now and forecast MRR change of the rows `renewal_rows` gives."""
    return window_totals(conn, query, today)[query.window_days]


def window_totals(
    conn: sqlite3.Connection, query: RenewalQuery, today: date
) -> dict[int, RenewalTotals]:
    """`renewal_totals` of the query in each of `WINDOWS` (its own window ignored), read in
    one pass over the longest: switching windows then needs no count."""
    where, params = _where(replace(query, sort="deadline"), today, WINDOWS[-1])
    ends = [(today + timedelta(days=days)).isoformat() for days in WINDOWS]
    sums = ", ".join(
        "coalesce(sum(r.renewal_date <= ?), 0), "
        "coalesce(sum(CASE WHEN r.renewal_date <= ? THEN r.mrr_now_cents END), 0), "
        "coalesce(sum(CASE WHEN r.renewal_date <= ? THEN r.mrr_change_cents END), 0)"
        for _ in WINDOWS
    )
    values = conn.execute(
        f"SELECT {sums} {_FROM} WHERE {where}",
        [*(end for end in ends for _ in range(3)), *params],
    ).fetchone()
    return {
        days: RenewalTotals(*values[3 * index : 3 * index + 3])
        for index, days in enumerate(WINDOWS)
    }


def renewal_owners(conn: sqlite3.Connection) -> list[RenewalOwner]:
    """Owners of active clients that have a renewal, by name (unknown names last)."""
    rows = conn.execute(
        f"SELECT DISTINCT c.owner_email, {_employee_name('c.owner_email')} AS owner_name "
        f"{_FROM} WHERE c.services_status != 'ended' AND c.owner_email IS NOT NULL "
        "ORDER BY owner_name IS NULL, owner_name, c.owner_email"
    )
    return [RenewalOwner(email, name) for email, name in rows]
