"""The OAuth loopback listener against hostile and broken clients, on real sockets.

Nothing a client does may print to the terminal or log, and no number of idle or stalled
connections may keep the real callback from being answered at once."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit

import httpx
import pytest

from alloy_tui.alloy.oauth_listener import MAX_CONNECTIONS, PAGES, OAuthListener

REDIRECT = "http://127.0.0.1:0/oauth/callback"
QUICK = 2.0  # seconds: a bound for things that should take milliseconds


class _TrackedListener(OAuthListener):
    """Records every connection handler it runs, so a test can wait until each one ended (and
    asyncio's own done-callback for it ran) instead of sleeping."""

    def __init__(self, redirect_uri: str, **timeouts: float) -> None:
        super().__init__(redirect_uri, **timeouts)
        self.handlers: list[asyncio.Task[object]] = []
        self.accepted = asyncio.Event()
        self.expected = 0

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.append(task)
        if len(self.handlers) >= self.expected:
            self.accepted.set()
        await super()._on_connection(reader, writer)

    async def all_handled(self, count: int) -> None:
        """Wait until `count` connections were accepted and every handler has finished."""
        self.expected = count
        if len(self.handlers) >= count:
            self.accepted.set()
        await asyncio.wait_for(self.accepted.wait(), QUICK)
        # asyncio.wait's callbacks run after the stream protocol's own done-callback (added
        # when the task was created), which is where an escaped exception would be reported.
        _, pending = await asyncio.wait(self.handlers, timeout=QUICK)
        assert not pending


@pytest.fixture
async def reported(caplog: pytest.LogCaptureFixture) -> AsyncIterator[list[dict[str, object]]]:
    """Everything the event loop's exception handler is asked to report (what asyncio would
    print as 'Unhandled exception in client_connected_cb' and the like)."""
    caplog.set_level(logging.DEBUG)
    loop = asyncio.get_running_loop()
    seen: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    try:
        yield seen
    finally:
        loop.set_exception_handler(None)


@pytest.fixture
async def tracked() -> AsyncIterator[_TrackedListener]:
    listener = _TrackedListener(REDIRECT, deadline=30.0)
    async with listener:
        yield listener


def callback_path(listener: OAuthListener, query: str = "") -> str:
    assert listener.redirect_uri is not None
    path = urlsplit(listener.redirect_uri).path
    return f"{path}?{query}" if query else path


def request_head(listener: OAuthListener, query: str = "code=real") -> bytes:
    return (
        f"GET {callback_path(listener, query)} HTTP/1.1\r\nHost: 127.0.0.1:{listener.port}\r\n\r\n"
    ).encode()


async def connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), QUICK)


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0) instead of a FIN."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def partial_then_close(port: int, data: bytes) -> None:
    _, writer = await connect(port)
    writer.write(data)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def partial_then_reset(port: int, data: bytes) -> None:
    _, writer = await connect(port)
    if data:
        writer.write(data)
        await writer.drain()
    reset(writer)


async def half_close_then_read(port: int, data: bytes) -> None:
    reader, writer = await connect(port)
    writer.write(data)
    writer.write_eof()
    await writer.drain()
    try:
        await asyncio.wait_for(reader.read(), QUICK)
    except ConnectionError:
        pass  # the listener may reset a client that keeps sending after its answer
    finally:
        writer.close()


async def request_then_reset_before_the_answer(port: int, data: bytes) -> None:
    reader, writer = await connect(port)
    writer.write(data)
    await writer.drain()
    reset(writer)
    del reader


