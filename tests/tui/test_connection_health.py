"""The Connections screen with both connectors: each connection's health (one cheap call each)
and when it last worked, connecting Slack through the connector picker (the active Notion
connection stays), and reconnecting a revoked connection in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from textual.pilot import Pilot
from textual.widgets import DataTable

from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.connect import ConnectModal
from alloy_tui.tui.modals.picker import PickerModal
from alloy_tui.tui.screens.connections import ConnectionsScreen
from tests.tui.conftest import SIZE, build_app, settle, wait_until
from tests.tui.slack_helpers import slack_connection


def _health(app: AlloyApp, connection_id: str) -> str:
    table = app.screen.query_one("#connections-table", DataTable)
    return str(table.get_cell(connection_id, "health"))


async def _checked(app: AlloyApp, pilot: Pilot[Any]) -> None:
    """The list loaded and every connection checked (the final state, not 'checking…')."""
    await settle(pilot)
    await wait_until(
        pilot,
        lambda: (
            isinstance(app.screen, ConnectionsScreen)
            and not app.screen.checking
            and len(app.state.health) == len(app.state.all_connections)
        ),
    )
    await settle(pilot)


async def test_health_column_says_valid_and_revoked_with_when_it_worked(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(rate_limit=False, auto_consent=True)
    slack = slack_connection(server, revoked=True)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        await _checked(app, pilot)
        assert [c.id for c in app.state.other_connections] == [slack]
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == SEED_CONNECTION_ID
        assert _health(app, SEED_CONNECTION_ID) == "valid"
        assert _health(app, slack) == "revoked · never"
        assert app.state.last_worked.keys() == {SEED_CONNECTION_ID}
        # The sandbox now refuses the Notion token: a check says revoked, and when it last
        # worked (the first check, moments ago).
        async with httpx.AsyncClient() as http:
            refused = await http.post(
                f"{server.base_url}/__sandbox/faults",
                json={"rules": [{"kind": "status", "status": 401, "match": "get-self"}]},
                headers={"Authorization": f"Bearer {server.config.api_key}"},
            )
            refused.raise_for_status()
        await pilot.press("r")
        await _checked(app, pilot)
        assert _health(app, SEED_CONNECTION_ID) == "revoked · just now"


async def test_connect_slack_from_the_picker_keeps_the_active_notion_connection(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    app = build_app(sandbox_factory(rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        await _checked(app, pilot)
        await pilot.press("C")
        await wait_until(pilot, lambda: isinstance(app.screen, PickerModal))
        await pilot.press(*"sla", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal) and app.screen.url)
        modal = app.screen
        assert isinstance(modal, ConnectModal)
        assert str(modal.query_one("#dialog-title").render()) == "Connect Slack"
        await pilot.press("a")  # approve on the sandbox's consent page
        await wait_until(pilot, lambda: bool(app.state.other_connections), within=15)
        await _checked(app, pilot)
        [slack] = app.state.other_connections
        assert slack.connector_id == "slack" and slack.name == "Slack \N{EN DASH} Acme Sandbox"
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == SEED_CONNECTION_ID
        assert _health(app, slack.id) == "valid"
        # Enter on a Slack row says what it is for instead of making it active.
        table = app.screen.query_one("#connections-table", DataTable)
        table.move_cursor(row=table.get_row_index(slack.id))
        await pilot.press("enter")
        await pilot.pause()
        assert app.state.active_connection.id == SEED_CONNECTION_ID


async def test_enter_on_a_revoked_connection_reconnects_it_in_place(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(rate_limit=False, auto_consent=True)
    revoked = slack_connection(server, revoked=True)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        await _checked(app, pilot)
        table = app.screen.query_one("#connections-table", DataTable)
        table.move_cursor(row=table.get_row_index(revoked))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        confirm = app.screen
        assert isinstance(confirm, ConfirmModal)
        assert revoked in confirm.message and "token_revoked" in confirm.message
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal) and app.screen.url)
        await pilot.press("a")
        await wait_until(
            pilot,
            lambda: (
                bool(app.state.other_connections) and app.state.other_connections[0].id != revoked
            ),
            within=15,
        )
        await _checked(app, pilot)
        [fresh] = app.state.other_connections
        assert fresh.connector_id == "slack"
        assert _health(app, fresh.id) == "valid"
        assert revoked not in table.rows  # replaced, not kept beside the new one
        listed = await app.state.client.list_connections("slack")
        assert [c.id for c in listed] == [fresh.id]
