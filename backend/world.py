"""The "world moves" fault: realistic changes applied before a pull, so incremental sync has
something to find. Each move is one of: an engagement score moves, a renewal's status
progresses, a client churns (deleted, leaving tombstones) or a new client is won.
"""

from __future__ import annotations

import random
import re
from typing import Any

from backend.client_factory import ClientFactory, PortfolioContext
from backend.draw import Record, Weighted, empty_records
from backend.store import PartnerStore
from backend.tier import tier_fields

_PARTNER_HUB = re.compile(r"/contacts/(\d+)/")
_FALLBACK_MANAGERS = ("HubSpot Renewals Team",)


def apply_world_moves(partner: PartnerStore, rng: random.Random, count: int) -> None:
    with partner.lock:
        for _ in range(count):
            _MOVES.pick(rng)(partner, rng)


def _move_engagement(partner: PartnerStore, rng: random.Random) -> None:
    client_id = partner.feeds["clients"].random_id(rng)
    if client_id is None:
        return
    client = partner.feeds["clients"].records[client_id]
    step = rng.choice((-3, -2, -1, 1, 2, 3))
    score = min(10, max(0, client["engagement_score"] + step))
    partner.update("clients", client_id, engagement_score=score)
    usage_ids = partner.feeds["usage"].ids_where("client_id", client_id)
    if not usage_ids:
        return
    usage = partner.feeds["usage"].records
    latest = max(usage_ids, key=lambda usage_id: usage[usage_id]["period"])
    old_points: dict[str, int] = usage[latest]["category_points"]
    old_total = sum(old_points.values()) or len(old_points) or 1
    total = score * 10
    points = {name: total * value // old_total for name, value in old_points.items()}
    if points:
        biggest = max(points, key=points.__getitem__)
        points[biggest] += total - sum(points.values())
    partner.update("usage", latest, engagement_score=score, category_points=points)


def _move_renewal(partner: PartnerStore, rng: random.Random) -> None:
    renewal_id = partner.feeds["renewals"].random_id(rng)
    if renewal_id is None:
        return
    renewal = partner.feeds["renewals"].records[renewal_id]
    status = renewal["status"]
    if status == "pending":
        status = "confirmed" if rng.random() < 0.75 else "cancellation_requested"
    elif status == "confirmed":
        status = "renewed"
    else:
        return
    changes: dict[str, Any] = {"status": status}
    if status == "cancellation_requested":
        changes["mrr_change_cents"] = -renewal["mrr_now_cents"]
        changes["renewal_subscription"] = "none (cancelling)"
    partner.update("renewals", renewal_id, **changes)
    # The vendor's decision alert is settled once the renewal is no longer pending.
    for alert_id in partner.feeds["alerts"].ids_where("client_id", renewal["client_id"]):
        alert = partner.feeds["alerts"].records[alert_id]
        if alert["kind"] == "renewal_decision" and alert["status"] != "resolved":
            partner.update("alerts", alert_id, status="resolved", snoozed_until=None)


def _move_churn(partner: PartnerStore, rng: random.Random) -> None:
    client_id = partner.feeds["clients"].random_id(rng)
    if client_id is None:
        return
    client = partner.feeds["clients"].records[client_id]
    credits = partner.feeds["credits"]
    event_ids = credits.ids_where("client_id", client_id)
    held = sum(credits.records[event_id]["points"] for event_id in event_ids)
    partner.delete_client(client_id)
    if held > 0:
        _add_credit(partner, client_id, "expired", -held, client["mrr_cents"])


def _move_win(partner: PartnerStore, rng: random.Random) -> None:
    out = empty_records()
    factory = ClientFactory(rng, _context(partner, rng))
    factory.build(f"w{partner.head + 1}", rng.randrange(100_000_000, 1_000_000_000), out)
    for resource in ("clients", "subscriptions", "renewals", "usage", "credits", "alerts", "notes"):
        for record in out[resource]:
            partner.put(resource, record)
    _adjust_points(partner, sum(event["points"] for event in out["credits"]))


def _context(partner: PartnerStore, rng: random.Random) -> PortfolioContext:
    employees = tuple(record["email"] for record in partner.records("employees"))
    renewals = partner.feeds["renewals"]
    managers = {
        renewals.records[renewal_id]["renewal_manager"]
        for renewal_id in (renewals.random_id(rng) for _ in range(8))
        if renewal_id is not None
    }
    hub_id = 0
    sample_client = partner.feeds["clients"].random_id(rng)
    if sample_client is not None:
        match = _PARTNER_HUB.search(partner.feeds["clients"].records[sample_client]["crm_url"])
        hub_id = int(match.group(1)) if match else 0
    return PortfolioContext(
        today=partner.today,
        partner_hub_id=hub_id,
        growth_market=bool(partner.partner["growth_market"]),
        employee_emails=employees,
        renewal_managers=tuple(sorted(managers)) or _FALLBACK_MANAGERS,
    )


def _add_credit(partner: PartnerStore, client_id: str, kind: str, points: int, basis: int) -> None:
    month = partner.today.replace(day=1).isoformat()
    record: Record = {
        "id": f"cr-{client_id}-{kind}-{partner.head + 1}",
        "version": 0,
        "client_id": client_id,
        "month": month,
        "kind": kind,
        "points": points,
        "mrr_basis_cents": basis,
    }
    partner.put("credits", record)
    _adjust_points(partner, points)


def _adjust_points(partner: PartnerStore, delta: int) -> None:
    if delta == 0:
        return
    current = partner.partner
    lagging = current["credited_tier"] != current["performance_tier"]
    fields = tier_fields(current["points"] + delta, credited_lag=lagging)
    partner.update("partner", current["id"], **fields)


_MOVES: Weighted = Weighted(
    (
        (_move_engagement, 45),
        (_move_renewal, 30),
        (_move_churn, 10),
        (_move_win, 15),
    )
)