Hostile = Callable[[int, bytes], Awaitable[None]]
CLIENTS: list[tuple[Hostile, bytes]] = [
    (partial_then_close, b"GET /oauth/cal"),
    (partial_then_close, b"GET /oauth/callback HTTP/1.1\r\nHost: 127.0.0.1"),
    (partial_then_close, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
    (partial_then_close, b"A" * 20000),  # longer than a line may be, no newline
    (partial_then_reset, b""),
    (partial_then_reset, b"GET /oauth/cal"),
    (partial_then_reset, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: " + b"y" * 20000),
    (partial_then_reset, b"\x00\xff" * 64),
    (half_close_then_read, b"GET /oauth/cal"),
    (half_close_then_read, b"GARBAGE\r\n\r\n"),
    (half_close_then_read, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"z" * 100_000),
    (request_then_reset_before_the_answer, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    (request_then_reset_before_the_answer, b"GET /x HTTP/1.1\r\nBad Header: 1\r\n\r\n"),
]


async def test_broken_and_reset_connections_report_nothing(
    tracked: _TrackedListener,
    reported: list[dict[str, object]],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rounds = 5  # races between a reset and the listener's answer show up within a few rounds
    for _ in range(rounds):
        await asyncio.gather(*(client(tracked.port, data) for client, data in CLIENTS))
    await tracked.all_handled(rounds * len(CLIENTS))
    assert reported == []
    assert caplog.records == []
    assert capsys.readouterr().err == ""
    # The real callback still works afterwards.
    async with httpx.AsyncClient() as http:
        response = await asyncio.wait_for(http.get(f"{tracked.redirect_uri}?code=real"), QUICK)
    assert response.status_code == 200
    assert response.content == PAGES["success"][2]
    assert (await tracked.wait()).code == "real"
    assert reported == []
    assert capsys.readouterr().err == ""
    assert [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))] == []


async def open_idle(port: int, count: int, stall: bytes = b"") -> list[asyncio.StreamWriter]:
    """`count` connections that send `stall` (maybe nothing) and then nothing more."""
    writers = []
    for _ in range(count):
        _, writer = await connect(port)
        if stall:
            writer.write(stall)
            await writer.drain()
        writers.append(writer)
    return writers


async def closed_unanswered(reader: asyncio.StreamReader) -> bool:
    """True once the listener closed (or reset) the connection without sending anything."""
    try:
        return await reader.read() == b""
    except ConnectionError:
        return True


def close_all(writers: list[asyncio.StreamWriter]) -> None:
    for writer in writers:
        writer.close()


async def assert_the_callback_is_answered_at_once(listener: OAuthListener) -> None:
    async with httpx.AsyncClient() as http:
        response = await asyncio.wait_for(http.get(f"{listener.redirect_uri}?code=real"), QUICK)
    assert response.status_code == 200
    assert response.content == PAGES["success"][2]
    assert (await asyncio.wait_for(listener.wait(), QUICK)).code == "real"


@pytest.mark.parametrize("idle", [16, 100])
async def test_idle_connections_do_not_delay_the_callback(
    reported: list[dict[str, object]], idle: int
) -> None:
    # A long header deadline: only eviction, not the read timeout, may free a slot in time.
    async with OAuthListener(REDIRECT, deadline=30.0, read_timeout=60.0) as listener:
        silent = await open_idle(listener.port, idle // 2)
        stalled = await open_idle(listener.port, idle - idle // 2, b"GET /oauth/callback/x HT")
        try:
            await assert_the_callback_is_answered_at_once(listener)
        finally:
            close_all(silent + stalled)
    assert reported == []


async def test_idle_connections_with_partial_headers_do_not_delay_the_callback(
    reported: list[dict[str, object]],
) -> None:
    async with OAuthListener(REDIRECT, deadline=30.0, read_timeout=60.0) as listener:
        stalled = await open_idle(listener.port, 2 * MAX_CONNECTIONS, request_head(listener)[:-6])
        try:
            await assert_the_callback_is_answered_at_once(listener)
        finally:
            close_all(stalled)
    assert reported == []


async def test_at_the_cap_the_oldest_idle_connection_is_dropped(
    reported: list[dict[str, object]],
) -> None:
    async with OAuthListener(REDIRECT, deadline=30.0, read_timeout=60.0) as listener:
        oldest_reader, oldest_writer = await connect(listener.port)
        others = await open_idle(listener.port, MAX_CONNECTIONS - 1)
        newest_reader, newest_writer = await connect(listener.port)
        try:
            # One over the cap: the oldest idle connection is closed without an answer...
            assert await asyncio.wait_for(closed_unanswered(oldest_reader), QUICK)
            # ...and the newest one was kept: it can still send its request and be answered.
            newest_writer.write(request_head(listener, "code=newest"))
            await newest_writer.drain()
            answer = await asyncio.wait_for(newest_reader.read(), QUICK)
            assert answer.startswith(b"HTTP/1.1 200")
            assert answer.endswith(PAGES["success"][2])
            assert (await asyncio.wait_for(listener.wait(), QUICK)).code == "newest"
        finally:
            close_all([oldest_writer, newest_writer, *others])
    assert reported == []
