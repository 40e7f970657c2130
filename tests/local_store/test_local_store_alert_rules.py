"""Each local rule on crafted data: it fires, not at the boundary, de-duplicates, respects
snooze, and re-opens a resolved alert only on a new occurrence."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from crafted_cache import (
    TODAY,
    add_backend_alert,
    add_client,
    add_credit,
    add_renewal,
    add_subscription,
    add_trend,
    new_cache,
)

from local_store.alert_rules import evaluate_rules, rule_thresholds
from local_store.health import SettingsError


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    return new_cache(tmp_path)


def fired(conn: sqlite3.Connection, settings: dict | None = None, today: date = TODAY) -> dict:
    """Open (not resolved) local alerts after an evaluation, by id."""
    evaluate_rules(conn, settings or {}, today)
    return {
        row[0]: {"status": row[1], "values": json.loads(row[2]), "detail": row[3]}
        for row in conn.execute(
            "SELECT id, status, fired_values, detail FROM local_alert WHERE status != 'resolved'"
        )
    }


def status_of(conn: sqlite3.Connection, alert_id: str) -> tuple[str, int]:
    return conn.execute(
        "SELECT status, cleared FROM local_alert WHERE id = ?", (alert_id,)
    ).fetchone()


def test_renewal_pending_fires_within_the_days_not_after(conn: sqlite3.Connection) -> None:
    add_client(conn, "due")
    add_renewal(conn, "due", days_to_deadline=30)
    add_client(conn, "later")
    add_renewal(conn, "later", days_to_deadline=31)
    add_client(conn, "confirmed")
    add_renewal(conn, "confirmed", status="confirmed", days_to_deadline=3)
    alerts = fired(conn)
    assert set(alerts) == {"local:renewal_pending:due"}
    assert alerts["local:renewal_pending:due"]["values"]["days_left"] == 30
    assert "Rule renewal_pending" in alerts["local:renewal_pending:due"]["detail"]


def test_renewal_pending_defers_to_the_vendors_alert(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1")
    add_renewal(conn, "c1", days_to_deadline=10)
    add_backend_alert(conn, "a-1", "c1", due=TODAY + timedelta(days=10))
    assert fired(conn) == {}


def test_engagement_low_fires_at_the_threshold_not_above(conn: sqlite3.Connection) -> None:
    add_client(conn, "low", engagement=3)
    add_client(conn, "medium", engagement=4)
    assert set(fired(conn)) == {"local:engagement_low:low"}
    assert fired(conn, {"rules": {"engagement_low_max": 4}}).keys() == {
        "local:engagement_low:low",
        "local:engagement_low:medium",
    }


def test_engagement_drop_of_two_fires_one_does_not(conn: sqlite3.Connection) -> None:
    add_client(conn, "two")
    add_trend(conn, "two", scores=(9, 7))
    add_client(conn, "one")
    add_trend(conn, "one", scores=(9, 8))
    alerts = fired(conn)
    assert set(alerts) == {"local:engagement_drop:two"}
    assert alerts["local:engagement_drop:two"]["values"] == {
        "from": 9,
        "to": 7,
        "period": "2026-11-01",
    }


def test_usage_decline_at_the_thresholds(conn: sqlite3.Connection) -> None:
    add_client(conn, "tools")
    add_trend(conn, "tools", tools=(6, 4))
    add_client(conn, "one-tool")
    add_trend(conn, "one-tool", tools=(6, 5))
    add_client(conn, "users")
    add_trend(conn, "users", users=(100, 75))
    add_client(conn, "some-users")
    add_trend(conn, "some-users", users=(100, 76))
    assert set(fired(conn)) == {"local:usage_decline:tools", "local:usage_decline:users"}


def test_setup_issue_fires_with_the_issues(conn: sqlite3.Connection) -> None:
    add_client(conn, "broken", setup_issues=("permission gap", "broken workflow"))
    add_client(conn, "fine")
    alerts = fired(conn)
    assert set(alerts) == {"local:setup_issue:broken"}
    assert alerts["local:setup_issue:broken"]["values"] == {
        "issues": ["broken workflow", "permission gap"]
    }


def test_credit_expiring_within_the_days_not_after(conn: sqlite3.Connection) -> None:
    add_client(conn, "soon")
    add_credit(conn, "soon", "2026-02-01", "new", 12)  # expires 2027-02-01: 70 days
    add_client(conn, "later")
    add_credit(conn, "later", "2026-03-01", "new", 8)  # expires 2027-03-01: 98 days
    add_client(conn, "gone")
    add_credit(conn, "gone", "2025-11-01", "new", 5)  # expired 2026-11-01
    alerts = fired(conn)
    assert set(alerts) == {"local:credit_expiring:soon"}
    assert alerts["local:credit_expiring:soon"]["values"] == {
        "points": 12,
        "expires": "2027-02-01",
        "days_left": 70,
    }
    assert set(fired(conn, {"rules": {"credit_expiring_days": 69}})) == set()


def test_upsell_when_few_tools_for_the_subscriptions(conn: sqlite3.Connection) -> None:
    add_client(conn, "few", tools=2)
    add_client(conn, "enough", tools=3)
    for client_id in ("few", "enough"):
        add_subscription(conn, client_id, 1)
        add_subscription(conn, client_id, 2)
    assert set(fired(conn)) == {"local:upsell:few"}


def test_onboarding_stalled_only_for_new_clients(conn: sqlite3.Connection) -> None:
    add_client(conn, "new", tools=2)
    add_subscription(conn, "new", start=TODAY - timedelta(days=90))
    add_client(conn, "older", tools=2)
    add_subscription(conn, "older", start=TODAY - timedelta(days=91))
    add_client(conn, "busy", tools=3)
    add_subscription(conn, "busy", start=TODAY - timedelta(days=10))
    alerts = fired(conn, {"rules": {"upsell_max_tools_per_subscription": 0}})
    assert set(alerts) == {"local:onboarding_stalled:new"}


def test_ended_clients_raise_nothing(conn: sqlite3.Connection) -> None:
    add_client(conn, "gone", engagement=0, status="ended", setup_issues=("broken workflow",))
    assert fired(conn) == {}


def test_same_client_and_reason_updates_the_alert(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1", engagement=2)
    fired(conn)
    conn.execute("UPDATE local_alert SET status = 'acknowledged'")
    conn.execute("UPDATE client SET engagement_score = 1")
    alerts = fired(conn)
    assert alerts == {
        "local:engagement_low:c1": {
            "status": "acknowledged",
            "values": {"score": 1},
            "detail": "Rule engagement_low: the engagement score 1 is at most 3 (Low).",
        }
    }
    assert conn.execute("SELECT count(*) FROM local_alert").fetchone()[0] == 1


def test_a_snoozed_alert_stays_snoozed(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1", setup_issues=("broken workflow",))
    fired(conn)
    conn.execute("UPDATE local_alert SET status = 'snoozed', snoozed_until = '2026-12-01'")
    conn.execute('UPDATE client SET setup_issues = \'["broken workflow", "permission gap"]\'')
    assert fired(conn)["local:setup_issue:c1"]["status"] == "snoozed"


def test_resolved_reopens_only_on_a_new_occurrence(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1", setup_issues=("broken workflow",))
    fired(conn)
    conn.execute("UPDATE local_alert SET status = 'resolved'")
    assert fired(conn) == {}  # same issue: stays resolved
    conn.execute('UPDATE client SET setup_issues = \'["broken workflow", "permission gap"]\'')
    assert fired(conn)["local:setup_issue:c1"]["status"] == "open"


def test_a_rule_that_stops_firing_clears_and_can_fire_again(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1", engagement=2)
    fired(conn)
    conn.execute("UPDATE client SET engagement_score = 6")
    assert fired(conn) == {}
    assert status_of(conn, "local:engagement_low:c1") == ("resolved", 1)
    conn.execute("UPDATE client SET engagement_score = 3")
    assert fired(conn)["local:engagement_low:c1"]["status"] == "open"
    assert status_of(conn, "local:engagement_low:c1") == ("open", 0)


def test_disabled_rules_raise_nothing(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1", engagement=2, setup_issues=("broken workflow",))
    alerts = fired(conn, {"rules": {"disabled": ["engagement_low"]}})
    assert set(alerts) == {"local:setup_issue:c1"}


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"renewal_days": 3}, "rules.renewal_days: unknown setting"),
        ({"engagement_low_max": -1}, "rules.engagement_low_max must be a number from 0 to 10"),
        ({"disabled": ["nope"]}, "rules.disabled must be a list drawn from"),
        ([1], "rules must be a table"),
    ],
)
def test_bad_thresholds_say_which_key(rules: object, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        rule_thresholds({"rules": rules})
