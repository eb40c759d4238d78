"""Create page against a real sandbox: in the workspace, under a page, in a database."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, OptionList

from alloy_tui.notion.models import page_title, parent_of
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.picker import PickerModal
from alloy_tui.tui.screens.create import CreatePageScreen
from alloy_tui.tui.screens.page import PageScreen
from alloy_tui.tui.widgets.properties import PropertyForm
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import find_database, requests_for, started


async def create_screen(pilot: Any, parent: dict[str, Any] | None) -> CreatePageScreen:
    app = await started(pilot)
    app.new_page(parent)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, CreatePageScreen)
    return screen


def set_field(screen: CreatePageScreen, name: str, value: str) -> None:
    form = screen.query_one(PropertyForm)
    field = form.field(name)
    assert field is not None
    field.query_one(Input).value = value


async def test_create_in_the_workspace_opens_the_new_page(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await create_screen(pilot, None)
        await pilot.click("#where-workspace")
        await settle(pilot)
        set_field(screen, "title", "Workspace note ✍️")
        await pilot.press("ctrl+s")
        await settle(pilot)
        page_screen = app.screen
        assert isinstance(page_screen, PageScreen)
        page = await app.state.notion.get_page(page_screen.page_id)
        assert page_title(page) == "Workspace note ✍️"
        assert parent_of(page).is_workspace
        assert len(requests_for(app, "post-page")) == 1
        assert screen not in app.screen_stack


async def test_create_under_a_page_picked_by_search(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await create_screen(pilot, None)
        await pilot.click("#where-page")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerModal)
        options = picker.query_one(OptionList)
        await wait_until(pilot, lambda: options.option_count > 0)
        chosen = options.get_option_at_index(0)
        options.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        set_field(screen, "title", "Child note")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PageScreen)
        page = await app.state.notion.get_page(app.screen.page_id)
        assert parent_of(page).kind == "page_id"
        assert parent_of(page).id == chosen.id


async def test_create_in_a_database_validates_then_sends_once(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        application = await started(pilot)
        tasks = await find_database(application, "Tasks")
        screen = await create_screen(pilot, {"type": "database_id", "database_id": tasks["id"]})
        await wait_until(pilot, lambda: screen.form is not None)
        form = screen.query_one(PropertyForm)
        names = {f.schema.name for f in form.fields}
        assert "Estimate" in names and "Name" in names
        assert "ID" not in names and "Created" not in names  # read-only ones are not offered
        set_field(screen, "Name", "Row from the form")
        set_field(screen, "Estimate", "two")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert requests_for(app, "post-page") == []
        estimate = form.field("Estimate")
        assert estimate is not None and estimate.has_class("-error")
        set_field(screen, "Estimate", "2")
        await pilot.press("ctrl+s")
        await settle(pilot)
        posts = requests_for(app, "post-page")
        assert len(posts) == 1
        assert isinstance(app.screen, PageScreen)
        page = await app.state.notion.get_page(app.screen.page_id)
        assert page_title(page) == "Row from the form"
        assert page["properties"]["Estimate"]["number"] == 2
        assert parent_of(page).id == tasks["id"]


async def test_a_create_whose_answer_was_lost_opens_the_page_notion_made(
    sandbox: SandboxServer, monkeypatch: Any
) -> None:
    from alloy_tui.alloy.errors import TimedOutError
    from alloy_tui.alloy.notion_api import NotionAPI

    real_create = NotionAPI.create_page

    async def created_then_lost(self: NotionAPI, *args: Any, **kwargs: Any) -> Any:
        await real_create(self, *args, **kwargs)
        raise TimedOutError("Alloy did not answer in time.")

    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await create_screen(pilot, None)
        await pilot.click("#where-workspace")
        await settle(pilot)
        set_field(screen, "title", "Lost answer 📭")
        monkeypatch.setattr(NotionAPI, "create_page", created_then_lost)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PageScreen))
        page = await app.state.notion.get_page(expect_screen(app, PageScreen).page_id)
        assert page_title(page) == "Lost answer 📭"
        found = await app.state.notion.search("Lost answer 📭", filter_object="page")
        assert [page_title(p) for p in found.results].count("Lost answer 📭") == 1


async def test_a_create_that_never_arrived_says_so_and_sends_once_more_on_request(
    sandbox: SandboxServer, monkeypatch: Any
) -> None:
    from alloy_tui.alloy.errors import CannotReachError
    from alloy_tui.alloy.notion_api import NotionAPI

    real_create = NotionAPI.create_page

    async def refused(self: NotionAPI, *args: Any, **kwargs: Any) -> Any:
        raise CannotReachError("Cannot reach Alloy: the connection was refused.")

    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await create_screen(pilot, None)
        await pilot.click("#where-workspace")
        await settle(pilot)
        set_field(screen, "title", "Never arrived 🛰️")
        monkeypatch.setattr(NotionAPI, "create_page", refused)
        await pilot.press("ctrl+s")
        banner = screen.query_one("#create-error")
        await wait_until(pilot, lambda: "did not create" in str(banner.render()))
        assert app.screen is screen  # the form and what was typed are still there
        monkeypatch.setattr(NotionAPI, "create_page", real_create)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PageScreen))
        found = await app.state.notion.search("Never arrived 🛰️", filter_object="page")
        assert [page_title(p) for p in found.results].count("Never arrived 🛰️") == 1
