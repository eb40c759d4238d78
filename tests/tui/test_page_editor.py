"""The page editor against a real sandbox: open, edit by type, save a diff, errors, leave, trash."""

from __future__ import annotations

from typing import Any

from textual.widgets import Checkbox, Input, Markdown, Select, SelectionList

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.confirm import ConfirmModal, PromptModal
from alloy_tui.tui.screens.page import PageScreen
from alloy_tui.tui.widgets.properties import PropertyField, PropertyForm
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import find_database, new_row, requests_for, started


def field(screen: PageScreen, name: str) -> PropertyField:
    form = screen.query_one(PropertyForm)
    found = form.field(name)
    assert found is not None, name
    return found


async def open_row(pilot: Any, title: str, **props: Any) -> tuple[PageScreen, dict[str, Any], str]:
    app = await started(pilot)
    tasks = await find_database(app, "Tasks")
    page_id = await new_row(app, tasks, title, **props)
    app.open_page(page_id)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, PageScreen)
    await wait_until(pilot, lambda: screen.form is not None)
    return screen, tasks, page_id


async def test_open_page_shows_every_property_by_type(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, tasks, _ = await open_row(
            pilot, "Editor row", Estimate={"number": 5}, Priority={"select": {"name": "P1"}}
        )
        form = screen.query_one(PropertyForm)
        assert {f.schema.name for f in form.fields} == set(tasks["properties"])
        assert isinstance(field(screen, "Estimate").editor, Input)
        assert field(screen, "Estimate").value == "5"
        assert isinstance(field(screen, "Needs review").editor, Checkbox)
        assert isinstance(field(screen, "Priority").editor, Select)
        assert field(screen, "Priority").value == "P1"
        assert isinstance(field(screen, "Tags").editor, SelectionList)
        for read_only in ("ID", "Created", "Created by", "Overdue"):
            assert field(screen, read_only).has_class("-read-only")
            assert field(screen, read_only).editor is None
        assert not screen.dirty
        assert "Editor row" in str(screen.query_one("#page-title").render())
        body = screen.query_one("#page-body", Markdown)
        assert "no content" in body.source


async def test_ctrl_s_sends_only_the_changed_properties(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _, page_id = await open_row(pilot, "Save diff row", Estimate={"number": 1})
        field(screen, "Estimate").query_one(Input).value = "8"
        field(screen, "Needs review").query_one(Checkbox).value = True
        field(screen, "Priority").query_one(Select).value = "P2"
        field(screen, "Due").query_one(Input).value = "2025-04-01 → 2025-04-03"
        tags = field(screen, "Tags").query_one(SelectionList)
        tags.select("docs")
        await pilot.pause()
        assert screen.dirty
        assert "unsaved" in str(screen.query_one("#page-dirty").render())
        assert field(screen, "Estimate").has_class("-dirty")
        assert not field(screen, "Name").has_class("-dirty")
        await pilot.press("ctrl+s")
        await settle(pilot)
        patches = requests_for(app, "patch-page")
        assert len(patches) == 1
        sent = patches[0].request_body
        sent = sent.get("requestBody", sent)
        assert set(sent["properties"]) == {"Estimate", "Needs review", "Priority", "Due", "Tags"}
        assert sent["properties"]["Estimate"] == {"number": 8}
        assert not screen.dirty
        assert str(screen.query_one("#page-dirty").render()) == ""
        page = await app.state.notion.get_page(page_id)
        props = page["properties"]
        assert props["Estimate"]["number"] == 8
        assert props["Needs review"]["checkbox"] is True
        assert props["Priority"]["select"]["name"] == "P2"
        assert props["Due"]["date"]["start"] == "2025-04-01"
        assert props["Due"]["date"]["end"] == "2025-04-03"
        assert [o["name"] for o in props["Tags"]["multi_select"]] == ["docs"]


async def test_invalid_number_is_refused_before_sending(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _, _ = await open_row(pilot, "Bad number row")
        estimate = field(screen, "Estimate")
        estimate.query_one(Input).value = "abc"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert requests_for(app, "patch-page") == []
        assert estimate.has_class("-error")
        assert "'abc' is not a number" in str(estimate.query_one(".property-error").render())
        assert estimate.query_one(Input).value == "abc"
        estimate.query_one(Input).value = "4"
        await pilot.pause()
        assert not estimate.has_class("-error")


async def test_server_validation_error_lands_on_its_field_and_keeps_the_edit(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _, page_id = await open_row(pilot, "Bad relation row")
        # A relation must point at a row of the related database; this row is a Tasks row.
        project = field(screen, "Project")
        project.set_relation([page_id], {page_id: "itself"})
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(requests_for(app, "patch-page")) == 1
        assert project.has_class("-error")
        assert str(project.query_one(".property-error").render())
        assert project.relation_ids == [page_id]
        assert screen.dirty


async def test_leaving_with_unsaved_changes_asks(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _, _ = await open_row(pilot, "Leave row")
        field(screen, "Estimate").query_one(Input).value = "9"
        await pilot.pause()
        screen.action_back()
        await pilot.pause()
        expect_screen(app, ConfirmModal)
        await pilot.click("#cancel")
        await pilot.pause()
        assert app.screen is screen
        assert field(screen, "Estimate").value == "9"
        screen.action_back()
        await pilot.pause()
        await pilot.click("#confirm")
        await settle(pilot)
        assert screen not in app.screen_stack
        assert requests_for(app, "patch-page") == []


async def test_trash_asks_then_moves_the_page_to_the_trash(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _, page_id = await open_row(pilot, "Trash row")
        await pilot.press("ctrl+d")
        await pilot.pause()
        expect_screen(app, ConfirmModal)
        await pilot.click("#cancel")
        await settle(pilot)
        assert app.screen is screen
        page = await app.state.notion.get_page(page_id)
        assert not page.get("in_trash") and not page.get("archived")
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.click("#confirm")
        await settle(pilot)
        assert screen not in app.screen_stack
        page = await app.state.notion.get_page(page_id)
        assert page.get("in_trash") or page.get("archived")


async def test_people_are_picked_from_the_workspace_users(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _, page_id = await open_row(pilot, "People row")
        users = [u for u in await app.state.users() if u.get("type") == "person"]
        assignee = field(screen, "Assignee")
        people = assignee.query_one(SelectionList)
        await wait_until(pilot, lambda: people.option_count == len(users))
        people.select(users[0]["id"])
        await pilot.press("ctrl+s")
        await settle(pilot)
        page = await app.state.notion.get_page(page_id)
        assert [p["id"] for p in page["properties"]["Assignee"]["people"]] == [users[0]["id"]]


async def test_page_body_is_rendered_as_markdown(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app_ = await started(pilot)
        found = await app_.state.notion.search("", filter_object="page", page_size=100)
        with_body = next(p for p in found.results if p["parent"]["type"] == "workspace")
        app.open_page(str(with_body["id"]))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PageScreen)
        body = screen.query_one("#page-body", Markdown)
        await wait_until(pilot, lambda: body.source != "")
        blocks = await app.state.notion.get_blocks_recursive(str(with_body["id"]))
        if blocks:
            assert "no content" not in body.source


async def test_linked_page_titles_come_from_one_query_not_a_read_each(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app_ = await started(pilot)
        projects = await find_database(app_, "Projects")
        rows = await app_.state.notion.query_database(str(projects["id"]), page_size=100)
        project = max(rows.results, key=lambda r: len(r["properties"]["Tasks"]["relation"]))
        linked = [link["id"] for link in project["properties"]["Tasks"]["relation"]]
        assert len(linked) > 5, "the seed links several tasks to each project"
        reads_before = len(requests_for(app_, "retrieve-a-page"))
        app_.open_page(str(project["id"]))
        await settle(pilot)
        screen = app_.screen
        assert isinstance(screen, PageScreen)
        tasks_field = field(screen, "Tasks")
        await wait_until(pilot, lambda: all(i in tasks_field._names for i in linked))
        await app_.workers.wait_for_complete()
        # One read of the project itself; the linked titles come from querying Tasks.
        assert len(requests_for(app_, "retrieve-a-page")) - reads_before == 1
        assert all(tasks_field._names[i] != i[:8] for i in linked)


async def test_header_names_the_parent_page(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app_ = await started(pilot)
        found = await app_.state.notion.search("Style guide", filter_object="page")
        page = next(p for p in found.results if p["parent"]["type"] == "page_id")
        parent = await app_.state.notion.get_page(page["parent"]["page_id"])
        parent_title = parent["properties"]["title"]["title"][0]["plain_text"]
        app_.open_page(str(page["id"]))
        await settle(pilot)
        screen = app_.screen
        assert isinstance(screen, PageScreen)
        meta = screen.query_one("#page-meta")
        await wait_until(pilot, lambda: f"in {parent_title}" in str(meta.render()))


async def test_plus_adds_a_new_multi_select_option_that_notion_creates_on_save(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, tasks, page_id = await open_row(pilot, "Tag me")
        tags = field(screen, "Tags")
        assert isinstance(tags.editor, SelectionList)
        tags.focus_editor()
        await pilot.press("plus")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, PromptModal))
        await pilot.press(*"needs-design", "enter")
        await wait_until(pilot, lambda: pilot.app.screen is screen)
        assert tags.value == ["needs-design"]
        assert screen.dirty
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.dirty)
        page = await app.state.notion.get_page(page_id)
        assert [o["name"] for o in page["properties"]["Tags"]["multi_select"]] == ["needs-design"]
        database = await app.state.notion.get_database(str(tasks["id"]))
        options = database["properties"]["Tags"]["multi_select"]["options"]
        assert "needs-design" in [o["name"] for o in options]


async def test_plus_is_only_a_multi_select_key(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _, _ = await open_row(pilot, "No plus")
        estimate = field(screen, "Estimate")
        estimate.focus_editor()
        await pilot.press("plus")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, PromptModal)
        assert estimate.value == "+"
