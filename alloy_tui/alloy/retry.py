"""Retry by action kind: which failures may be resent, Retry-After, full-jitter backoff, budgets.

This is a small explicit loop rather than stamina: stamina sleeps through its own private
`asyncio.sleep` wrapper and measures its `timeout` on the real clock, so neither the sleep nor the
clock can be injected (tests would take real time), and the UI must be told the exact length of
each wait *before* it starts so it can show one countdown. stamina's backoff hook could return the
Retry-After value, but not the per-action budget and the "was it sent?" rule for creates.
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final, TypeVar

from alloy_tui.alloy.errors import NOT_PROCESSED_STATUSES, AlloyError, RateLimitedError

T = TypeVar("T")

READ_RETRY_STATUSES: Final = frozenset({500, 502, 503, 504, 529}) | NOT_PROCESSED_STATUSES
"""A read is safe to repeat: it retries server errors and overload (RELIABILITY.md)."""
RETRY_AFTER_STATUSES: Final = frozenset({429, 503, 529})
"""Statuses whose Retry-After header is honoured (RFC 9110 §10.2.3)."""


class ActionKind(enum.Enum):
    """What an action does to Notion; it decides what may be resent (every execute is a POST)."""

    READ = "read"
    WRITE = "write"
    CREATE = "create"


@dataclass(frozen=True)
class WaitEvent:
    """One wait the user should see as a countdown: a retry backoff or the rate limiter."""

    seconds: float
    reason: str  # "rate_limited" | "overloaded" | "server_error" | "cannot_reach" | "limiter"
    attempt: int
    connection_id: str | None
    action_id: str | None


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_initial: float = 0.5
    backoff_max_wait: float = 10.0
    max_total_wait: float = 60.0
    retry_after_max: float = 60.0


class AttemptFailure(Exception):
    """One failed attempt, with what the retry decision needs; never escapes the client."""

    def __init__(
        self,
        error: AlloyError,
        *,
        status: int | None = None,
        retry_after: str | None = None,
        not_sent: bool = False,
        dropped: bool = False,
    ) -> None:
        super().__init__(error.sentence)
        self.error = error
        self.status = status
        self.retry_after = retry_after
        # The transport failed before the request could reach the server (connect, pool).
        self.not_sent = not_sent
        # The connection broke without an answer: a read may be repeated, a write may not.
        self.dropped = dropped


@dataclass
class RetryStats:
    """Filled in while a call runs, for the request log."""

    attempts: int = 0
    waited: float = 0.0


def may_retry(kind: ActionKind, failure: AttemptFailure) -> bool:
    """RELIABILITY.md: reads retry on connect errors, 429/529, 5xx; writes on connect errors and
    429; creates never resend once the request may have reached the server."""
    if failure.status is None:
        return failure.not_sent or (kind is ActionKind.READ and failure.dropped)
    if failure.status in NOT_PROCESSED_STATUSES:
        return True
    return kind is ActionKind.READ and failure.status in READ_RETRY_STATUSES


def parse_retry_after(
    value: str | None, *, maximum: float, now: Callable[[], datetime] | None = None
) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date, RFC 9110),
    clamped to [0, maximum]; None when absent, unparsable or negative (use backoff instead)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return min(float(int(text)), maximum)
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isnan(seconds):
        # A fractional or negative number is not RFC 9110 delay-seconds; accept the former.
        return min(seconds, maximum) if 0 <= seconds < math.inf else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now() if now is not None else datetime.now(UTC)
    return min(max((when - current).total_seconds(), 0.0), maximum)


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(cap, initial * 2^(attempt-1))] (AWS architecture blog)."""
    ceiling = min(policy.backoff_max_wait, policy.backoff_initial * 2 ** max(attempt - 1, 0))
    return rng.uniform(0.0, ceiling)


def wait_reason(failure: AttemptFailure) -> str:
    if failure.status is None:
        return "cannot_reach"
    if failure.status == 429:
        return "rate_limited"
    if failure.status == 529:
        return "overloaded"
    return "server_error"


async def call_with_retries(
    attempt: Callable[[int], Awaitable[T]],
    *,
    kind: ActionKind,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]],
    rng: random.Random,
    on_wait: Callable[[WaitEvent], None] | None = None,
    now: Callable[[], datetime] | None = None,
    connection_id: str | None = None,
    action_id: str | None = None,
    stats: RetryStats | None = None,
    retry: bool = True,
    failed: AttemptFailure | None = None,
) -> T:
    """Run `attempt(n)` until it returns, or raise the last failure's AlloyError once the kind
    forbids a resend, the attempts run out, or the next wait would overrun the total budget.

    `failed`: attempt 1 was already made (by a caller that tries once before entering the
    loop, sparing it on the common path) and failed so; the loop goes on from there."""
    stats = stats if stats is not None else RetryStats()
    number = 0 if failed is None else 1
    stats.attempts = number
    failure = failed
    while True:
        if failure is None:
            number += 1
            stats.attempts = number
            try:
                return await attempt(number)
            except AttemptFailure as caught:
                failure = caught
        error = failure.error
        if not retry or not may_retry(kind, failure) or number >= policy.max_attempts:
            raise _gave_up(error, failure, number, stats.waited, policy, now) from None
        delay: float | None = None
        if failure.status in RETRY_AFTER_STATUSES:
            delay = parse_retry_after(failure.retry_after, maximum=policy.retry_after_max, now=now)
        if delay is None:
            delay = backoff_delay(number, policy, rng)
        if stats.waited + delay > policy.max_total_wait:
            raise _gave_up(error, failure, number, stats.waited, policy, now) from None
        if on_wait is not None:
            on_wait(WaitEvent(delay, wait_reason(failure), number, connection_id, action_id))
        failure = None
        await sleep(delay)
        stats.waited += delay


def _gave_up(
    error: AlloyError,
    failure: AttemptFailure,
    attempts: int,
    waited: float,
    policy: RetryPolicy,
    now: Callable[[], datetime] | None,
) -> AlloyError:
    if isinstance(error, RateLimitedError) and failure.retry_after is not None:
        error.retry_after = parse_retry_after(
            failure.retry_after, maximum=policy.retry_after_max, now=now
        )
    if attempts > 1:
        error.sentence = (
            f"{error.sentence} Gave up after {attempts} attempts ({waited:.0f} s of waiting)."
        )
        error.args = (error.sentence,)
    return error
