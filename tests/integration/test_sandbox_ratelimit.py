"""Notion-like per-connection rate limiting, driven by an injected clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
from alloy_tui.sandbox.server import CONSENT_PATH, SandboxServer

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}", "x-api-version": "2025-09"}
RATE_LIMITED = {
    "object": "error",
    "status": 429,
    "code": "rate_limited",
    "message": "You have been rate limited. Please try again in a few minutes.",
}


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(
    sandbox_factory: Callable[..., SandboxServer], clock: FakeClock
) -> Iterator[httpx.Client]:
    server = sandbox_factory(clock=clock, rate_per_second=3.0, rate_burst=10, auto_consent=True)
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=30) as client:
        yield client


def call(client: httpx.Client, credential_id: str = SEED_CONNECTION_ID) -> httpx.Response:
    return client.post(
        "/connectors/notion/actions/get-self/execute",
        json={"credentialId": credential_id, "requestBody": {}},
    )


def test_burst_then_429_with_retry_after_then_recovery(
    client: httpx.Client, clock: FakeClock
) -> None:
    assert [call(client).status_code for _ in range(10)] == [200] * 10
    limited = call(client)
    assert limited.status_code == 429
    assert limited.json() == RATE_LIMITED
    assert limited.headers["retry-after"] == "1"
    assert int(limited.headers["retry-after"]) >= 1
    clock.advance(1.0)  # three requests' worth of tokens
    assert [call(client).status_code for _ in range(3)] == [200] * 3
    assert call(client).status_code == 429
    clock.advance(10)  # the bucket refills to the burst, not beyond
    assert [call(client).status_code for _ in range(10)] == [200] * 10
    assert call(client).status_code == 429


def test_connections_have_separate_buckets(client: httpx.Client) -> None:
    started = client.post(
        "/connectors/notion/credentials",
        json={"redirectUri": "http://127.0.0.1:1/cb", "userId": DEFAULT_USER_ID},
    ).json()
    assert client.get(started["oauthUrl"]).status_code == 302  # auto-consent stores it
    for _ in range(10):
        call(client)
    assert call(client).status_code == 429
    assert call(client, started["credentialId"]).status_code == 200


def test_only_action_calls_are_limited(client: httpx.Client) -> None:
    for _ in range(11):
        call(client)
    assert call(client).status_code == 429
    assert client.get("/credentials").status_code == 200
    assert client.get("/connectors/notion/actions").status_code == 200
    assert client.get(CONSENT_PATH, params={"state": "x"}).status_code == 400


def test_unknown_credentials_do_not_consume_tokens(client: httpx.Client) -> None:
    for _ in range(15):
        assert call(client, "0" * 24).status_code == 400
    assert call(client).status_code == 200


def test_rate_limit_off(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(rate_limit=False)
    with httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        assert {call(client).status_code for _ in range(25)} == {200}
