"""The HTTP client for the backend: timeouts, bounded retries, errors that never leak the token."""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from sync.retry import RETRY_TOTAL_S, Retryable, retry_after, with_retries
from sync.wire import API_PREFIX, Action, ActionBatch, ActionResults, ChangePage

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0


class SyncError(Exception):
    """A sync failure with a one-line message for the user and the CLI exit code."""

    exit_code = 1
    user_must_act = False
    """Trying again cannot help until the user changes something (a token, the config)."""


class CredentialsRejected(SyncError):
    exit_code = 3
    user_must_act = True


class MissingToken(SyncError):
    user_must_act = True


class BackendUnavailable(SyncError):
    pass


class TokenExpired(SyncError):
    """The server no longer knows our change token: a full resync is needed."""


class BadResponse(SyncError):
    pass


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_backend_url(url: str, *, allow_insecure: bool = False) -> str:
    """Plain http is only for loopback (the reference backend) unless explicitly allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(f"backend URL {url!r} must look like https://host[:port]")
    if parts.scheme == "http" and not _is_loopback(parts.hostname) and not allow_insecure:
        raise SyncError(
            f"refusing plain http to {parts.hostname}: use https "
            "(or set allow_insecure_http = true in the profile)"
        )
    return url.rstrip("/")


def _no_delay_transport() -> httpx.HTTPTransport | None:
    """A transport with TCP_NODELAY, or None (httpx's own) when proxy variables are set.

    httpx writes a POST's headers and body separately; with Nagle the body waited for the
    server's delayed ACK, 12-50 ms a push on loopback instead of 2 ms. A transport of our own
    stops httpx from reading the proxy variables, so with any set we leave it to httpx.
    """
    if urllib.request.getproxies():
        return None
    return httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])


class BackendClient:
    """One partner's view of the backend. Use as a context manager."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        retry_total_s: float = RETRY_TOTAL_S,
        transport: httpx.BaseTransport | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        self.base_url = check_backend_url(base_url, allow_insecure=allow_insecure_http)
        self._retry_total_s = retry_total_s
        self._http = httpx.Client(
            base_url=self.base_url + API_PREFIX,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "partnerops"},
            timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
            transport=transport if transport is not None else _no_delay_transport(),
        )

    def __repr__(self) -> str:
        return f"BackendClient({self.base_url!r})"

    def __enter__(self) -> BackendClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def changes(self, resource: str, since: str | None, limit: int) -> ChangePage:
        params: dict[str, Any] = {"limit": limit}
        if since is not None:
            params["since"] = since
        try:
            # Parsed and validated in one pass by pydantic-core, straight from the bytes:
            # `json.loads` and then validating the dicts took three times as long.
            page = self._request(
                "GET", f"/changes/{resource}", parse=ChangePage.model_validate_json, params=params
            )
        except ValidationError:
            raise BadResponse(f"the backend sent a malformed page of {resource}") from None
        if len(page.items) > limit:
            # A page bigger than asked for is a broken or hostile server, not more data.
            raise BadResponse(
                f"the backend sent {len(page.items):,} {resource} on a page of at most {limit:,}"
            )
        return page

    def push(self, actions: list[Action]) -> ActionResults:
        payload = ActionBatch(actions=actions).model_dump(mode="json")
        body = self._request("POST", "/actions", json=payload)
        try:
            return ActionResults.model_validate(body)
        except ValueError:
            raise BadResponse("the backend sent a malformed answer to pushed actions") from None

    def _request(
        self, method: str, path: str, *, parse: Callable[[bytes], Any] = json.loads, **kwargs: Any
    ) -> Any:
        """The parsed body of a successful answer; `parse` may raise ValidationError."""
        return with_retries(
            lambda: self._once(method, path, parse, **kwargs),
            timeout_s=self._retry_total_s,
            gave_up=lambda exc: BackendUnavailable(
                f"the backend kept answering {exc} for {self._retry_total_s:.0f} s; try again later"
            ),
            unreachable=lambda exc: BackendUnavailable(
                f"cannot reach the backend at {self.base_url} ({type(exc).__name__})"
            ),
        )

    def _once(self, method: str, path: str, parse: Callable[[bytes], Any], **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        status = response.status_code
        if status in (401, 403):
            raise CredentialsRejected(
                f"the backend at {self.base_url} rejected the token (HTTP {status}); "
                "check PARTNEROPS_TOKEN or run `partnerops login`"
            )
        if status == 410:
            raise TokenExpired("the backend no longer knows our change token")
        if status == 429 or status >= 500:
            raise Retryable(f"HTTP {status}", retry_after(response))
        if status >= 400:
            raise BadResponse(f"the backend refused {method} {path}: HTTP {status}")
        try:
            return parse(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            # A truncated body is as transient as a dropped connection.
            raise Retryable("truncated or invalid JSON") from None
        except ValidationError as exc:
            if any(error["type"] == "json_invalid" for error in exc.errors()):
                raise Retryable("truncated or invalid JSON") from None
            raise
