"""The database screen against a real sandbox: paging on scroll, filter builder, sorts, open."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Select

from alloy_tui.notion.filters import conditions_for
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.filter_builder import (
    ConditionRow,
    FilterBuilderModal,
    FilterCondition,
    FilterSpec,
)
from alloy_tui.tui.modals.sort_builder import SortBuilderModal
from alloy_tui.tui.screens.database import PAGE_SIZE, DatabaseScreen
from alloy_tui.tui.screens.page import PageScreen
from tests.tui.conftest import SIZE, build_app, settle, wait_until
from tests.tui.pages_helpers import find_database, started


async def open_tasks(pilot: Any) -> tuple[DatabaseScreen, dict[str, Any]]:
    app = await started(pilot)
    tasks = await find_database(app, "Tasks")
    app.open_database(str(tasks["id"]))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, DatabaseScreen)
    await wait_until(pilot, lambda: screen.table.row_count > 0)
    return screen, tasks


async def test_rows_page_in_as_the_cursor_nears_the_end(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, tasks = await open_tasks(pilot)
        table = screen.table
        assert table.row_count == PAGE_SIZE
        assert screen.has_more
        columns = [str(c.label) for c in table.columns.values()]
        assert columns[0] == "Name"
        assert set(columns) == set(tasks["properties"])
        queries = len([r for r in app.state.log.records() if r.action == "post-database-query"])
        table.move_cursor(row=PAGE_SIZE - 2)
        await settle(pilot)
        assert table.row_count == 2 * PAGE_SIZE
        after = len([r for r in app.state.log.records() if r.action == "post-database-query"])
        assert after == queries + 1
        assert "rows" in str(screen.query_one("#db-count").render())


async def test_filter_builder_offers_only_valid_conditions(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_tasks(pilot)
        await pilot.press("f")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, FilterBuilderModal)
        row = modal.query_one(ConditionRow)
        for name, kind in (
            ("Needs review", "checkbox"),
            ("Estimate", "number"),
            ("Tags", "multi_select"),
            ("Due", "date"),
        ):
            row.query_one(".property-select", Select).value = name
            await settle(pilot)
            offered = [
                value
                for _, value in row.query_one(".condition-select", Select)._options
                if value is not Select.NULL
            ]
            assert tuple(offered) == conditions_for(kind), kind
        assert screen is not app.screen


async def test_filter_query_returns_matching_rows(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_tasks(pilot)
        await pilot.press("f")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, FilterBuilderModal)
        row = modal.query_one(ConditionRow)
        row.query_one(".property-select", Select).value = "Estimate"
        await settle(pilot)
        row.query_one(".condition-select", Select).value = "greater_than"
        await settle(pilot)
        row.query_one(".operand", Input).value = "5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.filter == FilterSpec(
            (FilterCondition("Estimate", "number", "greater_than", 5),)
        )
        assert "Estimate greater than 5" in str(screen.query_one("#db-query").render())
        table = screen.table
        assert table.row_count > 0
        column = list(table.columns).index(
            next(k for k, c in table.columns.items() if str(c.label) == "Estimate")
        )
        estimates = [float(str(table.get_row_at(i)[column])) for i in range(table.row_count)]
        assert all(e > 5 for e in estimates)
        await pilot.press("x")
        await settle(pilot)
        assert not screen.filter
        assert table.row_count == PAGE_SIZE


async def test_incomplete_condition_is_refused_in_the_dialog(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_tasks(pilot)
        await pilot.press("f")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, FilterBuilderModal)
        row = modal.query_one(ConditionRow)
        row.query_one(".property-select", Select).value = "Estimate"
        await settle(pilot)
        row.query_one(".operand", Input).value = "lots"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is modal
        assert "'lots' is not a number" in str(modal.query_one("#filter-error").render())


async def test_sort_orders_rows(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_tasks(pilot)
        await pilot.press("s")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SortBuilderModal)
        modal.query_one(".property-select", Select).value = "Estimate"
        modal.query_one(".direction-select", Select).value = "descending"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.sorts == [{"property": "Estimate", "direction": "descending"}]
        table = screen.table
        column = next(
            i for i, c in enumerate(table.columns.values()) if str(c.label) == "Estimate ↓"
        )
        values = [table.get_row_at(i)[column] for i in range(table.row_count)]
        numbers = [float(str(v)) for v in values if str(v)]
        assert numbers == sorted(numbers, reverse=True)
        assert "Estimate ↓" in str(screen.query_one("#db-query").render())


async def test_enter_opens_the_row(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_tasks(pilot)
        screen.table.focus()
        await pilot.press("j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PageScreen)
        assert app.screen.page_id == screen.table.cursor_key
