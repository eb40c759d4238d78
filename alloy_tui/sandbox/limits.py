"""Per-connection rate limiting like Notion's: ~3 requests/s with small bursts, answered as 429."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from alloy_tui.tokenbucket import TokenBuckets

RATE_LIMITED_MESSAGE = "You have been rate limited. Please try again in a few minutes."


class RateLimiter:
    """One token bucket per key (a credential id); thread-safe.

    `acquire(key)` returns None when the request may go ahead, otherwise the whole number of
    seconds (at least 1) after which a token will be available: what `Retry-After` carries.
    """

    def __init__(
        self,
        *,
        rate_per_second: float = 3.0,
        burst: int = 10,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.rate_per_second = rate_per_second
        self.burst = burst
        self._buckets = TokenBuckets(rate_per_second, burst, clock=monotonic)

    def acquire(self, key: str) -> int | None:
        wait = self._buckets.take(key)
        return None if wait is None else max(1, math.ceil(wait))

    def reset(self) -> None:
        self._buckets.reset()
