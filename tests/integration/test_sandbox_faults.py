"""Every fault kind, observed by a real httpx client against a sandbox on a real socket."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, SEED_CONNECTION_ID
from alloy_tui.sandbox.faults import HUGE_BODY_BYTES
from alloy_tui.sandbox.server import SandboxServer

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}", "x-api-version": "2025-09"}


@pytest.fixture
def server(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    return sandbox_factory(rate_limit=False)


@pytest.fixture
def client(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=30) as client:
        yield client


def set_faults(client: httpx.Client, *rules: dict[str, object], seed: int = 0) -> None:
    response = client.post("/__sandbox/faults", json={"rules": list(rules), "seed": seed})
    assert response.status_code == 200, response.text


def test_admin_endpoints_need_the_sandbox_key(server: SandboxServer) -> None:
    with httpx.Client(base_url=server.base_url) as anonymous:
        assert anonymous.get("/__sandbox/faults").status_code == 401
        assert anonymous.post("/__sandbox/faults", json={"rules": []}).status_code == 401
        assert anonymous.delete("/__sandbox/faults").status_code == 401
        assert anonymous.post("/__sandbox/reset").status_code == 401
        wrong = {"Authorization": "Bearer sk_not_the_key"}
        assert anonymous.get("/__sandbox/faults", headers=wrong).status_code == 401
        health = anonymous.get("/__sandbox/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"


def test_admin_set_get_clear(client: httpx.Client) -> None:
    set_faults(client, {"kind": "status", "status": 502, "count": 2}, seed=5)
    snapshot = client.get("/__sandbox/faults").json()
    assert snapshot["seed"] == 5
    assert snapshot["rules"] == [
        {
            "kind": "status",
            "match": None,
            "count": 2,
            "probability": 1.0,
            "status": 502,
            "retry_after": None,
            "remaining": 2,
        }
    ]
    assert client.delete("/__sandbox/faults").json()["rules"] == []
    assert client.get("/credentials").status_code == 200


def test_admin_rejects_bad_rules_with_the_reason(client: httpx.Client) -> None:
    response = client.post("/__sandbox/faults", json={"rules": [{"kind": "boom"}]})
    assert response.status_code == 400
    assert "unknown fault kind 'boom'" in response.json()["error"]["message"]
    response = client.post("/__sandbox/faults", json={"rules": [], "seed": "x"})
    assert response.status_code == 400
    assert client.get("/__sandbox/faults").json()["rules"] == []


def test_status_fault_with_count_then_recovers(client: httpx.Client) -> None:
    set_faults(client, {"kind": "status", "status": 503, "count": 2, "retry_after": "3"})
    for _ in range(2):
        response = client.get("/credentials")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "3"
        assert response.json()["code"] == "service_unavailable"
    assert client.get("/credentials").status_code == 200


def test_status_529_is_notions_service_overload(client: httpx.Client) -> None:
    set_faults(client, {"kind": "status", "status": 529, "count": 1})
    response = client.get("/credentials")
    assert response.status_code == 529
    assert response.json()["code"] == "service_overload"
    assert "retry-after" not in response.headers


@pytest.mark.parametrize(
    "retry_after", ["2", "0", "-1", "abc", "99999", "Wed, 21 Oct 2015 07:28:00 GMT"]
)
def test_rate_limit_fault_sends_retry_after_verbatim(
    client: httpx.Client, retry_after: str
) -> None:
    set_faults(client, {"kind": "rate_limit", "retry_after": retry_after, "count": 1})
    response = client.get("/credentials")
    assert response.status_code == 429
    assert response.headers["retry-after"] == retry_after
    assert response.json() == {
        "object": "error",
        "status": 429,
        "code": "rate_limited",
        "message": "You have been rate limited. Please try again in a few minutes.",
    }


def test_rate_limit_fault_without_retry_after_sends_no_header(client: httpx.Client) -> None:
    set_faults(client, {"kind": "rate_limit", "count": 1})
    response = client.get("/credentials")
    assert response.status_code == 429
    assert "retry-after" not in response.headers


def test_latency_fault_delays_the_answer(client: httpx.Client) -> None:
    set_faults(client, {"kind": "latency", "ms": 150, "count": 1})
    started = time.perf_counter()
    response = client.get("/credentials")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed >= 0.15


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("invalid_json", "application/json"),
        ("html", "text/html"),
        ("empty", "application/json"),
        ("wrong_shape", "application/json"),
    ],
)
def test_malformed_bodies(client: httpx.Client, body: str, content_type: str) -> None:
    set_faults(client, {"kind": "malformed", "body": body, "count": 1})
    response = client.get("/credentials")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)
    if body == "invalid_json":
        with pytest.raises(json.JSONDecodeError):
            response.json()
    elif body == "html":
        assert response.text.startswith("<!DOCTYPE html>")
    elif body == "empty":
        assert response.content == b""
    else:
        parsed = response.json()
        assert not isinstance(parsed, list) and not isinstance(parsed.get("results"), list)


def test_malformed_with_a_status(client: httpx.Client) -> None:
    set_faults(client, {"kind": "malformed", "body": "html", "status": 502, "count": 1})
    response = client.get("/credentials")
    assert response.status_code == 502 and "<h1>502 Bad Gateway</h1>" in response.text


def test_huge_body_is_streamed_past_20_mb(client: httpx.Client) -> None:
    set_faults(client, {"kind": "malformed", "body": "huge", "count": 1})
    received = 0
    with client.stream("GET", "/credentials") as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # a cap must count as it reads
        for chunk in response.iter_raw():
            received += len(chunk)
    assert received >= HUGE_BODY_BYTES > 20 * 1024 * 1024


def test_drop_closes_the_connection_without_a_response(client: httpx.Client) -> None:
    set_faults(client, {"kind": "drop", "match": "credentials", "count": 1})
    with pytest.raises(httpx.TransportError):
        client.get("/credentials")
    # The next request (a fresh connection) is served normally.
    assert client.get("/credentials").status_code == 200


def test_drip_trickles_a_valid_body(client: httpx.Client) -> None:
    expected = client.get("/credentials").json()
    set_faults(client, {"kind": "drip", "bytes_per_second": 2_000, "count": 1})
    chunks: list[bytes] = []
    with client.stream("GET", "/credentials") as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers
        chunks.extend(response.iter_raw())
    body = b"".join(chunks)
    assert json.loads(body) == expected
    assert len([chunk for chunk in chunks if chunk]) > 1  # it came in pieces


def test_match_targets_one_action_by_official_id_through_an_alias(client: httpx.Client) -> None:
    set_faults(client, {"kind": "status", "status": 500, "match": "retrieve-a-page"})
    response = client.post(
        "/connectors/notion/actions/get-page",
        json={"credentialId": SEED_CONNECTION_ID, "parameters": {"page_id": "0" * 32}},
    )
    assert response.status_code == 500
    assert response.json()["code"] == "internal_server_error"
    assert client.get("/credentials").status_code == 200


def test_faults_skip_admin_health_and_consent(client: httpx.Client) -> None:
    set_faults(client, {"kind": "status", "status": 503})
    assert client.get("/__sandbox/health").status_code == 200
    assert client.get("/__sandbox/faults").status_code == 200
    consent = client.get("/v1/oauth/authorize", params={"state": "unknown"})
    assert consent.status_code == 400 and "text/html" in consent.headers["content-type"]
    assert client.get("/credentials").status_code == 503
    assert client.delete("/__sandbox/faults").status_code == 200


def test_faults_from_the_config_spec(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(faults="status:status=502,count=1;rate_limit:retry_after=4,count=1")
    with httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        assert client.get("/credentials").status_code == 502
        limited = client.get("/credentials")
        assert limited.status_code == 429 and limited.headers["retry-after"] == "4"
        assert client.get("/credentials").status_code == 200


def test_probability_with_a_seed_is_reproducible(client: httpx.Client) -> None:
    def outcomes() -> list[int]:
        set_faults(client, {"kind": "status", "status": 503, "probability": 0.5}, seed=11)
        return [client.get("/credentials").status_code for _ in range(12)]

    first = outcomes()
    assert set(first) == {200, 503}
    assert outcomes() == first
