"""Snapshots (120x36) of the page editor, the database screen and the filter builder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input, Select

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.filter_builder import ConditionRow, FilterBuilderModal
from alloy_tui.tui.screens.database import DatabaseScreen
from alloy_tui.tui.screens.page import PageScreen
from tests.tui.conftest import SIZE, build_app, fixed_clock, settle, wait_until
from tests.tui.pages_helpers import find_database, started


@pytest.fixture
def snapshot_app(sandbox_factory: Callable[..., SandboxServer]) -> AlloyApp:
    server = sandbox_factory(clock=fixed_clock, rate_limit=False)
    return build_app(server, clock=fixed_clock)


async def _ready(pilot: Any) -> None:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, AlloyApp)
    # Latency is the only value that varies between runs: freeze it like the clock.
    app.update_status(last_latency_ms=12.0, in_flight=0, wait_until=None)
    await pilot.pause()


async def _open_tasks(pilot: Any) -> DatabaseScreen:
    app = await started(pilot)
    tasks = await find_database(app, "Tasks")
    app.open_database(str(tasks["id"]))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, DatabaseScreen)
    await wait_until(pilot, lambda: screen.table.row_count > 0)
    return screen


def test_page_editor(snap_compare: Any, snapshot_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        screen = await _open_tasks(pilot)
        screen.table.focus()
        await pilot.press("enter")
        await settle(pilot)
        page = pilot.app.screen
        assert isinstance(page, PageScreen)
        # The final state: the body and the people list are in (not a loading frame).
        await wait_until(pilot, lambda: page.form is not None and page.body_loaded)
        await settle(pilot)
        form = page.form
        assert form is not None
        estimate = form.field("Estimate")
        assert estimate is not None
        estimate.query_one(Input).value = "abc"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: estimate.has_class("-error"))
        # The toast times out after 5 s, which a loaded machine can reach before the shot.
        pilot.app.clear_notifications()
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=run_before)


def test_database_screen(snap_compare: Any, snapshot_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        screen = await _open_tasks(pilot)
        screen.table.focus()
        await pilot.press("j", "j")
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=run_before)


def test_filter_builder(snap_compare: Any, snapshot_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        await _open_tasks(pilot)
        await pilot.press("f")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, FilterBuilderModal)
        row = modal.query_one(ConditionRow)
        row.query_one(".property-select", Select).value = "Estimate"
        await settle(pilot)
        row.query_one(".condition-select", Select).value = "greater_than"
        await settle(pilot)
        row.query_one(".operand", Input).value = "3"
        await modal.action_add()
        await settle(pilot)
        second = modal.query(ConditionRow).last()
        second.query_one(".property-select", Select).value = "Needs review"
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=run_before)
