"""Tier reads for the Tier screen and the `tier`/`credits` exports: plain `sqlite3`, no SQLModel.

Field names of the records below are what the exports write out, so they are stable.

Sign convention of credit points, as the backend sends them: `new` and `increased` events are
zero or positive, `expired` and `decreased` events are zero or negative, and all events of a
partner sum to the credit currently counted. Every figure below keeps that sign, so a month's
`total` is the plain sum of its four kinds. Projections are the exception, named as such:
`points_expiring` is a positive amount that will be taken away.

No `from __future__ import annotations`: NamedTuple compiles string annotations (see
`local_store.queries`).
"""

import sqlite3
from datetime import date, datetime
from typing import NamedTuple

from local_store.queries import parse_utc

TIER_LADDER: tuple[tuple[str, int], ...] = (
    ("Partner", 0),
    ("Gold", 150),
    ("Platinum", 600),
    ("Diamond", 2500),
    ("Elite", 10000),
)
"""Tier name → points of credit needed, lowest first. The partner row only says how far the
*next* tier is, but the projection must name the tier left after credit expires, which may be
lower. These are the reference backend's thresholds (HubSpot publishes no formula); a partner
row's `points + points_to_next_tier` always wins for the next tier's threshold."""

MIN_MEDIAN_APP_USAGE = 3
"""The median app usage across clients a partner needs (PRODUCT.md §2)."""

CREDIT_LIFETIME_MONTHS = 12
"""A purchase's credit expires this many months after the month it was sold in."""

GAINED_KINDS = ("new", "increased")
LOST_KINDS = ("expired", "decreased")
SIDES = ("total", "gained", "lost")


def tier_for_points(points: int) -> str:
    """The highest tier of `TIER_LADDER` whose threshold `points` reaches."""
    name = TIER_LADDER[0][0]
    for tier, threshold in TIER_LADDER:
        if points >= threshold:
            name = tier
    return name


def tier_threshold(tier: str) -> int | None:
    """The points a tier needs, or None for a name the ladder does not know."""
    return dict(TIER_LADDER).get(tier)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _month_key(value: str) -> date:
    return date.fromisoformat(value[:7] + "-01")


# The top report.


class TierReport(NamedTuple):
    """The partner's tier figures as the vendor last computed them."""

    partner_name: str
    credited_tier: str
    """The tier the partner holds now."""
    performance_tier: str
    """The tier the current points would earn."""
    points: int
    points_to_next_tier: int
    next_tier: str | None
    """None at the top of the ladder."""
    sourced_minimum: int
    managed_minimum: int
    median_app_usage: float
    certified: bool
    growth_market: bool
    """Growth-market partners earn double points."""
    figures_as_of: datetime | None
    """When the vendor last refreshed the figures (UTC); None if unreadable."""

    @property
    def median_app_usage_ok(self) -> bool:
        return self.median_app_usage >= MIN_MEDIAN_APP_USAGE

    @property
    def next_tier_points(self) -> int | None:
        """The next tier's threshold, derived from the partner row itself."""
        return self.points + self.points_to_next_tier if self.next_tier else None

    @property
    def progress(self) -> float:
        """0–1: how far the points are from the performance tier's threshold to the next's."""
        target = self.next_tier_points
        if target is None:
            return 1.0
        floor = tier_threshold(self.performance_tier) or 0
        if target <= floor:
            return 0.0
        return min(1.0, max(0.0, (self.points - floor) / (target - floor)))


def tier_report(conn: sqlite3.Connection) -> TierReport | None:
    """The partner's figures, or None before a sync brought the partner."""
    row = conn.execute(
        "SELECT name, credited_tier, performance_tier, points, points_to_next_tier, next_tier, "
        "sourced_minimum, managed_minimum, median_app_usage, certified, growth_market, "
        "figures_as_of FROM partner ORDER BY rowid LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return TierReport._make(
        [*row[:8], float(row[8]), bool(row[9]), bool(row[10]), parse_utc(row[11])]
    )


