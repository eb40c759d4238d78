"""retry.py on its own: Retry-After parsing, full-jitter backoff, the decision table, budgets."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from alloy_tui.alloy.errors import CannotReachError, RateLimitedError, ServerError
from alloy_tui.alloy.retry import (
    ActionKind,
    AttemptFailure,
    RetryPolicy,
    RetryStats,
    WaitEvent,
    backoff_delay,
    call_with_retries,
    may_retry,
    parse_retry_after,
)

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2.0),
        ("0", 0.0),
        ("  3 ", 3.0),
        ("1.5", 1.5),
        ("-1", None),
        ("abc", None),
        ("", None),
        (None, None),
        ("99999", 60.0),
        ("nan", None),
        ("inf", None),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        (format_datetime(NOW - timedelta(seconds=30), usegmt=True), 0.0),
        (format_datetime(NOW + timedelta(days=2), usegmt=True), 60.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),
        ("Someday, 99 Foo 1994", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, maximum=60.0, now=lambda: NOW) == expected


def test_retry_after_is_seconds_not_milliseconds() -> None:
    # The guide's example passes the header to setTimeout as milliseconds; it is seconds.
    assert parse_retry_after("2", maximum=60.0) == 2.0


def test_backoff_is_full_jitter_within_the_growing_cap() -> None:
    policy = RetryPolicy(backoff_initial=0.5, backoff_max_wait=10.0)
    rng = random.Random(1)
    for attempt, ceiling in [
        (1, 0.5),
        (2, 1.0),
        (3, 2.0),
        (4, 4.0),
        (5, 8.0),
        (6, 10.0),
        (30, 10.0),
    ]:
        delays = [backoff_delay(attempt, policy, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # jitter spreads over the whole range
        assert min(delays) < ceiling * 0.2


def failure(status: int | None, *, not_sent: bool = False, dropped: bool = False) -> AttemptFailure:
    return AttemptFailure(ServerError(), status=status, not_sent=not_sent, dropped=dropped)


R, W, C = ActionKind.READ, ActionKind.WRITE, ActionKind.CREATE


@pytest.mark.parametrize(
    ("kind", "fail", "allowed"),
    [
        (R, failure(None, not_sent=True), True),
        (W, failure(None, not_sent=True), True),
        (C, failure(None, not_sent=True), True),
        (R, failure(None, dropped=True), True),
        (W, failure(None, dropped=True), False),
        (C, failure(None, dropped=True), False),
        (R, failure(None), False),  # a timeout: not repeated
        (R, failure(429), True),
        (W, failure(429), True),
        (C, failure(429), True),
        (R, failure(529), True),
        (W, failure(529), False),
        (C, failure(529), False),
        (R, failure(500), True),
        (R, failure(502), True),
        (R, failure(503), True),
        (R, failure(504), True),
        (W, failure(500), False),
        (W, failure(503), False),
        (C, failure(500), False),
        (C, failure(502), False),
        (R, failure(400), False),
        (R, failure(401), False),
        (R, failure(404), False),
        (R, failure(409), False),
        (R, failure(200), False),
    ],
)
def test_retry_decision_table(kind: ActionKind, fail: AttemptFailure, allowed: bool) -> None:
    assert may_retry(kind, fail) is allowed


async def test_loop_waits_and_reports_then_succeeds() -> None:
    waits: list[float] = []
    events: list[WaitEvent] = []
    outcomes: list[AttemptFailure | str] = [
        AttemptFailure(RateLimitedError(), status=429, retry_after="3"),
        AttemptFailure(ServerError(), status=503),
        "done",
    ]

    async def attempt(number: int) -> str:
        outcome = outcomes[number - 1]
        if isinstance(outcome, AttemptFailure):
            raise outcome
        return outcome

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    stats = RetryStats()
    result = await call_with_retries(
        attempt,
        kind=ActionKind.READ,
        policy=RetryPolicy(),
        sleep=sleep,
        rng=random.Random(3),
        on_wait=events.append,
        connection_id="c",
        action_id="a",
        stats=stats,
    )
    assert result == "done"
    assert waits[0] == 3.0
    assert 0 <= waits[1] <= 1.0  # attempt 2's backoff cap is 2 * 0.5
    assert [e.seconds for e in events] == waits
    assert [e.reason for e in events] == ["rate_limited", "server_error"]
    assert [e.attempt for e in events] == [1, 2]
    assert events[0].connection_id == "c" and events[0].action_id == "a"
    assert stats.attempts == 3
    assert stats.waited == pytest.approx(sum(waits))


async def test_loop_respects_the_total_wait_budget() -> None:
    waits: list[float] = []

    async def attempt(number: int) -> None:
        raise AttemptFailure(RateLimitedError(), status=429, retry_after="8")

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    with pytest.raises(RateLimitedError) as caught:
        await call_with_retries(
            attempt,
            kind=ActionKind.READ,
            policy=RetryPolicy(max_attempts=100, max_total_wait=20.0),
            sleep=sleep,
            rng=random.Random(0),
        )
    assert waits == [8.0, 8.0]
    assert caught.value.retry_after == 8.0
    assert "Gave up after 3 attempts" in caught.value.sentence


async def test_retry_false_tries_once() -> None:
    calls: list[int] = []

    async def attempt(number: int) -> None:
        calls.append(number)
        raise AttemptFailure(CannotReachError(), not_sent=True)

    async def sleep(seconds: float) -> None:
        raise AssertionError("must not wait")

    with pytest.raises(CannotReachError) as caught:
        await call_with_retries(
            attempt,
            kind=ActionKind.CREATE,
            policy=RetryPolicy(),
            sleep=sleep,
            rng=random.Random(0),
            retry=False,
        )
    assert calls == [1]
    assert "Gave up" not in caught.value.sentence


async def test_a_first_attempt_made_outside_the_loop_goes_on_from_attempt_two() -> None:
    """`failed=`: the caller made attempt 1 itself (the common path skips the loop); the loop
    waits for that failure, numbers the next attempt 2, and counts both."""
    calls: list[int] = []
    events: list[WaitEvent] = []

    async def attempt(number: int) -> str:
        calls.append(number)
        if number == 2:
            raise AttemptFailure(ServerError(), status=502)
        return "done"

    async def sleep(seconds: float) -> None:
        pass

    stats = RetryStats()
    result = await call_with_retries(
        attempt,
        kind=ActionKind.READ,
        policy=RetryPolicy(),
        sleep=sleep,
        rng=random.Random(1),
        on_wait=events.append,
        stats=stats,
        failed=AttemptFailure(RateLimitedError(), status=429, retry_after="2"),
    )
    assert result == "done"
    assert calls == [2, 3]
    assert [(e.attempt, e.reason) for e in events] == [(1, "rate_limited"), (2, "server_error")]
    assert events[0].seconds == 2.0
    assert stats.attempts == 3


async def test_a_first_failure_that_may_not_be_resent_is_raised_at_once() -> None:
    async def attempt(number: int) -> None:
        raise AssertionError("a create that may have arrived is never sent again")

    async def sleep(seconds: float) -> None:
        raise AssertionError("must not wait")

    stats = RetryStats()
    with pytest.raises(ServerError) as caught:
        await call_with_retries(
            attempt,
            kind=ActionKind.CREATE,
            policy=RetryPolicy(),
            sleep=sleep,
            rng=random.Random(0),
            stats=stats,
            failed=AttemptFailure(ServerError(), status=500),
        )
    assert stats.attempts == 1
    assert "Gave up" not in caught.value.sentence
