"""From HubSpot properties to the console's wire records, through a configurable mapping.

HubSpot does not document the property names of `partner_clients` and `partner_services`, so
each console field has a list of likely names; the first one the account's properties API
knows wins, and `[profiles.NAME.hubspot.mapping.partner_clients]` in the config file overrides
any of them (`mrr_cents = "my_mrr_property"`). A field no property maps to gets a neutral
default when the console can live without it, and is left out otherwise, so the record is
quarantined with a reason instead of showing made-up data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sync.client import SyncError
from sync.wire import (
    BillingFrequency,
    Edition,
    Product,
    Relationship,
    ServicesStatus,
    Term,
)

CLIENTS = "partner_clients"
SERVICES = "partner_services"
LAST_MODIFIED = "hs_lastmodifieddate"
OBJECT_ID = "hs_object_id"
MERGED_IDS = "hs_merged_object_ids"
"""On a merge's surviving record: the ids merged into it, `;`-separated."""

_NO_DEFAULT = object()


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # text | int | cents | list | date | an enum class via `choices`
    candidates: tuple[str, ...]
    default: Any = _NO_DEFAULT
    choices: type[StrEnum] | None = None


CLIENT_FIELDS: dict[str, FieldSpec] = {
    "name": FieldSpec("text", ("hs_name", "name", "client_name", "company_name")),
    "domain": FieldSpec("text", ("hs_domain", "domain", "client_domain", "website"), ""),
    "hub_id": FieldSpec("int", ("hs_hub_id", "hub_id", "hs_portal_id", "portal_id"), 0),
    "industry": FieldSpec("text", ("industry", "hs_industry"), ""),
    "country": FieldSpec("text", ("country", "hs_country"), ""),
    # Every client in the list is one the partner manages; sourced/assisted come from data.
    "relationship": FieldSpec(
        "enum", ("hs_relationship", "relationship", "relationship_type"), "managed", Relationship
    ),
    "mrr_cents": FieldSpec("cents", ("hs_mrr", "mrr", "monthly_recurring_revenue"), 0),
    "contact_tier": FieldSpec("text", ("contact_tier", "hs_contact_tier"), ""),
    "email_tier": FieldSpec("text", ("email_tier", "hs_email_tier"), ""),
    "engagement_score": FieldSpec("int", ("engagement_score", "hs_engagement_score"), 0),
    "tools_in_use": FieldSpec("int", ("tools_in_use", "hs_tools_in_use"), 0),
    "active_users": FieldSpec("int", ("active_users", "hs_active_users"), 0),
    "apps_in_use": FieldSpec("list", ("apps_in_use", "hs_apps_in_use"), ()),
    "setup_issues": FieldSpec("list", ("setup_issues", "hs_setup_issues"), ()),
    "owner_email": FieldSpec("text", ("owner_email", "hubspot_owner_email"), None),
    "crm_url": FieldSpec("text", ("crm_url", "hs_crm_url"), ""),
    "account_url": FieldSpec("text", ("account_url", "hs_account_url"), ""),
    # Archived clients leave the cache, so a client HubSpot still lists is served.
    "services_status": FieldSpec(
        "enum", ("services_status", "hs_services_status"), "active", ServicesStatus
    ),
}

SERVICE_FIELDS: dict[str, FieldSpec] = {
    "product": FieldSpec("enum", ("hs_product", "product", "hub"), choices=Product),
    "edition": FieldSpec("enum", ("hs_edition", "edition", "tier"), choices=Edition),
    "term": FieldSpec("enum", ("hs_term", "term", "contract_term"), choices=Term),
    "billing_frequency": FieldSpec(
        "enum", ("hs_billing_frequency", "billing_frequency"), choices=BillingFrequency
    ),
    "mrr_cents": FieldSpec("cents", ("hs_mrr", "mrr", "monthly_recurring_revenue"), 0),
    "start_date": FieldSpec("date", ("hs_start_date", "start_date")),
    "renewal_date": FieldSpec("date", ("hs_renewal_date", "renewal_date", "hs_end_date")),
}

OBJECT_FIELDS = {CLIENTS: CLIENT_FIELDS, SERVICES: SERVICE_FIELDS}


