"""The connect-a-service flow: listener, OAuth start, browser, callback, exchange or listing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import urlsplit

import httpx

from alloy_tui.alloy.client import AlloyClient
from alloy_tui.alloy.errors import AlloyError
from alloy_tui.alloy.models import Connection
from alloy_tui.alloy.oauth_listener import (
    CallbackResult,
    ListenerError,
    OAuthListener,
    OAuthTimeout,
)

TICK_SECONDS: Final = 1.0
"""How often a `waiting` event carries the countdown while the browser is out."""

EventKind = Literal["url", "waiting", "exchanging", "listing", "done"]


@dataclass(frozen=True)
class ConnectEvent:
    """One step of the flow, for a UI to show (the URL, a countdown, progress, the result)."""

    kind: EventKind
    url: str | None = None
    seconds_left: float | None = None
    message: str = ""


SANDBOX_HEALTH_PATH: Final = "/__sandbox/health"
SANDBOX_PROBE_TIMEOUT: Final = 3.0


async def server_is_sandbox(client: AlloyClient) -> bool:
    """Whether the client's base URL is an alloy-tui sandbox, asked of the server itself (its
    health answer says `"sandbox": true`; Alloy has no such path), however the app was started:
    a sandbox started apart and pointed at with ALLOY_BASE_URL is one too. Alloy's own hosts
    are not asked; an error or any other answer means "not a sandbox"."""
    host = urlsplit(client.base_url).hostname or ""
    if host == "runalloy.com" or host.endswith(".runalloy.com"):
        return False
    try:
        answer = await client.http.get(
            client.base_url + SANDBOX_HEALTH_PATH, timeout=SANDBOX_PROBE_TIMEOUT
        )
        body = answer.json() if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(body, dict) and body.get("sandbox") is True


class NoNewConnectionError(ListenerError):
    default_sentence = "The browser came back, but Alloy lists no new connection."
    default_remedy = "Run `alloy-tui connections` to check, then connect again if it is missing."


def browser_available(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether opening a browser can work here: always on macOS and Windows; elsewhere only with
    a display or an explicit BROWSER (an SSH session without either must not try)."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform == "darwin" or platform.startswith("win"):
        return True
    return bool(env.get("BROWSER") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def default_open_browser(url: str) -> bool:
    """Open `url` in a browser without blocking; False when no browser is available here."""
    if not browser_available():
        return False
    # webbrowser.open may run a console browser or wait on a launcher: keep it off the loop.
    threading.Thread(
        target=_open_quietly, args=(url,), name="alloy-tui-browser", daemon=True
    ).start()
    return True


def _open_quietly(url: str) -> None:
    with contextlib.suppress(Exception):
        webbrowser.open(url, new=2)


def _pick_new(
    after: Iterable[Connection], before_ids: set[str], preferred: str | None
) -> Connection | None:
    """The connection that was not there before the flow (the pending credential first, then
    the newest), or None."""
    new = [c for c in after if c.id not in before_ids]
    for connection in new:
        if preferred and connection.id == preferred:
            return connection
    if not new:
        return None
    return max(new, key=lambda c: (c.created_at.timestamp() if c.created_at else 0.0, c.id))


async def connect_service(
    client: AlloyClient,
    connector_id: str,
    redirect_uri: str,
    *,
    on_event: Callable[[ConnectEvent], None] | None = None,
    open_browser: Callable[[str], bool] | None = default_open_browser,
    deadline: float = 300.0,
    listener: OAuthListener | None = None,
) -> Connection:
    """Connect a new account of `connector_id` through OAuth and return the new connection.

    The code exchange is sent at most once. If the callback carries no code, or the exchange
    fails, or the deadline passes, the connection list is read again and a connection that was
    not there before counts as success. Cancelling the task closes the listener.
    """

    def emit(event: ConnectEvent) -> None:
        if on_event is not None:
            on_event(event)

    before = await client.list_connections(connector_id)
    before_ids = {c.id for c in before}
    listener = listener or OAuthListener(redirect_uri, deadline=deadline)
    ticker: asyncio.Task[None] | None = None
    try:
        callback_uri = await listener.start()
        start = await client.start_oauth(connector_id, callback_uri)
        opened = False
        if open_browser is not None:
            try:
                opened = open_browser(start.oauth_url)
            except Exception:  # a broken browser launcher must not end the flow
                opened = False
        emit(
            ConnectEvent(
                "url",
                url=start.oauth_url,
                seconds_left=listener.seconds_left(),
                message="Opened the sign-in page in your browser."
                if opened
                else "Open this URL in a browser to sign in.",
            )
        )
        ticker = asyncio.create_task(_tick(listener, emit))
        try:
            result = await listener.wait()
            # The callback's code and state are secrets: a server that echoes either in an
            # error message must not put it on screen or in the request log.
            client.log.add_secret(result.code)
            client.log.add_secret(result.state)
        except OAuthTimeout:
            # The user may have finished in the browser and only the redirect got lost.
            emit(ConnectEvent("listing", message="Time is up; checking for a new connection."))
            found = _pick_new(
                await client.list_connections(connector_id), before_ids, start.credential_id
            )
            if found is None:
                raise
            return _done(found, emit)
        finally:
            ticker.cancel()
        return await _finish(client, connector_id, result, before_ids, start.credential_id, emit)
    finally:
        if ticker is not None:
            ticker.cancel()
        await listener.close()


async def _finish(
    client: AlloyClient,
    connector_id: str,
    result: CallbackResult,
    before_ids: set[str],
    credential_id: str | None,
    emit: Callable[[ConnectEvent], None],
) -> Connection:
    connection_id: str | None = None
    if result.code is not None:
        emit(ConnectEvent("exchanging", message="Finishing the connection with Alloy."))
        try:
            connection_id = await client.exchange_code(connector_id, result.code, credential_id)
        except AlloyError as error:
            # Never resent (a code is single-use). Alloy may have stored the connection at
            # redirect time anyway (the official flow): a new one in the list still counts.
            emit(ConnectEvent("listing", message="Checking the connection list."))
            found = _pick_new(
                await client.list_connections(connector_id), before_ids, credential_id
            )
            if found is None:
                raise error from None
            return _done(found, emit)
    emit(ConnectEvent("listing", message="Reading the connection list."))
    after = await client.list_connections(connector_id)
    if connection_id is not None:
        for connection in after:
            if connection.id == connection_id:
                return _done(connection, emit)
        # The exchange succeeded, so the id is good even if the list lags behind.
        return _done(
            Connection(
                id=connection_id,
                connector_id=connector_id,
                name=connection_id,
                type="",
                created_at=None,
                workspace_name=None,
            ),
            emit,
        )
    found = _pick_new(after, before_ids, credential_id)
    if found is None:
        raise NoNewConnectionError()
    return _done(found, emit)


def _done(connection: Connection, emit: Callable[[ConnectEvent], None]) -> Connection:
    emit(ConnectEvent("done", message=f"Connected: {connection.name} ({connection.id})"))
    return connection


async def _tick(listener: OAuthListener, emit: Callable[[ConnectEvent], None]) -> None:
    """A `waiting` event now and then every TICK_SECONDS, for a visible countdown."""
    while True:
        emit(
            ConnectEvent(
                "waiting",
                seconds_left=listener.seconds_left(),
                message="Waiting for the browser to come back.",
            )
        )
        await asyncio.sleep(TICK_SECONDS)


__all__ = [
    "ConnectEvent",
    "NoNewConnectionError",
    "browser_available",
    "connect_service",
    "default_open_browser",
]
