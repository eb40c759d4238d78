"""The Database screen's keys against a real sandbox: g/G (G loading every page, Esc or a
cursor key stopping it, a repeated cursor ending it), sorting from the header by click and by
keyboard, and the title column pinned while the others scroll sideways."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Select

from alloy_tui.alloy.models import ResultPage
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.sort_builder import SortBuilderModal, SortRow
from alloy_tui.tui.screens.database import (
    ALL_PAGE_SIZE,
    PAGE_SIZE,
    DatabaseScreen,
    cycle_sort,
    sort_mark,
)
from alloy_tui.tui.widgets.rows_table import RowsTable
from tests.tui.conftest import SIZE, build_app, settle, wait_until
from tests.tui.pages_helpers import find_database, requests_for, started

TASKS = 300
"""Rows in the seeded Tasks database (a private sandbox: nothing added by other tests)."""
SMALL = (80, 24)
QUERY = "post-database-query"


@pytest.fixture
def pristine(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    return sandbox_factory(rate_limit=False)


async def open_tasks(pilot: Any) -> DatabaseScreen:
    app = await started(pilot)
    tasks = await find_database(app, "Tasks")
    app.open_database(str(tasks["id"]))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, DatabaseScreen)
    await wait_until(pilot, lambda: screen.table.row_count > 0 and not screen.table.loading)
    screen.table.focus()
    await pilot.pause()
    return screen


def count_line(screen: DatabaseScreen) -> str:
    return str(screen.query_one("#db-count").render())


def labels(table: RowsTable) -> list[str]:
    return [str(column.label) for column in table.columns.values()]


def column_values(table: RowsTable, label: str) -> list[str]:
    position = [name.split(" ")[0] for name in labels(table)].index(label)
    return [str(table.get_row_at(row)[position]) for row in range(table.row_count)]


class Gate:
    """Holds the queries G sends after the first `free` ones until `open()`: the test sees
    the screen mid-load, as a slow server would leave it, without sleeping."""

    def __init__(self, notion: NotionAPI, free: int) -> None:
        self.real = notion.query_database
        self.free = free
        self.opened = asyncio.Event()
        self.waiting = 0
        self.passed = 0

    async def query_database(self, *args: Any, **kwargs: Any) -> ResultPage:
        if kwargs.get("page_size") == ALL_PAGE_SIZE and self.passed >= self.free:
            self.waiting += 1
            try:
                await self.opened.wait()
            finally:
                self.waiting -= 1
        if kwargs.get("page_size") == ALL_PAGE_SIZE:
            self.passed += 1
        return await self.real(*args, **kwargs)


async def test_G_loads_every_page_and_lands_on_the_last_row(pristine: SandboxServer) -> None:
    app = build_app(pristine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tasks(pilot)
        table = screen.table
        assert table.row_count == PAGE_SIZE
        assert count_line(screen) == f"{PAGE_SIZE} rows · more below"
        before = len(requests_for(app, QUERY))
        await pilot.press("G")
        await wait_until(pilot, lambda: not screen.loading_all and table.cursor_row > 0)
        await settle(pilot)
        assert table.row_count == TASKS
        assert table.cursor_row == TASKS - 1
        assert count_line(screen) == f"{TASKS} rows"
        # 250 rows left, 100 a page: three more queries, each following the last cursor.
        assert len(requests_for(app, QUERY)) == before + 3
        # The last row is on screen under the cursor.
        assert table.scroll_y == table.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_y == 0


async def test_G_shows_its_progress_and_Esc_stops_it_where_it_got(
    pristine: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(pristine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tasks(pilot)
        table = screen.table
        gate = Gate(app.state.notion, free=1)
        monkeypatch.setattr(app.state.notion, "query_database", gate.query_database)
        await pilot.press("G")
        # The final state mid-load: one page followed, the next one held at the server.
        await wait_until(pilot, lambda: gate.waiting == 1 and table.row_count == 150)
        await pilot.pause()
        assert count_line(screen) == "loading… 150 rows · Esc stops"
        await pilot.press("j", "k")  # the screen answers keys while it loads...
        await wait_until(pilot, lambda: not screen.loading_all)
        assert gate.waiting == 0  # ...and a cursor key stopped it: the held query is gone
        assert count_line(screen) == "150 rows · more below"
        assert table.cursor_row == 0  # j then k: the cursor is where the user put it

        await pilot.press("G")
        await wait_until(pilot, lambda: gate.waiting == 1)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.loading_all)
        assert app.screen is screen  # Esc stopped the loading; it did not leave the screen
        assert gate.waiting == 0
        gate.opened.set()
        await settle(pilot)
        assert table.row_count == 150  # nothing arrived after Esc
        assert count_line(screen) == "150 rows · more below"
        # Up on the first row moves nothing, yet it is a cursor key: it stops the loading too.
        gate.free, gate.passed, gate.opened = 0, 0, asyncio.Event()
        await pilot.press("G")
        await wait_until(pilot, lambda: gate.waiting == 1)
        await pilot.press("up")
        await wait_until(pilot, lambda: not screen.loading_all)
        assert gate.waiting == 0 and table.cursor_row == 0 and table.row_count == 150

        await pilot.press("escape")  # with nothing loading, Esc goes back
        await settle(pilot)
        assert app.screen is not screen


async def test_G_stops_at_a_cursor_the_server_hands_back_twice(
    pristine: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(pristine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tasks(pilot)
        table = screen.table
        notion = app.state.notion
        real = notion.query_database
        first_cursor = screen.next_cursor
        calls: list[str | None] = []

        async def repeating(*args: Any, **kwargs: Any) -> ResultPage:
            # A server that answers every page with the first page's cursor again.
            calls.append(kwargs.get("start_cursor"))
            page = await real(*args, **kwargs)
            return ResultPage(page.results, first_cursor, True)

        monkeypatch.setattr(notion, "query_database", repeating)
        await pilot.press("G")
        await wait_until(pilot, lambda: not screen.loading_all and table.cursor_row > 0)
        await settle(pilot)
        assert calls == [first_cursor]  # followed once, never again
        assert table.row_count == PAGE_SIZE + ALL_PAGE_SIZE
        assert table.cursor_row == table.row_count - 1
        assert "the rows end here (Notion repeated a page of results)" in count_line(screen)


async def test_clicking_a_header_sorts_up_then_down_then_not(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tasks(pilot)
        table = screen.table
        position = labels(table).index("Estimate")

        async def click_estimate() -> None:
            """Click Estimate's label where it is now: a new order refits the columns to the
            rows it shows, so the label can move a few cells between clicks."""
            widths = [c.inner_width + 2 * table.cell_padding for c in table.columns.values()]
            # Estimate is right of the 120 columns: scroll it to just right of the pinned title.
            table.scroll_to(x=sum(widths[1:position]), animate=False, immediate=True)
            await pilot.pause()
            x = sum(widths[:position]) - int(table.scroll_x)
            assert x == widths[0] and table.render_line(0).text[x:].startswith(" Estimate")
            await pilot.click(RowsTable, offset=(x + 2, 0))
            await settle(pilot)

        await click_estimate()
        assert screen.sorts == [{"property": "Estimate", "direction": "ascending"}]
        assert labels(table)[position] == "Estimate ↑"
        numbers = [float(v) for v in column_values(table, "Estimate") if v]
        assert numbers and numbers == sorted(numbers)
        assert requests_for(app, QUERY)[-1].finished

        await click_estimate()
        assert labels(table)[position] == "Estimate ↓"
        numbers = [float(v) for v in column_values(table, "Estimate") if v]
        assert numbers == sorted(numbers, reverse=True)
        assert "Sort: Estimate ↓" in str(screen.query_one("#db-query").render())

        await click_estimate()
        assert screen.sorts == []
        assert labels(table)[position] == "Estimate"
        assert "All rows" in str(screen.query_one("#db-query").render())


async def test_keyboard_sort_from_the_header(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tasks(pilot)
        table = screen.table
        await pilot.press("greater_than_sign")  # into the header, on the title
        await pilot.pause()
        assert table.column_cursor == 0
        assert "Enter sorts by Name ↑" in count_line(screen)
        position = labels(table).index("Estimate")
        for _ in range(position):
            await pilot.press("right")  # in the header, ←/→ move along the labels
        await pilot.pause()
        assert table.column_cursor == position
        assert "Enter sorts by Estimate ↑" in count_line(screen)
        await pilot.press("enter", "enter")  # ascending, then descending
        await settle(pilot)
        assert screen.sorts == [{"property": "Estimate", "direction": "descending"}]
        assert labels(table)[position] == "Estimate ↓"
        assert "Enter stops sorting by Estimate" in count_line(screen)
        numbers = [float(v) for v in column_values(table, "Estimate") if v]
        assert numbers == sorted(numbers, reverse=True)
        await pilot.press("escape")  # out of the header, still on the screen
        await pilot.pause()
        assert table.column_cursor is None and app.screen is screen
        assert "Enter" not in count_line(screen)
        await pilot.press("enter")  # Enter is back to opening the row
        await settle(pilot)
        assert app.screen is not screen


async def test_several_sorts_number_their_labels(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tasks(pilot)
        await pilot.press("s")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SortBuilderModal)
        await pilot.press("ctrl+a")
        await settle(pilot)
        first, second = modal.query(SortRow)
        first.query_one(".property-select", Select).value = "Due"
        first.query_one(".direction-select", Select).value = "descending"
        second.query_one(".property-select", Select).value = "Name"
        await pilot.press("ctrl+s")
        await settle(pilot)
        names = labels(screen.table)
        assert "Due ↓1" in names and "Name ↑2" in names
        # A click on Due's label turns its sort off; Name's stays and loses its number.
        await pilot.press("greater_than_sign")
        for _ in range(names.index("Due ↓1")):
            await pilot.press("right")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.sorts == [{"property": "Name", "direction": "ascending"}]
        names = labels(screen.table)
        assert "Name ↑" in names and "Due" in names


def test_cycle_sort_and_its_marks() -> None:
    due_down = {"property": "Due", "direction": "descending"}
    assert cycle_sort([], "Due") == [{"property": "Due", "direction": "ascending"}]
    assert cycle_sort([{"property": "Due", "direction": "ascending"}], "Due") == [due_down]
    assert cycle_sort([due_down], "Due") == []
    both = [due_down, {"property": "Name", "direction": "ascending"}]
    assert cycle_sort(both, "Name") == [due_down, {"property": "Name", "direction": "descending"}]
    assert cycle_sort(both, "Tags") == [{"property": "Tags", "direction": "ascending"}]
    assert both[1]["direction"] == "ascending"  # the sorts given are not changed
    assert sort_mark(both, "Due") == " ↓1" and sort_mark(both, "Name") == " ↑2"
    assert sort_mark([due_down], "Due") == " ↓" and sort_mark(both, "Tags") == ""


async def test_the_title_stays_when_scrolled_right_at_80x24(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_tasks(pilot)
        table = screen.table
        assert table.fixed_columns == 1
        title = str(table.get_row_at(0)[0])
        assert table.max_scroll_x > 0, "the Tasks columns are wider than 80 cells"
        await pilot.press("end")  # scrolled right as far as it goes
        await pilot.pause()
        assert table.scroll_x == table.max_scroll_x
        header = table.render_line(0).text
        assert header.startswith(" Name ")
        assert header.rstrip().endswith(labels(table)[-1])  # the last column is in view
        assert table.render_line(1).text.startswith(f" {title}")
        # A click on the pinned label still finds the title column.
        await pilot.click(RowsTable, offset=(2, 0))
        await settle(pilot)
        assert screen.sorts == [{"property": "Name", "direction": "ascending"}]
