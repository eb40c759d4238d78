"""The async Alloy client: official-dialect endpoints over one injected httpx.AsyncClient."""

from __future__ import annotations

import asyncio
import functools
import json
import math
import random
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote

import httpx

from alloy_tui import __version__
from alloy_tui.alloy.deadline import Deadlines
from alloy_tui.alloy.errors import (
    ActionNotFoundError,
    AlloyError,
    AuthError,
    CannotReachError,
    ConnectionNotFoundError,
    NotFoundError,
    ProtocolError,
    TimedOutError,
    UnsendableBodyError,
    error_from_response,
)
from alloy_tui.alloy.models import (
    Connection,
    OAuthStart,
    list_items,
    parse_connection,
    unwrap_result,
)
from alloy_tui.alloy.ratelimit import RateLimiter
from alloy_tui.alloy.requestlog import RequestLog, RequestRecord
from alloy_tui.alloy.retry import (
    ActionKind,
    AttemptFailure,
    RetryPolicy,
    RetryStats,
    WaitEvent,
    call_with_retries,
    parse_retry_after,
)
from alloy_tui.alloy.secret import Secret

__all__ = ["API_VERSION", "ActionKind", "AlloyClient", "ClientOptions", "WaitEvent", "make_http"]

API_VERSION: Final = "2025-09"
USER_AGENT: Final = f"alloy-tui/{__version__}"
_NO_BODY: Final = object()
_HEADERS: Final = {
    "Accept": "application/json",
    "User-Agent": USER_AGENT,
    "x-api-version": API_VERSION,
}
"""Every call's headers; each call copies them once and adds its own."""
_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
"""Request bodies as sent: compact, standard JSON (one encoder, not one made per call)."""


@dataclass(frozen=True)
class ClientOptions:
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    write_timeout: float = 30.0
    pool_timeout: float = 5.0
    deadline: float = 60.0
    """Overall limit for one attempt, body included (httpx has none; a dripping server hits it)."""
    max_body_bytes: int = 20 * 1024 * 1024
    rate_per_second: float = 2.8
    """Stays under Notion's ~3 requests a second per connection."""
    rate_burst: int = 3
    rate_limit: bool = True
    max_attempts: int = 5
    backoff_initial: float = 0.5
    backoff_max_wait: float = 10.0
    max_total_wait: float = 60.0
    """Bound on all retry waits of one call (one user action)."""
    retry_after_max: float = 60.0

    def __post_init__(self) -> None:
        if self.rate_limit and self.rate_per_second >= 3.0:
            raise ValueError("rate_per_second must stay under Notion's 3 requests a second")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    @property
    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.write_timeout,
            pool=self.pool_timeout,
        )

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            backoff_initial=self.backoff_initial,
            backoff_max_wait=self.backoff_max_wait,
            max_total_wait=self.max_total_wait,
            retry_after_max=self.retry_after_max,
        )


def make_http(
    options: ClientOptions | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The one httpx.AsyncClient the app keeps for its lifetime (no redirects: an API that
    redirects is misconfigured, and following would resend a POST)."""
    options = options or ClientOptions()
    return httpx.AsyncClient(
        timeout=options.timeout,
        follow_redirects=False,
        transport=transport or _Transports(LIMITS),
    )


LIMITS: Final = httpx.Limits(max_connections=20, max_keepalive_connections=10)


class _Transports(httpx.AsyncBaseTransport):
    """httpx's own transport, made at the first request of each scheme. httpx builds its TLS
    context (the CA bundle: 100-200 ms) when a client is made, which delayed the app's first
    paint; here an https transport is made at the first https request, in a thread (the event
    loop keeps painting), and plain http (the local sandbox) never loads the CA bundle: its
    transport gets a TLS context that trusts nothing, which it never uses."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._plain: httpx.AsyncHTTPTransport | None = None
        self._tls: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            if self._tls is None:
                made = await asyncio.to_thread(httpx.AsyncHTTPTransport, limits=self._limits)
                if self._tls is None:
                    self._tls = made
                else:  # another request made one meanwhile
                    await made.aclose()
            return await self._tls.handle_async_request(request)
        if self._plain is None:
            trusts_nothing = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # fails closed if used
            self._plain = httpx.AsyncHTTPTransport(limits=self._limits, verify=trusts_nothing)
        return await self._plain.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._plain, self._tls):
            if transport is not None:
                await transport.aclose()


