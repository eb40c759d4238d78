"""The connect flow end to end: real listener, real client, a real sandbox, a scripted browser."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Callable
from html import unescape
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.connect import ConnectEvent, browser_available, connect_service
from alloy_tui.alloy.errors import OAuthError
from alloy_tui.alloy.oauth_listener import OAuthDeclined, OAuthListener, OAuthTimeout
from alloy_tui.alloy.secret import Secret

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import SandboxServer

REDIRECT = "http://127.0.0.1:0/oauth/callback"


class CountingTransport(httpx.AsyncBaseTransport):
    """Forwards to a real transport and records every request the client sends."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def count(self, method: str, suffix: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.endswith(suffix))


class Browser:
    """Stands in for the user's browser: visits the OAuth URL in one of several ways."""

    def __init__(self, how: str) -> None:
        self.how = how
        self.tasks: list[asyncio.Task[None]] = []
        self.pages: list[httpx.Response] = []

    def __call__(self, url: str) -> bool:
        self.tasks.append(asyncio.get_running_loop().create_task(self.visit(url)))
        return True

    async def visit(self, url: str) -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            if self.how == "allow":
                self.pages.append(await http.get(url, follow_redirects=True))
                return
            if self.how == "cancel":
                consent = await http.get(url)
                form = dict(re.findall(r'name="(state|csrf)" value="([^"]*)"', consent.text))
                action = re.search(r'<form method="post" action="([^"]+)"', consent.text)
                assert action is not None and form
                target = httpx.URL(url).join(unescape(action.group(1)))
                data = {k: unescape(v) for k, v in form.items()} | {"decision": "cancel"}
                self.pages.append(await http.post(target, data=data, follow_redirects=True))
                return
            # Allow (auto-consent), then come back without the code or with a wrong one.
            redirect = await http.get(url)
            assert redirect.status_code in (302, 303, 307)
            parts = urlsplit(redirect.headers["location"])
            query = parse_qs(parts.query)
            if self.how == "no_code":
                query.pop("code")
            elif self.how == "bogus_code":
                query["code"] = ["not-the-real-code"]
            back = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
            self.pages.append(await http.get(back))

    async def finished(self) -> None:
        await asyncio.gather(*self.tasks)


def consent_without_callback(oauth_urls: list[str]) -> Callable[[str], bool]:
    """A browser whose redirect back never arrives: Allow happens, the callback is lost."""

    def open_browser(url: str) -> bool:
        with httpx.Client(timeout=10) as http:
            assert http.get(url).status_code in (302, 303, 307)
        oauth_urls.append(url)
        return True

    return open_browser


