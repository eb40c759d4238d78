"""AlloyClient and NotionAPI against a real sandbox: every endpoint, every error class."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.errors import (
    ActionNotFoundError,
    AuthError,
    CannotReachError,
    ConnectionNotFoundError,
    ForbiddenError,
    NotSharedError,
    OAuthError,
    ValidationError,
)
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.alloy.retry import ActionKind
from alloy_tui.alloy.secret import Secret
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from tests.unit.test_client_core import FakeSleep

MISSING_PAGE = "0badc0de-0000-4000-8000-000000000000"


def client_for(
    base_url: str,
    http: httpx.AsyncClient,
    *,
    api_key: str = DEFAULT_API_KEY,
    user_id: str = DEFAULT_USER_ID,
    sleep: FakeSleep | None = None,
    **options: Any,
) -> AlloyClient:
    options.setdefault("rate_limit", False)
    return AlloyClient(
        http,
        base_url=base_url,
        api_key=Secret(api_key),
        user_id=user_id,
        options=ClientOptions(**options),
        sleep=sleep or FakeSleep(),
        rng=random.Random(0),
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http() as client:
        yield client


@pytest.fixture
def client(sandbox: SandboxServer, http: httpx.AsyncClient) -> AlloyClient:
    return client_for(sandbox.base_url, http)


@pytest.fixture
def notion(client: AlloyClient) -> NotionAPI:
    return NotionAPI(client, SEED_CONNECTION_ID)


def title_of(page: dict[str, Any]) -> str:
    for prop in page.get("properties", {}).values():
        if prop.get("type") == "title":
            return "".join(t.get("plain_text", "") for t in prop["title"])
    return "".join(t.get("plain_text", "") for t in page.get("title", []))


async def a_page(notion: NotionAPI) -> dict[str, Any]:
    found = await notion.search(filter_object="page", page_size=5)
    assert found.results, "the seeded sandbox has pages"
    return found.results[0]


async def a_database(notion: NotionAPI) -> dict[str, Any]:
    found = await notion.search(filter_object="database", page_size=10)
    assert found.results, "the seeded sandbox has databases"
    return found.results[0]


async def a_scratch_page(notion: NotionAPI, title: str) -> dict[str, Any]:
    parent = await a_page(notion)
    props = {"title": {"title": [{"text": {"content": title}}]}}
    return await notion.create_page({"page_id": parent["id"]}, props)


# --- connections, catalog, OAuth --------------------------------------------------------------


async def test_list_connections_finds_the_seed_connection(client: AlloyClient) -> None:
    connections = await client.list_connections("notion")
    seed = next(c for c in connections if c.id == SEED_CONNECTION_ID)
    assert seed.connector_id == "notion"
    assert seed.name
    assert seed.workspace_name
    assert seed.created_at is not None
    everything = await client.list_connections(None)
    assert SEED_CONNECTION_ID in {c.id for c in everything}


async def test_catalog(client: AlloyClient) -> None:
    connectors = await client.list_connectors()
    assert "notion" in {c.get("id") for c in connectors}
    action = await client.get_action("notion", "post-search")
    assert action["id"] == "post-search"
    assert action["httpMethod"] == "POST"
    with pytest.raises(ActionNotFoundError):
        await client.get_action("notion", "no-such-action")


async def test_unknown_action_on_execute(client: AlloyClient) -> None:
    with pytest.raises(ActionNotFoundError) as caught:
        await client.execute(
            "notion", "no-such-action", connection_id=SEED_CONNECTION_ID, kind=ActionKind.READ
        )
    assert caught.value.remedy


async def test_oauth_code_exchange_then_reuse_then_delete(
    sandbox_factory: Callable[..., SandboxServer], http: httpx.AsyncClient
) -> None:
    server = sandbox_factory(auto_consent=True, rate_limit=False)
    client = client_for(server.base_url, http)
    before = {c.id for c in await client.list_connections()}
    start = await client.start_oauth("notion", "http://127.0.0.1:9/oauth/callback")
    assert start.credential_id
    consent = await http.get(start.oauth_url)
    assert consent.status_code in (302, 303, 307)
    location = urlsplit(consent.headers["location"])
    assert (location.hostname, location.port, location.path) == ("127.0.0.1", 9, "/oauth/callback")
    code = parse_qs(location.query)["code"][0]

    connection_id = await client.exchange_code("notion", code, start.credential_id)
    assert connection_id == start.credential_id
    after = {c.id: c for c in await client.list_connections()}
    assert set(after) - before == {connection_id}
    assert after[connection_id].workspace_name

    with pytest.raises(OAuthError) as reused:
        await client.exchange_code("notion", code, start.credential_id)
    assert "invalid_grant" in reused.value.sentence
    assert code not in repr([r.request_body for r in client.log.records()])

    notion = NotionAPI(client, connection_id)
    assert (await notion.get_self())["object"] == "user"
    await client.delete_connection(connection_id)
    assert connection_id not in {c.id for c in await client.list_connections()}
    with pytest.raises(ConnectionNotFoundError):
        await notion.get_self()
    with pytest.raises(ConnectionNotFoundError):
        await client.delete_connection(connection_id)


# --- Notion through execute ---------------------------------------------------------------------


async def test_search_and_get_page(notion: NotionAPI) -> None:
    page = await a_page(notion)
    title = title_of(page)
    found = await notion.search(title[:4], filter_object="page")
    assert page["id"] in {r["id"] for r in found.results}
    fetched = await notion.get_page(page["id"].replace("-", ""))
    assert fetched["id"] == page["id"]
    assert fetched["object"] == "page"


async def test_create_update_trash_restore_page(notion: NotionAPI) -> None:
    created = await a_scratch_page(notion, "Client test ✨ 日本語")
    assert title_of(created) == "Client test ✨ 日本語"
    updated = await notion.update_page(
        created["id"],
        {"title": {"title": [{"text": {"content": "Renamed"}}]}},
        icon={"type": "emoji", "emoji": "🚀"},
    )
    assert title_of(updated) == "Renamed"
    assert updated["icon"]["emoji"] == "🚀"
    trashed = await notion.trash_page(created["id"])
    assert trashed["archived"] is True
    with pytest.raises(ValidationError):
        await notion.update_page(created["id"], {"title": {"title": []}})
    restored = await notion.restore_page(created["id"])
    assert restored["archived"] is False


async def test_database_get_and_paginated_query(notion: NotionAPI) -> None:
    databases = await notion.search(filter_object="database", page_size=20)
    for database in databases.results:  # a small one: all rows fit one page of 100
        everything = await notion.query_database(database["id"], page_size=100)
        if not everything.has_more and len(everything.results) >= 3:
            break
    else:
        pytest.fail("the seed has no small database")
    schema = await notion.get_database(database["id"])
    assert schema["object"] == "database"
    title_prop = next(n for n, p in schema["properties"].items() if p["type"] == "title")
    pages = [page async for page in notion.iter_query(database["id"], page_size=2)]
    rows = [row for page in pages for row in page.results]
    assert [r["id"] for r in rows] == [r["id"] for r in everything.results]
    assert len(pages) == (len(rows) + 1) // 2
    assert not pages[-1].has_more
    first_title = title_of(rows[0])
    filtered = await notion.query_database(
        database["id"], filter={"property": title_prop, "title": {"equals": first_title}}
    )
    assert rows[0]["id"] in {r["id"] for r in filtered.results}


async def test_unknown_property_is_a_validation_error_naming_it(notion: NotionAPI) -> None:
    database = await a_database(notion)
    with pytest.raises(ValidationError) as caught:
        await notion.query_database(
            database["id"], filter={"property": "Nope Property", "checkbox": {"equals": True}}
        )
    assert caught.value.field == "Nope Property"
    assert caught.value.status == 400


async def test_blocks_append_read_recursive_update_delete(notion: NotionAPI) -> None:
    page = await a_scratch_page(notion, "Blocks test")
    text = [{"type": "text", "text": {"content": "parent"}}]
    new = await notion.append_block_children(
        page["id"],
        [
            {"type": "toggle", "toggle": {"rich_text": text, "children": [
                {"type": "paragraph", "paragraph": {"rich_text": [{"text": {"content": "kid"}}]}}
            ]}},
            {"type": "divider", "divider": {}},
        ],
    )  # fmt: skip
    assert [b["type"] for b in new] == ["toggle", "divider"]
    after = await notion.append_block_children(
        page["id"],
        [{"type": "paragraph", "paragraph": {"rich_text": [{"text": {"content": "middle"}}]}}],
        after=new[0]["id"],
    )
    tree = await notion.get_blocks_recursive(page["id"])
    assert [b["type"] for b in tree] == ["toggle", "paragraph", "divider"]
    assert tree[1]["id"] == after[0]["id"]
    assert tree[0]["children"][0]["paragraph"]["rich_text"][0]["plain_text"] == "kid"
    updated = await notion.update_block(
        after[0]["id"], {"paragraph": {"rich_text": [{"text": {"content": "changed"}}]}}
    )
    assert updated["paragraph"]["rich_text"][0]["plain_text"] == "changed"
    assert (await notion.get_block(after[0]["id"]))["id"] == after[0]["id"]
    deleted = await notion.delete_block(new[1]["id"])
    assert deleted["archived"] is True
    remaining = await notion.get_block_children(page["id"])
    assert new[1]["id"] not in {b["id"] for b in remaining.results}


async def test_users(notion: NotionAPI) -> None:
    users = await notion.list_users()
    assert users and all(u["object"] == "user" for u in users)
    assert len({u["id"] for u in users}) == len(users)
    me = await notion.get_self()
    assert me["type"] == "bot"


# --- errors ---------------------------------------------------------------------------------------


async def test_bad_key_is_an_auth_error(sandbox: SandboxServer, http: httpx.AsyncClient) -> None:
    client = client_for(sandbox.base_url, http, api_key="sk_wrong")
    with pytest.raises(AuthError) as caught:
        await client.list_connections()
    assert "ALLOY_API_KEY" in caught.value.remedy
    assert caught.value.status == 401
    assert client.log.records()[-1].attempts == 1


async def test_wrong_user_is_forbidden(sandbox: SandboxServer, http: httpx.AsyncClient) -> None:
    client = client_for(sandbox.base_url, http, user_id="ffffffffffffffffffffffff")
    with pytest.raises(ForbiddenError) as caught:
        await client.list_connections()
    assert "ALLOY_USER_ID" in caught.value.remedy


async def test_unknown_connection(client: AlloyClient) -> None:
    notion = NotionAPI(client, "ffffffffffffffffffffffff")
    with pytest.raises(ConnectionNotFoundError) as caught:
        await notion.search()
    assert "Reconnect Notion (alloy-tui connect notion)" in caught.value.remedy
    assert caught.value.connection_id == "ffffffffffffffffffffffff"
    assert caught.value.connector == "notion"


async def test_an_unknown_slack_connection_says_reconnect_slack(client: AlloyClient) -> None:
    """The error names the connection the call went through and its own service, not the
    active Notion one."""
    with pytest.raises(ConnectionNotFoundError) as caught:
        await client.execute(
            "slack", "auth_test", connection_id="eeeeeeeeeeeeeeeeeeeeeeee", kind=ActionKind.READ
        )
    error = caught.value
    assert error.connection_id == "eeeeeeeeeeeeeeeeeeeeeeee"
    assert error.connector == "slack"
    assert "Reconnect Slack (alloy-tui connect slack)" in error.remedy
    assert "Notion" not in error.remedy


async def test_missing_page_says_share_it(notion: NotionAPI) -> None:
    with pytest.raises(NotSharedError) as caught:
        await notion.get_page(MISSING_PAGE)
    assert "Share" in caught.value.remedy
    assert caught.value.status == 404


async def test_a_stopped_sandbox_cannot_be_reached(
    sandbox_factory: Callable[..., SandboxServer], http: httpx.AsyncClient
) -> None:
    server = sandbox_factory(rate_limit=False)
    base = server.base_url
    server.stop()
    client = client_for(base, http, max_attempts=2)
    with pytest.raises(CannotReachError) as caught:
        await client.list_connections()
    assert caught.value.sentence.startswith(f"Cannot reach {base}")
