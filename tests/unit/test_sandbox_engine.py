"""The Notion engine called directly: every action, ids, validation, pagination, blocks, trash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.sandbox.actions import ACTIONS, DEFAULT_BOT_ID, NotionEngine, find_action
from alloy_tui.sandbox.seed import person_id, seed_id, seed_workspace
from alloy_tui.sandbox.store import Store

BOT = "12345678-aaaa-4bbb-8ccc-1234567890ab"
HANDBOOK = seed_id("page", "handbook")
ENGINEERING = seed_id("page", "engineering")
TASKS = seed_id("database", "tasks")
PROJECTS = seed_id("database", "projects")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 6, 1, 12, 0, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Sandbox:
    def __init__(self) -> None:
        self.clock = Clock()
        self.store = Store(":memory:")
        seed_workspace(self.store, clock=self.clock)
        self.engine = NotionEngine(self.store, clock=self.clock)

    def call(
        self,
        action: str,
        *,
        path: dict[str, Any] | None = None,
        body: Any = None,
        query: dict[str, Any] | None = None,
        bot: str | None = BOT,
    ) -> tuple[int, Any]:
        return self.engine.execute(
            action, path_params=path or {}, body=body, query=query or {}, bot_user_id=bot
        )

    def ok(self, action: str, **kwargs: Any) -> Any:
        status, body = self.call(action, **kwargs)
        assert status == 200, body
        return body

    def error(self, action: str, status: int = 400, **kwargs: Any) -> dict[str, Any]:
        got, body = self.call(action, **kwargs)
        assert got == status, body
        assert body["object"] == "error"
        assert body["status"] == status
        return dict(body)

    def new_page(self, title: str = "Scratch", parent: str = HANDBOOK, **extra: Any) -> Any:
        body = {
            "parent": {"page_id": parent},
            "properties": {"title": {"title": [{"text": {"content": title}}]}},
            **extra,
        }
        return self.ok("post-page", body=body)

    def children(self, block_id: str, **query: Any) -> Any:
        return self.ok("get-block-children", path={"block_id": block_id}, query=query)


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox()


def para(content: str) -> dict[str, Any]:
    return {"type": "paragraph", "paragraph": {"rich_text": [{"text": {"content": content}}]}}


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    return ["".join(t["plain_text"] for t in b[b["type"]].get("rich_text", [])) for b in blocks]


# --- catalog ---------------------------------------------------------------------------------


def test_catalog_lists_every_required_action() -> None:
    ids = {spec.id for spec in ACTIONS}
    assert ids == {
        "post-search",
        "retrieve-a-page",
        "retrieve-a-page-property",
        "post-page",
        "patch-page",
        "retrieve-a-database",
        "post-database-query",
        "get-block-children",
        "patch-block-children",
        "retrieve-a-block",
        "update-a-block",
        "delete-a-block",
        "get-users",
        "get-self",
        "retrieve-a-comment",
        "create-a-comment",
        "retrieve-a-data-source",
        "query-data-source",
        "update-a-data-source",
        "create-a-data-source",
        "list-data-source-templates",
        "get-user",
    }
    for spec in ACTIONS:
        assert find_action(spec.id) is spec
        assert spec.http_method in ("GET", "POST", "PATCH", "DELETE")
        assert all("{" + p + "}" in spec.path for p in spec.path_params)


@pytest.mark.parametrize(
    ("alias", "official"),
    [
        ("get-page", "retrieve-a-page"),
        ("get-database", "retrieve-a-database"),
        ("query-database", "post-database-query"),
    ],
)
def test_guide_aliases(alias: str, official: str) -> None:
    spec = find_action(alias)
    assert spec is not None
    assert spec.id == official


def test_unknown_action_is_404(sb: Sandbox) -> None:
    assert find_action("nope") is None
    status, body = sb.call("nope")
    assert status == 404
    assert body == {"error": {"code": "NOT_FOUND", "message": "Action not found"}}


def test_aliases_answer_like_official_ids(sb: Sandbox) -> None:
    page = {"path": {"page_id": HANDBOOK}}
    assert sb.ok("get-page", **page) == sb.ok("retrieve-a-page", **page)
    db = {"path": {"database_id": TASKS}}
    assert sb.ok("get-database", **db) == sb.ok("retrieve-a-database", **db)
    query = {"path": {"database_id": TASKS}, "body": {"page_size": 5}}
    assert sb.ok("query-database", **query) == sb.ok("post-database-query", **query)


# --- ids -------------------------------------------------------------------------------------


def test_dashless_ids_are_normalised(sb: Sandbox) -> None:
    page = sb.ok("retrieve-a-page", path={"page_id": HANDBOOK.replace("-", "").upper()})
    assert page["id"] == HANDBOOK


@pytest.mark.parametrize("bad", ["abc", "", 42, "1234567890abcdef1234567890abcdeg"])
def test_malformed_path_id_is_400(sb: Sandbox, bad: Any) -> None:
    error = sb.error("retrieve-a-page", path={"page_id": bad})
    assert error["code"] == "validation_error"
    assert "path.page_id should be a valid uuid" in error["message"]


def test_missing_path_id_is_400(sb: Sandbox) -> None:
    error = sb.error("retrieve-a-page")
    assert "path.page_id should be defined" in error["message"]


def test_unknown_page_is_404_with_notion_message(sb: Sandbox) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    error = sb.error("retrieve-a-page", 404, path={"page_id": missing})
    assert error["code"] == "object_not_found"
    assert error["message"] == (
        f"Could not find page with ID: {missing}. Make sure the relevant pages and databases "
        "are shared with your integration."
    )


def test_page_and_database_ids_are_not_interchangeable(sb: Sandbox) -> None:
    assert "is a database" in sb.error("retrieve-a-page", path={"page_id": TASKS})["message"]
    error = sb.error("retrieve-a-database", path={"database_id": HANDBOOK})
    assert "is a page" in error["message"]


# --- pages -----------------------------------------------------------------------------------


def test_page_object_shape(sb: Sandbox) -> None:
    page = sb.ok("retrieve-a-page", path={"page_id": HANDBOOK})
    assert set(page) == {
        "object",
        "id",
        "created_time",
        "last_edited_time",
        "created_by",
        "last_edited_by",
        "cover",
        "icon",
        "parent",
        "archived",
        "in_trash",
        "properties",
        "url",
        "public_url",
    }
    assert page["object"] == "page"
    assert page["parent"] == {"type": "workspace", "workspace": True}
    assert page["url"] == f"https://www.notion.so/Acme-Handbook-{HANDBOOK.replace('-', '')}"
    assert list(page["properties"]) == ["title"]
    assert page["properties"]["title"]["id"] == "title"
    assert page["icon"] == {"type": "emoji", "emoji": "🏠"}
    assert page["last_edited_time"].endswith(":00.000Z")


def test_guide_example_create_then_update(sb: Sandbox) -> None:
    created = sb.ok(
        "post-page",
        body={
            "parent": {"type": "workspace", "workspace": True},
            "properties": {
                "title": {
                    "type": "title",
                    "title": [{"type": "text", "text": {"content": "Hello from Alloy API!"}}],
                }
            },
        },
    )
    assert created["url"].startswith("https://www.notion.so/Hello-from-Alloy-API-")
    assert created["created_by"] == {"object": "user", "id": BOT}
    assert created["created_time"] == "2024-06-01T12:00:00.000Z"
    sb.clock.now += timedelta(minutes=3)
    updated = sb.ok(
        "patch-page",
        path={"page_id": created["id"]},
        body={
            "properties": {
                "title": {"type": "title", "title": [{"text": {"content": "Updated: Hello"}}]}
            }
        },
    )
    title = updated["properties"]["title"]["title"][0]
    assert title["plain_text"] == "Updated: Hello"
    assert title["annotations"]["bold"] is False  # responses are always full
    assert updated["last_edited_time"] == "2024-06-01T12:03:00.000Z"
    search = sb.ok("post-search", body={"query": "updated: hello"})
    assert [r["id"] for r in search["results"]] == [created["id"]]


def test_page_under_a_page_gets_a_child_page_block(sb: Sandbox) -> None:
    page = sb.new_page("Child note", icon={"type": "emoji", "emoji": "📝"})
    blocks = sb.children(HANDBOOK)["results"]
    assert blocks[-1]["id"] == page["id"]
    assert blocks[-1]["type"] == "child_page"
    assert blocks[-1]["child_page"] == {"title": "Child note"}
    assert page["icon"] == {"type": "emoji", "emoji": "📝"}


def test_page_with_children_and_cover(sb: Sandbox) -> None:
    page = sb.new_page(
        children=[para("one"), para("two")],
        cover={"type": "external", "external": {"url": "https://img.example/c.png"}},
    )
    assert page["cover"]["external"]["url"] == "https://img.example/c.png"
    assert texts(sb.children(page["id"])["results"]) == ["one", "two"]


def test_plain_page_only_has_a_title(sb: Sandbox) -> None:
    error = sb.error(
        "post-page",
        body={"parent": {"page_id": HANDBOOK}, "properties": {"Status": {"select": None}}},
    )
    assert error["message"] == "Status is not a property that exists."


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({}, 400, "body.parent should be an object"),
        ([], 400, "body should be an object"),
        ({"parent": {"nothing": 1}}, 400, "body.parent"),
        ({"parent": {"page_id": "nope"}}, 400, "body.parent.page_id should be a valid uuid"),
        ({"parent": {"page_id": "00000000-0000-4000-8000-000000000001"}}, 404, "Could not find"),
        ({"parent": {"database_id": HANDBOOK}}, 404, "Could not find database"),
        (
            {
                "parent": {"workspace": True},
                "properties": {},
                "icon": {"type": "emoji", "emoji": 3},
            },
            400,
            "body.icon.emoji",
        ),
        (
            {
                "parent": {"workspace": True},
                "properties": {},
                "cover": {"type": "emoji", "emoji": "x"},
            },
            400,
            "cover",
        ),
        ({"parent": {"workspace": True}, "properties": []}, 400, "body.properties"),
        (
            {"parent": {"workspace": True}},
            400,
            "body failed validation: body.properties should be defined, instead was `undefined`.",
        ),
        ({"parent": {"workspace": True}, "properties": None}, 400, "body.properties should be an"),
    ],
)
def test_post_page_validation(sb: Sandbox, body: Any, status: int, needle: str) -> None:
    error = sb.error("post-page", status, body=body)
    assert needle in error["message"]


def task_body(**props: Any) -> dict[str, Any]:
    return {
        "parent": {"database_id": TASKS},
        "properties": {"Name": {"title": [{"text": {"content": "New task"}}]}, **props},
    }


def test_database_row_has_every_schema_property(sb: Sandbox) -> None:
    row = sb.ok("post-page", body=task_body())
    schema = sb.ok("retrieve-a-database", path={"database_id": TASKS})["properties"]
    assert set(row["properties"]) == set(schema)
    props = row["properties"]
    assert props["Status"]["status"]["name"] == "Not started"  # the default of the to-do group
    assert props["Tags"]["multi_select"] == []
    assert props["Estimate"]["number"] is None
    assert props["Needs review"]["checkbox"] is False
    assert props["ID"]["unique_id"] == {"prefix": "TASK", "number": 301}
    assert props["Created by"]["created_by"]["id"] == BOT
    again = sb.ok("post-page", body=task_body())
    assert again["properties"]["ID"]["unique_id"]["number"] == 302


def test_writes_of_every_writable_type(sb: Sandbox) -> None:
    project = seed_id("page", "project:0")
    row = sb.ok(
        "post-page",
        body=task_body(
            Status={"status": {"name": "In progress"}},
            Assignee={"people": [{"object": "user", "id": person_id("wei")}]},
            Due={"date": {"start": "2024-06-03T09:00:00", "time_zone": "Asia/Tokyo"}},
            Priority={"select": {"name": "P1"}},
            Tags={"multi_select": [{"name": "docs"}, {"name": "bug"}]},
            Estimate={"number": 3},
            Project={"relation": [{"id": project}]},
            Spec={"url": "https://spec.example"},
        ),
    )
    props = row["properties"]
    assert props["Assignee"]["people"][0]["name"] == "李伟"
    assert props["Due"]["date"] == {
        "start": "2024-06-03T09:00:00",
        "end": None,
        "time_zone": "Asia/Tokyo",
    }
    assert [o["name"] for o in props["Tags"]["multi_select"]] == ["docs", "bug"]
    assert props["Project"]["relation"] == [{"id": project}]
    assert props["Label"]["formula"]["string"] == "TASK-301 · New task"
    contacts = seed_id("database", "contacts")
    contact = sb.ok(
        "post-page",
        body={
            "parent": {"database_id": contacts},
            "properties": {
                "Name": [{"text": {"content": "Eve"}}],
                "Email": {"email": "eve@example.com"},
                "Phone": {"phone_number": "+1 555"},
                "Newsletter": {"checkbox": True},
                "Company": {"rich_text": [{"text": {"content": "Evil Corp"}}]},
            },
        },
    )
    assert contact["properties"]["Email"]["email"] == "eve@example.com"
    assert contact["properties"]["Newsletter"]["checkbox"] is True
    files = sb.ok(
        "patch-page",
        path={"page_id": project},
        body={
            "properties": {
                "Attachments": {
                    "files": [{"name": "x.png", "external": {"url": "https://f.example/x.png"}}]
                }
            }
        },
    )
    assert files["properties"]["Attachments"]["files"][0]["name"] == "x.png"


def test_two_way_relation_and_rollups_follow_writes(sb: Sandbox) -> None:
    project = seed_id("page", "project:0")
    before = sb.ok("retrieve-a-page", path={"page_id": project})["properties"]
    count = before["Task count"]["rollup"]["number"]
    total = before["Total estimate"]["rollup"]["number"]
    row = sb.ok(
        "post-page",
        body=task_body(Estimate={"number": 13}, Project={"relation": [{"id": project}]}),
    )
    after = sb.ok("retrieve-a-page", path={"page_id": project})["properties"]
    assert {"id": row["id"]} in after["Tasks"]["relation"]
    assert after["Task count"]["rollup"]["number"] == count + 1
    assert after["Total estimate"]["rollup"]["number"] == total + 13
    sb.ok(
        "patch-page",
        path={"page_id": row["id"]},
        body={"properties": {"Project": {"relation": []}}},
    )
    final = sb.ok("retrieve-a-page", path={"page_id": project})["properties"]
    assert {"id": row["id"]} not in final["Tasks"]["relation"]


def test_new_select_option_is_added_to_the_schema(sb: Sandbox) -> None:
    row = sb.ok(
        "post-page",
        body=task_body(
            Priority={"select": {"name": "P9"}}, Tags={"multi_select": [{"name": "新しい"}]}
        ),
    )
    assert row["properties"]["Priority"]["select"]["name"] == "P9"
    schema = sb.ok("retrieve-a-database", path={"database_id": TASKS})["properties"]
    priorities = {o["name"]: o for o in schema["Priority"]["select"]["options"]}
    assert "P9" in priorities
    assert priorities["P9"]["color"] in (
        "default",
        "gray",
        "brown",
        "orange",
        "yellow",
        "green",
        "blue",
        "purple",
        "pink",
        "red",
    )
    assert "新しい" in [o["name"] for o in schema["Tags"]["multi_select"]["options"]]


def test_status_accepts_only_existing_options(sb: Sandbox) -> None:
    error = sb.error("post-page", body=task_body(Status={"status": {"name": "Shipped"}}))
    assert "Shipped" in error["message"]


@pytest.mark.parametrize(
    ("prop", "value", "needle"),
    [
        ("ID", {"unique_id": {"number": 3}}, "ID is a unique_id property"),
        ("Overdue", {"formula": {"boolean": True}}, "Overdue is a formula property"),
        ("Created", {"created_time": "2024-01-01"}, "Created is a created_time property"),
        ("Last edited by", {"last_edited_by": {}}, "read-only"),
    ],
)
def test_read_only_properties_reject_writes(
    sb: Sandbox, prop: str, value: Any, needle: str
) -> None:
    error = sb.error("post-page", body=task_body(**{prop: value}))
    assert error["code"] == "validation_error"
    assert needle in error["message"] or "cannot be written" in error["message"]


@pytest.mark.parametrize(
    ("prop", "value", "needle"),
    [
        ("Nope", {"number": 1}, "Nope is not a property that exists."),
        ("Estimate", {"number": "3"}, "body.properties.Estimate.number should be a number"),
        ("Estimate", {"select": {"name": "x"}}, "Estimate is expected to be number."),
        ("Estimate", {}, "body.properties.Estimate.number should be defined"),
        ("Needs review", {"checkbox": "yes"}, "Needs review.checkbox should be a boolean"),
        ("Due", {"date": {"start": "soon"}}, "Due.date.start should be a valid ISO 8601"),
        ("Due", {"date": {"start": "2024-01-01", "time_zone": "Mars/Base"}}, "time_zone"),
        ("Assignee", {"people": [{"id": "00000000-0000-4000-8000-000000000009"}]}, "user"),
        ("Project", {"relation": [{"id": HANDBOOK}]}, "should be a page of database"),
        ("Tags", {"multi_select": {"name": "x"}}, "Tags.multi_select should be an array"),
        ("Priority", {"select": {"name": "a,b"}}, "commas"),
    ],
)
def test_wrong_property_values_are_400(sb: Sandbox, prop: str, value: Any, needle: str) -> None:
    error = sb.error("post-page", body=task_body(**{prop: value}))
    assert needle in error["message"]


def test_property_keys_accept_ids(sb: Sandbox) -> None:
    schema = sb.ok("retrieve-a-database", path={"database_id": TASKS})["properties"]
    estimate_id = schema["Estimate"]["id"]
    row = sb.ok("post-page", body=task_body(**{estimate_id: {"number": 8}}))
    assert row["properties"]["Estimate"]["number"] == 8


def test_trash_and_restore_a_page(sb: Sandbox) -> None:
    page = sb.new_page("Trash me")
    trashed = sb.ok("patch-page", path={"page_id": page["id"]}, body={"archived": True})
    assert trashed["archived"] is True
    assert trashed["in_trash"] is True
    assert sb.ok("post-search", body={"query": "Trash me"})["results"] == []
    error = sb.error(
        "patch-page",
        path={"page_id": page["id"]},
        body={"properties": {"title": [{"text": {"content": "x"}}]}},
    )
    assert "archived" in error["message"]
    assert sb.children(HANDBOOK)["results"][-1]["id"] != page["id"]
    restored = sb.ok("patch-page", path={"page_id": page["id"]}, body={"in_trash": False})
    assert restored["in_trash"] is False
    assert len(sb.ok("post-search", body={"query": "Trash me"})["results"]) == 1


def test_cannot_create_under_a_trashed_page(sb: Sandbox) -> None:
    page = sb.new_page("Soon gone")
    sb.ok("patch-page", path={"page_id": page["id"]}, body={"in_trash": True})
    error = sb.error("post-page", body={"parent": {"page_id": page["id"]}})
    assert "archived" in error["message"]


# --- limits ----------------------------------------------------------------------------------


def test_utf16_limit_counts_an_emoji_as_two(sb: Sandbox) -> None:
    sb.new_page(children=[para("a" * 2000)])
    error = sb.error(
        "post-page",
        body={
            "parent": {"page_id": HANDBOOK},
            "properties": {},
            "children": [para("a" * 1999 + "😀")],
        },
    )
    assert error["message"] == (
        "body failed validation: body.children[0].paragraph.rich_text[0].text.content.length "
        "should be ≤ `2000`, instead was `2001`."
    )


def test_arrays_are_limited_to_100(sb: Sandbox) -> None:
    rich = [{"text": {"content": "x"}}] * 101
    block = {"type": "paragraph", "paragraph": {"rich_text": rich}}
    error = sb.error(
        "patch-block-children", path={"block_id": HANDBOOK}, body={"children": [block]}
    )
    assert "rich_text.length should be ≤ `100`, instead was `101`" in error["message"]
    error = sb.error(
        "patch-block-children",
        path={"block_id": HANDBOOK},
        body={"children": [para("x")] * 101},
    )
    assert "body.children.length should be ≤ `100`" in error["message"]


def test_at_most_1000_blocks_per_request(sb: Sandbox) -> None:
    def toggle(children: list[Any]) -> dict[str, Any]:
        return {"type": "toggle", "toggle": {"rich_text": [], "children": children}}

    big = [toggle([para("x")] * 10) for _ in range(91)]  # 91 * 11 = 1001 blocks
    error = sb.error("patch-block-children", path={"block_id": HANDBOOK}, body={"children": big})
    assert "1001 blocks" in error["message"]


def test_request_body_over_500_kb_is_400(sb: Sandbox) -> None:
    body = {"children": [para("x" * 2000)] * 100, "padding": "y" * 400_000}
    error = sb.error("patch-block-children", path={"block_id": HANDBOOK}, body=body)
    assert "limit is 500000 bytes" in error["message"]


def nested(depth: int) -> dict[str, Any]:
    block: dict[str, Any] = para("leaf")
    for _ in range(depth):
        block = {"type": "toggle", "toggle": {"rich_text": [], "children": [block]}}
    return block


def test_children_nest_two_levels_not_three(sb: Sandbox) -> None:
    result = sb.ok(
        "patch-block-children", path={"block_id": HANDBOOK}, body={"children": [nested(2)]}
    )
    top = result["results"][0]
    assert top["has_children"] is True
    level1 = sb.children(top["id"])["results"][0]
    level2 = sb.children(level1["id"])["results"][0]
    assert texts([level2]) == ["leaf"]
    error = sb.error(
        "patch-block-children", path={"block_id": HANDBOOK}, body={"children": [nested(3)]}
    )
    assert (
        "toggle.children[0].toggle.children[0].toggle.children should be not present"
        in (error["message"])
    )


# --- search ----------------------------------------------------------------------------------


def test_search_matches_titles_case_insensitively(sb: Sandbox) -> None:
    results = sb.ok("post-search", body={"query": "HANDBOOK"})["results"]
    assert [r["id"] for r in results] == [HANDBOOK]
    # Body text is not searched.
    assert sb.ok("post-search", body={"query": "Kent Beck"})["results"] == []
    assert len(sb.ok("post-search", body={"query": "チーム"})["results"]) == 1


def test_search_filter_and_shape(sb: Sandbox) -> None:
    result = sb.ok("post-search", body={"filter": {"property": "object", "value": "database"}})
    assert {r["id"] for r in result["results"]} == {
        TASKS,
        PROJECTS,
        seed_id("database", "contacts"),
        seed_id("database", "roadmap"),
    }
    assert result["object"] == "list"
    assert result["type"] == "page_or_database"
    assert result["page_or_database"] == {}
    assert "data" not in result  # Notion's list object; the guide dialect's copy is HTTP's
    pages = sb.ok("post-search", body={"filter": {"value": "page", "property": "object"}})
    assert all(r["object"] == "page" for r in pages["results"])


def test_search_orders_by_last_edited(sb: Sandbox) -> None:
    down = sb.ok("post-search", body={"page_size": 100})["results"]
    stamps = [r["last_edited_time"] for r in down]
    assert stamps == sorted(stamps, reverse=True)
    up = sb.ok(
        "post-search",
        body={"sort": {"timestamp": "last_edited_time", "direction": "ascending"}},
    )["results"]
    up_stamps = [r["last_edited_time"] for r in up]
    assert up_stamps == sorted(up_stamps)
    page = sb.new_page("Fresh")
    assert sb.ok("post-search", body={})["results"][0]["id"] == page["id"]


def test_search_excludes_trashed(sb: Sandbox) -> None:
    assert sb.ok("post-search", body={"query": "Old roadmap"})["results"] == []


def test_search_pagination_walks_everything_once(sb: Sandbox) -> None:
    seen: list[str] = []
    body: dict[str, Any] = {"page_size": 40}
    while True:
        result = sb.ok("post-search", body=body)
        seen += [r["id"] for r in result["results"]]
        if not result["has_more"]:
            assert result["next_cursor"] is None
            break
        body = {"page_size": 40, "start_cursor": result["next_cursor"]}
    assert len(seen) == len(set(seen))
    total = sb.store.conn.execute(
        "SELECT COUNT(*) FROM objects WHERE in_trash = 0 AND object != 'data_source'"
    ).fetchone()
    assert len(seen) == total[0]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"page_size": 0}, "body.page_size should be ≥ `1`, instead was `0`."),
        ({"page_size": 101}, "body.page_size should be ≤ `100`, instead was `101`."),
        ({"page_size": "ten"}, "body.page_size should be a number"),
        ({"start_cursor": "not-a-cursor"}, "The start_cursor provided is invalid"),
        ({"filter": {"property": "object", "value": "block"}}, "body.filter.value"),
        ({"filter": {"property": "title", "value": "page"}}, "body.filter.property"),
        ({"sort": {"timestamp": "created_time", "direction": "ascending"}}, "body.sort"),
        ({"sort": {"timestamp": "last_edited_time", "direction": "up"}}, "direction"),
        ({"query": 5}, "body.query should be a string"),
    ],
)
def test_search_validation(sb: Sandbox, body: dict[str, Any], needle: str) -> None:
    error = sb.error("post-search", body=body)
    assert error["code"] == "validation_error"
    assert needle in error["message"]


def test_page_size_may_be_a_string(sb: Sandbox) -> None:
    assert len(sb.ok("post-search", body={"page_size": "3"})["results"]) == 3
    assert len(sb.children(HANDBOOK, page_size="2")["results"]) == 2


def test_large_database_paginates(sb: Sandbox) -> None:
    first = sb.ok("post-database-query", path={"database_id": TASKS}, body={})
    assert len(first["results"]) == 100
    assert first["has_more"] is True
    ids = [r["id"] for r in first["results"]]
    cursor = first["next_cursor"]
    while cursor:
        page = sb.ok(
            "post-database-query", path={"database_id": TASKS}, body={"start_cursor": cursor}
        )
        ids += [r["id"] for r in page["results"]]
        cursor = page["next_cursor"]
    assert len(ids) == len(set(ids)) == 300


# --- blocks ----------------------------------------------------------------------------------


def test_block_envelope_and_first_level_children(sb: Sandbox) -> None:
    blocks = sb.children(HANDBOOK)["results"]
    first = blocks[0]
    assert set(first) == {
        "object",
        "id",
        "parent",
        "created_time",
        "last_edited_time",
        "created_by",
        "last_edited_by",
        "has_children",
        "archived",
        "in_trash",
        "type",
        "callout",
    }
    assert first["parent"] == {"type": "page_id", "page_id": HANDBOOK}
    assert first["callout"]["icon"] == {"type": "emoji", "emoji": "👋"}
    bullets = [b for b in blocks if b["type"] == "bulleted_list_item"]
    assert bullets[0]["has_children"] is True
    nested_items = sb.children(bullets[0]["id"])["results"]
    assert all(
        b["parent"] == {"type": "block_id", "block_id": bullets[0]["id"]} for b in nested_items
    )
    assert sb.children(HANDBOOK)["type"] == "block"


def test_append_after_keeps_order(sb: Sandbox) -> None:
    page = sb.new_page(children=[para("a"), para("d")])
    first = sb.children(page["id"])["results"][0]["id"]
    result = sb.ok(
        "patch-block-children",
        path={"block_id": page["id"]},
        body={"children": [para("b"), para("c")], "after": first},
    )
    assert texts(result["results"]) == ["b", "c"]
    assert result["object"] == "list"
    assert texts(sb.children(page["id"])["results"]) == ["a", "b", "c", "d"]
    sb.ok("patch-block-children", path={"block_id": page["id"]}, body={"children": [para("e")]})
    assert texts(sb.children(page["id"])["results"]) == ["a", "b", "c", "d", "e"]


def test_many_inserts_after_the_same_block_renumber_cleanly(sb: Sandbox) -> None:
    page = sb.new_page(children=[para("start"), para("end")])
    start = sb.children(page["id"])["results"][0]["id"]
    for i in range(60):
        sb.ok(
            "patch-block-children",
            path={"block_id": page["id"]},
            body={"children": [para(str(i))], "after": start},
        )
    order = texts(sb.children(page["id"])["results"])
    assert order == ["start", *[str(i) for i in reversed(range(60))], "end"]


def test_after_must_be_a_child_of_the_parent(sb: Sandbox) -> None:
    page = sb.new_page()
    error = sb.error(
        "patch-block-children",
        path={"block_id": page["id"]},
        body={"children": [para("x")], "after": HANDBOOK},
    )
    assert "body.after" in error["message"]


def test_append_to_a_block_that_cannot_have_children(sb: Sandbox) -> None:
    page = sb.new_page(children=[{"type": "divider", "divider": {}}])
    divider = sb.children(page["id"])["results"][0]["id"]
    error = sb.error(
        "patch-block-children", path={"block_id": divider}, body={"children": [para("x")]}
    )
    assert "does not support children" in error["message"]


def test_child_blocks_pagination(sb: Sandbox) -> None:
    page = sb.new_page(children=[para(str(i)) for i in range(7)])
    first = sb.children(page["id"], page_size=3)
    assert texts(first["results"]) == ["0", "1", "2"]
    second = sb.children(page["id"], page_size=3, start_cursor=first["next_cursor"])
    assert texts(second["results"]) == ["3", "4", "5"]
    third = sb.children(page["id"], page_size=3, start_cursor=second["next_cursor"])
    assert texts(third["results"]) == ["6"]
    assert third["has_more"] is False
    assert third["next_cursor"] is None


def test_block_types_are_returned_with_defaults(sb: Sandbox) -> None:
    page = sb.new_page(
        children=[
            {"to_do": {"rich_text": [{"text": {"content": "t"}}]}},
            {"type": "code", "code": {"rich_text": [], "language": "python"}},
            {"type": "heading_2", "heading_2": {"rich_text": [], "color": "blue"}},
            {"type": "callout", "callout": {"rich_text": []}},
            {"type": "equation", "equation": {"expression": "x^2"}},
            {"type": "divider", "divider": {}},
        ]
    )
    blocks = sb.children(page["id"])["results"]
    assert blocks[0]["to_do"]["checked"] is False
    assert blocks[1]["code"] == {
        "rich_text": [],
        "color": "default",
        "language": "python",
        "caption": [],
    }
    assert blocks[2]["heading_2"]["is_toggleable"] is False
    assert blocks[2]["heading_2"]["color"] == "blue"
    assert blocks[3]["callout"]["icon"] == {"type": "emoji", "emoji": "💡"}
    assert blocks[4]["equation"] == {"expression": "x^2"}
    assert blocks[5]["divider"] == {}


@pytest.mark.parametrize(
    ("block", "needle"),
    [
        ({"type": "spaceship", "spaceship": {}}, "type should be a supported block type"),
        ({"paragraph": {}}, "paragraph.rich_text should be defined"),
        ({"type": "child_page", "child_page": {"title": "x"}}, "cannot be created"),
        ({"type": "paragraph", "paragraph": {"rich_text": [], "colour": "red"}}, "colour"),
        ({"type": "paragraph", "paragraph": {"rich_text": [], "color": "neon"}}, "color"),
        ({"type": "to_do", "to_do": {"rich_text": [], "checked": "yes"}}, "checked"),
        ({"type": "divider", "divider": {"children": [para("x")]}}, "divider.children"),
        ({"type": "paragraph", "paragraph": {"rich_text": [{"text": {}}]}}, "text.content"),
        ({"type": "paragraph", "paragraph": {"rich_text": "hi"}}, "rich_text should be an array"),
        ("paragraph", "body.children[0] should be an object"),
    ],
)
def test_invalid_blocks_are_400(sb: Sandbox, block: Any, needle: str) -> None:
    error = sb.error(
        "patch-block-children", path={"block_id": HANDBOOK}, body={"children": [block]}
    )
    assert needle in error["message"]


def test_retrieve_a_block_and_a_page_as_block(sb: Sandbox) -> None:
    first = sb.children(HANDBOOK)["results"][0]
    assert sb.ok("retrieve-a-block", path={"block_id": first["id"]}) == first
    as_block = sb.ok("retrieve-a-block", path={"block_id": ENGINEERING})
    assert as_block["type"] == "child_page"
    assert as_block["child_page"] == {"title": "Engineering"}
    assert as_block["has_children"] is True
    workspace_page = sb.ok("retrieve-a-block", path={"block_id": HANDBOOK})
    assert workspace_page["parent"] == {"type": "workspace", "workspace": True}
    missing = "00000000-0000-4000-8000-00000000000b"
    assert (
        "Could not find block"
        in sb.error("retrieve-a-block", 404, path={"block_id": missing})["message"]
    )


def test_update_a_block(sb: Sandbox) -> None:
    page = sb.new_page(children=[{"to_do": {"rich_text": [{"text": {"content": "x"}}]}}])
    block = sb.children(page["id"])["results"][0]
    updated = sb.ok(
        "update-a-block",
        path={"block_id": block["id"]},
        body={"to_do": {"checked": True, "rich_text": [{"text": {"content": "done"}}]}},
    )
    assert updated["to_do"]["checked"] is True
    assert texts([updated]) == ["done"]
    assert updated["last_edited_by"] == {"object": "user", "id": BOT}
    error = sb.error(
        "update-a-block", path={"block_id": block["id"]}, body={"paragraph": {"rich_text": []}}
    )
    assert "type cannot be changed" in error["message"]
    error = sb.error(
        "update-a-block",
        path={"block_id": block["id"]},
        body={"to_do": {"rich_text": [{"text": {"content": "é" * 2001}}]}},
    )
    assert "instead was `2001`" in error["message"]


def test_trash_via_update_then_edit_is_rejected(sb: Sandbox) -> None:
    page = sb.new_page(children=[para("x")])
    block = sb.children(page["id"])["results"][0]
    trashed = sb.ok("update-a-block", path={"block_id": block["id"]}, body={"archived": True})
    assert trashed["archived"] is True
    assert trashed["in_trash"] is True
    assert sb.children(page["id"])["results"] == []
    error = sb.error(
        "update-a-block",
        path={"block_id": block["id"]},
        body={"paragraph": {"rich_text": [{"text": {"content": "y"}}]}},
    )
    assert error["message"] == (
        "Can't edit block that is archived. You must unarchive the block before editing."
    )
    error = sb.error(
        "patch-block-children", path={"block_id": block["id"]}, body={"children": [para("z")]}
    )
    assert "archived" in error["message"]
    restored = sb.ok("update-a-block", path={"block_id": block["id"]}, body={"in_trash": False})
    assert restored["in_trash"] is False
    assert len(sb.children(page["id"])["results"]) == 1


def test_delete_a_block(sb: Sandbox) -> None:
    page = sb.new_page(children=[para("x"), para("y")])
    block = sb.children(page["id"])["results"][0]
    deleted = sb.ok("delete-a-block", path={"block_id": block["id"]})
    assert deleted["archived"] is True
    assert deleted["in_trash"] is True
    assert texts(sb.children(page["id"])["results"]) == ["y"]
    assert sb.ok("retrieve-a-block", path={"block_id": block["id"]})["in_trash"] is True
    assert "archived" in sb.error("delete-a-block", path={"block_id": block["id"]})["message"]


def test_delete_a_block_works_on_pages(sb: Sandbox) -> None:
    page = sb.new_page("Delete via blocks")
    deleted = sb.ok("delete-a-block", path={"block_id": page["id"]})
    assert deleted["type"] == "child_page"
    assert deleted["in_trash"] is True
    assert sb.ok("retrieve-a-page", path={"page_id": page["id"]})["in_trash"] is True
    assert sb.ok("post-search", body={"query": "Delete via blocks"})["results"] == []
    assert page["id"] not in [b["id"] for b in sb.children(HANDBOOK)["results"]]


def test_unsupported_seed_blocks_are_returned_faithfully(sb: Sandbox) -> None:
    architecture = seed_id("page", "architecture")
    blocks = sb.children(architecture)["results"]
    kinds = {b["type"] for b in blocks}
    assert {"image", "bookmark", "embed", "table", "column_list", "synced_block"} <= kinds
    table = next(b for b in blocks if b["type"] == "table")
    assert table["table"]["table_width"] == 3
    rows = sb.children(table["id"])["results"]
    assert rows[0]["type"] == "table_row"
    assert rows[0]["table_row"]["cells"][0][0]["plain_text"] == "Layer"


# --- users and comments ----------------------------------------------------------------------


def test_users_are_paginated(sb: Sandbox) -> None:
    first = sb.ok("get-users", query={"page_size": 2})
    assert first["type"] == "user"
    assert first["has_more"] is True
    everyone = list(first["results"])
    cursor = first["next_cursor"]
    while cursor:
        page = sb.ok("get-users", query={"page_size": 2, "start_cursor": cursor})
        everyone += page["results"]
        cursor = page["next_cursor"]
    people = [u for u in everyone if u["type"] == "person"]
    assert len(people) == 6
    assert all("@" in u["person"]["email"] for u in people)
    assert any(u["name"] == "لينا حداد" for u in people)
    assert any(u["id"] == BOT and u["type"] == "bot" for u in everyone)


def test_get_self_is_the_calling_bot(sb: Sandbox) -> None:
    me = sb.ok("get-self")
    assert me["id"] == BOT
    assert me["type"] == "bot"
    assert me["bot"]["workspace_name"] == "Acme Sandbox"
    default = sb.ok("get-self", bot=None)
    assert default["id"] == DEFAULT_BOT_ID


def test_comments(sb: Sandbox) -> None:
    listed = sb.ok("retrieve-a-comment", query={"block_id": HANDBOOK})
    assert listed["type"] == "comment"
    assert len(listed["results"]) == 3
    discussion = listed["results"][0]["discussion_id"]
    reply = sb.ok(
        "create-a-comment",
        body={"discussion_id": discussion, "rich_text": [{"text": {"content": "Done ✅"}}]},
    )
    assert reply["discussion_id"] == discussion
    assert reply["parent"] == {"type": "page_id", "page_id": HANDBOOK}
    fresh = sb.ok(
        "create-a-comment",
        body={"parent": {"page_id": HANDBOOK}, "rich_text": [{"text": {"content": "New"}}]},
    )
    assert fresh["discussion_id"] != discussion
    assert fresh["rich_text"][0]["plain_text"] == "New"
    assert len(sb.ok("retrieve-a-comment", query={"block_id": HANDBOOK})["results"]) == 5


@pytest.mark.parametrize(
    ("action", "kwargs", "status", "needle"),
    [
        ("retrieve-a-comment", {}, 400, "query.block_id should be defined"),
        ("retrieve-a-comment", {"query": {"block_id": "x"}}, 400, "valid uuid"),
        ("create-a-comment", {"body": {"parent": {"page_id": HANDBOOK}}}, 400, "rich_text"),
        (
            "create-a-comment",
            {
                "body": {
                    "discussion_id": "00000000-0000-4000-8000-00000000000d",
                    "rich_text": [{"text": {"content": "x"}}],
                }
            },
            404,
            "Could not find discussion",
        ),
    ],
)
def test_comment_validation(
    sb: Sandbox, action: str, kwargs: dict[str, Any], status: int, needle: str
) -> None:
    assert needle in sb.error(action, status, **kwargs)["message"]


# --- robustness ------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(
    [
        "parent",
        "properties",
        "children",
        "filter",
        "sorts",
        "query",
        "sort",
        "after",
        "page_size",
        "start_cursor",
        "rich_text",
        "archived",
        "icon",
        "cover",
        "paragraph",
        "discussion_id",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    action=st.sampled_from([spec.id for spec in ACTIONS]),
    body=st.dictionaries(KEYS, JSON, max_size=4) | JSON,
    query=st.dictionaries(KEYS, st.text(max_size=6) | st.integers(), max_size=2),
)
def test_bad_input_never_raises(sb: Sandbox, action: str, body: Any, query: dict[str, Any]) -> None:
    path = {"page_id": HANDBOOK, "database_id": TASKS, "block_id": ENGINEERING}
    status, response = sb.call(action, path=path, body=body, query=query)
    assert status in (200, 400, 404)
    json.dumps(response)
    if status != 200:
        assert response["object"] == "error"
