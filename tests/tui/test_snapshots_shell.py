"""Snapshots (120x36) of the shell's screens and dialogs, from a sandbox with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from alloy_tui.alloy.connect import ConnectEvent
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.connect import ConnectModal
from alloy_tui.tui.screens.search import SearchScreen
from tests.tui.conftest import SIZE, build_app, fixed_clock, settle, wait_until

FIXED_OAUTH_URL = (
    "http://127.0.0.1:8787/oauth/authorize?client_id=alloy-tui&response_type=code"
    "&owner=user&state=0123456789abcdef&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2F"
    "oauth%2Fcallback%2Fnonce"
)


@pytest.fixture
def snapshot_app(sandbox_factory: Callable[..., SandboxServer]) -> AlloyApp:
    server = sandbox_factory(clock=fixed_clock, rate_limit=False)
    return build_app(server, clock=fixed_clock)


async def _ready(pilot: Any) -> None:
    await settle(pilot)
    # The final state has a focused widget: the list gives the focus back to its table once
    # its loading indicator is gone, a turn after the last worker (the footer shows it).
    await wait_until(pilot, lambda: pilot.app.screen.focused is not None)
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, AlloyApp)
    # Latency is the only value that varies between runs: freeze it like the clock.
    app.update_status(last_latency_ms=12.0, in_flight=0, wait_until=None)
    await pilot.pause()


def test_connections_screen(snap_compare: Any, snapshot_app: AlloyApp) -> None:
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=_ready)


def test_search_screen_with_results(snap_compare: Any, snapshot_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
        await settle(pilot)
        await pilot.press("down")
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=run_before)


def test_search_screen_empty_state(snap_compare: Any, snapshot_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
        await pilot.press(*"no such title", "enter")
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=run_before)


def test_connect_modal(snap_compare: Any, snapshot_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        modal = ConnectModal(start=False, clock=lambda: 1000.0)  # the countdown stands still
        await pilot.app.push_screen(modal)
        modal.show_event(
            ConnectEvent(
                "url",
                url=FIXED_OAUTH_URL,
                seconds_left=300.0,
                message="Open this URL in a browser to sign in.",
            )
        )
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=run_before)


def test_help_modal(snap_compare: Any, snapshot_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        await _ready(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=run_before)