@pytest.fixture
def auto_sandbox(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    return sandbox_factory(auto_consent=True, rate_limit=False)


@pytest.fixture
def transport() -> CountingTransport:
    return CountingTransport()


def make_client(server: SandboxServer, transport: CountingTransport) -> AlloyClient:
    return AlloyClient(
        make_http(transport=transport),
        base_url=server.base_url,
        api_key=Secret(server.config.api_key),
        user_id=server.config.user_id,
        options=ClientOptions(rate_limit=False),
    )


@pytest.fixture
async def client(
    auto_sandbox: SandboxServer, transport: CountingTransport
) -> AsyncIterator[AlloyClient]:
    async with make_client(auto_sandbox, transport) as alloy:
        yield alloy


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def test_code_path_exchanges_once_and_returns_the_listed_connection(
    client: AlloyClient, transport: CountingTransport
) -> None:
    before = {c.id for c in await client.list_connections("notion")}
    events: list[ConnectEvent] = []
    browser = Browser("allow")
    connection = await connect_service(
        client, "notion", REDIRECT, on_event=events.append, open_browser=browser
    )
    await browser.finished()

    assert connection.id not in before
    assert connection.connector_id == "notion"
    assert connection.workspace_name  # found by listing, so it has its name and workspace
    assert connection.name != connection.id
    assert connection.id in {c.id for c in await client.list_connections("notion")}
    assert transport.count("POST", "/credentials/callback") == 1
    assert transport.count("POST", "/connectors/notion/credentials") == 1
    assert b"Connected" in browser.pages[0].content
    kinds = [e.kind for e in events]
    assert kinds[0] == "url" and kinds[1] == "waiting"
    assert kinds[-3:] == ["exchanging", "listing", "done"]
    assert events[0].url is not None and events[0].url.startswith(client.base_url)
    assert events[1].seconds_left is not None and 0 < events[1].seconds_left <= 300


async def test_listing_path_when_the_callback_carries_no_code(
    client: AlloyClient, transport: CountingTransport
) -> None:
    before = {c.id for c in await client.list_connections("notion")}
    browser = Browser("no_code")
    connection = await connect_service(client, "notion", REDIRECT, open_browser=browser)
    await browser.finished()
    assert connection.id not in before
    assert connection.workspace_name
    assert transport.count("POST", "/credentials/callback") == 0


async def test_a_failed_exchange_is_not_retried_and_falls_back_to_listing(
    client: AlloyClient, transport: CountingTransport
) -> None:
    before = {c.id for c in await client.list_connections("notion")}
    browser = Browser("bogus_code")
    connection = await connect_service(client, "notion", REDIRECT, open_browser=browser)
    await browser.finished()
    # The sandbox stored the connection at redirect time, as Alloy does.
    assert connection.id not in before
    assert transport.count("POST", "/credentials/callback") == 1


async def test_a_failed_exchange_with_no_new_connection_raises_the_exchange_error(
    client: AlloyClient, transport: CountingTransport
) -> None:
    listener = OAuthListener(REDIRECT, deadline=30)

    def open_browser(url: str) -> bool:
        # Come straight back with a code Alloy never issued; no consent, so no new connection.
        async def visit() -> None:
            assert listener.redirect_uri is not None
            async with httpx.AsyncClient() as http:
                await http.get(listener.redirect_uri, params={"code": "forged", "state": "x"})

        asyncio.get_running_loop().create_task(visit())
        return True

    with pytest.raises(OAuthError):
        await connect_service(
            client, "notion", REDIRECT, open_browser=open_browser, listener=listener
        )
    assert transport.count("POST", "/credentials/callback") == 1
    assert listener.closed and port_is_free(listener.port)


async def test_declined_in_the_consent_page(
    sandbox_factory: Callable[..., SandboxServer], transport: CountingTransport
) -> None:
    server = sandbox_factory(rate_limit=False)  # a real consent page, no auto-consent
    async with make_client(server, transport) as alloy:
        before = await alloy.list_connections("notion")
        listener = OAuthListener(REDIRECT)
        browser = Browser("cancel")
        with pytest.raises(OAuthDeclined):
            await connect_service(
                alloy, "notion", REDIRECT, open_browser=browser, listener=listener
            )
        await browser.finished()
        assert b"You declined" in browser.pages[0].content
        assert transport.count("POST", "/credentials/callback") == 0
        assert port_is_free(listener.port)
        assert await alloy.list_connections("notion") == before


async def test_after_a_timeout_a_new_connection_still_counts(client: AlloyClient) -> None:
    before = {c.id for c in await client.list_connections("notion")}
    visited: list[str] = []
    events: list[ConnectEvent] = []
    connection = await connect_service(
        client,
        "notion",
        REDIRECT,
        open_browser=consent_without_callback(visited),
        deadline=0.2,
        on_event=events.append,
    )
    assert visited
    assert connection.id not in before
    assert [e.kind for e in events][-2:] == ["listing", "done"]


async def test_a_timeout_with_nothing_new_is_a_typed_timeout(client: AlloyClient) -> None:
    listener = OAuthListener(REDIRECT, deadline=0.2)
    with pytest.raises(OAuthTimeout):
        await connect_service(client, "notion", REDIRECT, open_browser=None, listener=listener)
    assert port_is_free(listener.port)


async def test_cancelling_the_task_closes_the_listener(client: AlloyClient) -> None:
    listener = OAuthListener(REDIRECT, deadline=60)
    waiting = asyncio.Event()

    def on_event(event: ConnectEvent) -> None:
        if event.kind == "waiting":
            waiting.set()

    task = asyncio.create_task(
        connect_service(
            client, "notion", REDIRECT, open_browser=None, listener=listener, on_event=on_event
        )
    )
    await waiting.wait()
    port = listener.port
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert listener.closed and port_is_free(port)


async def test_a_broken_browser_launcher_does_not_end_the_flow(client: AlloyClient) -> None:
    events: list[ConnectEvent] = []

    def broken(url: str) -> bool:
        raise RuntimeError("no browser")

    with pytest.raises(OAuthTimeout):
        await connect_service(
            client, "notion", REDIRECT, open_browser=broken, deadline=0.1, on_event=events.append
        )
    assert events[0].kind == "url" and "Open this URL" in events[0].message


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({}, "linux", False),
        ({"DISPLAY": ":0"}, "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({"BROWSER": "firefox"}, "linux", True),
        ({}, "darwin", True),
        ({}, "win32", True),
    ],
)
def test_browser_available(environ: dict[str, str], platform: str, expected: bool) -> None:
    assert browser_available(environ, platform) is expected
