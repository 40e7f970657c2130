"""Deterministic synthetic partner portfolios with realistic distributions (PRODUCT.md §6).

`generate(clients, seed, today)` returns the same output for the same arguments: every draw
comes from one `random.Random(seed)` (and child generators seeded from it), never from global
random state or the clock. One stamp looks at the clock (`now`, which tests can pass): the tier
figures are as of today's 07:00 UTC refresh once it has happened, else yesterday's, so they are
never ahead of the machine that generated them; for any past `today` that is always today's.
Records are plain wire-shaped dicts (ISO date strings, integer
cents, `version` 0 until a store assigns one); building dicts directly is what keeps 100,000
clients within seconds, so nothing here runs pydantic.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from backend import words
from backend.bulk import paused_gc
from backend.client_factory import ClientFactory, PortfolioContext
from backend.draw import Record, Records, empty_records
from backend.people import make_people
from backend.tier import tier_fields


@dataclass
class PartnerData:
    """One partner's portfolio: wire-shaped dicts per resource (keys of RESOURCE_MODELS)."""

    records: Records

    @property
    def partner(self) -> Record:
        return self.records["partner"][0]

    @property
    def name(self) -> str:
        return str(self.partner["name"])


REFRESH_AT = time(7, 0, tzinfo=UTC)
"""When the vendor refreshes the tier figures each day."""


def figures_as_of(today: date, now: datetime) -> str:
    """The vendor's latest daily refresh at `now`: today's, or yesterday's while today's is
    still ahead. Never ahead of `now`, even when `today` is a local date up to 14 h east of
    UTC (yesterday's 07:00 UTC is then at least 3 h past)."""
    refreshed = datetime.combine(today, REFRESH_AT)
    if refreshed > now:
        refreshed -= timedelta(days=1)
    return refreshed.strftime("%Y-%m-%dT%H:%M:%SZ")


def _partner(
    rng: random.Random, index: int, clients: int, today: date, now: datetime
) -> PartnerData:
    name = f"{rng.choice(words.PARTNER_FIRST_WORDS)} {rng.choice(words.PARTNER_LAST_WORDS)}"
    domain = name.lower().replace(" ", "") + ".com"
    hub_id = rng.randrange(1_000_000, 10_000_000)
    growth_market = index == 1  # the second partner exercises the growth-market doubling
    people = make_people(rng, domain)
    context = PortfolioContext(
        today=today,
        partner_hub_id=hub_id,
        growth_market=growth_market,
        employee_emails=tuple(employee["email"] for employee in people.employees),
        renewal_managers=people.renewal_managers,
    )
    records = empty_records()
    records["employees"] = people.employees
    records["team"] = people.team
    factory = ClientFactory(rng, context)
    # Ids are unique per partner; the prefix makes them unique across partners too, so a
    # scoping test can aim partner A's token at an id that only partner B has.
    prefix = "" if index == 0 else f"{index}-"
    for number, client_hub_id in enumerate(rng.sample(range(20_000_000, 100_000_000), clients)):
        factory.build(f"{prefix}{number:06d}", client_hub_id, records)
    points = sum(event["points"] for event in records["credits"])
    tools = [client["tools_in_use"] for client in records["clients"]]
    partner = {
        "id": f"p-{hub_id}",
        "version": 0,
        "name": name,
        **tier_fields(points, credited_lag=rng.random() < 0.3),
        "median_app_usage": float(statistics.median(tools)) if tools else 0.0,
        "certified": rng.random() < 0.8,
        "growth_market": growth_market,
        "figures_as_of": figures_as_of(today, now),
    }
    records["partner"] = [partner]
    return PartnerData(records)


def generate(
    clients: int, seed: int, today: date, now: datetime | None = None
) -> list[PartnerData]:
    """Two partners: the first with `clients` clients, the second with a small portfolio.
    `now` (default: the clock) only decides whether today's tier refresh has happened."""
    if clients < 0:
        raise ValueError("clients must be zero or more")
    rng = random.Random(seed)
    moment = now or datetime.now(UTC)
    sizes = (clients, max(5, clients // 10))
    # Each partner gets its own child generator so the small one does not depend on the big one.
    child_seeds = [rng.getrandbits(64) for _ in sizes]
    with paused_gc():
        return [
            _partner(random.Random(child_seed), index, size, today, moment)
            for index, (child_seed, size) in enumerate(zip(child_seeds, sizes, strict=True))
        ]
