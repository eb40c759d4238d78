"""Snapshot (80x24, the smallest terminal the app supports) of the data source picker the
database screen shows for a database with several data sources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import OptionList

from alloy_tui.sandbox.seed import seed_id
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.picker import PickerModal
from tests.tui.conftest import build_app, expect_screen, fixed_clock, settle, wait_until
from tests.tui.pages_helpers import started

SMALL = (80, 24)


@pytest.fixture
def snapshot_app(sandbox_factory: Callable[..., SandboxServer]) -> AlloyApp:
    server = sandbox_factory(clock=fixed_clock, rate_limit=False)
    return build_app(server, clock=fixed_clock)


def test_data_source_picker_at_80x24(snap_compare: Any, snapshot_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        app = await started(pilot)
        app.open_database(seed_id("database", "roadmap"))
        await settle(pilot)
        picker = expect_screen(app, PickerModal)
        results = picker.query_one("#picker-results", OptionList)
        # The final state: both sources listed and counted (not "Searching…").
        await wait_until(
            pilot,
            lambda: (
                results.option_count == 2
                and "2 found" in str(picker.query_one("#picker-status").render())
            ),
        )
        await settle(pilot)
        app.update_status(last_latency_ms=12.0, in_flight=0, wait_until=None)
        await pilot.pause()

    assert snap_compare(snapshot_app, terminal_size=SMALL, run_before=run_before)
