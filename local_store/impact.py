"""What is at stake in an alert, as one figure the inbox sorts by (issue 19).

An item's impact is the tier credit its client is worth, made more urgent by a near deadline
and weighed by severity:

    impact = tier points at stake × urgency × severity weight

- tier points at stake: the client's MRR in US$100 times the points per US$100 of its
  relationship (5 sourced, 3 assisted, 1 managed; double in a growth market, PRODUCT.md §4
  Tier), the credit a lost client takes with it;
- urgency: 1 without a due date, else 1 + 30 / (days left + 10): 4 when due today or
  overdue, 2.5 in 10 days, 1.75 in 30 days, 1.3 in 90 days;
- severity weight: critical 3, warning 2, info 1.

Everything here is SQL text over the inbox's alert rows `a` joined to their client `c`, with
`:today` bound (every compiled filter binds it). Computing it for every alert of a section to
show the first page took up to 200 ms at 100,000 clients, so each alert's impact is also stored
(`alert.impact`, `local_alert.impact`, indexed) for the day `impact_run` names, and the inbox
walks that index. Stored impacts are forgotten by whatever changes what they are computed from
(a synced page of clients, alerts or the partner) and computed again by `refresh_impact`: after
each run of the signals, and by the console when the day is not the stored one. While they are
out of date, readers compute them. Plain standard library: the inbox can be
the first screen.
"""

import sqlite3
from datetime import date

RELATIONSHIP_POINTS = {"sourced": 5, "assisted": 3, "managed": 1}
SEVERITY_WEIGHT = {"critical": 3, "warning": 2, "info": 1}

_RATE = (
    "CASE c.relationship "
    + " ".join(f"WHEN '{name}' THEN {points}" for name, points in RELATIONSHIP_POINTS.items())
    + " ELSE 0 END"
)
_GROWTH = "(SELECT CASE WHEN max(growth_market) THEN 2 ELSE 1 END FROM partner)"
STAKE_POINTS_SQL = f"(coalesce(c.mrr_cents, 0) * {_RATE} * {_GROWTH} / 10000.0)"
"""The tier points the client's MRR is worth."""
DAYS_LEFT_SQL = "CAST(julianday(a.due_date) - julianday(:today) AS INTEGER)"
"""Days to the due date (negative when overdue); NULL without one."""
URGENCY_SQL = (
    "(CASE WHEN a.due_date IS NULL THEN 1.0 "
    "ELSE 1.0 + 30.0 / (max(julianday(a.due_date) - julianday(:today), 0) + 10) END)"
)
SEVERITY_SQL = (
    "(CASE a.severity "
    + " ".join(f"WHEN '{name}' THEN {weight}" for name, weight in SEVERITY_WEIGHT.items())
    + " ELSE 1 END)"
)
IMPACT_SQL = f"round({STAKE_POINTS_SQL} * {URGENCY_SQL} * {SEVERITY_SQL}, 1)"
"""The sort key and the figure the inbox shows."""
SEVERITY_RANK_SQL = "CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"
"""The first tie-break of the inbox's order: the more severe first."""

IMPACT_TABLES = ("alert", "local_alert")


def impact_is_current(conn: sqlite3.Connection, today: date) -> bool:
    """Whether the stored impacts are today's."""
    row = conn.execute("SELECT day FROM impact_run WHERE id = 1").fetchone()
    return row is not None and row[0] == today.isoformat()


def forget_impact(conn: sqlite3.Connection) -> None:
    """What the stored impacts depend on changed: readers compute them until the next refresh."""
    conn.execute("DELETE FROM impact_run")


def refresh_impact(conn: sqlite3.Connection, today: date) -> bool:
    """Store every alert's impact for `today`, unless they are today's already; in the caller's
    write transaction. About 0.7 s at 100,000 clients. Returns whether it ran."""
    if impact_is_current(conn, today):
        return False
    for table in IMPACT_TABLES:
        conn.execute(
            f"UPDATE {table} AS a SET impact = coalesce("
            f"(SELECT {IMPACT_SQL} FROM client c WHERE c.id = a.client_id), 0)",
            {"today": today.isoformat()},
        )
    conn.execute(
        "INSERT INTO impact_run (id, day) VALUES (1, ?) "
        "ON CONFLICT(id) DO UPDATE SET day = excluded.day",
        (today.isoformat(),),
    )
    return True


def urgency(days_left: int | None) -> float:
    """`URGENCY_SQL` in Python, for the explanation."""
    if days_left is None:
        return 1.0
    return 1.0 + 30.0 / (max(days_left, 0) + 10)


def explain_impact(
    impact: float,
    stake_points: float,
    mrr_cents: int | None,
    days_left: int | None,
    severity: str,
) -> str:
    """ "impact 169: $1,194/mo is 36 tier points × 2.4 (due in 12 days) × 2 (warning)"."""
    if days_left is None:
        when = "no due date"
    elif days_left < 0:
        when = f"{-days_left} days overdue"
    else:
        when = f"due in {days_left} days"
    mrr = f"${(mrr_cents or 0) // 100:,}/mo"
    return (
        f"impact {impact:,.0f}: {mrr} is {stake_points:,.0f} tier points × "
        f"{urgency(days_left):.1f} ({when}) × {SEVERITY_WEIGHT.get(severity, 1)} ({severity})"
    )
