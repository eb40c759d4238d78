"""The retry matrix through AlloyClient: by action kind, Retry-After, budgets, wait events."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from alloy_tui.alloy.client import ActionKind, AlloyClient, WaitEvent
from alloy_tui.alloy.errors import CannotReachError, RateLimitedError, ServerError
from tests.unit.test_client_core import CRED, FIXED_NOW, FakeSleep, Recorder, make_client, ok

PAGE = {"object": "page", "id": "p"}


def status(code: int, retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    names = {429: "rate_limited", 500: "internal_server_error", 502: "bad_gateway"}
    names |= {503: "service_unavailable", 504: "gateway_timeout", 529: "service_overload"}
    body = {"object": "error", "status": code, "code": names.get(code, "x"), "message": "m"}
    return httpx.Response(code, json=body, headers=headers)


async def run(client: AlloyClient, kind: ActionKind) -> Any:
    action = {ActionKind.READ: "retrieve-a-page", ActionKind.WRITE: "patch-page"}.get(
        kind, "post-page"
    )
    return await client.execute("notion", action, connection_id=CRED, kind=kind, body={})


@pytest.mark.parametrize("code", [500, 502, 503, 504, 529, 429])
async def test_a_read_recovers_from_transient_statuses(code: int) -> None:
    rec = Recorder(status(code), ok(PAGE))
    sleep = FakeSleep()
    assert await run(make_client(rec, sleep=sleep), ActionKind.READ) == PAGE
    assert len(rec.requests) == 2
    assert len(sleep.waits) == 1


@pytest.mark.parametrize("kind", [ActionKind.CREATE, ActionKind.WRITE])
@pytest.mark.parametrize("code", [500, 502, 503, 504, 529])
async def test_a_write_or_create_is_sent_exactly_once_on_server_errors(
    kind: ActionKind, code: int
) -> None:
    rec = Recorder(status(code), ok(PAGE))
    sleep = FakeSleep()
    with pytest.raises((ServerError, RateLimitedError)):
        await run(make_client(rec, sleep=sleep), kind)
    assert len(rec.requests) == 1
    assert sleep.waits == []


@pytest.mark.parametrize("kind", list(ActionKind))
async def test_every_kind_retries_a_connect_error(kind: ActionKind) -> None:
    rec = Recorder(httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), ok(PAGE))
    assert await run(make_client(rec), kind) == PAGE
    assert len(rec.requests) == 3


@pytest.mark.parametrize("kind", list(ActionKind))
async def test_every_kind_retries_a_429(kind: ActionKind) -> None:
    rec = Recorder(status(429, "1"), ok(PAGE))
    sleep = FakeSleep()
    assert await run(make_client(rec, sleep=sleep), kind) == PAGE
    assert sleep.waits == [1.0]


@pytest.mark.parametrize(
    ("kind", "sent"),
    [(ActionKind.READ, 2), (ActionKind.WRITE, 1), (ActionKind.CREATE, 1)],
)
async def test_a_dropped_connection_is_repeated_only_for_reads(kind: ActionKind, sent: int) -> None:
    rec = Recorder(httpx.RemoteProtocolError("Server disconnected"), ok(PAGE))
    if sent == 1:
        with pytest.raises(CannotReachError, match="dropped"):
            await run(make_client(rec), kind)
    else:
        assert await run(make_client(rec), kind) == PAGE
    assert len(rec.requests) == sent


async def test_a_read_timeout_is_not_repeated() -> None:
    rec = Recorder(httpx.ReadTimeout("slow"), ok(PAGE))
    with pytest.raises(CannotReachError, match="timed out"):
        await run(make_client(rec), ActionKind.READ)
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2", 2.0),
        ("0", 0.0),
        ("99999", 60.0),
        (format_datetime(FIXED_NOW + timedelta(seconds=42), usegmt=True), 42.0),
    ],
    ids=["2", "0", "99999-clamped", "http-date"],
)
async def test_429_waits_the_retry_after_seconds(header: str, expected: float) -> None:
    rec = Recorder(status(429, header), ok(PAGE))
    sleep = FakeSleep()
    events: list[WaitEvent] = []
    await run(make_client(rec, sleep=sleep, events=events), ActionKind.READ)
    assert sleep.waits == [expected]
    assert [(e.seconds, e.reason, e.attempt) for e in events] == [(expected, "rate_limited", 1)]


@pytest.mark.parametrize("header", ["-1", "abc", None], ids=["negative", "garbage", "none"])
async def test_429_without_a_usable_retry_after_falls_back_to_backoff(header: str | None) -> None:
    rec = Recorder(status(429, header), ok(PAGE))
    sleep = FakeSleep()
    await run(make_client(rec, sleep=sleep), ActionKind.READ)
    (wait,) = sleep.waits
    assert 0.0 <= wait <= 0.5  # the first backoff's cap: backoff_initial


async def test_fifty_consecutive_429s_end_in_a_bounded_wait_and_a_clear_failure() -> None:
    rec = Recorder(*[status(429, "2") for _ in range(50)])
    sleep = FakeSleep()
    events: list[WaitEvent] = []
    client = make_client(rec, sleep=sleep, events=events, max_attempts=50, max_total_wait=30.0)
    with pytest.raises(RateLimitedError) as caught:
        await run(client, ActionKind.READ)
    assert sum(sleep.waits) <= 30.0
    assert len(sleep.waits) == 15  # 15 waits of 2 s fill the 30 s budget
    assert len(events) == len(sleep.waits)  # one event per wait, no more
    assert len(rec.requests) == 16
    assert caught.value.retry_after == 2.0
    assert "Gave up after 16 attempts" in caught.value.sentence
    assert caught.value.remedy
    record = client.log.records()[-1]
    assert record.attempts == 16 and record.status == 429
    assert record.waited_s == pytest.approx(30.0)


async def test_fifty_429s_with_default_options_stop_at_max_attempts() -> None:
    rec = Recorder(*[status(429, "1") for _ in range(50)])
    sleep = FakeSleep()
    with pytest.raises(RateLimitedError):
        await run(make_client(rec, sleep=sleep), ActionKind.READ)
    assert len(rec.requests) == 5
    assert sleep.waits == [1.0] * 4


async def test_a_huge_retry_after_beyond_the_budget_fails_without_waiting() -> None:
    rec = Recorder(status(429, "50"), ok(PAGE))
    sleep = FakeSleep()
    with pytest.raises(RateLimitedError) as caught:
        await run(make_client(rec, sleep=sleep, max_total_wait=10.0), ActionKind.READ)
    assert sleep.waits == []
    assert caught.value.retry_after == 50.0


async def test_server_errors_back_off_exponentially_with_jitter() -> None:
    rec = Recorder(*[status(503) for _ in range(5)])
    sleep = FakeSleep()
    events: list[WaitEvent] = []
    with pytest.raises(ServerError):
        await run(make_client(rec, sleep=sleep, events=events), ActionKind.READ)
    assert len(sleep.waits) == 4
    for attempt, wait in enumerate(sleep.waits, start=1):
        assert 0.0 <= wait <= min(10.0, 0.5 * 2 ** (attempt - 1))
    assert {e.reason for e in events} == {"server_error"}
