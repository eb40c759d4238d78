"""Conflicts: another client changes the page during the edit; the save shows both sides."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from textual.widgets import Input, OptionList

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.drafts import Draft
from alloy_tui.notion.blocks import block_text
from alloy_tui.notion.models import page_title
from alloy_tui.notion.richtext import from_plain
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.sandboxed import sandbox_settings
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.conflict import ConflictModal
from alloy_tui.tui.modals.drafts import DraftsModal
from alloy_tui.tui.modals.plan_preview import PlanPreviewModal
from alloy_tui.tui.screens.page import PageScreen
from tests.tui.conftest import SIZE, build_app, fixed_clock, settle, wait_until
from tests.tui.pages_helpers import requests_for, started
from tests.tui.test_body_editor import (
    draft_path,
    enter_edit_mode,
    open_page,
    page_with_body,
    type_at_end_of_line,
)

MINE = "Alpha\n\nBeta (mine)\n\nGamma\n"


def kept_copies(app: AlloyApp, screen: PageScreen) -> list[Draft]:
    assert screen.connection_id is not None
    return app.state.drafts.kept_copies(screen.page_id, screen.connection_id)


@pytest.fixture
async def other(sandbox: SandboxServer) -> AsyncIterator[NotionAPI]:
    """Another client of the same workspace: the colleague who saves first."""
    settings = sandbox_settings(sandbox)
    client = AlloyClient(
        make_http(),
        base_url=settings.base_url,
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False, max_attempts=1),
    )
    try:
        yield NotionAPI(client, SEED_CONNECTION_ID)
    finally:
        await client.aclose()


async def their_block_edit(other: NotionAPI, page_id: str, index: int, text: str) -> None:
    blocks = await other.get_blocks_recursive(page_id)
    await other.update_block(blocks[index]["id"], {"paragraph": {"rich_text": from_plain(text)}})


async def edit_then_conflict(
    pilot: Any, other: NotionAPI, title: str
) -> tuple[AlloyApp, PageScreen, str, ConflictModal]:
    """Open a page, change Beta, let the other client change Gamma, press Ctrl+S."""
    app = await started(pilot)
    page_id = await page_with_body(app, title)
    screen = await open_page(pilot, page_id)
    await enter_edit_mode(pilot, screen)
    await type_at_end_of_line(pilot, screen, 2, " (mine)")
    assert screen.flush_draft()
    await their_block_edit(other, page_id, 2, "Gamma (theirs)")
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, ConflictModal))
    modal = app.screen
    assert isinstance(modal, ConflictModal)
    return app, screen, page_id, modal


async def test_a_body_conflict_shows_both_sides(sandbox: SandboxServer, other: NotionAPI) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app, screen, page_id, modal = await edit_then_conflict(pilot, other, "Conflict view")
        diff = str(modal.query_one("#conflict-diff").render())
        assert "-Gamma (theirs)" in diff
        assert "+Beta (mine)" in diff
        assert requests_for(app, "update-a-block") == []  # nothing written yet
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert screen.body_editor.text == MINE
        texts = [block_text(b) for b in await other.get_blocks_recursive(page_id)]
        assert texts == ["Alpha", "Beta", "Gamma (theirs)"]


async def test_overwrite_plans_against_the_current_server_version(
    sandbox: SandboxServer, other: NotionAPI
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app, screen, page_id, _ = await edit_then_conflict(pilot, other, "Conflict overwrite")
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanPreviewModal))
        preview = app.screen
        assert isinstance(preview, PlanPreviewModal) and preview.plan is not None
        assert len(preview.plan.ops) == 2  # Beta -> mine, Gamma (theirs) -> Gamma
        await pilot.press("a")
        await settle(pilot)
        texts = [block_text(b) for b in await other.get_blocks_recursive(page_id)]
        assert texts == ["Alpha", "Beta (mine)", "Gamma"]
        assert not screen.dirty
        assert not draft_path(app, screen).exists()


async def test_reload_shows_the_server_version_and_keeps_the_draft(
    sandbox: SandboxServer, other: NotionAPI
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app, screen, _page_id, _ = await edit_then_conflict(pilot, other, "Conflict reload")
        await pilot.press("r")
        await settle(pilot)
        assert app.screen is screen
        assert screen.body_editor.text == "Alpha\n\nBeta\n\nGamma (theirs)\n"
        assert not screen.dirty
        assert requests_for(app, "update-a-block") == []
        # The edit was set aside as a kept copy: the live draft is free for new edits.
        path = draft_path(app, screen)
        assert not path.exists()
        assert [d.body_markdown for d in kept_copies(app, screen)] == [MINE]
        # The kept draft can be reopened from the page.
        await pilot.press("escape")  # back to the view (the editor had the focus)
        await pilot.pause()
        screen.query_one("#page-body").focus()
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DraftsModal))
        await pilot.press("o")
        await settle(pilot)
        assert screen.body_editor.text == MINE
        assert screen.dirty
        # Opened, it is the live draft again (journaled), and the copy is gone.
        assert Draft.from_json(path.read_text(encoding="utf-8")).body_markdown == MINE
        assert kept_copies(app, screen) == []


async def test_after_a_reload_new_edits_never_replace_the_kept_version(
    sandbox: SandboxServer, other: NotionAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PageScreen, "DRAFT_DEBOUNCE", 0.01)
    theirs_plus_mine = "Alpha!\n\nBeta\n\nGamma (theirs)\n"
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app, screen, _page_id, _ = await edit_then_conflict(pilot, other, "Reload then type")
        await pilot.press("r")
        await settle(pilot)
        assert app.screen is screen and screen.editing
        messages = [n.message for n in app._notifications]
        assert any("never replace" in m and "press d" in m for m in messages)
        await type_at_end_of_line(pilot, screen, 0, "!")
        path = draft_path(app, screen)
        # Written by the debounce timer, as any edit is.
        await wait_until(pilot, path.exists)
        assert Draft.from_json(path.read_text(encoding="utf-8")).body_markdown == (theirs_plus_mine)
        # The version the conflict was about is still on disk, exactly.
        [kept] = kept_copies(app, screen)
        assert kept.body_markdown == MINE
        assert kept.base_markdown == "Alpha\n\nBeta\n\nGamma\n"

        # ... and offered: d lists both, the kept copy marked as such.
        await pilot.press("escape")
        await pilot.pause()
        form = screen.form
        assert form is not None
        estimate = form.field("Estimate")
        assert estimate is not None
        estimate.query_one(Input).value = "8"  # a new property edit too
        await pilot.pause()
        screen.query_one("#page-body").focus()
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DraftsModal))
        modal = app.screen
        assert isinstance(modal, DraftsModal)
        assert [d.body_markdown for d in modal.drafts] == [theirs_plus_mine, MINE]
        listing = modal.query_one(OptionList)
        assert "kept copy" in str(listing.get_option_at_index(1).prompt)
        assert "kept copy" not in str(listing.get_option_at_index(0).prompt)
        # Opening the kept copy sets the new edit aside in turn: both versions survive.
        await pilot.press("down", "o")
        await settle(pilot)
        assert app.screen is screen
        assert screen.body_editor.text == MINE
        assert [f.schema.name for f in form.changed_fields] == []  # exactly the kept version
        live = Draft.from_json(path.read_text(encoding="utf-8"))
        assert (live.body_markdown, live.property_inputs) == (MINE, {})
        [aside] = kept_copies(app, screen)
        assert (aside.body_markdown, aside.property_inputs) == (theirs_plus_mine, {"Estimate": "8"})


async def test_save_as_new_page_creates_a_copy_and_leaves_the_original(
    sandbox: SandboxServer, other: NotionAPI
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app, screen, page_id, _ = await edit_then_conflict(pilot, other, "Conflict copy")
        original_path = draft_path(app, screen)
        await pilot.press("n")
        await settle(pilot)
        copy = app.screen
        assert isinstance(copy, PageScreen) and copy is not screen
        assert copy.page_id != page_id
        created = await other.get_page(copy.page_id)
        assert page_title(created) == "Conflict copy (my version)"
        assert (
            created["parent"]["database_id"]
            == (await other.get_page(page_id))["parent"]["database_id"]
        )
        texts = [block_text(b) for b in await other.get_blocks_recursive(copy.page_id)]
        assert texts == ["Alpha", "Beta (mine)", "Gamma"]
        original = [block_text(b) for b in await other.get_blocks_recursive(page_id)]
        assert original == ["Alpha", "Beta", "Gamma (theirs)"]
        assert not original_path.exists()


async def test_a_property_conflict_shows_old_and_new_values(
    sandbox: SandboxServer, other: NotionAPI
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        page_id = await page_with_body(app, "Property conflict")
        screen = await open_page(pilot, page_id)
        form = screen.form
        assert form is not None
        estimate = form.field("Estimate")
        assert estimate is not None
        estimate.query_one(Input).value = "8"
        await pilot.pause()
        await other.update_page(page_id, {"Estimate": {"number": 3}})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictModal))
        modal = app.screen
        assert isinstance(modal, ConflictModal)
        row = str(modal.query_one(".conflict-property").render())
        assert "Estimate" in row and "3" in row and "8" in row
        assert requests_for(app, "patch-page") == []
        await pilot.press("o")
        await settle(pilot)
        page = await other.get_page(page_id)
        assert page["properties"]["Estimate"]["number"] == 8


async def test_an_unrelated_property_change_is_no_conflict(
    sandbox: SandboxServer, other: NotionAPI
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        page_id = await page_with_body(app, "No conflict")
        screen = await open_page(pilot, page_id)
        form = screen.form
        assert form is not None
        estimate = form.field("Estimate")
        assert estimate is not None
        estimate.query_one(Input).value = "5"
        await pilot.pause()
        await other.update_page(page_id, {"Priority": {"select": {"name": "P2"}}})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ConflictModal)
        page = await other.get_page(page_id)
        assert page["properties"]["Estimate"]["number"] == 5
        assert page["properties"]["Priority"]["select"]["name"] == "P2"


def test_snapshot_conflict_dialog(
    snap_compare: Any, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(clock=fixed_clock, rate_limit=False)
    app = build_app(server, clock=fixed_clock)

    async def run_before(pilot: Any) -> None:
        settings = sandbox_settings(server)
        client = AlloyClient(
            make_http(),
            base_url=settings.base_url,
            api_key=settings.api_key,
            user_id=settings.user_id,
            options=ClientOptions(rate_limit=False, max_attempts=1),
        )
        try:
            await edit_then_conflict(pilot, NotionAPI(client, SEED_CONNECTION_ID), "Snapshot")
        finally:
            await client.aclose()
        # Not settle(): the save worker waits on this dialog until it is answered.
        await pilot.pause()
        app.update_status(last_latency_ms=12.0, in_flight=0, wait_until=None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_a_second_writer_while_the_plan_preview_is_open_is_not_overwritten(
    sandbox: SandboxServer, other: NotionAPI
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        page_id = await page_with_body(app, "Preview race")
        screen = await open_page(pilot, page_id)
        await enter_edit_mode(pilot, screen)
        await type_at_end_of_line(pilot, screen, 2, " (mine)")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanPreviewModal))
        # The colleague saves while the user reads the plan.
        await their_block_edit(other, page_id, 2, "Gamma (theirs)")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictModal))
        assert requests_for(app, "update-a-block") == []
        texts = [block_text(b) for b in await other.get_blocks_recursive(page_id)]
        assert texts == ["Alpha", "Beta", "Gamma (theirs)"]
        modal = app.screen
        assert isinstance(modal, ConflictModal)
        assert "-Gamma (theirs)" in str(modal.query_one("#conflict-diff").render())
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.dirty
