"""Snapshots of the action explorer at 120x36 and 80x24, from a sandbox with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from tests.tui.conftest import SIZE, build_app, fixed_clock, settle
from tests.tui.test_explorer import open_action, open_explorer, run

SMALL = (80, 24)


@pytest.fixture
def snapshot_app(sandbox_factory: Callable[..., SandboxServer]) -> AlloyApp:
    server = sandbox_factory(clock=fixed_clock, rate_limit=False)
    return build_app(server, clock=fixed_clock)


async def _frozen(pilot: Any) -> None:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, AlloyApp)
    app.update_status(last_latency_ms=12.0, in_flight=0, wait_until=None)
    await pilot.pause()


async def _post_page_form(pilot: Any) -> None:
    screen = await open_explorer(pilot.app, pilot)
    await open_action(pilot, screen, "post-page")
    await _frozen(pilot)


async def _get_self_answered(pilot: Any) -> None:
    screen = await open_explorer(pilot.app, pilot)
    await open_action(pilot, screen, "get-self")
    await run(pilot, screen)
    await _frozen(pilot)


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["120x36", "80x24"])
def test_explorer_form_with_a_body(
    snap_compare: Any, snapshot_app: AlloyApp, size: tuple[int, int]
) -> None:
    assert snap_compare(snapshot_app, terminal_size=size, run_before=_post_page_form)


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["120x36", "80x24"])
def test_explorer_answer(snap_compare: Any, snapshot_app: AlloyApp, size: tuple[int, int]) -> None:
    assert snap_compare(snapshot_app, terminal_size=size, run_before=_get_self_answered)
