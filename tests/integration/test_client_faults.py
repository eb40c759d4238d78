"""AlloyClient against a sandbox injecting faults, and against its Notion-like rate limit."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from alloy_tui.alloy.client import AlloyClient, make_http
from alloy_tui.alloy.errors import (
    CannotReachError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    TimedOutError,
)
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.alloy.ratelimit import RateLimiter
from alloy_tui.alloy.retry import WaitEvent
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from tests.integration.test_client_sandbox import a_page, client_for
from tests.unit.test_client_core import FakeSleep

ADMIN = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}


@pytest.fixture
def faults(sandbox: SandboxServer) -> Iterator[Callable[..., None]]:
    """Replace the shared sandbox's fault rules for one test; cleared afterwards."""

    def set_rules(*rules: dict[str, Any]) -> None:
        answer = httpx.post(
            f"{sandbox.base_url}/__sandbox/faults", json={"rules": list(rules)}, headers=ADMIN
        )
        assert answer.status_code == 200, answer.text

    try:
        yield set_rules
    finally:
        httpx.delete(f"{sandbox.base_url}/__sandbox/faults", headers=ADMIN)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http() as client:
        yield client


@pytest.fixture
async def page_id(sandbox: SandboxServer, http: httpx.AsyncClient) -> str:
    page = await a_page(NotionAPI(client_for(sandbox.base_url, http), SEED_CONNECTION_ID))
    return str(page["id"])


def notion_for(
    sandbox: SandboxServer,
    http: httpx.AsyncClient,
    sleep: FakeSleep | None = None,
    events: list[WaitEvent] | None = None,
    **options: Any,
) -> NotionAPI:
    client = client_for(sandbox.base_url, http, sleep=sleep, **options)
    if events is not None:
        client.on_wait = events.append
    return NotionAPI(client, SEED_CONNECTION_ID)


async def test_a_read_recovers_from_a_500(
    sandbox: SandboxServer, http: httpx.AsyncClient, faults: Callable[..., None], page_id: str
) -> None:
    faults({"kind": "status", "status": 500, "count": 1, "match": "retrieve-a-page"})
    notion = notion_for(sandbox, http)
    assert (await notion.get_page(page_id))["id"] == page_id
    assert notion.client.log.records()[-1].attempts == 2


async def test_a_create_is_sent_once_on_a_500(
    sandbox: SandboxServer, http: httpx.AsyncClient, faults: Callable[..., None], page_id: str
) -> None:
    faults({"kind": "status", "status": 500, "count": 1, "match": "post-page"})
    notion = notion_for(sandbox, http)
    with pytest.raises(ServerError):
        await notion.create_page(
            {"page_id": page_id}, {"title": {"title": [{"text": {"content": "once"}}]}}
        )
    assert notion.client.log.records()[-1].attempts == 1
    # The fault was used up by the one request: the next create goes through.
    created = await notion.create_page(
        {"page_id": page_id}, {"title": {"title": [{"text": {"content": "once"}}]}}
    )
    assert created["object"] == "page"


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("2", 2.0), ("0", 0.0), ("99999", 60.0), ("-1", None), ("abc", None), (None, None)],
    ids=["2", "0", "99999", "-1", "abc", "none"],
)
async def test_rate_limit_faults_wait_the_right_seconds(
    sandbox: SandboxServer,
    http: httpx.AsyncClient,
    faults: Callable[..., None],
    page_id: str,
    retry_after: str | None,
    expected: float | None,
) -> None:
    rule: dict[str, Any] = {"kind": "rate_limit", "count": 1, "match": "retrieve-a-page"}
    if retry_after is not None:
        rule["retry_after"] = retry_after
    faults(rule)
    sleep = FakeSleep()
    events: list[WaitEvent] = []
    assert (await notion_for(sandbox, http, sleep, events).get_page(page_id))["id"] == page_id
    (wait,) = sleep.waits
    if expected is None:
        assert 0.0 <= wait <= 0.5  # backoff
    else:
        assert wait == expected
    assert [e.reason for e in events] == ["rate_limited"]


