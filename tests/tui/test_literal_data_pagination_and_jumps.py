"""The shell screens show data literally (never as markup), pagination ends on a repeated
cursor, and app-level jumps ask before dropping unsaved edits."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from textual.widgets import Input, Label

from alloy_tui.alloy.client import AlloyClient, ClientOptions
from alloy_tui.alloy.connect import ConnectEvent
from alloy_tui.alloy.errors import ConnectionNotFoundError
from alloy_tui.config import load_settings
from alloy_tui.notion.models import title_property_name
from alloy_tui.notion.richtext import from_plain
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp, make_app
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.connect import ConnectModal
from alloy_tui.tui.modals.error import RevokedConnectionModal
from alloy_tui.tui.modals.picker import PickerModal, PickItem
from alloy_tui.tui.screens.connections import ConnectionsScreen
from alloy_tui.tui.screens.create import CreatePageScreen
from alloy_tui.tui.screens.database import DatabaseScreen
from alloy_tui.tui.screens.page import PageScreen
from alloy_tui.tui.screens.search import SearchScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import find_database, new_row, started
from tests.tui.test_body_editor import open_page, page_with_body

MARKUP_TITLE = "Clean up [/tmp] on [bold]hosts"
"""A closing tag with no opening one raises MarkupError; [bold] would silently vanish."""


def screen_text(app: AlloyApp) -> str:
    """What the terminal shows (the SVG screenshot without its tags)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


# ---- 1. Notion and Alloy data is never parsed as markup ------------------------------------


async def test_database_rows_show_markup_literally(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        projects = await find_database(app, "Projects")
        row_id = await new_row(
            app, projects, MARKUP_TITLE, Summary={"rich_text": from_plain("[/x] see [bold]")}
        )
        app.open_database(str(projects["id"]))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DatabaseScreen)
        await wait_until(pilot, lambda: screen.table.has_row(row_id))
        await pilot.pause()
        text = screen_text(app)
        assert MARKUP_TITLE in text
        assert "[/x] see [bold]" in text


async def test_search_titles_and_parents_show_markup_literally(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        notion = app.state.notion
        parent = await notion.create_page(
            {"type": "workspace", "workspace": True},
            {"title": {"title": from_plain("[/p] Ledger [bold]")}},
        )
        child = await notion.create_page(
            {"type": "page_id", "page_id": parent["id"]},
            {"title": {"title": from_plain("[/c] Zebracorn [bold]")}},
        )
        # A fresh app state would resolve the parent's title over the network; either way
        # the parent cell ends up holding the title.
        search = SearchScreen(query="Zebracorn")
        await app.push_screen(search)
        await wait_until(
            pilot,
            lambda: (
                bool(search.query("#search-results")) and search.table.has_row(str(child["id"]))
            ),
        )
        await settle(pilot)
        text = screen_text(app)
        assert "[/c] Zebracorn [bold]" in text
        assert "[/p] Ledger [bold]" in text


# ---- a fake Alloy (httpx.MockTransport) for what the sandbox cannot produce ---------------

CONNECTION_ID = "a" * 24
USER_ID = "b" * 24


class FakeAlloy:
    """Answers the calls the shell makes; counts the Notion actions it was asked for."""

    def __init__(self, connection_name: str = "Acme") -> None:
        self.connection_name = connection_name
        self.calls: dict[str, int] = {}
        self.search: Callable[[int, dict[str, Any]], dict[str, Any]] = lambda _n, _b: _page([])
        self.query: Callable[[int, dict[str, Any]], dict[str, Any]] = lambda _n, _b: _page([])
        self.database: dict[str, Any] = {}

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "credentials" in path and request.method == "GET":
            return httpx.Response(
                200,
                json={
                    "credentials": [
                        {
                            "credentialId": CONNECTION_ID,
                            "name": self.connection_name,
                            "type": "notion-oauth2",
                            "connectorId": "notion",
                            "createdAt": "2025-01-01T00:00:00Z",
                        }
                    ]
                },
            )
        body = json.loads(request.content or b"{}")
        for action, answer in (
            ("post-search", self.search),
            ("post-database-query", self.query),
            ("retrieve-a-database", lambda _n, _b: self.database),
        ):
            if f"/{action}/" in path or path.endswith(f"/{action}"):
                count = self.calls[action] = self.calls.get(action, 0) + 1
                return httpx.Response(200, json=answer(count, body.get("body") or body))
        return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "message": "no"}})


