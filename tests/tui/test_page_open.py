"""Opening a page: its frame shows at once (the title a search row gave, "Loading the page…"),
and a page in the trash opens read-only, marked, with restore on u and in the palette."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.command import CommandList, CommandPalette
from textual.widgets import Static

from alloy_tui.notion.models import is_trashed
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.screens.page import PageScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import find_database, new_row, started
from tests.tui.test_body_editor import inject_faults


def _text(screen: PageScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _trashed_row(app: AlloyApp, title: str) -> str:
    tasks = await find_database(app, "Tasks")
    page_id = await new_row(app, tasks, title)
    await app.state.notion.trash_page(page_id)
    return page_id


async def test_the_frame_shows_at_once_with_the_search_rows_title(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(rate_limit=False)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        tasks = await find_database(app, "Tasks")
        page_id = await new_row(app, tasks, "Slow page row")
        found = await app.state.notion.search("Slow page row", filter_object="page")
        for row in found.results:
            app.state.remember_title(row)  # what the search screen does with its rows
        inject_faults(server, {"kind": "latency", "ms": 3000, "match": "retrieve-a-page"})
        app.open_page(page_id)
        await pilot.pause()
        screen = expect_screen(app, PageScreen)
        # Before Notion answers: the title and what is happening, not a blank screen.
        assert screen.page is None
        assert _text(screen, "#page-title") == "Slow page row"
        assert _text(screen, "#page-meta") == "Loading the page…"
        assert screen.query_one("#page-scroll").loading
        await wait_until(pilot, lambda: screen.body_loaded)
        await settle(pilot)
        assert _text(screen, "#page-title").endswith("Slow page row")
        assert "edited" in _text(screen, "#page-meta")


async def test_a_trashed_page_opens_read_only_and_u_restores_it(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        page_id = await _trashed_row(app, "Trashed row")
        app.open_page(page_id)
        screen = expect_screen(app, PageScreen)
        await wait_until(pilot, lambda: screen.body_loaded)
        await settle(pilot)
        assert screen.trashed and screen.has_class("-trashed")
        assert "read-only" in _text(screen, "#page-trashed")
        assert not screen.query_one("#page-trashed").has_class("hidden")
        assert screen.form is not None and screen.form.disabled
        shown = {b.binding.action for b in screen.active_bindings.values() if b.binding.show}
        assert "save" not in shown and "trash" not in shown and "restore" in shown
        await pilot.press("e")  # no body editor for a page in the trash
        await pilot.pause()
        assert not screen.editing
        await pilot.press("u")
        await wait_until(pilot, lambda: screen.page is not None and not screen.trashed)
        await settle(pilot)
        assert screen.query_one("#page-trashed").has_class("hidden")
        assert screen.form is not None and not screen.form.disabled
        assert not is_trashed(await app.state.notion.get_page(page_id))


def _palette_options(app: Any) -> int:
    lists = app.screen.query(CommandList)
    return lists.first().option_count if lists else 0


async def test_the_palette_restores_a_trashed_page(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        page_id = await _trashed_row(app, "Palette trashed row")
        app.open_page(page_id)
        screen = expect_screen(app, PageScreen)
        await wait_until(pilot, lambda: screen.body_loaded)
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"restore from")
        await wait_until(pilot, lambda: _palette_options(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.page is not None and not screen.trashed)
        await settle(pilot)
        assert not is_trashed(await app.state.notion.get_page(page_id))
