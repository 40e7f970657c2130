"""Request bodies read only after authentication, and never beyond a size cap (issue 20.4).

FastAPI reads and parses a body parameter before it runs the dependencies, so an
unauthenticated client could make the server hold and parse any amount. Endpoints with a body
take the `Request` instead, authenticate through their dependency, then call `read_body`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from pydantic import BaseModel, ValidationError

from sync.wire import MAX_PAGE_SIZE, ActionBatch

# A console sends 100 actions a batch; 5000 notes of 10,000 characters would not fit, and need
# not: 16 MiB is far above any real batch and far below what hurts the server.
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_ACTIONS_PER_BATCH = MAX_PAGE_SIZE
Model = TypeVar("Model", bound=BaseModel)


class ApiException(Exception):
    """Any non-2xx answer; rendered as a `wire.ApiError` body."""

    def __init__(
        self, status: int, error: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers


def _too_large() -> ApiException:
    return ApiException(
        413, "payload_too_large", f"send at most {MAX_BODY_BYTES} bytes in one request body"
    )


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, refused with 413 as soon as it (or its Content-Length) passes `limit`."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def parse_body(model: type[Model], body: bytes) -> Model:
    try:
        return model.model_validate_json(body)
    except ValidationError as invalid:
        raise ApiException(422, "invalid_request", validation_message(invalid.errors())) from None


def validation_message(errors: Sequence[Any]) -> str:
    parts = []
    for problem in errors[:5]:
        where = ".".join(str(part) for part in problem.get("loc", ()))
        parts.append(f"{where}: {problem.get('msg', 'invalid')}"[:200])
    return "; ".join(parts) or "invalid request"


def check_batch(batch: ActionBatch) -> None:
    if len(batch.actions) > MAX_ACTIONS_PER_BATCH:
        raise ApiException(
            422, "too_many_actions", f"send at most {MAX_ACTIONS_PER_BATCH} actions a batch"
        )


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for an endpoint that reads `model` itself (see `document_bodies`)."""
    reference = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": reference}}}
    }


def document_bodies(app: FastAPI, models: list[type[BaseModel]]) -> None:
    """Add the body models' schemas to the OpenAPI document's components."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
