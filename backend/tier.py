"""Partner tier arithmetic shared by the generator and the world-moves fault.

Points per US$100 of MRR follow PRODUCT.md §2. The thresholds are this backend's own invention
(HubSpot does not publish a formula); they are in points of credit currently counted, and the
minimums are the points that must come from sourced and from managed clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

POINTS_PER_100_USD = {"sourced": 5, "assisted": 3, "managed": 1}


@dataclass(frozen=True)
class TierLevel:
    name: str
    threshold: int
    sourced_minimum: int
    managed_minimum: int


TIERS = (
    TierLevel("Partner", 0, 0, 0),
    TierLevel("Gold", 150, 40, 20),
    TierLevel("Platinum", 600, 150, 80),
    TierLevel("Diamond", 2500, 600, 300),
    TierLevel("Elite", 10000, 2500, 1200),
)


def credit_points(mrr_cents: int, relationship: str, growth_market: bool) -> int:
    """Whole points for an MRR amount, rounded half up in integer arithmetic (no floats)."""
    rate = POINTS_PER_100_USD[relationship] * (2 if growth_market else 1)
    return (mrr_cents * rate + 5000) // 10000


def tier_index(points: int) -> int:
    index = 0
    for position, level in enumerate(TIERS):
        if points >= level.threshold:
            index = position
    return index


def tier_fields(points: int, credited_lag: bool) -> dict[str, Any]:
    """The partner record's tier fields; `credited_lag` models the credited tier trailing a step."""
    performance = tier_index(points)
    credited = max(0, performance - 1) if credited_lag else performance
    upcoming = TIERS[performance + 1] if performance + 1 < len(TIERS) else None
    minimums = upcoming or TIERS[performance]
    return {
        "credited_tier": TIERS[credited].name,
        "performance_tier": TIERS[performance].name,
        "points": points,
        "points_to_next_tier": max(0, upcoming.threshold - points) if upcoming else 0,
        "next_tier": upcoming.name if upcoming else None,
        "sourced_minimum": minimums.sourced_minimum,
        "managed_minimum": minimums.managed_minimum,
    }
