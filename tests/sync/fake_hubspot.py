"""A test double of HubSpot's CRM API for partner clients and partner services, built from
HubSpot's published contract, not from what our sync expects. In-process through
`httpx.MockTransport` (`fake.transport()`), or on loopback for the CLI (`serve_fake`).

Sources (fetched through the project's library search, 2026-12):
- CRM Partner Clients OpenAPI, version 2026-03 (HubSpot's spec, mirrored at
  api-evangelist/hubspot `openapi/hubspot-crm-partner-clients-api-openapi.yml`): paths
  `/crm/objects/2026-03/partner_clients[/search|/batch/read]`, list parameters `after` (the
  opaque `paging.next.after` cursor), `archived`, `limit` (default 10), `properties`; every read
  needs `crm.objects.partner-clients.read`; search is marked
  `x-hubspot-rate-limit-exemptions: [ten-secondly]`; no create or delete.
- CRM Partner Services reference (developers.hubspot.com/docs/api-reference/2026-03/crm/objects/
  partner-services/...): the same shapes under `partner_services`; the legacy (v3) reference
  has `/crm/v3/objects/partner_clients/...`. Scope `crm.objects.partner-services.read`
  ("View partner service objects" in HubSpot's list of scopes).
- CRM search guide (developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm):
  `filterGroups` (OR of AND-ed `filters`, operators EQ/NEQ/LT/LTE/GT/GTE/BETWEEN/IN/
  HAS_PROPERTY/NOT_HAS_PROPERTY), `sorts`, `properties`, `limit` up to 200, `after`, `total`;
  10,000 results at most per query (400 beyond); archived records never appear; 5 requests
  per second per account (the guide's limits; the changelog "CRM Search API rate limit
  increase" tells the earlier steps, 1 then 4).
- Properties API: `GET /crm/v3/properties/{objectType}` → `results` of property definitions
  (`name`, `label`, `type`, `fieldType`, `groupName`, `options`, ...).
- Associations v4 batch read (developers.hubspot.com/docs/api-reference/legacy/crm/
  associations/associate-records/batch/get-associations): `POST
  /crm/v4/associations/{from}/{to}/batch/read` with `inputs: [{id}]` → `results: [{from: {id},
  to: [{toObjectId, associationTypes}]}]`, 207 with `errors` for inputs that failed; up to
  1,000 inputs a call.
- API usage guidelines and the changelog "Increasing our API limits": burst of 100 requests
  per 10 s (Free/Starter) or 190 (Professional/Enterprise), and a daily cap.
- 429 bodies as HubSpot sends them, quoted in client libraries' issues (HGData/mk-node-hubspot
  #84 and #89, HubSpot/hubspot-api-nodejs #416): `status`, `message`, `errorType:
  RATE_LIMIT`, `correlationId`, `policyName` (`SECONDLY`, `TEN_SECONDLY_ROLLING`, `DAILY`),
  `groupName`, `requestId`.
- 403 bodies (HubSpot/hubspot-api-nodejs #50 and #268; the batch-read spec's error example
  `{missingScopes=[scope1, scope2]}`): `category: MISSING_SCOPES`, the scopes under
  `errors[].context` (`requiredGranularScopes`/`requiredScopes`) or `context.missingScopes`.
- `hs_merged_object_ids` on the surviving record of a merge (HubSpot/hubspot-api-nodejs #6).

Documented (the double does what the sources say): paths in both versions, cursors, the
archived list, search filters/sorts/limits/cap/total, search never showing archived records,
the 5/s search limit and burst limits with their 429 bodies, the DAILY 429, scopes per object
with 403 MISSING_SCOPES, 207 partial answers, batch sizes.

Assumed (not documented; the double does one of the possible things and tests cover both
where it matters):
- partner clients can be merged at all, and a merged-away id then vanishes from list, search
  and the archived list, while the survivor lists it in `hs_merged_object_ids`; whether the
  merge bumps the survivor's `hs_lastmodifieddate` is a switch (`merge_bumps`);
- moving a service to another client may or may not bump `hs_lastmodifieddate` of the
  service (`move_service(..., bump=...)`); a merge moves the merged client's services to the
  survivor without bumping them;
- the properties API needs the object's read scope; association reads need both objects'
  read scopes;
- search lag: a record in `unindexed` is listed but not yet searchable;
- searches count toward the 5/s limit only (the spec exempts them from the 10 s burst);
  every other request counts toward the burst; refused requests count too;
- list cursors are opaque strings here (base64 of the last id); search `after` is an offset;
- an association answer is never paged (no record has more than 500 links here).

Every request is recorded in `sent` with its arrival time on the double's clock (a
`VirtualClock` shared with the client's rate limiter in tests, so nothing sleeps for real),
so tests can check the rates at which requests arrived, retries included.
"""

