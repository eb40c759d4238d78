"""The request inspector: live rows, details, copy as curl, errors only, clear; no key shown."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandList

from alloy_tui.alloy.errors import AlloyError
from alloy_tui.alloy.requestlog import RequestRecord
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.screens.connections import ConnectionsScreen
from alloy_tui.tui.screens.requests import (
    RequestsScreen,
    fitted_columns,
    pretty_body,
    retries_text,
)
from alloy_tui.tui.widgets.rows_table import RowsTable
from tests.tui.conftest import SIZE, build_app, settle, wait_until

MISSING_PAGE = "0badc0de-0000-4000-8000-000000000000"


async def _open(app: AlloyApp, pilot: Any) -> RequestsScreen:
    await settle(pilot)
    await pilot.press("ctrl+l")
    await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
    screen = app.screen
    assert isinstance(screen, RequestsScreen)
    await pilot.pause()
    return screen


def _calls(screen: RequestsScreen) -> list[str]:
    table = screen.query_one("#requests-table", RowsTable)
    return [str(table.get_row_at(i)[3]) for i in range(table.row_count)]


async def test_ctrl_l_lists_every_call_and_follows_new_ones(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        table = screen.query_one("#requests-table", RowsTable)
        logged = app.state.log.records()
        assert logged and table.row_count == len(logged)
        assert "/connectors/notion/credentials" in _calls(screen)[0]
        first = table.get_row_at(0)
        assert str(first[2]) == "GET" and str(first[5]) == "200"
        # A call made while the screen is open appears at once, and the cursor follows it.
        await app.state.notion.search("Roadmap", page_size=3)
        await pilot.pause()
        assert table.row_count == len(logged) + 1
        assert _calls(screen)[-1] == "notion · post-search"
        assert table.cursor_row == table.row_count - 1
        details = screen.details_text()
        assert "POST 200" in details
        assert "/actions/post-search/execute" in details
        assert '"query": "Roadmap"' in details  # the request body, pretty-printed
        assert "Response" in details and '"results"' in details
        # ctrl+l again closes the inspector.
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen))


async def test_the_key_never_appears_on_screen_in_details_or_in_curl(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    key = app.state.settings.api_key.reveal()
    assert key == DEFAULT_API_KEY
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # A body that carries the key itself: it must be redacted in every place it shows.
        await app.state.notion.search(key, page_size=1)
        screen = await _open(app, pilot)
        table = screen.query_one("#requests-table", RowsTable)
        table.move_cursor(row=table.row_count - 1)
        await pilot.pause()
        details = screen.details_text()
        assert "post-search" in details and "[REDACTED]" in details
        assert key not in details
        assert key not in app.export_screenshot()
        await pilot.press("y")
        copied = app.clipboard
        assert copied.startswith("curl -X POST ")
        assert "$ALLOY_API_KEY" in copied
        assert key not in copied
        # Every call, not only the highlighted one.
        for record in app.state.log.records():
            assert key not in screen.curl_for(record)
            screen.show_record(record)
            assert key not in screen.details_text()


async def test_errors_only_and_clear(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        with pytest.raises(AlloyError):
            await app.state.notion.get_page(MISSING_PAGE)
        screen = await _open(app, pilot)
        table = screen.query_one("#requests-table", RowsTable)
        everything = table.row_count
        assert everything >= 2
        await pilot.press("e")
        assert table.row_count == 1
        assert str(table.get_row_at(0)[5]) == "404"
        details = screen.details_text()
        assert "404" in details and "notion · retrieve-a-page" in _calls(screen)[0]
        failed = next(r for r in app.state.log.records() if not r.ok)
        assert failed.error is not None and failed.error.split()[0] in details
        await pilot.press("e")
        assert table.row_count == everything
        # c clears the view, not the log; new calls still appear.
        await pilot.press("c")
        assert table.row_count == 0
        assert len(app.state.log) >= everything
        assert "Cleared" in str(screen.query_one("#requests-empty").render())
        await app.state.notion.search("", page_size=1)
        await pilot.pause()
        assert table.row_count == 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen))


async def test_clicking_the_status_bar_activity_opens_the_inspector(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#status-activity")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
        # Clicking it again on the inspector does not stack another one.
        await pilot.click("#status-activity")
        await pilot.pause()
        assert sum(isinstance(s, RequestsScreen) for s in app.screen_stack) == 1


async def test_the_palette_offers_the_inspector(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"request inspector")
        await wait_until(
            pilot,
            lambda: (
                app.screen.query(CommandList) and app.screen.query_one(CommandList).option_count
            ),
        )
        top = app.screen.query_one(CommandList).get_option_at_index(0)
        assert "Requests" in str(top.prompt)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))


def test_pretty_body_cuts_long_bodies_with_a_count() -> None:
    body = {"results": [{"id": str(i)} for i in range(200)]}
    text, is_json, left_out = pretty_body(body, max_lines=10)
    assert is_json and len(text.splitlines()) == 10 and left_out > 500
    text, is_json, left_out = pretty_body('{"a": 1}')
    assert is_json and text == '{\n  "a": 1\n}' and left_out == 0
    text, is_json, _ = pretty_body("plain … (12 more characters)")
    assert not is_json and text.startswith("plain")


def test_retries_column() -> None:
    from datetime import UTC, datetime

    record = RequestRecord(id=1, started_at=datetime(2025, 1, 1, tzinfo=UTC), method="GET", url="")
    assert retries_text(record) == ""
    record.attempts, record.waited_s = 3, 1.5
    assert retries_text(record) == "2 retries · waited 1.5 s"


@pytest.mark.parametrize("width", [80, 90, 99, 100, 108, 120, 200])
def test_fitted_columns_keep_every_shown_column_in_the_terminal(width: int) -> None:
    from alloy_tui.tui.screens.requests import COLUMNS, MIN_CALL_WIDTH

    call, hidden = fitted_columns(width)
    assert hidden == ({"time", "connection"} if width < 100 else set())
    shown = [w if key != "call" else call for _, key, w in COLUMNS if key not in hidden]
    assert sum(w + 2 for w in shown) + 2 <= width  # padding, and the scrollbar's two cells
    assert MIN_CALL_WIDTH <= call <= 34


async def test_requests_at_80_columns_shows_latency_and_retries(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
        await settle(pilot)
        table = app.screen.query_one("#requests-table", RowsTable)
        header = table.render_line(0).text
        assert "Latency" in header and "Retries" in header
        assert "Time" not in header and "Connection" not in header
        assert table.virtual_size.width <= table.scrollable_content_region.width
        await pilot.resize_terminal(120, 36)
        await wait_until(pilot, lambda: "Connection" in table.render_line(0).text)
        assert "Time" in table.render_line(0).text
        assert table.columns["call"].inner_width == 34
