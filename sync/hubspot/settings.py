"""The `[profiles.NAME.hubspot]` table of the config file, checked once, with defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sync.client import SyncError
from sync.hubspot.api import (
    DEFAULT_API_VERSION,
    DEFAULT_BASE_URL,
    DEFAULT_REQUESTS_PER_10S,
    DEFAULT_SEARCHES_PER_S,
)
from sync.hubspot.mapping import OBJECT_FIELDS

SEARCH_CAP = 10_000  # HubSpot answers 400 past this many results of one search
LIST_PAGE_MAX = 100
SEARCH_PAGE_MAX = 200


@dataclass(frozen=True)
class HubSpotSettings:
    api_base_url: str = DEFAULT_BASE_URL
    api_version: str = DEFAULT_API_VERSION
    requests_per_10s: int = DEFAULT_REQUESTS_PER_10S
    searches_per_second: int = DEFAULT_SEARCHES_PER_S
    full_pass_max: int = 5_000
    """Up to this many cached clients, every sync lists everything (and sweeps what is gone);
    above it, syncs search for what changed since the last one."""
    lookback_seconds: int = 300
    """Search indexes changes a little late: each search window starts this much earlier."""
    search_cap: int = SEARCH_CAP
    page_size: int = LIST_PAGE_MAX
    search_page_size: int = SEARCH_PAGE_MAX
    id_sweep_minutes: int = 24 * 60
    """How often a large portfolio's sync lists every id to drop the ones that vanished."""
    association_sweep_minutes: int = 60
    """How often every cached service's client is read again (1,000 per request)."""
    mapping: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))


_INTS = (
    "requests_per_10s",
    "searches_per_second",
    "full_pass_max",
    "search_cap",
    "page_size",
    "search_page_size",
)
_MINUTES = ("id_sweep_minutes", "association_sweep_minutes")


def _positive_int(table: Mapping[str, Any], key: str, default: int, *, minimum: int = 1) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SyncError(f"hubspot.{key} must be a whole number of at least {minimum}")
    return value


def load_settings(profile_settings: Mapping[str, Any]) -> HubSpotSettings:
    table = profile_settings.get("hubspot", {})
    if not isinstance(table, Mapping):
        raise SyncError("[hubspot] in the profile must be a table")
    defaults = HubSpotSettings()
    ints = {key: _positive_int(table, key, getattr(defaults, key)) for key in _INTS}
    ints["page_size"] = min(ints["page_size"], LIST_PAGE_MAX)
    ints["search_page_size"] = min(ints["search_page_size"], SEARCH_PAGE_MAX)
    lookback = _positive_int(table, "lookback_seconds", defaults.lookback_seconds, minimum=0)
    minutes = {
        key: _positive_int(table, key, getattr(defaults, key), minimum=0) for key in _MINUTES
    }
    mapping = table.get("mapping", {})
    if not isinstance(mapping, Mapping) or any(
        object_type not in OBJECT_FIELDS or not isinstance(fields, Mapping)
        for object_type, fields in mapping.items()
    ):
        raise SyncError(
            "hubspot.mapping holds tables named "
            f"{' and '.join(OBJECT_FIELDS)} (console field = HubSpot property)"
        )
    for key in ("api_base_url", "api_version"):
        if not isinstance(table.get(key, ""), str):
            raise SyncError(f"hubspot.{key} must be text")
    return HubSpotSettings(
        api_base_url=table.get("api_base_url", defaults.api_base_url),
        api_version=table.get("api_version", defaults.api_version),
        lookback_seconds=lookback,
        **minutes,
        mapping=MappingProxyType({k: MappingProxyType(dict(v)) for k, v in mapping.items()}),
        **ints,
    )
