"""The Search screen: debounce, stale requests cancelled, filter, sort, paging, open, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from textual.widgets import Input, Static

from alloy_tui.alloy.requestlog import RequestRecord
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.screens.search import PAGE_SIZE, SearchScreen
from tests.tui.conftest import SIZE, build_app, settle, wait_until


def _searches(app: AlloyApp, since: int = 0) -> list[RequestRecord]:
    return [r for r in app.state.log.records()[since:] if r.action == "post-search"]


def _body(record: RequestRecord) -> dict[str, Any]:
    body = record.request_body or {}
    inner = body.get("requestBody", {})
    return inner if isinstance(inner, dict) else {}


async def _open_search(app: AlloyApp, pilot: Any) -> SearchScreen:
    await settle(pilot)
    await pilot.press("s")
    await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, SearchScreen)
    return screen


async def test_typing_is_debounced_into_one_request(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        assert screen.table.row_count > 0  # an empty query lists what is shared
        since = len(app.state.log)
        await pilot.press(*"revamp")
        await pilot.pause()
        assert _searches(app, since) == []  # still inside the debounce window
        await wait_until(pilot, lambda: _searches(app, since))
        await settle(pilot)
        sent = [_body(r).get("query") for r in _searches(app, since)]
        assert sent == ["revamp"]
        titles = [str(screen.table.get_row_at(i)[0]) for i in range(screen.table.row_count)]
        assert titles
        assert all("revamp" in t.casefold() for t in titles)


async def test_a_new_query_cancels_the_stale_one(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        screen.input.value = "zzzz-no-such-title"
        screen.run_search()
        stale = [w for w in app.workers if w.group == "search" and not w.is_finished]
        screen.input.value = ""
        screen.run_search()
        await settle(pilot)
        assert stale and all(w.is_cancelled for w in stale)
        # What is shown belongs to the last query only.
        assert screen.table.row_count > 0
        assert screen.query_one("#search-empty", Static).has_class("hidden")


async def test_filter_cycles_and_restricts_the_kind(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        screen.table.focus()
        await pilot.press("f")  # pages
        await settle(pilot)
        await pilot.press("f")  # databases
        await settle(pilot)
        assert screen.kind == "database"
        kinds = {str(screen.table.get_row_at(i)[1]) for i in range(screen.table.row_count)}
        assert kinds == {"database"}
        assert _body(_searches(app)[-1])["filter"] == {"property": "object", "value": "database"}


async def test_sort_toggles_the_direction(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        screen.table.focus()
        await pilot.press("o")
        await settle(pilot)
        assert _body(_searches(app)[-1])["sort"]["direction"] == "ascending"
        assert "oldest" in str(screen.query_one("#search-sort").render())


async def test_ctrl_keys_filter_and_sort_while_typing(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        screen.input.focus()
        await pilot.press(*"ta", "ctrl+f", "ctrl+o")
        await settle(pilot)
        assert screen.input.value == "ta"  # the letters went to the query...
        assert screen.kind == "page"  # ...and the ctrl keys to the filter and the sort
        body = _body(_searches(app)[-1])
        assert body["filter"] == {"property": "object", "value": "page"}
        assert body["sort"]["direction"] == "ascending"
        assert body["query"] == "ta"


async def test_results_stream_in_as_the_cursor_nears_the_end(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    app = build_app(sandbox_factory(pages=300, rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        assert screen.table.row_count == PAGE_SIZE  # one page, not everything
        assert len(_searches(app)) == 1
        screen.table.focus()
        await pilot.press("ctrl+end")
        await settle(pilot)
        assert screen.table.row_count == 2 * PAGE_SIZE
        second = _searches(app)[-1]
        assert _body(second).get("start_cursor")
        await pilot.press("G")  # vim's "last line" does the same
        await settle(pilot)
        assert screen.table.row_count > 2 * PAGE_SIZE
        keys = screen.table.row_keys
        assert len(keys) == len(set(keys))  # no result twice


async def test_enter_opens_a_page_or_a_database(sandbox: SandboxServer, monkeypatch: Any) -> None:
    app = build_app(sandbox)
    opened: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "open_page", lambda i: opened.append(("page", i)))
    monkeypatch.setattr(app, "open_database", lambda i: opened.append(("database", i)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        table = screen.table
        kinds = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        keys = table.row_keys
        table.focus()
        for kind in ("page", "database"):
            table.move_cursor(row=kinds.index(kind))
            await pilot.press("enter")
            await pilot.pause()
        assert opened == [
            ("page", keys[kinds.index("page")]),
            ("database", keys[kinds.index("database")]),
        ]


async def test_enter_pushes_the_page_editor(sandbox: SandboxServer) -> None:
    from alloy_tui.tui.screens.page import PageScreen

    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        table = screen.table
        kinds = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        table.focus()
        table.move_cursor(row=kinds.index("page"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PageScreen))


async def test_parents_are_resolved_lazily(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        parents = {str(screen.table.get_row_at(i)[2]) for i in range(screen.table.row_count)}
        assert "Workspace" in parents
        assert "…" not in parents
        assert len(parents) > 1  # some rows live under a page or a database


async def test_empty_state_says_what_to_do(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        screen.input.value = "qqq-no-such-title"
        await pilot.press("enter")
        await settle(pilot)
        empty = screen.query_one("#search-empty", Static)
        assert not empty.has_class("hidden")
        text = str(empty.render())
        assert "No pages or databases match “qqq-no-such-title”" in text
        assert "share the page with the integration" in text


async def test_an_error_says_what_to_do_and_keeps_the_query(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(rate_limit=False)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        async with httpx.AsyncClient(
            headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"}
        ) as admin:
            answer = await admin.post(
                f"{server.base_url}/__sandbox/faults",
                json={"rules": [{"kind": "status", "status": 500, "match": "post-search"}]},
            )
            assert answer.status_code < 300
        await pilot.press(*"project")
        await wait_until(pilot, lambda: not screen.query_one("#search-error").has_class("hidden"))
        await settle(pilot)
        error = str(screen.query_one("#search-error", Static).render())
        assert "Search failed" in error
        assert "Try again" in error or "try again" in error
        assert screen.query_one(Input).value == "project"
        # Fixed: Enter in the field retries the same query.
        async with httpx.AsyncClient(
            headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"}
        ) as admin:
            await admin.delete(f"{server.base_url}/__sandbox/faults")
        screen.input.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#search-error").has_class("hidden")
        assert screen.query_one(Input).value == "project"


async def test_escape_clears_the_field_then_goes_back(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        await pilot.press(*"abc")
        await pilot.press("escape")
        assert screen.input.value == ""
        await settle(pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen))
        assert len(app.screen_stack) == 1


async def test_down_then_enter_typed_at_once_opens_the_result(sandbox: SandboxServer) -> None:
    """A terminal delivers Down and Enter together when typed fast: the Enter must reach the
    results, not the search field (Widget.focus() would move the focus a turn too late)."""
    from textual import events

    from alloy_tui.tui.screens.page import PageScreen

    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_search(app, pilot)
        screen.input.value = "revamp"
        await wait_until(
            pilot, lambda: "for “revamp”" in str(screen.query_one("#search-summary").render())
        )
        await settle(pilot)
        app.post_message(events.Key("down", None))
        app.post_message(events.Key("enter", "\r"))
        await wait_until(pilot, lambda: isinstance(app.screen, PageScreen))
