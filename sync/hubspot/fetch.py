"""Partner clients and partner services as wire records, read from HubSpot with no cache.

The console's cache writer (`sync.hubspot.pull`) maps its pages with `wire_records`; the team
server's HubSpot upstream reads whole listings with `fetch_all`. Nothing here imports
`local_store`, so the team server can use it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from sync.hubspot.api import HubSpotClient, ListPage
from sync.hubspot.mapping import CLIENTS, LAST_MODIFIED, SERVICES, ObjectMapping, to_wire
from sync.hubspot.preflight import Plan
from sync.hubspot.settings import HubSpotSettings
from sync.wire import RESOURCE_MODELS

RESOURCES = {CLIENTS: "clients", SERVICES: "subscriptions"}
"""HubSpot object → wire resource, parents first."""


def list_pages(
    api: HubSpotClient,
    object_type: str,
    properties: list[str],
    page_size: int,
    after: str | None = None,
) -> Iterator[ListPage]:
    """Every live record of the object, page by page, from the `after` cursor on."""
    while True:
        page = api.list_page(object_type, after=after, limit=page_size, properties=properties)
        yield page
        if not page.after:
            return
        after = page.after


def wire_records(
    api: HubSpotClient,
    mapping: ObjectMapping,
    records: list[dict[str, Any]],
    only: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """These HubSpot records (those with an id in `only`, when given) as wire dicts, not yet
    validated. A partner service's `client_id` comes from the associations API: one batch
    read per call."""
    ids = [str(record.get("id")) for record in records]
    wanted = ids if only is None else [i for i in ids if i in only]
    links: dict[str, list[str]] = {}
    if mapping.object_type == SERVICES:
        links = api.associated_ids(SERVICES, CLIENTS, wanted)
    items = []
    for record_id, record in zip(ids, records, strict=True):
        if only is not None and record_id not in only:
            continue
        wire = to_wire(mapping, record)
        if mapping.object_type == SERVICES and links.get(record_id):
            wire["client_id"] = links[record_id][0]
        items.append(wire)
    return items


@dataclass
class Fetched:
    """A whole listing of both objects: valid records by resource, and the ones set aside."""

    records: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {resource: [] for resource in RESOURCES.values()}
    )
    rejected: list[str] = field(default_factory=list)
    """One line per record that does not validate: `resource id: reason`."""


def fetch_all(api: HubSpotClient, plan: Plan, settings: HubSpotSettings) -> Fetched:
    """Every live partner client and partner service, validated against the wire models.

    Only the mapped properties are asked for: without a raw view to feed, the rest is waste.
    A service whose client is not listed (or that has none) is set aside, like a bad record.
    """
    fetched = Fetched()
    for object_type, resource in RESOURCES.items():
        mapping = plan.mappings[object_type]
        wanted = sorted({prop for prop in mapping.fields.values() if prop} | {LAST_MODIFIED})
        model = RESOURCE_MODELS[resource]
        for page in list_pages(api, object_type, wanted, settings.page_size):
            for item in wire_records(api, mapping, page.results):
                try:
                    record = model.model_validate(item).model_dump(mode="json", exclude_unset=True)
                except ValidationError as exc:
                    first = exc.errors()[0]
                    where = ".".join(str(part) for part in first["loc"]) or "record"
                    fetched.rejected.append(f"{resource} {item['id']}: {where}: {first['msg']}")
                    continue
                fetched.records[resource].append(record)
    clients = {record["id"] for record in fetched.records["clients"]}
    services = fetched.records["subscriptions"]
    fetched.rejected += [
        f"subscriptions {s['id']}: client_id: client {s['client_id']} is not listed"
        for s in services
        if s["client_id"] not in clients
    ]
    fetched.records["subscriptions"] = [s for s in services if s["client_id"] in clients]
    return fetched
