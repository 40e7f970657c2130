"""The synthetic portfolio: deterministic, wire-valid and realistically distributed."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from backend_helpers import TODAY

from backend import words
from backend.generator import PartnerData, figures_as_of, generate
from sync.wire import RESOURCE_MODELS, engagement_band


@pytest.fixture(scope="module")
def portfolio() -> PartnerData:
    return generate(2000, seed=11, today=TODAY)[0]


def test_same_arguments_give_identical_output() -> None:
    first = generate(150, seed=3, today=TODAY)
    second = generate(150, seed=3, today=TODAY)
    assert [p.records for p in first] == [p.records for p in second]


def test_another_seed_or_day_gives_other_data() -> None:
    base = generate(150, seed=3, today=TODAY)[0].records
    assert generate(150, seed=4, today=TODAY)[0].records["clients"] != base["clients"]
    later = generate(150, seed=3, today=TODAY + timedelta(days=1))[0].records
    assert later["renewals"] != base["renewals"]


def test_two_partners_a_big_and_a_small_one() -> None:
    big, small = generate(120, seed=1, today=TODAY)
    assert len(big.records["clients"]) == 120
    assert len(small.records["clients"]) == 12
    assert len(generate(20, seed=1, today=TODAY)[1].records["clients"]) == 5
    big_ids = {client["id"] for client in big.records["clients"]}
    assert big_ids.isdisjoint(client["id"] for client in small.records["clients"])
    assert big.name != small.name


def test_every_record_validates_against_its_wire_model() -> None:
    for portfolio in generate(300, seed=5, today=TODAY):
        for resource, model in RESOURCE_MODELS.items():
            records = portfolio.records[resource]
            assert records, resource
            for record in records:
                model.model_validate(record)
            ids = [record["id"] for record in records]
            assert len(ids) == len(set(ids)), f"duplicate ids in {resource}"


def test_mrr_is_right_skewed_with_the_documented_median_and_mean(portfolio: PartnerData) -> None:
    dollars = [client["mrr_cents"] / 100 for client in portfolio.records["clients"]]
    assert 220 <= statistics.median(dollars) <= 400
    assert 650 <= statistics.fmean(dollars) <= 1300
    assert max(dollars) >= 5_000
    assert all(isinstance(client["mrr_cents"], int) for client in portfolio.records["clients"])


def test_engagement_is_mostly_medium(portfolio: PartnerData) -> None:
    bands = Counter(engagement_band(c["engagement_score"]) for c in portfolio.records["clients"])
    assert bands.most_common(1)[0][0] == "Medium"
    assert bands["Medium"] / 2000 >= 0.5
    assert bands["Low"] and bands["High"]


def test_subscriptions_sum_to_client_mrr_and_pro_enterprise_are_annual(
    portfolio: PartnerData,
) -> None:
    by_client: dict[str, list[dict]] = {}
    for sub in portfolio.records["subscriptions"]:
        by_client.setdefault(sub["client_id"], []).append(sub)
        if sub["edition"] != "Starter":
            assert sub["term"] == "annual"
        if sub["term"] == "monthly":
            assert sub["billing_frequency"] == "monthly"
    terms = Counter(
        s["term"] for s in portfolio.records["subscriptions"] if s["edition"] == "Starter"
    )
    assert terms["monthly"] and terms["annual"]
    counts = [len(subs) for subs in by_client.values()]
    assert len(by_client) == 2000 and min(counts) >= 1 and max(counts) <= 5
    assert 2.5 <= statistics.fmean(counts) <= 3.5
    for client in portfolio.records["clients"]:
        assert sum(s["mrr_cents"] for s in by_client[client["id"]]) == client["mrr_cents"]


def test_one_renewal_per_client_within_a_year(portfolio: PartnerData) -> None:
    renewals = portfolio.records["renewals"]
    assert len({r["client_id"] for r in renewals}) == len(renewals) == 2000
    days = []
    for renewal in renewals:
        renewal_date = date.fromisoformat(renewal["renewal_date"])
        deadline = date.fromisoformat(renewal["decision_deadline"])
        assert deadline == renewal_date - timedelta(days=45)
        days.append((renewal_date - TODAY).days)
    assert min(days) >= 0 and max(days) <= 365
    assert 0.25 <= sum(day <= 120 for day in days) / len(days) <= 0.45
    statuses = Counter(r["status"] for r in renewals)
    assert statuses.most_common(1)[0][0] == "pending" and len(statuses) == 4
    assert {r["communication_owner"] for r in renewals} == {"partner", "hubspot"}
    assert any(r["mrr_change_cents"] > 0 for r in renewals)
    assert any(r["mrr_change_cents"] < 0 for r in renewals)


def test_a_few_clients_have_setup_issues_and_all_relationships_occur(
    portfolio: PartnerData,
) -> None:
    clients = portfolio.records["clients"]
    with_issues = [c for c in clients if c["setup_issues"]]
    assert 0.01 <= len(with_issues) / len(clients) <= 0.08
    allowed = {"configuration error", "permission gap", "broken workflow"}
    assert all(set(c["setup_issues"]) <= allowed for c in with_issues)
    assert {c["relationship"] for c in clients} == {"sourced", "assisted", "managed"}


def test_usage_has_ten_monthly_rows_per_client(portfolio: PartnerData) -> None:
    rows = portfolio.records["usage"]
    assert len(rows) == 10 * 2000
    periods = sorted({row["period"] for row in rows})
    assert len(periods) == 10 and periods[-1] == "2025-06-01" and periods[0] == "2024-09-01"
    for row in rows[:500]:
        assert sum(row["category_points"].values()) == row["engagement_score"] * 10
        assert len(row["category_points"]) == 5


def test_credit_events_sum_to_the_partner_points(portfolio: PartnerData) -> None:
    credits = portfolio.records["credits"]
    assert sum(event["points"] for event in credits) == portfolio.partner["points"]
    assert {event["kind"] for event in credits} == {"new", "increased", "expired", "decreased"}
    months = {date.fromisoformat(event["month"]) for event in credits}
    assert min(months) >= date(2024, 4, 1) and max(months) <= date(2025, 6, 1)
    for event in credits:
        positive = event["kind"] in ("new", "increased")
        assert (event["points"] >= 0) == positive or event["points"] == 0


def test_growth_market_doubles_points() -> None:
    big, small = generate(40, seed=2, today=TODAY)
    assert not big.partner["growth_market"] and small.partner["growth_market"]
    relationship = {c["id"]: c["relationship"] for c in small.records["clients"]}
    rate = {"sourced": 5, "assisted": 3, "managed": 1}
    for event in small.records["credits"]:
        if event["kind"] == "new":
            expected = event["mrr_basis_cents"] * rate[relationship[event["client_id"]]] * 2 + 5000
            assert event["points"] == expected // 10000


def test_partner_team_employees_and_alerts(portfolio: PartnerData) -> None:
    partner = portfolio.partner
    tools = [client["tools_in_use"] for client in portfolio.records["clients"]]
    assert partner["median_app_usage"] == statistics.median(tools)
    assert partner["figures_as_of"] == "2025-06-15T07:00:00Z"
    team = portfolio.records["team"]
    assert [contact["role"] for contact in team] == [
        "Partner Development Manager",
        "Channel Account Manager",
        "Channel Consultant",
    ]
    assert sum(c["phone"] is None for c in team) == 1
    assert sum(c["meeting_url"] is not None for c in team) == 1
    employees = portfolio.records["employees"]
    assert 4 <= len(employees) <= 8
    assert {e["archetype"] for e in employees} == {"implementer", "value_driver", "deal_closer"}
    renewals = {r["client_id"]: r for r in portfolio.records["renewals"]}
    alerts = portfolio.records["alerts"]
    assert alerts
    for alert in alerts:
        renewal = renewals[alert["client_id"]]
        assert alert["kind"] == "renewal_decision" and renewal["status"] == "pending"
        assert (date.fromisoformat(alert["due_date"]) - TODAY).days <= 45
    assert {a["severity"] for a in alerts} == {"info", "warning", "critical"}


def test_urls_point_at_hubspot(portfolio: PartnerData) -> None:
    client = portfolio.records["clients"][0]
    assert client["account_url"] == f"https://app.hubspot.com/home?portalId={client['hub_id']}"
    assert client["crm_url"].startswith("https://app.hubspot.com/contacts/")


def test_ten_thousand_clients_generate_quickly() -> None:
    """A coarse guard against accidentally quadratic generation, not a benchmark."""
    started = time.perf_counter()
    generate(10_000, seed=1, today=TODAY)
    assert time.perf_counter() - started < 15


def test_tools_are_named_for_the_owned_hubs(portfolio: PartnerData) -> None:
    hubs: dict[str, set[str]] = {}
    for sub in portfolio.records["subscriptions"]:
        hubs.setdefault(sub["client_id"], set()).add(sub["product"])
    for client in portfolio.records["clients"]:
        tools = client["tools"]
        assert len(tools) == client["tools_in_use"] == len(set(tools))
        allowed = set(words.COMMON_TOOLS)
        for hub in hubs[client["id"]]:
            allowed |= set(words.HUB_TOOLS[hub])
        assert set(tools) <= allowed


def test_new_clients_report_onboarding_milestones_and_some_stall(portfolio: PartnerData) -> None:
    starts: dict[str, list[tuple[str, date]]] = {}
    for sub in portfolio.records["subscriptions"]:
        starts.setdefault(sub["client_id"], []).append(
            (sub["product"], date.fromisoformat(sub["start_date"]))
        )
    tracked = stalled = 0
    for client in portfolio.records["clients"]:
        first = min(start for _, start in starts[client["id"]])
        milestones = client["onboarding"]
        if (TODAY - first).days > 120:
            assert milestones == []
            continue
        tracked += 1
        hub_start = dict(starts[client["id"]])
        expected = [(hub, name) for hub in hub_start for name in words.ONBOARDING_MILESTONES[hub]]
        assert [(m["hub"], m["milestone"]) for m in milestones] == expected
        for milestone in milestones:
            if milestone["done_on"] is not None:
                done = date.fromisoformat(milestone["done_on"])
                assert hub_start[milestone["hub"]] <= done <= TODAY
        if all(m["done_on"] is None for m in milestones[1::2]) and (TODAY - first).days > 60:
            stalled += 1
    assert tracked >= 100
    assert 0 < stalled < tracked


@pytest.mark.parametrize("hours_east", [-12, 0, 5, 14])
def test_tier_figures_are_never_ahead_of_the_generating_clock(hours_east: int) -> None:
    """The demo passes the local date: anywhere, at any time of that day, the stamp is past,
    and it is today's 07:00 UTC refresh as soon as that has happened."""
    zone = timezone(timedelta(hours=hours_east))
    for hour in range(24):
        local = datetime(2026, 12, 6, hour, 30, tzinfo=zone)
        stamp = datetime.fromisoformat(figures_as_of(local.date(), local))
        assert stamp <= local
        today_refresh = datetime(2026, 12, 6, 7, tzinfo=UTC)
        assert stamp == (
            today_refresh if today_refresh <= local else today_refresh - timedelta(days=1)
        )


def test_before_the_days_refresh_the_demo_shows_yesterdays_figures() -> None:
    early = datetime(2026, 12, 6, 6, 15, tzinfo=UTC)
    [big, _] = generate(5, seed=2, today=early.date(), now=early)
    assert big.partner["figures_as_of"] == "2026-12-05T07:00:00Z"
    [later, _] = generate(5, seed=2, today=early.date(), now=early + timedelta(hours=1))
    assert later.partner["figures_as_of"] == "2026-12-06T07:00:00Z"
