"""The cache's tables, one per entity of PRODUCT.md §3.

These SQLModel classes are where the schema is defined and read, typed. The app runs on the
plain SQL generated from them (`schema.py`, by `python -m local_store.schema_gen`, kept equal by
a test), because importing SQLModel costs more than a whole Textual app needs to paint.

Synced tables keep the server's `id` as primary key and `version` (the server's change
sequence). List and dict fields from the wire are stored as JSON text. Money is integer cents.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel


class PartnerRow(SQLModel, table=True):
    __tablename__ = "partner"

    id: str = Field(primary_key=True)
    version: int
    name: str
    credited_tier: str
    performance_tier: str
    points: int
    points_to_next_tier: int
    next_tier: str | None
    sourced_minimum: int
    managed_minimum: int
    median_app_usage: float
    certified: bool
    growth_market: bool
    figures_as_of: datetime


class EmployeeRow(SQLModel, table=True):
    __tablename__ = "employee"

    id: str = Field(primary_key=True)
    version: int
    name: str
    email: str = Field(index=True)
    archetype: str


class TeamContactRow(SQLModel, table=True):
    __tablename__ = "team_contact"

    id: str = Field(primary_key=True)
    version: int
    role: str
    name: str
    email: str
    description: str
    phone: str | None
    meeting_url: str | None


class ClientRow(SQLModel, table=True):
    __tablename__ = "client"
    # The Renewals screen's client sort walks this index instead of sorting a whole window.
    __table_args__ = (Index("ix_client_name_nocase", text("name COLLATE NOCASE")),)

    id: str = Field(primary_key=True)
    version: int
    hub_id: int
    name: str = Field(index=True)
    domain: str = Field(index=True)
    industry: str
    country: str
    relationship: str = Field(index=True)
    mrr_cents: int = Field(index=True)
    contact_tier: str
    email_tier: str
    engagement_score: int = Field(index=True)
    engagement_band: str = Field(index=True)
    # The Clients table's "usage" sort: ORDER BY tools_in_use, rowid. Every index ends with
    # the rowid, so this one serves that order, both directions, without a sort.
    tools_in_use: int = Field(index=True)
    active_users: int
    apps_in_use: str  # JSON list
    setup_issues: str  # JSON list
    owner_email: str | None = Field(index=True)
    crm_url: str
    account_url: str
    services_status: str
    # Optional on the wire (schema v4): NULL when the server does not send them.
    tools: str | None = None  # JSON list of HubSpot tool names
    onboarding: str | None = None  # JSON list of {hub, milestone, done_on}
    # Derived locally after each sync, so the clients table needs no joins.
    products: str = Field(default="", sa_column_kwargs={"server_default": ""})
    next_renewal_date: date | None = Field(default=None, index=True)
    health_score: int | None = Field(default=None, index=True)
    health_reasons: str = Field(default="[]", sa_column_kwargs={"server_default": "[]"})
    """JSON list of the score's components, each {"label": str, "points": int}, e.g.
    {"label": "engagement fell from 7 to 3 in 30 days", "points": -20}."""


class SubscriptionRow(SQLModel, table=True):
    __tablename__ = "subscription"

    id: str = Field(primary_key=True)
    version: int
    client_id: str = Field(index=True)
    product: str
    edition: str
    term: str
    billing_frequency: str
    mrr_cents: int
    start_date: date
    renewal_date: date


class RenewalRow(SQLModel, table=True):
    __tablename__ = "renewal"
    __table_args__ = (
        # A window's totals read this index alone; the sorts by money walk theirs in order,
        # so a page of 100 never sorts the whole window.
        Index(
            "ix_renewal_window",
            "renewal_date",
            "client_id",
            "mrr_now_cents",
            "mrr_change_cents",
            "status",
            "communication_owner",
        ),
        Index("ix_renewal_mrr_change", "mrr_change_cents", "id"),
        Index("ix_renewal_mrr_now", "mrr_now_cents", "id"),
    )

    id: str = Field(primary_key=True)
    version: int
    client_id: str = Field(index=True)
    renewal_date: date  # ix_renewal_window starts with it
    decision_deadline: date = Field(index=True)
    status: str
    communication_owner: str
    renewal_manager: str
    products: str  # JSON list
    current_subscription: str
    renewal_subscription: str
    mrr_now_cents: int
    mrr_change_cents: int
    last_active_employee: str | None


class UsageRow(SQLModel, table=True):
    __tablename__ = "usage"
    # The health score and the alert rules read each client's two newest periods.
    __table_args__ = (Index("ix_usage_client_period", "client_id", "period"),)

    id: str = Field(primary_key=True)
    version: int
    client_id: str = Field(index=True)
    period: date
    tools_in_use: int
    active_users: int
    engagement_score: int
    category_points: str  # JSON object


class CreditEventRow(SQLModel, table=True):
    __tablename__ = "credit_event"
    # The Tier screen's months (sums by kind, a month's clients) read this index alone.
    __table_args__ = (
        Index(
            "ix_credit_event_month_kind", "month", "kind", "client_id", "points", "mrr_basis_cents"
        ),
    )

    id: str = Field(primary_key=True)
    version: int
    client_id: str = Field(index=True)
    month: date  # ix_credit_event_month_kind starts with it
    kind: str
    points: int
    mrr_basis_cents: int


class AlertRow(SQLModel, table=True):
    __tablename__ = "alert"
    # The inbox finds a kind's alerts (`kind:` compiles to a LIKE on a prefix, NOCASE) in the
    # order of what is at stake.
    __table_args__ = (Index("ix_alert_kind_impact", text("kind COLLATE NOCASE"), "impact"),)

    id: str = Field(primary_key=True)
    version: int
    client_id: str | None = Field(index=True)
    kind: str
    severity: str
    title: str
    detail: str
    raised_at: datetime
    due_date: date | None
    status: str = Field(index=True)
    assignee: str | None
    snoozed_until: date | None
    changed_by: str | None = None  # who last triaged it, from a team server (schema 5)
    impact: float = Field(default=0.0, index=True, sa_column_kwargs={"server_default": "0"})
    """What is at stake, stored for the inbox's order (`local_store.impact`, schema 7)."""


