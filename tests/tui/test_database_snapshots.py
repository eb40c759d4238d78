"""Snapshot (80x24) of the Database screen sorted from its header and scrolled right: the
title column pinned on the left, the sorted label (Due) with its arrow right of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from tests.tui.conftest import build_app, fixed_clock, settle
from tests.tui.test_database_keys import labels, open_tasks

SMALL = (80, 24)


@pytest.fixture
def snapshot_app(sandbox_factory: Callable[..., SandboxServer]) -> AlloyApp:
    server = sandbox_factory(clock=fixed_clock, rate_limit=False)
    return build_app(server, clock=fixed_clock)


def test_database_sorted_and_scrolled_right(snap_compare: Any, snapshot_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        screen = await open_tasks(pilot)
        table = screen.table
        due = labels(table).index("Due")
        await pilot.press("greater_than_sign", *["right"] * due, "enter", "enter", "escape")
        await settle(pilot)
        assert labels(table)[due] == "Due ↓"  # the final state: the descending rows are in
        # Highlighting Due scrolled it in, right of the pinned title; leaving the header and
        # the new query kept the columns where they were.
        assert table.scroll_x > 0
        assert table.render_line(0).text.startswith(" Name ")
        app = pilot.app
        assert isinstance(app, AlloyApp)
        app.update_status(last_latency_ms=12.0, in_flight=0, wait_until=None)
        await pilot.pause()

    assert snap_compare(snapshot_app, terminal_size=SMALL, run_before=run_before)
