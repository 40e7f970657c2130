"""What each source can provide, so screens can say "not available from this source".

Kept free of imports: screens read it before their first paint.
"""

from __future__ import annotations

FEATURES = ("clients", "subscriptions", "tier", "renewals", "team", "alerts", "actions")

SOURCE_CAPABILITIES: dict[str, frozenset[str]] = {
    "backend": frozenset(FEATURES),
    # HubSpot's public API has partner clients and partner services only; tier, renewals and
    # team have no public API, and HubSpot accepts none of the console's actions.
    "hubspot": frozenset({"clients", "subscriptions"}),
}

NOT_AVAILABLE = "not available from this source"


def available(source: str, feature: str) -> bool:
    return feature in SOURCE_CAPABILITIES.get(source, frozenset())


def unavailable_reason(source: str, feature: str) -> str | None:
    """None when the source provides `feature`, else the line a screen shows instead."""
    if available(source, feature):
        return None
    label = "HubSpot" if source == "hubspot" else source
    return f"{feature.capitalize()}: {NOT_AVAILABLE} ({label})"
