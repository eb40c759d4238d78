"""NotionAPI's data-source calls (Notion 2025-09-03) against a real sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from alloy_tui.alloy.client import AlloyClient, make_http
from alloy_tui.alloy.errors import ValidationError
from alloy_tui.alloy.models import ResultPage
from alloy_tui.alloy.notion_api import (
    DATA_SOURCES_VERSION,
    NOTION_VERSION,
    NotionAPI,
    data_sources_of,
)
from alloy_tui.cli import build_parser
from alloy_tui.config import ConfigError, Settings, load_settings
from alloy_tui.drafts import DraftStore
from alloy_tui.editing import PageSession
from alloy_tui.notion.models import schema_from_database
from alloy_tui.notion.richtext import from_plain
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.seed import seed_id
from alloy_tui.sandbox.server import SandboxServer
from tests.integration.test_client_sandbox import client_for

ROADMAP = seed_id("database", "roadmap")
TASKS = seed_id("database", "tasks")
FEATURES = seed_id("data_source", "roadmap:features")
BUGS = seed_id("data_source", "roadmap:bugs")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http() as client:
        yield client


@pytest.fixture
def client(sandbox: SandboxServer, http: httpx.AsyncClient) -> AlloyClient:
    return client_for(sandbox.base_url, http)


def versions_sent(client: AlloyClient) -> list[tuple[str, str | None]]:
    out = []
    for record in client.log.records():
        body = record.request_body if isinstance(record.request_body, dict) else {}
        headers = body.get("additionalHeaders") or {}
        out.append((record.action or "", headers.get("Notion-Version")))
    return out


def titles(page: ResultPage, prop: str) -> list[str]:
    return [r["properties"][prop]["title"][0]["plain_text"] for r in page.results]


async def test_a_multi_source_database_is_read_through_its_data_sources(
    client: AlloyClient,
) -> None:
    notion = NotionAPI(client, SEED_CONNECTION_ID)
    database = await notion.get_database(ROADMAP)
    assert "data_sources" not in database and not notion.speaks_data_sources
    sources = await notion.database_sources(database)
    assert sources == [(FEATURES, "Features"), (BUGS, "Bugs")]
    with pytest.raises(ValidationError, match="multiple data sources"):
        await notion.query_database(ROADMAP)
    bugs = await notion.get_data_source(BUGS)
    assert bugs["object"] == "data_source"
    assert schema_from_database(bugs)[0].name == "Bug"
    rows = await notion.query_data_source(
        BUGS, filter={"property": "Fixed", "checkbox": {"equals": True}}
    )
    assert titles(rows, "Bug") == ["Crash when a page has no title"]
    assert rows.results[0]["parent"]["data_source_id"] == BUGS
    assert await notion.page_data_source(str(rows.results[0]["id"])) == BUGS
    sent = versions_sent(client)
    assert ("retrieve-a-data-source", DATA_SOURCES_VERSION) in sent
    assert ("query-data-source", DATA_SOURCES_VERSION) in sent
    assert ("post-database-query", NOTION_VERSION) in sent
    assert sent[0] == ("retrieve-a-database", NOTION_VERSION)
    assert sent[1] == ("retrieve-a-database", DATA_SOURCES_VERSION)


async def test_a_2025_connector_is_detected_from_the_database_it_answers(
    client: AlloyClient,
) -> None:
    notion = NotionAPI(client, SEED_CONNECTION_ID, notion_version=DATA_SOURCES_VERSION)
    database = await notion.get_database(TASKS)
    assert "properties" not in database and notion.speaks_data_sources
    calls = len(client.log.records())
    # The answer names its data sources: no second request.
    [(source_id, name)] = await notion.database_sources(database)
    assert name == "Tasks" and len(client.log.records()) == calls
    assert data_sources_of(database) == [(source_id, name)]
    # Search's "database" filter becomes 2025's "data_source".
    found = await notion.search("Bugs", filter_object="database")
    assert [(r["object"], r["id"]) for r in found.results] == [("data_source", BUGS)]


async def test_query_data_source_pages_and_stops_at_a_repeated_cursor(
    client: AlloyClient,
) -> None:
    notion = NotionAPI(client, SEED_CONNECTION_ID)
    [(source_id, _)] = await notion.database_sources(TASKS)
    pages = [p async for p in notion.iter_query_data_source(source_id, page_size=40)]
    assert len(pages) >= 2 and not pages[-1].has_more
    ids = [r["id"] for p in pages for r in p.results]
    assert len(ids) == len(set(ids))
    old = [p async for p in notion.iter_query(TASKS, page_size=40)]
    assert ids == [r["id"] for p in old for r in p.results]

    class Looping(NotionAPI):
        """A server that hands back its first page, and the same cursor, whatever is asked."""

        async def query_data_source(
            self,
            data_source_id: str,
            filter: Mapping[str, Any] | None = None,
            sorts: list[Mapping[str, Any]] | None = None,
            start_cursor: str | None = None,
            page_size: int | None = None,
        ) -> ResultPage:
            return await super().query_data_source(data_source_id, filter, sorts, None, page_size)

    looping = Looping(client, SEED_CONNECTION_ID)
    seen = [p async for p in looping.iter_query_data_source(source_id, page_size=5)]
    assert len(seen) == 2  # the cursor handed back a second time ends it


def test_notion_version_is_a_setting_with_a_flag(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('notion_version = "2025-09-03"\n')
    env: dict[str, str] = {}

    def load(path: Path, **flags: str) -> Settings:
        return load_settings(config_path=path, flags=flags, env=env, use_cwd_env=False)

    assert load(tmp_path / "none.toml").notion_version == NOTION_VERSION
    assert load(config).notion_version == DATA_SOURCES_VERSION
    flagged = load(config, notion_version=NOTION_VERSION)
    assert flagged.notion_version == NOTION_VERSION
    assert flagged.source_of("notion_version") == "flag"
    with pytest.raises(ConfigError, match="2024-01-01"):
        load(config, notion_version="2024-01-01")
    args = build_parser().parse_args(["--notion-version", "2025-09-03"])
    assert args.notion_version == DATA_SOURCES_VERSION


@pytest.mark.parametrize("version", [NOTION_VERSION, DATA_SOURCES_VERSION])
async def test_rows_of_each_data_source_open_with_their_schema_and_save(
    client: AlloyClient, tmp_path: Path, version: str
) -> None:
    notion = NotionAPI(client, SEED_CONNECTION_ID, notion_version=version)
    made = await notion.create_page(
        {"type": "data_source_id", "data_source_id": BUGS},
        {"Bug": {"title": from_plain(f"Session row {version}")}},
    )
    assert made["parent"]["data_source_id"] == BUGS
    [feature, *_] = (await notion.query_data_source(FEATURES, page_size=1)).results
    votes = str(int(feature["properties"]["Votes"]["number"] or 0) + 1)
    for page_id, title, field, value, expected in (
        (str(made["id"]), "Bug", "Severity", "Low", {"select": {"name": "Low"}}),
        (str(feature["id"]), "Feature", "Votes", votes, {"number": int(votes)}),
    ):
        session = PageSession(
            notion,
            DraftStore(tmp_path / "drafts"),
            page_id,
            connection_id=SEED_CONNECTION_ID,
            origin="sandbox",
        )
        await session.load()
        assert session.title_property == title
        schema = session.schema_of(field)
        assert schema is not None and not schema.read_only
        assert session.set_input(field, value)
        changes, errors = session.collect()
        assert errors == {} and changes == {field: expected}
        check = await session.check(changes, None)
        assert check.conflict is None
        await session.apply(check)
        assert not session.dirty
        page = await notion.get_page(page_id)
        prop = page["properties"][field]
        shown = prop["select"]["name"] if field == "Severity" else str(prop["number"])
        assert shown == value
