"""`python -m alloy_tui.screenshots DIR`: an SVG of each screen, from a private sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from alloy_tui.tui.app import AlloyApp

SIZE = (120, 36)
NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
"""The sandbox's and the app's clock, so every relative time and timestamp is the same."""
FIXED_OAUTH_URL = (
    "http://127.0.0.1:8787/oauth/authorize?client_id=alloy-tui&response_type=code"
    "&owner=user&state=0123456789abcdef&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2F"
    "oauth%2Fcallback%2Fnonce"
)

Step = Callable[[Pilot[Any]], Awaitable[None]]


def _now() -> datetime:
    return NOW


async def _settle(pilot: Pilot[Any], within: float = 15) -> None:
    """Wait until nothing is left to load: no worker running (a worker may start another, as
    the page does for its body, so one wait is not enough), no widget showing its loading
    indicator, and the screen laid out again. A picture taken earlier differs between runs."""
    app = pilot.app
    deadline = time.monotonic() + within
    quiet = 0
    while quiet < 2:
        if time.monotonic() > deadline:
            raise TimeoutError("the screen kept loading")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(not w.is_finished for w in app.workers) or any(
            widget.loading for widget in app.screen.query("*")
        )
        quiet = 0 if busy else quiet + 1


async def _until(pilot: Pilot[Any], condition: Callable[[], object], within: float = 15) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not get ready in time")
        await pilot.pause(0.02)


async def _connections(pilot: Pilot[Any]) -> None:
    await _settle(pilot)


async def _search(pilot: Pilot[Any]) -> None:
    from alloy_tui.tui.screens.search import SearchScreen

    await _settle(pilot)
    await pilot.press("s")
    await _until(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
    await _settle(pilot)
    await pilot.press("down")


async def _connect(pilot: Pilot[Any]) -> None:
    from alloy_tui.alloy.connect import ConnectEvent
    from alloy_tui.tui.modals.connect import ConnectModal

    await _settle(pilot)
    modal = ConnectModal(start=False)  # a fixed link: a live flow has a random state and port
    await pilot.app.push_screen(modal)
    modal.show_event(
        ConnectEvent(
            "url",
            url=FIXED_OAUTH_URL,
            seconds_left=300.0,
            message="Opened the sign-in page in your browser.",
        )
    )


async def _help(pilot: Pilot[Any]) -> None:
    await _settle(pilot)
    await pilot.press("f1")


async def _first_result(pilot: Pilot[Any], kind: str, title: str) -> str:
    app = pilot.app
    assert isinstance(app, AlloyApp)
    found = await app.state.notion.search(title, filter_object="database" if kind else None)
    for obj in found.results:
        if obj.get("object") == (kind or "page"):
            return str(obj["id"])
    raise LookupError(title)


async def _page(pilot: Pilot[Any]) -> None:
    await _settle(pilot)
    app = pilot.app
    assert isinstance(app, AlloyApp)
    app.open_page(await _first_result(pilot, "", "Search revamp"))
    await _settle(pilot)


async def _database(pilot: Pilot[Any]) -> None:
    await _settle(pilot)
    app = pilot.app
    assert isinstance(app, AlloyApp)
    app.open_database(await _first_result(pilot, "database", "Projects"))
    await _settle(pilot)


FIXED_LATENCIES_MS = (84.0, 12.0, 31.0, 9.0, 46.0, 23.0)
"""Shown instead of measured latencies, which differ between runs."""
MISSING_PAGE = "0badc0de-0000-4000-8000-000000000000"


async def _requests(pilot: Pilot[Any]) -> None:
    from alloy_tui.alloy.errors import AlloyError
    from alloy_tui.sandbox.defaults import DEFAULT_PORT
    from alloy_tui.tui.screens.requests import RequestsScreen

    await _settle(pilot)
    app = pilot.app
    assert isinstance(app, AlloyApp)
    await app.state.notion.search("Roadmap", page_size=2)
    with contextlib.suppress(AlloyError):  # a failed call, to show how one looks
        await app.state.notion.get_page(MISSING_PAGE)
    await app.state.notion.list_users()
    # The sandbox's port and the latencies differ between runs: show the documented port and
    # fixed figures, as the other pictures show a fixed latency in the status bar.
    base_url = app.state.client.base_url
    for record in app.state.log.records():
        record.latency_ms = FIXED_LATENCIES_MS[record.id % len(FIXED_LATENCIES_MS)]
        record.url = record.url.replace(base_url, f"http://127.0.0.1:{DEFAULT_PORT}")
    screen = RequestsScreen(tz=UTC)
    await app.push_screen(screen)
    await _settle(pilot)
    table = screen.table
    search_row = next(i for i, r in enumerate(screen.records.values()) if r.action == "post-search")
    table.move_cursor(row=search_row, animate=False)


SHOTS: list[tuple[str, Step, str | None]] = [
    ("connections", _connections, None),
    ("search", _search, None),
    ("connect", _connect, None),
    ("help", _help, None),
    ("page", _page, "alloy_tui.tui.screens.page"),
    ("database", _database, "alloy_tui.tui.screens.database"),
    ("requests", _requests, None),
]
"""(file name, how to get there, the module the screen needs if it is optional)."""


async def _shoot(base_url: str, out: Path, name: str, step: Step) -> Path:
    from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
    from alloy_tui.config import load_settings
    from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
    from alloy_tui.tui.app import make_app

    settings = load_settings(use_cwd_env=False).with_overrides(
        source="screenshots",
        base_url=base_url,
        api_key=DEFAULT_API_KEY,
        user_id=DEFAULT_USER_ID,
        connection_id=SEED_CONNECTION_ID,
        sandbox=True,
        theme="textual-dark",
        keymap={},
    )
    client = AlloyClient(
        make_http(),
        base_url=base_url,
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False),
        now=_now,  # the request inspector shows when each call started
    )
    app = make_app(settings, client=client, clock=_now)
    path = out / f"{name}.svg"
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot)
        await _settle(pilot)
        # Latency is the one value that varies between runs: show a fixed one.
        app.update_status(last_latency_ms=12.0, in_flight=0, wait_until=None)
        _steady_cursors(app)
        await pilot.pause()
        path.write_text(app.export_screenshot(title=f"alloy-tui · {name}"), encoding="utf-8")
    return path


def _steady_cursors(app: AlloyApp) -> None:
    """A blinking cursor is drawn or not depending on the instant of the picture: keep every
    text cursor (Input, TextArea) steadily on."""
    for widget in app.screen.query("*"):
        if hasattr(widget, "cursor_blink"):
            widget.cursor_blink = False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m alloy_tui.screenshots DIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)

    from alloy_tui.sandbox.server import SandboxConfig, SandboxServer

    with tempfile.TemporaryDirectory(prefix="alloy-tui-shots-") as tmp:
        # Settings must not read the user's config: point every XDG dir at the temp dir.
        import os

        for name in ("CONFIG", "DATA", "STATE", "CACHE"):
            os.environ[f"XDG_{name}_HOME"] = str(Path(tmp) / name.lower())
        server = SandboxServer(
            SandboxConfig(
                data_path=Path(tmp) / "sandbox.sqlite3", port=0, rate_limit=False, clock=_now
            )
        )
        server.start()
        try:
            for name, step, needs in SHOTS:
                if needs is not None and importlib.util.find_spec(needs) is None:
                    print(f"skipped {name}: {needs} is not there yet")
                    continue
                path = asyncio.run(_shoot(server.base_url, out, name, step))
                print(f"wrote {path}")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
