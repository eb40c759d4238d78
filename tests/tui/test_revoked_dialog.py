"""The revoked-connection dialog names the connection's own service: Slack for a Slack
connection, Notion for the active (Notion) one that the app's pages use."""

from __future__ import annotations

from textual.widgets import Label, Static

from alloy_tui.alloy.errors import ConnectionNotFoundError
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.error import RevokedConnectionModal
from tests.tui.conftest import SIZE, build_app, settle, wait_until


def _texts(modal: RevokedConnectionModal) -> tuple[str, str]:
    title = str(modal.query_one("#dialog-title", Label).render())
    remedy = str(modal.query_one("#dialog-remedy", Static).render())
    return title, remedy


async def test_a_slack_connection_is_reconnected_to_slack(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        modal = RevokedConnectionModal(
            "Slack refused the connection's token (token_revoked).",
            "",
            "Slack \N{EN DASH} Acme Sandbox",
            "slack",
        )
        app.push_screen(modal)
        await wait_until(pilot, lambda: app.screen is modal)
        await settle(pilot)
        title, remedy = _texts(modal)
        assert title == "The connection “Slack \N{EN DASH} Acme Sandbox” no longer works"
        assert remedy == "Reconnect Slack (c) or pick another connection (p)."
        assert "Notion" not in (modal.HELP or "")


async def test_an_unknown_connector_is_named_by_its_id(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        modal = RevokedConnectionModal("Gone.", "", None, "hubspot")
        app.push_screen(modal)
        await wait_until(pilot, lambda: app.screen is modal)
        await settle(pilot)
        assert _texts(modal) == (
            "The connection no longer works",
            "Reconnect hubspot (c) or pick another connection (p).",
        )


async def test_the_active_connection_is_named_with_its_connector(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        active = app.state.active_connection
        assert active is not None and active.connector_id == "notion"
        app.report_error(ConnectionNotFoundError(), where="Search")
        await wait_until(pilot, lambda: isinstance(app.screen, RevokedConnectionModal))
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, RevokedConnectionModal)
        title, remedy = _texts(modal)
        assert title == f"The connection “{active.name}” no longer works"
        assert remedy == "Reconnect Notion (c) or pick another connection (p)."