class NoteRow(SQLModel, table=True):
    __tablename__ = "note"

    id: str = Field(primary_key=True)
    version: int
    target_type: str
    target_id: str = Field(index=True)
    author: str
    text: str
    created_at: datetime


class LocalAlertRow(SQLModel, table=True):
    """An alert raised by a local rule (`local_store.alert_rules`) on the cache.

    Kept apart from the synced `alert` table, so a pull or a full resync never touches it; the
    backend does not know these ids, so their triage stays on this machine.
    """

    __tablename__ = "local_alert"
    __table_args__ = (Index("ix_local_alert_kind_impact", text("kind COLLATE NOCASE"), "impact"),)

    id: str = Field(primary_key=True)  # local:<rule>:<client_id>
    client_id: str = Field(index=True)
    rule: str
    kind: str
    severity: str
    title: str
    detail: str
    fired_values: str  # JSON object: the values the rule fired on
    occurrence: str
    """What makes this firing the same occurrence as the last one (see alert_rules)."""
    raised_at: datetime
    updated_at: datetime
    due_date: date | None
    status: str = Field(index=True)
    assignee: str | None
    snoozed_until: date | None
    cleared: bool = False
    """The rule stopped firing (the alert was resolved by the rule, not by a person)."""
    impact: float = Field(default=0.0, index=True, sa_column_kwargs={"server_default": "0"})
    """What is at stake, stored for the inbox's order (`local_store.impact`, schema 7)."""


class LocalAlertNoteRow(SQLModel, table=True):
    """A note on a local alert: local like the alert itself."""

    __tablename__ = "local_alert_note"

    id: str = Field(primary_key=True)
    alert_id: str = Field(index=True)
    author: str
    text: str
    created_at: datetime


class LocalUndoRow(SQLModel, table=True):
    """Triage of a local alert, with the rows as they were before, for the app-wide undo."""

    __tablename__ = "local_undo"

    seq: int | None = Field(default=None, primary_key=True)
    description: str
    outbox_seq: int
    """The newest outbox row when the action was taken: orders it among the outbox's actions."""
    before: str  # JSON list of {table, id, row}
    created_at: datetime


