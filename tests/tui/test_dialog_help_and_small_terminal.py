"""Help inside dialogs, dialog footers, and the layouts of an 80x24 terminal."""

from __future__ import annotations

from typing import Any

from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Select

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.connect import ConnectModal
from alloy_tui.tui.modals.filter_builder import ConditionRow, FilterBuilderModal
from alloy_tui.tui.modals.help import HelpModal
from alloy_tui.tui.modals.sort_builder import SortBuilderModal
from alloy_tui.tui.screens.create import CreatePageScreen
from alloy_tui.tui.screens.database import DatabaseScreen
from alloy_tui.tui.screens.search import KIND_WIDTH, SearchScreen, fitted_widths
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import find_database, started

SMALL = (80, 24)


def _inside(inner: Region, outer: Region) -> bool:
    """Whether region `inner` lies entirely within region `outer`."""
    return (
        inner.x >= outer.x
        and inner.y >= outer.y
        and inner.right <= outer.right
        and inner.bottom <= outer.bottom
    )


async def _open_tasks(pilot: Pilot[Any]) -> Screen[object]:
    app = await started(pilot)
    tasks = await find_database(app, "Tasks")
    app.open_database(str(tasks["id"]))
    await settle(pilot)
    await wait_until(pilot, lambda: expect_screen(app, DatabaseScreen).table.row_count > 0)
    return app.screen


async def test_f1_in_a_dialog_explains_the_dialog_and_f1_closes_it(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await _open_tasks(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterBuilderModal)
        # A modal hides the app's bindings: F1 used to do nothing in every dialog.
        await pilot.press("f1")
        await pilot.pause()
        help_modal = app.screen
        assert isinstance(help_modal, HelpModal)
        assert help_modal.help_title == "Filter rows"
        assert "Ctrl+A" in help_modal.help_markdown
        described = {row.does for row in help_modal.rows}
        assert {"Apply this filter", "Add a condition", "Keep the old filter"} <= described
        # F1 again closes the help and leaves the dialog as it was.
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, FilterBuilderModal)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SortBuilderModal)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        assert app.screen.help_title == "Sort rows"


async def test_f1_in_a_dialog_without_its_own_help_still_lists_its_keys(
    sandbox: SandboxServer,
) -> None:
    class Bare(ModalScreen[None]):
        BINDINGS = [("ctrl+x", "dismiss", "Throw away")]

    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(Bare())
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        assert app.screen.help_title == "Bare"
        assert "Esc" in app.screen.help_markdown
        assert "Throw away" in {row.does for row in app.screen.rows}


async def test_dialogs_show_their_own_keys_in_a_footer(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConnectModal(start=False))
        await pilot.pause()
        # The screen below kept showing its own keys (c Connect, d Delete) which did
        # nothing while the dialog was up; the dialog's footer covers it with its keys.
        footer = app.screen.query_one(Footer)
        assert footer.region.bottom == SIZE[1]
        shown = {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}
        assert {"cancel", "copy_url", "open_url"} <= shown


def test_search_columns_fit_the_terminal() -> None:
    # Wide terminals keep the designed widths (the snapshots are unchanged).
    assert fitted_widths(120) == (52, 30)
    title, parent = fitted_widths(80)
    # kind + edited 14 + padding 8 + scrollbar 2 leave the rest to title and parent.
    assert title + parent + KIND_WIDTH + 14 + 8 + 2 == 80
    assert title > parent >= 10


async def test_search_shows_every_column_at_80x24(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.action_search()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await wait_until(pilot, lambda: screen.table.row_count > 0)
        table = screen.table
        # "Last edited" was pushed past the right edge by a fixed 52-cell title.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        # Growing the terminal gives the room back.
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        await wait_until(pilot, lambda: table.columns[next(iter(table.columns))].width == 52)


async def test_filter_row_fits_the_dialog_at_80x24(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SMALL) as pilot:
        await _open_tasks(pilot)
        await pilot.press("f")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, FilterBuilderModal)
        row = modal.query_one(ConditionRow)
        row.query_one(".property-select", Select).value = "Status"
        await settle(pilot)
        dialog = modal.query_one("#dialog").region
        # The value and the remove button were cut off at the dialog's right edge.
        for selector in (".property-select", ".condition-select", ".operand", ".remove-row"):
            widget = row.query_one(selector)
            assert _inside(widget.region, dialog), selector


async def test_new_page_says_where_it_goes_and_keeps_the_form_tall(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SMALL) as pilot:
        screen = await _open_tasks(pilot)
        await pilot.press("n")
        await settle(pilot)
        create = app.screen
        assert isinstance(create, CreatePageScreen)
        assert screen is not create
        where = create.query_one("#create-parent")
        # The radio set took the whole width and pushed this sentence off the screen.
        assert "A new row of Tasks" in str(where.render())
        assert where.region.width > 0 and where.region.right <= SMALL[0]
        # The button row took half the screen from the form.
        assert create.query_one("#create-buttons").region.height <= 4
        assert create.query_one("#create-scroll").region.height >= 8
