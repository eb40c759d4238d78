"""State that sticks between runs: the theme is saved and restored; a pick the environment
will override at the next start says so; a server that is a sandbox (however it was started)
gets its picks saved under [sandbox], never over the real account's connection_id."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import Label

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.connect import server_is_sandbox
from alloy_tui.config import Settings
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.sandboxed import sandbox_settings
from alloy_tui.state import AppState
from alloy_tui.tui.app import AlloyApp, make_app
from alloy_tui.tui.screens.connections import ConnectionsScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until


def _client(settings: Settings) -> AlloyClient:
    return AlloyClient(
        make_http(),
        base_url=settings.base_url,
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False, max_attempts=1),
    )


def _config(settings: Settings) -> dict[str, object]:
    path = settings.config_path
    return tomllib.loads(path.read_text()) if path.exists() else {}


def _connection_label(app: AlloyApp) -> str:
    return str(app.screen.query_one("#status-connection", Label).render())


async def test_the_theme_chosen_with_ctrl_t_is_restored_at_the_next_start(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == "textual-light"
    assert _config(app.state.settings)["theme"] == "textual-light"
    again = build_app(sandbox)  # settings read from the config file again
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "textual-light"


async def test_a_pick_the_environment_overrides_at_start_says_so(
    sandbox: SandboxServer,
) -> None:
    # A real Alloy (not a sandbox) with CONNECTION_ID in the environment.
    settings = sandbox_settings(sandbox).with_overrides(
        source="env", sandbox=False, connection_id=SEED_CONNECTION_ID
    )
    app = AlloyApp(AppState(settings, _client(settings), sandbox=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = expect_screen(app, ConnectionsScreen)
        assert "until you quit" not in _connection_label(app)
        await pilot.press("enter")  # pick the highlighted (active) connection again
        await wait_until(pilot, lambda: "until you quit" in _connection_label(app))
        assert "CONNECTION_ID in the environment" in _connection_label(app)
        assert screen.highlighted_id() == SEED_CONNECTION_ID
    assert _config(settings)["connection_id"] == SEED_CONNECTION_ID


async def test_a_sandbox_started_apart_is_known_from_the_server(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    # Pointed at with ALLOY_BASE_URL, not started by --sandbox: the app is not told.
    settings = sandbox_settings(sandbox).with_overrides(sandbox=False)
    settings.config_path.parent.mkdir(parents=True, exist_ok=True)
    settings.config_path.write_text('connection_id = "real-account-connection"\n')
    app = make_app(settings, client=_client(settings))
    assert not app.state.sandbox
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.state.sandbox
        assert "SANDBOX" in str(app.screen.query_one("#status-env", Label).render())
        await pilot.press("enter")
        await settle(pilot)
    active = app.state.active_connection
    assert active is not None
    saved = _config(settings)
    assert saved["connection_id"] == "real-account-connection"
    assert saved["sandbox"] == {"connection_id": active.id}


async def test_only_a_sandbox_says_it_is_one(sandbox: SandboxServer) -> None:
    settings = sandbox_settings(sandbox)
    async with _client(settings) as client:
        assert await server_is_sandbox(client)
    elsewhere = settings.with_overrides(base_url="http://127.0.0.1:9")  # nothing listens there
    async with _client(elsewhere) as client:
        assert not await server_is_sandbox(client)