_PLAIN_SEGMENT: Final = re.compile(r"[A-Za-z0-9_.~-]+\Z")


def _seg(value: str) -> str:
    """One URL path segment, with `/`, `?` and `#` escaped."""
    if value.strip(".") == "":  # "." and ".." would be resolved as dot-segments
        return value.replace(".", "%2E")
    return value if _PLAIN_SEGMENT.match(value) else quote(value, safe="")


def _connect_reason(error: BaseException) -> str:
    """Why a connection failed, from the exception chain (anyio hides it under a generic one)."""
    seen: BaseException | None = error
    texts: list[str] = []
    while seen is not None and len(texts) < 10:
        if isinstance(seen, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(seen, ConnectionRefusedError):
            return "the connection was refused"
        texts.append(str(seen).lower())
        seen = seen.__cause__ or seen.__context__
    text = " ".join(texts)
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return "the host name does not resolve"
    if "refused" in text:
        return "the connection was refused"
    return "could not connect"


def _unsendable(body: Any) -> str:
    """The sentence for a body json.dumps refuses, naming the first bad value's path."""
    found = _first_unsendable(body, "", 0)
    if found is None:
        return UnsendableBodyError.default_sentence
    path, what = found
    where = f" at {path}" if path else ""
    return f"The request body holds {what}{where}, which JSON cannot carry; nothing was sent."


def _first_unsendable(value: Any, path: str, depth: int) -> tuple[str, str] | None:
    if depth > 200:
        return path, "values nested too deeply (or a loop)"
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, f"the number {value!r}")
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return path, "text that is not valid Unicode (a lone surrogate)"
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str | int | float | bool) and key is not None:
                return path, f"a key of type {type(key).__name__}"
            found = _first_unsendable(item, f"{path}.{key}" if path else str(key), depth + 1)
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _first_unsendable(item, f"{path}[{index}]", depth + 1)
            if found is not None:
                return found
        return None
    return path, f"a value of type {type(value).__name__}"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class _Call:
    """One call across its attempts: what each attempt sends, and what the last one saw (for
    the request log)."""

    __slots__ = (
        "action",
        "allow_empty",
        "client",
        "connection_id",
        "content",
        "headers",
        "method",
        "params",
        "raw",
        "stats",
        "status",
        "url",
    )

    def __init__(
        self,
        client: AlloyClient,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str],
        params: Mapping[str, str] | None,
        connection_id: str | None,
        action: str | None,
        allow_empty: bool,
    ) -> None:
        self.client = client
        self.method = method
        self.url = url
        self.content = content
        self.headers = headers
        self.params = params
        self.connection_id = connection_id
        self.action = action
        self.allow_empty = allow_empty
        self.status: int | None = None
        self.raw = b""
        self.stats = RetryStats()

    def paced(self, number: int) -> Callable[[float], None]:
        """What the rate limiter tells before attempt `number` waits."""

        def paced(seconds: float) -> None:
            # Pacing is a wait, not latency: the request log shows them apart.
            self.stats.waited += seconds
            event = WaitEvent(seconds, "limiter", number, self.connection_id, self.action)
            self.client._emit_wait(event)

        return paced


