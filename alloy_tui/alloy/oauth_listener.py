"""The OAuth loopback listener: one strict, short-lived HTTP server on 127.0.0.1 per flow."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Final
from urllib.parse import parse_qsl, urlsplit

from alloy_tui.alloy.errors import AlloyError

BIND_HOST: Final = "127.0.0.1"
MAX_REQUEST_LINE: Final = 8 * 1024
MAX_HEADER_BYTES: Final = 32 * 1024
MAX_HEADERS: Final = 100
MAX_QUERY_FIELDS: Final = 32
MAX_CODE_LENGTH: Final = 4096
# Connections held at once. Each is served on its own, so idle ones never delay another; at the
# cap the oldest idle one is dropped to make room, so a flood of idle clients (or a browser's
# preconnects) can never keep the real callback out.
MAX_CONNECTIONS: Final = 64
READ_TIMEOUT: Final = 5.0  # per connection: a whole request head within this, or it is closed
ANSWER_TIMEOUT: Final = 2.0  # writing a page (a few hundred bytes) to a client that never reads
_DRAIN_BODY_LIMIT: Final = 64 * 1024

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
# A code or state is opaque, but never whitespace, control characters or longer than a page.
_PRINTABLE = re.compile(r"[\x21-\x7e]+")


class ListenerError(AlloyError):
    """A failed OAuth callback flow; like every client error it has a sentence and a remedy."""

    default_sentence = "The browser sign-in failed."
    default_remedy = "Try connecting again."


class PortInUseError(ListenerError):
    def __init__(self, port: int) -> None:
        self.port = port
        super().__init__(
            f"port {port} is in use",
            remedy="Set OAUTH_REDIRECT_URI to another port, or to port 0 to pick a free one "
            "(http://127.0.0.1:0/oauth/callback).",
        )


class ListenerStartError(ListenerError):
    """The listener could not start for a reason other than a busy port."""

    default_sentence = "The OAuth listener could not start."
    default_remedy = "Set OAUTH_REDIRECT_URI to http://127.0.0.1:0/oauth/callback."


class OAuthDeclined(ListenerError):
    default_sentence = "You declined the connection in the browser."
    default_remedy = "Connect again and choose Allow to give access."


class OAuthCallbackFailed(ListenerError):
    """The provider redirected back with an error; `reason` is one of a fixed list."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"The browser sign-in failed: {reason}.")


class OAuthTimeout(ListenerError):
    default_sentence = "The browser sign-in did not finish in time."
    default_remedy = (
        "Connect again, and finish the sign-in in the browser before the countdown ends."
    )


class OAuthCancelled(ListenerError):
    default_sentence = "The connection was cancelled."
    default_remedy = "Connect again when you are ready."


# Fixed reasons for `error=` values; anything not listed (or not an OAuth error code at all)
# gets the generic one, so no text from the request ever reaches the user.
_ERROR_REASONS: Final[Mapping[str, str]] = {
    "invalid_request": "the provider rejected the sign-in request",
    "unauthorized_client": "the integration is not allowed to request access",
    "unsupported_response_type": "the provider does not support this sign-in",
    "invalid_scope": "the requested access is not valid",
    "server_error": "the provider had an internal error",
    "temporarily_unavailable": "the provider is temporarily unavailable",
}
GENERIC_FAILURE: Final = "the provider reported an error"
MALFORMED_CALLBACK: Final = "the callback from the browser was malformed"


