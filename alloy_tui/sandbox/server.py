"""The sandbox's app and runner: routes assembled, errors handled, uvicorn in a thread.

The routes live in `alloy_routes` (Alloy's endpoints, both dialects), `consent_routes` (the OAuth
consent page) and `admin` (the sandbox's own endpoints); the state in `runtime`.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from alloy_tui.sandbox import admin, alloy_routes, consent_routes
from alloy_tui.sandbox.actions import find_action
from alloy_tui.sandbox.admin import ADMIN_PREFIX
from alloy_tui.sandbox.consent import CONSENT_PATH, OAUTH_CLIENT_ID
from alloy_tui.sandbox.faults import FaultMiddleware, notion_error
from alloy_tui.sandbox.http import alloy_error, sandbox_of
from alloy_tui.sandbox.runtime import Sandbox, SandboxConfig
from alloy_tui.sandbox.slack import catalog as slack_catalog

log = logging.getLogger(__name__)


class PortInUseError(OSError):
    """The configured port is taken by another program."""


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return alloy_error(405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed here.")
    if exc.status_code == 404:
        return alloy_error(404, "NOT_FOUND", f"No endpoint at {request.url.path}.")
    return alloy_error(exc.status_code, "HTTP_ERROR", str(exc.detail))


async def _internal_error(request: Request, exc: Exception) -> Response:
    # The last line of defence: bad input must never get here (the tests check the counter).
    sandbox_of(request).internal_errors += 1
    log.error("sandbox: unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(notion_error(500), status_code=500)


def _action_ids(path: str) -> tuple[str, ...]:
    """The action id in an execute path, plus its official id when it is an alias."""
    parts = path.split("/")
    # ["", "connectors", c, "actions", a] or [..., "execute"]
    if len(parts) in (5, 6) and parts[1] == "connectors" and parts[3] == "actions":
        action = parts[4]
        official = _official_id(parts[2], action)
        return (action, official) if official is not None and official != action else (action,)
    return ()


def _official_id(connector: str, action: str) -> str | None:
    if connector == slack_catalog.CONNECTOR_ID:
        found = slack_catalog.find_action(action)
        return found.id if found is not None else None
    spec = find_action(action)
    return spec.id if spec is not None else None


def _fault_applies(path: str) -> bool:
    return not (path.startswith(ADMIN_PREFIX) or path.startswith("/v1/oauth"))


def create_app(config: SandboxConfig) -> Starlette:
    """Open (and seed) the store and build the ASGI app; `app.state.sandbox` holds the state."""
    sandbox = Sandbox(config)
    routes = [*alloy_routes.ROUTES, *consent_routes.ROUTES, *admin.ROUTES]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                FaultMiddleware,
                injector=sandbox.faults,
                applies=_fault_applies,
                action_ids=_action_ids,
            )
        ],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.sandbox = sandbox
    return app


# Serving ------------------------------------------------------------------------------------


class _Server(uvicorn.Server):
    """uvicorn.Server that signals an Event once it is serving."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._ready.set()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP, and without it every response waits ~40 ms on Nagle plus delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(exc.errno, f"port {port} on {host} is already in use") from exc
        raise
    sock.set_inheritable(True)
    return sock


class SandboxServer:
    """A sandbox served by uvicorn in a background thread; a context manager."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.port = config.port
        self.app: Starlette | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"http://{host}:{self.port}"

    @property
    def sandbox(self) -> Sandbox:
        if self.app is None:
            raise RuntimeError("the sandbox server is not started")
        sandbox: Sandbox = self.app.state.sandbox
        return sandbox

    def start(self) -> None:
        """Bind, open the store, and return once uvicorn is serving. PortInUseError if busy."""
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already started")
        sock = _bind(self.config.host, self.config.port)
        try:
            self.port = sock.getsockname()[1]
            self.app = create_app(self.config)
        except BaseException:
            sock.close()
            raise
        uv_config = uvicorn.Config(
            self.app,
            log_level="info" if self.config.access_log else "warning",
            access_log=self.config.access_log,
            # The library use leaves the process's logging alone; the CLI asks for uvicorn's.
            log_config=uvicorn.config.LOGGING_CONFIG if self.config.access_log else None,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        ready = threading.Event()
        self._server = server = _Server(uv_config, ready)

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            finally:
                ready.set()  # never leave start() waiting on a server that died
                sock.close()

        self._thread = threading.Thread(target=serve, name="alloy-sandbox", daemon=True)
        self._thread.start()
        if not ready.wait(timeout=30) or not server.started:
            self.stop()
            raise RuntimeError("the sandbox server did not start")

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=10)
            if thread.is_alive():
                server.force_exit = True
                thread.join(timeout=5)
        if self.app is not None:
            self.sandbox.close()
        self._server = self._thread = None
        self.app = None

    @property
    def is_serving(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


__all__ = [
    "CONSENT_PATH",
    "OAUTH_CLIENT_ID",
    "PortInUseError",
    "Sandbox",
    "SandboxConfig",
    "SandboxServer",
    "create_app",
]
