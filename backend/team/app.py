"""The team server's HTTP API: docs/backend-api.md, plus people, audit, health and metrics.

Handlers that touch the database are plain `def`s, so FastAPI runs them in its thread pool and
the event loop stays free. Bodies are read only after the token is checked (backend.bodies).

No `from __future__ import annotations` here: FastAPI resolves the dependency annotations of
the closures in `create_team_app` at definition time.
"""

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from backend.actions import apply_action
from backend.app import install_error_handlers
from backend.bodies import (
    ApiException,
    body_schema,
    check_batch,
    document_bodies,
    parse_body,
    read_body,
)
from backend.faults import Faults, FaultState, RequestFaults, play_request_faults
from backend.team import audit
from backend.team.database import reader, schema_is_current, writer
from backend.team.metrics import CONTENT_TYPE, Metrics, MetricsMiddleware
from backend.team.people import Person, authenticate
from backend.team.readahead import ReadAhead
from backend.team.records import PartnerRecords, feed_page, lock_partner
from backend.team.tables import TeamMeta, table
from backend.team.upstream import Refresher
from sync.wire import (
    API_PREFIX,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    RESOURCE_MODELS,
    ActionBatch,
    ActionResult,
    ActionResults,
    ApiError,
    ChangePage,
)

_encode = json.JSONEncoder(separators=(",", ":")).encode
_NO_FAULTS = RequestFaults(rate_limited=False, server_error=False, truncated=False)
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ApiError, "description": "Missing, unknown or revoked token"},
    422: {"model": ApiError, "description": "Invalid parameters or body"},
}
_ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    403: {"model": ApiError, "description": "The token's person is not an admin"},
}
# Switches the team server can play; the others change stored data or need the in-memory feed.
_UNSUPPORTED_FAULTS = ("malformed_rate", "world_moves")


class TokenExpired(Exception):
    """A change token this database did not issue for this partner and resource."""


@dataclass
class FaultBox:
    """The live fault state; replaced whole when the switches change (resets the counters)."""

    state: FaultState


@dataclass(frozen=True)
class Caller:
    person: Person
    faults: RequestFaults


def _instance(engine: Engine) -> str:
    meta = table(TeamMeta.__tablename__)
    with engine.connect() as connection:
        query = select(meta.c.value).where(meta.c.name == "instance")
        return str(connection.execute(query).scalar_one())


