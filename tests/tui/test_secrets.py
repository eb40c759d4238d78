"""The API key never reaches the screen: not in a crash report's locals, nor in an error dialog."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from rich.console import Console

from alloy_tui.sandbox.server import SandboxServer
from tests.tui.conftest import SIZE, build_app, wait_until

KEY = "sk_live_TOPSECRET_" + "Z" * 24


def _screen_text(app: Any) -> str:
    """What the terminal shows, as plain text (the screenshot's SVG without its markup)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def _rendered(renderables: list[Any]) -> str:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    for renderable in renderables:
        console.print(renderable)
    return out.getvalue()


async def test_a_crash_report_with_the_key_in_scope_does_not_show_it(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(api_key=KEY, rate_limit=False)
    app = build_app(server)
    captured: list[str] = []

    def crash() -> None:
        settings = app.state.settings
        client = app.state.client
        key = settings.api_key
        assert key.reveal() == KEY, (settings, client)  # the key really is in scope
        raise RuntimeError("forced crash")

    original = app._fatal_error

    def fatal_error() -> None:
        original()
        captured.append(_rendered(list(app._exit_renderables)))

    app._fatal_error = fatal_error  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="forced crash"):
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.state.active_connection is not None)
            app.call_later(crash)
            await pilot.pause()
    assert captured, "the crash report was rendered"
    report = captured[0]
    assert "forced crash" in report
    assert "settings" in report and "key" in report  # locals are shown...
    assert KEY not in report  # ...but never the key
    assert KEY[:16] not in report


async def test_an_error_that_echoes_the_key_never_shows_it(
    sandbox_factory: Callable[..., SandboxServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(api_key=KEY, rate_limit=False)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.state.active_connection is not None)

        async def explode(self: Any, request: httpx.Request) -> httpx.Response:
            # A proxy or library that echoes the credentials in its error message.
            raise httpx.ConnectError(f"refused: {request.headers['authorization']}")

        monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", explode)
        app.action_search()
        await pilot.pause()
        await pilot.press(*"tasks")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen_text = _screen_text(app)
        notes = " ".join(str(n.message) for n in app._notifications)
        assert "Cannot reach" in screen_text  # the error did reach the user
        assert KEY not in screen_text
        assert KEY not in notes
        assert all(KEY not in str(record.error) for record in app.state.log.records())
        await pilot.press("ctrl+l")  # the request inspector, with the failed call's details
        await pilot.pause()
        inspector = _screen_text(app)
        assert "post-search" in inspector
        assert KEY not in inspector
