"""Connecting in the sandbox without a browser: `a` approves through the sandbox's admin route
(state.approve_in_sandbox) and follows its redirect to the listener, end to end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.connect import ConnectModal
from alloy_tui.tui.screens.connections import ConnectionsScreen
from tests.tui.conftest import SIZE, build_app, settle, wait_until


async def _open_connect(app: AlloyApp, pilot: Pilot[Any]) -> ConnectModal:
    await settle(pilot)
    await pilot.press("c")
    await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal) and app.screen.url)
    modal = app.screen
    assert isinstance(modal, ConnectModal)
    return modal


async def test_a_approves_on_the_consent_page_and_connects(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    # No auto-consent: the sandbox shows its HTML consent form, as it does for a person.
    server = sandbox_factory(rate_limit=False)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        modal = await _open_connect(app, pilot)
        before = {c.id for c in app.state.connections}
        assert not modal.query_one("#approve", Button).disabled
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen), within=15)
        await settle(pilot)
        new = {c.id for c in app.state.connections} - before
        assert len(new) == 1
        (new_id,) = new
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == new_id
        assert not [w for w in app.workers if w.group == "oauth" and not w.is_finished]
        # The approval is one logged API call; nothing went to the consent page itself.
        assert [r for r in app.state.log.records() if r.url.endswith("/__sandbox/oauth/approve")]
        assert not [r for r in app.state.log.records() if "/oauth/authorize" in r.url]


async def test_auto_consent_sandbox_approves_through_the_redirect(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    app = build_app(sandbox_factory(auto_consent=True, rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        modal = await _open_connect(app, pilot)
        before = len(app.state.connections)
        await pilot.click("#approve")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen), within=15)
        await settle(pilot)
        assert modal.finished is not None and modal.finished.connection is not None
        assert len(app.state.connections) == before + 1


async def test_a_stale_link_says_why_and_keeps_waiting(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    app = build_app(sandbox_factory(rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        modal = await _open_connect(app, pilot)
        url = modal.url or ""
        modal.url = url.replace("state=", "state=stale")  # a flow the sandbox does not know
        await pilot.press("a")
        await wait_until(pilot, lambda: modal.query_one("#connect-status").has_class("-error"))
        status = str(modal.query_one("#connect-status").render())
        assert "Press a to try again" in status
        assert isinstance(app.screen, ConnectModal) and modal.finished is None
        # The real link still works afterwards.
        modal.url = url
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen), within=15)


async def test_outside_the_sandbox_there_is_no_approve_key(sandbox: SandboxServer) -> None:
    from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
    from alloy_tui.sandboxed import sandbox_settings

    settings = sandbox_settings(sandbox).with_overrides(sandbox=False)
    client = AlloyClient(
        make_http(),
        base_url=settings.base_url,
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False, max_attempts=1),
    )
    # A real Alloy: the app knows it is no sandbox (against a sandbox, the server says it is).
    from alloy_tui.state import AppState

    app = AlloyApp(AppState(settings, client, sandbox=False))
    async with app.run_test(size=SIZE) as pilot:
        modal = await _open_connect(app, pilot)
        assert not modal.query("#approve")
        before = len(app.state.connections)
        await pilot.press("a")
        await pilot.pause()
        assert not modal.approving
        assert isinstance(app.screen, ConnectModal)
        assert len(app.state.connections) == before
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen))
