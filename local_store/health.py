"""The explainable health score (PRODUCT.md §4): 0–100, built from weighted components.

Every client starts at 100 and each component takes off up to its share of the weights:
engagement (band and trend), usage trend (tools in use, active users), renewal (status and
how near the decision is), MRR trend (renewal forecast, decreased credit) and open setup
issues. The deductions are the reasons, stored with the score, so the score explains itself:
`{"label": "engagement fell from 7 to 3 in 30 days", "points": -20}`.

One read of every client's signals (set-based SQL) and one `executemany`, no per-client
queries, so it stays quick at 100,000 clients. The alert rules read the same signals.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from local_store.database import write_transaction

COMPONENTS = ("engagement", "usage", "renewal", "mrr", "setup")
DEFAULT_WEIGHTS: dict[str, float] = {
    "engagement": 30,
    "usage": 20,
    "renewal": 25,
    "mrr": 15,
    "setup": 10,
}
TREND_WINDOW_DAYS = 31
"""Usage periods are calendar months, 28 to 31 days apart: a trend compares the newest period
with the one before it when that one started at most this many days earlier."""
DECISION_WINDOW_DAYS = 75
"""The decision window opens 120 days before the renewal, 75 before its 45-day deadline."""
DECREASED_CREDIT_DAYS = 180
BANDS = (("red", 0, 50), ("yellow", 51, 75), ("green", 76, 100))


class SettingsError(ValueError):
    """A profile setting this package reads is wrong; the message names the key."""


def health_band(score: int | None) -> str | None:
    if score is None:
        return None
    return next(name for name, low, high in BANDS if low <= score <= high)


def health_weights(settings: Mapping[str, Any]) -> dict[str, float]:
    """`settings["health"]["weights"]` over the defaults; a wrong value raises SettingsError."""
    health = settings.get("health", {})
    if not isinstance(health, Mapping):
        raise SettingsError("health must be a table")
    given = health.get("weights", {})
    if not isinstance(given, Mapping):
        raise SettingsError("health.weights must be a table")
    weights = dict(DEFAULT_WEIGHTS)
    for name, value in given.items():
        if name not in COMPONENTS:
            raise SettingsError(
                f"health.weights.{name}: unknown component (use {', '.join(COMPONENTS)})"
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise SettingsError(f"health.weights.{name} must be a number >= 0, not {value!r}")
        weights[name] = float(value)
    if sum(weights.values()) <= 0:
        raise SettingsError("health.weights: at least one weight must be above 0")
    return weights


@dataclass(frozen=True, slots=True)
class ClientSignals:
    """What the score and the rules look at for one client, read in one pass."""

    client_id: str
    name: str
    owner_email: str | None
    active: bool
    engagement_score: int
    tools_in_use: int
    active_users: int
    setup_issues: tuple[str, ...]
    period: str | None
    """The newest usage period; the `previous_*` fields are the period before it, if recent."""
    previous_period: str | None
    usage_score: int | None
    previous_score: int | None
    usage_tools: int | None
    previous_tools: int | None
    usage_users: int | None
    previous_users: int | None
    subscriptions: int
    first_start: date | None
    renewal_id: str | None
    renewal_status: str | None
    decision_deadline: date | None
    renewal_date: date | None
    mrr_now_cents: int | None
    mrr_change_cents: int | None
    decreased_month: str | None

    @property
    def trend_days(self) -> int | None:
        if self.period is None or self.previous_period is None:
            return None
        return (date.fromisoformat(self.period) - date.fromisoformat(self.previous_period)).days


_SIGNALS_SQL = """
WITH latest AS (
  SELECT c.id AS client_id,
         (SELECT max(u.period) FROM usage u WHERE u.client_id = c.id) AS period
  FROM client c),
trend AS (
  SELECT client_id, period,
         (SELECT max(u.period) FROM usage u
          WHERE u.client_id = latest.client_id AND u.period < latest.period) AS previous
  FROM latest),
subs AS (
  SELECT client_id, count(*) AS n, min(start_date) AS first_start
  FROM subscription GROUP BY client_id),
renewals AS (
  SELECT client_id, id, status, decision_deadline, renewal_date, mrr_now_cents,
         mrr_change_cents,
         row_number() OVER (PARTITION BY client_id ORDER BY renewal_date, id) AS rn
  FROM renewal),
decreased AS (
  SELECT client_id, max(month) AS month FROM credit_event
  WHERE kind = 'decreased' AND month >= :since GROUP BY client_id)
SELECT c.id, c.name, c.owner_email, c.services_status != 'ended', c.engagement_score,
       c.tools_in_use, c.active_users, c.setup_issues,
       l.period, p.period, l.engagement_score, p.engagement_score, l.tools_in_use,
       p.tools_in_use, l.active_users, p.active_users,
       coalesce(s.n, 0), s.first_start,
       r.id, r.status, r.decision_deadline, r.renewal_date, r.mrr_now_cents, r.mrr_change_cents,
       d.month
FROM trend t
JOIN client c ON c.id = t.client_id
LEFT JOIN usage l ON l.client_id = t.client_id AND l.period = t.period
LEFT JOIN usage p ON p.client_id = t.client_id AND p.period = t.previous
  AND julianday(t.period) - julianday(t.previous) <= :window