def required_fields(object_type: str) -> list[str]:
    """The console fields with no neutral default: a record without them is quarantined."""
    return [f for f, spec in OBJECT_FIELDS[object_type].items() if spec.default is _NO_DEFAULT]


@dataclass(frozen=True)
class ObjectMapping:
    object_type: str
    fields: Mapping[str, str | None]
    """Console field → HubSpot property name, or None when nothing maps to it."""
    requested: tuple[str, ...]
    """Every property to ask for: all the account has, so the raw view sees unmapped ones."""


def resolve_mapping(
    object_type: str, discovered: list[dict[str, Any]], overrides: Mapping[str, Any]
) -> ObjectMapping:
    """Pick a property per console field from what the properties API discovered."""
    specs = OBJECT_FIELDS[object_type]
    known = [p["name"] for p in discovered]
    known_set = set(known)
    for field, prop in overrides.items():
        if field not in specs:
            raise SyncError(
                f"hubspot mapping for {object_type}: no console field {field!r} "
                f"(fields: {', '.join(specs)})"
            )
        if not isinstance(prop, str) or prop not in known_set:
            raise SyncError(
                f"hubspot mapping for {object_type}: {field} = {prop!r} is not a property "
                "HubSpot lists for this object"
            )
    by_label = {_plain(p.get("label")): p["name"] for p in discovered if p.get("label")}
    fields = {
        field: overrides.get(field)
        or next((c for c in spec.candidates if c in known_set), None)
        or by_label.get(_plain(field))
        for field, spec in specs.items()
    }
    requested = tuple(dict.fromkeys([*known, LAST_MODIFIED, OBJECT_ID, MERGED_IDS]))
    return ObjectMapping(object_type, fields, requested)


def _plain(text: object) -> str:
    """`Renewal date`, `renewal_date` and `Renewal-Date` alike: a label matches a field."""
    return "".join(ch for ch in str(text or "").lower() if ch.isalnum())


def epoch_ms(value: object) -> int | None:
    """HubSpot timestamps come as ISO 8601 text or epoch milliseconds."""
    if value is None or value == "":
        return None
    text = str(value)
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _as_date(text: str) -> str:
    if text.isdigit():  # date properties are midnight UTC in epoch ms
        return datetime.fromtimestamp(int(text) / 1000, UTC).date().isoformat()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return text


def _as_int(text: str) -> int | str:
    try:
        return int(float(text))
    except ValueError:
        return text  # left for validation to quarantine with a reason


def _as_cents(text: str) -> int | str:
    try:
        return round(float(text) * 100)
    except ValueError:
        return text


def _as_choice(text: str, choices: type[StrEnum]) -> str:
    """Match `Marketing Hub`, `marketing_hub`, `MARKETING` or `marketing` alike."""
    wanted = text.strip().lower().replace("_", " ")
    for choice in choices:
        names = {choice.value.lower(), choice.name.lower().replace("_", " ")}
        names.add(choice.value.lower().removesuffix(" hub"))
        if wanted in names:
            return choice.value
    return text


def _convert(spec: FieldSpec, text: str) -> Any:
    if spec.kind == "text":
        return text
    if spec.kind == "int":
        return _as_int(text)
    if spec.kind == "cents":
        return _as_cents(text)
    if spec.kind == "list":
        return [item.strip() for item in text.split(";") if item.strip()]
    if spec.kind == "date":
        return _as_date(text)
    assert spec.choices is not None
    return _as_choice(text, spec.choices)


def to_wire(mapping: ObjectMapping, record: dict[str, Any]) -> dict[str, Any]:
    """A HubSpot object as a wire dict for `sync.pull.validate_page`.

    `version` is the last-modified time in epoch ms: it grows with every change, which is all
    the cache asks of a version.
    """
    specs = OBJECT_FIELDS[mapping.object_type]
    properties = record.get("properties") or {}
    wire: dict[str, Any] = {
        "id": str(record.get("id", "")),
        "version": epoch_ms(record.get("updatedAt") or properties.get(LAST_MODIFIED)),
    }
    for field, spec in specs.items():
        prop = mapping.fields.get(field)
        value = properties.get(prop) if prop else None
        if value is not None and str(value) != "":
            wire[field] = _convert(spec, str(value))
        elif spec.default is not _NO_DEFAULT:
            default = spec.default
            wire[field] = list(default) if isinstance(default, tuple) else default
    return wire
