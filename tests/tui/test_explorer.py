"""The action explorer: browse connectors and actions, fill a form and a JSON body, run it through
a connection, read the answer, and find the call in Requests."""

from __future__ import annotations

import json
from typing import Any

from textual.command import CommandList
from textual.widgets import Input, OptionList, Select, Static

from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.screens.explorer import MAX_ANSWER_LINES, ExplorerScreen
from alloy_tui.tui.screens.requests import RequestsScreen
from alloy_tui.tui.widgets.json_editor import JsonEditor
from alloy_tui.tui.widgets.rows_table import RowsTable
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until


async def open_explorer(app: AlloyApp, pilot: Any) -> ExplorerScreen:
    await settle(pilot)
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(app.screen, ExplorerScreen))
    screen = expect_screen(app, ExplorerScreen)
    await wait_until(pilot, lambda: screen.connectors)
    return screen


def option_ids(screen: ExplorerScreen) -> list[str]:
    options = screen.query_one("#explorer-list", OptionList)
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


async def pick(pilot: Any, screen: ExplorerScreen, option_id: str) -> None:
    options = screen.query_one("#explorer-list", OptionList)
    options.focus()
    options.highlighted = option_ids(screen).index(option_id)
    await pilot.press("enter")


async def open_action(pilot: Any, screen: ExplorerScreen, action_id: str) -> None:
    """Notion's actions listed (and its connections), then `action_id`'s form shown."""
    if screen.connector is None:
        await pick(pilot, screen, "notion")
    await wait_until(pilot, lambda: screen.actions)
    select = screen.query_one("#explorer-connection", Select)
    await wait_until(pilot, lambda: select.value == SEED_CONNECTION_ID)
    await pick(pilot, screen, action_id)
    await wait_until(pilot, lambda: screen.action is not None and screen.action.id == action_id)
    await pilot.pause()


def field(screen: ExplorerScreen, name: str) -> Input:
    assert screen.action is not None
    index = [p.name for p in screen.action.parameters].index(name)
    return screen.query_one(f"#param-{index}", Input)


async def run(pilot: Any, screen: ExplorerScreen) -> Any:
    """ctrl+r, then the final state: the run worker done and its answer (or error) shown."""
    before = len(pilot.app.state.log)
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: len(pilot.app.state.log) > before)
    await wait_until(pilot, lambda: pilot.app.state.log.records()[-1].finished)
    await settle(pilot)
    return screen.answer


async def a_page_id(app: AlloyApp) -> str:
    found = await app.state.notion.search("", filter_object="page", page_size=1)
    return str(found.results[0]["id"])


