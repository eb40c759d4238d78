"""Drafts left by a crash or a quit are offered at start and when their page is opened."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, OptionList

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.config import load_settings
from alloy_tui.drafts import Draft, DraftStore
from alloy_tui.notion.blocks import block_text
from alloy_tui.notion.hashing import blocks_hash, properties_hash
from alloy_tui.notion.markdown import blocks_to_markdown
from alloy_tui.notion.models import title_property_name
from alloy_tui.notion.richtext import from_plain
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.sandboxed import sandbox_settings
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.drafts import DraftCompareModal, DraftsModal
from alloy_tui.tui.modals.plan_preview import PlanPreviewModal
from alloy_tui.tui.screens.page import PageScreen
from tests.tui.conftest import SIZE, build_app, settle, wait_until
from tests.tui.pages_helpers import started
from tests.tui.test_body_editor import paragraph

EDITED = "Alpha 👩‍👩‍👧 éè 日本語\n\nBeta\n\nGamma and a new ending\n"


@pytest.fixture
async def notion(sandbox: SandboxServer) -> AsyncIterator[NotionAPI]:
    """A second client on the sandbox, outside the app (the "earlier session")."""
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


async def left_draft(notion: NotionAPI, title: str) -> Draft:
    """Create a page and write the draft a crashed session would have left for it."""
    found = await notion.search("Tasks", filter_object="database")
    tasks = next(d for d in found.results if d["title"][0]["plain_text"] == "Tasks")
    page = await notion.create_page(
        {"database_id": tasks["id"]},
        {title_property_name(tasks): {"title": from_plain(title)}},
        [paragraph(t) for t in ("Alpha", "Beta", "Gamma")],
    )
    blocks = await notion.get_blocks_recursive(str(page["id"]))
    draft = Draft(
        page_id=str(page["id"]),
        connection_id=SEED_CONNECTION_ID,
        base_url="sandbox",
        title=title,
        base_properties_hash=properties_hash(page),
        base_body_hash=blocks_hash(blocks),
        base_markdown=blocks_to_markdown(blocks),
        properties={"Estimate": {"number": 21}},
        property_inputs={"Estimate": "21"},
        base_properties={"Estimate": page["properties"]["Estimate"]},
        body_markdown=EDITED,
    )
    store = DraftStore(state_dir() / "drafts")
    return store.save(draft)


def state_dir() -> Path:
    """The app's state dir, as the app computes it (isolated per test by conftest)."""
    return load_settings(use_cwd_env=False).state_dir


async def recovery_modal(pilot: Any) -> DraftsModal:
    await started(pilot)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DraftsModal))
    modal = pilot.app.screen
    assert isinstance(modal, DraftsModal)
    return modal


async def test_open_restores_the_draft_identically_then_saves_it(
    sandbox: SandboxServer, notion: NotionAPI
) -> None:
    draft = await left_draft(notion, "Crashed row")
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        modal = await recovery_modal(pilot)
        assert [d.title for d in modal.drafts] == ["Crashed row"]
        listing = modal.query_one(OptionList)
        row = str(listing.get_option_at_index(0).prompt)
        assert "Crashed row" in row and "body · Estimate" in row
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PageScreen)
        await wait_until(pilot, lambda: screen.body_loaded and screen.draft is not None)
        await pilot.pause()
        assert screen.body_editor.text == EDITED
        form = screen.form
        assert form is not None
        estimate = form.field("Estimate")
        assert estimate is not None and estimate.query_one(Input).value == "21"
        assert screen.dirty
        assert "unsaved" in str(screen.query_one("#page-dirty").render())

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanPreviewModal))
        await pilot.press("a")
        await settle(pilot)
        assert [block_text(b) for b in await notion.get_blocks_recursive(draft.page_id)] == [
            "Alpha 👩‍👩‍👧 éè 日本語",
            "Beta",
            "Gamma and a new ending",
        ]
        page = await notion.get_page(draft.page_id)
        assert page["properties"]["Estimate"]["number"] == 21
        assert app.state.drafts.load(draft.page_id, SEED_CONNECTION_ID) is None


