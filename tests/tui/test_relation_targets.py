"""Relation pickers and relation filters offer only the pages of the relation's target: the
seeded Roadmap's Features rows link Bugs rows (one data source of a database with two)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, OptionList, Select, SelectionList

from alloy_tui.alloy.errors import ValidationError
from alloy_tui.notion.models import PropertySchema, page_title
from alloy_tui.notion.richtext import from_plain
from alloy_tui.sandbox.seed import seed_id
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.modals.filter_builder import ConditionRow, FilterBuilderModal, RelationOperand
from alloy_tui.tui.modals.picker import PickerModal, search_related
from alloy_tui.tui.screens.create import CreatePageScreen
from alloy_tui.tui.screens.page import PageScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import requests_for, started
from tests.tui.test_database_sources import open_roadmap

FEATURES = seed_id("data_source", "roadmap:features")
BUGS = seed_id("data_source", "roadmap:bugs")
SEEDED_BUGS = {
    "Search misses titles with emoji",
    "Crash when a page has no title",
    "Date filter off by one day near midnight",
}


async def bug_titles(app: AlloyApp) -> set[str]:
    """Every row of Bugs now (other tests of this sandbox add some)."""
    titles: set[str] = set()
    async for found in app.state.notion.iter_query_data_source(BUGS, page_size=100):
        titles |= {page_title(row) for row in found.results}
    assert titles >= SEEDED_BUGS
    return titles


def prompts(results: OptionList | SelectionList[str]) -> list[str]:
    return [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]


def status(picker: PickerModal) -> str:
    return str(picker.query_one("#picker-status").render())


async def new_feature(app: AlloyApp, title: str) -> str:
    page = await app.state.notion.create_page(
        {"type": "data_source_id", "data_source_id": FEATURES},
        {"Feature": {"title": from_plain(title)}},
    )
    return str(page["id"])


async def test_the_page_relation_picker_lists_only_the_related_data_source(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        page_id = await new_feature(app, "Picker lists only bugs")
        app.open_page(page_id)
        await settle(pilot)
        screen = expect_screen(app, PageScreen)
        await wait_until(pilot, lambda: screen.form is not None)
        await settle(pilot)
        assert screen.form is not None
        fixes = screen.form.field("Fixes")
        assert fixes is not None and fixes.schema.related_data_source_id == BUGS
        searches_before = len(requests_for(app, "post-search"))
        fixes.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PickerModal))
        picker = expect_screen(app, PickerModal)
        results = picker.query_one("#picker-results", SelectionList)
        bugs = await bug_titles(app)
        await wait_until(pilot, lambda: f"{len(bugs)} found" in status(picker))
        assert set(prompts(results)) == bugs  # no Features row, no other page
        picker.query_one("#picker-query", Input).value = "Date filter"
        await wait_until(pilot, lambda: "1 found" in status(picker))
        assert prompts(results) == ["Date filter off by one day near midnight"]
        await pilot.press("down", "space", "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        bug = seed_id("page", "roadmap:bug:2")
        assert fixes.relation_ids == [bug]
        # Every candidate came from a query of the Bugs data source, by title.
        queries = [r.request_body for r in requests_for(app, "query-data-source")]
        assert {q["pathParams"]["data_source_id"] for q in queries} == {BUGS}
        assert queries[-1]["requestBody"]["filter"] == {
            "property": "title",
            "title": {"contains": "Date filter"},
        }
        assert len(requests_for(app, "post-search")) == searches_before
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.dirty and not screen.saving)
        await settle(pilot)
        saved = await app.state.notion.get_page(page_id)
        assert [link["id"] for link in saved["properties"]["Fixes"]["relation"]] == [bug]


async def test_the_relation_filter_picks_from_the_related_data_source(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_roadmap(pilot, "Features")
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterBuilderModal))
        await settle(pilot)
        row = app.screen.query_one(ConditionRow)
        row.query_one(".property-select", Select).value = "Fixes"
        await wait_until(pilot, lambda: row.query(RelationOperand))
        operand = row.query_one(RelationOperand)
        operand.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PickerModal))
        picker = expect_screen(app, PickerModal)
        results = picker.query_one("#picker-results", OptionList)
        bugs = await bug_titles(app)
        await wait_until(pilot, lambda: f"{len(bugs)} found" in status(picker))
        assert set(prompts(results)) == bugs
        picker.query_one("#picker-query", Input).value = "Crash"
        await wait_until(pilot, lambda: "1 found" in status(picker))
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterBuilderModal))
        crash = seed_id("page", "roadmap:bug:1")
        assert operand.page_id == crash
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        wanted = {"property": "Fixes", "relation": {"contains": crash}}
        assert screen.filter.to_notion() == wanted
        expected = await app.state.notion.query_data_source(FEATURES, filter=wanted)
        assert screen.table.row_count == len(expected.results) >= 1
        assert "Data sources in the database screen" in {
            page_title(row) for row in expected.results
        }


async def test_a_relation_naming_no_target_searches_the_workspace(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        loose = PropertySchema("Anything", "any", "relation", {})
        found = await search_related(app.state.notion, loose)("Crash when")
        assert "Crash when a page has no title" in {item.label for item in found}
        [sent] = requests_for(app, "post-search")[-1:]
        assert sent.request_body["requestBody"]["filter"] == {
            "property": "object",
            "value": "page",
        }
        assert requests_for(app, "query-data-source") == []


async def test_a_pasted_page_outside_the_target_is_refused_with_a_sentence(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        fixes = PropertySchema(
            "Fixes",
            "fx",
            "relation",
            {"database_id": seed_id("database", "roadmap"), "data_source_id": BUGS},
        )
        search = search_related(app.state.notion, fixes)
        bug = seed_id("page", "roadmap:bug:0")
        [item] = await search(f"https://www.notion.so/{bug.replace('-', '')}")
        assert (item.id, item.label) == (bug, "Search misses titles with emoji")
        feature = seed_id("page", "roadmap:feature:0")
        with pytest.raises(ValidationError) as refused:
            await search(feature)
        assert "is not a page Fixes can link" in refused.value.sentence
        assert "Type part of a title" in (refused.value.remedy or "")


async def test_a_new_row_links_a_relation_from_the_create_form(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.new_page({"type": "data_source_id", "data_source_id": FEATURES})
        await settle(pilot)
        create = expect_screen(app, CreatePageScreen)
        await wait_until(pilot, lambda: create.form is not None)
        await settle(pilot)
        assert create.form is not None
        fixes = create.form.field("Fixes")
        assert fixes is not None
        fixes.query_one(".relation-edit").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PickerModal))
        picker = expect_screen(app, PickerModal)
        bugs = await bug_titles(app)
        await wait_until(pilot, lambda: f"{len(bugs)} found" in status(picker))
        results: Any = picker.query_one("#picker-results", SelectionList)
        assert set(prompts(results)) == bugs