LEFT JOIN subs s ON s.client_id = t.client_id
LEFT JOIN renewals r ON r.client_id = t.client_id AND r.rn = 1
LEFT JOIN decreased d ON d.client_id = t.client_id
"""


def _issues(text: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def read_signals(
    conn: sqlite3.Connection, today: date, window_days: int = TREND_WINDOW_DAYS
) -> Iterator[ClientSignals]:
    since = (today - timedelta(days=DECREASED_CREDIT_DAYS)).isoformat()
    for row in conn.execute(_SIGNALS_SQL, {"since": since, "window": window_days}):
        yield ClientSignals(
            client_id=row[0],
            name=row[1],
            owner_email=row[2],
            active=bool(row[3]),
            engagement_score=row[4],
            tools_in_use=row[5],
            active_users=row[6],
            setup_issues=_issues(row[7]),
            period=row[8],
            previous_period=row[9],
            usage_score=row[10],
            previous_score=row[11],
            usage_tools=row[12],
            previous_tools=row[13],
            usage_users=row[14],
            previous_users=row[15],
            subscriptions=row[16],
            first_start=_date(row[17]),
            renewal_id=row[18],
            renewal_status=row[19],
            decision_deadline=_date(row[20]),
            renewal_date=_date(row[21]),
            mrr_now_cents=row[22],
            mrr_change_cents=row[23],
            decreased_month=row[24],
        )


# The components: each returns (loss between 0 and 1, label) or None when it costs nothing.

Loss = tuple[float, str] | None


def _band(score: int) -> str:
    return "Low" if score <= 3 else "Medium" if score <= 6 else "High"


def engagement_loss(s: ClientSignals) -> Loss:
    """Full marks from 7 (High) up; each point lost since the previous period costs 10%."""
    fell = 0
    if s.usage_score is not None and s.previous_score is not None:
        fell = max(0, s.previous_score - s.usage_score)
    loss = min(1.0, max(0, 7 - s.engagement_score) / 7 + 0.1 * fell)
    if loss <= 0:
        return None
    if fell:
        label = f"engagement fell from {s.previous_score} to {s.usage_score} in {s.trend_days} days"
    else:
        label = f"engagement {s.engagement_score} ({_band(s.engagement_score)})"
    return loss, label


def _decline(before: int | None, after: int | None) -> float:
    if before is None or after is None or before <= 0 or after >= before:
        return 0.0
    return (before - after) / before


def usage_loss(s: ClientSignals) -> Loss:
    """A decline of half or more in tools in use or active users costs the whole component."""
    tools = _decline(s.previous_tools, s.usage_tools)
    users = _decline(s.previous_users, s.usage_users)
    loss = min(1.0, 2 * max(tools, users))
    if loss <= 0:
        return None
    parts = []
    if tools:
        parts.append(f"tools in use fell from {s.previous_tools} to {s.usage_tools}")
    if users:
        parts.append(f"active users fell from {s.previous_users} to {s.usage_users}")
    return loss, f"{' and '.join(parts)} in {s.trend_days} days"


def renewal_loss(s: ClientSignals, today: date) -> Loss:
    if s.renewal_status == "cancellation_requested":
        return 1.0, f"cancellation requested for the renewal on {s.renewal_date}"
    if s.renewal_status != "pending" or s.decision_deadline is None:
        return None
    days = (s.decision_deadline - today).days
    if days < 0:
        return 0.8, f"renewal decision overdue since {s.decision_deadline}"
    if days >= DECISION_WINDOW_DAYS:
        return None
    loss = 0.6 * (1 - days / DECISION_WINDOW_DAYS)
    return loss, f"renewal decision pending, deadline in {days} days"


def _dollars(cents: int) -> str:
    return f"${abs(cents) // 100:,}"


def mrr_loss(s: ClientSignals) -> Loss:
    """A forecast drop of half the MRR costs the whole component; decreased credit, half."""
    loss, label = 0.0, ""
    change, now = s.mrr_change_cents or 0, s.mrr_now_cents or 0
    if change < 0 and now > 0:
        share = -change / now
        loss = min(1.0, 2 * share)
        label = f"renewal forecast −{_dollars(change)}/mo ({round(100 * share)}% of MRR)"
    if s.decreased_month and loss < 0.5:
        loss, label = 0.5, f"MRR decreased in {s.decreased_month[:7]}"
    return (loss, label) if loss > 0 else None


def setup_loss(s: ClientSignals) -> Loss:
    count = len(s.setup_issues)
    if not count:
        return None
    noun = "setup issue" if count == 1 else f"{count} setup issues"
    return min(1.0, 0.5 * count), f"{noun}: {'; '.join(s.setup_issues)}"


def score_client(
    s: ClientSignals, weights: Mapping[str, float], today: date
) -> tuple[int, list[dict[str, Any]]]:
    """The score and its reasons (most costly first); the points add up to 100 − score."""
    total = sum(weights.values())
    losses = {
        "engagement": engagement_loss(s),
        "usage": usage_loss(s),
        "renewal": renewal_loss(s, today),
        "mrr": mrr_loss(s),
        "setup": setup_loss(s),
    }
    reasons = []
    for name, found in losses.items():
        if found is None:
            continue
        loss, label = found
        points = -round(100 * weights[name] / total * loss)
        if points:
            reasons.append({"label": label, "points": points})
    reasons.sort(key=lambda reason: reason["points"])
    return max(0, 100 + sum(r["points"] for r in reasons)), reasons


def refresh_health(
    conn: sqlite3.Connection, settings: Mapping[str, Any], today: date | None = None
) -> int:
    """Score every client; returns how many were scored. Run after each sync."""
    weights = health_weights(settings)
    today = today or date.today()
    updates = []
    for signals in read_signals(conn, today):
        score, reasons = score_client(signals, weights, today)
        updates.append((score, json.dumps(reasons, ensure_ascii=False), signals.client_id))
    with write_transaction(conn):
        conn.executemany(
            "UPDATE client SET health_score = ?, health_reasons = ? WHERE id = ?", updates
        )
    return len(updates)
