"""Palette entries, draft dialogs and page notices show data literally; a page closed from
outside drops its draft; a draft of another connection opens only once the switch happened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from alloy_tui.alloy.client import AlloyClient, ClientOptions
from alloy_tui.config import load_settings
from alloy_tui.drafts import Draft
from alloy_tui.notion.hashing import blocks_hash, properties_hash
from alloy_tui.notion.markdown import blocks_to_markdown
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp, make_app
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.drafts import DraftsModal, open_draft
from alloy_tui.tui.screens.page import PageScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import started
from tests.tui.test_body_editor import open_page, page_with_body
from tests.tui.test_literal_data_pagination_and_jumps import screen_text

MARKUP_NAME = "[/x] Team [bold]"
"""A closing tag with no opening one raises MarkupError; [bold] would silently vanish."""
MARKUP_TITLE = "[/x] Notes [bold]"

ACTIVE_ID = "a" * 24
OTHER_ID = "c" * 24
USER_ID = "b" * 24


# ---- 1. command palette entries quote connection names literally ---------------------------


def _credential(credential_id: str, name: str) -> dict[str, Any]:
    return {
        "credentialId": credential_id,
        "name": name,
        "type": "notion-oauth2",
        "connectorId": "notion",
        "createdAt": "2025-01-01T00:00:00Z",
    }


def _two_connections(request: httpx.Request) -> httpx.Response:
    """A fake Alloy that lists two connections and knows nothing else."""
    if "credentials" in request.url.path and request.method == "GET":
        credentials = [_credential(ACTIVE_ID, "Acme"), _credential(OTHER_ID, MARKUP_NAME)]
        return httpx.Response(200, json={"credentials": credentials})
    return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "message": "no"}})


async def _no_sleep(_seconds: float) -> None:
    """No retry waits in tests."""


def fake_app(handler: Callable[[httpx.Request], httpx.Response]) -> AlloyApp:
    settings = load_settings(
        env={"ALLOY_API_KEY": "k" * 20, "ALLOY_USER_ID": USER_ID, "CONNECTION_ID": ACTIVE_ID},
        use_cwd_env=False,
    )
    client = AlloyClient(
        httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        base_url="http://alloy.test",
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False, max_attempts=1),
        sleep=_no_sleep,
    )
    return make_app(settings, client=client)


def _prompts(palette: CommandPalette) -> list[str]:
    listing = palette.query_one(CommandList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def test_palette_switch_entry_shows_a_markup_name_literally_and_works() -> None:
    app = fake_app(_two_connections)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(app.state.connections) == 2)
        await settle(pilot)
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == ACTIVE_ID

        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        entry = f"Switch connection: {MARKUP_NAME}"
        helper = f"Make {MARKUP_NAME} the active connection ({OTHER_ID})"
        # Discovery (nothing typed yet) lists the entry too, with its help.
        await wait_until(pilot, lambda: any(entry in p for p in _prompts(palette)))
        assert any(f"{entry}\n{helper}" == p for p in _prompts(palette))

        await pilot.press(*"switch")
        await wait_until(
            pilot,
            lambda: (
                palette.query_one(Input).value == "switch"
                and any(p.startswith(entry) for p in _prompts(palette))
            ),
        )
        await pilot.pause()
        text = screen_text(app)
        assert entry in text
        assert helper in text

        listing = palette.query_one(CommandList)
        listing.highlighted = next(
            i for i, p in enumerate(_prompts(palette)) if p.startswith(entry)
        )
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                app.state.active_connection is not None
                and app.state.active_connection.id == OTHER_ID
            ),
        )
        await settle(pilot)
        assert not isinstance(app.screen, CommandPalette)
        assert MARKUP_NAME in screen_text(app)  # the status bar and the switch notice


# ---- 2. draft dialogs and page notices quote titles literally ------------------------------


async def _left_draft(app: AlloyApp, page_id: str, title: str, connection_id: str) -> Draft:
    """The draft an earlier session would have left for the page (an Estimate edit)."""
    notion = app.state.notion
    page = await notion.get_page(page_id)
    blocks = await notion.get_blocks_recursive(page_id)
    draft = Draft(
        page_id=page_id,
        connection_id=connection_id,
        base_url="sandbox",
        title=title,
        base_properties_hash=properties_hash(page),
        base_body_hash=blocks_hash(blocks),
        base_markdown=blocks_to_markdown(blocks),
        properties={"Estimate": {"number": 21}},
        property_inputs={"Estimate": "21"},
        base_properties={"Estimate": page["properties"]["Estimate"]},
    )
    return app.state.drafts.save(draft)


async def test_discarding_a_draft_and_trashing_a_markup_titled_page(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    # Toasts on: a markup=True toast with this title raises MarkupError when rendered.
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app = await started(pilot)
        await settle(pilot)
        connection = app.state.active_connection
        assert connection is not None
        page_id = await page_with_body(app, MARKUP_TITLE)
        # A kept copy and a live draft: discarding one leaves the dialog open with a notice.
        await _left_draft(app, page_id, MARKUP_TITLE, connection.id)
        kept = app.state.drafts.set_aside(page_id, connection.id)
        assert kept is not None
        await _left_draft(app, page_id, MARKUP_TITLE, connection.id)

        app.open_page(page_id)
        await wait_until(pilot, lambda: isinstance(app.screen, DraftsModal))  # live one offered
        await pilot.press("escape")  # not now
        await settle(pilot)
        page = expect_screen(app, PageScreen)
        page.action_drafts()  # the page's drafts: live and kept ("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DraftsModal))
        modal = expect_screen(app, DraftsModal)
        await settle(pilot)
        assert len(modal.drafts) == 2
        assert MARKUP_TITLE in screen_text(app)  # the drafts' rows
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert MARKUP_TITLE in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is modal and len(modal.drafts) == 1)
        await settle(pilot)
        assert app.state.drafts.load(page_id, connection.id) is None
        (discarded,) = [n for n in app._notifications if n.message.startswith("Discarded")]
        assert discarded.message == f"Discarded the draft of “{MARKUP_TITLE}”."
        assert discarded.markup is False  # a toast renders markup=True messages as markup
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is page
        assert f"Discarded the draft of “{MARKUP_TITLE}”." in screen_text(app)  # the toast

        page.action_trash()
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_until(pilot, lambda: page not in app.screen_stack)
        await settle(pilot)
        (moved,) = [n for n in app._notifications if n.message.startswith("Moved")]
        assert moved.message == f"Moved “{MARKUP_TITLE}” to the trash."
        assert moved.markup is False
        assert f"Moved “{MARKUP_TITLE}” to the trash." in screen_text(app)


# ---- 3. closing an edited page from outside removes its draft -------------------------------


async def test_close_screens_above_discards_through_the_public_method(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        await settle(pilot)
        page = await open_page(pilot, await page_with_body(app, "Closed from outside"))
        form = page.form
        assert form is not None
        estimate = form.field("Estimate")
        assert estimate is not None
        estimate.query_one(Input).value = "7"
        await pilot.pause()
        assert page.flush_draft()  # the edit is journaled on disk
        connection = app.state.active_connection
        assert connection is not None
        assert page.drafts.load(page.page_id, connection.id) is not None

        calls: list[str] = []
        original = page.discard_and_close

        def spy() -> None:
            calls.append(page.page_id)
            original()

        page.discard_and_close = spy  # type: ignore[method-assign]
        app.close_screens_above(app.screen_stack.index(page) - 1)
        await settle(pilot)
        assert calls == [page.page_id]
        assert page not in app.screen_stack
        assert page.drafts.load(page.page_id, connection.id) is None


# ---- 4. a draft of another connection opens only after the switch ---------------------------


async def _second_connection(app: AlloyApp, sandbox: SandboxServer) -> str:
    """A second connection of the same user (what an OAuth consent stores), listed."""
    store = sandbox.sandbox.credentials
    flow = store.start_flow(sandbox.config.user_id, "notion", "http://127.0.0.1/callback")
    credential, _code = store.allow(flow)
    await app.state.refresh_connections()
    assert app.state.connection(credential.id) is not None
    return credential.id


async def test_open_draft_waits_for_the_connection_switch(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    sandbox = sandbox_factory(rate_limit=False)
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        await settle(pilot)
        seed = app.state.active_connection
        assert seed is not None
        other = await _second_connection(app, sandbox)
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == seed.id
        drafted = await page_with_body(app, "Drafted elsewhere")
        draft = await _left_draft(app, drafted, "Drafted elsewhere", other)

        # An edited page of the current workspace is open: the switch asks first.
        page = await open_page(pilot, await page_with_body(app, "Edited here"))
        form = page.form
        assert form is not None
        estimate = form.field("Estimate")
        assert estimate is not None
        estimate.query_one(Input).value = "3"
        await pilot.pause()
        assert page.dirty

        assert open_draft(app, draft) is False
        await pilot.pause()
        expect_screen(app, ConfirmModal)  # the question, with nothing above it
        assert not any(
            isinstance(s, PageScreen) and s.page_id == draft.page_id for s in app.screen_stack
        )
        await pilot.press("n")  # stay
        await settle(pilot)
        assert app.screen is page
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == seed.id

        # Nothing edited any more: the switch happens right away and the page opens.
        page.discard_and_close()
        await settle(pilot)
        assert open_draft(app, draft) is True
        await pilot.pause()
        assert app.state.active_connection is not None
        assert app.state.active_connection.id == other
        opened = app.screen
        assert isinstance(opened, PageScreen)
        assert opened.page_id == draft.page_id
        assert opened.connection_id == other
        await settle(pilot)  # the page loads (or reports) without taking the app down
