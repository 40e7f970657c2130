"""A fake HubSpot CRM API on loopback, following HubSpot's documented response shapes.

- list: `GET /crm/v3/objects/{type}?limit&after&properties&archived` → `results`, and
  `paging.next.after` while more remain; archived records only with `archived=true`;
- search: `POST /crm/v3/objects/{type}/search` with `filterGroups` (OR of AND-ed filters),
  one sort, `after` offsets, `total`; archived records never appear; 400 past `search_cap`
  results; records in `unindexed` are not searchable yet (search lags behind writes);
- properties: `GET /crm/v3/properties/{type}`;
- associations: `POST /crm/v4/associations/{from}/{to}/batch/read` → 200, or 207 with
  `errors` for ids without an association;
- errors: `status`, `message`, `correlationId`, `category`; 429 adds `policyName` and may
  carry `Retry-After`. `fail_next` queues such answers ahead of real ones.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
CLIENTS, SERVICES = "partner_clients", "partner_services"
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


@dataclass
class FakeRecord:
    id: str
    properties: dict[str, str | None]
    updated_ms: int
    archived: bool = False
    client_id: str | None = None  # services: the associated partner client

    def as_json(self, wanted: list[str] | None) -> dict[str, Any]:
        props = {
            **self.properties,
            "hs_object_id": self.id,
            "hs_lastmodifieddate": iso(self.updated_ms),
        }
        if wanted is not None:
            keep = {*wanted, "hs_object_id", "hs_lastmodifieddate", "hs_createdate"}
            props = {k: v for k, v in props.items() if k in keep}
        body = {
            "id": self.id,
            "properties": props,
            "createdAt": iso(BASE_MS),
            "updatedAt": iso(self.updated_ms),
            "archived": self.archived,
        }
        if self.archived:
            body["archivedAt"] = iso(self.updated_ms)
        return body


@dataclass
class Fault:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    path_contains: str = ""


CLIENT_PROPERTIES = (
    "hs_name",
    "hs_domain",
    "hs_hub_id",
    "industry",
    "country",
    "hs_mrr",
    "engagement_score",
    "apps_in_use",
    "owner_email",
    "partner_note",  # maps to nothing: stays visible in the raw view only
)
SERVICE_PROPERTIES = ("hs_product", "hs_edition", "hs_term", "hs_billing_frequency", "hs_mrr")
SERVICE_PROPERTIES += ("hs_start_date", "hs_renewal_date")


class FakeHubSpot:
    """The account's records and the fake's switches; tests change them between syncs."""

    def __init__(self, search_cap: int = 10_000) -> None:
        self.records: dict[str, dict[str, FakeRecord]] = {CLIENTS: {}, SERVICES: {}}
        self.properties = {CLIENTS: list(CLIENT_PROPERTIES), SERVICES: list(SERVICE_PROPERTIES)}
        self.search_cap = search_cap
        self.unindexed: set[str] = set()
        self.faults: deque[Fault] = deque()
        self.log: list[tuple[str, str, dict[str, Any]]] = []
        self._ids = itertools.count(1001)
        self.lock = threading.Lock()

    # Building the account.

    def add_client(self, updated_ms: int = BASE_MS, **props: str | None) -> FakeRecord:
        record_id = str(next(self._ids))
        defaults = {
            "hs_name": f"Client {record_id}",
            "hs_domain": f"c{record_id}.example",
            "hs_hub_id": str(40_000 + int(record_id)),
            "hs_mrr": "120.50",
            "engagement_score": "5",
            "apps_in_use": "Zoom;Slack",
            "partner_note": f"note {record_id}",
        }
        record = FakeRecord(record_id, {**defaults, **props}, updated_ms)
        self.records[CLIENTS][record_id] = record
        return record

    def add_service(
        self, client: FakeRecord, updated_ms: int = BASE_MS, **props: str
    ) -> FakeRecord:
        record_id = str(next(self._ids))
        defaults = {
            "hs_product": "marketing_hub",
            "hs_edition": "PROFESSIONAL",
            "hs_term": "annual",
            "hs_billing_frequency": "monthly",
            "hs_mrr": "800",
            "hs_start_date": "2025-02-01",
            "hs_renewal_date": "2027-02-01",
        }
        record = FakeRecord(record_id, {**defaults, **props}, updated_ms, client_id=client.id)
        self.records[SERVICES][record_id] = record
        return record

    def update(self, record: FakeRecord, updated_ms: int, **props: str) -> None:
        record.properties.update(props)
        record.updated_ms = updated_ms

    def archive(self, record: FakeRecord, updated_ms: int) -> None:
        record.archived = True
        record.updated_ms = updated_ms

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
        body: dict[str, Any] = {
            "status": "error",
            "message": message or f"fake error {status}",
            "correlationId": correlation_id,
            "category": category or ("RATE_LIMITS" if status == 429 else "VALIDATION_ERROR"),
        }
        if policy:
            body["policyName"] = policy
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self.faults.extend(Fault(status, body, headers, path_contains) for _ in range(times))
        return correlation_id

    def searches(self) -> list[dict[str, Any]]:
        return [body for method, path, body in self.log if path.endswith("/search")]


def _error(status: int, message: str, category: str = "VALIDATION_ERROR") -> JSONResponse:
    body = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
    }
    return JSONResponse(body, status_code=status)


_COMPARE = {
    "EQ": lambda a, b: a == b,
    "NEQ": lambda a, b: a != b,
    "GT": lambda a, b: a > b,
    "GTE": lambda a, b: a >= b,
    "LT": lambda a, b: a < b,
    "LTE": lambda a, b: a <= b,
}


def _sort_value(record: FakeRecord, name: str) -> Any:
    if name == "hs_lastmodifieddate":
        return record.updated_ms
    if name == "hs_object_id":
        return int(record.id)
    return record.properties.get(name) or ""


def _matches(record: FakeRecord, flt: dict[str, Any]) -> bool:
    name, operator = flt["propertyName"], flt["operator"]
    value = flt.get("value")
    if name in ("hs_lastmodifieddate", "hs_object_id"):
        return _COMPARE[operator](_sort_value(record, name), int(value))
    return _COMPARE[operator](record.properties.get(name) or "", value)


def create_app(fake: FakeHubSpot) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def guard(request: Request, call_next):
        body = await request.body()
        fake.log.append((request.method, request.url.path, dict(request.query_params)))
        if body and request.url.path.endswith("/search"):
            fake.log[-1] = (request.method, request.url.path, json.loads(body))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
        with fake.lock:
            fault = next((f for f in fake.faults if f.path_contains in request.url.path), None)
            if fault is not None:
                fake.faults.remove(fault)
        if fault is not None:
            return JSONResponse(fault.body, status_code=fault.status, headers=fault.headers)
        return await call_next(request)

    @app.get("/crm/v3/properties/{object_type}")
    def properties(object_type: str):
        names = fake.properties.get(object_type)
        if names is None:
            return _error(404, f"Unable to infer object type from: {object_type}")
        results = [
            {"name": n, "label": n.replace("_", " ").title(), "type": "string", "fieldType": "text"}
            for n in [*names, "hs_object_id", "hs_lastmodifieddate", "hs_createdate"]
        ]
        return {"results": results}

    @app.get("/crm/v3/objects/{object_type}")
    def list_objects(
        object_type: str,
        limit: int = 10,
        after: str | None = None,
        properties: str | None = None,
        archived: bool = False,
    ):
        if object_type not in fake.records:
            return _error(404, f"Unable to infer object type from: {object_type}")
        if limit > 100:
            return _error(400, "limit must be at most 100")
        wanted = properties.split(",") if properties else []
        chosen = sorted(
            (r for r in fake.records[object_type].values() if r.archived == archived),
            key=lambda r: int(r.id),
        )
        start = int(after) if after else 0
        chosen = [r for r in chosen if int(r.id) > start]
        page = chosen[:limit]
        body: dict[str, Any] = {"results": [r.as_json(wanted) for r in page]}
        if len(chosen) > limit:
            cursor = page[-1].id
            body["paging"] = {"next": {"after": cursor, "link": f"?after={cursor}"}}
        return body

    @app.post("/crm/v3/objects/{object_type}/search")
    async def search(object_type: str, request: Request):
        if object_type not in fake.records:
            return _error(404, f"Unable to infer object type from: {object_type}")
        query = await request.json()
        sorts = query.get("sorts") or []
        if len(sorts) > 1:
            return _error(400, "only one sort is supported")
        limit = int(query.get("limit", 10))
        offset = int(query.get("after") or 0)
        if limit > 200:
            return _error(400, "limit must be at most 200")
        groups = query.get("filterGroups") or [{"filters": []}]
        found = [
            r
            for r in fake.records[object_type].values()
            if not r.archived
            and r.id not in fake.unindexed
            and any(all(_matches(r, f) for f in g["filters"]) for g in groups)
        ]
        if sorts:
            name = sorts[0]["propertyName"]
            reverse = sorts[0].get("direction") == "DESCENDING"
            found.sort(key=lambda r: _sort_value(r, name), reverse=reverse)
        if offset >= fake.search_cap:
            return _error(400, f"paging past {fake.search_cap} search results is not supported")
        page = found[offset : min(offset + limit, fake.search_cap)]
        body: dict[str, Any] = {
            "total": len(found),
            "results": [r.as_json(query.get("properties")) for r in page],
        }
        if offset + limit < len(found):
            cursor = str(offset + limit)
            body["paging"] = {"next": {"after": cursor, "link": f"?after={cursor}"}}
        return body

    @app.post("/crm/v4/associations/{from_type}/{to_type}/batch/read")
    async def associations(from_type: str, to_type: str, request: Request):
        inputs = (await request.json()).get("inputs") or []
        results, errors = [], []
        for item in inputs:
            record = fake.records.get(from_type, {}).get(str(item.get("id")))
            if record is None or record.client_id is None or to_type != CLIENTS:
                errors.append(
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "message": f"No {to_type} is associated with {item.get('id')}",
                        "context": {"fromObjectId": [str(item.get("id"))]},
                    }
                )
                continue
            results.append(
                {
                    "from": {"id": record.id},
                    "to": [
                        {
                            "toObjectId": int(record.client_id),
                            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 1}],
                        }
                    ],
                }
            )
        body: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            body["errors"] = errors
            body["numErrors"] = len(errors)
            return JSONResponse(body, status_code=207)
        return body

    return app


@contextmanager
def serve_fake(fake: FakeHubSpot) -> Iterator[str]:
    """Serve the fake in a daemon thread on a free loopback port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Without TCP_NODELAY, delayed ACKs add ~40 ms to every POST on loopback.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    config = uvicorn.Config(create_app(fake), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # started is set once the socket accepts requests
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
