"""Local alert rules, evaluated on the cache after every sync (PRODUCT.md §2 Inbox).

Each rule states what fired it: the item's detail names every rule and its values, and the
values are kept as JSON in `fired_values` (rule → values). Rules that fire on the same client
for the same *concern* make one item (`CONCERNS`): a client with Low and falling engagement
and fewer tools than last month is one "engagement at risk" item listing the three reasons,
and triage applies to the item. Items live in `local_alert` under a fixed id,
`local:<concern>:<client_id>`, so the same client and concern updates one item:

- a firing with no item yet raises one (open);
- an open, acknowledged or snoozed item gets the new values and keeps its status (a snoozed
  one stays quiet until its date: the inbox reads an expired snooze as open);
- a resolved item re-opens only on a *new occurrence*: its rules had stopped firing and fire
  again, or the occurrence key changed (another renewal cycle, a newer usage month, another
  rule joining, a different set of setup issues, another credit expiry date);
- an item none of whose rules fires any more is resolved by the rules (`cleared`).

Local triage (`alert_triage`) can be undone until the next evaluation, which rewrites these
rows and so forgets the undo journal.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from local_store.activation import milestone_plan
from local_store.database import write_transaction
from local_store.health import (
    DIRTY_CLIENTS,
    FALL_NOISE_POINTS,
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
    "engagement_drop_points": 3,
    "usage_tools_drop": 3,
    "usage_users_drop_percent": 25,
    "credit_expiring_days": 90,
    "adoption_gap_max_points": 2,
    "expansion_min_points": 40,
    "onboarding_days": 90,
    "onboarding_min_tools": 3,
}
THRESHOLD_LIMITS: dict[str, float] = {
    # The largest sane value of each (same keys as DEFAULT_THRESHOLDS): ten years of days, a
    # 0-10 score, a percentage.
    "renewal_due_days": 3650,
    "engagement_low_max": 10,
    "engagement_drop_points": 10,
    "usage_tools_drop": 1000,
    "usage_users_drop_percent": 100,
    "credit_expiring_days": 3650,
    "adoption_gap_max_points": 1000,
    "expansion_min_points": 1000,
    "onboarding_days": 3650,
    "onboarding_min_tools": 1000,
}
RULES = {
    # rule → the concern (the item's kind) it reports on; the renewal rule shares the
    # vendor's kind so one filter finds both.
    "renewal_pending": "renewal_decision",
    "engagement_low": "engagement_risk",
    "engagement_drop": "engagement_risk",
    "usage_decline": "engagement_risk",
    "adoption_gap": "engagement_risk",
    "setup_issue": "setup_issue",
    "onboarding_stalled": "onboarding_stalled",
    "expansion_fit": "expansion_fit",
    "credit_expiring": "credit_expiring",
}
CONCERNS = tuple(dict.fromkeys(RULES.values()))
_RENAMED = {
    "upsell": "split into adoption_gap (a risk) and expansion_fit (growth)",
    "upsell_max_tools_per_subscription": "replaced by adoption_gap_max_points",
}
HUB_CATEGORY = {
    # Which engagement category shows a hub in use.
    "Marketing Hub": "Marketing",
    "Sales Hub": "Sales",
    "Service Hub": "Service",
    "Operations Hub": "Automation",
    "Content Hub": "Marketing",
    "Commerce Hub": "Sales",
}
CATEGORY_HUB = {"Marketing": "Marketing Hub", "Sales": "Sales Hub", "Service": "Service Hub",
                "Automation": "Operations Hub"}  # fmt: skip
"""The hub that serves a category's usage, for expansion fit (Reporting spans every hub)."""
_SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


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
            if not isinstance(value, list):
                raise SettingsError(f"rules.disabled must be a list drawn from {', '.join(RULES)}")
            for rule in value:
                if rule in _RENAMED:
                    raise SettingsError(f"rules.disabled: {rule} was {_RENAMED[rule]}")
                if rule not in RULES:
                    raise SettingsError(
                        f"rules.disabled must be a list drawn from {', '.join(RULES)}"
                    )
            disabled = frozenset(value)
            continue
        if name in _RENAMED:
            raise SettingsError(f"rules.{name} was {_RENAMED[name]}")
        if name not in DEFAULT_THRESHOLDS:
            raise SettingsError(
                f"rules.{name}: unknown setting (use disabled, {', '.join(DEFAULT_THRESHOLDS)})"
            )
        checked_number(value, f"rules.{name}", 0, THRESHOLD_LIMITS[name])
        values[name] = value
    return Thresholds(values, disabled)


