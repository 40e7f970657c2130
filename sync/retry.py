"""Retrying transient HTTP answers with stamina: one home for both sources' clients.

A request function raises `Retryable` for an answer worth another try (429, a 5xx, a cut-off
body); `with_retries` runs it under stamina until it succeeds or the time budget is spent, and
turns what is left into the caller's own one-line `SyncError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import httpx
import stamina

RETRY_TOTAL_S = 60.0
RETRY_AFTER_CAP_S = 30.0
RETRY_WAIT_MAX_S = 10.0

T = TypeVar("T")


class Retryable(Exception):
    """A transient answer; `retry_after` is the server's wish in seconds, when it said one."""

    def __init__(self, answer: str, retry_after: float | None = None) -> None:
        super().__init__(answer)
        self.retry_after = retry_after


def retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds, capped; None when absent or an HTTP date (no server of ours
    sends one)."""
    try:
        return min(max(float(response.headers.get("Retry-After", "")), 0.0), RETRY_AFTER_CAP_S)
    except ValueError:
        return None


def backoff(exc: Exception) -> bool | float:
    """stamina's hook: retry transport faults and transient answers, honouring Retry-After."""
    if isinstance(exc, Retryable):
        return exc.retry_after if exc.retry_after is not None else True
    return isinstance(exc, httpx.TransportError)


def with_retries(
    attempt: Callable[[], T],
    *,
    timeout_s: float,
    gave_up: Callable[[Retryable], Exception],
    unreachable: Callable[[httpx.TransportError], Exception],
) -> T:
    """`attempt()` retried with backoff for up to `timeout_s`; every try calls `attempt` again,
    so whatever it does before sending (rate limiting) happens for retries too."""
    try:
        for try_ in stamina.retry_context(
            on=backoff, attempts=None, timeout=timeout_s, wait_max=RETRY_WAIT_MAX_S
        ):
            with try_:
                return attempt()
    except Retryable as exc:
        raise gave_up(exc) from None
    except httpx.TransportError as exc:
        raise unreachable(exc) from None
    raise AssertionError("unreachable: stamina either returns or raises")
