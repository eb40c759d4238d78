"""Back from a page opened in Search: its row shows what became of it (trashed, renamed,
gone), since Notion's search would no longer list it or would list it under its old title."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Label

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.screens.page import PageScreen
from alloy_tui.tui.screens.search import SearchScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import find_database, new_row, requests_for, started


async def _search_for(app: AlloyApp, pilot: Any, text: str) -> SearchScreen:
    app.action_search()
    screen = expect_screen(app, SearchScreen)
    await settle(pilot)
    screen.query_one("#search-input", Input).value = text
    # Let the field's change message start its debounce, then search at once (which stops it),
    # so no later search clears the rows under the test's keys.
    await settle(pilot)
    screen.run_search()
    summary = screen.query_one("#search-summary", Label)
    await wait_until(pilot, lambda: f"1 result for “{text}”" in str(summary.render()))
    return screen


async def _opened_from_search(app: AlloyApp, pilot: Any, title: str) -> tuple[str, SearchScreen]:
    """A new Tasks row titled `title`, found in Search and opened with Enter (body loaded)."""
    await started(pilot)
    tasks = await find_database(app, "Tasks")
    page_id = await new_row(app, tasks, title)
    screen = await _search_for(app, pilot, title)
    screen.set_focus(screen.table)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, PageScreen))
    page = expect_screen(app, PageScreen)
    await wait_until(pilot, lambda: page.body_loaded)
    await settle(pilot)
    return page_id, screen


async def test_a_page_trashed_from_the_editor_is_marked_in_the_results(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        page_id, screen = await _opened_from_search(app, pilot, "Row to trash from search")
        reads = len(requests_for(app, "retrieve-a-page"))
        await pilot.press("ctrl+d")
        await settle(pilot)
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: screen.table.get_cell(page_id, "kind") == "trashed")
        await settle(pilot)
        assert str(screen.table.get_cell(page_id, "title")) == "🗑 Row to trash from search"
        assert len(requests_for(app, "retrieve-a-page")) == reads + 1  # one read, that row's


async def test_a_page_renamed_elsewhere_shows_its_new_title_on_the_way_back(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        page_id, screen = await _opened_from_search(app, pilot, "Row renamed meanwhile")
        # A second writer renames it while it is open; then the user goes back.
        await app.state.notion.update_page(
            page_id, {"Name": {"title": [{"type": "text", "text": {"content": "Renamed row"}}]}}
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(
            pilot, lambda: str(screen.table.get_cell(page_id, "title")).endswith("Renamed row")
        )
        assert screen.table.get_cell(page_id, "kind") == "page"
