"""Token buckets per key: the one rate rule shared by the client's pacing and the sandbox's limit.

Pure bookkeeping (no I/O, no sleeping, no Textual): the client (`alloy/ratelimit.py`) waits for
what `reserve` says, the sandbox (`sandbox/limits.py`) answers 429 with what `take` says.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One bucket per key: `rate` tokens a second, at most `burst` saved; thread-safe."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _refilled(self, key: str) -> _Bucket:
        """The key's bucket with the tokens earned since it was last touched (lock held)."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
            return bucket
        # A clock that goes backwards (an injected one) must not mint tokens.
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
        bucket.updated = max(bucket.updated, now)
        return bucket

    def reserve(self, key: str) -> float:
        """Take a token even if none is left; the seconds until it is due (0 if at once).

        A negative balance is a queue of reservations: the last one waits for its token."""
        with self._lock:
            bucket = self._refilled(key)
            bucket.tokens -= 1.0
            return 0.0 if bucket.tokens >= 0 else -bucket.tokens / self.rate

    def take(self, key: str) -> float | None:
        """Take a token if one is there (None); otherwise take nothing and answer the seconds
        until one will be."""
        with self._lock:
            bucket = self._refilled(key)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / self.rate

    def give_back(self, key: str) -> None:
        """Return an unused token (a reservation whose caller went away)."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket.tokens = min(float(self.burst), bucket.tokens + 1.0)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
