"""TUI fixtures: apps built by make_app against real sandboxes, a fixed clock, bounded polling."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, TextArea

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.sandboxed import sandbox_settings
from alloy_tui.tui.app import AlloyApp, make_app

FIXED_NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
"""The sandbox's and the app's "now" in snapshot tests, so relative times never change."""
SIZE = (120, 36)

ScreenT = TypeVar("ScreenT", bound=Screen[Any])


async def _no_sleep(_seconds: float) -> None:
    """Retry and limiter waits take no time in tests (they are reported, not slept)."""


def fixed_clock() -> datetime:
    return FIXED_NOW


def build_app(
    server: SandboxServer,
    *,
    clock: Callable[[], datetime] | None = None,
    max_attempts: int = 1,
    **settings_overrides: Any,
) -> AlloyApp:
    """The app as the CLI builds it, against `server`, with retries off unless asked."""
    settings = sandbox_settings(server)
    if settings_overrides:
        settings = settings.with_overrides(**settings_overrides)
    client = AlloyClient(
        make_http(),
        base_url=settings.base_url,
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False, max_attempts=max_attempts),
        sleep=_no_sleep,
    )
    if clock is None:
        return make_app(settings, client=client, sandbox=server)
    return make_app(settings, client=client, sandbox=server, clock=clock)


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], object], *, within: float = 30.0
) -> None:
    """Poll `condition` between message-loop turns (never a blind sleep); fail after `within`
    (generous: two suites at once on two cores take many seconds for one page load)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"condition not met within {within} s; screen {type(pilot.app.screen).__name__}"
                f"; the last requests: {_last_requests(pilot.app)}"
            )
        await pilot.pause(0.01)


def _last_requests(app: App[Any]) -> str:
    """What the app last asked Alloy, for a failure message (was it slow, or did it fail?)."""
    if not isinstance(app, AlloyApp):
        return "-"
    records = app.state.log.records()[-5:]
    return "; ".join(
        f"{r.action or r.url} {r.status or ''} {r.error or ''} "
        f"{'done' if r.finished else 'in flight'} {r.latency_ms or 0:.0f} ms"
        for r in records
    )


async def settle(pilot: Pilot[Any]) -> None:
    """Let every worker finish and the screen process what they posted; text cursors stop
    blinking (a snapshot taken half a second later on a loaded machine must look the same)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
    await pilot.pause()


def expect_screen(app: App[Any], kind: type[ScreenT]) -> ScreenT:
    """Assert that the app shows a `kind` screen now, and return it, typed as one.

    For mypy, not for the check: after `screen = app.screen; assert isinstance(screen, kind)`
    the variable is widened back to `Screen[object]` by any later `app.screen is screen`, and
    `assert isinstance(app.screen, kind)` keeps `app.screen` narrowed to `kind` for the rest of
    the test, though the app moves on to other screens."""
    screen = app.screen
    assert isinstance(screen, kind), f"expected a {kind.__name__}, the app shows {screen!r}"
    return screen


@pytest.fixture
def app_for() -> Callable[..., AlloyApp]:
    return build_app