# Sold credit per month.


class CreditMonth(NamedTuple):
    """One month of sold tier credit; signs as in the module docstring."""

    month: date
    """The first day of the month."""
    new: int
    increased: int
    expired: int
    """Expired or churned credit (zero or negative)."""
    decreased: int
    """Credit lost to downgrades or lower MRR (zero or negative)."""
    total: int

    @property
    def gained(self) -> int:
        return self.new + self.increased

    @property
    def lost(self) -> int:
        """Zero or negative."""
        return self.expired + self.decreased


def credit_by_month(
    conn: sqlite3.Connection, months: int = 12, *, until: date | None = None
) -> list[CreditMonth]:
    """The `months` months up to `until`'s month (default: the latest with credit events),
    oldest first, months without events included as zeros. Empty when there are no events."""
    if until is None:
        (latest,) = conn.execute("SELECT max(month) FROM credit_event").fetchone()
        if latest is None:
            return []
        until = _month_key(latest)
    last = _month_start(until)
    first = _add_months(last, 1 - months)
    sums: dict[date, dict[str, int]] = {}
    for month, kind, points in conn.execute(
        "SELECT substr(month, 1, 7), kind, sum(points) FROM credit_event "
        "WHERE month >= ? AND month < ? GROUP BY 1, 2",
        (first.isoformat(), _add_months(last, 1).isoformat()),
    ):
        sums.setdefault(_month_key(month), {})[kind] = points
    result = []
    for offset in range(months):
        month = _add_months(first, offset)
        kinds = sums.get(month, {})
        figures = [kinds.get(kind, 0) for kind in ("new", "increased", "expired", "decreased")]
        result.append(CreditMonth._make([month, *figures, sum(figures)]))
    return result


class MonthClient(NamedTuple):
    """A client's credit of one kind in one month, summed over its events."""

    client_id: str
    name: str | None
    """None when the client is no longer in the cache."""
    kind: str
    points: int
    mrr_basis_cents: int
    """The MRR the points were computed from."""


def _month_sql(month: date, side: str) -> tuple[str, list[object]]:
    if side not in SIDES:
        raise ValueError(f"side must be one of {', '.join(SIDES)}, not {side!r}")
    kinds = {"total": GAINED_KINDS + LOST_KINDS, "gained": GAINED_KINDS, "lost": LOST_KINDS}[side]
    start = _month_start(month)
    sql = (
        "FROM credit_event e LEFT JOIN client c ON c.id = e.client_id "
        f"WHERE e.month >= ? AND e.month < ? AND e.kind IN ({', '.join('?' * len(kinds))}) "
        "GROUP BY e.client_id, e.kind"
    )
    return sql, [start.isoformat(), _add_months(start, 1).isoformat(), *kinds]


