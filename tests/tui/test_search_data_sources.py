"""Search under Notion-Version 2025-09-03: databases are found as their data sources, shown with
their database as the parent, and Enter opens that source's rows without asking which."""

from __future__ import annotations

from textual.widgets import Input, Label

from alloy_tui.sandbox.seed import seed_id
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.screens.database import DatabaseScreen
from alloy_tui.tui.screens.search import SearchScreen
from tests.tui.conftest import SIZE, build_app, expect_screen, settle, wait_until
from tests.tui.pages_helpers import requests_for, started

ROADMAP = seed_id("database", "roadmap")
FEATURES = seed_id("data_source", "roadmap:features")


def _rows(screen: SearchScreen) -> list[tuple[str, str, str]]:
    """(title, kind, parent) of each row shown."""
    table = screen.table
    return [
        (str(table.get_row_at(i)[0]), str(table.get_row_at(i)[1]), str(table.get_row_at(i)[2]))
        for i in range(table.row_count)
    ]


async def test_a_data_source_is_listed_under_its_database_and_opens_its_rows(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox, notion_version="2025-09-03")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.action_search()
        screen = expect_screen(app, SearchScreen)
        await settle(pilot)
        screen.query_one("#search-input", Input).value = "Features"
        # The field's change message starts a debounce first; searching now stops it.
        await settle(pilot)
        screen.run_search()
        summary = screen.query_one("#search-summary", Label)
        # The final state: the summary names this query and no parent is still unresolved.
        await wait_until(
            pilot,
            lambda: (
                "for “Features”" in str(summary.render())
                and all(parent != "…" for _, _, parent in _rows(screen))
            ),
        )
        rows = _rows(screen)
        assert ("🧭 Features", "data source", "Roadmap") in rows, rows
        sent = requests_for(app, "post-search")[-1].request_body
        assert sent["additionalHeaders"] == {"Notion-Version": "2025-09-03"}

        # The "Databases" filter asks for data sources, which 2025-09-03 calls them.
        await pilot.press("ctrl+f", "ctrl+f")
        await wait_until(pilot, lambda: screen.kind == "database")
        await wait_until(
            pilot,
            lambda: (
                requests_for(app, "post-search")[-1].request_body["requestBody"].get("filter")
                is not None
                and "for “Features”" in str(summary.render())
            ),
        )
        body = requests_for(app, "post-search")[-1].request_body["requestBody"]
        assert body["filter"] == {"property": "object", "value": "data_source"}
        await wait_until(pilot, lambda: ("🧭 Features", "data source", "Roadmap") in _rows(screen))

        row = [title for title, _, _ in _rows(screen)].index("🧭 Features")
        screen.table.focus()
        screen.table.move_cursor(row=row)
        await pilot.press("enter")
        database = expect_screen(app, DatabaseScreen)
        await wait_until(pilot, lambda: database.data_source_id == FEATURES)
        await wait_until(pilot, lambda: database.table.row_count > 0 and not database.table.loading)
        await settle(pilot)
        assert database.database_id == ROADMAP
        assert expect_screen(app, DatabaseScreen) is database  # no picker asked which source
        assert requests_for(app, "query-data-source")[-1].request_body["pathParams"] == {
            "data_source_id": FEATURES
        }
        assert requests_for(app, "post-database-query") == []
