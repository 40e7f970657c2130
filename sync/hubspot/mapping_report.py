"""What `partnerops hubspot properties` shows: for each console field, the HubSpot property
it maps to and why, and the account's properties no field uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.client import SyncError
from sync.hubspot.mapping import (
    LAST_MODIFIED,
    MERGED_IDS,
    OBJECT_FIELDS,
    OBJECT_ID,
    required_fields,
    resolve_mapping,
)

SYSTEM_PROPERTIES = {OBJECT_ID, LAST_MODIFIED, MERGED_IDS, "hs_createdate"}
ALIASES = {"clients": "partner_clients", "services": "partner_services"}


@dataclass(frozen=True)
class FieldRow:
    field: str
    prop: str | None
    how: str  # config | default name | label | none
    required: bool


@dataclass(frozen=True)
class ObjectReport:
    object_type: str
    rows: list[FieldRow]
    unused: list[str]
    """The account's properties no console field maps to (system properties left out)."""

    @property
    def mapped(self) -> dict[str, str]:
        return {row.field: row.prop for row in self.rows if row.prop is not None}


def parse_assignments(assignments: list[str]) -> dict[str, dict[str, str]]:
    """`partner_clients.name=company_name` (or `clients.name=...`) as object → field → prop."""
    parsed: dict[str, dict[str, str]] = {}
    for text in assignments:
        target, _, prop = text.partition("=")
        object_type, _, field = target.strip().partition(".")
        object_type = ALIASES.get(object_type, object_type)
        if not prop.strip() or object_type not in OBJECT_FIELDS or not field:
            raise SyncError(
                f"--map {text!r} must look like partner_clients.FIELD=PROPERTY "
                "or partner_services.FIELD=PROPERTY"
            )
        parsed.setdefault(object_type, {})[field] = prop.strip()
    return parsed


def object_report(
    object_type: str, discovered: list[dict[str, Any]], overrides: Mapping[str, str]
) -> ObjectReport:
    """Raises SyncError for an override naming an unknown field or property."""
    mapping = resolve_mapping(object_type, discovered, overrides)
    specs = OBJECT_FIELDS[object_type]
    required = set(required_fields(object_type))
    rows = []
    for field, spec in specs.items():
        prop = mapping.fields.get(field)
        if prop is None:
            how = "none"
        elif overrides.get(field) == prop:
            how = "config"
        elif prop in spec.candidates:
            how = "default name"
        else:
            how = "label"
        rows.append(FieldRow(field, prop, how, field in required))
    used = {row.prop for row in rows}
    unused = [
        p["name"]
        for p in discovered
        if p["name"] not in used and p["name"] not in SYSTEM_PROPERTIES
    ]
    return ObjectReport(object_type, rows, unused)
