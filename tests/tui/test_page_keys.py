"""The page opens on its fields, not inside them: letters are commands until a field is edited;
each field's change can be undone or reverted; typed joiners are kept; Ctrl+Q asks."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Checkbox, Input

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.screens.page import PageScreen
from alloy_tui.tui.widgets.properties import PropertyField
from tests.tui.conftest import SIZE, build_app, settle, wait_until
from tests.tui.pages_helpers import find_database, new_row, requests_for, started
from tests.tui.test_page_editor import field, open_row

FAMILY = "👨\u200d👩\u200d👧"


async def open_titled(pilot: Any, title: str) -> tuple[PageScreen, PropertyField]:
    screen, _, _ = await open_row(pilot, title)
    await wait_until(pilot, lambda: screen.body_loaded)
    await settle(pilot)
    name = field(screen, "Name")
    return screen, name


async def type_keys(pilot: Any, text: str) -> None:
    """Key by key, as a terminal sends them: one Key event per code point."""
    app = pilot.app
    for char in text:
        app.post_message(events.Key(char if char.isprintable() else f"u{ord(char):x}", char))
        await pilot.pause()


async def test_the_first_key_on_a_fresh_page_is_a_command_not_text(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, name = await open_titled(pilot, "First key row")
        assert screen.focused is name  # the field, not its editor
        await pilot.press("e")  # what the screen advertises: "F2 or e to edit" the body
        await pilot.pause()
        assert screen.editing
        assert name.value == "First key row"
        assert not screen.dirty
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.editing
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert requests_for(app, "patch-page") == []


async def test_enter_edits_the_highlighted_field_and_esc_leaves_it(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, name = await open_titled(pilot, "Enter row")
        await pilot.press("j")  # letters move between fields
        await pilot.pause()
        second = screen.focused
        assert isinstance(second, PropertyField) and second is not name
        await pilot.press("k", "enter", "x", "y")  # the text is not selected: typing appends
        await pilot.pause()
        assert name.value == "Enter rowxy"
        editor = screen.focused
        assert isinstance(editor, Input)
        await pilot.press("escape")
        await pilot.pause()
        assert screen.focused is name  # out of the editor, still on the page
        assert isinstance(app.screen, PageScreen)
        assert screen.dirty
        await pilot.press("u")  # undo the whole visit, not one key
        await pilot.pause()
        assert name.value == "Enter row"
        assert not screen.dirty


async def test_x_reverts_a_field_and_enter_ticks_a_checkbox(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_titled(pilot, "Revert row")
        estimate = field(screen, "Estimate")
        estimate.query_one(Input).value = "42"
        await pilot.pause()
        assert screen.dirty
        estimate.focus()
        await pilot.press("x")
        await pilot.pause()
        assert estimate.value == ""
        assert not screen.dirty
        await pilot.press("ctrl+z")  # the revert itself can be undone
        await pilot.pause()
        assert estimate.value == "42"
        review = field(screen, "Needs review")
        review.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert review.query_one(Checkbox).value is True
        assert screen.focused is review
        session = screen.session
        assert session is not None
        assert sorted(session.inputs) == ["Estimate", "Needs review"]


async def test_revert_all_asks_then_puts_back_every_field(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, name = await open_titled(pilot, "Revert all row")
        name.query_one(Input).value = "Changed"
        field(screen, "Estimate").query_one(Input).value = "3"
        await pilot.pause()
        name.focus()
        await pilot.press("X")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.click("#confirm")
        await pilot.pause()
        assert name.value == "Revert all row"
        assert field(screen, "Estimate").value == ""
        assert not screen.dirty


async def test_a_zwj_family_typed_key_by_key_is_kept_whole(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, name = await open_titled(pilot, "Emoji row")
        await pilot.press("enter")
        await type_keys(pilot, " " + FAMILY + " \u05e9\u05dc\u05d5\u05dd\u200f")
        assert name.value == "Emoji row " + FAMILY + " שלום\u200f"
        assert screen.flush_draft()
        draft = screen.draft
        assert draft is not None
        assert draft.property_inputs["Name"].endswith(FAMILY + " שלום\u200f")
        await pilot.press("ctrl+s")
        await settle(pilot)
        page = await app.state.notion.get_page(screen.page_id)
        title = "".join(t["plain_text"] for t in page["properties"]["Name"]["title"])
        assert title == "Emoji row " + FAMILY + " שלום\u200f"


async def test_a_zwj_typed_into_the_body_editor_is_kept(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_titled(pilot, "Emoji body row")
        await pilot.press("e")
        await pilot.pause()
        assert screen.editing
        await type_keys(pilot, FAMILY)
        assert FAMILY in screen.body_editor.text
        assert screen.flush_draft()
        assert screen.draft is not None and FAMILY in (screen.draft.body_markdown or "")


async def test_ctrl_q_with_unsaved_edits_asks_and_keeps_the_draft(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, name = await open_titled(pilot, "Quit row")
        name.query_one(Input).value = "Quit row, edited"
        await pilot.pause()
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert app.is_running
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert app.screen is screen and app.is_running
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: not app.is_running)
    connection = screen.connection_id
    assert connection is not None
    kept = app.state.drafts.load(screen.page_id, connection)
    assert kept is not None and kept.property_inputs == {"Name": "Quit row, edited"}


async def test_ctrl_q_without_edits_quits_at_once(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        tasks = await find_database(app, "Tasks")
        app.open_page(await new_row(app, tasks, "Clean quit row"))
        await settle(pilot)
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running)