def _page(results: list[dict[str, Any]], cursor: str | None = None) -> dict[str, Any]:
    return {
        "object": "list",
        "results": results,
        "next_cursor": cursor,
        "has_more": cursor is not None,
    }


def _object(index: int, title: str = "Row", *, prop: str = "title") -> dict[str, Any]:
    return {
        "object": "page",
        "id": f"11111111-1111-1111-1111-{index:012d}",
        "parent": {"type": "workspace", "workspace": True},
        "properties": {prop: {"id": "title", "type": "title", "title": from_plain(title)}},
        "last_edited_time": "2025-01-01T00:00:00.000Z",
    }


async def _no_sleep(_seconds: float) -> None:
    """No retry waits in tests."""


def fake_app(fake: FakeAlloy) -> AlloyApp:
    settings = load_settings(
        env={"ALLOY_API_KEY": "k" * 20, "ALLOY_USER_ID": USER_ID, "CONNECTION_ID": CONNECTION_ID},
        use_cwd_env=False,
    )
    client = AlloyClient(
        httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)),
        base_url="http://alloy.test",
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False, max_attempts=1),
        sleep=_no_sleep,
    )
    return make_app(settings, client=client)


async def test_connection_names_show_markup_literally() -> None:
    name = "[/x] Team [bold]"
    app = fake_app(FakeAlloy(connection_name=name))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.state.active_connection is not None)
        await settle(pilot)
        assert isinstance(app.screen, ConnectionsScreen)
        text = screen_text(app)
        assert text.count(name) >= 2  # the table's name column and the status bar
        app.switch_connection(CONNECTION_ID)  # notifies "Active connection: <name>"
        await pilot.pause()
        (notice,) = [n for n in app._notifications if n.message.startswith("Active")]
        # CONNECTION_ID is in the environment: the notice adds that the pick lasts this run.
        assert notice.message.startswith(f"Active connection: {name}, until you quit.")
        assert notice.markup is False  # a toast renders markup=True messages as markup
        app.report_error(ConnectionNotFoundError())
        await pilot.pause()
        assert isinstance(app.screen, RevokedConnectionModal)
        assert f"The connection “{name}” no longer works" in screen_text(app)


async def test_dialogs_show_data_literally(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)

        async def search(_query: str) -> list[PickItem]:
            return [PickItem("1" * 32, "📄 [/i] Item [bold]")]

        picker = PickerModal("Link a page to [/x] Owner [bold]", search)
        await app.push_screen(picker)
        await settle(pilot)
        text = screen_text(app)
        assert "Link a page to [/x] Owner [bold]" in text
        assert "[/i] Item [bold]" in text
        picker.dismiss(None)
        await pilot.pause()

        connect = ConnectModal(start=False)
        await app.push_screen(connect)
        connect.show_event(ConnectEvent("listing", message="Connected: [/x] Team [bold]"))
        await pilot.pause()
        assert "Connected: [/x] Team [bold]" in screen_text(app)


# ---- 2. pagination ends when the server repeats itself ------------------------------------


@pytest.mark.parametrize("repeat", ["cursor", "rows"])
async def test_search_stops_when_the_server_repeats_itself(repeat: str) -> None:
    fake = FakeAlloy()

    def search(count: int, _body: dict[str, Any]) -> dict[str, Any]:
        if repeat == "cursor":  # new rows every time, but always the same cursor
            return _page([_object(count * 10 + i) for i in range(3)], "SAME")
        return _page([_object(i) for i in range(3)], f"c{count}")  # fresh cursors, same rows

    fake.search = search
    app = fake_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.state.active_connection is not None)
        screen = SearchScreen()
        await app.push_screen(screen)
        summary = screen.query_one("#search-summary", Label)
        await wait_until(pilot, lambda: "ends here" in str(summary.content), within=5)
        await settle(pilot)
        assert fake.calls["post-search"] == 2
        assert screen.table.row_count == (6 if repeat == "cursor" else 3)