async def test_browse_fill_run_and_find_the_call_in_requests(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_explorer(app, pilot)
        assert "notion" in option_ids(screen)
        await pick(pilot, screen, "notion")
        await wait_until(pilot, lambda: len(screen.actions) >= 20)
        # The filter narrows the list; Enter in it goes to the list.
        await pilot.press("slash", *"retrieve-a-pa")
        await pilot.pause()
        assert option_ids(screen)[1:] == ["retrieve-a-page", "retrieve-a-page-property"]
        page_id = await a_page_id(app)
        await open_action(pilot, screen, "retrieve-a-page")
        head = str(screen.query_one("#explorer-action", Static).render())
        assert "GET /v1/pages/{page_id}" in head
        page_field = field(screen, "page_id")
        assert page_field.has_focus  # the first field takes the keys at once
        label = screen.query_one("#explorer-form .explorer-label", Static)
        assert str(label.render()) == "page_id *"
        assert screen.body_editor.display is False  # a GET has no body
        await pilot.press(*page_id)
        answer = await run(pilot, screen)
        assert answer["object"] == "page" and answer["id"] == page_id
        assert f'"id": "{page_id}"' in screen.answer_text()
        record = app.state.log.records()[-1]
        assert record.action == "retrieve-a-page" and record.status == 200
        assert record.request_body["pathParams"] == {"page_id": page_id}
        assert record.connection_id == SEED_CONNECTION_ID
        head_text = str(screen.query_one("#explorer-answer-head", Static).render())
        assert f"200 · call #{record.id}" in head_text
        # The call is in Requests, highlighted as the newest.
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
        requests = expect_screen(app, RequestsScreen)
        table = requests.query_one("#requests-table", RowsTable)
        assert str(table.get_row_at(table.row_count - 1)[3]) == "notion · retrieve-a-page"
        assert requests.highlighted() is record


async def test_every_kind_of_input_through_the_sandbox(sandbox: SandboxServer) -> None:
    """A call without inputs, a query parameter, a JSON body and a path parameter."""
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_explorer(app, pilot)
        await open_action(pilot, screen, "get-self")
        answer = await run(pilot, screen)
        assert answer["object"] == "user" and answer["type"] == "bot"

        await open_action(pilot, screen, "get-users")
        field(screen, "page_size").value = "2"
        answer = await run(pilot, screen)
        assert answer["object"] == "list" and len(answer["results"]) == 2
        assert app.state.log.records()[-1].request_body["queryParameters"] == {"page_size": 2}

        await open_action(pilot, screen, "post-search")
        screen.body_editor.load(
            json.dumps({"filter": {"value": "page", "property": "object"}, "page_size": 3})
        )
        answer = await run(pilot, screen)
        assert [r["object"] for r in answer["results"]] == ["page"] * 3
        assert app.state.log.records()[-1].status == 200

        page_id = answer["results"][0]["id"]
        await open_action(pilot, screen, "get-block-children")
        field(screen, "block_id").value = page_id
        field(screen, "page_size").value = "1"
        answer = await run(pilot, screen)
        assert answer["object"] == "list" and len(answer["results"]) <= 1


async def test_bad_inputs_are_named_and_nothing_is_sent_or_lost(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_explorer(app, pilot)
        await open_action(pilot, screen, "post-search")
        editor = screen.query_one("#explorer-body", JsonEditor)
        typed = '{\n  "query": "Road"\n  "page_size": 2\n}'
        editor.load(typed)
        calls = len(app.state.log)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert len(app.state.log) == calls  # nothing sent
        problem = str(editor.query_one(".json-problem", Static).render())
        assert problem.startswith("The body is not valid JSON: line 3, column 3:")
        assert editor.text == typed  # nothing typed lost
        assert editor.area.has_focus and editor.area.cursor_location == (2, 2)
        # A field of the wrong type, against the schema.
        editor.load('{"page_size": "two"}')
        await pilot.press("ctrl+r")
        await pilot.pause()
        problem = str(editor.query_one(".json-problem", Static).render())
        assert problem == "body.page_size must be a whole number (it is text)."
        assert len(app.state.log) == calls

        await open_action(pilot, screen, "get-users")
        calls = len(app.state.log)
        field(screen, "page_size").value = "ten"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert field(screen, "page_size").has_class("-invalid")
        said = str(screen.query_one("#explorer-problems", Static).render())
        assert said == "page_size must be a whole number (it is 'ten')."
        assert field(screen, "page_size").value == "ten"

        await open_action(pilot, screen, "retrieve-a-page")
        calls = len(app.state.log)
        await pilot.press("ctrl+r")
        await pilot.pause()
        said = str(screen.query_one("#explorer-problems", Static).render())
        assert said == "page_id is required; fill it in."
        assert len(app.state.log) == calls


async def test_an_error_answer_is_said_in_place(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_explorer(app, pilot)
        await open_action(pilot, screen, "retrieve-a-page")
        field(screen, "page_id").value = "0badc0de-0000-4000-8000-000000000000"
        assert await run(pilot, screen) is None
        head = screen.query_one("#explorer-answer-head", Static)
        assert head.has_class("-error")
        assert "Could not find page" in str(head.render())
        assert field(screen, "page_id").value  # the form is kept
        assert app.state.log.records()[-1].status == 404


async def test_a_large_answer_is_folded_until_asked(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_explorer(app, pilot)
        await open_action(pilot, screen, "post-search")
        screen.body_editor.load('{"page_size": 100}')
        answer = await run(pilot, screen)
        whole = len(json.dumps(answer, indent=2).splitlines())
        assert whole > MAX_ANSWER_LINES
        assert len(screen.answer_text().splitlines()) == MAX_ANSWER_LINES
        more = screen.query_one("#explorer-show-all")
        assert more.display and f"{whole - MAX_ANSWER_LINES} more lines" in str(more.render())
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert len(screen.answer_text().splitlines()) == whole
        assert not more.display


async def test_esc_goes_back_a_level_and_the_palette_opens_it(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_explorer(app, pilot)
        await open_action(pilot, screen, "get-self")
        await pilot.press("escape")  # the form -> the list
        assert screen.query_one("#explorer-list").has_focus
        await pilot.press("escape")  # the actions -> the connectors
        assert screen.connector is None and "notion" in option_ids(screen)
        await pilot.press("escape")  # out
        await wait_until(pilot, lambda: not isinstance(app.screen, ExplorerScreen))
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"action explorer")
        await wait_until(
            pilot,
            lambda: (
                app.screen.query(CommandList) and app.screen.query_one(CommandList).option_count
            ),
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ExplorerScreen))
