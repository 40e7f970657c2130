"""Misbehaviour switches, so tests and demos meet real faults instead of mocks.

`Faults` is the settings (also the body of `PUT /v1/admin/faults`); `FaultState` is one
store's live state: the random generator (seeded when `seed` is set, for repeatable runs)
and the request counter for "every Nth request is rate limited".
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from backend.bodies import ApiException

Rate = Annotated[float, Field(ge=0.0, le=1.0)]


class Faults(BaseModel):
    """All off by default. Rates are fractions of requests (or of items, for malformed)."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: Annotated[int, Field(ge=0, le=60_000)] = 0
    error_rate: Rate = 0.0
    rate_limit_every: Annotated[int, Field(ge=0)] = 0
    rate_limit_rate: Rate = 0.0
    retry_after_s: Annotated[int, Field(ge=0, le=3_600)] = 1
    truncate_rate: Rate = 0.0
    malformed_rate: Rate = 0.0
    world_moves: Annotated[int, Field(ge=0, le=10_000)] = 0
    seed: int | None = None


@dataclass(frozen=True)
class RequestFaults:
    """What happens to one request, decided up front under the lock."""

    rate_limited: bool
    server_error: bool
    truncated: bool


class FaultState:
    def __init__(self, settings: Faults) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed)
        self.lock = threading.Lock()
        self._requests = 0

    def next_request(self) -> RequestFaults:
        settings = self.settings
        with self.lock:
            self._requests += 1
            every = settings.rate_limit_every
            limited = (every > 0 and self._requests % every == 0) or self._draw(
                settings.rate_limit_rate
            )
            return RequestFaults(
                rate_limited=limited,
                server_error=self._draw(settings.error_rate),
                truncated=self._draw(settings.truncate_rate),
            )

    def _draw(self, rate: float) -> bool:
        # No draw for a switch that is off, so turning one on does not reshuffle the others.
        return rate > 0.0 and self.rng.random() < rate

    def malform(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Copies of a fraction of the items, each with one field of the wrong type."""
        rate = self.settings.malformed_rate
        if rate <= 0.0:
            return items
        with self.lock:
            return [self._malformed(item) if self.rng.random() < rate else item for item in items]

    def _malformed(self, item: dict[str, Any]) -> dict[str, Any]:
        # `id` stays intact so the console can say which record it set aside.
        fields = sorted(name for name in item if name not in ("id", "version"))
        if not fields:
            return {**item, "version": "not-a-number"}
        name = fields[int(self.rng.random() * len(fields))]
        wrong: Any = "not-a-list" if isinstance(item[name], list) else ["not", "a", "scalar"]
        return {**item, name: wrong}


async def play_request_faults(state: FaultState) -> RequestFaults:
    """The request-level switches, for both servers: the latency, then the 429 or 500 this
    request draws. Returns what the handler still has to play (a truncated page)."""
    settings = state.settings
    if settings.latency_ms:
        await asyncio.sleep(settings.latency_ms / 1000)
    faults = state.next_request()
    if faults.rate_limited:
        raise ApiException(
            429,
            "rate_limited",
            "too many requests; retry after the delay in Retry-After",
            {"Retry-After": str(settings.retry_after_s)},
        )
    if faults.server_error:
        raise ApiException(500, "internal_error", "injected server error (fault switch)")
    return faults
