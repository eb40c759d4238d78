"""A per-connection token bucket that keeps each Notion connection under ~3 requests a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from alloy_tui.tokenbucket import TokenBuckets


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
        self._buckets = TokenBuckets(rate, burst, clock=clock)
        self.rate = rate
        self.burst = burst
        self._sleep = sleep

    def reserve(self, key: str) -> float:
        """Take one token for `key`; return how many seconds the caller must wait before sending."""
        return self._buckets.reserve(key)

    def release(self, key: str) -> None:
        """Give back an unused reservation (the caller was cancelled while waiting)."""
        self._buckets.give_back(key)

    async def acquire(self, key: str, on_wait: Callable[[float], None] | None = None) -> float:
        """Wait until a request for `key` may go out; return the seconds waited."""
        delay = self.reserve(key)
        if delay <= 0:
            return 0.0
        return await self.wait(key, delay, on_wait)

    async def wait(
        self, key: str, delay: float, on_wait: Callable[[float], None] | None = None
    ) -> float:
        """Sleep out a reservation's `delay` (told to `on_wait` first); a caller cancelled while
        waiting gives its token back. (A caller whose `reserve` said 0 need not call this.)"""
        if on_wait is not None:
            on_wait(delay)
        try:
            await self._sleep(delay)
        except asyncio.CancelledError:
            self.release(key)
            raise
        return delay
