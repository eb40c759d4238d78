"""AlloyClient over httpx.MockTransport: the official dialect, tolerant parsing, protocol errors."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from alloy_tui.alloy.client import API_VERSION, ActionKind, AlloyClient, ClientOptions, WaitEvent
from alloy_tui.alloy.errors import (
    AuthError,
    CannotReachError,
    ConnectionNotFoundError,
    ProtocolError,
    TimedOutError,
)
from alloy_tui.alloy.ratelimit import RateLimiter
from alloy_tui.alloy.requestlog import to_curl
from alloy_tui.alloy.secret import Secret

BASE = "https://alloy.test"
KEY = "sk_live_TOPSECRET_key_0123456789"
USER = "64f0a1b2c3d4e5f601234567"
CRED = "65a1b2c3d4e5f60718293a4b"
NAME = "Notion \u2013 Acme"  # an en dash, as the sandbox names connections
FIXED_NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


class FakeSleep:
    """Records every wait instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Recorder:
    """A MockTransport handler that answers from a list (the last answer repeats)."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        index = min(len(self.requests), len(self.answers)) - 1
        answer = self.answers[index]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def make_client(
    handler: Any,
    *,
    sleep: FakeSleep | None = None,
    events: list[WaitEvent] | None = None,
    user_id: str | None = USER,
    **options: Any,
) -> AlloyClient:
    options.setdefault("rate_limit", False)
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AlloyClient(
        http,
        base_url=BASE + "/",
        api_key=Secret(KEY),
        user_id=user_id,
        options=ClientOptions(**options),
        sleep=sleep or FakeSleep(),
        on_wait=events.append if events is not None else None,
        rng=random.Random(7),
        now=lambda: FIXED_NOW,
    )


def ok(body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


async def test_execute_speaks_the_official_dialect() -> None:
    rec = Recorder(ok({"object": "page", "id": "p1"}))
    client = make_client(rec)
    result = await client.execute(
        "notion",
        "patch-page",
        connection_id=CRED,
        kind=ActionKind.WRITE,
        path_params={"page_id": "abc"},
        body={"properties": {}},
        query={"filter_properties": "x", "skip": None},
    )
    assert result == {"object": "page", "id": "p1"}
    request = rec.requests[0]
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/connectors/notion/actions/patch-page/execute"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["x-api-version"] == API_VERSION
    assert request.headers["x-alloy-userid"] == USER
    assert request.headers["content-type"] == "application/json"
    assert rec.body() == {
        "credentialId": CRED,
        "userId": USER,
        "requestBody": {"properties": {}},
        "queryParameters": {"filter_properties": "x"},
        "pathParams": {"page_id": "abc"},
    }


async def test_execute_unwraps_the_official_result_envelope() -> None:
    client = make_client(Recorder(ok({"success": True, "result": {"object": "user", "id": "u"}})))
    got = await client.execute("notion", "get-self", connection_id=CRED, kind=ActionKind.READ)
    assert got == {"object": "user", "id": "u"}


async def test_execute_success_false_is_an_error() -> None:
    body = {"success": False, "error": {"code": "INVALID_INPUT", "message": "Credential not found"}}
    client = make_client(Recorder(ok(body)))
    with pytest.raises(ConnectionNotFoundError):
        await client.execute("notion", "get-self", connection_id=CRED, kind=ActionKind.READ)


async def test_path_segments_are_escaped() -> None:
    rec = Recorder(ok({"action": {"id": "a/b"}}))
    await make_client(rec).get_action("notion", "a/b?x")
    assert rec.requests[0].url.raw_path == b"/connectors/notion/actions/a%2Fb%3Fx"


@pytest.mark.parametrize(
    "body",
    [
        {"credentials": [{"credentialId": CRED, "name": NAME, "type": "notion-oauth2"}]},
        {"data": [{"id": CRED, "name": NAME, "type": "notion-oauth2"}]},
        [{"id": CRED, "name": NAME, "type": "notion-oauth2", "connectorId": "notion"}],
        {
            "success": True,
            "result": {"credentials": [{"credentialId": CRED, "name": NAME}]},
        },
    ],
    ids=["official", "data", "guide-array", "result-wrapped"],
)
async def test_list_connections_reads_every_dialect(body: Any) -> None:
    rec = Recorder(ok(body))
    connections = await make_client(rec).list_connections()
    assert [c.id for c in connections] == [CRED]
    assert connections[0].connector_id == "notion"
    assert connections[0].name == NAME
    assert rec.requests[0].url.path == "/connectors/notion/credentials"
    assert rec.requests[0].headers["x-alloy-userid"] == USER


async def test_list_connections_parses_dates_and_workspace() -> None:
    item = {
        "credentialId": CRED,
        "id": CRED,
        "name": NAME,
        "type": "notion-oauth2",
        "connectorId": "notion",
        "createdAt": "2024-01-01T00:00:00.000Z",
        "workspaceName": "Acme Sandbox",
    }
    (connection,) = await make_client(Recorder(ok({"credentials": [item]}))).list_connections()
    assert connection.created_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert connection.workspace_name == "Acme Sandbox"
    assert connection.raw["credentialId"] == CRED


async def test_list_connections_falls_back_to_the_guide_endpoint_on_404() -> None:
    guide = [
        {"id": CRED, "name": "N", "type": "notion-oauth2", "connectorId": "notion"},
        {"id": "other", "name": "S", "type": "slack-oauth2", "connectorId": "slack"},
    ]
    rec = Recorder(
        ok({"error": {"code": "NOT_FOUND", "message": "Route not found"}}, 404), ok(guide)
    )
    connections = await make_client(rec).list_connections("notion")
    assert [r.url.path for r in rec.requests] == ["/connectors/notion/credentials", "/credentials"]
    assert [c.id for c in connections] == [CRED]


async def test_list_all_connections_uses_the_user_endpoint() -> None:
    rec = Recorder(ok({"data": [{"id": "a", "connectorId": "slack"}]}))
    connections = await make_client(rec).list_connections(None)
    assert rec.requests[0].url.path == f"/credentials/users/{USER}"
    assert connections[0].connector_id == "slack"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"items": []}, "`credentials` or `data` or `results`"),
        ({"credentials": [{"name": "x"}]}, "`credentialId` or `id`"),
        ({"credentials": ["x"]}, "not an object"),
        ("just text", "not a list"),
    ],
)
async def test_wrong_shapes_are_protocol_errors_naming_what_is_missing(
    body: Any, named: str
) -> None:
    with pytest.raises(ProtocolError) as caught:
        await make_client(Recorder(ok(body))).list_connections()
    assert named in caught.value.sentence


async def test_start_oauth_sends_the_official_body() -> None:
    rec = Recorder(ok({"oauthUrl": "https://notion/authorize?x", "credentialId": CRED}))
    start = await make_client(rec).start_oauth("notion", "http://127.0.0.1:9/cb")
    assert start.oauth_url == "https://notion/authorize?x"
    assert start.credential_id == CRED
    assert rec.requests[0].url.path == "/connectors/notion/credentials"
    assert rec.body() == {
        "userId": USER,
        "authenticationType": "oauth2",
        "redirectUri": "http://127.0.0.1:9/cb",
    }


async def test_start_oauth_without_url_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="oauthUrl"):
        await make_client(Recorder(ok({"credentialId": CRED}))).start_oauth("notion", "http://x")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"connectionId": "c1", "credentialId": "c1"}, "c1"),
        ({"id": "c2"}, "c2"),
        ({"success": True, "result": {"credentialId": "c3"}}, "c3"),
    ],
)
async def test_exchange_code_returns_the_connection_id(body: Any, expected: str) -> None:
    rec = Recorder(ok(body))
    assert await make_client(rec).exchange_code("notion", "the-code", CRED) == expected
    assert rec.requests[0].url.path == "/connectors/notion/credentials/callback"
    assert rec.body() == {"code": "the-code", "userId": USER, "credentialId": CRED}


@pytest.mark.parametrize(
    "first",
    [
        httpx.ConnectError("refused"),
        ok({"object": "error", "status": 500, "code": "internal_server_error"}, 500),
        ok({"object": "error", "status": 429, "code": "rate_limited"}, 429, **{"Retry-After": "1"}),
    ],
    ids=["connect-error", "500", "429"],
)
async def test_exchange_code_is_sent_exactly_once(first: Any) -> None:
    rec = Recorder(first, ok({"connectionId": "c1"}))
    sleep = FakeSleep()
    with pytest.raises(Exception) as caught:
        await make_client(rec, sleep=sleep).exchange_code("notion", "code", None)
    assert len(rec.requests) == 1
    assert sleep.waits == []
    assert "code" not in rec.body() or rec.body()["code"] == "code"
    assert type(caught.value).__name__ != "AttemptFailure"


async def test_delete_connection_uses_the_embedded_api_path() -> None:
    rec = Recorder(ok({"success": True}))
    await make_client(rec).delete_connection(CRED)
    assert rec.requests[0].method == "DELETE"
    assert rec.requests[0].url.path == f"/users/{USER}/credentials/{CRED}"


async def test_delete_connection_tolerates_an_empty_204() -> None:
    rec = Recorder(httpx.Response(204))
    await make_client(rec).delete_connection(CRED)
    assert len(rec.requests) == 1


async def test_missing_user_id_is_an_auth_error_before_any_request() -> None:
    rec = Recorder(ok({}))
    with pytest.raises(AuthError, match="ALLOY_USER_ID"):
        await make_client(rec, user_id=None).list_connections()
    assert rec.requests == []


async def test_list_connectors_and_get_action() -> None:
    rec = Recorder(
        ok({"connectors": [{"id": "notion", "name": "Notion"}, "slack"]}),
        ok({"action": {"id": "post-search", "httpMethod": "POST", "path": "/v1/search"}}),
    )
    client = make_client(rec)
    assert await client.list_connectors() == [{"id": "notion", "name": "Notion"}, {"id": "slack"}]
    action = await client.get_action("notion", "post-search")
    assert action["httpMethod"] == "POST"
    assert "x-alloy-userid" not in rec.requests[0].headers


@pytest.mark.parametrize(
    ("response", "named"),
    [
        (httpx.Response(200, content=b"{not json"), "invalid JSON"),
        (
            httpx.Response(
                200,
                content=b"<html><body>Login</body></html>",
                headers={"content-type": "text/html"},
            ),
            "HTML page",
        ),
        (httpx.Response(200, content=b"<!doctype html>"), "HTML page"),
        (httpx.Response(200, content=b""), "empty body"),
        (httpx.Response(200, content=b"   \n"), "empty body"),
        (httpx.Response(200, content=b"[" * 200_000), "nested too deeply"),
    ],
    ids=["invalid-json", "html", "html-sniffed", "empty", "blank", "deep"],
)
async def test_unreadable_answers_are_protocol_errors(response: httpx.Response, named: str) -> None:
    rec = Recorder(response)
    with pytest.raises(ProtocolError) as caught:
        await make_client(rec).execute(
            "notion", "get-self", connection_id=CRED, kind=ActionKind.READ
        )
    assert named in caught.value.sentence
    assert len(rec.requests) == 1  # a malformed 200 is not retried
    assert caught.value.remedy


async def test_redirect_is_a_protocol_error_not_followed() -> None:
    rec = Recorder(httpx.Response(301, headers={"location": "https://elsewhere/"}))
    with pytest.raises(ProtocolError, match="redirected"):
        await make_client(rec).list_connectors()
    assert len(rec.requests) == 1


async def test_body_over_the_cap_is_refused_by_content_length() -> None:
    big = b'{"x":"' + b"a" * 2000 + b'"}'
    with pytest.raises(ProtocolError, match="larger than"):
        await make_client(
            Recorder(httpx.Response(200, content=big)), max_body_bytes=1000
        ).list_connectors()


async def test_streamed_body_over_the_cap_is_refused_while_reading() -> None:
    produced: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(10_000):
            produced.append(1)
            yield b"x" * 512

    rec = Recorder(lambda request: httpx.Response(200, content=endless()))
    with pytest.raises(ProtocolError, match="larger than"):
        await make_client(rec, max_body_bytes=4096).list_connectors()
    assert len(produced) < 20  # it stopped reading soon after the cap


async def test_a_dripping_server_hits_the_deadline() -> None:
    never = asyncio.Event()

    async def drip() -> AsyncIterator[bytes]:
        yield b'{"object"'
        await never.wait()
        yield b"}"

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=drip())

    client = make_client(handler, deadline=0.1)
    started = time.perf_counter()
    with pytest.raises(TimedOutError) as caught:
        await client.execute("notion", "get-self", connection_id=CRED, kind=ActionKind.READ)
    assert time.perf_counter() - started < 5  # the deadline fired; the body never ends
    assert BASE in caught.value.sentence
    assert "timed out" in caught.value.sentence
    assert isinstance(caught.value, CannotReachError)


async def test_connection_refused_names_the_base_url() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens on it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as http:
        client = AlloyClient(
            http,
            base_url=base,
            api_key=Secret(KEY),
            user_id=USER,
            options=ClientOptions(rate_limit=False),
            sleep=FakeSleep(),
        )
        with pytest.raises(CannotReachError) as caught:
            await client.list_connectors()
    assert caught.value.sentence.startswith(f"Cannot reach {base}")
    assert "refused" in caught.value.sentence
    assert client.log.records()[-1].attempts == 5  # a read retries connect errors


async def test_dns_failure_is_cannot_reach() -> None:
    rec = Recorder(httpx.ConnectError("[Errno -2] Name or service not known"))
    with pytest.raises(CannotReachError, match="does not resolve"):
        await make_client(rec, max_attempts=1).list_connectors()


async def test_the_key_appears_nowhere_but_the_wire() -> None:
    rec = Recorder(
        ok(
            {"object": "error", "status": 400, "code": "validation_error", "message": f"bad {KEY}"},
            400,
        )
    )
    client = make_client(rec)
    log = client.log
    with pytest.raises(Exception) as caught:
        await client.execute(
            "notion", "post-search", connection_id=CRED, kind=ActionKind.READ, body={}
        )
    record = log.records()[-1]
    texts = [repr(client), repr(client.__dict__), repr(record), to_curl(record), repr(caught.value)]
    texts.append(json.dumps(record.response_body))
    for text in texts:
        assert KEY not in text
    assert rec.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert "$ALLOY_API_KEY" in to_curl(record)


async def test_the_log_records_each_call() -> None:
    rec = Recorder(
        ok({"object": "error", "status": 503, "code": "service_unavailable"}, 503),
        ok({"object": "list", "results": [], "has_more": False, "next_cursor": None}),
    )
    client = make_client(rec)
    await client.execute(
        "notion", "post-search", connection_id=CRED, kind=ActionKind.READ, body={"query": "x"}
    )
    (record,) = client.log.records()
    assert record.finished and record.ok
    assert record.status == 200
    assert record.attempts == 2
    assert record.waited_s > 0
    assert record.action == "post-search"
    assert record.connection_id == CRED
    assert record.request_body["requestBody"] == {"query": "x"}
    assert record.response_body["object"] == "list"
    assert record.started_at == FIXED_NOW
    assert client.log.in_flight == 0


async def test_a_cancelled_call_leaves_nothing_in_flight() -> None:
    gate = asyncio.Event()
    entered = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        entered.set()
        await gate.wait()
        return ok({})

    client = make_client(handler)
    task = asyncio.create_task(client.list_connectors())
    await entered.wait()
    assert client.log.in_flight == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert client.log.in_flight == 0
    assert client.log.records()[-1].error == "CancelledError"


async def test_client_options_refuse_a_rate_at_notions_limit() -> None:
    with pytest.raises(ValueError, match="under"):
        ClientOptions(rate_per_second=3.0)
    assert ClientOptions(rate_per_second=50, rate_limit=False).rate_per_second == 50


async def test_aclose_closes_the_http_client() -> None:
    client = make_client(Recorder(ok({})))
    await client.aclose()
    assert client._http.is_closed


async def test_limiter_pacing_is_logged_as_a_wait_not_as_latency() -> None:
    now = [0.0]

    async def advance(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(2.0, 1, clock=lambda: now[0], sleep=advance)
    rec = Recorder(*[ok({"object": "user", "id": "u"}) for _ in range(2)])
    http = httpx.AsyncClient(transport=httpx.MockTransport(rec))
    client = AlloyClient(
        http,
        base_url=BASE,
        api_key=Secret(KEY),
        user_id=USER,
        options=ClientOptions(rate_limit=True),
        limiter=limiter,
        sleep=FakeSleep(),
        now=lambda: FIXED_NOW,
    )
    for _ in range(2):
        await client.execute("notion", "get-self", connection_id=CRED, kind=ActionKind.READ)
    first, second = client.log.records()
    assert first.waited_s == 0
    assert second.waited_s == pytest.approx(0.5)
    assert second.latency_ms is not None and second.latency_ms < 500


async def test_an_error_body_nested_too_deeply_is_still_a_typed_error() -> None:
    from alloy_tui.alloy.errors import AlloyError

    rec = Recorder(httpx.Response(400, content=b"[" * 200_000 + b"]" * 200_000))
    with pytest.raises(AlloyError) as caught:
        await make_client(rec).execute(
            "notion", "get-self", connection_id=CRED, kind=ActionKind.READ
        )
    assert caught.value.status == 400
    assert caught.value.sentence
