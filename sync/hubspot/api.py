"""HubSpot's CRM API over httpx: paths, rate limits, retries and one-line errors.

The private app token goes into the Authorization header and nowhere else: no message, log
line or repr built here ever includes it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sync.client import (
    CONNECT_TIMEOUT_S,
    READ_TIMEOUT_S,
    BackendUnavailable,
    BadResponse,
    CredentialsRejected,
    SyncError,
    check_backend_url,
)
from sync.retry import RETRY_TOTAL_S, Retryable, retry_after, with_retries

DEFAULT_BASE_URL = "https://api.hubapi.com"
DEFAULT_API_VERSION = "v3"
DEFAULT_REQUESTS_PER_10S = 100  # Free/Starter; Pro/Enterprise accounts may set 190
DEFAULT_SEARCHES_PER_S = 5
BURST_WINDOW_S = 10.0 * 1.1
"""HubSpot counts the burst per 10 s as it receives requests; our windows are 10 % wider, so
a request that travels faster than the one before it still lands inside the limit."""
SEARCH_WINDOW_S = 1.0 * 1.25
"""The same margin for search's 5 per second: 5 per 1.25 s is 4 a second on average."""
ASSOCIATION_BATCH_MAX = 1_000  # ids per batch association read
BATCH_READ_MAX = 100  # ids per batch read of records
TRANSIENT_STATUSES = frozenset({502, 503, 504})
MESSAGE_MAX = 200


class HubSpotDailyLimit(SyncError):
    """The private app's daily request cap is used up: retrying today only makes it worse."""


class MissingScopes(CredentialsRejected):
    """The private app lacks scopes; `scopes` names them when HubSpot said which."""

    def __init__(self, message: str, scopes: list[str]) -> None:
        super().__init__(message)
        self.scopes = scopes


@dataclass(frozen=True)
class Paths:
    """Every URL path the sync uses, for `v3` or a date version such as `2026-03`."""

    version: str = DEFAULT_API_VERSION

    @property
    def _dated(self) -> bool:
        return self.version != "v3"

    def objects(self, object_type: str) -> str:
        if self._dated:
            return f"/crm/objects/{self.version}/{object_type}"
        return f"/crm/v3/objects/{object_type}"

    def search(self, object_type: str) -> str:
        return f"{self.objects(object_type)}/search"

    def batch_read(self, object_type: str) -> str:
        return f"{self.objects(object_type)}/batch/read"

    def properties(self, object_type: str) -> str:
        if self._dated:
            return f"/crm/properties/{self.version}/{object_type}"
        return f"/crm/v3/properties/{object_type}"

    def association_batch(self, from_type: str, to_type: str) -> str:
        if self._dated:
            return f"/crm/associations/{self.version}/{from_type}/{to_type}/batch/read"
        return f"/crm/v4/associations/{from_type}/{to_type}/batch/read"


class RateLimiter:
    """Sliding windows: at most `limit` calls in any `window_s`. Thread-safe; `clock` and
    `sleep` are injectable so tests can check the arithmetic without waiting."""

    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1:
            raise ValueError("a rate limit needs at least one call per window")
        self.limit = limit
        self.window_s = window_s
        self._calls: deque[float] = deque()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for a free slot and take it; returns the seconds waited."""
        return acquire_all([self], clock=self._clock, sleep=self._sleep)

    def pause_at(self, now: float) -> float:
        """Seconds until a slot is free at `now` (0 when one is)."""
        while self._calls and now - self._calls[0] >= self.window_s:
            self._calls.popleft()
        if len(self._calls) < self.limit:
            return 0.0
        return self.window_s - (now - self._calls[0])

    def take(self, now: float) -> None:
        self._calls.append(now)


_ACQUIRE_LOCK = threading.Lock()


def acquire_all(
    limiters: list[RateLimiter],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Take a slot in every limiter at one and the same moment, waiting until all have one.

    Taking them one after another would stamp the first slot before the wait for the second,
    earlier than the request really leaves. Returns the seconds waited."""
    waited = 0.0
    while True:
        with _ACQUIRE_LOCK:
            now = clock()
            pause = max(limiter.pause_at(now) for limiter in limiters)
            if pause <= 0:
                for limiter in limiters:
                    limiter.take(now)
                return waited
        sleep(pause)
        waited += pause


