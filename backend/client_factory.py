"""One client and everything that hangs off it: subscriptions, renewal, usage, credit events,
the vendor's renewal-decision alert and the odd note. Used by the generator and by the
world-moves fault (a newly won client).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

from backend import words
from backend.draw import Record, Records, Weighted, between, one_of
from backend.tier import credit_points

MRR_MEDIAN_USD = 300.0
MRR_SIGMA = 1.48  # with the median above this puts the mean near $900/month
MRR_MIN_CENTS = 2_000
MRR_MAX_CENTS = 6_000_000
USAGE_MONTHS = 10
CREDIT_MONTHS = 15
DECISION_LEAD_DAYS = 45
ALERT_HORIZON_DAYS = 45
ONBOARDING_TRACKED_DAYS = 120
"""Clients younger than this carry their onboarding milestones."""
ONBOARDING_STALLED_SHARE = 0.3
"""New clients whose onboarding stops after the first step: what `onboarding_stalled` finds."""
MILESTONE_DAYS = (14, 45)
"""When each hub's setup and first-value milestones are typically reached."""


@dataclass(frozen=True)
class PortfolioContext:
    """What a client's records need to know about its partner."""

    today: date
    partner_hub_id: int
    growth_market: bool
    employee_emails: tuple[str, ...]
    renewal_managers: tuple[str, ...]


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


_INDUSTRIES = Weighted(words.INDUSTRIES)
_COUNTRIES = Weighted(words.COUNTRIES)
_RELATIONSHIPS = Weighted(words.RELATIONSHIPS)
_PRODUCTS = Weighted(words.PRODUCT_WEIGHTS)
_DOMAIN_ENDINGS = Weighted(words.DOMAIN_ENDINGS)
_SUBSCRIPTION_COUNTS = Weighted(((1, 10), (2, 22), (3, 33), (4, 20), (5, 15)))
_CUSTOMER_YEARS = Weighted(((0, 22), (1, 28), (2, 22), (3, 16), (4, 12)))
_BANDS = Weighted(((range(0, 4), 20), (range(4, 7), 62), (range(7, 11), 18)))
_ANNUAL_BILLING = Weighted((("monthly", 45), ("quarterly", 20), ("annual", 35)))
# Renewal status by closeness: decided ones cluster near the renewal date.
_STATUS_PAST_DEADLINE = Weighted(
    (("pending", 45), ("confirmed", 30), ("cancellation_requested", 15), ("renewed", 10))
)
_STATUS_PAST_DEADLINE_EARLY = Weighted(
    (("pending", 45), ("confirmed", 30), ("cancellation_requested", 15))
)
_STATUS_IN_WINDOW = Weighted((("pending", 75), ("confirmed", 15), ("cancellation_requested", 10)))
_STATUS_LATER = Weighted((("pending", 92), ("confirmed", 6), ("cancellation_requested", 2)))
_CONTACT_TIERS = {
    "Starter": (1_000, 2_000),
    "Professional": (2_000, 5_000, 10_000),
    "Enterprise": (10_000, 25_000, 50_000),
}
_EMAIL_MULTIPLIER = {"Starter": 5, "Professional": 10, "Enterprise": 20}
_EDITION_RANK = {"Starter": 0, "Professional": 1, "Enterprise": 2}
_EDITIONS = ("Starter", "Professional", "Enterprise")
_MONTH_SUFFIXES = [f"{month:02d}" for month in range(USAGE_MONTHS)]
_CATEGORY_FOR_PRODUCT = {"Marketing Hub": 0, "Sales Hub": 1, "Service Hub": 2}