def month_clients(
    conn: sqlite3.Connection, month: date, side: str, offset: int = 0, limit: int = -1
) -> list[MonthClient]:
    """The clients behind one month's credit: `side` is "total" (every kind), "gained"
    (new, increased) or "lost" (expired, decreased). Biggest amounts first; `offset` and
    `limit` (-1: all) read one page of them."""
    sql, params = _month_sql(month, side)
    rows = conn.execute(
        "SELECT e.client_id, c.name, e.kind, sum(e.points), sum(e.mrr_basis_cents) "
        f"{sql} ORDER BY abs(sum(e.points)) DESC, sum(e.mrr_basis_cents) DESC, c.name, "
        "e.client_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [MonthClient(*values) for values in rows]


def month_client_count(conn: sqlite3.Connection, month: date, side: str) -> int:
    """How many rows `month_clients` lists for this month and side."""
    sql, params = _month_sql(month, side)
    return conn.execute(f"SELECT count(*) FROM (SELECT 1 {sql})", params).fetchone()[0]


# What expires next.


class ExpiringClient(NamedTuple):
    client_id: str
    name: str | None
    """None when the client is no longer in the cache."""
    points_expiring: int
    """Positive: the points this client's purchases take away when they expire."""
    mrr_basis_cents: int


class ExpiringMonth(NamedTuple):
    month: date
    points_expiring: int
    """Positive: the credit that expires in this month."""
    points_after: int
    """The points left at the end of this month if nothing is sold."""
    tier_after: str
    clients: tuple[ExpiringClient, ...]


class CreditProjection(NamedTuple):
    """Where the tier stands if nothing is sold in the coming months."""

    points_now: int
    tier_now: str
    months: tuple[ExpiringMonth, ...]
    points_expiring: int
    """Positive: the credit that expires over all `months`."""
    points_after: int
    tier_after: str

    @property
    def tier_drops(self) -> bool:
        return self.tier_after != self.tier_now


def credit_projection(conn: sqlite3.Connection, today: date, months: int = 3) -> CreditProjection:
    """The credit expiring in the `months` calendar months after `today`'s month.

    A purchase (new or increased) sold in month M expires in M + 12. Expiry events the
    backend already recorded for those months count against it, so credit is never taken
    away twice. The current month is left out: its expiries are already in the events.
    `points_now` is the partner's points, or the sum of all events before the first sync
    brought the partner.
    """
    first = _add_months(_month_start(today), 1)
    end = _add_months(first, months)
    lifetime = f"+{CREDIT_LIFETIME_MONTHS} months"
    rows = conn.execute(
        "SELECT expiry, client_id, name, sum(points), sum(basis) FROM ("
        "  SELECT substr(CASE WHEN kind = 'expired' THEN e.month ELSE date(e.month, ?) END, 1, 7)"
        "    AS expiry, e.client_id, c.name,"
        "    e.points,"
        "    CASE WHEN kind = 'expired' THEN -e.mrr_basis_cents ELSE e.mrr_basis_cents END"
        "    AS basis"
        "  FROM credit_event e LEFT JOIN client c ON c.id = e.client_id"
        "  WHERE (kind IN ('new', 'increased') AND e.month >= ? AND e.month < ?)"
        "     OR (kind = 'expired' AND e.month >= ? AND e.month < ?)"
        ") GROUP BY expiry, client_id HAVING sum(points) > 0 "
        "ORDER BY expiry, sum(points) DESC, name, client_id",
        (
            lifetime,
            _add_months(first, -CREDIT_LIFETIME_MONTHS).isoformat(),
            _add_months(end, -CREDIT_LIFETIME_MONTHS).isoformat(),
            first.isoformat(),
            end.isoformat(),
        ),
    ).fetchall()
    report = tier_report(conn)
    if report is not None:
        points_now, tier_now = report.points, report.performance_tier
    else:
        (total,) = conn.execute("SELECT coalesce(sum(points), 0) FROM credit_event").fetchone()
        points_now, tier_now = total, tier_for_points(total)
    by_month: dict[date, list[ExpiringClient]] = {}
    for expiry, client_id, name, points, basis in rows:
        by_month.setdefault(_month_key(expiry), []).append(
            ExpiringClient(client_id, name, points, basis)
        )
    points = points_now
    projected = []
    for offset in range(months):
        month = _add_months(first, offset)
        clients = tuple(by_month.get(month, ()))
        expiring = sum(client.points_expiring for client in clients)
        points -= expiring
        tier = _tier_after(points, tier_now)
        projected.append(ExpiringMonth(month, expiring, points, tier, clients))
    return CreditProjection(
        points_now=points_now,
        tier_now=tier_now,
        months=tuple(projected),
        points_expiring=points_now - points,
        points_after=points,
        tier_after=_tier_after(points, tier_now),
    )


def _tier_after(points: int, tier_now: str) -> str:
    # The vendor's tier stands while the points still reach its threshold, so a ladder that
    # differs from the vendor's never shows a drop that expiring credit did not cause.
    threshold = tier_threshold(tier_now)
    if threshold is not None and points >= threshold:
        return tier_now
    return tier_for_points(points)