@dataclass
class ListPage:
    results: list[dict[str, Any]]
    after: str | None


@dataclass
class SearchPage:
    total: int
    results: list[dict[str, Any]]
    after: str | None


def _one_line(text: object) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= MESSAGE_MAX else flat[: MESSAGE_MAX - 1] + "…"


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def missing_scopes(body: dict[str, Any]) -> list[str]:
    """The scopes a 403 body names: `context.missingScopes`, else the ones its `errors` list
    under `context` (`missingScopes`, `requiredGranularScopes`, `requiredScopes`)."""
    contexts = [body.get("context")]
    contexts += [e.get("context") for e in body.get("errors") or [] if isinstance(e, dict)]
    for key in ("missingScopes", "requiredGranularScopes", "requiredScopes"):
        for context in contexts:
            if isinstance(context, dict) and isinstance(context.get(key), list):
                return [_one_line(scope) for scope in context[key] if isinstance(scope, str)]
    return []


def describe_error(status: int, body: dict[str, Any]) -> str:
    """HubSpot's error body as one line: status, category, message, correlation id."""
    parts = [f"HTTP {status}"]
    if body.get("category"):
        parts.append(_one_line(body["category"]))
    text = " ".join(parts)
    if body.get("message"):
        text += f": {_one_line(body['message'])}"
    if body.get("correlationId"):
        text += f" (correlation id {_one_line(body['correlationId'])})"
    return text


