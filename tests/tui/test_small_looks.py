"""Small looks: a checkbox property shows its whole box (not "▐X…"); the question before
leaving an edited body starts with a capital ("Your body edit of …")."""

from __future__ import annotations

from textual.widgets import Checkbox

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.screens.page import PageScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import find_database, new_row, started


async def test_a_checkbox_property_is_drawn_whole(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        tasks = await find_database(app, "Tasks")
        page_id = await new_row(app, tasks, "Checkbox row", **{"Needs review": {"checkbox": True}})
        app.open_page(page_id)
        screen = expect_screen(app, PageScreen)
        await wait_until(pilot, lambda: screen.body_loaded)
        await settle(pilot)
        assert screen.form is not None
        field = screen.form.field("Needs review")
        assert field is not None
        box = field.query_one(Checkbox)
        drawn = box.render()
        assert box.value
        assert len(str(drawn)) <= box.size.width  # nothing cut to an ellipsis


async def test_leaving_an_edited_body_asks_with_a_capital(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        tasks = await find_database(app, "Tasks")
        page_id = await new_row(app, tasks, "Body edit row")
        app.open_page(page_id)
        screen = expect_screen(app, PageScreen)
        await wait_until(pilot, lambda: screen.body_loaded)
        await settle(pilot)
        await pilot.press("e", "x", "escape")
        await wait_until(pilot, lambda: not screen.editing and screen.body_dirty)
        await pilot.press("escape")
        await pilot.pause()
        modal = expect_screen(app, ConfirmModal)
        assert modal.message.startswith("Your body edit of “Body edit row”")
