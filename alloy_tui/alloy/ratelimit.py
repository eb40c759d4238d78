"""A per-connection token bucket that keeps each Notion connection under ~3 requests a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token bucket per key (the connection id): `rate` tokens a second, at most `burst` saved.

    Callers reserve a token at once and sleep until it is due, so concurrent callers are served
    in arrival order without polling, and the wait is known before it starts (for the countdown).
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, _Bucket] = {}

    def reserve(self, key: str) -> float:
        """Take one token for `key`; return how many seconds the caller must wait before sending."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
        else:
            elapsed = max(now - bucket.updated, 0.0)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
            bucket.updated = now
        bucket.tokens -= 1.0
        # A negative balance is a queue of reservations; the last one waits for its token.
        return 0.0 if bucket.tokens >= 0 else -bucket.tokens / self.rate

    def release(self, key: str) -> None:
        """Give back an unused reservation (the caller was cancelled while waiting)."""
        bucket = self._buckets.get(key)
        if bucket is not None:
            bucket.tokens = min(float(self.burst), bucket.tokens + 1.0)

    async def acquire(self, key: str, on_wait: Callable[[float], None] | None = None) -> float:
        """Wait until a request for `key` may go out; return the seconds waited."""
        delay = self.reserve(key)
        if delay <= 0:
            return 0.0
        if on_wait is not None:
            on_wait(delay)
        try:
            await self._sleep(delay)
        except asyncio.CancelledError:
            self.release(key)
            raise
        return delay
