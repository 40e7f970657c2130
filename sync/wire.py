"""The wire contract between the reference backend and the console's sync.

These pydantic models are the only code the backend shares with `sync`. Every record on the
wire carries `id` (a string, stable per partner) and `version` (the server's change sequence
number when the record last changed). Money is integer cents; dates are ISO dates; timestamps
are UTC ISO 8601.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

API_PREFIX = "/v1"
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 5000


class Tier(StrEnum):
    PARTNER = "Partner"
    GOLD = "Gold"
    PLATINUM = "Platinum"
    DIAMOND = "Diamond"
    ELITE = "Elite"


class Relationship(StrEnum):
    SOURCED = "sourced"
    ASSISTED = "assisted"
    MANAGED = "managed"


class EngagementBand(StrEnum):
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"


class ServicesStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class Product(StrEnum):
    MARKETING = "Marketing Hub"
    SALES = "Sales Hub"
    SERVICE = "Service Hub"
    CONTENT = "Content Hub"
    OPERATIONS = "Operations Hub"
    COMMERCE = "Commerce Hub"


class Edition(StrEnum):
    STARTER = "Starter"
    PROFESSIONAL = "Professional"
    ENTERPRISE = "Enterprise"


class Term(StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"


class BillingFrequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


class RenewalStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    RENEWED = "renewed"
    CANCELLATION_REQUESTED = "cancellation_requested"


class CommunicationOwner(StrEnum):
    PARTNER = "partner"
    HUBSPOT = "hubspot"


class CreditKind(StrEnum):
    NEW = "new"
    INCREASED = "increased"
    EXPIRED = "expired"
    DECREASED = "decreased"


class Archetype(StrEnum):
    IMPLEMENTER = "implementer"
    VALUE_DRIVER = "value_driver"
    DEAL_CLOSER = "deal_closer"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


def engagement_band(score: int) -> EngagementBand:
    """Low 0–3, Medium 4–6, High 7–10 (PRODUCT.md §2)."""
    if score <= 3:
        return EngagementBand.LOW
    if score <= 6:
        return EngagementBand.MEDIUM
    return EngagementBand.HIGH


class WireRecord(BaseModel):
    """Fields every synced record has. Unknown fields are ignored so old consoles keep working."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Annotated[str, Field(min_length=1, max_length=64)]
    version: Annotated[int, Field(ge=0)]


class Partner(WireRecord):
    name: str
    credited_tier: Tier
    performance_tier: Tier
    points: int
    points_to_next_tier: int
    next_tier: Tier | None
    sourced_minimum: int
    managed_minimum: int
    median_app_usage: float
    certified: bool
    growth_market: bool
    figures_as_of: datetime


class OnboardingMilestone(BaseModel):
    """One step of a new client's onboarding on one owned hub, done on a date or not yet."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    hub: str
    milestone: str
    done_on: date | None = None


class Client(WireRecord):
    hub_id: int
    name: str
    domain: str
    industry: str
    country: str
    relationship: Relationship
    mrr_cents: Annotated[int, Field(ge=0)]
    contact_tier: str
    email_tier: str
    engagement_score: Annotated[int, Field(ge=0, le=10)]
    tools_in_use: Annotated[int, Field(ge=0)]
    active_users: Annotated[int, Field(ge=0)]
    apps_in_use: list[str]
    setup_issues: list[str]
    owner_email: str | None
    crm_url: str
    account_url: str
    services_status: ServicesStatus
    # Optional so a server from before them still validates: None means "not provided".
    tools: list[str] | None = None
    """The HubSpot tools in use, by name (`tools_in_use` counts them)."""
    onboarding: list[OnboardingMilestone] | None = None
    """Onboarding milestones per owned hub, for clients in their first months."""


class Subscription(WireRecord):
    client_id: str
    product: Product
    edition: Edition
    term: Term
    billing_frequency: BillingFrequency
    mrr_cents: Annotated[int, Field(ge=0)]
    start_date: date
    renewal_date: date


class Renewal(WireRecord):
    client_id: str
    renewal_date: date
    decision_deadline: date
    status: RenewalStatus
    communication_owner: CommunicationOwner
    renewal_manager: str
    products: list[str]
    current_subscription: str
    renewal_subscription: str
    mrr_now_cents: Annotated[int, Field(ge=0)]
    mrr_change_cents: int
    last_active_employee: str | None


class Usage(WireRecord):
    """One client's usage and engagement for one month (`period` is the first of the month)."""

    client_id: str
    period: date
    tools_in_use: Annotated[int, Field(ge=0)]
    active_users: Annotated[int, Field(ge=0)]
    engagement_score: Annotated[int, Field(ge=0, le=10)]
    category_points: dict[str, int]


class CreditEvent(WireRecord):
    client_id: str
    month: date
    kind: CreditKind
    points: int
    mrr_basis_cents: int


class TeamContact(WireRecord):
    role: str
    name: str
    email: str
    description: str
    phone: str | None = None
    meeting_url: str | None = None


class Employee(WireRecord):
    name: str
    email: str
    archetype: Archetype


class Alert(WireRecord):
    client_id: str | None
    kind: str
    severity: Severity
    title: str
    detail: str
    raised_at: datetime
    due_date: date | None
    status: AlertStatus
    assignee: str | None
    snoozed_until: date | None = None


class Note(WireRecord):
    target_type: Literal["client", "alert"]
    target_id: str
    author: str
    text: str
    created_at: datetime


RESOURCE_MODELS: dict[str, type[WireRecord]] = {
    "partner": Partner,
    "employees": Employee,
    "team": TeamContact,
    "clients": Client,
    "subscriptions": Subscription,
    "renewals": Renewal,
    "usage": Usage,
    "credits": CreditEvent,
    "alerts": Alert,
    "notes": Note,
}
"""Every resource the console pulls, in pull order (parents before children)."""


class ChangePage(BaseModel):
    """One page of a resource's change feed: `GET /v1/changes/{resource}?since=TOKEN&limit=N`.

    `items` are raw dicts so one malformed record can be set aside without losing the page.
    `deleted` lists ids removed since `since`. `next` is the token to send next time; it is
    opaque to the console. When `has_more` is false the feed is drained up to `next`.
    """

    items: list[dict[str, Any]]
    deleted: list[str]
    next: str
    has_more: bool


class ActionKind(StrEnum):
    END_SERVICES = "end_services"
    SET_RENEWAL_OWNER = "set_renewal_owner"
    ASSIGN_OWNER = "assign_owner"
    ADD_NOTE = "add_note"
    ACK_ALERT = "ack_alert"
    SNOOZE_ALERT = "snooze_alert"
    ASSIGN_ALERT = "assign_alert"
    RESOLVE_ALERT = "resolve_alert"


class Action(BaseModel):
    """An intent the console pushes (`POST /v1/actions`), applied at most once per key."""

    key: str
    kind: ActionKind
    target_id: str
    payload: dict[str, Any] = {}
    base_version: int | None = None


class ActionOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    CONFLICT = "conflict"


class ActionResult(BaseModel):
    key: str
    outcome: ActionOutcome
    reason: str | None = None
    current: dict[str, Any] | None = None


class ActionBatch(BaseModel):
    actions: list[Action]


class ActionResults(BaseModel):
    results: list[ActionResult]


class ApiError(BaseModel):
    """Body of every non-2xx answer."""

    error: str
    message: str
