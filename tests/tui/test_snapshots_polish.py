"""Snapshots (120x36) of the request inspector and the rate-limit countdown, fixed clock."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.errors import AlloyError
from alloy_tui.alloy.retry import WaitEvent
from alloy_tui.sandbox.defaults import DEFAULT_PORT
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.sandboxed import sandbox_settings
from alloy_tui.tui.app import AlloyApp, make_app
from alloy_tui.tui.screens.requests import RequestsScreen
from tests.tui.conftest import SIZE, fixed_clock, settle

MISSING_PAGE = "0badc0de-0000-4000-8000-000000000000"
LATENCIES_MS = (84.0, 12.0, 31.0, 9.0, 46.0, 23.0)


@pytest.fixture
def inspector_app(sandbox_factory: Callable[..., SandboxServer]) -> AlloyApp:
    server = sandbox_factory(clock=fixed_clock, rate_limit=False)
    settings = sandbox_settings(server)
    client = AlloyClient(
        make_http(),
        base_url=settings.base_url,
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False, max_attempts=1),
        now=fixed_clock,  # calls are stamped with the fixed clock
    )
    return make_app(settings, client=client, sandbox=server, clock=fixed_clock)


async def _calls(pilot: Any) -> AlloyApp:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, AlloyApp)
    await app.state.notion.search("Roadmap", page_size=2)
    with contextlib.suppress(AlloyError):
        await app.state.notion.get_page(MISSING_PAGE)
    # Latency and the sandbox's port vary between runs: freeze them like the clock.
    base_url = app.state.client.base_url
    for record in app.state.log.records():
        record.latency_ms = LATENCIES_MS[record.id % len(LATENCIES_MS)]
        record.url = record.url.replace(base_url, f"http://127.0.0.1:{DEFAULT_PORT}")
    app.update_status(last_latency_ms=12.0, in_flight=0, wait_until=None)
    return app


def test_requests_screen_with_a_search_highlighted(
    snap_compare: Any, inspector_app: AlloyApp
) -> None:
    async def run_before(pilot: Any) -> None:
        app = await _calls(pilot)
        screen = RequestsScreen(tz=UTC)
        await app.push_screen(screen)
        await settle(pilot)
        # The search's row: the start's listings and health checks come before it.
        search = next(r for r in app.state.log.records() if r.action == "post-search")
        row = [r.id for r in app.state.log.records()].index(search.id)
        screen.table.move_cursor(row=row, animate=False)
        await pilot.pause()

    assert snap_compare(inspector_app, terminal_size=SIZE, run_before=run_before)


def test_requests_screen_errors_only(snap_compare: Any, inspector_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        app = await _calls(pilot)
        await app.push_screen(RequestsScreen(tz=UTC))
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()

    assert snap_compare(inspector_app, terminal_size=SIZE, run_before=run_before)


def test_status_bar_rate_limit_countdown(snap_compare: Any, inspector_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        app = await _calls(pilot)
        # A long wait, so the whole seconds shown cannot change while the picture is taken.
        app.on_client_wait(WaitEvent(30.0, "rate_limited", 1, None, None))
        await pilot.pause()

    assert snap_compare(inspector_app, terminal_size=SIZE, run_before=run_before)