class AlloyClient:
    """Calls Alloy in the official dialect; retries by action kind, limits rate per connection,
    maps every failure to a typed AlloyError, and logs each call (redacted)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: Secret,
        user_id: str | None,
        options: ClientOptions | None = None,
        log: RequestLog | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_wait: Callable[[WaitEvent], None] | None = None,
        limiter: RateLimiter | None = None,
        rng: random.Random | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._http = http
        self.base_url = base_url.rstrip("/")
        self.user_id = user_id or ""
        self.options = options or ClientOptions()
        self.log = log if log is not None else RequestLog()
        self.log.add_secret(api_key)
        self.on_wait = on_wait
        self._api_key = api_key
        self._deadlines = Deadlines()
        self._sleep = sleep
        self._limiter = limiter or RateLimiter(
            self.options.rate_per_second, self.options.rate_burst, sleep=sleep
        )
        self._rng = rng or random.Random()
        self._now = now or (lambda: datetime.now(UTC))
        self._policy = self.options.retry_policy
        self._execute_paths: dict[tuple[str, str], str] = {}
        # Given per request only when the httpx client was made with other timeouts (building
        # a Timeout for every request costs as much as some of the client's own work).
        timeout = self.options.timeout
        self._timeout: httpx.Timeout | None = None if http.timeout == timeout else timeout

    def __repr__(self) -> str:
        return f"AlloyClient(base_url={self.base_url!r}, user_id={self.user_id!r})"

    @property
    def http(self) -> httpx.AsyncClient:
        """The one httpx client; it sends no key by itself (auth is added per API call)."""
        return self._http

    async def aclose(self) -> None:
        """Close the httpx client this client was given (the app keeps one for its lifetime)."""
        await self._http.aclose()

    async def __aenter__(self) -> AlloyClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- connections and OAuth -----------------------------------------------------------------

    async def list_connections(self, connector_id: str | None = "notion") -> list[Connection]:
        """The user's connections (of one connector, or all of them when `connector_id` is None).

        Official endpoints first; a server without them (404) is asked the guide's
        `GET /credentials`, whose bare array is filtered by `connectorId`.
        """
        if connector_id is None:
            path = f"/credentials/users/{_seg(self._require_user())}"
        else:
            path = f"/connectors/{_seg(connector_id)}/credentials"
        try:
            body = await self._call(
                "GET",
                path,
                kind=ActionKind.READ,
                user_scoped=True,
                connector=connector_id,
                secret_answer=True,
            )
        except NotFoundError as error:
            if isinstance(error, ActionNotFoundError):
                raise
            body = await self._call(
                "GET",
                "/credentials",
                kind=ActionKind.READ,
                user_scoped=True,
                connector=None,
                secret_answer=True,
            )
        items = list_items(body, "credentials", "data", "results", what="connection list")
        connections = [parse_connection(item, connector_id) for item in items]
        if connector_id is not None:
            connections = [c for c in connections if c.connector_id == connector_id]
        return connections

    async def start_oauth(self, connector_id: str, redirect_uri: str) -> OAuthStart:
        """Ask Alloy for the provider's consent URL; `redirect_uri` is where the browser returns."""
        body = {
            "userId": self._require_user(),
            "authenticationType": "oauth2",
            "redirectUri": redirect_uri,
        }
        answer = unwrap_result(
            await self._call(
                "POST",
                f"/connectors/{_seg(connector_id)}/credentials",
                kind=ActionKind.CREATE,
                body=body,
                user_scoped=True,
                connector=connector_id,
                action="start-oauth",
                secret_answer=True,
            )
        )
        if not isinstance(answer, Mapping):
            raise ProtocolError("Alloy's OAuth start answer is not an object.")
        url = answer.get("oauthUrl") or answer.get("oauth_url") or answer.get("url")
        if not isinstance(url, str) or not url:
            raise ProtocolError("Alloy's OAuth start answer has no `oauthUrl`.")
        credential = answer.get("credentialId") or answer.get("id")
        return OAuthStart(oauth_url=url, credential_id=credential if credential else None)

    async def exchange_code(
        self, connector_id: str, code: str, credential_id: str | None = None
    ) -> str:
        """Exchange the OAuth callback's code for the connection id. Sent exactly once, never
        retried: a code is single-use, and a resend after a lost answer would burn it."""
        self.log.add_secret(code)  # a server that echoes it in an error must not show it
        body: dict[str, Any] = {"code": code, "userId": self._require_user()}
        if credential_id:
            body["credentialId"] = credential_id
        answer = unwrap_result(
            await self._call(
                "POST",
                f"/connectors/{_seg(connector_id)}/credentials/callback",
                kind=ActionKind.CREATE,
                body=body,
                user_scoped=True,
                connector=connector_id,
                action="oauth-callback",
                retry=False,
                secret_answer=True,
            )
        )
        if isinstance(answer, Mapping):
            for key in ("connectionId", "credentialId", "id"):
                value = answer.get(key)
                if isinstance(value, str) and value:
                    return value
        raise ProtocolError("Alloy's OAuth callback answer has no `connectionId`.")

    async def delete_connection(self, credential_id: str) -> None:
        """Remove a connection from Alloy (the official embedded-API endpoint)."""
        answer = unwrap_result(
            await self._call(
                "DELETE",
                f"/users/{_seg(self._require_user())}/credentials/{_seg(credential_id)}",
                kind=ActionKind.WRITE,
                user_scoped=True,
                connection_id=credential_id,
                action="delete-credential",
                allow_empty=True,
                secret_answer=True,
            )
        )
        if isinstance(answer, Mapping) and answer.get("success") is False:
            raise self._answer_error(answer)

    # --- catalog and actions -------------------------------------------------------------------

    async def list_connectors(self) -> list[dict[str, Any]]:
        body = await self._call("GET", "/connectors", kind=ActionKind.READ)
        items = list_items(body, "connectors", "data", "results", what="connector list")
        connectors: list[dict[str, Any]] = []
        for item in items:
            if isinstance(item, Mapping):
                connectors.append(dict(item))
            elif isinstance(item, str):
                connectors.append({"id": item})
            else:
                raise ProtocolError("An item of Alloy's connector list is not an object.")
        return connectors

    async def list_actions(self, connector_id: str) -> list[dict[str, Any]]:
        """A connector's action catalog (`GET /connectors/{c}/actions`), one object per action."""
        body = await self._call(
            "GET",
            f"/connectors/{_seg(connector_id)}/actions",
            kind=ActionKind.READ,
            connector=connector_id,
        )
        items = list_items(body, "actions", "data", "results", what="action list")
        actions: list[dict[str, Any]] = []
        for item in items:
            if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                raise ProtocolError("An item of Alloy's action list is not an action object.")
            actions.append(dict(item))
        return actions

    async def get_action(self, connector_id: str, action_id: str) -> dict[str, Any]:
        body = unwrap_result(
            await self._call(
                "GET",
                f"/connectors/{_seg(connector_id)}/actions/{_seg(action_id)}",
                kind=ActionKind.READ,
                connector=connector_id,
                action=action_id,
            )
        )
        if isinstance(body, Mapping):
            action = body.get("action", body)
            if isinstance(action, Mapping) and ("id" in action or "path" in action):
                return dict(action)
        raise ProtocolError("Alloy's action answer has no `action` object.")

    async def execute(
        self,
        connector_id: str,
        action_id: str,
        *,
        connection_id: str,
        kind: ActionKind,
        path_params: Mapping[str, str] | None = None,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Run one connector action; returns its JSON with any `result` wrapper removed.
        `headers` go to the connector's API as Alloy's `additionalHeaders`."""
        payload: dict[str, Any] = {"credentialId": connection_id, "userId": self._require_user()}
        if headers:
            payload["additionalHeaders"] = dict(headers)
        if body is not None:
            payload["requestBody"] = body
        if query:
            payload["queryParameters"] = {k: v for k, v in query.items() if v is not None}
        if path_params:
            payload["pathParams"] = dict(path_params)
        path = self._execute_paths.get((connector_id, action_id))
        if path is None:
            path = f"/connectors/{_seg(connector_id)}/actions/{_seg(action_id)}/execute"
            if len(self._execute_paths) >= 256:  # action ids typed in the explorer
                self._execute_paths.clear()
            self._execute_paths[connector_id, action_id] = path
        answer = await self._call(
            "POST",
            path,
            kind=kind,
            body=payload,
            user_scoped=True,
            connector=connector_id,
            action=action_id,
            connection_id=connection_id,
        )
        is_object = type(answer) is dict or isinstance(answer, Mapping)
        if is_object and answer.get("success") is False:
            error = self._answer_error(answer)
            if isinstance(error, ConnectionNotFoundError):
                error.about(connection_id, connector_id)
            raise error
        return unwrap_result(answer)

    # --- the one request path ------------------------------------------------------------------

    def _require_user(self) -> str:
        if not self.user_id:
            raise AuthError(
                "ALLOY_USER_ID is not set; Alloy needs it for connection and action calls.",
                remedy="Set ALLOY_USER_ID (environment, .env or config.toml).",
            )
        return self.user_id

    def _emit_wait(self, event: WaitEvent) -> None:
        if self.on_wait is not None:
            self.on_wait(event)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        kind: ActionKind,
        body: Any = _NO_BODY,
        params: Mapping[str, str] | None = None,
        user_scoped: bool = False,
        connector: str | None = None,
        action: str | None = None,
        connection_id: str | None = None,
        retry: bool = True,
        allow_empty: bool = False,
        secret_answer: bool = False,
    ) -> Any:
        """One logged, retried call. `secret_answer`: the answer may carry secrets (a credential
        or OAuth endpoint), which are registered with the log so no later text shows them."""
        url = self.base_url + path
        headers = _HEADERS.copy()
        if user_scoped:
            headers["x-alloy-userid"] = self._require_user()
        log = self.log
        text: str | None = None
        content: bytes | None = None
        if body is not _NO_BODY:
            text, content = self._encode(body)
            log.remember_secrets(body, compact_json=text)
            headers["Content-Type"] = "application/json"
        record = log.start(
            method,
            url,
            started_at=self._now(),
            connector=connector,
            action=action,
            connection_id=connection_id,
            request_json=text,
            request_headers=headers,
        )
        call = _Call(
            self, method, url, content, headers, params, connection_id, action, allow_empty
        )
        started = time.perf_counter()
        try:
            call.stats.attempts = 1
            try:
                result = await self._attempt(call, 1)
            except AttemptFailure as failure:  # the retry loop goes on from this first attempt
                result = await call_with_retries(
                    functools.partial(self._attempt, call),
                    kind=kind,
                    policy=self._policy,
                    sleep=self._sleep,
                    rng=self._rng,
                    on_wait=self._emit_wait,
                    now=self._now,
                    connection_id=connection_id,
                    action_id=action,
                    stats=call.stats,
                    retry=retry,
                    failed=failure,
                )
        except AlloyError as error:
            self.scrub_error(error)
            if isinstance(error, ConnectionNotFoundError) and connection_id:
                error.about(connection_id, connector)
            self._finish(record, call, started, error=error.sentence)
            raise
        except BaseException as error:  # cancelled: the log must not keep it in flight
            self._finish(record, call, started, error=f"{type(error).__name__}")
            raise
        self._finish(record, call, started)
        if secret_answer:
            log.remember_secrets(result)
        return result

    def _encode(self, body: Any) -> tuple[str, bytes]:
        """The body's JSON text and bytes. Standard JSON only: NaN and Infinity (which Python
        would write) and lone surrogates are refused before sending, as a typed error naming
        where they are."""
        try:
            text = _JSON.encode(body)
            return text, text.encode()
        except (ValueError, TypeError, RecursionError):
            self.log.remember_secrets(body)  # what the body held by name stays hidden anyway
            raise UnsendableBodyError(_unsendable(body)) from None

    def _answer_error(self, answer: Any) -> AlloyError:
        """The error a `{"success": false}` answer means, with known secrets hidden."""
        return self.scrub_error(
            error_from_response(400, answer, None, self.base_url, scrub=self.log.redact)
        )

    def scrub_error(self, error: AlloyError) -> AlloyError:
        """Hide every known secret (the key, OAuth codes, states, tokens) and secret-looking
        fragment in what `error` shows; returns it."""
        error.sentence = self.log.redact(error.sentence)
        error.detail = self.log.redact(error.detail) if error.detail is not None else None
        error.code = self.log.redact(error.code) if error.code is not None else None
        error.field = self.log.redact(error.field) if error.field is not None else None
        error.args = (error.sentence,)
        return error

    def _finish(
        self, record: RequestRecord, call: _Call, started: float, error: str | None = None
    ) -> None:
        waited = call.stats.waited
        self.log.finish(
            record,
            status=call.status,
            latency_ms=max(0.0, time.perf_counter() - started - waited) * 1000,
            attempts=call.stats.attempts,
            waited_s=waited,
            response_raw=call.raw,
            error=error,
        )

    async def _attempt(self, call: _Call, number: int) -> Any:
        connection_id = call.connection_id
        if connection_id is not None and self.options.rate_limit:
            delay = self._limiter.reserve(connection_id)
            if delay > 0:
                await self._limiter.wait(connection_id, delay, on_wait=call.paced(number))
        call.status = None
        call.raw = b""
        # The key is added to this request's headers only, at send time: no variable holds it.
        request = self._http.build_request(
            call.method,
            call.url,
            content=call.content,
            headers={**call.headers, "Authorization": f"Bearer {self._api_key.reveal()}"},
            params=call.params,
            timeout=self._timeout if self._timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        try:
            limit = self._deadlines.limit(self.options.deadline).enter()
            try:
                response = await self._http.send(request, stream=True)
                try:
                    raw = await self._read_capped(response)
                finally:
                    await response.aclose()
            except BaseException as error:
                limit.exit(error)  # TimeoutError if the deadline cancelled it
                raise
            limit.exit(None)
        except TimeoutError:
            raise AttemptFailure(
                TimedOutError(
                    f"Cannot reach {self.base_url}: no complete answer within "
                    f"{self.options.deadline:g} s (timed out)."
                )
            ) from None
        except AlloyError as error:  # the body cap
            raise AttemptFailure(error, status=error.status) from None
        except httpx.HTTPError as error:
            raise self._transport_failure(error) from None

        status = response.status_code
        call.status = status
        call.raw = raw
        if 200 <= status < 300:
            if not raw or raw.isspace():
                if call.allow_empty:
                    return None
                raise AttemptFailure(
                    ProtocolError(f"Alloy answered {status} with an empty body.", status=status),
                    status=status,
                )
            return self._decode(raw, response, status)
        error_body = self._best_effort_json(raw)
        if 300 <= status < 400:
            location = response.headers.get("location", "elsewhere")
            raise AttemptFailure(
                ProtocolError(
                    f"Alloy at {self.base_url} redirected ({status}) to {location}.",
                    remedy="Set ALLOY_BASE_URL to the API's final address (https, no path).",
                    status=status,
                ),
                status=status,
            )
        retry_after = response.headers.get("retry-after")
        failure = error_from_response(
            status,
            error_body,
            response.headers,
            self.base_url,
            retry_after=parse_retry_after(
                retry_after, maximum=self.options.retry_after_max, now=self._now
            ),
            scrub=self.log.redact,
        )
        raise AttemptFailure(failure, status=status, retry_after=retry_after)

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """Read the body, refusing it as soon as it passes the cap (decoded size counts)."""
        cap = self.options.max_body_bytes
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            self._too_large(response.status_code, cap)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                self._too_large(response.status_code, cap)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, status: int, cap: int) -> None:
        raise ProtocolError(
            f"Alloy's answer is larger than {_mb(cap)}; refused.",
            remedy="Ask for less at once (a smaller page size), or raise the body cap.",
            status=status,
        )

    def _decode(self, raw: bytes, response: httpx.Response, status: int) -> Any:
        content_type = response.headers.get("content-type", "").lower()
        first = raw[:1]
        if first.isspace():
            first = raw[:256].lstrip()[:1]
        if first == b"<" or "html" in content_type:
            raise AttemptFailure(
                ProtocolError(
                    f"Alloy at {self.base_url} answered {status} with an HTML page, not JSON.",
                    remedy="Check ALLOY_BASE_URL points at the Alloy API, not a website or proxy.",
                    status=status,
                ),
                status=status,
            )
        try:
            return json.loads(raw)
        except ValueError as error:
            raise AttemptFailure(
                ProtocolError(
                    f"Alloy answered {status} with invalid JSON ({error}).", status=status
                ),
                status=status,
            ) from None
        except RecursionError:
            raise AttemptFailure(
                ProtocolError(f"Alloy answered {status} with JSON nested too deeply to read."),
                status=status,
            ) from None

    @staticmethod
    def _best_effort_json(raw: bytes) -> Any:
        try:
            return json.loads(raw) if raw.strip() else None
        except (ValueError, RecursionError):
            return raw[:4096].decode("utf-8", errors="replace")

    def _transport_failure(self, error: httpx.HTTPError) -> AttemptFailure:
        base = self.base_url
        remedy = CannotReachError.default_remedy
        if isinstance(error, httpx.ConnectTimeout):
            return AttemptFailure(
                TimedOutError(f"Cannot reach {base}: connecting timed out."), not_sent=True
            )
        if isinstance(error, httpx.PoolTimeout):
            return AttemptFailure(
                TimedOutError(f"Cannot reach {base}: too many requests already in flight."),
                not_sent=True,
            )
        if isinstance(error, httpx.ConnectError):
            reason = _connect_reason(error)
            return AttemptFailure(
                CannotReachError(f"Cannot reach {base}: {reason}."), not_sent=True
            )
        if isinstance(error, httpx.TimeoutException):
            return AttemptFailure(TimedOutError(f"Cannot reach {base}: the answer timed out."))
        if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return AttemptFailure(
                CannotReachError(f"Cannot reach {base}: the connection dropped before an answer."),
                dropped=True,
            )
        if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return AttemptFailure(
                CannotReachError(
                    f"Cannot reach {base}: it is not an http(s) URL.",
                    remedy="Set ALLOY_BASE_URL to an http:// or https:// address.",
                )
            )
        return AttemptFailure(CannotReachError(f"Cannot reach {base}: {error}.", remedy=remedy))
