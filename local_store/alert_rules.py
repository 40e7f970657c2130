"""Local alert rules, evaluated on the cache after every sync (PRODUCT.md §2 Inbox).

Each rule states what fired it: the alert's detail names the rule and its values, and the
values are kept as JSON in `fired_values`. Alerts live in `local_alert` under a fixed id,
`local:<rule>:<client_id>`, so the same client, kind and reason updates one alert:

- a firing with no alert yet raises one (open);
- an open, acknowledged or snoozed alert gets the new values and keeps its status (a snoozed
  one stays quiet until its date: the inbox reads an expired snooze as open);
- a resolved alert re-opens only on a *new occurrence*: the rule had stopped firing and fires
  again, or its occurrence key changed (another renewal cycle, a newer usage month, a different
  set of setup issues, another credit expiry date, another first purchase date);
- an alert whose rule no longer fires is resolved by the rule (`cleared`).

Local triage (`alert_triage`) can be undone until the next evaluation, which rewrites these
rows and so forgets the undo journal.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from local_store.database import write_transaction
from local_store.health import (
    DIRTY_CLIENTS,
    ClientSignals,
    SettingsError,
    client_scope,
    read_signals,
)
from local_store.settings_check import checked_number
from local_store.writes import utc_now_text

DEFAULT_THRESHOLDS: dict[str, float] = {
    "renewal_due_days": 30,
    "engagement_low_max": 3,
    "engagement_drop_points": 2,
    "usage_tools_drop": 2,
    "usage_users_drop_percent": 25,
    "credit_expiring_days": 90,
    "upsell_max_tools_per_subscription": 1.5,
    "onboarding_days": 90,
    "onboarding_min_tools": 3,
}
THRESHOLD_LIMITS: dict[str, float] = {
    # The largest sane value of each: ten years of days, a 0-10 score, a percentage.
    "renewal_due_days": 3650,
    "engagement_low_max": 10,
    "engagement_drop_points": 10,
    "usage_tools_drop": 1000,
    "usage_users_drop_percent": 100,
    "credit_expiring_days": 3650,
    "upsell_max_tools_per_subscription": 1000,
    "onboarding_days": 3650,
    "onboarding_min_tools": 1000,
}
RULES = {
    # rule → alert kind; the renewal rule shares the vendor's kind so one filter finds both.
    "renewal_pending": "renewal_decision",
    "engagement_low": "engagement_low",
    "engagement_drop": "engagement_drop",
    "usage_decline": "usage_decline",
    "setup_issue": "setup_issue",
    "credit_expiring": "credit_expiring",
    "upsell": "upsell",
    "onboarding_stalled": "onboarding_stalled",
}


@dataclass(frozen=True)
class Thresholds:
    values: Mapping[str, float]
    disabled: frozenset[str] = frozenset()

    def __getitem__(self, name: str) -> float:
        return self.values[name]


def rule_thresholds(settings: Mapping[str, Any]) -> Thresholds:
    """`settings["rules"]` over the defaults; a wrong value raises SettingsError."""
    given = settings.get("rules", {})
    if not isinstance(given, Mapping):
        raise SettingsError("rules must be a table")
    values = dict(DEFAULT_THRESHOLDS)
    disabled: frozenset[str] = frozenset()
    for name, value in given.items():
        if name == "disabled":
            if not isinstance(value, list) or any(rule not in RULES for rule in value):
                raise SettingsError(f"rules.disabled must be a list drawn from {', '.join(RULES)}")
            disabled = frozenset(value)
            continue
        if name not in DEFAULT_THRESHOLDS:
            raise SettingsError(
                f"rules.{name}: unknown setting (use disabled, {', '.join(DEFAULT_THRESHOLDS)})"
            )
        checked_number(value, f"rules.{name}", 0, THRESHOLD_LIMITS[name])
        values[name] = value
    return Thresholds(values, disabled)


@dataclass(frozen=True)
class Firing:
    rule: str
    client_id: str
    severity: str
    title: str
    detail: str
    values: dict[str, Any]
    occurrence: str
    due_date: date | None = None

    @property
    def alert_id(self) -> str:
        return f"local:{self.rule}:{self.client_id}"


@dataclass
class RulesReport:
    raised: int = 0
    updated: int = 0
    reopened: int = 0
    cleared: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# The rules, one function per rule, each on one client's signals.


def renewal_pending(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    if s.renewal_status != "pending" or s.decision_deadline is None:
        return None
    days = (s.decision_deadline - today).days
    if days > t["renewal_due_days"]:
        return None
    severity = "critical" if days <= 7 else "warning" if days <= 21 else "info"
    when = f"{-days} days overdue" if days < 0 else f"due in {days} days"
    return Firing(
        "renewal_pending",
        s.client_id,
        severity,
        f"Renewal decision {when} for {s.name}",
        f"Rule renewal_pending: the renewal on {s.renewal_date} is still pending and its "
        f"decision deadline {s.decision_deadline} is within {t['renewal_due_days']:g} days "
        f"({days} days left).",
        {"status": s.renewal_status, "deadline": str(s.decision_deadline), "days_left": days},
        f"{s.renewal_id}:{s.decision_deadline}",
        s.decision_deadline,
    )


def engagement_low(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    if s.engagement_score > t["engagement_low_max"]:
        return None
    return Firing(
        "engagement_low",
        s.client_id,
        "warning",
        f"Low engagement at {s.name}: {s.engagement_score}/10",
        f"Rule engagement_low: the engagement score {s.engagement_score} is at most "
        f"{t['engagement_low_max']:g} (Low).",
        {"score": s.engagement_score},
        "low",
    )


def engagement_drop(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    if s.usage_score is None or s.previous_score is None:
        return None
    fell = s.previous_score - s.usage_score
    if fell < t["engagement_drop_points"]:
        return None
    return Firing(
        "engagement_drop",
        s.client_id,
        "critical" if fell >= 4 else "warning",
        f"Engagement fell from {s.previous_score} to {s.usage_score} at {s.name}",
        f"Rule engagement_drop: the engagement score fell by {fell} points (at least "
        f"{t['engagement_drop_points']:g}) from {s.previous_score} in {s.previous_period} to "
        f"{s.usage_score} in {s.period}, {s.trend_days} days apart.",
        {"from": s.previous_score, "to": s.usage_score, "period": s.period},
        str(s.period),
    )


def usage_decline(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    if None in (s.usage_tools, s.previous_tools, s.usage_users, s.previous_users):
        return None
    tools_drop = s.previous_tools - s.usage_tools
    users_drop = s.previous_users - s.usage_users
    users_percent = round(100 * users_drop / s.previous_users) if s.previous_users else 0
    reasons = []
    if tools_drop > 0 and tools_drop >= t["usage_tools_drop"]:
        reasons.append(f"tools in use fell from {s.previous_tools} to {s.usage_tools}")
    if users_drop > 0 and users_percent >= t["usage_users_drop_percent"]:
        reasons.append(
            f"active users fell from {s.previous_users} to {s.usage_users} (−{users_percent}%)"
        )
    if not reasons:
        return None
    return Firing(
        "usage_decline",
        s.client_id,
        "warning",
        f"Usage dropped at {s.name}",
        f"Rule usage_decline: {' and '.join(reasons)} between {s.previous_period} and "
        f"{s.period} (thresholds: {t['usage_tools_drop']:g} tools, "
        f"{t['usage_users_drop_percent']:g}% of users).",
        {
            "tools_from": s.previous_tools,
            "tools_to": s.usage_tools,
            "users_from": s.previous_users,
            "users_to": s.usage_users,
            "period": s.period,
        },
        str(s.period),
    )


def setup_issue(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    if not s.setup_issues:
        return None
    issues = sorted(s.setup_issues)
    return Firing(
        "setup_issue",
        s.client_id,
        "critical" if len(issues) > 1 else "warning",
        f"Setup issue at {s.name}: {issues[0]}"
        + (f" (+{len(issues) - 1} more)" if len(issues) > 1 else ""),
        f"Rule setup_issue: the client reports {_count(len(issues), 'setup issue')}: "
        f"{'; '.join(issues)}.",
        {"issues": issues},
        "|".join(issues),
    )


def upsell(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    if s.subscriptions <= 0:
        return None
    ratio = s.tools_in_use / s.subscriptions
    if ratio >= t["upsell_max_tools_per_subscription"]:
        return None
    return Firing(
        "upsell",
        s.client_id,
        "info",
        f"Few tools in use at {s.name}: {_count(s.tools_in_use, 'tool')} for "
        f"{_count(s.subscriptions, 'subscription')}",
        f"Rule upsell: {_count(s.tools_in_use, 'tool')} in use for "
        f"{_count(s.subscriptions, 'paid subscription')} "
        f"({ratio:.2f} per subscription, below {t['upsell_max_tools_per_subscription']:g}).",
        {"tools_in_use": s.tools_in_use, "subscriptions": s.subscriptions},
        "few-tools",
    )


def onboarding_stalled(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    if s.first_start is None:
        return None
    age = (today - s.first_start).days
    if age < 0 or age > t["onboarding_days"] or s.tools_in_use >= t["onboarding_min_tools"]:
        return None
    return Firing(
        "onboarding_stalled",
        s.client_id,
        "warning",
        f"Onboarding stalled at {s.name}: {_count(s.tools_in_use, 'tool')} after {age} days",
        f"Rule onboarding_stalled: a client since {s.first_start} ({age} days, at most "
        f"{t['onboarding_days']:g}) uses {_count(s.tools_in_use, 'tool')} (fewer than "
        f"{t['onboarding_min_tools']:g}).",
        {"since": str(s.first_start), "tools_in_use": s.tools_in_use},
        str(s.first_start),
    )


CLIENT_RULES = (
    renewal_pending,
    engagement_low,
    engagement_drop,
    usage_decline,
    setup_issue,
    upsell,
    onboarding_stalled,
)

_EXPIRING_SQL = """
SELECT e.client_id, c.name, sum(e.points), min(date(e.month, '+12 months'))
FROM credit_event e JOIN client c ON c.id = e.client_id AND c.services_status != 'ended'
WHERE e.kind IN ('new', 'increased') AND e.points > 0
  AND date(e.month, '+12 months') > :today AND date(e.month, '+12 months') <= :horizon {also}