async def test_rate_limit_with_an_http_date(
    sandbox: SandboxServer, http: httpx.AsyncClient, faults: Callable[..., None], page_id: str
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    faults(
        {
            "kind": "rate_limit",
            "count": 1,
            "match": "retrieve-a-page",
            "retry_after": format_datetime(when, usegmt=True),
        }
    )
    sleep = FakeSleep()
    await notion_for(sandbox, http, sleep).get_page(page_id)
    (wait,) = sleep.waits
    assert 25.0 <= wait <= 30.0


async def test_fifty_429s_give_up_within_the_budget(
    sandbox: SandboxServer, http: httpx.AsyncClient, faults: Callable[..., None], page_id: str
) -> None:
    faults({"kind": "rate_limit", "count": 50, "retry_after": "2"})
    sleep = FakeSleep()
    events: list[WaitEvent] = []
    notion = notion_for(sandbox, http, sleep, events, max_attempts=50, max_total_wait=20.0)
    with pytest.raises(RateLimitedError) as caught:
        await notion.get_page(page_id)
    assert sum(sleep.waits) <= 20.0
    assert len(events) == len(sleep.waits) == 10
    assert caught.value.retry_after == 2.0


@pytest.mark.parametrize("body", ["invalid_json", "html", "empty", "wrong_shape", "huge"])
async def test_malformed_answers_are_protocol_errors(
    sandbox: SandboxServer,
    http: httpx.AsyncClient,
    faults: Callable[..., None],
    body: str,
) -> None:
    faults({"kind": "malformed", "body": body, "count": 1, "match": "post-search"})
    notion = notion_for(sandbox, http)
    started = time.perf_counter()
    with pytest.raises(ProtocolError) as caught:
        await notion.search()
    assert caught.value.sentence
    assert caught.value.remedy
    assert time.perf_counter() - started < 60  # refused by the cap, not read to the end
    assert notion.client.log.records()[-1].attempts == 1


async def test_a_dropped_connection_is_retried_for_a_read_only(
    sandbox: SandboxServer, http: httpx.AsyncClient, faults: Callable[..., None], page_id: str
) -> None:
    faults({"kind": "drop", "count": 1, "match": "retrieve-a-page"})
    notion = notion_for(sandbox, http)
    assert (await notion.get_page(page_id))["id"] == page_id
    assert notion.client.log.records()[-1].attempts == 2

    faults({"kind": "drop", "count": 1, "match": "patch-page"})
    with pytest.raises(CannotReachError, match="dropped"):
        await notion.update_page(page_id, {})
    assert notion.client.log.records()[-1].attempts == 1


async def test_a_dripping_answer_hits_the_deadline(
    sandbox: SandboxServer, http: httpx.AsyncClient, faults: Callable[..., None], page_id: str
) -> None:
    faults({"kind": "drip", "bytes_per_second": 5, "count": 1, "match": "retrieve-a-page"})
    notion = notion_for(sandbox, http, deadline=0.3)
    started = time.perf_counter()
    with pytest.raises(TimedOutError):
        await notion.get_page(page_id)
    assert time.perf_counter() - started < 20  # the deadline, not the drip (400 s), ended it


async def test_a_fast_drip_still_completes(
    sandbox: SandboxServer, http: httpx.AsyncClient, faults: Callable[..., None]
) -> None:
    faults({"kind": "drip", "bytes_per_second": 1_000_000, "count": 1, "match": "get-self"})
    me = await notion_for(sandbox, http).get_self()
    assert me["object"] == "user"


async def test_latency_beyond_the_deadline_times_out(
    sandbox: SandboxServer, http: httpx.AsyncClient, faults: Callable[..., None]
) -> None:
    faults({"kind": "latency", "ms": 1000, "count": 1, "match": "get-self"})
    with pytest.raises(TimedOutError):
        await notion_for(sandbox, http, deadline=0.2).get_self()


class SharedClock:
    """One fake monotonic clock for the sandbox's limiter and the client's sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


async def test_the_sandbox_rate_limit_is_met_and_recovered_from_without_a_limiter(
    sandbox_factory: Callable[..., SandboxServer], http: httpx.AsyncClient
) -> None:
    clock = SharedClock()
    server = sandbox_factory(
        rate_limit=True, rate_per_second=3.0, rate_burst=3, monotonic=clock.monotonic
    )
    client: AlloyClient = client_for(server.base_url, http, rate_limit=False)
    client._sleep = clock.sleep
    events: list[WaitEvent] = []
    client.on_wait = events.append
    notion = NotionAPI(client, SEED_CONNECTION_ID)
    for _ in range(8):
        await notion.get_self()
    assert any(e.reason == "rate_limited" for e in events)
    assert all(e.seconds >= 0 for e in events)


async def test_the_client_limiter_keeps_the_sandbox_from_answering_429(
    sandbox_factory: Callable[..., SandboxServer], http: httpx.AsyncClient
) -> None:
    clock = SharedClock()
    server = sandbox_factory(
        rate_limit=True, rate_per_second=3.0, rate_burst=3, monotonic=clock.monotonic
    )
    client = client_for(server.base_url, http, rate_limit=True)
    client._limiter = RateLimiter(2.8, 3, clock=clock.monotonic, sleep=clock.sleep)
    events: list[WaitEvent] = []
    client.on_wait = events.append
    notion = NotionAPI(client, SEED_CONNECTION_ID)
    for _ in range(30):
        await notion.get_self()
    statuses = [r.status for r in client.log.records()]
    assert statuses == [200] * 30
    assert all(r.attempts == 1 for r in client.log.records())
    assert {e.reason for e in events} == {"limiter"}
    assert clock.now - 1000.0 == pytest.approx(27 / 2.8)