@dataclass(frozen=True)
class Firing:
    """One rule's finding on one client."""

    rule: str
    client_id: str
    severity: str
    title: str
    detail: str
    values: dict[str, Any]
    occurrence: str
    due_date: date | None = None

    @property
    def concern(self) -> str:
        return RULES[self.rule]


@dataclass(frozen=True)
class Item:
    """What the inbox lists: every firing on one client for one concern."""

    firings: tuple[Firing, ...]
    """Most severe first, then in `RULES` order."""

    @property
    def concern(self) -> str:
        return self.firings[0].concern

    @property
    def client_id(self) -> str:
        return self.firings[0].client_id

    @property
    def alert_id(self) -> str:
        return f"local:{self.concern}:{self.client_id}"

    @property
    def rules(self) -> str:
        """The rules, comma-separated: what the `rule:` filter term matches."""
        return ",".join(f.rule for f in self.firings)

    @property
    def severity(self) -> str:
        return self.firings[0].severity

    @property
    def title(self) -> str:
        more = len(self.firings) - 1
        return self.firings[0].title + (f" (+{more} more)" if more else "")

    @property
    def detail(self) -> str:
        return "\n".join(f.detail for f in self.firings)

    @property
    def values(self) -> dict[str, Any]:
        return {f.rule: f.values for f in self.firings}

    @property
    def occurrence(self) -> str:
        return "|".join(f"{f.rule}={f.occurrence}" for f in sorted(self.firings, key=_by_rule))

    @property
    def due_date(self) -> date | None:
        return min((f.due_date for f in self.firings if f.due_date), default=None)


_RULE_ORDER = {rule: number for number, rule in enumerate(RULES)}


def _by_rule(firing: Firing) -> int:
    return _RULE_ORDER[firing.rule]


def _by_weight(firing: Firing) -> tuple[int, int]:
    return -_SEVERITY_RANK[firing.severity], _RULE_ORDER[firing.rule]


def merge(firings: Iterable[Firing]) -> list[Item]:
    """One item per client and concern (one firing per rule and client is kept)."""
    grouped: dict[tuple[str, str], dict[str, Firing]] = {}
    for fired in firings:
        grouped.setdefault((fired.concern, fired.client_id), {})[fired.rule] = fired
    return [Item(tuple(sorted(by_rule.values(), key=_by_weight))) for by_rule in grouped.values()]


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
        # Steady Low is worth a look, not today's first call: a fall or a usage drop on the
        # same item raises it.
        "info",
        f"Low engagement at {s.name}: {s.engagement_score}/10",
        f"Rule engagement_low: the engagement score {s.engagement_score} is at most "
        f"{t['engagement_low_max']:g} (Low).",
        {"score": s.engagement_score},
        "low",
    )


