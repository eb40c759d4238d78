"""The app shell: start-up, status bar, F1 help, the palette, keymap, theme, error reporting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.command import CommandList, CommandPalette
from textual.widgets import Input, Label

from alloy_tui.alloy.errors import ConnectionNotFoundError, NotSharedError
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.state import NoActiveConnectionError
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.connect import ConnectModal
from alloy_tui.tui.modals.error import ErrorModal, RevokedConnectionModal
from alloy_tui.tui.modals.help import HelpModal
from alloy_tui.tui.screens.connections import ConnectionsScreen
from alloy_tui.tui.screens.search import SearchScreen
from tests.tui.conftest import SIZE, build_app, settle, wait_until
from tests.tui.slack_helpers import slack_connection


def _palette_options(app: Any) -> int:
    lists = app.screen.query(CommandList)
    return lists.first().option_count if lists else 0


def _notifications(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def test_start_lists_connections_with_the_seed_active(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ConnectionsScreen)
        assert SEED_CONNECTION_ID in [c.id for c in app.state.connections]
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == SEED_CONNECTION_ID
        # The status bar on the screen says where we are and through which connection.
        status = app.screen.query_one("#status-env", Label)
        assert "SANDBOX" in str(status.render())
        assert app.status.connection == app.state.active_connection.name
        assert app.status.in_flight == 0
        assert app.status.last_latency_ms is not None


async def test_f1_shows_the_screen_help_and_its_keys(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        assert "active" in app.screen.help_markdown
        described = [row.does for row in app.screen.rows]
        assert any("Connect" in text for text in described)
        assert any("Delete" in text for text in described)
        assert app.screen.query(".help-keys")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConnectionsScreen)


async def test_palette_offers_the_app_commands_and_runs_them(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"search pages")
        await wait_until(pilot, lambda: _palette_options(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        await settle(pilot)


async def test_palette_lists_one_switch_entry_per_other_connection(
    sandbox: SandboxServer,
) -> None:
    from alloy_tui.tui.commands import AlloyCommands

    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = AlloyCommands(app.screen)
        names = [name for name, _, _ in provider._commands()]
        for wanted in ("Search pages and databases", "New page", "Open by link or id"):
            assert wanted in names
        switches = [n for n in names if n.startswith("Switch connection: ")]
        assert len(switches) == len(app.state.connections) - 1


async def test_keymap_from_settings_remaps_a_binding(sandbox: SandboxServer) -> None:
    app = build_app(sandbox, keymap={"connections.search": "g"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")  # no longer bound
        await pilot.pause()
        assert isinstance(app.screen, ConnectionsScreen)
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))


async def test_theme_comes_from_settings_and_toggles(sandbox: SandboxServer) -> None:
    app = build_app(sandbox, theme="nord")
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "nord"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"


async def test_known_errors_are_notifications_with_the_remedy(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.report_error(NotSharedError(), where="Open")
        await pilot.pause()
        (message,) = _notifications(app)
        assert NotSharedError.default_sentence in message
        assert "Share the page with the integration" in message
        assert isinstance(app.screen, ConnectionsScreen)


async def test_revoked_connection_offers_to_reconnect(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(SearchScreen())
        await settle(pilot)
        app.report_error(ConnectionNotFoundError(), where="Search")
        await pilot.pause()
        assert isinstance(app.screen, RevokedConnectionModal)
        await pilot.press("p")  # pick another: back to the connections
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen))
        assert len(app.screen_stack) == 1


async def test_a_failed_slack_call_names_the_slack_connection(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    """Alloy not knowing a Slack connection (a call from the action explorer) names that
    connection and offers to reconnect Slack, not the active Notion connection."""
    server = sandbox_factory(rate_limit=False, auto_consent=True)
    slack = slack_connection(server)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        error = ConnectionNotFoundError()
        error.about(slack, "slack")
        app.report_error(error, where="Action explorer")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, RevokedConnectionModal)
        named = app.state.connection(slack)
        assert named is not None and modal.connection_name == named.name
        assert modal.service == "Slack"
        assert "alloy-tui connect slack" in modal.remedy
        await pilot.press("c")  # reconnect: Slack's OAuth flow, not Notion's
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal))
        assert isinstance(app.screen, ConnectModal)
        assert app.screen.connector == "slack"


async def test_unknown_errors_are_a_modal_without_the_api_key(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    key = app.state.settings.api_key.reveal()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.report_error(RuntimeError(f"boom with {key} inside\nsecond line"), where="Test")
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        shown = f"{app.screen.title_text} {app.screen.sentence} {app.screen.remedy}"
        assert "boom" in shown
        assert key not in shown
        assert "second line" not in shown  # one line, never a traceback


async def test_no_active_connection_reads_like_a_client_error(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.state._activate(None)
        try:
            _ = app.state.notion
        except NoActiveConnectionError as error:
            assert "Connections screen" in error.remedy
        else:
            raise AssertionError("notion without an active connection must raise")


async def test_open_by_text_rejects_what_is_not_an_id(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"open by link")
        await wait_until(pilot, lambda: _palette_options(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query("#prompt-input"))
        app.screen.query_one("#prompt-input", Input).value = "not a link"
        await pilot.press("enter")
        await settle(pilot)
        assert any("not a Notion id" in m for m in _notifications(app))


async def test_open_by_text_opens_a_page_or_a_database(
    sandbox: SandboxServer, monkeypatch: Any
) -> None:
    app = build_app(sandbox)
    opened: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "open_page", lambda i: opened.append(("page", i)))
    monkeypatch.setattr(app, "open_database", lambda i: opened.append(("database", i)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        found = await app.state.notion.search("")
        page = next(o for o in found.results if o["object"] == "page")
        database = next(o for o in found.results if o["object"] == "database")
        app.open_by_text(page["url"])
        await settle(pilot)
        app.open_by_text(database["id"].replace("-", ""))
        await settle(pilot)
        assert opened == [("page", page["id"]), ("database", database["id"])]


async def test_confirm_modal_answers(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    answers: list[bool | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmModal("Sure?", "Really.", danger=True), answers.append)
        await pilot.pause()
        await pilot.press("enter")  # the safe button has the focus on a dangerous question
        await pilot.pause()
        app.push_screen(ConfirmModal("Sure?", "Really."), answers.append)
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert answers == [False, True]
