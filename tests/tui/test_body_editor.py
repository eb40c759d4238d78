"""The body editor against a real sandbox: edit as Markdown, preview the plan, apply, journal."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import Input

from alloy_tui.drafts import Draft
from alloy_tui.notion.blocks import block_text
from alloy_tui.notion.models import title_property_name
from alloy_tui.notion.richtext import from_plain
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.plan_preview import PlanPreviewModal, counts_line
from alloy_tui.tui.screens.page import PageScreen
from tests.tui.conftest import SIZE, build_app, fixed_clock, settle, wait_until
from tests.tui.pages_helpers import find_database, requests_for, started

LINES = ("Alpha", "Beta", "Gamma")


def paragraph(text: str) -> dict[str, Any]:
    return {"object": "block", "type": "paragraph", "paragraph": {"rich_text": from_plain(text)}}


async def page_with_body(app: AlloyApp, title: str, lines: Iterable[str] = LINES) -> str:
    """A fresh Tasks row whose body is one paragraph per line."""
    tasks = await find_database(app, "Tasks")
    page = await app.state.notion.create_page(
        {"database_id": tasks["id"]},
        {title_property_name(tasks): {"title": from_plain(title)}},
        [paragraph(line) for line in lines],
    )
    return str(page["id"])


async def open_page(pilot: Any, page_id: str) -> PageScreen:
    app = pilot.app
    assert isinstance(app, AlloyApp)
    app.open_page(page_id)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, PageScreen)
    await wait_until(pilot, lambda: screen.body_loaded and screen.form is not None)
    await pilot.pause()
    return screen


async def enter_edit_mode(pilot: Any, screen: PageScreen) -> None:
    await pilot.press("f2")
    await pilot.pause()
    assert screen.editing
    assert screen.body_editor.text_area.has_focus


async def type_at_end_of_line(pilot: Any, screen: PageScreen, row: int, text: str) -> None:
    area = screen.body_editor.text_area
    area.cursor_location = (row, len(area.document.get_line(row)))
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])
    await pilot.pause()


async def body_texts(app: AlloyApp, page_id: str) -> list[str]:
    return [block_text(b) for b in await app.state.notion.get_blocks_recursive(page_id)]


def draft_path(app: AlloyApp, screen: PageScreen) -> Path:
    assert screen.connection_id is not None
    return app.state.drafts.path_for(screen.page_id, screen.connection_id)


def inject_faults(server: SandboxServer, *rules: dict[str, Any]) -> None:
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    ) as client:
        client.post("/__sandbox/faults", json={"rules": list(rules), "seed": 0}).raise_for_status()


async def test_edit_one_line_previews_one_update_and_applies_exactly_that(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        page_id = await page_with_body(app, "Body edit row")
        before = await app.state.notion.get_blocks_recursive(page_id)
        screen = await open_page(pilot, page_id)
        assert screen.body_editor.text == "Alpha\n\nBeta\n\nGamma\n"
        await enter_edit_mode(pilot, screen)
        await type_at_end_of_line(pilot, screen, 2, " two")
        assert screen.dirty and screen.body_dirty
        assert "body" in str(screen.query_one("#page-dirty").render())

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanPreviewModal))
        preview = app.screen
        assert isinstance(preview, PlanPreviewModal) and preview.plan is not None
        assert counts_line(preview.plan).startswith("1 update · 0 inserts · 0 deletes")
        assert len(preview.plan.ops) == 1
        await pilot.press("a")
        await settle(pilot)

        after = await app.state.notion.get_blocks_recursive(page_id)
        assert [block_text(b) for b in after] == ["Alpha", "Beta two", "Gamma"]
        assert [b["id"] for b in after] == [b["id"] for b in before]  # updated in place
        assert len(requests_for(app, "update-a-block")) == 1
        assert requests_for(app, "patch-block-children") == []
        assert requests_for(app, "delete-a-block") == []
        assert not screen.dirty
        assert screen.body_editor.base == "Alpha\n\nBeta two\n\nGamma\n"
        assert not draft_path(app, screen).exists()


async def test_cancel_in_the_preview_sends_nothing_and_keeps_the_edit(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        page_id = await page_with_body(app, "Body cancel row")
        screen = await open_page(pilot, page_id)
        await enter_edit_mode(pilot, screen)
        await type_at_end_of_line(pilot, screen, 0, "!")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanPreviewModal))
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert requests_for(app, "update-a-block") == []
        assert screen.body_editor.text.startswith("Alpha!\n")
        assert screen.dirty
        assert await body_texts(app, page_id) == list(LINES)


async def test_escape_goes_back_to_the_view_and_keeps_the_edit(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        page_id = await page_with_body(app, "Body view row")
        screen = await open_page(pilot, page_id)
        await enter_edit_mode(pilot, screen)
        legend = str(screen.query_one("#body-legend").render())
        assert "Markdown" in legend and "Esc" in legend
        await type_at_end_of_line(pilot, screen, 4, " rays")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen  # Esc left edit mode, not the page
        assert not screen.editing
        assert not screen.body_editor.display
        body = screen.query_one("#page-body")
        assert "Gamma rays" in body.source  # type: ignore[attr-defined]
        assert "edited, not saved" in str(screen.query_one("#page-body-label").render())
        assert screen.body_dirty
        await pilot.press("f2")
        await pilot.pause()
        assert screen.body_editor.text == "Alpha\n\nBeta\n\nGamma rays\n"


async def test_the_draft_is_journaled_while_typing_and_removed_after_the_save(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PageScreen, "DRAFT_DEBOUNCE", 0.01)
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        page_id = await page_with_body(app, "Journal row")
        screen = await open_page(pilot, page_id)
        path = draft_path(app, screen)
        assert not path.exists()
        await enter_edit_mode(pilot, screen)
        await type_at_end_of_line(pilot, screen, 0, " and Omega")
        await wait_until(pilot, path.exists)  # written by the debounce timer, not by the test
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        draft = Draft.from_json(path.read_text(encoding="utf-8"))
        assert draft.page_id == page_id
        assert draft.title == "Journal row"
        assert draft.base_markdown == "Alpha\n\nBeta\n\nGamma\n"
        assert draft.body_markdown == "Alpha and Omega\n\nBeta\n\nGamma\n"
        assert draft.base_body_hash == screen.body_base_hash
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanPreviewModal))
        await pilot.press("a")
        await settle(pilot)
        assert await body_texts(app, page_id) == ["Alpha and Omega", "Beta", "Gamma"]
        assert not path.exists()


async def test_a_property_edit_is_journaled_too(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        page_id = await page_with_body(app, "Property journal row")
        screen = await open_page(pilot, page_id)
        form = screen.form
        assert form is not None
        estimate = form.field("Estimate")
        assert estimate is not None
        estimate.query_one(Input).value = "13"
        await pilot.pause()
        assert screen.flush_draft()
        draft = Draft.from_json(draft_path(app, screen).read_text(encoding="utf-8"))
        assert draft.property_inputs == {"Estimate": "13"}
        assert draft.properties == {"Estimate": {"number": 13}}
        assert draft.body_markdown is None
        await pilot.press("ctrl+s")  # properties only: saved at once, no preview
        await settle(pilot)
        assert not draft_path(app, screen).exists()
        page = await app.state.notion.get_page(page_id)
        assert page["properties"]["Estimate"]["number"] == 13


async def test_an_edit_made_during_the_save_keeps_its_draft(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No debounce write during the test: what is on disk after the save is the save's doing.
    monkeypatch.setattr(PageScreen, "DRAFT_DEBOUNCE", 600.0)
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        page_id = await page_with_body(app, "Slow save row")
        screen = await open_page(pilot, page_id)
        form = screen.form
        assert form is not None
        estimate, spec = form.field("Estimate"), form.field("Spec")
        assert estimate is not None and spec is not None
        estimate.query_one(Input).value = "13"
        await pilot.pause()
        # The property write is held in flight (then sent to the sandbox for real) while the
        # user goes on typing: a gate, not a latency, so the test never races a timer.
        notion = app.state.notion
        update_page = notion.update_page
        sent, release = asyncio.Event(), asyncio.Event()

        async def held(*args: Any, **kwargs: Any) -> dict[str, Any]:
            sent.set()
            await release.wait()
            return await update_page(*args, **kwargs)

        monkeypatch.setattr(notion, "update_page", held)
        await pilot.press("ctrl+s")
        await wait_until(pilot, sent.is_set)
        spec.focus_editor()
        await pilot.press(*"https://spec")
        assert screen.saving
        release.set()
        await wait_until(pilot, lambda: not screen.saving)
        page = await notion.get_page(page_id)
        assert page["properties"]["Estimate"]["number"] == 13
        assert page["properties"]["Spec"]["url"] is None
        # Saved: Estimate is clean; the Spec typed during the save is still unsaved ...
        assert [f.schema.name for f in form.changed_fields] == ["Spec"]
        assert screen.dirty
        # ... and journaled: the save did not take its draft with it.
        path = draft_path(app, screen)
        assert path.exists()
        draft = Draft.from_json(path.read_text(encoding="utf-8"))
        assert draft.property_inputs == {"Spec": "https://spec"}
        assert draft.properties == {"Spec": {"url": "https://spec"}}
        messages = [n.message for n in app._notifications]
        assert any("during the save is not saved yet" in m for m in messages)


async def test_a_failed_save_keeps_the_draft_and_the_text(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(rate_limit=False)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        page_id = await page_with_body(app, "Failing save row")
        screen = await open_page(pilot, page_id)
        await enter_edit_mode(pilot, screen)
        await type_at_end_of_line(pilot, screen, 2, " (edited)")
        assert screen.flush_draft()
        path = draft_path(app, screen)
        inject_faults(server, {"kind": "status", "status": 500, "match": "update-a-block"})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanPreviewModal))
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is screen
        assert path.exists()
        assert Draft.from_json(path.read_text(encoding="utf-8")).body_markdown == (
            "Alpha\n\nBeta (edited)\n\nGamma\n"
        )
        assert screen.body_editor.text == "Alpha\n\nBeta (edited)\n\nGamma\n"
        assert screen.dirty
        error = str(screen.query_one("#page-error").render())
        assert error.strip()
        assert await body_texts(app, page_id) == list(LINES)


async def test_read_only_draft_folder_warns_and_editing_goes_on(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.unit.test_drafts import make_read_only

    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        page_id = await page_with_body(app, "Read-only drafts row")
        screen = await open_page(pilot, page_id)
        await enter_edit_mode(pilot, screen)
        await type_at_end_of_line(pilot, screen, 0, " 1")
        assert screen.flush_draft()
        path = draft_path(app, screen)
        old = path.read_text(encoding="utf-8")
        make_read_only(path.parent, monkeypatch)
        try:
            await type_at_end_of_line(pilot, screen, 0, " 2")
            assert not screen.flush_draft()
            warning = screen.query_one("#page-draft-warning")
            assert not warning.has_class("hidden")
            assert "read-only" in str(warning.render())
            # Editing goes on.
            await type_at_end_of_line(pilot, screen, 0, " 3")
            assert screen.body_editor.text.startswith("Alpha 1 2 3\n")
        finally:
            monkeypatch.undo()
            path.parent.chmod(0o700)
        assert path.read_text(encoding="utf-8") == old  # the old draft is intact


def test_snapshot_body_editor_in_edit_mode(
    snap_compare: Any, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(clock=fixed_clock, rate_limit=False)
    app = build_app(server, clock=fixed_clock)

    async def run_before(pilot: Any) -> None:
        await started(pilot)
        # A seeded page (deterministic ids): code blocks and protected placeholders.
        found = await app.state.notion.search("Architecture overview", filter_object="page")
        page = found.results[0]
        screen = await open_page(pilot, str(page["id"]))
        await enter_edit_mode(pilot, screen)
        await type_at_end_of_line(pilot, screen, 2, " Edited.")
        await settle(pilot)
        app.update_status(last_latency_ms=12.0, in_flight=0, wait_until=None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_plan_preview(
    snap_compare: Any, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(clock=fixed_clock, rate_limit=False)
    app = build_app(server, clock=fixed_clock)

    async def run_before(pilot: Any) -> None:
        await started(pilot)
        page_id = await page_with_body(app, "Snapshot plan")
        screen = await open_page(pilot, page_id)
        await enter_edit_mode(pilot, screen)
        await type_at_end_of_line(pilot, screen, 2, " two")
        area = screen.body_editor.text_area
        area.cursor_location = (4, 5)
        await pilot.press("enter", "enter", "D", "e", "l", "t", "a")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanPreviewModal))
        # Not settle(): the save worker waits on this dialog until it is answered.
        await pilot.pause()
        app.update_status(last_latency_ms=12.0, in_flight=0, wait_until=None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