def change_token(instance: str, partner_id: int, resource: str, seq: int) -> str:
    raw = f"{instance}:{partner_id}:{resource}:{seq}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def parse_change_token(instance: str, partner_id: int, resource: str, token: str, head: int) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        token_instance, partner_text, token_resource, seq_text = raw.split(":")
        seq = int(seq_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise TokenExpired("the change token is not one this server issued") from None
    if token_instance != instance:
        raise TokenExpired("the change token is from another server's database")
    if partner_text != str(partner_id) or token_resource != resource or not 0 <= seq <= head:
        raise TokenExpired("the change token does not belong to this feed")
    return seq


def _respond(body: bytes, faults: RequestFaults) -> Response:
    if faults.truncated:
        body = body[: len(body) // 2]
    return Response(content=body, media_type="application/json")


def create_team_app(
    engine: Engine,
    *,
    refresher: Refresher | None = None,
    test_faults: bool = False,
    today: Callable[[], date] | None = None,
) -> FastAPI:
    """The app over a migrated database. `test_faults` adds `/v1/admin/faults` (tests only)."""
    app = FastAPI(
        title="partnerops team server",
        version="1",
        summary="docs/backend-api.md for a team: people, audit, durable change feeds.",
        docs_url=None,
        redoc_url=None,
    )
    metrics = Metrics()
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    install_error_handlers(app)
    document_bodies(app, [ActionBatch, Faults])
    instance = _instance(engine)
    write_engine = writer(engine)
    read_engine = reader(engine)
    read_ahead = ReadAhead(read_engine)
    switches = FaultBox(FaultState(Faults()))
    current_day = today or (lambda: datetime.now(UTC).date())
    bearer = HTTPBearer(auto_error=False, description="One person's token")

    def reading() -> Iterator[Connection]:
        """One connection per request for its reads: the token check and the page share it."""
        with read_engine.connect() as connection:
            yield connection

    def authenticated(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
        connection: Annotated[Connection, Depends(reading)],
    ) -> Person:
        person = None
        if credentials is not None:
            person = authenticate(connection, credentials.credentials)
        if person is None:
            raise ApiException(
                401,
                "unauthorized",
                "send 'Authorization: Bearer <token>' with a token this server issued",
                {"WWW-Authenticate": "Bearer"},
            )
        return person

    def admin(person: Annotated[Person, Depends(authenticated)]) -> Person:
        if not person.is_admin:
            raise ApiException(403, "forbidden", "only an admin of the partner may do this")
        return person

    async def caller(person: Annotated[Person, Depends(authenticated)]) -> Caller:
        if not test_faults:
            return Caller(person, _NO_FAULTS)
        return Caller(person, await play_request_faults(switches.state))

    @app.get(f"{API_PREFIX}/health", tags=["meta"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get(f"{API_PREFIX}/ready", tags=["meta"], responses={503: {"model": ApiError}})
    def ready() -> JSONResponse:
        """Readiness: the database answers and its schema is the newest."""
        try:
            current = schema_is_current(engine)
        except Exception:  # noqa: BLE001 - any database failure means not ready
            current = False
        if not current:
            body = ApiError(
                error="not_ready", message="the database is not reachable or not migrated"
            )
            return JSONResponse(body.model_dump(), status_code=503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", tags=["meta"], response_class=PlainTextResponse)
    def prometheus() -> Response:
        return Response(metrics.text(), media_type=CONTENT_TYPE)

    @app.get(f"{API_PREFIX}/me", tags=["people"], responses=_ERRORS)
    def me(person: Annotated[Person, Depends(authenticated)]) -> dict[str, str]:
        """Who the token belongs to (team server only)."""
        return {"email": person.email, "role": person.role, "partner": person.partner_name}

    @app.get(
        f"{API_PREFIX}/changes/{{resource}}",
        response_model=ChangePage,
        tags=["sync"],
        responses={
            **_ERRORS,
            404: {"model": ApiError, "description": "Unknown resource"},
            410: {"model": ApiError, "description": "Unknown change token: resync in full"},
        },
    )
    def changes(
        resource: str,
        who: Annotated[Caller, Depends(caller)],
        connection: Annotated[Connection, Depends(reading)],
        since: Annotated[str | None, Query(description="Token from a previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    ) -> Response:
        """Records changed (and ids deleted) after `since`, in change order."""
        if resource not in RESOURCE_MODELS:
            known = ", ".join(RESOURCE_MODELS)
            raise ApiException(404, "unknown_resource", f"no resource {resource!r}; use {known}")
        person = who.person
        since_seq = 0
        if since is not None:
            # The head read with the token: no token issued before this request is beyond it.
            try:
                since_seq = parse_change_token(
                    instance, person.partner_id, resource, since, person.head
                )
            except TokenExpired as expired:
                raise ApiException(410, "token_expired", f"{expired}; resync in full") from None
        page = read_ahead.take(person.partner_id, resource, since_seq, limit, person.head)
        if page is None:
            page = feed_page(connection, person.partner_id, resource, since_seq, limit)
        read_ahead.read_next(person.partner_id, resource, page, limit)
        next_token = change_token(instance, person.partner_id, resource, page.next_seq)
        body = "".join(
            (
                '{"items":[',
                ",".join(page.bodies),
                '],"deleted":',
                _encode(page.deleted),
                ',"next":',
                _encode(next_token),
                ',"has_more":',
                "true" if page.has_more else "false",
                "}",
            )
        )
        return _respond(body.encode(), who.faults)

    def apply_batch(person: Person, batch: ActionBatch) -> list[ActionResult]:
        # One transaction per batch under the partner's lock: commits stay in change order.
        with write_engine.begin() as connection:
            head = lock_partner(connection, person.partner_id)
            store = PartnerRecords(connection, person.partner_id, current_day(), head)
            results = [apply_action(store, action, actor=person.email) for action in batch.actions]
            store.finish()
            outcomes = list(zip(batch.actions, results, strict=True))
            audit.record_outcomes(connection, person.partner_id, person.email, outcomes)
        return results

    @app.post(
        f"{API_PREFIX}/actions",
        response_model=ActionResults,
        tags=["sync"],
        responses={**_ERRORS, 413: {"model": ApiError, "description": "Body too large"}},
        openapi_extra=body_schema(ActionBatch),
    )
    async def actions(request: Request, who: Annotated[Caller, Depends(caller)]) -> Response:
        """Apply intents, each at most once per key; one result per action, in order."""
        batch = parse_body(ActionBatch, await read_body(request))
        check_batch(batch)
        results = await run_in_threadpool(apply_batch, who.person, batch)
        return _respond(ActionResults(results=results).model_dump_json().encode(), who.faults)

    @app.get(f"{API_PREFIX}/admin/audit", tags=["admin"], responses=_ADMIN_ERRORS)
    def read_audit(
        person: Annotated[Person, Depends(admin)],
        after: Annotated[int, Query(ge=0, description="Rows with a larger id")] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
    ) -> Response:
        """The partner's audit trail, oldest first (an admin's token only)."""
        with read_engine.connect() as connection:
            rows = audit.read_audit(connection, person.partner_id, after, limit)
        if format == "csv":
            return Response(audit.audit_csv(rows), media_type="text/csv; charset=utf-8")
        return JSONResponse({"entries": rows})

    @app.post(
        f"{API_PREFIX}/admin/refresh", tags=["admin"], status_code=202, responses=_ADMIN_ERRORS
    )
    def refresh_now(person: Annotated[Person, Depends(admin)]) -> dict[str, str]:
        """Pull upstream now, in the background (one pull at a time for the whole server)."""
        if refresher is None:
            raise ApiException(409, "no_upstream", "this server was started without an upstream")
        started = refresher.trigger()
        return {"status": "started" if started else "already_running"}

    if test_faults:
        _add_fault_switches(app, switches, admin)
    return app


def _add_fault_switches(app: FastAPI, switches: FaultBox, admin: Callable[..., Person]) -> None:
    """Only with `--test-faults`: without it these paths do not exist (404)."""

    @app.get(f"{API_PREFIX}/admin/faults", response_model=Faults, tags=["admin"])
    def get_faults(person: Annotated[Person, Depends(admin)]) -> Faults:
        return switches.state.settings

    @app.put(
        f"{API_PREFIX}/admin/faults",
        response_model=Faults,
        tags=["admin"],
        openapi_extra=body_schema(Faults),
    )
    async def put_faults(request: Request, person: Annotated[Person, Depends(admin)]) -> Faults:
        settings = parse_body(Faults, await read_body(request))
        for name in _UNSUPPORTED_FAULTS:
            if getattr(settings, name):
                raise ApiException(422, "invalid_request", f"{name}: not played by the team server")
        switches.state = FaultState(settings)
        return settings
