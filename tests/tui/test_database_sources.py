"""The database screen on a database with several data sources (the seeded Roadmap)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, OptionList

from alloy_tui.sandbox.seed import seed_id
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.modals.filter_builder import FilterCondition, FilterSpec
from alloy_tui.tui.modals.picker import PickerModal
from alloy_tui.tui.screens.create import CreatePageScreen
from alloy_tui.tui.screens.database import DatabaseScreen
from alloy_tui.tui.screens.page import PageScreen
from alloy_tui.tui.widgets.properties import PropertyForm
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import requests_for, started

ROADMAP = seed_id("database", "roadmap")
FEATURES = seed_id("data_source", "roadmap:features")
BUGS = seed_id("data_source", "roadmap:bugs")


async def pick(pilot: Any, name: str) -> None:
    modal = expect_screen(pilot.app, PickerModal)
    modal.query_one("#picker-query", Input).value = name
    results = modal.query_one("#picker-results", OptionList)
    # The list follows the query after a debounce: wait for it to hold only `name`.
    await wait_until(
        pilot,
        lambda: results.option_count == 1 and str(results.get_option_at_index(0).prompt) == name,
    )
    await pilot.press("down", "enter")
    await settle(pilot)


def columns(screen: DatabaseScreen) -> list[str]:
    return [str(c.label) for c in screen.table.columns.values()]


async def open_roadmap(pilot: Any, source: str) -> DatabaseScreen:
    app = await started(pilot)
    app.open_database(ROADMAP)
    await settle(pilot)
    await pick(pilot, source)
    screen = expect_screen(app, DatabaseScreen)
    await wait_until(pilot, lambda: screen.table.row_count > 0)
    return screen


async def test_the_roadmap_asks_for_a_source_then_queries_it(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_roadmap(pilot, "Bugs")
        assert screen.data_source_id == BUGS
        assert columns(screen)[0] == "Bug" and "Severity" in columns(screen)
        assert screen.table.row_count >= 3
        assert "Bugs (2 of 2)" in str(screen.query_one("#db-source").render())
        assert screen.query_one("#db-error").has_class("hidden")
        assert requests_for(app, "post-database-query") == []  # Notion's multi-source error
        # The filter and sorts go to the data source.
        screen.filter = FilterSpec((FilterCondition("Fixed", "checkbox", "equals", True),))
        screen.sorts = [{"property": "Bug", "direction": "ascending"}]
        screen.run_query()
        await settle(pilot)
        assert screen.table.row_count == 1
        sent = requests_for(app, "query-data-source")[-1].request_body
        assert sent["pathParams"] == {"data_source_id": BUGS}
        assert sent["requestBody"]["sorts"] == [{"property": "Bug", "direction": "ascending"}]
        # d switches source: its own schema, and the filter starts over.
        await pilot.press("d")
        await settle(pilot)
        await pick(pilot, "Features")
        await wait_until(pilot, lambda: screen.data_source_id == FEATURES)
        await settle(pilot)
        assert columns(screen)[0] == "Feature" and "Votes" in columns(screen)
        assert not screen.filter and screen.sorts == []
        assert screen.table.row_count >= 4
        assert "Features (1 of 2)" in str(screen.query_one("#db-source").render())


async def test_esc_in_the_source_picker_leaves_the_database(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        before = app.screen
        app.open_database(ROADMAP)
        await settle(pilot)
        expect_screen(app, PickerModal)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is before


async def test_a_new_row_goes_into_the_chosen_source_and_opens(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_roadmap(pilot, "Bugs")
        await pilot.press("n")
        await settle(pilot)
        create = expect_screen(app, CreatePageScreen)
        await wait_until(pilot, lambda: create.form is not None)
        form = create.query_one(PropertyForm)
        assert {"Bug", "Severity", "Fixed"} <= {f.schema.name for f in form.fields}
        title = form.field("Bug")
        assert title is not None
        title.query_one(Input).value = "Filed from the database screen"
        await pilot.press("ctrl+s")
        await settle(pilot)
        page_screen = expect_screen(app, PageScreen)
        await wait_until(pilot, lambda: page_screen.session is not None)
        await settle(pilot)
        session = page_screen.session
        assert session is not None and session.title_property == "Bug"
        [post] = requests_for(app, "post-page")
        assert post.request_body["requestBody"]["parent"]["data_source_id"] == BUGS
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await wait_until(pilot, lambda: screen.table.row_count >= 4)


async def test_enter_in_the_source_picker_takes_the_first_match_at_once(
    sandbox: SandboxServer,
) -> None:
    """The first key on the freshly opened picker: Enter picks the first source (once the list
    has arrived); typing a name and Enter at once picks that one, not a stale first match."""
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.open_database(ROADMAP)
        await wait_until(pilot, lambda: isinstance(app.screen, PickerModal))
        await pilot.press("enter")
        screen = expect_screen(app, DatabaseScreen)
        await wait_until(pilot, lambda: screen.data_source_id == FEATURES)
        await wait_until(pilot, lambda: screen.table.row_count > 0)

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, PickerModal))
        await pilot.press(*"Bugs", "enter")  # faster than the list's debounce
        await wait_until(pilot, lambda: screen.data_source_id == BUGS)
        await wait_until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert columns(screen)[0] == "Bug"
