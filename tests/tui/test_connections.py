"""The Connections screen: pick (saved), connect through OAuth, cancel, delete with a question."""

from __future__ import annotations

import socket
import tomllib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from textual.widgets import DataTable

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.connect import ConnectModal
from alloy_tui.tui.screens.connections import ACTIVE_MARK, ConnectionsScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until


async def _connect_one(app: AlloyApp, pilot: Any) -> str:
    """Press c, follow the OAuth link like a browser (auto-consent), return the new id."""
    before = {c.id for c in app.state.connections}
    await pilot.press("c")
    await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal) and app.screen.url)
    modal = app.screen
    assert isinstance(modal, ConnectModal)
    assert modal.url is not None
    async with httpx.AsyncClient(follow_redirects=True) as browser:
        answer = await browser.get(modal.url)
    assert answer.status_code == 200
    await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen))
    await settle(pilot)
    (new_id,) = {c.id for c in app.state.connections} - before
    return new_id


def _active_marks(app: AlloyApp) -> list[str]:
    table = app.screen.query_one("#connections-table", DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count) if table.get_row_at(i)[0]]


def _offered(screen: Any) -> set[str]:
    """The actions a screen's footer shows right now."""
    return {b.binding.action for b in screen.active_bindings.values() if b.binding.show}


def _saved_connection(app: AlloyApp) -> str | None:
    path = app.state.settings.config_path
    if not path.exists():
        return None
    data = tomllib.loads(path.read_text())
    value = data.get("sandbox", {}).get("connection_id")
    return value if isinstance(value, str) else None


async def test_connect_adds_a_connection_and_makes_it_active(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    app = build_app(sandbox_factory(auto_consent=True, rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        new_id = await _connect_one(app, pilot)
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == new_id
        assert _saved_connection(app) == new_id
        table = app.screen.query_one("#connections-table", DataTable)
        row = table.get_row(new_id)
        assert str(row[0]) == ACTIVE_MARK
        # The cursor follows the new connection, so d or Enter act on it, not on the old row.
        assert table.cursor_row == table.get_row_index(new_id)
        assert expect_screen(app, ConnectionsScreen).highlighted_id() == new_id
        assert app.status.connection == app.state.active_connection.name
        # The listener that received the callback is closed: no oauth worker left running.
        assert not [w for w in app.workers if w.group == "oauth" and not w.is_finished]


async def test_enter_picks_another_connection_and_saves_it(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    app = build_app(sandbox_factory(auto_consent=True, rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        second = await _connect_one(app, pilot)
        first = next(c.id for c in app.state.connections if c.id != second)
        table = app.screen.query_one("#connections-table", DataTable)
        table.move_cursor(row=table.get_row_index(first))
        await pilot.press("enter")
        await pilot.pause()
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == first
        assert _saved_connection(app) == first
        assert len(_active_marks(app)) == 1
        # j/k move like the arrows.
        start = table.cursor_row
        await pilot.press("j")
        assert table.cursor_row == min(start + 1, table.row_count - 1)
        await pilot.press("k")
        assert table.cursor_row == start


async def test_cancelling_the_connect_flow_closes_the_listener(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = [c.id for c in app.state.connections]
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal) and app.screen.url)
        modal = app.screen
        assert isinstance(modal, ConnectModal)
        assert "Waiting for Notion" in str(modal.query_one("#connect-countdown").render())
        redirect = parse_qs(urlsplit(modal.url or "").query)["redirect_uri"][0]
        port = urlsplit(redirect).port
        assert port
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen))
        await settle(pilot)
        assert not [w for w in app.workers if w.group == "oauth" and not w.is_finished]
        # The port is free again: nothing listens on it any more.
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
        assert [c.id for c in app.state.connections] == before


async def test_a_declined_consent_says_so_and_offers_retry(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal) and app.screen.url)
        modal = app.screen
        assert isinstance(modal, ConnectModal)
        # While it waits, the footer does not offer "Try again" (it would do nothing).
        assert "retry" not in _offered(modal)
        query = parse_qs(urlsplit(modal.url or "").query)
        # What the consent page's Cancel does: back to the redirect URI with access_denied.
        async with httpx.AsyncClient() as browser:
            await browser.get(
                query["redirect_uri"][0],
                params={"error": "access_denied", "state": query["state"][0]},
            )
        await wait_until(pilot, lambda: modal.finished is not None)
        assert isinstance(app.screen, ConnectModal)
        assert modal.finished is not None and modal.finished.sentence
        status = str(modal.query_one("#connect-status").render())
        assert modal.finished.sentence.split()[0] in status
        assert "retry" in _offered(modal)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen))


async def test_delete_asks_first(sandbox_factory: Callable[..., SandboxServer]) -> None:
    app = build_app(sandbox_factory(auto_consent=True, rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        doomed = await _connect_one(app, pilot)
        table = app.screen.query_one("#connections-table", DataTable)
        table.move_cursor(row=table.get_row_index(doomed))
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert doomed in app.screen.message
        await pilot.press("escape")  # keep it
        await settle(pilot)
        assert doomed in [c.id for c in app.state.connections]
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert doomed not in [c.id for c in app.state.connections]
        assert doomed not in [c.id for c in await app.state.client.list_connections()]
        assert table.row_count == len(app.state.connections)
        assert app.state.active_connection is None
        assert app.status.connection == ""


async def test_refresh_lists_again(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(rate_limit=False)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(app.state.log)
        await pilot.press("r")
        await settle(pilot)
        listed = [r for r in app.state.log.records()[before:] if "credentials" in r.url]
        assert listed
