"""The health score: each component on crafted data, the bands, the weights from the config."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from crafted_cache import (
    TODAY,
    add_client,
    add_credit,
    add_renewal,
    add_subscription,
    add_trend,
    add_usage,
    new_cache,
    set_onboarding,
)

from local_store.health import (
    COMPONENTS,
    SettingsError,
    health_band,
    health_weights,
    refresh_health,
)


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    return new_cache(tmp_path)


def scored(conn: sqlite3.Connection, client_id: str, settings: dict | None = None):
    refresh_health(conn, settings or {}, TODAY)
    score, reasons = conn.execute(
        "SELECT health_score, health_reasons FROM client WHERE id = ?", (client_id,)
    ).fetchone()
    return score, json.loads(reasons)


def healthy(conn: sqlite3.Connection, client_id: str, **client: object) -> None:
    add_client(conn, client_id, **client)
    add_subscription(conn, client_id)
    add_renewal(conn, client_id, status="confirmed")


def test_a_client_with_no_risk_scores_100_with_no_reasons(conn: sqlite3.Connection) -> None:
    healthy(conn, "c1")
    add_trend(conn, "c1")
    assert scored(conn, "c1") == (100, [])


def test_engagement_fall_is_explained_with_both_scores(conn: sqlite3.Connection) -> None:
    healthy(conn, "c1", engagement=3)
    add_trend(conn, "c1", scores=(7, 3))
    score, reasons = scored(conn, "c1")
    # Level: (7 - 3) / 7 of 20 points; trend: a fall of 4 costs all 25 (one point is noise).
    assert reasons == [{"label": "engagement 3 (Low) and falling from 7 in 31 days", "points": -36}]
    assert score == 64


def test_medium_engagement_without_a_fall_costs_less(conn: sqlite3.Connection) -> None:
    healthy(conn, "c1", engagement=5)
    add_trend(conn, "c1", scores=(5, 5))
    assert scored(conn, "c1") == (94, [{"label": "engagement 5 (Medium)", "points": -6}])


def test_a_fall_weighs_more_than_a_level(conn: sqlite3.Connection) -> None:
    healthy(conn, "steady", engagement=4)
    add_trend(conn, "steady", scores=(4, 4))
    healthy(conn, "falling", engagement=7)
    add_trend(conn, "falling", scores=(10, 7))
    steady, falling = scored(conn, "steady"), scored(conn, "falling")
    assert falling[1] == [{"label": "engagement fell from 10 to 7 in 31 days", "points": -17}]
    assert falling[0] < steady[0] == 91


def test_low_engagement_alone_is_never_green(conn: sqlite3.Connection) -> None:
    healthy(conn, "c1", engagement=3)
    add_trend(conn, "c1", scores=(3, 3))
    score, reasons = scored(conn, "c1")
    assert reasons == [
        {"label": "Low engagement (3) keeps health out of green", "points": -14},
        {"label": "engagement 3 (Low)", "points": -11},
    ]
    assert (score, health_band(score)) == (75, "yellow")
    # Even when the config weighs engagement at almost nothing.
    light = {"health": {"weights": {"engagement": 0.1}}}
    assert health_band(scored(conn, "c1", light)[0]) == "yellow"


def test_breadth_of_use_counts_tools_per_hub(conn: sqlite3.Connection) -> None:
    healthy(conn, "c1", tools=3)
    add_subscription(conn, "c1", 2, product="Sales Hub")
    add_subscription(conn, "c1", 3, product="Service Hub")
    assert scored(conn, "c1") == (
        95,
        [{"label": "breadth of use: 3 tools for 3 hubs", "points": -5}],
    )


def test_activation_counts_overdue_milestones_in_the_first_90_days(
    conn: sqlite3.Connection,
) -> None:
    for client_id, age in (("new", 50), ("older", 120)):
        add_client(conn, client_id)
        add_subscription(conn, client_id, start=TODAY - timedelta(days=age), product="Sales Hub")
        add_renewal(conn, client_id, status="confirmed")
        set_onboarding(conn, client_id, [("Sales Hub", "deal pipeline set up", None)])
    assert scored(conn, "new") == (
        95,
        [
            {
                "label": "activation: 0 of 2 milestones after 50 days (1 overdue); "
                "no first value yet",
                "points": -5,
            }
        ],
    )
    assert scored(conn, "older") == (100, [])


def test_usage_halved_costs_the_whole_usage_weight(conn: sqlite3.Connection) -> None:
    healthy(conn, "c1")
    add_trend(conn, "c1", tools=(6, 3), users=(10, 9))
    score, reasons = scored(conn, "c1")
    assert reasons == [
        {
            "label": "tools in use fell from 6 to 3 and active users fell from 10 to 9 in 31 days",
            "points": -10,
        }
    ]
    assert score == 90


def test_a_usage_period_older_than_the_window_is_no_trend(conn: sqlite3.Connection) -> None:
    healthy(conn, "c1")
    add_usage(conn, "c1", "2026-09-01", score=8, tools=6, users=10)
    add_usage(conn, "c1", "2026-11-01", score=8, tools=2, users=10)
    assert scored(conn, "c1") == (100, [])


@pytest.mark.parametrize(
    ("status", "days", "expected"),
    [
        ("cancellation_requested", 40, -50),
        ("pending", -3, -8),
        ("pending", 30, -4),
        ("pending", 75, 0),
        ("confirmed", 5, 0),
    ],
)
def test_renewal_status_and_nearness(
    conn: sqlite3.Connection, status: str, days: int, expected: int
) -> None:
    add_client(conn, "c1")
    add_subscription(conn, "c1")
    add_renewal(conn, "c1", status=status, days_to_deadline=days)
    score, reasons = scored(conn, "c1")
    renewal_points = sum(
        r["points"] for r in reasons if "renewal" in r["label"] or "cancellation" in r["label"]
    )
    assert renewal_points == expected
    assert score == 100 + sum(r["points"] for r in reasons)


def test_mrr_forecast_drop_and_decreased_credit(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1")
    add_renewal(conn, "c1", status="confirmed", mrr_now_cents=40_000, mrr_change_cents=-20_000)
    add_client(conn, "c2")
    add_renewal(conn, "c2", status="confirmed")
    add_credit(conn, "c2", "2026-08-01", "decreased", -4)
    add_client(conn, "c3")
    add_credit(conn, "c3", "2025-08-01", "decreased", -4)  # older than six months
    assert scored(conn, "c1") == (
        93,
        [{"label": "renewal forecast −$200/mo (50% of MRR)", "points": -7}],
    )
    assert scored(conn, "c2") == (96, [{"label": "MRR decreased in 2026-08", "points": -4}])
    assert scored(conn, "c3") == (100, [])


def test_setup_issues_each_cost_half_the_weight(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1", setup_issues=("broken workflow",))
    add_client(conn, "c2", setup_issues=("broken workflow", "permission gap", "x"))
    assert scored(conn, "c1") == (96, [{"label": "setup issue: broken workflow", "points": -4}])
    assert scored(conn, "c2")[0] == 92


def test_weights_come_from_the_config(conn: sqlite3.Connection) -> None:
    add_client(conn, "c1", engagement=0, setup_issues=("permission gap",))
    others = {name: 0 for name in COMPONENTS if name not in ("engagement", "setup")}
    settings = {"health": {"weights": {"engagement": 1, **others}}}
    # engagement 1 and setup 8 (the default): engagement is 1/9 of the score.
    score, reasons = scored(conn, "c1", settings)
    assert reasons == [
        {"label": "setup issue: permission gap", "points": -44},
        {"label": "engagement 0 (Low)", "points": -11},
    ]
    assert score == 45
    assert health_band(score) == "red"


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "red"), (50, "red"), (51, "yellow"), (75, "yellow"), (76, "green"), (100, "green")],
)
def test_bands(score: int, band: str) -> None:
    assert health_band(score) == band


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"engagment": 3}, "health.weights.engagment: unknown component"),
        ({"usage": -1}, "health.weights.usage must be a number from 0 to 1000"),
        ({"usage": True}, "health.weights.usage must be a number from 0 to 1000"),
        ({"usage": "high"}, "health.weights.usage must be a number from 0 to 1000"),
        ({name: 0 for name in COMPONENTS}, "at least one weight must be above 0"),
        ("heavy", "health.weights must be a table"),
    ],
)
def test_bad_weights_say_which_key(weights: object, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        health_weights({"health": {"weights": weights}})


def test_every_client_is_scored_in_one_pass(conn: sqlite3.Connection) -> None:
    for number in range(50):
        add_client(conn, f"c{number}", engagement=number % 11)
    assert refresh_health(conn, {}, TODAY) == 50
    unscored = conn.execute("SELECT count(*) FROM client WHERE health_score IS NULL").fetchone()
    assert unscored[0] == 0