def engagement_drop(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    """A fall from the highest score of the last months, not only since last month: a
    client that fell from 8 to 4 over two months has dropped just as much."""
    fell = s.fall
    if fell <= 0 or fell < t["engagement_drop_points"]:
        return None
    return Firing(
        "engagement_drop",
        s.client_id,
        "critical" if fell >= 4 else "warning",
        f"Engagement fell from {s.peak_score} to {s.usage_score} at {s.name}",
        f"Rule engagement_drop: the engagement score fell by {fell} points (at least "
        f"{t['engagement_drop_points']:g}) from {s.peak_score} in {s.peak_period} to "
        f"{s.usage_score} in {s.period}, {s.fall_days} days.",
        {"from": s.peak_score, "to": s.usage_score, "since": s.peak_period, "period": s.period},
        f"{s.peak_period}>{s.period}",
    )


def usage_decline(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    tools, tools_before = s.usage_tools, s.previous_tools
    users, users_before = s.usage_users, s.previous_users
    if tools is None or tools_before is None or users is None or users_before is None:
        return None
    tools_drop = tools_before - tools
    users_drop = users_before - users
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


def adoption_gap(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    """A hub the client pays for and barely uses: its category earns (almost) no engagement
    points. A risk: the renewal of a hub nobody uses is in doubt."""
    points = s.category_points
    if not points or not s.owned:
        return None
    unused = sorted(
        {
            f"{product} {edition}"
            for product, edition in s.owned
            if (category := HUB_CATEGORY.get(product)) is not None
            and category in points
            and points[category] <= t["adoption_gap_max_points"]
        }
    )
    if not unused:
        return None
    categories = sorted({HUB_CATEGORY[name.rsplit(" ", 1)[0]] for name in unused})
    earned = ", ".join(f"{c} {points[c]}" for c in categories)
    return Firing(
        "adoption_gap",
        s.client_id,
        "info",
        f"Paid but barely used at {s.name}: {unused[0]}"
        + (f" (+{len(unused) - 1} more)" if len(unused) > 1 else ""),
        f"Rule adoption_gap: the client owns {', '.join(unused)} and earns at most "
        f"{t['adoption_gap_max_points']:g} engagement points there ({earned}, of "
        f"{sum(points.values())}) in {s.period}.",
        {"hubs": unused, "points": {c: points[c] for c in categories}},
        "|".join(unused),
    )


def expansion_fit(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    """Usage in a category whose hub the client does not own, or owns only at Starter: a
    growth lead, raised only for a client not at risk (Medium or High, not falling)."""
    points = s.category_points
    if not points or s.engagement_score <= t["engagement_low_max"] or s.fall > FALL_NOISE_POINTS:
        return None
    editions: dict[str, str] = {}
    for product, edition in s.owned:
        if editions.get(product) != "Enterprise":
            editions[product] = (
                edition
                if editions.get(product) is None
                else max(
                    editions[product], edition, key=("Starter", "Professional", "Enterprise").index
                )
            )
    leads = []
    for category, hub in CATEGORY_HUB.items():
        earned = points.get(category, 0)
        owned = editions.get(hub)
        if earned >= t["expansion_min_points"] and owned in (None, "Starter"):
            leads.append((earned, category, hub, owned))
    if not leads:
        return None
    leads.sort(reverse=True)
    earned, category, hub, owned = leads[0]
    offer = f"{hub} Professional" if owned == "Starter" else hub
    reasons = "; ".join(
        f"{c} {e} points with {h} {'at Starter' if o else 'not owned'}" for e, c, h, o in leads
    )
    return Firing(
        "expansion_fit",
        s.client_id,
        "info",
        f"Expansion fit at {s.name}: {offer}",
        f"Rule expansion_fit: {reasons} (at least {t['expansion_min_points']:g} points, "
        f"engagement {s.engagement_score} and not falling).",
        {"leads": [{"category": c, "points": e, "hub": h, "owned": o} for e, c, h, o in leads]},
        "|".join(h for _, _, h, _ in leads),
    )


def onboarding_stalled(s: ClientSignals, t: Thresholds, today: date) -> Firing | None:
    """A client in its first `onboarding_days` with onboarding milestones overdue. From a
    server that reports no milestones, fewer than `onboarding_min_tools` tools in use."""
    if s.first_start is None:
        return None
    age = (today - s.first_start).days
    if age < 0 or age > t["onboarding_days"]:
        return None
    activation = s.activation
    if activation is not None:
        overdue = activation.overdue
        if not overdue:
            return None
        names = [f"{m.hub}: {m.name} (day {m.due_day})" for m in overdue]
        no_value = activation.days_to_first_value is None
        return Firing(
            "onboarding_stalled",
            s.client_id,
            "critical" if no_value and age > 60 else "warning",
            f"Onboarding stalled at {s.name}: {_count(len(overdue), 'milestone')} overdue "
            f"after {age} days",
            f"Rule onboarding_stalled: a client since {s.first_start} ({age} days, at most "
            f"{t['onboarding_days']:g}) has not reached {'; '.join(names)}; "
            f"{activation.done} of {len(activation.milestones)} milestones done, "
            + (
                "no first value yet."
                if no_value
                else f"first value on day {activation.days_to_first_value}."
            ),  # fmt: skip
            {"since": str(s.first_start), "overdue": names, "done": activation.done},
            "|".join(names),
        )
    if s.onboarding_known or s.tools_in_use >= t["onboarding_min_tools"]:
        return None
    return Firing(
        "onboarding_stalled",
        s.client_id,
        "warning",
        f"Onboarding stalled at {s.name}: {_count(s.tools_in_use, 'tool')} after {age} days",
        f"Rule onboarding_stalled: a client since {s.first_start} ({age} days, at most "
        f"{t['onboarding_days']:g}) uses {_count(s.tools_in_use, 'tool')} (fewer than "
        f"{t['onboarding_min_tools']:g}); the server reports no onboarding milestones.",
        {"since": str(s.first_start), "tools_in_use": s.tools_in_use},
        str(s.first_start),
    )


CLIENT_RULES = (
    renewal_pending,
    engagement_low,
    engagement_drop,
    usage_decline,
    adoption_gap,
    setup_issue,
    onboarding_stalled,
    expansion_fit,
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
            "warning" if days <= 30 else "info",
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
    "UPDATE local_alert SET rule = :rule, severity = :severity, title = :title, "
    "detail = :detail, fired_values = :values, occurrence = :occurrence, due_date = :due, "
    "updated_at = :now, cleared = 0 WHERE id = :id"
)
_REOPEN = (
    "UPDATE local_alert SET rule = :rule, severity = :severity, title = :title, "
    "detail = :detail, fired_values = :values, occurrence = :occurrence, due_date = :due, "
    "updated_at = :now, raised_at = :now, status = 'open', snoozed_until = NULL, cleared = 0 "
    "WHERE id = :id"
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
    """Fire every rule on these clients, merge the firings into items and bring their
    `local_alert` rows in line, in the caller's transaction. With `only_dirty`, `clients` are
    the dirty clients' signals and the items of every other client stay exactly as they are."""
    thresholds = rule_thresholds(settings)
    firings = fire_rules(conn, clients, thresholds, today, only_dirty=only_dirty)
    now = utc_now_text()
    report = RulesReport()
    for fired in firings:
        report.by_rule[fired.rule] = report.by_rule.get(fired.rule, 0) + 1
    inserts, updates, reopens = [], [], []
    existing = {
        row[0]: row[1:]
        for row in conn.execute(
            "SELECT id, status, occurrence, cleared FROM local_alert " + client_scope(only_dirty)
        )
    }
    for item in merge(firings):
        params = {
            "id": item.alert_id,
            "client_id": item.client_id,
            "rule": item.rules,
            "kind": item.concern,
            "severity": item.severity,
            "title": item.title,
            "detail": item.detail,
            "values": _values_json(item.values),
            "occurrence": item.occurrence,
            "due": item.due_date.isoformat() if item.due_date else None,
            "now": now,
        }
        found = existing.pop(item.alert_id, None)
        if found is None:
            inserts.append(params)
        elif found[0] != "resolved":
            updates.append(params)
        elif found[2] or found[1] != item.occurrence:
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
    plan = milestone_plan(settings)
    with write_transaction(conn):
        return apply_rules(conn, read_signals(conn, today, plan=plan), settings, today)
