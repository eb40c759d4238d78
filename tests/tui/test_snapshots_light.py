"""Snapshots in the light theme at 80x24: connect, search, a page, its body editor, a database
and the request inspector, every label readable (the issue's light-theme walk-through)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.connect import ConnectEvent
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.sandboxed import sandbox_settings
from alloy_tui.tui.app import AlloyApp, make_app
from alloy_tui.tui.modals.connect import ConnectModal
from alloy_tui.tui.screens.page import PageScreen
from alloy_tui.tui.screens.requests import RequestsScreen
from alloy_tui.tui.screens.search import SearchScreen
from tests.tui.conftest import build_app, fixed_clock, settle, wait_until
from tests.tui.test_snapshots_pages import _open_tasks
from tests.tui.test_snapshots_polish import _calls
from tests.tui.test_snapshots_shell import FIXED_OAUTH_URL

SMALL = (80, 24)


@pytest.fixture
def light_app(sandbox_factory: Callable[..., SandboxServer]) -> AlloyApp:
    server = sandbox_factory(clock=fixed_clock, rate_limit=False)
    return build_app(server, clock=fixed_clock, theme="textual-light")


async def _ready(pilot: Any) -> None:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, AlloyApp)
    assert app.theme == "textual-light"
    app.update_status(last_latency_ms=12.0, in_flight=0, wait_until=None)
    app.clear_notifications()
    await pilot.pause()


def test_light_connect(snap_compare: Any, light_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        modal = ConnectModal(start=False, clock=lambda: 1000.0)
        await pilot.app.push_screen(modal)
        modal.show_event(
            ConnectEvent("url", url=FIXED_OAUTH_URL, seconds_left=300.0, message="Sign in.")
        )
        await _ready(pilot)

    assert snap_compare(light_app, terminal_size=SMALL, run_before=run_before)


def test_light_search(snap_compare: Any, light_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
        await settle(pilot)
        await pilot.press("down")
        await _ready(pilot)

    assert snap_compare(light_app, terminal_size=SMALL, run_before=run_before)


def test_light_page_and_body(snap_compare: Any, light_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        screen = await _open_tasks(pilot)
        screen.table.focus()
        await pilot.press("enter")
        await settle(pilot)
        page = pilot.app.screen
        assert isinstance(page, PageScreen)
        await wait_until(pilot, lambda: page.form is not None and page.body_loaded)
        await settle(pilot)
        await pilot.press("enter", "x", "escape")  # an unsaved change: the marker shows
        await _ready(pilot)

    assert snap_compare(light_app, terminal_size=SMALL, run_before=run_before)


def test_light_database(snap_compare: Any, light_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        screen = await _open_tasks(pilot)
        screen.table.focus()
        await _ready(pilot)

    assert snap_compare(light_app, terminal_size=SMALL, run_before=run_before)


@pytest.fixture
def light_inspector_app(sandbox_factory: Callable[..., SandboxServer]) -> AlloyApp:
    server = sandbox_factory(clock=fixed_clock, rate_limit=False)
    settings = sandbox_settings(server).with_overrides(theme="textual-light")
    client = AlloyClient(
        make_http(),
        base_url=settings.base_url,
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False, max_attempts=1),
        now=fixed_clock,  # calls are stamped with the fixed clock
    )
    return make_app(settings, client=client, sandbox=server, clock=fixed_clock)


def test_light_requests(snap_compare: Any, light_inspector_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        app = await _calls(pilot)  # latencies and the port frozen
        await app.push_screen(RequestsScreen(tz=UTC))
        await _ready(pilot)

    assert snap_compare(light_inspector_app, terminal_size=SMALL, run_before=run_before)
