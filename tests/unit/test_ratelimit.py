"""The per-connection token bucket, with a fake clock and a fake sleep that advances it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from alloy_tui.alloy.client import ActionKind, ClientOptions
from alloy_tui.alloy.ratelimit import RateLimiter
from alloy_tui.alloy.retry import WaitEvent
from tests.unit.test_client_core import CRED, Recorder, make_client, ok


class FakeTime:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_burst_is_free_then_requests_are_spaced_at_the_rate() -> None:
    time = FakeTime()
    limiter = RateLimiter(2.0, 3, clock=time.clock)
    assert [limiter.reserve("c") for _ in range(3)] == [0.0, 0.0, 0.0]
    # Reservations queue: the 4th waits half a second, the 5th a whole one.
    assert limiter.reserve("c") == pytest.approx(0.5)
    assert limiter.reserve("c") == pytest.approx(1.0)


def test_tokens_refill_with_time_up_to_the_burst() -> None:
    time = FakeTime()
    limiter = RateLimiter(2.0, 3, clock=time.clock)
    for _ in range(3):
        limiter.reserve("c")
    time.now += 0.5  # one token back
    assert limiter.reserve("c") == 0.0
    assert limiter.reserve("c") == pytest.approx(0.5)
    time.now += 3600  # a long pause refills only up to the burst
    assert [limiter.reserve("c") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.reserve("c") > 0


def test_connections_have_separate_buckets() -> None:
    limiter = RateLimiter(1.0, 1, clock=FakeTime().clock)
    assert limiter.reserve("a") == 0.0
    assert limiter.reserve("b") == 0.0
    assert limiter.reserve("a") == pytest.approx(1.0)


async def test_sustained_rate_never_exceeds_the_limit() -> None:
    time = FakeTime()
    limiter = RateLimiter(2.8, 3, clock=time.clock, sleep=time.sleep)
    sent: list[float] = []
    for _ in range(100):
        await limiter.acquire("c")
        sent.append(time.now)
    # In any window of one second at most burst + rate requests go out...
    for i, start in enumerate(sent):
        in_window = [t for t in sent[i:] if t < start + 1.0]
        assert len(in_window) <= 3 + 2.8
    # ...and over the whole run the average is the rate, not less.
    elapsed = sent[-1] - sent[0]
    assert (len(sent) - 3) / elapsed == pytest.approx(2.8, rel=0.01)


async def test_concurrent_callers_are_served_in_order() -> None:
    time = FakeTime()
    waits: list[float] = []

    async def frozen_sleep(seconds: float) -> None:
        # Time stands still while every caller reserves: each queues behind the previous one.
        waits.append(seconds)
        await asyncio.sleep(0)

    limiter = RateLimiter(1.0, 1, clock=time.clock, sleep=frozen_sleep)
    order: list[int] = []

    async def call(n: int) -> None:
        await limiter.acquire("c")
        order.append(n)

    await asyncio.gather(*(call(n) for n in range(4)))
    assert order == [0, 1, 2, 3]
    assert waits == [pytest.approx(1.0), pytest.approx(2.0), pytest.approx(3.0)]


async def test_acquire_reports_its_wait_before_sleeping() -> None:
    time = FakeTime()
    limiter = RateLimiter(2.0, 1, clock=time.clock, sleep=time.sleep)
    reported: list[tuple[float, float]] = []
    await limiter.acquire("c", on_wait=lambda s: reported.append((s, time.now)))
    assert reported == []
    waited = await limiter.acquire("c", on_wait=lambda s: reported.append((s, time.now)))
    assert waited == pytest.approx(0.5)
    ((seconds, announced_at),) = reported
    assert seconds == pytest.approx(0.5)
    assert announced_at == 100.0  # announced before the clock moved


async def test_a_cancelled_waiter_gives_its_token_back() -> None:
    time = FakeTime()
    gate = asyncio.Event()

    async def blocking_sleep(seconds: float) -> None:
        await gate.wait()

    limiter = RateLimiter(1.0, 1, clock=time.clock, sleep=blocking_sleep)
    limiter.reserve("c")
    task = asyncio.create_task(limiter.acquire("c"))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    time.now += 1.0
    assert limiter.reserve("c") == 0.0  # the cancelled reservation did not keep a slot


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0, 1)
    with pytest.raises(ValueError):
        RateLimiter(1, 0)


async def test_the_client_limits_each_connection_and_reports_limiter_waits() -> None:
    time = FakeTime()
    limiter = RateLimiter(2.8, 3, clock=time.clock, sleep=time.sleep)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connectors":
            return ok({"connectors": []})
        return ok({"object": "page", "id": "p"})

    rec = Recorder(handler)
    events: list[WaitEvent] = []
    client = make_client(rec, events=events, rate_limit=True)
    client._limiter = limiter
    for _ in range(6):
        await client.execute("notion", "retrieve-a-page", connection_id=CRED, kind=ActionKind.READ)
    assert len(rec.requests) == 6
    assert [e.reason for e in events] == ["limiter"] * 3
    assert all(e.connection_id == CRED and e.action_id == "retrieve-a-page" for e in events)
    assert sum(time.waits) == pytest.approx(3 / 2.8)
    # Calls without a connection (catalog, credentials) are Alloy's, not Notion's: not limited.
    for _ in range(10):
        await client.list_connectors()
    assert len(events) == 3
    assert len(rec.requests) == 16


async def test_rate_limit_off_never_waits() -> None:
    rec = Recorder(httpx.Response(200, json={}))
    events: list[WaitEvent] = []
    client = make_client(rec, events=events, rate_limit=False)
    for _ in range(20):
        await client.execute("notion", "get-self", connection_id=CRED, kind=ActionKind.READ)
    assert events == []
    assert ClientOptions().rate_per_second < 3.0


def test_client_and_sandbox_share_one_token_bucket() -> None:
    """One bucket rule, in a module neither package owns: the client's pacing and the
    sandbox's 429 agree on when a connection's next token is due."""
    import subprocess
    import sys

    from alloy_tui import tokenbucket
    from alloy_tui.alloy import ratelimit
    from alloy_tui.sandbox import limits

    time = FakeTime()
    client = ratelimit.RateLimiter(0.5, 1, clock=time.clock)
    sandbox = limits.RateLimiter(rate_per_second=0.5, burst=1, monotonic=time.clock)
    assert isinstance(client._buckets, tokenbucket.TokenBuckets)
    assert isinstance(sandbox._buckets, tokenbucket.TokenBuckets)
    assert client.reserve("c") == 0.0 and sandbox.acquire("c") is None
    assert client.reserve("c") == pytest.approx(2.0) and sandbox.acquire("c") == 2
    # The shared module does no I/O and pulls in neither side nor any framework.
    code = "import sys, alloy_tui.tokenbucket; print(' '.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    forbidden = {"asyncio", "httpx", "sqlite3", "starlette", "textual", "socket"}
    assert not loaded & forbidden
    assert not {m for m in loaded if m.startswith(("alloy_tui.alloy", "alloy_tui.sandbox"))}
