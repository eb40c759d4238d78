"""The OAuth loopback listener on real sockets: every row of RELIABILITY.md's listener table."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from urllib.parse import quote, urlsplit

import httpx
import pytest

from alloy_tui.alloy.errors import AlloyError
from alloy_tui.alloy.oauth_listener import (
    PAGES,
    CallbackResult,
    ListenerError,
    ListenerStartError,
    OAuthCallbackFailed,
    OAuthCancelled,
    OAuthDeclined,
    OAuthListener,
    OAuthTimeout,
    PortInUseError,
)

REDIRECT = "http://127.0.0.1:0/oauth/callback"
SECURITY_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'",
    "content-type": "text/html; charset=utf-8",
    "connection": "close",
}
HOSTILE = [
    "<script>alert(1)</script>",
    "[bold red]boom[/bold red]",
    "\x1b[31mred\x1b[0m\x1b]0;title\x07",
    "line1\r\nSet-Cookie: evil=1\r\n\r\n<h1>injected</h1>",
]


@pytest.fixture
async def listener() -> AsyncIterator[OAuthListener]:
    async with OAuthListener(REDIRECT, deadline=30.0) as started:
        yield started


async def raw_request(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are, read the whole answer: (status, headers, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def get(path: str, port: int, host: str | None = None) -> bytes:
    host = host or f"127.0.0.1:{port}"
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: test\r\n\r\n".encode()


def callback_path(listener: OAuthListener, query: str = "") -> str:
    assert listener.redirect_uri is not None
    path = urlsplit(listener.redirect_uri).path
    return f"{path}?{query}" if query else path


def assert_fixed_page(headers: dict[str, str], body: bytes) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value
    assert body in {page for _, _, page in PAGES.values()}


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


async def test_start_binds_loopback_only_with_a_fresh_nonce() -> None:
    first = OAuthListener(REDIRECT)
    second = OAuthListener(REDIRECT)
    try:
        uri_a, uri_b = await first.start(), await second.start()
        assert first._server is not None
        for sock in first._server.sockets:
            assert sock.getsockname()[0] == "127.0.0.1"
        parts = urlsplit(uri_a)
        assert parts.hostname == "127.0.0.1" and parts.port == first.port != 0
        assert parts.path.startswith("/oauth/callback/")
        nonce_a = parts.path.rsplit("/", 1)[1]
        nonce_b = urlsplit(uri_b).path.rsplit("/", 1)[1]
        assert len(nonce_a) >= 40 and nonce_a != nonce_b
    finally:
        await first.close()
        await second.close()


async def test_the_host_as_written_is_kept_for_localhost_uris() -> None:
    async with OAuthListener("http://localhost:0/cb/") as listener:
        assert listener.redirect_uri is not None
        parts = urlsplit(listener.redirect_uri)
        assert parts.hostname == "localhost" and parts.path.startswith("/cb/")
        # The guide's localhost Host header is accepted, too.
        status, _, _ = await raw_request(
            listener.port,
            get(callback_path(listener, "code=c1"), listener.port, f"localhost:{listener.port}"),
        )
        assert status == 200
        assert (await listener.wait()).code == "c1"


async def test_right_nonce_and_code_delivers_once_then_closes(listener: OAuthListener) -> None:
    port = listener.port
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{listener.redirect_uri}?code=abc123&state=st-1&extra=x")
    assert response.status_code == 200
    assert_fixed_page(dict(response.headers), response.content)
    assert b"Connected" in response.content
    assert b"abc123" not in response.content
    result = await listener.wait()
    assert result == CallbackResult(code="abc123", state="st-1", params={"extra": "x"})
    assert "abc123" not in repr(result)
    assert listener.closed
    assert port_is_free(port)
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)


async def test_callback_without_a_code_is_delivered_for_the_listing_path(
    listener: OAuthListener,
) -> None:
    status, headers, body = await raw_request(
        listener.port, get(callback_path(listener), listener.port)
    )
    assert status == 200
    assert_fixed_page(headers, body)
    result = await listener.wait()
    assert result.code is None and result.state is None


@pytest.mark.parametrize(
    "path_of",
    [
        pytest.param(lambda nonce: "/oauth/callback/WRONG-nonce", id="wrong"),
        pytest.param(lambda nonce: "/oauth/callback", id="missing"),
        pytest.param(lambda nonce: "/oauth/callback/", id="empty"),
        pytest.param(lambda nonce: f"/oauth/callback/{nonce}{nonce}", id="repeated"),
        pytest.param(lambda nonce: f"/oauth/callback/{nonce}/{nonce}", id="repeated-segment"),
        pytest.param(lambda nonce: f"/oauth/callback/{nonce[:-1]}", id="truncated"),
        pytest.param(lambda nonce: "/oauth/callback/" + "A" * 4000, id="4kb"),
        pytest.param(lambda nonce: "/oauth/callback/" + "A" * 10240, id="10kb"),
        pytest.param(lambda nonce: "/oauth/callback/%C3%A9" + nonce, id="percent-encoded"),
    ],
)
async def test_a_bad_nonce_is_400_and_the_flow_keeps_waiting(
    listener: OAuthListener, path_of: object
) -> None:
    assert callable(path_of)
    nonce = callback_path(listener).rsplit("/", 1)[1]
    status, headers, body = await raw_request(
        listener.port, get(path_of(nonce) + "?code=stolen", listener.port)
    )
    assert status == 400
    assert_fixed_page(headers, body)
    assert b"stolen" not in body
    await assert_still_waiting_then_succeeds(listener)


async def assert_still_waiting_then_succeeds(listener: OAuthListener) -> None:
    """Nothing was delivered: the real callback still works afterwards."""
    assert not listener.closed
    status, _, _ = await raw_request(
        listener.port, get(callback_path(listener, "code=real"), listener.port)
    )
    assert status == 200
    assert (await listener.wait()).code == "real"


async def test_a_second_callback_in_flight_gets_already_finished(
    listener: OAuthListener,
) -> None:
    # Open both connections first so the second is accepted before the listener closes.
    first = await asyncio.open_connection("127.0.0.1", listener.port)
    second = await asyncio.open_connection("127.0.0.1", listener.port)
    try:
        for (_, writer), code in ((first, "one"), (second, "two")):
            writer.write(get(callback_path(listener, f"code={code}"), listener.port))
            await writer.drain()
        answers = [await reader.read() for reader, _ in (first, second)]
    finally:
        for _, writer in (first, second):
            writer.close()
    statuses = sorted(answer.split(b" ")[1] for answer in answers if answer)
    assert b"200" in statuses
    assert statuses.count(b"200") == 1
    assert (await listener.wait()).code == "one"


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/favicon.ico", 404), ("/", 404), ("/oauth", 404), ("/oauth/callback/../x", 404)],
)
async def test_other_paths_are_404_and_the_flow_continues(
    listener: OAuthListener, path: str, expected: int
) -> None:
    status, headers, body = await raw_request(listener.port, get(path, listener.port))
    assert status == expected
    assert_fixed_page(headers, body)
    await assert_still_waiting_then_succeeds(listener)


async def test_dot_dot_after_the_nonce_is_404(listener: OAuthListener) -> None:
    path = callback_path(listener) + "/../" + callback_path(listener).rsplit("/", 1)[1]
    status, _, _ = await raw_request(listener.port, get(path, listener.port))
    assert status == 404
    await assert_still_waiting_then_succeeds(listener)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD", "OPTIONS"])
async def test_non_get_is_405_and_the_flow_continues(listener: OAuthListener, method: str) -> None:
    body = b"code=evil"
    request = (
        f"{method} {callback_path(listener, 'code=evil')} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{listener.port}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    status, headers, page = await raw_request(listener.port, request)
    assert status == 405
    assert headers["allow"] == "GET"
    assert_fixed_page(headers, page)
    await assert_still_waiting_then_succeeds(listener)


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1",
        "127.0.0.1:1",
        "localhost.evil:{port}",
        "[::1]:{port}",
    ],
)
async def test_a_foreign_host_is_403_dns_rebinding(listener: OAuthListener, host: str) -> None:
    request = get(
        callback_path(listener, "code=evil"), listener.port, host.format(port=listener.port)
    )
    status, headers, body = await raw_request(listener.port, request)
    assert status == 403
    assert_fixed_page(headers, body)
    await assert_still_waiting_then_succeeds(listener)


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"GARBAGE\r\n\r\n", id="no-target"),
        pytest.param(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", id="http2"),
        pytest.param(b"GET /x HTTP/1.1\nHost: a\n\n", id="bare-lf"),
        pytest.param(b"GET /x HTTP/1.1\r\n folded: yes\r\n\r\n", id="folding"),
        pytest.param(b"GET /x HTTP/1.1\r\nBad Header: 1\r\n\r\n", id="bad-header-name"),
        pytest.param(b"GET /x HTTP/1.1\r\nHost: " + b"a" * 9000 + b"\r\n\r\n", id="long-header"),
        pytest.param(
            b"GET /x HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(150)) + b"\r\n",
            id="too-many-headers",
        ),
        pytest.param(
            b"GET /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            id="chunked",
        ),
        pytest.param(b"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", id="control-in-target"),
        pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", id="tls-hello"),
    ],
)
async def test_malformed_requests_are_400_and_the_flow_continues(
    listener: OAuthListener, request_bytes: bytes
) -> None:
    status, headers, body = await raw_request(listener.port, request_bytes)
    assert status == 400
    assert_fixed_page(headers, body)
    await assert_still_waiting_then_succeeds(listener)


async def test_an_absolute_form_target_is_400(listener: OAuthListener) -> None:
    target = f"http://127.0.0.1:{listener.port}{callback_path(listener, 'code=x')}"
    status, _, _ = await raw_request(listener.port, get(target, listener.port))
    assert status == 400
    await assert_still_waiting_then_succeeds(listener)


@pytest.mark.parametrize(
    "hosts",
    [
        pytest.param(["127.0.0.1:{port}", "127.0.0.1:{port}"], id="same-twice"),
        pytest.param(["127.0.0.1:{port}", "evil.example"], id="loopback-then-foreign"),
        pytest.param(["evil.example", "127.0.0.1:{port}"], id="foreign-then-loopback"),
        pytest.param(["127.0.0.1:{port}", "localhost:{port}"], id="both-loopback-names"),
        pytest.param(["127.0.0.1:{port}, evil.example"], id="comma-list"),
    ],
)
async def test_duplicate_host_headers_are_403(listener: OAuthListener, hosts: list[str]) -> None:
    names = ["Host", "HOST", "host"]
    head = "".join(
        f"{names[i % 3]}: {host.format(port=listener.port)}\r\n" for i, host in enumerate(hosts)
    )
    request = f"GET {callback_path(listener, 'code=evil')} HTTP/1.1\r\n{head}\r\n".encode()
    status, headers, body = await raw_request(listener.port, request)
    assert status == 403
    assert_fixed_page(headers, body)
    await assert_still_waiting_then_succeeds(listener)


async def test_a_repeated_request_line_is_400(listener: OAuthListener) -> None:
    line = f"GET {callback_path(listener, 'code=evil')} HTTP/1.1\r\n"
    request = f"{line}{line}Host: 127.0.0.1:{listener.port}\r\n\r\n".encode()
    status, headers, body = await raw_request(listener.port, request)
    assert status == 400
    assert_fixed_page(headers, body)
    await assert_still_waiting_then_succeeds(listener)


@pytest.mark.parametrize(("count", "expected"), [(100, 200), (101, 400), (5000, 400)])
async def test_more_than_100_header_lines_are_400(
    listener: OAuthListener, count: int, expected: int
) -> None:
    # Host plus `count - 1` others, some of them repeats of one name.
    others = "".join(f"X-{i % 7}: y\r\n" for i in range(count - 1))
    request = (
        f"GET {callback_path(listener, 'code=counted')} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{listener.port}\r\n{others}\r\n"
    ).encode()
    status, headers, body = await raw_request(listener.port, request)
    assert status == expected
    assert_fixed_page(headers, body)
    if expected == 200:
        assert (await listener.wait()).code == "counted"
    else:
        await assert_still_waiting_then_succeeds(listener)


async def test_missing_host_header_is_refused(listener: OAuthListener) -> None:
    status, _, _ = await raw_request(
        listener.port, f"GET {callback_path(listener, 'code=x')} HTTP/1.1\r\n\r\n".encode()
    )
    assert status == 403
    await assert_still_waiting_then_succeeds(listener)


async def test_a_client_that_sends_nothing_does_not_stop_the_flow() -> None:
    async with OAuthListener(REDIRECT, deadline=30.0, read_timeout=0.2) as listener:
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
        assert await reader.read() == b""  # closed by the read timeout, no answer
        writer.close()
        await assert_still_waiting_then_succeeds(listener)


async def test_access_denied_is_you_declined(listener: OAuthListener) -> None:
    status, headers, body = await raw_request(
        listener.port, get(callback_path(listener, "error=access_denied&state=s"), listener.port)
    )
    assert status == 200
    assert_fixed_page(headers, body)
    assert b"You declined" in body
    with pytest.raises(OAuthDeclined) as caught:
        await listener.wait()
    assert "declined" in caught.value.sentence
    assert isinstance(caught.value, AlloyError) and caught.value.remedy
    assert listener.closed


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("where", ["error", "error_description"])
async def test_hostile_error_text_is_never_reflected(
    listener: OAuthListener, hostile: str, where: str
) -> None:
    query = (
        f"error={quote(hostile)}&error_description=x"
        if where == "error"
        else f"error=server_error&error_description={quote(hostile)}"
    )
    status, headers, body = await raw_request(
        listener.port, get(callback_path(listener, query), listener.port)
    )
    assert status == 200
    assert_fixed_page(headers, body)
    assert body == PAGES["failed"][2]
    assert "set-cookie" not in headers
    with pytest.raises(OAuthCallbackFailed) as caught:
        await listener.wait()
    error = caught.value
    for text in (str(error), error.sentence, error.remedy, error.reason, repr(error)):
        for fragment in ("<script", "[bold", "\x1b", "\r", "\n", "injected", "alert"):
            assert fragment not in text


async def test_known_oauth_errors_get_their_own_fixed_reason(listener: OAuthListener) -> None:
    await raw_request(
        listener.port,
        get(callback_path(listener, "error=temporarily_unavailable"), listener.port),
    )
    with pytest.raises(OAuthCallbackFailed) as caught:
        await listener.wait()
    assert caught.value.reason == "the provider is temporarily unavailable"


@pytest.mark.parametrize(
    "query",
    ["code=a&code=b", "code=has%20space", "code=%0d%0a", "code=" + "x" * 5000, "state=%1b[31m"],
)
async def test_a_malformed_callback_with_the_right_nonce_fails_without_echo(
    listener: OAuthListener, query: str
) -> None:
    status, _, body = await raw_request(
        listener.port, get(callback_path(listener, query), listener.port)
    )
    assert status == 200 and body == PAGES["failed"][2]
    with pytest.raises(OAuthCallbackFailed) as caught:
        await listener.wait()
    assert "malformed" in caught.value.sentence


async def test_deadline_is_a_typed_timeout_and_frees_the_port() -> None:
    listener = OAuthListener(REDIRECT, deadline=0.2)
    await listener.start()
    port = listener.port
    assert 0 < listener.seconds_left() <= 0.2
    with pytest.raises(OAuthTimeout) as caught:
        await listener.wait()
    assert caught.value.remedy
    assert listener.seconds_left() == 0.0
    assert port_is_free(port)


async def test_cancel_is_typed_and_frees_the_port(listener: OAuthListener) -> None:
    port = listener.port
    waiter = asyncio.create_task(listener.wait())
    await asyncio.sleep(0)  # let wait() start awaiting; no condition is polled here
    listener.cancel()
    with pytest.raises(OAuthCancelled):
        await waiter
    assert port_is_free(port)


async def test_cancelling_the_waiting_task_frees_the_port(listener: OAuthListener) -> None:
    port = listener.port
    waiter = asyncio.create_task(listener.wait())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert listener.closed
    assert port_is_free(port)


async def test_close_is_idempotent_and_frees_the_port() -> None:
    listener = OAuthListener(REDIRECT)
    await listener.start()
    port = listener.port
    await listener.close()
    await listener.close()
    assert port_is_free(port)
    with pytest.raises(ListenerStartError):
        await listener.start()


async def test_a_busy_fixed_port_fails_at_once() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        listener = OAuthListener(f"http://127.0.0.1:{port}/oauth/callback")
        with pytest.raises(PortInUseError) as caught:
            await asyncio.wait_for(listener.start(), timeout=5)
    assert caught.value.sentence == f"port {port} is in use"
    assert "OAUTH_REDIRECT_URI" in caught.value.remedy and "port 0" in caught.value.remedy
    assert isinstance(caught.value, ListenerError)


async def test_a_fixed_free_port_is_used_as_given() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with OAuthListener(f"http://localhost:{port}/oauth/callback") as listener:
        assert listener.port == port
        assert listener.redirect_uri is not None
        assert listener.redirect_uri.startswith(f"http://localhost:{port}/oauth/callback/")


@pytest.mark.parametrize(
    "uri",
    [
        "https://127.0.0.1:0/cb",
        "http://example.com/cb",
        "http://127.0.0.1:0",
        "http://127.0.0.1:x/cb",
        "http://127.0.0.1:0/a/../b",
    ],
)
def test_bad_redirect_uris_are_refused(uri: str) -> None:
    with pytest.raises(ListenerStartError):
        OAuthListener(uri)


async def test_wait_before_start_is_an_error() -> None:
    with pytest.raises(ListenerStartError):
        await OAuthListener(REDIRECT).wait()


async def test_closing_with_a_connection_still_open_reports_nothing(
    listener: OAuthListener,
) -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
        writer.write(get(callback_path(listener, "code=kept-open"), listener.port))
        await writer.drain()
        head = await reader.readuntil(b"\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        # The browser keeps its side open; wait() closes the listener and ends that connection.
        assert (await listener.wait()).code == "kept-open"
        for _ in range(3):
            await asyncio.sleep(0)  # let asyncio run the stream protocol's done-callbacks
        writer.close()
    finally:
        loop.set_exception_handler(None)
    assert reported == []
