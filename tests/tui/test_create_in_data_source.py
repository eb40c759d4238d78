"""The new-page screen's destination: a database with several data sources asks which one gets
the page, and the page is created there with that source's schema."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, OptionList

from alloy_tui.notion.models import page_title
from alloy_tui.sandbox.seed import seed_id
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.picker import PickerModal
from alloy_tui.tui.screens.create import CreatePageScreen
from alloy_tui.tui.screens.page import PageScreen
from alloy_tui.tui.widgets.properties import PropertyForm
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import requests_for, started

ROADMAP = seed_id("database", "roadmap")
BUGS = seed_id("data_source", "roadmap:bugs")


async def pick(pilot: Any, query: str, label: str) -> None:
    """Type `query` in the picker on top and pick the only result, `label`."""
    picker = expect_screen(pilot.app, PickerModal)
    picker.query_one("#picker-query", Input).value = query
    results = picker.query_one("#picker-results", OptionList)
    await wait_until(
        pilot,
        lambda: results.option_count == 1 and str(results.get_option_at_index(0).prompt) == label,
    )
    await pilot.press("down", "enter")
    await settle(pilot)


def form_names(screen: CreatePageScreen) -> set[str]:
    return {f.schema.name for f in screen.query_one(PropertyForm).fields}


async def create_titled(pilot: Any, screen: CreatePageScreen, name: str, title: str) -> PageScreen:
    field = screen.query_one(PropertyForm).field(name)
    assert field is not None
    field.query_one(Input).value = title
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PageScreen))
    page_screen = expect_screen(pilot.app, PageScreen)
    await wait_until(pilot, lambda: page_screen.session is not None)
    await settle(pilot)
    return page_screen


async def test_a_picked_database_with_two_sources_asks_which_and_creates_there(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.new_page(None)
        await settle(pilot)
        screen = expect_screen(app, CreatePageScreen)
        await pilot.click("#where-database")
        await settle(pilot)
        await pick(pilot, "Roadmap", "🧭 Roadmap")
        # The database holds Features and Bugs: the screen asks which one gets the page.
        sources = expect_screen(app, PickerModal)
        assert "2 data sources" in str(sources.query_one("#dialog-title").render())
        results = sources.query_one("#picker-results", OptionList)
        await wait_until(pilot, lambda: results.option_count == 2)
        assert [str(results.get_option_at_index(i).prompt) for i in range(2)] == [
            "Features",
            "Bugs",
        ]
        await pick(pilot, "bu", "Bugs")
        assert app.screen is screen
        await wait_until(pilot, lambda: screen.form is not None and "Bug" in form_names(screen))
        assert {"Severity", "Fixed", "Steps to reproduce"} <= form_names(screen)
        assert "Feature" not in form_names(screen)
        assert "Bugs · Roadmap" in str(screen.query_one("#create-parent").render())
        page_screen = await create_titled(pilot, screen, "Bug", "Filed from new page 🐞")
        [post] = requests_for(app, "post-page")
        assert post.request_body["requestBody"]["parent"] == {
            "type": "data_source_id",
            "data_source_id": BUGS,
        }
        assert requests_for(app, "post-database-query") == []
        page = await app.state.notion.get_page(page_screen.page_id)
        assert page_title(page) == "Filed from new page 🐞"
        rows = await app.state.notion.query_data_source(
            BUGS, filter={"property": "Bug", "title": {"equals": "Filed from new page 🐞"}}
        )
        assert [str(row["id"]) for row in rows.results] == [page_screen.page_id]


async def test_opened_on_a_two_source_database_it_asks_first(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.new_page({"type": "database_id", "database_id": ROADMAP})
        await settle(pilot)
        expect_screen(app, PickerModal)
        # Esc: no source, so no place yet; Create stays off until one is chosen.
        await pilot.press("escape")
        await settle(pilot)
        screen = expect_screen(app, CreatePageScreen)
        assert screen.parent_request is None and screen.form is None
        assert "Choose where" in str(screen.query_one("#create-parent").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert requests_for(app, "post-page") == []


async def test_a_single_source_database_in_2022_keeps_a_database_parent(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.new_page(None)
        await settle(pilot)
        screen = expect_screen(app, CreatePageScreen)
        await pilot.click("#where-database")
        await settle(pilot)
        await pick(pilot, "Tasks", "✅ Tasks")
        assert app.screen is screen  # one source: nothing to ask
        await wait_until(pilot, lambda: screen.form is not None and "Name" in form_names(screen))
        await create_titled(pilot, screen, "Name", "Task from new page")
        [post] = requests_for(app, "post-page")
        parent = post.request_body["requestBody"]["parent"]
        assert parent["type"] == "database_id" and "data_source_id" not in parent


async def test_pinned_to_2025_a_searched_data_source_is_the_parent(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox, notion_version="2025-09-03")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.new_page(None)
        await settle(pilot)
        screen = expect_screen(app, CreatePageScreen)
        await pilot.click("#where-database")
        await settle(pilot)
        # A 2025-09-03 search lists data sources: picking Bugs needs no second question.
        await pick(pilot, "Bugs", "🧭 Bugs")
        assert app.screen is screen
        await wait_until(pilot, lambda: screen.form is not None and "Bug" in form_names(screen))
        await create_titled(pilot, screen, "Bug", "Filed in 2025-09-03")
        [post] = requests_for(app, "post-page")
        assert post.request_body["requestBody"]["parent"] == {
            "type": "data_source_id",
            "data_source_id": BUGS,
        }
