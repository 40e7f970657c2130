"""The explainable health score (PRODUCT.md §4): 0–100, built from weighted components.

Every client starts at 100 and each component takes off up to its share of the weights.
Leading signals weigh most (the onboarding source: activation and breadth of use predict
retention, a fall predicts churn better than a level): engagement level, engagement trend
(the fall from the highest score of the last three months), usage trend (tools in use, active
users), breadth of use (tools per owned hub), activation (overdue onboarding milestones in the
first 90 days), then the lagging ones: renewal (status, nearness), MRR trend (forecast,
decreased credit) and open setup issues. Low engagement alone never scores green: the score
is held at the top of yellow; a requested cancellation holds it at the top of red. The
deductions are the reasons, stored with the score, so the score explains itself:
`{"label": "engagement 1 (Low) and falling from 6 in 61 days", "points": -42}`.
docs/configuration.md gives the weights and why.

One query per input table over every client (or only the clients a sync marked dirty), joined
in Python, and one `executemany` of the scores that changed: no per-client queries, so it stays
quick at 100,000 clients. The alert rules read the same signals.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from local_store.activation import (
    DEFAULT_MILESTONES,
    Activation,
    activation_summary,
    client_activation,
    milestone_plan,
)
from local_store.database import write_transaction
from local_store.settings_check import checked_number
from local_store.settings_error import SettingsError

__all__ = ["SettingsError"]  # re-exported: callers catch it from here

COMPONENTS = (
    "engagement",
    "trend",
    "usage",
    "breadth",
    "activation",
    "renewal",
    "mrr",
    "setup",
)
DEFAULT_WEIGHTS: dict[str, float] = {
    "engagement": 20,
    "trend": 25,
    "usage": 10,
    "breadth": 10,
    "activation": 10,
    "renewal": 10,
    "mrr": 7,
    "setup": 8,
}
MAX_WEIGHT = 1000
TREND_WINDOW_DAYS = 31
"""Usage periods are calendar months, 28 to 31 days apart: a trend compares the newest period
with the one before it when that one started at most this many days earlier."""
PEAK_WINDOW_MONTHS = 3
"""The engagement trend looks back this many months before the newest period."""
FALL_NOISE_POINTS = 1
"""A score wobbles by a point from month to month; a fall of this much costs nothing."""
FALL_FOR_FULL_LOSS = 4
"""A fall of this many engagement points from the recent peak costs the whole trend share."""
BREADTH_TOOLS_PER_HUB = 2.0
"""Fewer tools in use per owned hub than this costs breadth of use (proportionally)."""
DECISION_WINDOW_DAYS = 75
"""The decision window opens 120 days before the renewal, 75 before its 45-day deadline."""
DECREASED_CREDIT_DAYS = 180
LOW_ENGAGEMENT_MAX = 3
BANDS = (("red", 0, 50), ("yellow", 51, 75), ("green", 76, 100))
"""The health bands: the one home of their thresholds (filters, tables and panels read it)."""
HEALTH_BANDS: dict[str, tuple[int, int]] = {name: (low, high) for name, low, high in BANDS}
LOW_ENGAGEMENT_CEILING = HEALTH_BANDS["yellow"][1]
CANCELLING_CEILING = HEALTH_BANDS["red"][1]
"""A client that asked to cancel is red, however engaged: it is leaving."""
DIRTY_CLIENTS = "SELECT client_id FROM dirty_client"
"""The clients a sync marked (see `writes.commit_page`), for `... IN (DIRTY_CLIENTS)` scopes."""


def health_band(score: int | None) -> str | None:
    if score is None:
        return None
    return next((name for name, low, high in BANDS if low <= score <= high), None)


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
        weights[name] = checked_number(value, f"health.weights.{name}", 0, MAX_WEIGHT)
    if sum(weights.values()) <= 0:
        raise SettingsError("health.weights: at least one weight must be above 0")
    milestone_plan(settings)  # activation settings are checked with the weights
    return weights


@dataclass(slots=True)  # not frozen: its __init__ would cost 7 times as much (0.7 s a 100k)
class ClientSignals:
    """What the score and the rules look at for one client, read in one pass; read-only."""

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
    peak_score: int | None = None
    """The highest engagement score of the newest period and the `PEAK_WINDOW_MONTHS` before."""
    peak_period: str | None = None
    owned: tuple[tuple[str, str], ...] = ()
    """(product, edition) of each subscription."""
    category_points: Mapping[str, int] | None = None
    """The newest period's engagement points per category."""
    activation: Activation | None = None
    onboarding_known: bool = False
    """Whether the server reports onboarding milestones at all (a newer server does)."""
    stored_health: tuple[int | None, str] = (None, "[]")
    """The score and reasons (JSON) the cache holds now: an unchanged score is not rewritten."""

    @property
    def trend_days(self) -> int | None:
        if self.period is None or self.previous_period is None:
            return None
        return (date.fromisoformat(self.period) - date.fromisoformat(self.previous_period)).days

    @property
    def fall(self) -> int:
        """Engagement points lost since the recent peak (0 when not falling)."""
        if self.peak_score is None or self.usage_score is None:
            return 0
        return max(0, self.peak_score - self.usage_score)

    @property
    def fall_days(self) -> int | None:
        if self.peak_period is None or self.period is None:
            return None
        return (date.fromisoformat(self.period) - date.fromisoformat(self.peak_period)).days


