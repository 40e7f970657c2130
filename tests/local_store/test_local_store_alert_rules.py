"""Each local rule on crafted data: it fires, not at the boundary, merges with the other rules
of its concern into one item, respects snooze, and re-opens a resolved item only on a new
occurrence."""

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
    add_usage,
    new_cache,
    set_onboarding,
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
    assert set(alerts) == {"local:renewal_decision:due"}
    assert alerts["local:renewal_decision:due"]["values"]["renewal_pending"]["days_left"] == 30
    assert "Rule renewal_pending" in alerts["local:renewal_decision:due"]["detail"]


def test_renewal_pending_defers_to_the_vendors_alert(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1")
    add_renewal(conn, "c1", days_to_deadline=10)
    add_backend_alert(conn, "a-1", "c1", due=TODAY + timedelta(days=10))
    assert fired(conn) == {}


def test_engagement_low_fires_at_the_threshold_not_above(conn: sqlite3.Connection) -> None:
    add_client(conn, "low", engagement=3)
    add_client(conn, "medium", engagement=4)
    assert set(fired(conn)) == {"local:engagement_risk:low"}
    assert fired(conn, {"rules": {"engagement_low_max": 4}}).keys() == {
        "local:engagement_risk:low",
        "local:engagement_risk:medium",
    }


def test_engagement_drop_of_three_fires_two_does_not(conn: sqlite3.Connection) -> None:
    add_client(conn, "three")
    add_trend(conn, "three", scores=(9, 6))
    add_client(conn, "two")
    add_trend(conn, "two", scores=(9, 7))
    alerts = fired(conn)
    assert set(alerts) == {"local:engagement_risk:three"}
    assert alerts["local:engagement_risk:three"]["values"] == {
        "engagement_drop": {"from": 9, "to": 6, "since": "2026-10-01", "period": "2026-11-01"}
    }


def test_engagement_drop_finds_a_fall_spread_over_months(conn: sqlite3.Connection) -> None:
    # 8 → 7 → 5: never three points in one month, four in two (the generator's own shape).
    add_client(conn, "slow")
    add_usage(conn, "slow", "2026-09-01", score=8, tools=6, users=10)
    add_usage(conn, "slow", "2026-10-01", score=7, tools=6, users=10)
    add_usage(conn, "slow", "2026-11-01", score=5, tools=6, users=10)
    add_client(conn, "long-ago")  # the peak is older than the three months looked at
    add_usage(conn, "long-ago", "2026-07-01", score=9, tools=6, users=10)
    add_usage(conn, "long-ago", "2026-11-01", score=5, tools=6, users=10)
    alerts = fired(conn)
    assert set(alerts) == {"local:engagement_risk:slow"}
    assert "fell by 3 points" in alerts["local:engagement_risk:slow"]["detail"]
    assert (
        "from 8 in 2026-09-01 to 5 in 2026-11-01, 61 days"
        in (alerts["local:engagement_risk:slow"]["detail"])
    )


def test_usage_decline_at_the_thresholds(conn: sqlite3.Connection) -> None:
    add_client(conn, "tools")
    add_trend(conn, "tools", tools=(6, 3))
    add_client(conn, "two-tools")
    add_trend(conn, "two-tools", tools=(6, 4))
    add_client(conn, "users")
    add_trend(conn, "users", users=(100, 75))
    add_client(conn, "some-users")
    add_trend(conn, "some-users", users=(100, 76))
    assert set(fired(conn)) == {"local:engagement_risk:tools", "local:engagement_risk:users"}


def test_setup_issue_fires_with_the_issues(conn: sqlite3.Connection) -> None:
    add_client(conn, "broken", setup_issues=("permission gap", "broken workflow"))
    add_client(conn, "fine")
    alerts = fired(conn)
    assert set(alerts) == {"local:setup_issue:broken"}
    assert alerts["local:setup_issue:broken"]["values"] == {
        "setup_issue": {"issues": ["broken workflow", "permission gap"]}
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
        "credit_expiring": {"points": 12, "expires": "2027-02-01", "days_left": 70}
    }
    assert set(fired(conn, {"rules": {"credit_expiring_days": 69}})) == set()


def test_adoption_gap_on_a_paid_hub_with_no_use(conn: sqlite3.Connection) -> None:
    points = {"Marketing": 2, "Sales": 30, "Service": 10, "Reporting": 8, "Automation": 0}
    for client_id, product in (("gap", "Marketing Hub"), ("used", "Sales Hub")):
        add_client(conn, client_id, engagement=5)
        add_subscription(conn, client_id, product=product)
        add_usage(conn, client_id, "2026-11-01", score=5, tools=6, users=10, points=points)
    alerts = fired(conn)
    assert set(alerts) == {"local:engagement_risk:gap"}
    assert alerts["local:engagement_risk:gap"]["values"] == {
        "adoption_gap": {"hubs": ["Marketing Hub Professional"], "points": {"Marketing": 2}}
    }


def test_expansion_fit_where_usage_outgrows_the_hubs_owned(conn: sqlite3.Connection) -> None:
    points = {"Marketing": 20, "Sales": 45, "Service": 5, "Reporting": 5, "Automation": 5}
    cases = {"no-sales": None, "starter": "Starter", "pro": "Professional"}
    for client_id, sales_edition in cases.items():
        add_client(conn, client_id, engagement=8)
        add_subscription(conn, client_id, 1)  # Marketing Hub Professional: in use
        if sales_edition:
            add_subscription(conn, client_id, 2, product="Sales Hub", edition=sales_edition)
        add_usage(conn, client_id, "2026-11-01", score=8, tools=6, users=10, points=points)
    alerts = fired(conn)
    assert set(alerts) == {"local:expansion_fit:no-sales", "local:expansion_fit:starter"}
    assert (
        "Sales 45 points with Sales Hub not owned"
        in (alerts["local:expansion_fit:no-sales"]["detail"])
    )
    assert "Sales Hub at Starter" in alerts["local:expansion_fit:starter"]["detail"]


def test_no_expansion_fit_for_a_client_at_risk(conn: sqlite3.Connection) -> None:
    points = {"Marketing": 20, "Sales": 45}
    add_client(conn, "falling", engagement=7)
    add_subscription(conn, "falling")
    add_usage(conn, "falling", "2026-10-01", score=10, tools=6, users=10, points=points)
    add_usage(conn, "falling", "2026-11-01", score=7, tools=6, users=10, points=points)
    assert set(fired(conn)) == {"local:engagement_risk:falling"}


def test_onboarding_stalled_on_overdue_milestones(conn: sqlite3.Connection) -> None:
    started = TODAY - timedelta(days=50)
    for client_id in ("stalled", "on-track", "older"):
        add_client(conn, client_id)
        begun = started if client_id != "older" else TODAY - timedelta(days=91)
        add_subscription(conn, client_id, start=begun, product="Sales Hub")
    # Sales Hub: pipeline by day 14, first deal closed by day 60.
    set_onboarding(conn, "stalled", [("Sales Hub", "deal pipeline set up", None)])
    set_onboarding(conn, "on-track", [("Sales Hub", "deal pipeline set up", "2026-10-10")])
    set_onboarding(conn, "older", [("Sales Hub", "deal pipeline set up", None)])
    alerts = fired(conn)
    assert set(alerts) == {"local:onboarding_stalled:stalled"}
    detail = alerts["local:onboarding_stalled:stalled"]["detail"]
    assert "has not reached Sales Hub: deal pipeline set up (day 14)" in detail
    assert "0 of 2 milestones done, no first value yet" in detail


def test_onboarding_stalled_falls_back_to_tools_without_milestones(
    conn: sqlite3.Connection,
) -> None:
    # A server that sends no milestones (onboarding NULL): fewer than 3 tools in 90 days.
    add_client(conn, "new", tools=2)
    add_subscription(conn, "new", start=TODAY - timedelta(days=90))
    add_client(conn, "older", tools=2)
    add_subscription(conn, "older", start=TODAY - timedelta(days=91))
    add_client(conn, "busy", tools=3)
    add_subscription(conn, "busy", start=TODAY - timedelta(days=10))
    alerts = fired(conn)
    assert set(alerts) == {"local:onboarding_stalled:new"}
    assert "reports no onboarding milestones" in alerts["local:onboarding_stalled:new"]["detail"]


def test_rules_on_one_client_and_concern_make_one_item(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1", engagement=2)
    add_trend(conn, "c1", scores=(7, 2), tools=(6, 2))
    alerts = fired(conn)
    assert set(alerts) == {"local:engagement_risk:c1"}
    detail = alerts["local:engagement_risk:c1"]["detail"].splitlines()
    assert [line.split(":")[0] for line in detail] == [
        "Rule engagement_drop",
        "Rule usage_decline",
        "Rule engagement_low",
    ]
    rule, severity, title = conn.execute("SELECT rule, severity, title FROM local_alert").fetchone()
    assert rule == "engagement_drop,usage_decline,engagement_low"
    assert severity == "critical"
    assert title == "Engagement fell from 7 to 2 at Client c1 (+2 more)"


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
        "local:engagement_risk:c1": {
            "status": "acknowledged",
            "values": {"engagement_low": {"score": 1}},
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
    assert status_of(conn, "local:engagement_risk:c1") == ("resolved", 1)
    conn.execute("UPDATE client SET engagement_score = 3")
    assert fired(conn)["local:engagement_risk:c1"]["status"] == "open"
    assert status_of(conn, "local:engagement_risk:c1") == ("open", 0)


def test_a_rule_joining_a_resolved_item_reopens_it(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1", engagement=2)
    fired(conn)
    conn.execute("UPDATE local_alert SET status = 'resolved'")
    assert fired(conn) == {}  # the same reason: stays resolved
    add_trend(conn, "c1", scores=(6, 2))
    assert fired(conn)["local:engagement_risk:c1"]["status"] == "open"


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
        ({"disabled": ["upsell"]}, "upsell was split into adoption_gap"),
        ({"upsell_max_tools_per_subscription": 1}, "replaced by adoption_gap_max_points"),
        ([1], "rules must be a table"),
    ],
)
def test_bad_thresholds_say_which_key(rules: object, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        rule_thresholds({"rules": rules})
