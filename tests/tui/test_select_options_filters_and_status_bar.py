"""Editor gaps and the status bar: a select's "New option…", relation and people filters picked
from lists, the spinner and the rate-limit countdown."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Label, OptionList, Select

from alloy_tui.alloy.retry import WaitEvent
from alloy_tui.notion.models import (
    PropertySchema,
    schema_from_database,
)
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.confirm import PromptModal
from alloy_tui.tui.modals.filter_builder import (
    ConditionRow,
    FilterBuilderModal,
    FilterSpec,
    RelationOperand,
)
from alloy_tui.tui.modals.picker import PickerModal, search_related
from alloy_tui.tui.screens.database import DatabaseScreen
from alloy_tui.tui.widgets.properties import NEW_OPTION, STATUS_CANNOT_CREATE, PropertyField
from alloy_tui.tui.widgets.status_bar import SPINNER, wait_text
from tests.tui.conftest import SIZE, build_app, settle, wait_until
from tests.tui.pages_helpers import find_database, started

PRIORITY = PropertySchema(
    "Priority", "prio", "select", {"options": [{"name": "P0"}, {"name": "P1"}]}
)
STATUS = PropertySchema(
    "Status", "stat", "status", {"options": [{"name": "Not started"}, {"name": "Done"}]}
)


class FieldHost(App[None]):
    """One property field on its own, as the page editor shows it."""

    def __init__(self, field: PropertyField) -> None:
        super().__init__()
        self.field = field

    def compose(self) -> ComposeResult:
        yield self.field


def _options(select: Select[Any]) -> list[str]:
    return [str(value) for _label, value in select._options if value is not Select.NULL]


def _choose(select: Select[Any], value: str) -> None:
    """Set the select's value, as picking an entry does. Assigning in the test itself would
    make mypy take `select.value` for a str from then on, though the field resets it."""
    select.value = value


async def test_new_option_asks_for_a_name_and_chooses_it() -> None:
    field = PropertyField(PRIORITY, {"type": "select", "select": {"name": "P1"}})
    app = FieldHost(field)
    async with app.run_test(size=SIZE) as pilot:
        select = field.query_one(Select)
        assert _options(select)[-1] == NEW_OPTION
        # Keyboard: open the dropdown, go to its last entry ("New option…"), pick it.
        select.focus()
        await pilot.press("enter")
        await pilot.press("end", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal))
        assert select.value == "P1"  # the sentinel is never left selected
        assert not field.changed
        await pilot.press(*"P5", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, PromptModal))
        assert select.value == "P5"
        assert _options(select) == ["P0", "P1", "P5", NEW_OPTION]
        assert field.changed and field.has_class("-dirty")
        assert field.request_value() == {"select": {"name": "P5"}}


async def test_a_name_notion_would_refuse_is_an_error_and_nothing_changes() -> None:
    field = PropertyField(PRIORITY, None)
    app = FieldHost(field)
    async with app.run_test(size=SIZE) as pilot:
        select = field.query_one(Select)
        _choose(select, NEW_OPTION)
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal))
        assert select.value is Select.NULL
        await pilot.press(*"a, b", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, PromptModal))
        assert field.has_class("-error")
        assert "comma" in str(field.query_one(".property-error").render())
        assert select.value is Select.NULL and not field.changed
        assert "a, b" not in _options(select)
        # Esc on the prompt leaves everything as it was too.
        _choose(select, NEW_OPTION)
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, PromptModal))
        assert select.value is Select.NULL and not field.changed


async def test_status_explains_that_it_cannot_create_options() -> None:
    field = PropertyField(STATUS, {"type": "status", "status": {"name": "Done"}})
    app = FieldHost(field)
    async with app.run_test(size=SIZE) as pilot:
        select = field.query_one(Select)
        _choose(select, NEW_OPTION)
        await pilot.pause()
        assert not isinstance(app.screen, PromptModal)
        assert select.value == "Done" and not field.changed
        assert [n.message for n in app._notifications] == [STATUS_CANNOT_CREATE]


async def test_saving_a_new_option_creates_it_in_notion(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        tasks = await find_database(app, "Tasks")
        schema = next(
            PropertySchema(name, str(p["id"]), p["type"], p.get("select") or {})
            for name, p in tasks["properties"].items()
            if name == "Priority"
        )
        field = PropertyField(schema, None)
        await app.screen.mount(field)
        field.add_option("P9 someday")
        await pilot.pause()
        page = await app.state.notion.create_page(
            {"database_id": tasks["id"]},
            {"Name": {"title": [{"text": {"content": "New option test"}}]}},
        )
        await app.state.notion.update_page(
            str(page["id"]), properties={"Priority": field.request_value()}
        )
        after = await app.state.notion.get_database(str(tasks["id"]))
        names = [o["name"] for o in after["properties"]["Priority"]["select"]["options"]]
        assert "P9 someday" in names


# ---- filter builder: relation and people picked from lists ------------------------------


async def _filter_dialog(app: Any, pilot: Any, title: str) -> tuple[DatabaseScreen, ConditionRow]:
    await started(pilot)
    database = await find_database(app, title)
    app.open_database(str(database["id"]))
    await wait_until(pilot, lambda: isinstance(app.screen, DatabaseScreen))
    screen = app.screen
    await settle(pilot)
    await pilot.press("f")
    await wait_until(pilot, lambda: isinstance(app.screen, FilterBuilderModal))
    await settle(pilot)
    row = app.screen.query_one(ConditionRow)
    return screen, row


async def test_relation_condition_picks_a_page_by_searching_the_related_database(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, row = await _filter_dialog(app, pilot, "Tasks")
        row.query_one(".property-select", Select).value = "Project"
        await wait_until(pilot, lambda: row.query(RelationOperand))
        assert row.query_one(".condition-select", Select).value == "contains"
        operand = row.query_one(RelationOperand)
        assert "Choose a page" in str(operand.label)
        operand.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PickerModal))
        picker = app.screen
        await pilot.press(*"OAuth")
        await wait_until(
            pilot,
            lambda: (
                picker.query_one(OptionList).option_count == 1
                and "1 found" in str(picker.query_one("#picker-status").render())
            ),
        )
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterBuilderModal))
        assert str(operand.label) == "📦 OAuth hardening"
        project_id = operand.page_id
        assert project_id
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert screen.filter.to_notion() == {
            "property": "Project",
            "relation": {"contains": project_id},
        }
        assert "Project contains 📦 OAuth hardening" in screen.filter.summary()
        project = await app.state.notion.get_page(project_id)
        linked = project["properties"]["Tasks"]["relation"]
        assert screen.row_count == len(linked) > 0


async def test_people_condition_lists_the_workspace_users(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        tasks = await find_database(app, "Tasks")
        results: list[FilterSpec | None] = []
        # No users handed in (the database screen may not have them yet): the dialog lists them.
        await app.push_screen(FilterBuilderModal(schema_from_database(tasks)), results.append)
        modal = app.screen
        await settle(pilot)
        row = modal.query_one(ConditionRow)
        row.query_one(".property-select", Select).value = "Assignee"
        people = [u for u in await app.state.users() if u.get("type") == "person"]
        await wait_until(
            pilot,
            lambda: row.query(".operand") and len(_options(row.query_one(".operand", Select))),
        )
        person = row.query_one(".operand", Select)
        assert set(_options(person)) == {str(u["id"]) for u in people}
        some = await app.state.notion.query_database(str(tasks["id"]), page_size=20)
        assigned = next(
            a["id"] for r in some.results for a in r["properties"]["Assignee"]["people"]
        )
        chosen = next(u for u in people if u["id"] == assigned)
        person.value = str(chosen["id"])
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(results))
        spec = results[0]
        assert spec is not None
        assert spec.to_notion() == {"property": "Assignee", "people": {"contains": chosen["id"]}}
        assert spec.summary() == f"Assignee contains {chosen['name']}"
        rows = await app.state.notion.query_database(str(tasks["id"]), filter=spec.to_notion())
        assert rows.results


async def test_an_unchosen_page_or_person_is_named_in_the_error(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        _screen, row = await _filter_dialog(app, pilot, "Tasks")
        row.query_one(".property-select", Select).value = "Project"
        await wait_until(pilot, lambda: row.query(RelationOperand))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FilterBuilderModal)
        assert "Project: choose a page" in str(app.screen.query_one("#filter-error").render())


# ---- status bar --------------------------------------------------------------------------


async def test_status_bar_spinner_and_rate_limit_countdown(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        activity = app.screen.query_one("#status-activity", Label)
        app.update_status(in_flight=2)
        await pilot.pause()
        text = str(activity.render())
        assert text[0] in SPINNER and text.endswith("2 requests")
        await wait_until(pilot, lambda: str(activity.render())[0] != text[0])  # it turns
        app.on_client_wait(WaitEvent(3.0, "rate_limited", 1, None, None))
        await pilot.pause()
        wait = str(app.screen.query_one("#status-wait", Label).render())
        assert wait in ("rate limited · retrying in 3 s", "rate limited · retrying in 2 s")
        app.update_status(in_flight=0, last_latency_ms=12.0, wait_until=None)
        await pilot.pause()
        assert str(activity.render()) == "last 12 ms"
        assert str(app.screen.query_one("#status-wait", Label).render()) == ""


async def test_a_request_updates_only_the_activity(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request's start and end change the activity alone: the environment, user and
    connection labels are not updated again (each update lays the bar out again); a changed
    connection still is."""
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        updated: list[str] = []
        original = Label.update

        def update(label: Label, *args: Any, **kwargs: Any) -> None:
            updated.append(label.id or "")
            original(label, *args, **kwargs)

        monkeypatch.setattr(Label, "update", update)
        app.update_status(in_flight=1)
        app.update_status(in_flight=0, last_latency_ms=7.0)
        await pilot.pause()
        assert "status-env" not in updated and "status-user" not in updated
        assert "status-connection" not in updated
        assert updated.count("status-activity") >= 2
        assert str(app.screen.query_one("#status-activity", Label).render()) == "last 7 ms"
        app.update_status(connection="Other workspace")
        await pilot.pause()
        assert "status-connection" in updated
        shown = str(app.screen.query_one("#status-connection", Label).render())
        assert shown == "Other workspace"


def test_wait_text() -> None:
    assert wait_text("rate limited", 2.2) == "rate limited · retrying in 3 s"
    assert wait_text("pacing requests", 0.4) == "pacing requests · sending in 1 s"
    assert wait_text("", -1) == "waiting · retrying now…"


async def test_relation_search_finds_a_pasted_link(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        projects = await find_database(app, "Projects")
        tasks = PropertySchema("Tasks", "t", "relation", {"database_id": str(projects["id"])})
        search = search_related(app.state.notion, tasks)
        (first, *_) = await search("OAuth")
        assert first.label.endswith("OAuth hardening")
        link = f"https://www.notion.so/acme/OAuth-hardening-{first.id.replace('-', '')}"
        assert [(i.id, i.label) for i in await search(link)] == [(first.id, first.label)]