_CLIENTS_SQL = """
SELECT c.id, c.name, c.owner_email, c.services_status != 'ended', c.engagement_score,
       c.tools_in_use, c.active_users, c.setup_issues,
       l.period, l.engagement_score, l.tools_in_use, l.active_users,
       p.period, p.engagement_score, p.tools_in_use, p.active_users,
       c.health_score, c.health_reasons, l.category_points, c.onboarding
FROM client c
LEFT JOIN usage l ON l.rowid = (
  SELECT u.rowid FROM usage u WHERE u.client_id = c.id ORDER BY u.period DESC, u.rowid DESC
  LIMIT 1)
LEFT JOIN usage p ON p.rowid = (
  SELECT u.rowid FROM usage u WHERE u.client_id = c.id AND u.period < l.period
  ORDER BY u.period DESC, u.rowid DESC LIMIT 1)
"""
"""Each client with its two newest usage periods: two index probes per client, where a
window function over all usage rows would sort a million of them."""
_SUBSCRIPTIONS_SQL = (
    "SELECT client_id, count(*), min(start_date), "
    "group_concat(product || '|' || edition, ';') FROM subscription {where} GROUP BY client_id"
)
_RENEWALS_SQL = (
    "SELECT client_id, renewal_date, id, status, decision_deadline, mrr_now_cents, "
    "mrr_change_cents FROM renewal {where}"
)
_DECREASED_SQL = (
    "SELECT client_id, max(month) FROM credit_event "
    "WHERE kind = 'decreased' AND month >= ? {also} GROUP BY client_id"
)
# The highest score, and among equals the latest period: "fell from 7 in August".
_PEAK_SQL = (
    "SELECT client_id, max(printf('%02d', engagement_score) || period) FROM usage "
    "WHERE period >= ? {also} GROUP BY client_id"
)


def _issues(text: str | None) -> tuple[str, ...]:
    if not text or text == "[]":  # most clients: skip the JSON parser
        return ()
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def _points(text: str | None) -> dict[str, int] | None:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    return {
        str(name): int(points)
        for name, points in value.items()
        if isinstance(points, int | float) and not isinstance(points, bool)
    }


@cache  # a few thousand distinct dates among hundreds of thousands of values
def _date(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


@cache  # a handful of distinct hub sets
def _owned(text: str | None) -> tuple[tuple[str, str], ...]:
    if not text:
        return ()
    return tuple(tuple(part.split("|", 1)) for part in text.split(";"))  # type: ignore[misc]


_NO_USAGE = (None,) * 18
"""A client row without its previous period's usage (columns 13 to 15)."""
_NO_RENEWAL = (None,) * 7


def client_scope(only_dirty: bool, column: str = "client_id") -> str:
    """`WHERE` text limiting a query to the clients marked dirty, or nothing for every client."""
    return f"WHERE {column} IN ({DIRTY_CLIENTS})" if only_dirty else ""


def _months_before(today: date, months: int) -> str:
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1).isoformat()