async def test_compare_shows_the_diff_and_discard_asks_first(
    sandbox: SandboxServer, notion: NotionAPI
) -> None:
    draft = await left_draft(notion, "Compare row")
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        modal = await recovery_modal(pilot)
        await pilot.press("c")
        await pilot.pause()
        compare = app.screen
        assert isinstance(compare, DraftCompareModal)
        text = str(compare.query_one("#draft-diff").render())
        assert "+Gamma and a new ending" in text
        assert "-Gamma" in text
        assert "Estimate" in text and "21" in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is modal

        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#cancel")
        await pilot.pause()
        assert app.state.drafts.load(draft.page_id, SEED_CONNECTION_ID) is not None
        await pilot.press("d")
        await pilot.pause()
        await pilot.click("#confirm")
        await settle(pilot)
        assert app.state.drafts.load(draft.page_id, SEED_CONNECTION_ID) is None
        assert not isinstance(app.screen, DraftsModal)  # it was the only draft


async def test_later_keeps_the_draft_and_opening_its_page_offers_it(
    sandbox: SandboxServer, notion: NotionAPI
) -> None:
    draft = await left_draft(notion, "Later row")
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await recovery_modal(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.state.drafts.load(draft.page_id, SEED_CONNECTION_ID) is not None
        app.open_page(draft.page_id)
        await wait_until(pilot, lambda: isinstance(app.screen, DraftsModal))
        offer = app.screen
        assert isinstance(offer, DraftsModal)
        assert "unsaved draft of this page" in offer.title_text
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PageScreen)
        await wait_until(pilot, lambda: screen.draft is not None)
        assert screen.body_editor.text == EDITED


async def test_unreadable_draft_files_are_reported_not_fatal(
    sandbox: SandboxServer, notion: NotionAPI
) -> None:
    await left_draft(notion, "Readable row")
    folder = state_dir() / "drafts"
    (folder / "garbage.json").write_text("{oops", encoding="utf-8")
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        modal = await recovery_modal(pilot)
        assert [d.title for d in modal.drafts] == ["Readable row"]
        messages = [n.message for n in app._notifications]
        assert any("garbage.json" in m for m in messages)
        # Moved aside, not deleted, so the next start does not report it again.
        assert (folder / "garbage.json.corrupt").read_text(encoding="utf-8") == "{oops"
        assert not (folder / "garbage.json").exists()


async def test_no_drafts_no_modal(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app_ = await started(pilot)
        await settle(pilot)
        assert isinstance(app_, AlloyApp)
        assert not isinstance(app.screen, DraftsModal)


async def test_editing_without_opening_the_offered_draft_keeps_it_as_a_copy(
    sandbox: SandboxServer, notion: NotionAPI
) -> None:
    draft = await left_draft(notion, "Not opened row")
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await recovery_modal(pilot)
        await pilot.press("escape")
        await pilot.pause()
        app.open_page(draft.page_id)
        await wait_until(pilot, lambda: isinstance(app.screen, DraftsModal))
        await pilot.press("escape")  # not now
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PageScreen)
        form = screen.form
        assert form is not None
        estimate = form.field("Estimate")
        assert estimate is not None
        estimate.query_one(Input).value = "5"
        await pilot.pause()
        assert screen.flush_draft()
        store = app.state.drafts
        live = store.load(draft.page_id, SEED_CONNECTION_ID)
        assert live is not None and live.property_inputs == {"Estimate": "5"}
        [kept] = store.kept_copies(draft.page_id, SEED_CONNECTION_ID)
        assert kept.body_markdown == EDITED and kept.property_inputs == {"Estimate": "21"}
        assert (kept.created, kept.updated) == (draft.created, draft.updated)