class ClientFactory:
    """Builds one client and all its dependent records; also used by the world-moves fault."""

    def __init__(self, rng: random.Random, context: PortfolioContext) -> None:
        self.rng = rng
        self.context = context
        self.today_ordinal = context.today.toordinal()
        self.this_month = month_index(context.today)
        self.periods = [
            month_start(self.this_month - back).isoformat() for back in range(USAGE_MONTHS)
        ][::-1]
        self.used_domains: set[str] = set()
        # The tool names and onboarding milestones draw from their own generator, so adding
        # them left every other draw (and so every portfolio generated before) unchanged.
        self.detail_rng = random.Random(context.partner_hub_id)
        self._iso_cache: dict[int, str] = {}
        self._month_iso = {
            index: month_start(index).isoformat()
            for index in range(self.this_month - 30, self.this_month + 1)
        }

    def iso(self, ordinal: int) -> str:
        text = self._iso_cache.get(ordinal)
        if text is None:
            text = self._iso_cache[ordinal] = date.fromordinal(ordinal).isoformat()
        return text

    def build(self, key: str, hub_id: int, out: Records, won_today: bool = False) -> Record:
        """Append the client `c-<key>` and its dependents to `out`; return the client dict."""
        rng = self.rng
        client_id = f"c-{key}"
        mrr_cents = int(rng.lognormvariate(math.log(MRR_MEDIAN_USD), MRR_SIGMA) * 100)
        mrr_cents = min(max(mrr_cents, MRR_MIN_CENTS), MRR_MAX_CENTS)
        relationship = _RELATIONSHIPS.pick(rng)
        renewal_ordinal = self.today_ordinal + (365 if won_today else between(rng, 0, 366))
        years = 0 if won_today else _CUSTOMER_YEARS.pick(rng)
        first_purchase = self.today_ordinal if won_today else renewal_ordinal - 365 * (years + 1)

        subscriptions, starts = self._subscriptions(
            client_id, key, mrr_cents, first_purchase, renewal_ordinal, won_today
        )
        out["subscriptions"].extend(subscriptions)
        scores = self._engagement_history(1 if won_today else USAGE_MONTHS)
        tools, users = self._usage(client_id, key, subscriptions, mrr_cents, scores, out)
        client = self._client(client_id, hub_id, mrr_cents, relationship, subscriptions)
        client.update(
            engagement_score=scores[-1],
            tools_in_use=tools,
            active_users=users,
            tools=self._tool_names(subscriptions, tools),
            onboarding=self._onboarding(subscriptions, first_purchase),
        )
        out["clients"].append(client)
        self._credits(client_id, key, relationship, subscriptions, starts, first_purchase, out)
        renewal = self._renewal(client_id, key, mrr_cents, subscriptions, renewal_ordinal)
        out["renewals"].append(renewal)
        self._alert(client, renewal, key, out)
        if rng.random() < 0.02:
            out["notes"].append(self._note(f"n-{key}", client_id))
        return client

    def _employee(self, share: float) -> str | None:
        """An employee's email for `share` of the draws; None when the partner has none."""
        employees = self.context.employee_emails
        if not employees or self.rng.random() >= share:
            return None
        return one_of(self.rng, employees)

    def _company(self) -> tuple[str, str]:
        rng = self.rng
        prefix = one_of(rng, words.COMPANY_PREFIXES)
        noun = one_of(rng, words.COMPANY_NOUNS)
        suffix = one_of(rng, words.COMPANY_SUFFIXES)
        slug = (prefix + noun + suffix.split()[0]).lower()
        ending = _DOMAIN_ENDINGS.pick(rng)
        domain = slug + ending
        number = 2
        while domain in self.used_domains:  # same name, another company: real portfolios have these
            domain = f"{slug}{number}{ending}"
            number += 1
        self.used_domains.add(domain)
        return f"{prefix} {noun} {suffix}", domain

    def _client(
        self,
        client_id: str,
        hub_id: int,
        mrr_cents: int,
        relationship: str,
        subscriptions: list[Record],
    ) -> Record:
        rng = self.rng
        name, domain = self._company()
        top_edition = max((sub["edition"] for sub in subscriptions), key=_EDITION_RANK.__getitem__)
        contacts = one_of(rng, _CONTACT_TIERS[top_edition])
        issues: list[str] = []
        if rng.random() < 0.04:
            issues = rng.sample(words.SETUP_ISSUES, 1 if rng.random() < 0.75 else 2)
        return {
            "id": client_id,
            "version": 0,
            "hub_id": hub_id,
            "name": name,
            "domain": domain,
            "industry": _INDUSTRIES.pick(rng),
            "country": _COUNTRIES.pick(rng),
            "relationship": relationship,
            "mrr_cents": mrr_cents,
            "contact_tier": f"{contacts:,} marketing contacts",
            "email_tier": f"{_EMAIL_MULTIPLIER[top_edition]}x contact tier",
            "engagement_score": 0,
            "tools_in_use": 0,
            "active_users": 0,
            "apps_in_use": rng.sample(words.APPS, between(rng, 0, 7)),
            "setup_issues": issues,
            "owner_email": self._employee(0.85),
            "crm_url": (
                f"https://app.hubspot.com/contacts/{self.context.partner_hub_id}"
                f"/company/{between(rng, 10**9, 10**10)}"
            ),
            "account_url": f"https://app.hubspot.com/home?portalId={hub_id}",
            "services_status": "active",
        }

    def _subscriptions(
        self,
        client_id: str,
        key: str,
        mrr_cents: int,
        first_purchase: int,
        renewal_ordinal: int,
        won_today: bool,
    ) -> tuple[list[Record], list[int]]:
        """The client's hubs, with their start dates as ordinals for the credit events."""
        rng = self.rng
        count = _SUBSCRIPTION_COUNTS.pick(rng)
        if mrr_cents < 6_000:
            count = min(count, 2)  # a $40 client does not own five hubs
        products: list[str] = []
        while len(products) < count:
            product = _PRODUCTS.pick(rng)
            if product not in products:
                products.append(product)
        weights = [rng.random() + 0.3 for _ in products]
        total_weight = sum(weights)
        shares = [int(mrr_cents * weight / total_weight) for weight in weights]
        shares[0] += mrr_cents - sum(shares)  # the first hub absorbs rounding so cents add up
        subscriptions: list[Record] = []
        starts: list[int] = []
        for number, (product, share) in enumerate(zip(products, shares, strict=True), start=1):
            edition = self._edition(share)
            term = "monthly" if edition == "Starter" and rng.random() < 0.55 else "annual"
            billing = "monthly" if term == "monthly" else _ANNUAL_BILLING.pick(rng)
            add_on = number > 1 and not won_today and rng.random() < 0.5
            start = (
                between(rng, first_purchase, self.today_ordinal + 1) if add_on else first_purchase
            )
            if term == "annual":
                renews = renewal_ordinal
            else:
                renews = self.today_ordinal + 1 + (start - self.today_ordinal - 1) % 30
            starts.append(start)
            subscriptions.append(
                {
                    "id": f"s-{key}-{number}",
                    "version": 0,
                    "client_id": client_id,
                    "product": product,
                    "edition": edition,
                    "term": term,
                    "billing_frequency": billing,
                    "mrr_cents": share,
                    "start_date": self.iso(start),
                    "renewal_date": self.iso(renews),
                }
            )
        return subscriptions, starts

    def _tool_names(self, subscriptions: list[Record], count: int) -> list[str]:
        """`count` HubSpot tools, those of the owned hubs first."""
        owned = [tool for sub in subscriptions for tool in words.HUB_TOOLS[sub["product"]]]
        rng = self.detail_rng
        picked = rng.sample(owned, min(count, len(owned)))
        if count > len(picked):
            picked += rng.sample(words.COMMON_TOOLS, min(count - len(picked), 7))
        return picked

    def _onboarding(self, subscriptions: list[Record], first_purchase: int) -> list[Record]:
        """Milestones per owned hub for a client in its first months; [] for older clients."""
        age = self.today_ordinal - first_purchase
        if age > ONBOARDING_TRACKED_DAYS:
            return []
        rng = self.detail_rng
        stalled = rng.random() < ONBOARDING_STALLED_SHARE
        milestones: list[Record] = []
        for sub in subscriptions:
            product = sub["product"]
            reached = date.fromisoformat(sub["start_date"]).toordinal()
            for step, (name, typical) in enumerate(
                zip(words.ONBOARDING_MILESTONES[product], MILESTONE_DAYS, strict=True)
            ):
                reached += between(rng, typical // 3, typical + typical // 4)
                done = reached <= self.today_ordinal and not (stalled and step > 0)
                milestones.append(
                    {
                        "hub": product,
                        "milestone": name,
                        "done_on": self.iso(reached) if done else None,
                    }
                )
                if not done:
                    reached = self.today_ordinal + 1  # nothing after a step not yet done
        return milestones

    def _edition(self, share_cents: int) -> str:
        draw = self.rng.random()
        if share_cents < 4_000:
            return "Starter"
        if share_cents < 40_000:
            return "Starter" if draw < 0.35 else "Professional"
        if share_cents < 120_000:
            return "Professional" if draw < 0.8 else "Enterprise"
        return "Enterprise" if draw < 0.65 else "Professional"

    def _engagement_history(self, months: int) -> list[int]:
        """Scores oldest first; drawn backwards from the current band so most end up Medium."""
        rng = self.rng
        dropped = months > 3 and rng.random() < 0.05
        current = one_of(rng, range(1, 6) if dropped else _BANDS.pick(rng))
        scores = [current]
        score = current
        draw = rng.random
        for back in range(1, months):
            if dropped and back == 2:
                score = min(10, current + 3 + between(rng, 0, 3))  # "fell from 7 to 3"
            else:
                step = draw()
                score = min(10, max(0, score - (step < 0.2) + (step > 0.8)))
            scores.append(score)
        return scores[::-1]

    def _usage(
        self,
        client_id: str,
        key: str,
        subscriptions: list[Record],
        mrr_cents: int,
        scores: list[int],
        out: Records,
    ) -> tuple[int, int]:
        """Append monthly usage rows; return the latest tools in use and active users."""
        rng = self.rng
        weights = [rng.random() + 0.2 for _ in words.ENGAGEMENT_CATEGORIES]
        for sub in subscriptions:
            category = _CATEGORY_FOR_PRODUCT.get(sub["product"])
            if category is not None:
                weights[category] += 1.0
        total_weight = sum(weights)
        fractions = [weight / total_weight for weight in weights]
        biggest = fractions.index(max(fractions))
        base_tools = min(25, max(1, 1 + len(subscriptions) + scores[-1] // 3 + between(rng, -1, 3)))
        base_users = max(1, round(mrr_cents / 4_000 * rng.lognormvariate(0, 0.35)))
        periods = self.periods[-len(scores) :]
        rows = out["usage"]
        categories = words.ENGAGEMENT_CATEGORIES
        draw = rng.random
        # Rows with the same score share one category dict: records are never mutated in
        # place (stores replace them), and sharing saves a million small dicts at 100k clients.
        split_by_score: dict[int, dict[str, int]] = {}
        tools = users = 0
        for month, (period, score) in enumerate(zip(periods, scores, strict=True)):
            split = split_by_score.get(score)
            if split is None:
                total = score * 10
                points = [int(total * fraction) for fraction in fractions]
                points[biggest] += total - sum(points)
                split = split_by_score[score] = dict(zip(categories, points, strict=True))
            drift = draw()
            tools = base_tools + (drift > 0.8) - (drift < 0.2 and base_tools > 1)
            users = int(base_users * (0.9 + 0.2 * draw()) + 0.5)  # stays >= 1 as base_users >= 1
            rows.append(
                {
                    "id": f"u-{key}-{_MONTH_SUFFIXES[month]}",
                    "version": 0,
                    "client_id": client_id,
                    "period": period,
                    "tools_in_use": tools,
                    "active_users": users,
                    "engagement_score": score,
                    "category_points": split,
                }
            )
        return tools, users

    def _credits(
        self,
        client_id: str,
        key: str,
        relationship: str,
        subscriptions: list[Record],
        starts: list[int],
        first_purchase: int,
        out: Records,
    ) -> None:
        """Credit events inside the window; each purchase's credit expires 12 months later.

        Only purchases made inside the window appear, with their expiry when it falls inside
        too, so the events always sum to the credit currently counted.
        """
        rng = self.rng
        growth = self.context.growth_market
        window_start = self.this_month - CREDIT_MONTHS + 1
        events: list[tuple[int, str, int, int]] = []
        for sub, start in zip(subscriptions, starts, strict=True):
            bought = month_index(date.fromordinal(start))
            if bought < window_start:
                continue
            initial = start == first_purchase
            points = credit_points(sub["mrr_cents"], relationship, growth)
            events.append((bought, "new" if initial else "increased", points, sub["mrr_cents"]))
            if bought + 12 <= self.this_month:
                events.append((bought + 12, "expired", -points, sub["mrr_cents"]))
        if rng.random() < 0.04:
            lowered = sum(sub["mrr_cents"] for sub in subscriptions) * between(rng, 10, 31) // 100
            month = rng.randrange(max(window_start, month_index(date.fromordinal(first_purchase))),
                                  self.this_month + 1)  # fmt: skip
            events.append(
                (month, "decreased", -credit_points(lowered, relationship, growth), lowered)
            )
        for number, (month, kind, points, basis) in enumerate(sorted(events), start=1):
            out["credits"].append(
                {
                    "id": f"cr-{key}-{number}",
                    "version": 0,
                    "client_id": client_id,
                    "month": self._month_iso[month],
                    "kind": kind,
                    "points": points,
                    "mrr_basis_cents": basis,
                }
            )

    def _renewal(
        self,
        client_id: str,
        key: str,
        mrr_cents: int,
        subscriptions: list[Record],
        renewal_ordinal: int,
    ) -> Record:
        rng = self.rng
        days_left = renewal_ordinal - self.today_ordinal
        if days_left <= 20:
            status = _STATUS_PAST_DEADLINE.pick(rng)
        elif days_left <= DECISION_LEAD_DAYS:
            status = _STATUS_PAST_DEADLINE_EARLY.pick(rng)
        elif days_left <= 120:
            status = _STATUS_IN_WINDOW.pick(rng)
        else:
            status = _STATUS_LATER.pick(rng)
        renewing = [sub for sub in subscriptions if sub["term"] == "annual"] or subscriptions
        current = [(sub["product"], sub["edition"], sub["term"]) for sub in renewing]
        change, upcoming = self._renewal_forecast(status, mrr_cents, current)
        return {
            "id": f"r-{key}",
            "version": 0,
            "client_id": client_id,
            "renewal_date": self.iso(renewal_ordinal),
            "decision_deadline": self.iso(renewal_ordinal - DECISION_LEAD_DAYS),
            "status": status,
            "communication_owner": "partner" if rng.random() < 0.6 else "hubspot",
            "renewal_manager": one_of(rng, self.context.renewal_managers),
            "products": [f"{product} {edition}" for product, edition, _ in current],
            "current_subscription": describe(current),
            "renewal_subscription": describe(upcoming) if upcoming else "none (cancelling)",
            "mrr_now_cents": mrr_cents,
            "mrr_change_cents": change,
            "last_active_employee": self._employee(0.85),
        }

    def _renewal_forecast(
        self, status: str, mrr_cents: int, current: list[tuple[str, str, str]]
    ) -> tuple[int, list[tuple[str, str, str]]]:
        """MRR change and the renewal subscription: an upgrade, a downgrade or the same."""
        rng = self.rng
        if status == "cancellation_requested":
            return -mrr_cents, []
        draw = rng.random()
        upcoming = list(current)
        position = rng.randrange(len(current))
        product, edition, _ = current[position]
        rank = _EDITION_RANK[edition]
        if draw < 0.25 and rank < 2:
            upcoming[position] = (product, _EDITIONS[rank + 1], "annual")
            return mrr_cents * between(rng, 5, 41) // 100, upcoming
        if draw < 0.40:
            if len(current) > 1:
                del upcoming[position]
            elif rank > 0:
                upcoming[position] = (product, _EDITIONS[rank - 1], "annual")
            return -(mrr_cents * between(rng, 5, 31) // 100), upcoming
        return 0, upcoming

    def _alert(self, client: Record, renewal: Record, key: str, out: Records) -> None:
        """The vendor's renewal-decision alert: pending renewals whose deadline is near."""
        if renewal["status"] != "pending":
            return
        deadline = date.fromisoformat(renewal["decision_deadline"]).toordinal()
        days_to_deadline = deadline - self.today_ordinal
        if days_to_deadline > ALERT_HORIZON_DAYS:
            return
        rng = self.rng
        if days_to_deadline <= 7:
            severity = "critical"
        elif days_to_deadline <= 21:
            severity = "warning"
        else:
            severity = "info"
        raised = min(self.today_ordinal, deadline - ALERT_HORIZON_DAYS)
        draw = rng.random()
        status = "open" if draw < 0.85 else "acknowledged" if draw < 0.95 else "snoozed"
        snoozed_until = (
            self.iso(self.today_ordinal + between(rng, 1, 8)) if status == "snoozed" else None
        )
        overdue = days_to_deadline < 0
        out["alerts"].append(
            {
                "id": f"a-{key}",
                "version": 0,
                "client_id": client["id"],
                "kind": "renewal_decision",
                "severity": severity,
                "title": f"Renewal decision {'overdue' if overdue else 'due'} for {client['name']}",
                "detail": (
                    f"{', '.join(renewal['products'])} renew on {renewal['renewal_date']}; "
                    f"decision deadline {renewal['decision_deadline']}; "
                    f"MRR ${client['mrr_cents'] / 100:,.2f}"
                ),
                "raised_at": f"{self.iso(raised)}T07:00:00Z",
                "due_date": renewal["decision_deadline"],
                "status": status,
                "assignee": client["owner_email"] if rng.random() < 0.7 else None,
                "snoozed_until": snoozed_until,
            }
        )

    def _note(self, note_id: str, client_id: str) -> Record:
        rng = self.rng
        written = self.today_ordinal - between(rng, 1, 60)
        return {
            "id": note_id,
            "version": 0,
            "target_type": "client",
            "target_id": client_id,
            "author": self._employee(1.0) or "unknown",
            "text": one_of(rng, words.NOTE_TEMPLATES),
            "created_at": (
                f"{self.iso(written)}T{between(rng, 8, 18):02d}:{between(rng, 0, 60):02d}:00Z"
            ),
        }


def describe(subscriptions: list[tuple[str, str, str]]) -> str:
    """ "Marketing Hub Professional, annual; Sales Hub Starter, monthly"."""
    return "; ".join(f"{product} {edition}, {term}" for product, edition, term in subscriptions)
