"""Keys every screen shares: ? and F1 open the help (a table per place: key, what, id), q goes
back one screen and quits from the first, g/G jump to the first and last connection."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from textual.widgets import Input

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.help import EVERYWHERE, HelpModal, KeyGroup, KeyRow, keys_table
from alloy_tui.tui.screens.connections import ConnectionsScreen
from alloy_tui.tui.screens.page import PageScreen
from alloy_tui.tui.screens.search import SearchScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.test_connections import _connect_one
from tests.tui.test_page_keys import open_titled


async def test_question_mark_opens_help_grouped_with_ids_and_closes_it(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        help_modal = expect_screen(app, HelpModal)
        titles = [group.title for group in help_modal.groups]
        assert titles[0] == "Connections"
        assert titles.count(EVERYWHERE) == 1 and titles[-1] == EVERYWHERE
        ids = {row.binding_id: row for row in help_modal.rows}
        assert ids["connections.connect"].keys == "c"
        assert ids["connections.last"].keys == "G"
        assert {"app.help", "app.back", "app.quit", "app.requests", "app.palette"} <= set(ids)
        assert ids["app.help"].keys == "f1 / ?"
        # Textual's widget internals are not the app's keys.
        described = " ".join(row.does for row in help_modal.rows)
        assert "Page" not in described and "Scroll" not in described
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, ConnectionsScreen)


async def test_help_shows_a_remapped_key_under_its_id(sandbox: SandboxServer) -> None:
    app = build_app(sandbox, keymap={"connections.refresh": "f5"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        rows = {row.binding_id: row for row in expect_screen(app, HelpModal).rows}
        assert rows["connections.refresh"].keys == "f5"


async def test_help_on_a_page_lists_the_page_the_field_and_the_app_apart(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_titled(pilot, "Help row")
        await pilot.press("question_mark")
        await pilot.pause()
        help_modal = expect_screen(app, HelpModal)
        by_title = {group.title: group for group in help_modal.groups}
        assert help_modal.groups[0].title == screen.title
        page_ids = {row.binding_id for row in help_modal.groups[0].rows}
        assert {"page.save", "page.back", "page.edit_body"} <= page_ids
        assert EVERYWHERE in by_title
        field_ids = {row.binding_id for group in help_modal.groups[1:-1] for row in group.rows}
        assert "property.edit" in field_ids
        # Each id is listed once, in one place.
        listed = [row.binding_id for row in help_modal.rows]
        assert len(listed) == len(set(listed))


def test_the_keys_table_has_no_rule_between_rows() -> None:
    group = KeyGroup(
        "Page",
        (KeyRow("^s", "Save", "page.save"), KeyRow("esc", "Back", "page.back")),
    )
    console = Console(width=80, record=True)
    console.print(keys_table(group))
    lines = [line for line in console.export_text().splitlines() if line.strip()]
    # The header, one rule under it, then one line per row.
    assert len(lines) == 4
    assert "page.save" in lines[2] and "page.back" in lines[3]


async def test_question_mark_in_a_text_field_is_typed(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        await settle(pilot)
        field = app.screen.focused
        assert isinstance(field, Input)
        await pilot.press("w", "h", "y", "question_mark", "q")
        await pilot.pause()
        assert field.value == "why?q"
        assert isinstance(app.screen, SearchScreen)


async def test_q_goes_back_one_screen_then_quits(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        await settle(pilot)
        await pilot.press("down")  # out of the query field, into the results
        await settle(pilot)
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen))
        assert app.return_code is None
        await pilot.press("q")
        await wait_until(pilot, lambda: app.return_code == 0)


async def test_q_on_an_edited_page_asks_before_leaving(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, name = await open_titled(pilot, "Q row")
        await pilot.press("enter", "x", "escape")
        await pilot.pause()
        assert screen.dirty and screen.focused is name
        await pilot.press("q")
        await pilot.pause()
        expect_screen(app, ConfirmModal)
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert expect_screen(app, PageScreen) is screen and screen.dirty


async def test_g_and_shift_g_jump_to_the_first_and_last_connection(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    app = build_app(sandbox_factory(auto_consent=True, rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _connect_one(app, pilot)
        table = expect_screen(app, ConnectionsScreen).table
        assert table.row_count >= 2
        await pilot.press("g")
        await pilot.pause()
        assert table.cursor_row == 0
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        await pilot.pause()
        assert table.cursor_row == 0