GROUP BY e.client_id
"""


def credit_expiring(
    conn: sqlite3.Connection, t: Thresholds, today: date, *, only_dirty: bool = False
) -> Iterator[Firing]:
    """Credit counts for 12 months from the purchase month; this finds what runs out soon."""
    horizon = today + timedelta(days=int(t["credit_expiring_days"]))
    params = {"today": today.isoformat(), "horizon": horizon.isoformat()}
    also = f"AND e.client_id IN ({DIRTY_CLIENTS})" if only_dirty else ""
    for client_id, name, points, expires in conn.execute(_EXPIRING_SQL.format(also=also), params):
        days = (date.fromisoformat(expires) - today).days
        yield Firing(
            "credit_expiring",
            client_id,
            "info",
            f"{_count(points, 'tier point')} expire{'s' if points == 1 else ''} on {expires} "
            f"for {name}",
            f"Rule credit_expiring: {_count(points, 'point')} of tier credit, bought 12 months "
            f"before, run out on {expires} ({days} days, within "
            f"{t['credit_expiring_days']:g}).",
            {"points": points, "expires": expires, "days_left": days},
            expires,
            date.fromisoformat(expires),
        )


def fire_rules(
    conn: sqlite3.Connection,
    clients: list[ClientSignals],
    t: Thresholds,
    today: date,
    *,
    only_dirty: bool = False,
) -> list[Firing]:
    """Every rule's firings on the cache as it is now, for these clients (every client, or the
    dirty ones when `only_dirty`)."""
    # The vendor's own renewal-decision alert already covers that renewal: no second one.
    scope = f"AND client_id IN ({DIRTY_CLIENTS})" if only_dirty else ""
    vendor_renewals = set(
        conn.execute(
            "SELECT client_id, due_date FROM alert WHERE kind = 'renewal_decision' "
            f"AND client_id IS NOT NULL {scope}"
        )
    )
    firings: list[Firing] = []
    for signals in clients:
        if not signals.active:
            continue
        for rule in CLIENT_RULES:
            if rule.__name__ in t.disabled:
                continue
            fired = rule(signals, t, today)
            if fired is None:
                continue
            if fired.rule == "renewal_pending" and (
                (fired.client_id, str(fired.due_date)) in vendor_renewals
            ):
                continue
            firings.append(fired)
    if "credit_expiring" not in t.disabled:
        firings.extend(credit_expiring(conn, t, today, only_dirty=only_dirty))
    return firings


_UPDATE = (
    "UPDATE local_alert SET severity = :severity, title = :title, detail = :detail, "
    "fired_values = :values, occurrence = :occurrence, due_date = :due, updated_at = :now, "
    "cleared = 0 WHERE id = :id"
)
_REOPEN = (
    "UPDATE local_alert SET severity = :severity, title = :title, detail = :detail, "
    "fired_values = :values, occurrence = :occurrence, due_date = :due, updated_at = :now, "
    "raised_at = :now, status = 'open', snoozed_until = NULL, cleared = 0 WHERE id = :id"
)
_INSERT = (
    "INSERT INTO local_alert (id, client_id, rule, kind, severity, title, detail, fired_values, "
    "occurrence, raised_at, updated_at, due_date, status, assignee, snoozed_until, cleared) "
    "VALUES (:id, :client_id, :rule, :kind, :severity, :title, :detail, :values, :occurrence, "
    ":now, :now, :due, 'open', NULL, NULL, 0)"
)


_values_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
"""`json.dumps(values, sort_keys=True, ensure_ascii=False)` without an encoder per alert."""


def apply_rules(
    conn: sqlite3.Connection,
    clients: list[ClientSignals],
    settings: Mapping[str, Any],
    today: date,
    *,
    only_dirty: bool = False,
) -> RulesReport:
    """Fire every rule on these clients and bring their `local_alert` rows in line, in the
    caller's transaction. With `only_dirty`, `clients` are the dirty clients' signals and the
    alerts of every other client stay exactly as they are."""
    thresholds = rule_thresholds(settings)
    # One alert per id even if the cache holds a duplicate row (two usage rows for a month).
    firings = {
        f.alert_id: f for f in fire_rules(conn, clients, thresholds, today, only_dirty=only_dirty)
    }.values()
    now = utc_now_text()
    report = RulesReport()
    inserts, updates, reopens = [], [], []
    existing = {
        row[0]: row[1:]
        for row in conn.execute(
            "SELECT id, status, occurrence, cleared FROM local_alert " + client_scope(only_dirty)
        )
    }
    for fired in firings:
        report.by_rule[fired.rule] = report.by_rule.get(fired.rule, 0) + 1
        params = {
            "id": fired.alert_id,
            "client_id": fired.client_id,
            "rule": fired.rule,
            "kind": RULES[fired.rule],
            "severity": fired.severity,
            "title": fired.title,
            "detail": fired.detail,
            "values": _values_json(fired.values),
            "occurrence": fired.occurrence,
            "due": fired.due_date.isoformat() if fired.due_date else None,
            "now": now,
        }
        found = existing.pop(fired.alert_id, None)
        if found is None:
            inserts.append(params)
        elif found[0] != "resolved":
            updates.append(params)
        elif found[2] or found[1] != fired.occurrence:
            reopens.append(params)
    conn.executemany(_INSERT, inserts)
    conn.executemany(_UPDATE, updates)
    conn.executemany(_REOPEN, reopens)
    stopped = [(now, alert_id) for alert_id, (_, _, cleared) in existing.items() if not cleared]
    conn.executemany(
        "UPDATE local_alert SET status = 'resolved', snoozed_until = NULL, cleared = 1, "
        "updated_at = ? WHERE id = ?",
        stopped,
    )
    conn.execute("DELETE FROM local_undo")
    report.raised, report.updated = len(inserts), len(updates)
    report.reopened, report.cleared = len(reopens), len(stopped)
    return report


def evaluate_rules(
    conn: sqlite3.Connection, settings: Mapping[str, Any], today: date | None = None
) -> RulesReport:
    """Fire every rule for every client and bring `local_alert` in line, in one transaction.
    (A sync evaluates only the clients it touched, through `local_store.signals`.)"""
    rule_thresholds(settings)
    today = today or date.today()
    with write_transaction(conn):
        return apply_rules(conn, read_signals(conn, today), settings, today)