def read_signals(
    conn: sqlite3.Connection,
    today: date,
    window_days: int = TREND_WINDOW_DAYS,
    *,
    only_dirty: bool = False,
    plan: Mapping[str, tuple[tuple[str, int, bool], ...]] = DEFAULT_MILESTONES,
) -> list[ClientSignals]:
    """Every client's signals, or only the dirty clients': one query per input table, joined
    here by client id (per-client queries cost seconds at 100,000 clients). `plan` is the
    onboarding milestones expected per hub (`activation.milestone_plan`)."""
    where = client_scope(only_dirty)
    subscriptions = {
        row[0]: row[1:] for row in conn.execute(_SUBSCRIPTIONS_SQL.format(where=where))
    }
    renewals: dict[str, tuple] = {}
    for row in conn.execute(_RENEWALS_SQL.format(where=where)):
        # The next renewal: the earliest date, then the smallest id.
        found = renewals.get(row[0])
        if found is None or row[1:3] < found[1:3]:
            renewals[row[0]] = row
    since = (today - timedelta(days=DECREASED_CREDIT_DAYS)).isoformat()
    also = f"AND client_id IN ({DIRTY_CLIENTS})" if only_dirty else ""
    decreased = dict(conn.execute(_DECREASED_SQL.format(also=also), (since,)))
    # The window reaches back from the newest period a client can have (this month).
    peaks = dict(
        conn.execute(_PEAK_SQL.format(also=also), (_months_before(today, PEAK_WINDOW_MONTHS),))
    )
    clients_sql = _CLIENTS_SQL + client_scope(only_dirty, "c.id")
    signals = []
    for row in conn.execute(clients_sql):
        client_id, period, previous = row[0], row[8], row[12]
        newest, before = _date(period), _date(previous)
        if newest is not None and before is not None and (newest - before).days > window_days:
            previous = None
        older = row if previous is not None else _NO_USAGE
        count, first_start, owned_text = subscriptions.get(client_id, (0, None, None))
        owned = _owned(owned_text)
        renewal = renewals.get(client_id, _NO_RENEWAL)
        peak = peaks.get(client_id)
        start = _date(first_start)
        signals.append(
            ClientSignals(
                client_id=client_id,
                name=row[1],
                owner_email=row[2],
                active=bool(row[3]),
                engagement_score=row[4],
                tools_in_use=row[5],
                active_users=row[6],
                setup_issues=_issues(row[7]),
                period=period,
                previous_period=previous,
                usage_score=row[9],
                previous_score=older[13],
                usage_tools=row[10],
                previous_tools=older[14],
                usage_users=row[11],
                previous_users=older[15],
                subscriptions=count,
                first_start=start,
                renewal_id=renewal[2],
                renewal_status=renewal[3],
                decision_deadline=_date(renewal[4]),
                renewal_date=_date(renewal[1]),
                mrr_now_cents=renewal[5],
                mrr_change_cents=renewal[6],
                decreased_month=decreased.get(client_id),
                peak_score=int(peak[:2]) if peak else None,
                peak_period=peak[2:] if peak else None,
                owned=owned,
                category_points=_points(row[18]),
                activation=(
                    client_activation(row[19], start, [p for p, _ in owned], today, plan)
                    if row[19] and row[19] != "[]"
                    else None
                ),
                onboarding_known=row[19] is not None,
                stored_health=(row[16], row[17]),
            )
        )
    return signals


# The components: each returns (loss between 0 and 1, label) or None when it costs nothing.

Loss = tuple[float, str] | None


def _band(score: int) -> str:
    return "Low" if score <= LOW_ENGAGEMENT_MAX else "Medium" if score <= 6 else "High"


def engagement_loss(s: ClientSignals) -> Loss:
    """Full marks from 7 (High) up; 0 costs the whole share."""
    loss = max(0, 7 - s.engagement_score) / 7
    if loss <= 0:
        return None
    return loss, f"engagement {s.engagement_score} ({_band(s.engagement_score)})"


def trend_loss(s: ClientSignals) -> Loss:
    """A fall from the recent peak beyond a point's wobble: `FALL_FOR_FULL_LOSS` points cost
    the whole share."""
    fell = s.fall
    if fell <= FALL_NOISE_POINTS:
        return None
    loss = min(1.0, (fell - FALL_NOISE_POINTS) / (FALL_FOR_FULL_LOSS - FALL_NOISE_POINTS))
    return loss, f"engagement fell from {s.peak_score} to {s.usage_score} in {s.fall_days} days"


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