async def test_database_stops_when_the_server_repeats_a_cursor() -> None:
    fake = FakeAlloy()
    fake.database = {
        "object": "database",
        "id": "22222222-2222-2222-2222-222222222222",
        "title": from_plain("[/d] Board"),
        "properties": {
            "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
            "[/x] Notes [bold]": {
                "id": "abcd",
                "name": "[/x] Notes [bold]",
                "type": "rich_text",
                "rich_text": {},
            },
        },
    }
    fake.query = lambda count, _body: _page(
        [_object(count * 10 + i, f"Row {count}.{i}", prop="Name") for i in range(3)], "SAME"
    )
    app = fake_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.state.active_connection is not None)
        screen = DatabaseScreen(str(fake.database["id"]))
        await app.push_screen(screen)
        await wait_until(pilot, lambda: screen.table.row_count > 0)
        screen.table.focus()
        for _ in range(8):  # every cursor move near the end asks for more
            await pilot.press("down")
            await settle(pilot)
        assert fake.calls["post-database-query"] == 2
        assert screen.row_count == 6
        text = screen_text(app)
        assert "the rows end here" in text
        assert "[/x] Notes [bold]" in text  # a property name as a column header, literally


# ---- 3. app-level jumps ask before dropping unsaved edits ---------------------------------


async def _dirty_page(pilot: Any, app: AlloyApp, title: str) -> PageScreen:
    page_id = await page_with_body(app, title)
    screen = await open_page(pilot, page_id)
    form = screen.form
    assert form is not None
    estimate = form.field("Estimate")
    assert estimate is not None
    estimate.query_one(Input).value = "42"
    await pilot.pause()
    assert screen.dirty
    return screen


@pytest.mark.parametrize("jump", ["search", "connections"])
async def test_jumps_ask_before_closing_a_dirty_page(sandbox: SandboxServer, jump: str) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        app.action_search()
        await settle(pilot)
        page = await _dirty_page(pilot, app, f"Nav guard {jump}")
        action = app.action_search if jump == "search" else app.action_connections

        action()  # what the command palette runs
        await pilot.pause()
        expect_screen(app, ConfirmModal)
        await pilot.press("n")  # stay
        await pilot.pause()
        assert app.screen is page
        assert page.dirty

        action()
        await pilot.pause()
        expect_screen(app, ConfirmModal)
        await pilot.press("y")  # discard
        await settle(pilot)
        assert page not in app.screen_stack
        expected = SearchScreen if jump == "search" else ConnectionsScreen
        assert isinstance(app.screen, expected)
        # Discarding removes the page's draft, as the page's own Esc does.
        connection = app.state.active_connection
        assert connection is not None
        assert page.drafts.load(page.page_id, connection.id) is None


async def test_jumps_from_a_clean_page_do_not_ask(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        app.action_search()
        await settle(pilot)
        page_id = await page_with_body(app, "Nav clean")
        await open_page(pilot, page_id)
        app.action_search()
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)


async def test_jump_asks_before_closing_a_new_page_with_input(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        tasks = await find_database(app, "Tasks")
        app.new_page({"type": "database_id", "database_id": tasks["id"]})
        await settle(pilot)
        create = app.screen
        assert isinstance(create, CreatePageScreen)
        await wait_until(pilot, lambda: create.form is not None)
        form = create.form
        assert form is not None
        field = form.field(title_property_name(tasks))
        assert field is not None
        field.query_one(Input).value = "Typed, not created"
        await pilot.pause()
        assert create.dirty

        app.action_connections()
        await pilot.pause()
        expect_screen(app, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is create


async def test_switching_connection_asks_before_dropping_a_dirty_page(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    app = build_app(sandbox_factory(auto_consent=True, rate_limit=False))
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        seed = app.state.active_connection
        assert seed is not None
        # A second workspace to switch to: connect one through the sandbox's consent.
        await settle(pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectModal) and app.screen.url)
        await pilot.click("#approve")
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionsScreen), within=15)
        await settle(pilot)
        other = app.state.active_connection
        assert other is not None and other.id != seed.id
        app.switch_connection(seed.id)  # back to the seed, where the pages are
        await settle(pilot)
        app.action_search()
        await settle(pilot)
        page = await _dirty_page(pilot, app, "Switch guard")

        assert app.switch_connection(other.id) is False  # the palette's "Switch to …"
        await pilot.pause()
        expect_screen(app, ConfirmModal)
        await pilot.press("n")  # stay
        await pilot.pause()
        assert app.screen is page
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == seed.id

        app.switch_connection(other.id)
        await pilot.pause()
        await pilot.press("y")  # discard and switch
        await settle(pilot)
        assert page not in app.screen_stack
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == other.id