from __future__ import annotations

import base64
import bisect
import functools
import json
import operator
import random
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import uvicorn

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
CLIENTS, SERVICES = "partner_clients", "partner_services"
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
SCOPES = {
    CLIENTS: "crm.objects.partner-clients.read",
    SERVICES: "crm.objects.partner-services.read",
}
SEARCH_CAP, SEARCH_LIMIT_MAX, LIST_LIMIT_MAX = 10_000, 200, 100
ASSOCIATION_INPUTS_MAX, BATCH_READ_MAX = 1_000, 100
DEFAULT_PROPERTIES = ("hs_object_id", "hs_createdate", "hs_lastmodifieddate")
SCOPES_MESSAGE = (
    "This app hasn't been granted all required scopes to make this call. Read more about "
    "required scopes here: https://developers.hubspot.com/scopes."
)


def iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class VirtualClock:
    """Seconds that pass only when someone sleeps (the rate limiter) or the double answers."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


@dataclass
class FakeRecord:
    id: str
    properties: dict[str, str]
    updated_ms: int
    archived: bool = False
    number: int = field(init=False)  # the id as a number, for search's filters and sorts

    def __post_init__(self) -> None:
        self.number = int(self.id)

    def as_json(self, wanted: list[str] | None) -> dict[str, Any]:
        props = {
            **self.properties,
            "hs_object_id": self.id,
            "hs_createdate": iso(BASE_MS),
            "hs_lastmodifieddate": iso(self.updated_ms),
        }
        keep = set(wanted) if wanted else set(DEFAULT_PROPERTIES)
        body: dict[str, Any] = {
            "id": self.id,
            "properties": {k: v for k, v in props.items() if k in keep},
            "createdAt": props["hs_createdate"],
            "updatedAt": props["hs_lastmodifieddate"],
            "archived": self.archived,
        }
        if self.archived:
            body["archivedAt"] = iso(self.updated_ms)
        return body


@dataclass
class Sent:
    """One request as the double received it."""

    at: float
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 0

    @property
    def is_search(self) -> bool:
        return self.path.endswith("/search")


@dataclass
class Fault:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    path_contains: str = ""


def _definition(name: str, label: str, kind: str = "string", field_type: str = "text") -> dict:
    return {
        "name": name,
        "label": label,
        "type": kind,
        "fieldType": field_type,
        "groupName": "partner_information",
        "description": "",
        "options": [],
        "hidden": False,
        "calculated": False,
        "hubspotDefined": name.startswith("hs_"),
        "formField": False,
    }


CLIENT_PROPERTY_NAMES = {
    "hs_name": "Name",
    "hs_domain": "Domain",
    "hs_hub_id": "Hub ID",
    "industry": "Industry",
    "country": "Country",
    "hs_mrr": "MRR",
    "engagement_score": "Engagement score",
    "apps_in_use": "Apps in use",
    "owner_email": "Owner email",
    "partner_note": "Partner note",  # maps to nothing: stays visible in the raw view only
}
SERVICE_PROPERTY_NAMES = {
    "hs_product": "Product",
    "hs_edition": "Edition",
    "hs_term": "Term",
    "hs_billing_frequency": "Billing frequency",
    "hs_mrr": "MRR",
    "hs_start_date": "Start date",
    "hs_renewal_date": "Renewal date",
}
COMMON_PROPERTY_NAMES = {
    "hs_object_id": "Record ID",
    "hs_createdate": "Create date",
    "hs_lastmodifieddate": "Last modified date",
    "hs_merged_object_ids": "Merged record IDs",
}


class FakeHubSpot:
    """The account's records, its limits and the double's switches; tests change them."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        search_cap: int = SEARCH_CAP,
        burst_per_10s: int = 100,
        searches_per_s: int = 5,
        daily_limit: int | None = None,
        merge_bumps: bool = True,
        arrival_jitter_s: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.clock = clock
        self.records: dict[str, dict[str, FakeRecord]] = {CLIENTS: {}, SERVICES: {}}
        self.client_of: dict[str, str] = {}  # service id → partner client id
        self.property_names = {
            CLIENTS: {**CLIENT_PROPERTY_NAMES, **COMMON_PROPERTY_NAMES},
            SERVICES: {**SERVICE_PROPERTY_NAMES, **COMMON_PROPERTY_NAMES},
        }
        self.search_cap = search_cap
        self.burst_per_10s = burst_per_10s
        self.searches_per_s = searches_per_s
        self.daily_limit = daily_limit
        self.daily_used = 0
        self.merge_bumps = merge_bumps
        self.arrival_jitter_s = arrival_jitter_s
        self.granted = set(SCOPES.values())
        self.scope_error_style = "errors"  # errors | context | bare
        self.unindexed: set[str] = set()
        self.faults: deque[Fault] = deque()
        self.sent: list[Sent] = []
        self._arrivals: dict[bool, list[float]] = {True: [], False: []}  # by is_search
        self._ids = iter(range(1001, 10**9))
        self._random = random.Random(seed)
        self._generation = 0  # bumped by every change, so the search index knows it is stale
        self._stamp_index: dict[str, tuple[int, list[FakeRecord], list[int]]] = {}
        self.lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["lock"]  # a copy of the account (tests copy a synced one) gets its own
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.Lock()

    # Building and changing the account.

    def add_client(self, updated_ms: int = BASE_MS, **props: str) -> FakeRecord:
        self._generation += 1
        record_id = str(next(self._ids))
        defaults = {
            "hs_name": f"Client {record_id}",
            "hs_domain": f"c{record_id}.example",
            "hs_hub_id": str(40_000 + int(record_id)),
            "hs_mrr": "120.50",
            "engagement_score": "5",
            "apps_in_use": "Zoom;Slack",
            "partner_note": f"note {record_id}",
            "hs_merged_object_ids": "",
        }
        record = FakeRecord(record_id, {**defaults, **props}, updated_ms)
        self.records[CLIENTS][record_id] = record
        return record

    def add_service(
        self, client: FakeRecord, updated_ms: int = BASE_MS, **props: str
    ) -> FakeRecord:
        self._generation += 1
        record_id = str(next(self._ids))
        defaults = {
            "hs_product": "marketing_hub",
            "hs_edition": "PROFESSIONAL",
            "hs_term": "annual",
            "hs_billing_frequency": "monthly",
            "hs_mrr": "800",
            "hs_start_date": "2025-02-01",
            "hs_renewal_date": "2027-02-01",
            "hs_merged_object_ids": "",
        }
        record = FakeRecord(record_id, {**defaults, **props}, updated_ms)
        self.records[SERVICES][record_id] = record
        self.client_of[record_id] = client.id
        return record

    def update(self, record: FakeRecord, updated_ms: int, **props: str) -> None:
        self._generation += 1
        record.properties.update(props)
        record.updated_ms = updated_ms

    def bulk_update(self, records: list[FakeRecord], updated_ms: int, **props: str) -> None:
        """One bulk edit: every record gets the same `hs_lastmodifieddate`."""
        for record in records:
            self.update(record, updated_ms, **props)

    def archive(self, record: FakeRecord, updated_ms: int) -> None:
        self._generation += 1
        record.archived = True
        record.updated_ms = updated_ms

    def merge(self, survivor: FakeRecord, merged: FakeRecord, updated_ms: int) -> None:
        """`merged` vanishes without a trace; the survivor lists it in hs_merged_object_ids."""
        self._generation += 1
        object_type = CLIENTS if survivor.id in self.records[CLIENTS] else SERVICES
        del self.records[object_type][merged.id]
        ids = [i for i in survivor.properties.get("hs_merged_object_ids", "").split(";") if i]
        ids += [merged.id] + [
            i for i in merged.properties.get("hs_merged_object_ids", "").split(";") if i
        ]
        survivor.properties["hs_merged_object_ids"] = ";".join(ids)
        if self.merge_bumps:
            survivor.updated_ms = updated_ms
        if object_type == CLIENTS:
            for service_id, client_id in self.client_of.items():
                if client_id == merged.id:
                    self.client_of[service_id] = survivor.id
        else:
            self.client_of.pop(merged.id, None)

    def move_service(
        self, service: FakeRecord, client: FakeRecord, updated_ms: int, *, bump: bool
    ) -> None:
        self._generation += 1
        self.client_of[service.id] = client.id
        if bump:
            service.updated_ms = updated_ms

    def live(self, object_type: str) -> dict[str, FakeRecord]:
        """The ground truth: what a converged cache holds."""
        return {i: r for i, r in self.records[object_type].items() if not r.archived}

    def rename_properties(self, object_type: str, renames: dict[str, str]) -> None:
        """The account uses its own property names and labels (HubSpot documents none)."""
        self._generation += 1
        labels = self.property_names[object_type]
        self.property_names[object_type] = {
            renames.get(n, n): renames[n].replace("_", " ").capitalize() if n in renames else lb
            for n, lb in labels.items()
        }
        for record in self.records[object_type].values():
            record.properties = {renames.get(n, n): v for n, v in record.properties.items()}

    def fail_next(
        self,
        status: int,
        *,
        category: str = "",
        message: str = "",
        policy: str | None = None,
        retry_after: str | None = None,
        path_contains: str = "",
        times: int = 1,
    ) -> str:
        """Queue `times` error answers (for requests whose path contains `path_contains`);
        returns the correlation id they carry."""
        correlation_id = str(uuid.uuid4())
        if status == 429:
            body = _rate_limit_body(policy or "TEN_SECONDLY_ROLLING", correlation_id)
            if message:
                body["message"] = message
        else:
            body = {
                "status": "error",
                "message": message or f"fake error {status}",
                "correlationId": correlation_id,
                "category": category or "VALIDATION_ERROR",
            }
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self.faults.extend(Fault(status, body, headers, path_contains) for _ in range(times))
        return correlation_id

    # What tests read back.

    def searches(self) -> list[Sent]:
        return [s for s in self.sent if s.is_search]

    def most_in_any(self, window_s: float, *, searches: bool) -> int:
        """The most requests (searches, or everything else) that arrived within any span
        shorter than `window_s`."""
        times = sorted(s.at for s in self.sent if s.is_search == searches)
        most, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= window_s:
                start += 1
            most = max(most, end - start + 1)
        return most

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # Answering.

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            arrival = self.clock() + self._random.uniform(0, self.arrival_jitter_s)
            query = {k: v[-1] for k, v in parse_qs(request.url.query.decode()).items()}
            body = json.loads(request.content) if request.content else None
            sent = Sent(arrival, request.method, request.url.path, query, body)
            self.sent.append(sent)
            status, answer, headers = self._answer(sent, request.headers.get("Authorization"))
            sent.status = status
        return httpx.Response(status, json=answer, headers=headers)

    def _answer(
        self, sent: Sent, authorization: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if authorization != f"Bearer {TOKEN}":
            return _error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
        self.daily_used += 1
        if self.daily_limit is not None and self.daily_used > self.daily_limit:
            return 429, _rate_limit_body("DAILY", str(uuid.uuid4())), {}
        refused = self._over_rate(sent)
        if refused:
            return 429, _rate_limit_body(refused, str(uuid.uuid4())), {}
        fault = next((f for f in self.faults if f.path_contains in sent.path), None)
        if fault is not None:
            self.faults.remove(fault)
            return fault.status, fault.body, fault.headers
        try:
            return self._route(sent)
        except _Refused as refusal:
            return refusal.status, refusal.body, {}

    def _over_rate(self, sent: Sent) -> str | None:
        """The policy a request breaks, counting every request that arrived before it."""
        arrivals = self._arrivals[sent.is_search]
        limit, window, policy = (
            (self.searches_per_s, 1.0, "SECONDLY")
            if sent.is_search
            else (self.burst_per_10s, 10.0, "TEN_SECONDLY_ROLLING")
        )
        recent = sum(1 for at in arrivals[-limit:] if sent.at - at < window)
        arrivals.append(sent.at)
        return policy if recent >= limit else None

    def _route(self, sent: Sent) -> tuple[int, dict[str, Any], dict[str, str]]:
        parts = [p for p in sent.path.split("/") if p]
        # /crm/v3/objects/T[/search|/batch/read], /crm/objects/2026-03/T[...] (the same for
        # properties), /crm/v4/associations/F/T/batch/read, /crm/associations/2026-03/F/T/...
        if parts[:1] != ["crm"] or len(parts) < 4:
            raise _Refused(*_error(404, f"no route {sent.path}"))
        kind, rest = (parts[2], parts[3:]) if parts[1] in ("v3", "v4") else (parts[1], parts[3:])
        if kind == "associations" and rest[2:] == ["batch", "read"]:
            self._need(rest[0], rest[1])
            return self._associations(rest[0], rest[1], sent.body or {})
        object_type = rest[0]
        if object_type not in self.records:
            raise _Refused(*_error(404, f"Unable to infer object type from: {object_type}"))
        self._need(object_type)
        if kind == "properties" and sent.method == "GET":
            return 200, self._properties(object_type), {}
        if kind != "objects":
            raise _Refused(*_error(404, f"no route {sent.path}"))
        if rest[1:] == ["search"] and sent.method == "POST":
            return 200, self._search(object_type, sent.body or {}), {}
        if rest[1:] == ["batch", "read"] and sent.method == "POST":
            return self._batch_read(object_type, sent.body or {})
        if rest[1:] == [] and sent.method == "GET":
            return 200, self._list(object_type, sent.query), {}
        raise _Refused(*_error(404, f"no route {sent.path}"))

    def _need(self, *object_types: str) -> None:
        missing = [SCOPES[t] for t in object_types if t in SCOPES and SCOPES[t] not in self.granted]
        if not missing:
            return
        body: dict[str, Any] = {
            "status": "error",
            "message": SCOPES_MESSAGE,
            "correlationId": str(uuid.uuid4()),
            "links": {"scopes": "https://developers.hubspot.com/scopes"},
            "category": "MISSING_SCOPES",
        }
        if self.scope_error_style == "errors":
            body["errors"] = [
                {
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": missing},
                }
            ]
        elif self.scope_error_style == "context":
            body["context"] = {"missingScopes": missing}
        raise _Refused(403, body)

    def _properties(self, object_type: str) -> dict[str, Any]:
        names = self.property_names[object_type]
        return {"results": [_definition(name, label) for name, label in names.items()]}

    def _list(self, object_type: str, query: dict[str, str]) -> dict[str, Any]:
        limit = int(query.get("limit", 10))
        if not 1 <= limit <= LIST_LIMIT_MAX:
            raise _Refused(*_error(400, f"limit must be between 1 and {LIST_LIMIT_MAX}"))
        archived = query.get("archived", "false") == "true"
        wanted = query["properties"].split(",") if query.get("properties") else None
        records = self.records[object_type]
        keys = list(records)  # in id order: ids only grow
        position = 0
        if query.get("after"):
            last = int(base64.b64decode(query["after"]).decode())
            position = bisect.bisect_right(keys, last, key=int)
        page: list[FakeRecord] = []
        while position < len(keys) and len(page) <= limit:
            record = records[keys[position]]
            if record.archived == archived:
                page.append(record)
            position += 1
        more, page = len(page) > limit, page[:limit]
        body: dict[str, Any] = {"results": [r.as_json(wanted) for r in page]}
        if more:
            cursor = base64.b64encode(page[-1].id.encode()).decode()
            body["paging"] = {"next": {"after": cursor, "link": f"?after={cursor}"}}
        return body

    def _search(self, object_type: str, query: dict[str, Any]) -> dict[str, Any]:
        limit = int(query.get("limit", 10))
        if not 0 <= limit <= SEARCH_LIMIT_MAX:
            raise _Refused(*_error(400, f"limit must be at most {SEARCH_LIMIT_MAX}"))
        offset = int(query.get("after") or 0)
        if offset >= self.search_cap:
            raise _Refused(*_error(400, f"paging past {self.search_cap} results is not supported"))
        found: dict[str, FakeRecord] = {}  # filter groups are OR-ed: each record once
        for group in query.get("filterGroups") or [{"filters": []}]:
            filters = group.get("filters") or []
            matching = self._in_stamp_range(object_type, filters)
            for flt in filters:
                test = _predicate(flt)
                matching = [r for r in matching if test(r)]
            found.update((r.id, r) for r in matching)
        found_list = list(found.values())
        found_list.sort(key=operator.attrgetter("number"))  # the order without sorts
        for sort in reversed(query.get("sorts") or []):
            name, descending = _sort_spec(sort)
            found_list.sort(key=functools.partial(_value, name=name), reverse=descending)
        page = found_list[offset : min(offset + limit, self.search_cap)]
        body: dict[str, Any] = {
            "total": len(found_list),
            "results": [r.as_json(query.get("properties")) for r in page],
        }
        if offset + limit < min(len(found_list), self.search_cap):
            body["paging"] = {"next": {"after": str(offset + limit)}}
        return body

    def _in_stamp_range(self, object_type: str, filters: list[dict[str, Any]]) -> list[FakeRecord]:
        """Searchable records, narrowed first by any `hs_lastmodifieddate` bounds (a sorted
        index stands in for HubSpot's own; the filters are still applied afterwards)."""
        cached = self._stamp_index.get(object_type)
        if cached is None or cached[0] != self._generation:
            ordered = sorted(
                (r for r in self.records[object_type].values() if not r.archived),
                key=lambda r: r.updated_ms,
            )
            cached = (self._generation, ordered, [r.updated_ms for r in ordered])
            self._stamp_index[object_type] = cached
        _, records, stamps = cached
        low, high = 0, len(records)
        for flt in filters:
            if flt.get("propertyName") != "hs_lastmodifieddate" or "value" not in flt:
                continue
            value = _operand("hs_lastmodifieddate", flt["value"])
            if flt["operator"] in ("GT", "GTE"):
                side = bisect.bisect_right if flt["operator"] == "GT" else bisect.bisect_left
                low = max(low, side(stamps, value))
            elif flt["operator"] in ("LT", "LTE"):
                side = bisect.bisect_left if flt["operator"] == "LT" else bisect.bisect_right
                high = min(high, side(stamps, value))
        return [r for r in records[low:high] if r.id not in self.unindexed]

    def _batch_read(
        self, object_type: str, query: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        inputs = query.get("inputs") or []
        if len(inputs) > BATCH_READ_MAX:
            raise _Refused(*_error(400, f"at most {BATCH_READ_MAX} inputs"))
        records = self.records[object_type]
        results, errors = [], []
        for item in inputs:
            record = records.get(str(item.get("id")))
            if record is None or record.archived:
                errors.append(_object_not_found(str(item.get("id"))))
            else:
                results.append(record.as_json(query.get("properties")))
        return _batch_answer(results, errors)

    def _associations(
        self, from_type: str, to_type: str, query: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        inputs = query.get("inputs") or []
        if len(inputs) > ASSOCIATION_INPUTS_MAX:
            raise _Refused(*_error(400, f"at most {ASSOCIATION_INPUTS_MAX} inputs"))
        results, errors = [], []

        def alive(object_type: str, record_id: str | None) -> bool:
            record = self.records[object_type].get(record_id or "")
            return record is not None and not record.archived

        services_of: dict[str, list[str]] = {}
        if from_type == CLIENTS:
            for service_id, client_id in self.client_of.items():
                if alive(SERVICES, service_id):
                    services_of.setdefault(client_id, []).append(service_id)
        for item in inputs:
            source = str(item.get("id"))
            targets: list[str] = []
            if from_type == SERVICES and to_type == CLIENTS and alive(SERVICES, source):
                client = self.client_of.get(source)
                targets = [client] if client and alive(CLIENTS, client) else []
            elif from_type == CLIENTS and to_type == SERVICES and alive(CLIENTS, source):
                targets = services_of.get(source, [])
            if not targets:
                errors.append(_object_not_found(source))
                continue
            to = [
                {
                    "toObjectId": int(target),
                    "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 1}],
                }
                for target in targets
            ]
            results.append({"from": {"id": source}, "to": to})
        return _batch_answer(results, errors)


class _Refused(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: Any = None) -> None:
        super().__init__(status)
        self.status, self.body = status, body


def _error(
    status: int, message: str, category: str = "VALIDATION_ERROR"
) -> tuple[int, dict[str, Any], dict[str, str]]:
    body = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
    }
    return status, body, {}


def _rate_limit_body(policy: str, correlation_id: str) -> dict[str, Any]:
    limit = {"DAILY": "daily", "SECONDLY": "secondly"}.get(policy, "ten_secondly_rolling")
    return {
        "status": "error",
        "message": f"You have reached your {limit} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id,
        "policyName": policy,
        "groupName": f"publicapi:private-app-{limit}:1234",
        "requestId": uuid.uuid4().hex,
    }


def _object_not_found(record_id: str) -> dict[str, Any]:
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": f"Could not find {record_id}",
        "context": {"ids": [record_id]},
    }


def _batch_answer(
    results: list[dict[str, Any]], errors: list[dict[str, Any]]
) -> tuple[int, dict[str, Any], dict[str, str]]:
    now = iso(BASE_MS)
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": now,
        "completedAt": now,
    }
    if errors:
        body["errors"], body["numErrors"] = errors, len(errors)
        return 207, body, {}
    return 200, body, {}


