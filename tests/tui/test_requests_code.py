"""The request inspector's copy as code (curl, httpx, fetch; the real key only when confirmed),
replay after editing, and the export of the session's calls."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from alloy_tui.sandbox.defaults import DEFAULT_API_KEY
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.confirm import ConfirmModal, PromptModal
from alloy_tui.tui.modals.replay import ReplayModal
from alloy_tui.tui.screens.requests import RequestsScreen
from alloy_tui.tui.widgets.json_editor import JsonEditor
from alloy_tui.tui.widgets.rows_table import RowsTable
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until


async def _inspector_on_a_search(app: AlloyApp, pilot: Any) -> RequestsScreen:
    """A search whose query quotes the key, highlighted in the inspector."""
    await settle(pilot)
    await app.state.notion.search(f"Roadmap {DEFAULT_API_KEY}", page_size=2)
    await pilot.press("ctrl+l")
    await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
    screen = expect_screen(app, RequestsScreen)
    await pilot.pause()
    record = screen.highlighted()
    assert record is not None and record.action == "post-search"
    return screen


async def test_copy_as_each_kind_without_the_key(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await _inspector_on_a_search(app, pilot)
        copied: dict[str, str] = {}
        for key, kind in (("y", "curl"), ("p", "httpx"), ("t", "fetch")):
            await pilot.press(key)
            await pilot.pause()
            copied[kind] = app.clipboard
        assert copied["curl"].startswith("curl -X POST ")
        assert 'os.environ["ALLOY_API_KEY"]' in copied["httpx"]
        ast.parse(copied["httpx"])
        assert "process.env.ALLOY_API_KEY" in copied["fetch"]
        assert copied["fetch"].startswith("const response = await fetch(")
        for text in copied.values():
            assert DEFAULT_API_KEY not in text
            assert "/actions/post-search/execute" in text
            assert "Roadmap [REDACTED]" in text


async def test_the_real_key_only_after_saying_yes(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _inspector_on_a_search(app, pilot)
        app.copy_to_clipboard("before")
        await pilot.press("P")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("escape")  # no: nothing copied
        await wait_until(pilot, lambda: app.screen is screen)
        assert app.clipboard == "before"
        for key, marker in (("Y", "curl -X POST"), ("P", "import httpx"), ("T", "await fetch(")):
            await pilot.press(key)
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
            await pilot.press("y")
            await wait_until(pilot, lambda: app.screen is screen)
            text = app.clipboard
            assert marker in text
            assert text.count(DEFAULT_API_KEY) == 1  # in the header; the body's stays hidden
            assert "Roadmap [REDACTED]" in text


async def test_replay_with_an_edited_body(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _inspector_on_a_search(app, pilot)
        source = screen.highlighted()
        assert source is not None
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayModal))
        modal = expect_screen(app, ReplayModal)
        editor = modal.query_one(JsonEditor)
        inputs = json.loads(editor.text)
        assert inputs["requestBody"]["query"] == "Roadmap [REDACTED]"
        assert "credentialId" not in inputs
        # A broken edit is named and kept; nothing is sent.
        calls = len(app.state.log)
        editor.load('{"requestBody": {"query": }')
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ReplayModal)
        assert "line 1, column 27" in str(editor.query_one(".json-problem", Static).render())
        assert len(app.state.log) == calls
        inputs["requestBody"] = {"query": "Roadmap", "page_size": 1}
        editor.load(json.dumps(inputs))
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: len(app.state.log) > calls)
        await wait_until(pilot, lambda: app.state.log.records()[-1].finished)
        await settle(pilot)
        replayed = app.state.log.records()[-1]
        assert replayed.id != source.id and replayed.action == "post-search"
        assert replayed.status == 200
        assert replayed.connection_id == source.connection_id
        assert replayed.request_body["requestBody"] == {"query": "Roadmap", "page_size": 1}
        assert (
            replayed.request_body["additionalHeaders"] == source.request_body["additionalHeaders"]
        )
        assert screen.highlighted() is replayed  # the cursor moved to the new call
        table = screen.query_one("#requests-table", RowsTable)
        assert table.has_row(str(replayed.id))


async def test_a_call_that_is_no_action_is_not_replayed(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
        screen = expect_screen(app, RequestsScreen)
        screen.table.move_cursor(row=0)
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is screen
        assert any("Only action calls can be replayed" in n.message for n in app._notifications)


async def test_export_writes_the_session_as_redacted_json_lines(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await _inspector_on_a_search(app, pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal))
        prompt = app.screen.query_one(Input)
        default = Path(prompt.value)
        assert default.parent == app.state.settings.data_dir / "requests"
        assert default.suffix == ".jsonl"
        target = tmp_path / "bug-report" / "calls.jsonl"
        prompt.value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists)
        lines = target.read_text(encoding="utf-8").splitlines()
        records = app.state.log.records()
        assert len(lines) == len(records)
        entries = [json.loads(line) for line in lines]
        assert [e["id"] for e in entries] == [r.id for r in records]
        search = entries[-1]
        assert search["action"] == "post-search" and search["status"] == 200
        assert search["request"]["body"]["requestBody"]["query"] == "Roadmap [REDACTED]"
        answer = search["response"]["body"]
        assert answer["success"] is True and answer["result"]["object"] == "list"
        assert DEFAULT_API_KEY not in target.read_text(encoding="utf-8")
        assert any(str(target) in n.message for n in app._notifications)
        # The same path again: refused, nothing overwritten, and said.
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal))
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert any("already exists" in n.message for n in app._notifications)
        assert len(target.read_text(encoding="utf-8").splitlines()) == len(records)