class HubSpotClient:
    """One private app's view of one HubSpot account. Use as a context manager."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = DEFAULT_API_VERSION,
        requests_per_10s: int = DEFAULT_REQUESTS_PER_10S,
        searches_per_s: int = DEFAULT_SEARCHES_PER_S,
        retry_total_s: float = RETRY_TOTAL_S,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        token_source: str = "PARTNEROPS_TOKEN",
    ) -> None:
        self.base_url = check_backend_url(base_url)
        self.token_source = token_source
        """Where the token came from, for the line that says HubSpot rejected it."""
        self.paths = Paths(api_version)
        self._retry_total_s = retry_total_s
        self._clock, self._sleep = clock, sleep
        self._limiter = RateLimiter(requests_per_10s, BURST_WINDOW_S)
        self._search_limiter = RateLimiter(searches_per_s, SEARCH_WINDOW_S)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "partnerops"},
            timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"HubSpotClient({self.base_url!r})"

    def __enter__(self) -> HubSpotClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    def property_names(self, object_type: str) -> list[dict[str, Any]]:
        """The object's property definitions (name, label, type) from the properties API."""
        body = self._request("GET", self.paths.properties(object_type))
        results = body.get("results")
        if not isinstance(results, list):
            raise BadResponse(f"HubSpot sent a malformed property list for {object_type}")
        return [p for p in results if isinstance(p, dict) and isinstance(p.get("name"), str)]

    def list_page(
        self,
        object_type: str,
        *,
        after: str | None,
        limit: int,
        properties: list[str],
        archived: bool = False,
        associations: list[str] | None = None,
    ) -> ListPage:
        params: dict[str, Any] = {"limit": limit, "archived": str(archived).lower()}
        if after:
            params["after"] = after
        if properties:
            params["properties"] = ",".join(properties)
        if associations:
            params["associations"] = ",".join(associations)
        body = self._request("GET", self.paths.objects(object_type), params=params)
        return ListPage(_results(body, object_type), _next_after(body))

    def batch_read(
        self, object_type: str, ids: list[str], properties: list[str]
    ) -> list[dict[str, Any]]:
        """These records by id, 100 per request; ids HubSpot no longer has are left out."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), BATCH_READ_MAX):
            body = self._request(
                "POST",
                self.paths.batch_read(object_type),
                json={
                    "inputs": [{"id": i} for i in ids[start : start + BATCH_READ_MAX]],
                    "properties": properties,
                },
            )
            found += _results(body, object_type)
        return found

    def search(self, object_type: str, request: dict[str, Any]) -> SearchPage:
        body = self._request("POST", self.paths.search(object_type), search=True, json=request)
        total = body.get("total")
        if not isinstance(total, int):
            raise BadResponse(f"HubSpot sent a malformed search answer for {object_type}")
        return SearchPage(total, _results(body, object_type), _next_after(body))

    def associated_ids(self, from_type: str, to_type: str, ids: list[str]) -> dict[str, list[str]]:
        """Each id's associated `to_type` ids, read in batches of up to 1,000. An id HubSpot
        could not resolve (listed under `errors` of a 207) simply gets no entry: the caller
        decides what a missing link means. Ids with more links than one answer holds come
        back with a `paging.next.after`, asked for again until they are complete."""
        linked: dict[str, list[str]] = {}
        for start in range(0, len(ids), ASSOCIATION_BATCH_MAX):
            inputs: list[dict[str, str]] = [
                {"id": i} for i in ids[start : start + ASSOCIATION_BATCH_MAX]
            ]
            while inputs:
                body = self._request(
                    "POST",
                    self.paths.association_batch(from_type, to_type),
                    json={"inputs": inputs},
                )
                inputs = []
                for result in body.get("results") or []:
                    try:
                        source = str(result["from"]["id"])
                        targets = [str(to["toObjectId"]) for to in result.get("to") or []]
                    except (KeyError, TypeError):
                        raise BadResponse(
                            f"HubSpot sent a malformed association for {from_type}"
                        ) from None
                    linked.setdefault(source, []).extend(targets)
                    after = _next_after(result)
                    if after:
                        inputs.append({"id": source, "after": after})
        return linked

    def _request(
        self, method: str, path: str, *, search: bool = False, **kwargs: Any
    ) -> dict[str, Any]:
        what = f"{method} {path}"
        return with_retries(
            lambda: self._once(method, path, what, search=search, **kwargs),
            timeout_s=self._retry_total_s,
            gave_up=lambda exc: BackendUnavailable(
                f"HubSpot kept answering {exc} to {what} for {self._retry_total_s:.0f} s; "
                "try again later"
            ),
            unreachable=lambda exc: BackendUnavailable(
                f"cannot reach HubSpot at {self.base_url} ({type(exc).__name__})"
            ),
        )

    def _once(
        self, method: str, path: str, what: str, *, search: bool, **kwargs: Any
    ) -> dict[str, Any]:
        # Every attempt takes its slots here, just before it is sent: retries included.
        limiters = [self._limiter, self._search_limiter] if search else [self._limiter]
        acquire_all(limiters, clock=self._clock, sleep=self._sleep)
        response = self._http.request(method, path, **kwargs)
        status = response.status_code
        if status < 300:
            try:
                body = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise Retryable("truncated or invalid JSON") from None
            if not isinstance(body, dict):
                raise BadResponse(f"HubSpot sent something other than a JSON object to {what}")
            return body
        body = _error_body(response)
        detail = describe_error(status, body)
        if status == 429:
            policy = body.get("policyName")
            if policy == "DAILY":
                raise HubSpotDailyLimit(
                    f"HubSpot's daily API limit for this private app is used up ({detail}); "
                    "sync again after midnight in the HubSpot account's time zone"
                )
            # TEN_SECONDLY_ROLLING, SECONDLY (or none named): a short pause clears it.
            raise Retryable(detail, retry_after(response))
        if status in TRANSIENT_STATUSES:
            raise Retryable(detail, retry_after(response))
        if status == 401:
            raise CredentialsRejected(
                f"HubSpot rejected the private app token ({detail}); check {self.token_source}"
            )
        if status == 403:
            scopes = missing_scopes(body)
            named = f" ({', '.join(scopes)})" if scopes else ""
            raise MissingScopes(
                f"HubSpot refused {what} ({detail}); the private app lacks a scope{named} "
                "(see docs/hubspot.md)",
                scopes,
            )
        raise BadResponse(f"HubSpot refused {what}: {detail}")


def _results(body: dict[str, Any], object_type: str) -> list[dict[str, Any]]:
    results = body.get("results")
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise BadResponse(f"HubSpot sent a malformed page of {object_type}")
    return results


def _next_after(body: dict[str, Any]) -> str | None:
    paging = body.get("paging")
    if not isinstance(paging, dict):
        return None
    after = (paging.get("next") or {}).get("after")
    return str(after) if after not in (None, "") else None