def _value(record: FakeRecord, name: str) -> Any:
    if name == "hs_lastmodifieddate":
        return record.updated_ms
    if name == "hs_object_id":
        return record.number
    return record.properties.get(name) or ""


def _operand(name: str, value: Any) -> Any:
    if name in ("hs_lastmodifieddate", "hs_object_id"):
        text = str(value)
        if text.isdigit():
            return int(text)
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    return value


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": operator.eq,
    "NEQ": operator.ne,
    "GT": operator.gt,
    "GTE": operator.ge,
    "LT": operator.lt,
    "LTE": operator.le,
}


def _predicate(flt: dict[str, Any]) -> Callable[[FakeRecord], bool]:
    """One search filter as a test of a record (built once per search, not per record)."""
    name, kind = flt["propertyName"], flt["operator"]
    if kind in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        wanted = kind == "HAS_PROPERTY"
        return lambda r: (_value(r, name) not in ("", None)) == wanted
    if kind in ("IN", "NOT_IN"):
        values = {_operand(name, v) for v in flt.get("values") or []}
        inside = kind == "IN"
        return lambda r: (_value(r, name) in values) == inside
    low = _operand(name, flt.get("value"))
    if kind == "BETWEEN":
        high = _operand(name, flt.get("highValue"))
        return lambda r: low <= _value(r, name) <= high
    compare = _COMPARE[kind]
    if name == "hs_lastmodifieddate":
        return lambda r: compare(r.updated_ms, low)
    if name == "hs_object_id":
        return lambda r: compare(r.number, low)
    return lambda r: compare(r.properties.get(name) or "", low)


