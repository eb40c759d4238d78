"""make_http: no CA bundle is loaded to make the client (it delayed the first paint); plain
http gets a TLS context that trusts nothing, https its real transport made in a thread."""

from __future__ import annotations

import ssl
import threading
from typing import Any

import httpx
import pytest

from alloy_tui.alloy.client import make_http


class FakeTransport(httpx.AsyncBaseTransport):
    made: list[tuple[Any, str]] = []

    def __init__(self, *, limits: httpx.Limits, verify: Any = True) -> None:
        FakeTransport.made.append((verify, threading.current_thread().name))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"url": str(request.url)})


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str]]:
    FakeTransport.made = []
    monkeypatch.setattr(httpx, "AsyncHTTPTransport", FakeTransport)
    return FakeTransport.made


async def test_no_transport_is_made_before_the_first_request(fake: list[Any]) -> None:
    async with make_http():
        assert fake == []


async def test_plain_http_never_loads_the_ca_bundle(fake: list[Any]) -> None:
    async with make_http() as http:
        await http.get("http://127.0.0.1:9/a")
        await http.get("http://127.0.0.1:9/b")
    [(verify, thread)] = fake
    assert isinstance(verify, ssl.SSLContext)
    assert verify.verify_mode == ssl.CERT_REQUIRED and verify.cert_store_stats()["x509_ca"] == 0
    assert thread == threading.main_thread().name


async def test_https_gets_httpx_default_verification_made_off_the_event_loop(
    fake: list[Any],
) -> None:
    async with make_http() as http:
        answer = await http.get("https://alloy.example/a")
        await http.get("https://alloy.example/b")
    assert answer.json() == {"url": "https://alloy.example/a"}
    [(verify, thread)] = fake
    assert verify is True
    assert thread != threading.main_thread().name