def breadth_loss(s: ClientSignals) -> Loss:
    """Tools in use per owned hub below `BREADTH_TOOLS_PER_HUB`, proportionally."""
    if s.subscriptions <= 0:
        return None
    per_hub = s.tools_in_use / s.subscriptions
    loss = max(0.0, 1 - per_hub / BREADTH_TOOLS_PER_HUB)
    if loss <= 0:
        return None
    tools = "tool" if s.tools_in_use == 1 else "tools"
    hubs = "hub" if s.subscriptions == 1 else "hubs"
    return loss, f"breadth of use: {s.tools_in_use} {tools} for {s.subscriptions} {hubs}"


def activation_loss(s: ClientSignals) -> Loss:
    """In the first 90 days: the share of milestones overdue."""
    activation = s.activation
    if activation is None or not activation.in_onboarding or not activation.milestones:
        return None
    overdue = len(activation.overdue)
    if not overdue:
        return None
    return overdue / len(activation.milestones), f"activation: {activation_summary(activation)}"


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


def _shares(weights: Mapping[str, float]) -> dict[str, float]:
    """Each component's share of 100 points."""
    total = sum(weights.values())
    return {name: 100 * weight / total for name, weight in weights.items()}


def _score(
    s: ClientSignals, shares: Mapping[str, float], today: date
) -> tuple[int, list[dict[str, Any]]]:
    """The score and its reasons (most costly first); the points add up to 100 − score."""
    level, trend = engagement_loss(s), trend_loss(s)
    reasons: list[dict[str, Any]] = []
    if level is not None and trend is not None:
        # One reason for one fact: "engagement 1 (Low) and falling from 6 in 61 days".
        points = -round(shares["engagement"] * level[0] + shares["trend"] * trend[0])
        label = f"{level[1]} and falling from {s.peak_score} in {s.fall_days} days"
        if points:
            reasons.append({"label": label, "points": points})
    else:
        for name, found in (("engagement", level), ("trend", trend)):
            if found is not None and (points := -round(shares[name] * found[0])):
                reasons.append({"label": found[1], "points": points})
    losses = (
        ("usage", usage_loss(s)),
        ("breadth", breadth_loss(s)),
        ("activation", activation_loss(s)),
        ("renewal", renewal_loss(s, today)),
        ("mrr", mrr_loss(s)),
        ("setup", setup_loss(s)),
    )
    for name, found in losses:
        if found is None:
            continue
        points = -round(shares[name] * found[0])
        if points:
            reasons.append({"label": found[1], "points": points})
    score = max(0, 100 + sum(r["points"] for r in reasons))
    ceilings = (
        (
            s.renewal_status == "cancellation_requested",
            CANCELLING_CEILING,
            "cancellation requested keeps health red",
        ),
        (
            s.engagement_score <= LOW_ENGAGEMENT_MAX,
            LOW_ENGAGEMENT_CEILING,
            f"Low engagement ({s.engagement_score}) keeps health out of green",
        ),
    )
    for applies, ceiling, label in ceilings:
        if applies and score > ceiling:
            reasons.append({"label": label, "points": ceiling - score})
            score = ceiling
    if len(reasons) > 1:
        reasons.sort(key=_reason_points)
    return score, reasons


def _reason_points(reason: dict[str, Any]) -> int:
    return reason["points"]


_reasons_json = json.JSONEncoder(ensure_ascii=False).encode
"""`json.dumps(reasons, ensure_ascii=False)` without building an encoder per client."""


def write_health(
    conn: sqlite3.Connection,
    signals: list[ClientSignals],
    settings: Mapping[str, Any],
    today: date,
) -> int:
    """Score these clients and store the scores, in the caller's transaction; returns how many
    were scored."""
    shares = _shares(health_weights(settings))
    updates = []
    for client in signals:
        score, reasons = _score(client, shares, today)
        scored = (score, _reasons_json(reasons) if reasons else "[]")
        if scored != client.stored_health:
            updates.append((*scored, client.client_id))
    conn.executemany("UPDATE client SET health_score = ?, health_reasons = ? WHERE id = ?", updates)
    return len(signals)


def refresh_health(
    conn: sqlite3.Connection, settings: Mapping[str, Any], today: date | None = None
) -> int:
    """Score every client; returns how many were scored. (A sync scores only the clients it
    touched, through `local_store.signals`.)"""
    health_weights(settings)
    today = today or date.today()
    plan = milestone_plan(settings)
    with write_transaction(conn):
        return write_health(conn, read_signals(conn, today, plan=plan), settings, today)
