"""The reference backend's HTTP API (see docs/backend-api.md).

Handlers are `async def` and short: the store is in memory, so running them on the event loop
avoids a thread-pool hop per request. The changes endpoint answers with JSON it assembles from each
record's cached encoding (see store.ResourceFeed) instead of validating thousands of records
through a response model on every page.

No `from __future__ import annotations` here: FastAPI resolves the dependency annotations of
the closures in `create_app` at definition time, which string annotations would break.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.actions import apply_actions
from backend.bodies import (
    ApiException,
    body_schema,
    check_batch,
    document_bodies,
    parse_body,
    read_body,
    validation_message,
)
from backend.faults import Faults, RequestFaults, play_request_faults
from backend.store import PartnerStore, Store, TokenExpired
from backend.world import apply_world_moves
from sync.wire import (
    API_PREFIX,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    RESOURCE_MODELS,
    ActionBatch,
    ActionResults,
    ApiError,
    ChangePage,
)

_encode = json.JSONEncoder(separators=(",", ":")).encode
_STATUS_ERRORS = {404: "not_found", 405: "method_not_allowed"}
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ApiError, "description": "Missing or unknown bearer token"},
    422: {"model": ApiError, "description": "Invalid parameters or body"},
    429: {"model": ApiError, "description": "Rate limited (fault switch); see Retry-After"},
    500: {"model": ApiError, "description": "Server error (or the error-rate fault switch)"},
}


@dataclass(frozen=True)
class Caller:
    partner: PartnerStore
    faults: RequestFaults


def _error_response(
    status: int, error: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = ApiError(error=error, message=message).model_dump()
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiException)
        return _error_response(exc.status, exc.error, exc.message, exc.headers)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        error = _STATUS_ERRORS.get(exc.status_code, "http_error")
        return _error_response(exc.status_code, error, str(exc.detail), dict(exc.headers or {}))

    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _error_response(422, "invalid_request", validation_message(exc.errors()))

    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        return _error_response(500, "internal_error", "the server failed to answer")

    app.add_exception_handler(ApiException, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, crashed)


def _respond(body: bytes, faults: RequestFaults) -> Response:
    if faults.truncated:
        body = body[: len(body) // 2]  # a cut-off body: valid HTTP, invalid JSON
    return Response(content=body, media_type="application/json")


def create_app(store: Store) -> FastAPI:
    app = FastAPI(
        title="partnerops reference backend",
        version="1",
        summary="Change feeds and actions for the Partner Ops Console (docs/backend-api.md).",
        docs_url=None,  # the UI pages pull assets from a CDN; the JSON document is enough
        redoc_url=None,
    )
    app.state.store = store
    install_error_handlers(app)
    document_bodies(app, [ActionBatch, Faults])
    bearer = HTTPBearer(auto_error=False, description="One partner's token")

    def authenticated(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> PartnerStore:
        partner = store.authenticate(credentials.credentials) if credentials else None
        if partner is None:
            raise ApiException(
                401,
                "unauthorized",
                "send 'Authorization: Bearer <token>' with a token this server knows",
                {"WWW-Authenticate": "Bearer"},
            )
        return partner

    async def caller(partner: Annotated[PartnerStore, Depends(authenticated)]) -> Caller:
        """Authenticate, then play the request-level fault switches."""
        return Caller(partner, await play_request_faults(store.fault_state))

    @app.get(f"{API_PREFIX}/health", tags=["meta"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

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
    async def changes(
        resource: str,
        who: Annotated[Caller, Depends(caller)],
        since: Annotated[str | None, Query(description="Token from a previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    ) -> Response:
        """Records changed (and ids deleted) after `since`, in change order."""
        if resource not in RESOURCE_MODELS:
            known = ", ".join(RESOURCE_MODELS)
            raise ApiException(404, "unknown_resource", f"no resource {resource!r}; use {known}")
        partner = who.partner
        try:
            since_seq = 0 if since is None else store.parse_change_token(partner, resource, since)
        except TokenExpired as expired:
            raise ApiException(410, "token_expired", f"{expired}; resync in full") from None
        moves = store.faults.world_moves
        if moves:
            state = store.fault_state
            with state.lock:
                apply_world_moves(partner, state.rng, moves)
        page = partner.changes(resource, since_seq, limit)
        if store.faults.malformed_rate:
            encoded = [_encode(item).encode() for item in store.fault_state.malform(page.items)]
        else:
            encoded = page.encoded
        body = b"".join(
            (
                b'{"items":[',
                b",".join(encoded),
                b'],"deleted":',
                _encode(page.deleted).encode(),
                b',"next":',
                _encode(store.change_token(partner, resource, page.next_seq)).encode(),
                b',"has_more":',
                b"true" if page.has_more else b"false",
                b"}",
            )
        )
        return _respond(body, who.faults)

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
        results = ActionResults(results=apply_actions(who.partner, batch.actions))
        return _respond(results.model_dump_json().encode(), who.faults)

    @app.get(f"{API_PREFIX}/admin/faults", response_model=Faults, tags=["admin"], responses=_ERRORS)
    async def get_faults(partner: Annotated[PartnerStore, Depends(authenticated)]) -> Faults:
        return store.faults

    @app.put(
        f"{API_PREFIX}/admin/faults",
        response_model=Faults,
        tags=["admin"],
        responses=_ERRORS,
        openapi_extra=body_schema(Faults),
    )
    async def put_faults(
        request: Request, partner: Annotated[PartnerStore, Depends(authenticated)]
    ) -> Faults:
        """Replace the misbehaviour switches (store-wide; any partner's token may set them)."""
        settings = parse_body(Faults, await read_body(request))
        store.faults = settings
        return settings

    return app
