"""Ctrl+Q and q while work is running say what is running and ask first; `o` in the Connect
dialog says so, with what to do instead, when no browser can be opened."""

from __future__ import annotations

import webbrowser
from collections.abc import Callable

import pytest
from textual.widgets import Static

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.connect import ConnectModal
from alloy_tui.tui.screens.connections import ConnectionsScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until


def _message(modal: ConfirmModal) -> str:
    return str(modal.query_one("#dialog-message", Static).render())


async def test_ctrl_q_during_a_connect_says_so_and_stay_keeps_it_waiting(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    app = build_app(sandbox_factory(rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal) and app.screen.url)
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        question = expect_screen(app, ConfirmModal)
        assert question.title_text == "Quit while work is running?"
        assert "Still running: a connect waiting for the browser's sign-in." in _message(question)
        assert question.confirm_label == "Quit anyway"
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal))
        assert app.is_running
        assert [w for w in app.workers if w.group == "oauth" and not w.is_finished]
        # Asked again, y quits.
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running)


async def test_q_on_the_first_screen_asks_while_a_connect_waits(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    app = build_app(sandbox_factory(rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        expect_screen(app, ConnectionsScreen)
        app.start_connect()  # the app-level flow, with no dialog over the first screen
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "a connect waiting" in _message(expect_screen(app, ConfirmModal))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen))
        assert app.is_running
        app.cancel_connect()
        await wait_until(pilot, lambda: app.running_work() == [])
        await pilot.press("q")  # nothing running, nothing unsaved: quits at once
        await wait_until(pilot, lambda: not app.is_running)


def _remedy(modal: ConnectModal) -> str:
    return str(modal.query_one("#dialog-remedy", Static).render())


@pytest.mark.parametrize("outcome", ["false", "raises"])
async def test_o_says_when_no_browser_opens(
    sandbox_factory: Callable[..., SandboxServer],
    monkeypatch: pytest.MonkeyPatch,
    outcome: str,
) -> None:
    monkeypatch.setenv("BROWSER", "no-such-browser-here")
    opened: list[str] = []

    def open_browser(url: str) -> bool:
        opened.append(url)
        if outcome == "raises":
            raise webbrowser.Error("could not locate runnable browser")
        return False

    app = build_app(sandbox_factory(rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConnectModal(open_browser=open_browser))
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal) and app.screen.url)
        modal = expect_screen(app, ConnectModal)
        await pilot.press("o")
        await wait_until(pilot, lambda: "No browser could be opened" in _remedy(modal))
        assert opened == [modal.url]
        remedy = _remedy(modal)
        assert "Press y to copy the link" in remedy
        if outcome == "raises":
            assert "could not locate runnable browser" in remedy
        else:
            assert "no browser answered" in remedy
        assert expect_screen(app, ConnectModal) is modal  # still waiting
        app.cancel_connect()


async def test_o_without_a_display_says_so_at_once(
    sandbox_factory: Callable[..., SandboxServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    opened: list[str] = []

    def open_browser(url: str) -> bool:
        opened.append(url)
        return True

    app = build_app(sandbox_factory(rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConnectModal(open_browser=open_browser))
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal) and app.screen.url)
        modal = expect_screen(app, ConnectModal)
        await pilot.press("o")
        await wait_until(pilot, lambda: "No browser could be opened" in _remedy(modal))
        assert "BROWSER is not set" in _remedy(modal)
        assert opened == []
        app.cancel_connect()