@dataclass(frozen=True)
class CallbackResult:
    """What the redirect carried: a code to exchange (the guide's flow), or none (Alloy stored
    the connection itself; list connections to find it)."""

    code: str | None = field(repr=False)
    state: str | None = field(repr=False)
    params: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Other query parameters, minus code/state/error/error_description."""


def _page(title: str, message: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>alloy-tui: {title}</title></head>\n"
        f"<body><h1>{title}</h1><p>{message}</p></body></html>\n"
    ).encode()


# Every page the listener can send. Nothing from a request is ever added to one.
PAGES: Final[Mapping[str, tuple[int, str, bytes]]] = {
    "success": (
        200,
        "OK",
        _page("Connected", "You can close this tab and return to the terminal."),
    ),
    "declined": (
        200,
        "OK",
        _page("You declined", "No connection was made. You can close this tab."),
    ),
    "failed": (
        200,
        "OK",
        _page("Sign-in failed", "The connection was not made. Return to the terminal."),
    ),
    "used": (
        400,
        "Bad Request",
        _page("Already finished", "This sign-in has already finished. You can close this tab."),
    ),
    "bad_request": (400, "Bad Request", _page("Bad request", "This link is not valid.")),
    "forbidden": (403, "Forbidden", _page("Forbidden", "This request is not allowed.")),
    "not_found": (404, "Not Found", _page("Not found", "There is nothing here.")),
    "method": (405, "Method Not Allowed", _page("Method not allowed", "Only GET is allowed.")),
}
_SECURITY_HEADERS: Final = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("Pragma", "no-cache"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", "default-src 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Connection", "close"),
)


class _BadRequest(Exception):
    pass


@dataclass
class _Connection:
    writer: asyncio.StreamWriter
    idle: bool = True
    """Until a whole request head has arrived; an idle connection is the first to be dropped."""


@dataclass(frozen=True)
class _Request:
    method: str
    target: str
    headers: Mapping[str, list[str]]
    content_length: int


def parse_redirect_uri(redirect_uri: str) -> tuple[str, int, str]:
    """(host as written, port, path without a trailing slash) of a loopback redirect URI."""
    parts = urlsplit(redirect_uri)
    host = (parts.hostname or "").lower()
    if parts.scheme != "http" or host not in ("127.0.0.1", "localhost"):
        raise ListenerStartError(
            "The OAuth redirect URI must be http://127.0.0.1 or http://localhost."
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise ListenerStartError("The OAuth redirect URI has an invalid port.") from exc
    path = parts.path.rstrip("/")
    segments = path.split("/")[1:]
    if not path or any(not _PATH_SEGMENT.fullmatch(s) or s in (".", "..") for s in segments):
        raise ListenerStartError(
            "The OAuth redirect URI needs a simple path, such as /oauth/callback."
        )
    return host, 80 if port is None else port, path


class OAuthListener:
    """Receives exactly one OAuth redirect on 127.0.0.1, then closes.

    The redirect URI handed to Alloy carries a fresh nonce in its path; any request without it
    is refused and the listener keeps waiting until a deadline."""

    def __init__(
        self,
        redirect_uri: str,
        *,
        deadline: float = 300.0,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self._host, self._requested_port, self._path = parse_redirect_uri(redirect_uri)
        self._deadline_seconds = deadline
        self._read_timeout = read_timeout
        self._nonce = secrets.token_urlsafe(32)
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[CallbackResult] | None = None
        self._deadline_at: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Connections counted against the cap, oldest first; and every handler still running
        # (including dropped ones that are finishing), which close() waits for.
        self._connections: dict[asyncio.Task[None], _Connection] = {}
        self._handlers: set[asyncio.Task[None]] = set()
        self._closed = False
        self.port = self._requested_port
        self.redirect_uri: str | None = None

    @property
    def started(self) -> bool:
        return self._server is not None

    @property
    def closed(self) -> bool:
        return self._closed

    async def start(self) -> str:
        """Bind 127.0.0.1 and return the redirect URI (with the nonce) to give Alloy."""
        if self._closed:
            raise ListenerStartError("This OAuth listener has already finished.")
        if self._server is not None:
            assert self.redirect_uri is not None
            return self.redirect_uri
        loop = asyncio.get_running_loop()
        try:
            self._server = await asyncio.start_server(
                self._on_connection,
                host=BIND_HOST,
                port=self._requested_port,
                limit=MAX_REQUEST_LINE,
                reuse_address=True,
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(self._requested_port) from exc
            if exc.errno == errno.EACCES:
                raise ListenerStartError(
                    f"cannot listen on port {self._requested_port}: permission denied",
                    remedy="Set OAUTH_REDIRECT_URI to a port above 1023, or port 0.",
                ) from exc
            raise ListenerStartError(
                f"cannot listen on {BIND_HOST}:{self._requested_port} "
                f"({exc.strerror or type(exc).__name__})",
                remedy="Check OAUTH_REDIRECT_URI.",
            ) from exc
        self.port = self._server.sockets[0].getsockname()[1]
        self._loop = loop
        self._result = loop.create_future()
        self._deadline_at = loop.time() + self._deadline_seconds
        self.redirect_uri = f"http://{self._host}:{self.port}{self._path}/{self._nonce}"
        return self.redirect_uri

    def seconds_left(self) -> float:
        """Seconds until the deadline (the full deadline before start), for a countdown."""
        if self._deadline_at is None or self._loop is None:
            return self._deadline_seconds
        # The loop's clock, so the countdown matches the deadline wait() enforces; callable
        # from any thread (a UI timer), since it only reads the clock.
        return max(0.0, self._deadline_at - self._loop.time())

    async def wait(self) -> CallbackResult:
        """The callback's result, once. The listener is closed when this returns or raises."""
        if self._result is None:
            raise ListenerStartError("The OAuth listener was not started.")
        try:
            async with asyncio.timeout_at(self._deadline_at):
                return await asyncio.shield(self._result)
        except TimeoutError:
            if self._result.done():  # delivered in the same instant: it wins
                return self._result.result()
            raise OAuthTimeout() from None
        finally:
            await self.close()

    def cancel(self) -> None:
        """Stop waiting: wait() raises OAuthCancelled and the port is freed."""
        if self._result is not None and not self._result.done():
            self._result.set_exception(OAuthCancelled())
        if self._server is not None:
            # Stop accepting at once, even if nobody awaits wait() or close().
            self._server.close()

    async def close(self) -> None:
        """Free the port and drop open connections. Safe to call more than once."""
        self._closed = True
        if self._result is not None:
            if not self._result.done():
                self._result.set_exception(OAuthCancelled())
            if not self._result.cancelled():
                self._result.exception()  # mark it retrieved: nobody may be waiting any more
        server, self._server = self._server, None
        if server is not None:
            server.close()
        self._connections.clear()
        handlers = list(self._handlers)
        for task in handlers:
            task.cancel()
        if handlers:
            await asyncio.gather(*handlers, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def __aenter__(self) -> OAuthListener:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- one connection -------------------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """One connection, in its own task (asyncio.start_server). Nothing may escape this:
        asyncio prints whatever does ("Unhandled exception in client_connected_cb") on the
        user's terminal, and a client can make the socket fail in any way at any moment."""
        task = asyncio.current_task()
        try:
            if task is None or self._closed:
                return
            if len(self._connections) >= MAX_CONNECTIONS:
                self._drop_one()
            connection = _Connection(writer)
            self._connections[task] = connection
            self._handlers.add(task)
            await self._serve(reader, writer, connection)
        except asyncio.CancelledError:
            # close() or _drop_one() ended it. Python 3.11's stream protocol reports a handler
            # task that ends cancelled as an error, and nobody awaits this task: end normally.
            pass
        except Exception:  # noqa: S110 - a reset, a stall, garbage: nothing to answer or report
            pass
        finally:
            if task is not None:
                self._connections.pop(task, None)
                self._handlers.discard(task)
            await _close_quietly(writer)  # still sends a page already written before closing

    def _drop_one(self) -> None:
        """Make room at the cap: drop the oldest connection that has not sent a whole request
        head (idle or stalled); if every one has, the oldest of them (already answered)."""
        victim = next((t for t, c in self._connections.items() if c.idle), None)
        if victim is None:
            victim = next(iter(self._connections))
        connection = self._connections.pop(victim)
        with contextlib.suppress(Exception):
            connection.writer.transport.abort()
        victim.cancel()

    async def _serve(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        connection: _Connection,
    ) -> None:
        try:
            async with asyncio.timeout(self._read_timeout):
                request = await _read_request(reader)
        except _BadRequest:
            page = "bad_request"
        else:
            page = self._route(request)
        connection.idle = False
        async with asyncio.timeout(ANSWER_TIMEOUT):
            await _respond(writer, page)
        await _linger(reader, writer)

    def _route(self, request: _Request) -> str:
        hosts = request.headers.get("host", [])
        if len(hosts) != 1 or not self._host_allowed(hosts[0]):
            return "forbidden"  # a foreign Host is DNS rebinding: refuse before anything else
        if request.method != "GET":
            return "method"
        target = request.target
        if not target.startswith("/"):
            return "bad_request"
        path, _, query = target.partition("?")
        path = path.partition("#")[0]
        prefix = self._path + "/"
        if path == self._path:
            path = prefix  # the callback path without its nonce: a missing nonce, not 404
        if not path.startswith(prefix) or any(s in (".", "..") for s in path.split("/")):
            return "not_found"
        candidate = path[len(prefix) :]
        if not secrets.compare_digest(candidate.encode("utf-8", "replace"), self._nonce.encode()):
            return "bad_request"  # wrong, missing, repeated or oversized nonce: keep waiting
        return self._deliver(query)

    def _host_allowed(self, host: str) -> bool:
        host = host.strip().lower()
        allowed = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        if self.port == 80:
            allowed |= {"127.0.0.1", "localhost"}
        return host in allowed

    def _deliver(self, query: str) -> str:
        assert self._result is not None
        if self._result.done():
            return "used"
        try:
            pairs = parse_qsl(
                query,
                keep_blank_values=True,
                strict_parsing=False,
                max_num_fields=MAX_QUERY_FIELDS,
            )
        except ValueError:
            pairs = None
        params: dict[str, str] = {}
        repeated = False
        for key, value in pairs or []:
            repeated |= key in params
            params[key] = value
        if pairs is None or repeated:
            self._result.set_exception(OAuthCallbackFailed(MALFORMED_CALLBACK))
            return "failed"
        error = params.get("error")
        if error is not None:
            if error == "access_denied":
                self._result.set_exception(OAuthDeclined())
                return "declined"
            self._result.set_exception(
                OAuthCallbackFailed(_ERROR_REASONS.get(error, GENERIC_FAILURE))
            )
            return "failed"
        code, state = params.get("code"), params.get("state")
        for opaque in (code, state):
            if opaque is not None and (
                len(opaque) > MAX_CODE_LENGTH or not _PRINTABLE.fullmatch(opaque)
            ):
                self._result.set_exception(OAuthCallbackFailed(MALFORMED_CALLBACK))
                return "failed"
        extra = {
            k: v
            for k, v in params.items()
            if k not in ("code", "state", "error", "error_description")
        }
        self._result.set_result(CallbackResult(code=code or None, state=state, params=extra))
        if self._server is not None:
            self._server.close()  # the flow is over: stop accepting right away
        return "success"


async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Half-close, then discard what the client still sends (a body, an oversized line), so
    closing with unread input does not reset the connection before the client reads our page."""
    discarded = 0
    # OSError covers a reset peer: shutdown() then fails with ENOTCONN, reads with ECONNRESET.
    with contextlib.suppress(OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        if writer.can_write_eof():
            writer.write_eof()
        async with asyncio.timeout(1.0):
            while discarded < _DRAIN_BODY_LIMIT:
                chunk = await reader.read(4096)
                if not chunk:
                    break
                discarded += len(chunk)


async def _close_quietly(writer: asyncio.StreamWriter) -> None:
    """Close a connection whatever state it is in, reporting nothing; at most a second."""
    with contextlib.suppress(Exception, asyncio.CancelledError):
        writer.close()
        async with asyncio.timeout(1.0):
            await writer.wait_closed()


async def _read_line(reader: asyncio.StreamReader, limit: int) -> bytes:
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError as exc:
        raise _BadRequest("line too long") from exc
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise _BadRequest("incomplete request") from exc
        raise
    if len(line) > limit or not line.endswith(b"\r\n"):
        raise _BadRequest("bad line ending")
    return line[:-2]


async def _read_request(reader: asyncio.StreamReader) -> _Request:
    """A strict HTTP/1.x request head: bounded line and headers, CRLF, no folding."""
    line = await _read_line(reader, MAX_REQUEST_LINE)
    parts = line.split(b" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]):
        raise _BadRequest("bad request line")
    method, target, version = parts
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or not target:
        raise _BadRequest("bad version or target")
    if any(b < 0x21 or b > 0x7E for b in target):
        raise _BadRequest("bad target")
    headers: dict[str, list[str]] = {}
    total = count = 0
    while True:
        raw = await _read_line(reader, MAX_HEADER_BYTES)
        if not raw:
            break
        total += len(raw) + 2
        count += 1
        if total > MAX_HEADER_BYTES or count > MAX_HEADERS:
            raise _BadRequest("headers too large")
        name, sep, value = raw.partition(b":")
        if not sep or not _TOKEN.fullmatch(name):  # also rejects obsolete line folding
            raise _BadRequest("bad header")
        try:
            text = value.strip(b" \t").decode("ascii")
        except UnicodeDecodeError as exc:
            raise _BadRequest("non-ASCII header") from exc
        if any(ord(c) < 0x20 and c != "\t" for c in text):
            raise _BadRequest("control character in header")
        headers.setdefault(name.decode("ascii").lower(), []).append(text)
    if "transfer-encoding" in headers:
        raise _BadRequest("bodies are not accepted")
    lengths = headers.get("content-length", ["0"])
    if len(lengths) != 1 or not lengths[0].isdigit():
        raise _BadRequest("bad content-length")
    return _Request(
        method=method.decode("ascii"),
        target=target.decode("ascii"),
        headers=headers,
        content_length=int(lengths[0]),
    )


async def _respond(writer: asyncio.StreamWriter, page: str) -> None:
    status, reason, body = PAGES[page]
    head = [f"HTTP/1.1 {status} {reason}"]
    head += [f"{name}: {value}" for name, value in _SECURITY_HEADERS]
    if status == 405:
        head.append("Allow: GET")
    head.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body)
    await writer.drain()


__all__ = [
    "CallbackResult",
    "ListenerError",
    "ListenerStartError",
    "OAuthCallbackFailed",
    "OAuthCancelled",
    "OAuthDeclined",
    "OAuthListener",
    "OAuthTimeout",
    "PortInUseError",
    "parse_redirect_uri",
]
