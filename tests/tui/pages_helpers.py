"""Helpers for the page, create-page and database tests: find seeded objects, make rows."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from alloy_tui.notion.models import database_title, title_property_name
from alloy_tui.notion.richtext import from_plain
from alloy_tui.tui.app import AlloyApp
from tests.tui.conftest import wait_until


async def started(pilot: Pilot[Any]) -> AlloyApp:
    """Wait for the app to list connections and pick the seed connection."""
    app = pilot.app
    assert isinstance(app, AlloyApp)
    await wait_until(pilot, lambda: app.state.active_connection is not None)
    await pilot.pause()
    return app


async def find_database(app: AlloyApp, title: str) -> dict[str, Any]:
    found = await app.state.notion.search(title, filter_object="database")
    for database in found.results:
        if database_title(database) == title:
            return await app.state.notion.get_database(str(database["id"]))
    raise AssertionError(f"the seed has no database called {title!r}")


async def new_row(app: AlloyApp, database: dict[str, Any], title: str, **props: Any) -> str:
    """A fresh row to edit, so tests never depend on each other's changes."""
    properties: dict[str, Any] = {title_property_name(database): {"title": from_plain(title)}}
    properties.update(props)
    page = await app.state.notion.create_page({"database_id": database["id"]}, properties)
    return str(page["id"])


def requests_for(app: AlloyApp, action: str) -> list[Any]:
    return [r for r in app.state.log.records() if r.action == action]
