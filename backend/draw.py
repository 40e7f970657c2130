"""Fast weighted and uniform draws, and the shape of generated records.

The generator draws millions of values; `random.Random.choice` and `randrange` cost several
times more than one `random()` call, so these helpers use `random()` directly.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from itertools import accumulate
from typing import Any

from sync.wire import RESOURCE_MODELS

Record = dict[str, Any]
Records = dict[str, list[Record]]


class Weighted:
    """A weighted table drawn with one `random()` call and a bisect (faster than choices())."""

    def __init__(self, pairs: tuple[tuple[Any, int], ...]) -> None:
        self.values = [value for value, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect_right(self.cumulative, rng.random() * self.total)]


def one_of(rng: random.Random, values: tuple[Any, ...] | list[Any] | range) -> Any:
    """Like rng.choice but several times faster; the hot loops draw millions of these."""
    return values[int(rng.random() * len(values))]


def between(rng: random.Random, low: int, high: int) -> int:
    """A uniform int in [low, high), like rng.randrange but without its overhead."""
    return low + int(rng.random() * (high - low))


def empty_records() -> Records:
    return {resource: [] for resource in RESOURCE_MODELS}