def _sort_spec(sort: Any) -> tuple[str, bool]:
    """A sort as the guide writes it (`{propertyName, direction}`) or as the 2026-03 spec's
    schema does (a string, `-` first for descending)."""
    if isinstance(sort, str):
        return sort.lstrip("-"), sort.startswith("-")
    return sort["propertyName"], sort.get("direction") == "DESCENDING"


async def _asgi(fake: FakeHubSpot, scope: dict, receive: Callable, send: Callable) -> None:
    """The same double over HTTP, for code that is given a URL (the CLI)."""
    if scope["type"] != "http":
        return
    content = b""
    while True:
        message = await receive()
        content += message.get("body", b"")
        if not message.get("more_body"):
            break
    url = f"http://fake{scope['path']}" + (
        f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
    )
    headers = [(k.decode(), v.decode()) for k, v in scope["headers"]]
    response = fake.handle(httpx.Request(scope["method"], url, headers=headers, content=content))
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": [(k.encode(), v.encode()) for k, v in response.headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": response.content})


@contextmanager
def serve_fake(fake: FakeHubSpot) -> Iterator[str]:
    """Serve the double in a daemon thread on a free loopback port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)

    async def app(scope: dict, receive: Callable, send: Callable) -> None:
        await _asgi(fake, scope, receive, send)

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fake HubSpot did not start")
        time.sleep(0.005)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)
        if thread.is_alive():
            server.force_exit = True
            thread.join(5)
        sock.close()
