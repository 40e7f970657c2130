"""Before a HubSpot sync writes anything: every scope it needs, and a property for every
console field that has no neutral default. Either problem stops the sync with one line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync.client import SyncError
from sync.hubspot.api import HubSpotClient, MissingScopes
from sync.hubspot.mapping import (
    CLIENTS,
    OBJECT_ID,
    SERVICES,
    ObjectMapping,
    required_fields,
    resolve_mapping,
)
from sync.hubspot.settings import HubSpotSettings

OBJECT_TYPES = (CLIENTS, SERVICES)


class UnmappedFields(SyncError):
    """Console fields the data cannot do without map to no HubSpot property."""

    exit_code = 2
    user_must_act = True


def read_scope(object_type: str) -> str:
    """`crm.objects.partner-clients.read` for `partner_clients`: HubSpot's scope names."""
    return f"crm.objects.{object_type.replace('_', '-')}.read"


REQUIRED_SCOPES = tuple(read_scope(object_type) for object_type in OBJECT_TYPES)


@dataclass(frozen=True)
class Plan:
    mappings: dict[str, ObjectMapping]
    discovered: dict[str, list[dict[str, Any]]]


def check_scopes(api: HubSpotClient) -> dict[str, list[dict[str, Any]]]:
    """Each object's property definitions, after one cheap read of each object, so that every
    missing scope is found (and named together) before the first write."""
    discovered: dict[str, list[dict[str, Any]]] = {}
    missing: list[str] = []
    for object_type in OBJECT_TYPES:
        try:
            discovered[object_type] = api.property_names(object_type)
            api.list_page(object_type, after=None, limit=1, properties=[OBJECT_ID])
        except MissingScopes as refused:
            named = refused.scopes or [read_scope(object_type)]
            missing += [scope for scope in named if scope not in missing]
    if missing:
        raise MissingScopes(
            f"the HubSpot private app lacks the scope{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}: add {'them' if len(missing) > 1 else 'it'} under Settings → "
            "Integrations → Private Apps → Scopes, then sync again (docs/hubspot.md)",
            missing,
        )
    return discovered


def prepare(api: HubSpotClient, settings: HubSpotSettings, profile_name: str = "NAME") -> Plan:
    discovered = check_scopes(api)
    mappings = {
        object_type: resolve_mapping(
            object_type, discovered[object_type], settings.mapping.get(object_type, {})
        )
        for object_type in OBJECT_TYPES
    }
    unmapped = [
        f"{object_type}.{field}"
        for object_type, mapping in mappings.items()
        for field in required_fields(object_type)
        if mapping.fields.get(field) is None
    ]
    if unmapped:
        raise UnmappedFields(
            f"no HubSpot property maps to {', '.join(unmapped)}, so nothing was synced: run "
            f"`partnerops hubspot properties -p {profile_name}` to see the account's "
            f"properties, then map each with `--map {unmapped[0]}=<property> --write`"
        )
    return Plan(mappings, discovered)
