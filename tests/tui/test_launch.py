"""Launch: the connections are asked for while the first screen is built (one listing, not
two), the health check waits for the list's first frame, and the loading indicator shows only
when the listing takes a moment."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable, Static

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.screens.connections import ConnectionsScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until


def _listings(app: AlloyApp) -> int:
    """How many connection listings the app has asked for."""
    return sum("/credentials" in record.url for record in app.state.log.records())


async def test_launch_lists_once_then_checks_health(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(rate_limit=False)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = expect_screen(app, ConnectionsScreen)
        table = screen.query_one("#connections-table", DataTable)
        assert table.row_count == len(app.state.all_connections) > 0
        records = app.state.log.records()
        urls = [r.url for r in records]
        # The prefetch started by the app and the screen's first load are one listing each
        # (the Notion connections, every connector's), not two.
        assert _listings(app) == 2, urls
        health = [i for i, r in enumerate(records) if r.action == "get-self"]
        assert health, urls
        last_listing = max(i for i, r in enumerate(records) if "/credentials" in r.url)
        assert min(health) > last_listing  # health after the list, not beside it
        assert not screen.checking
        assert "checking" not in str(table.get_row_at(0)[5])
        assert screen.focused is table


async def test_a_slow_listing_shows_the_loading_indicator_then_the_rows(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(rate_limit=False, faults="latency:ms=1500,match=/credentials")
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        screen = expect_screen(app, ConnectionsScreen)
        table = screen.query_one("#connections-table", DataTable)
        await wait_until(pilot, lambda: table.loading)
        assert table.row_count == 0
        await settle(pilot)
        assert not table.loading
        assert table.row_count == len(app.state.all_connections) > 0
        assert screen.focused is table  # the indicator took the focus; it came back


async def test_refresh_after_launch_asks_again(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    """The prefetched answer is taken once: `r` lists again."""
    server = sandbox_factory(rate_limit=False)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = _listings(app)
        await pilot.press("r")
        await settle(pilot)
        after = _listings(app)
        assert after == before + 2


async def test_a_refused_key_at_launch_is_said_in_place(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    """The prefetch's error reaches the screen as the listing's own would: a sentence above the
    empty table, and `r` tries again."""
    server = sandbox_factory(rate_limit=False)
    app = build_app(server, api_key="not-the-sandbox-key")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = expect_screen(app, ConnectionsScreen)
        error = screen.query_one("#connections-error", Static)
        assert not error.has_class("hidden")
        assert "API key" in str(error.render()), str(error.render())
        assert screen.query_one("#connections-table", DataTable).row_count == 0
        tries = _listings(app)
        await pilot.press("r")
        await settle(pilot)
        assert _listings(app) > tries


async def test_closing_cancels_a_prefetch_nobody_took(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    """Quitting while the first listing is in flight leaves no task behind."""
    server = sandbox_factory(rate_limit=False, faults="latency:ms=5000,match=/credentials")
    state = build_app(server).state
    state.prefetch_connections()
    task = state._prefetch
    assert task is not None and not task.done()
    await state.aclose()
    assert task.cancelled()
    assert state._prefetch is None


async def test_an_answer_after_the_table_is_gone_is_dropped(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    """At exit the screen's widgets go before its workers stop: a health answer arriving in
    between redraws nothing (it was a traceback at exit)."""
    server = sandbox_factory(rate_limit=False)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = expect_screen(app, ConnectionsScreen)
        await screen.query_one("#connections-table", DataTable).remove()
        screen.render_rows()
        await screen._check_health()
        assert not screen.checking
