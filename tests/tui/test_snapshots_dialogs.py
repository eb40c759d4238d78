"""Snapshots of every dialog and the New page screen at 80x24 (all of it readable: buttons whole,
nothing cut) and at 120x36, from a sandbox with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import SelectionList

from alloy_tui.alloy.connect import ConnectEvent
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.connect import ConnectModal
from alloy_tui.tui.modals.picker import PickerModal, PickItem
from alloy_tui.tui.modals.sort_builder import SortBuilderModal
from alloy_tui.tui.screens.create import CreatePageScreen
from tests.tui.conftest import FIXED_NOW, SIZE, build_app, fixed_clock, settle, wait_until
from tests.tui.dialog_samples import dialogs
from tests.tui.test_snapshots_pages import _open_tasks
from tests.tui.test_snapshots_shell import FIXED_OAUTH_URL

SMALL = (80, 24)
SIZES = pytest.mark.parametrize("size", [SMALL, SIZE], ids=["80x24", "120x36"])

PICK_ITEMS = [
    PickItem("a1", "📄 Launch plan", "page"),
    PickItem("a2", "📄 Offline mode", "page"),
    PickItem("a3", "Quarterly review notes", "page"),
]


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
    app.clear_notifications()
    await pilot.pause()


@SIZES
@pytest.mark.parametrize(
    "name",
    ["confirm", "prompt", "error", "revoked", "drafts", "draft_compare"],
)
def test_dialog(
    snap_compare: Any, snapshot_app: AlloyApp, tmp_path: Path, name: str, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        modal = dialogs(tmp_path, FIXED_NOW)[name]()
        await pilot.app.push_screen(modal)
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=size, run_before=run_before)


def test_connect_modal_80x24(snap_compare: Any, snapshot_app: AlloyApp) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        modal = ConnectModal(start=False, clock=lambda: 1000.0)
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

    assert snap_compare(snapshot_app, terminal_size=SMALL, run_before=run_before)


@SIZES
def test_picker(snap_compare: Any, snapshot_app: AlloyApp, size: tuple[int, int]) -> None:
    async def search(query: str) -> list[PickItem]:
        return [item for item in PICK_ITEMS if query.casefold() in item.label.casefold()]

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        modal = PickerModal("Link pages: Related", search, multiple=True, selected=PICK_ITEMS[1:2])
        await pilot.app.push_screen(modal)
        results = modal.query_one("#picker-results", SelectionList)
        await wait_until(pilot, lambda: results.option_count == len(PICK_ITEMS))
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=size, run_before=run_before)


@SIZES
def test_sort_builder(snap_compare: Any, snapshot_app: AlloyApp, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await _open_tasks(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SortBuilderModal))
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=size, run_before=run_before)


@SIZES
def test_new_page_screen(snap_compare: Any, snapshot_app: AlloyApp, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.new_page(None)
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CreatePageScreen))
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=size, run_before=run_before)