class OutboxRow(SQLModel, table=True):
    """A local action waiting to be pushed, written in the same transaction as its effect."""

    __tablename__ = "outbox"

    seq: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # UUID idempotency key
    kind: str
    target_id: str = Field(index=True)
    payload: str  # JSON object
    base_version: int | None
    created_at: datetime
    state: str = Field(default="pending", index=True)  # pending | rejected | conflict
    outcome_reason: str | None = None
    # Every row the local effect touched, as it was before (JSON list of {table, id, row};
    # row null when it did not exist), to put back when the server refuses the action or
    # the user undoes it.
    target_table: str
    before: str | None = None


class SyncStateRow(SQLModel, table=True):
    """Per resource: the server's change token and how the last sync went."""

    __tablename__ = "sync_state"

    resource: str = Field(primary_key=True)
    change_token: str | None
    last_success: datetime | None
    last_error: str | None
    # True while a full resync runs; the ids it has seen are kept in `resync_seen`, so a
    # resync killed half-way still removes, when it finishes, rows the server no longer has.
    resyncing: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # True once a page changed rows that the clients table's derived columns come from; cleared
    # in the transaction that recomputes them, so a killed sync still owes the recompute.
    rollups_owed: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class ResyncSeenRow(SQLModel, table=True):
    __tablename__ = "resync_seen"

    resource: str = Field(primary_key=True)
    record_id: str = Field(primary_key=True)


class QuarantineRow(SQLModel, table=True):
    """A pulled record that failed validation, kept with the reason instead of crashing."""

    __tablename__ = "quarantine"

    seq: int | None = Field(default=None, primary_key=True)
    resource: str
    record_id: str | None
    reason: str
    raw: str
    received_at: datetime


DERIVED_COLUMNS: dict[str, frozenset[str]] = {
    "alert": frozenset({"impact"}),
    "client": frozenset({"products", "next_renewal_date", "health_score", "health_reasons"}),
}
"""Columns the cache computes itself; a pull never writes them."""

SYNCED_TABLES: dict[str, type[SQLModel]] = {
    "partner": PartnerRow,
    "employees": EmployeeRow,
    "team": TeamContactRow,
    "clients": ClientRow,
    "subscriptions": SubscriptionRow,
    "renewals": RenewalRow,
    "usage": UsageRow,
    "credits": CreditEventRow,
    "alerts": AlertRow,
    "notes": NoteRow,
}
"""Wire resource name → cache table."""


class RawPropertiesRow(SQLModel, table=True):
    """A record's properties as HubSpot sent them (source `hubspot`), mapped or not, for the
    client panel's raw view. Not a synced resource: the HubSpot pull writes it beside the row."""

    __tablename__ = "raw_properties"

    id: str = Field(primary_key=True)  # the client's (or service's) id
    object_type: str = Field(primary_key=True)  # partner_clients | partner_services
    properties: str  # JSON object: property name → value (strings or null, as HubSpot sends)


class DirtyClientRow(SQLModel, table=True):
    """A client whose derived values (rollups, health score, local alerts) may be out of date.

    Marked in the transaction that writes a pulled page touching the client's rows (and, for a
    row that moves or goes, the client it belonged to), cleared in the one that writes the
    recomputed values: a sync killed in between still recomputes them next time.
    """

    __tablename__ = "dirty_client"

    client_id: str = Field(primary_key=True)


class ImpactRunRow(SQLModel, table=True):
    """The day the stored impacts (`alert.impact`, `local_alert.impact`) were computed for (one
    row, no row while they are out of date): urgency moves with the date."""

    __tablename__ = "impact_run"

    id: int = Field(default=1, primary_key=True)
    day: str


class SignalsRunRow(SQLModel, table=True):
    """What the last health and alert-rule run was computed from (one row), so a sync that
    changed nothing on the same day with the same settings skips recomputing every client."""

    __tablename__ = "signals_run"

    id: int = Field(default=1, primary_key=True)
    fingerprint: str
