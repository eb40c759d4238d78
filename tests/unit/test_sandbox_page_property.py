"""retrieve-a-page-property in both Notion versions, and relation configs in 2025-09-03 schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from alloy_tui.sandbox.engine.core import NotionEngine
from alloy_tui.sandbox.runtime import Sandbox, SandboxConfig
from alloy_tui.sandbox.seed import seed_id, seed_workspace
from alloy_tui.sandbox.store import Store

V2022 = "2022-06-28"
V2025 = "2025-09-03"
VERSIONS = (V2022, V2025)
TASKS = seed_id("database", "tasks")
PROJECTS = seed_id("database", "projects")
LIST_KEYS = {"object", "results", "next_cursor", "has_more", "type", "property_item"}


class Engine:
    def __init__(self, store: Store) -> None:
        self.engine = NotionEngine(store)

    def call(
        self,
        action: str,
        version: str,
        *,
        path: dict[str, str] | None = None,
        body: Any = None,
        query: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        return self.engine.execute(
            action, path_params=path or {}, body=body, query=query or {}, notion_version=version
        )

    def ok(self, action: str, version: str, **kwargs: Any) -> Any:
        status, body = self.call(action, version, **kwargs)
        assert status == 200, body
        return body

    def prop(self, version: str, page_id: str, property_id: str, **query: Any) -> tuple[int, Any]:
        return self.call(
            "retrieve-a-page-property",
            version,
            path={"page_id": page_id, "property_id": property_id},
            query=query,
        )

    def walk(self, version: str, page_id: str, property_id: str, size: int) -> list[Any]:
        """Every page of a paginated property, followed by its cursors."""
        pages: list[Any] = []
        cursor: str | None = None
        while True:
            query: dict[str, Any] = {"page_size": size}
            if cursor is not None:
                query["start_cursor"] = cursor
            status, body = self.prop(version, page_id, property_id, **query)
            assert status == 200, body
            pages.append(body)
            if not body["has_more"]:
                return pages
            cursor = body["next_cursor"]
            assert len(pages) < 100


@pytest.fixture
def sb() -> Engine:
    store = Store(":memory:")
    seed_workspace(store)
    return Engine(store)


def _rows(sb: Engine, database_id: str, count: int) -> list[dict[str, Any]]:
    answer = sb.ok(
        "post-database-query", V2022, path={"database_id": database_id}, body={"page_size": count}
    )
    rows: list[dict[str, Any]] = answer["results"]
    return rows


def _text(content: str) -> dict[str, Any]:
    return {"type": "text", "text": {"content": content}}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_long_title_pages_one_segment_per_item(sb: Engine, version: str) -> None:
    segments = [f"part {i} " for i in range(23)]
    page = sb.ok(
        "post-page",
        version,
        body={
            "parent": {"database_id": TASKS},
            "properties": {"Name": {"title": [_text(s) for s in segments]}},
        },
    )
    pages = sb.walk(version, page["id"], "title", 5)
    assert len(pages) == 5
    items = [item for body in pages for item in body["results"]]
    assert [item["title"]["plain_text"] for item in items] == segments
    for body in pages:
        assert set(body) == LIST_KEYS
        assert body["object"] == "list" and body["type"] == "property_item"
        assert {item["object"] for item in body["results"]} == {"property_item"}
        assert {(item["id"], item["type"]) for item in body["results"]} == {("title", "title")}
        assert body["property_item"]["id"] == "title"
        assert body["property_item"]["type"] == "title"
        assert body["property_item"]["title"] == {}
    first = pages[0]["property_item"]["next_url"]
    assert urlsplit(first).path == f"/v1/pages/{page['id']}/properties/title"
    assert parse_qs(urlsplit(first).query) == {
        "start_cursor": [pages[0]["next_cursor"]],
        "page_size": ["5"],
    }
    assert pages[-1]["property_item"]["next_url"] is None
    assert pages[-1]["next_cursor"] is None
    # The default page size (100) takes the whole title in one page.
    status, whole = sb.prop(version, page["id"], "title")
    assert status == 200 and len(whole["results"]) == 23 and whole["has_more"] is False


@pytest.mark.parametrize("version", VERSIONS)
def test_a_relation_with_more_links_than_the_page_size(sb: Engine, version: str) -> None:
    tasks = _rows(sb, TASKS, 12)
    project = _rows(sb, PROJECTS, 1)[0]
    relation = project["properties"]["Tasks"]
    sb.ok(
        "patch-page",
        version,
        path={"page_id": project["id"]},
        body={"properties": {"Tasks": {"relation": [{"id": t["id"]} for t in tasks]}}},
    )
    pages = sb.walk(version, project["id"], relation["id"], 5)
    assert [len(body["results"]) for body in pages] == [5, 5, 2]
    items = [item for body in pages for item in body["results"]]
    assert [item["relation"] for item in items] == [{"id": t["id"]} for t in tasks]
    assert {(item["id"], item["type"]) for item in items} == {(relation["id"], "relation")}
    assert pages[0]["property_item"]["type"] == "relation"
    # A rollup over that relation lists the relation and gives its value.
    count = project["properties"]["Task count"]
    rolled = sb.walk(version, project["id"], count["id"], 5)
    assert [item["relation"] for body in rolled for item in body["results"]] == [
        {"id": t["id"]} for t in tasks
    ]
    assert rolled[0]["property_item"]["rollup"]["number"] == 12
    assert rolled[0]["property_item"]["type"] == "rollup"


@pytest.mark.parametrize("version", VERSIONS)
def test_people_one_person_per_item(sb: Engine, version: str) -> None:
    project = _rows(sb, PROJECTS, 1)[0]
    users = sb.ok("get-users", version)["results"]
    people = [u for u in users if u["type"] == "person"][:3]
    assert len(people) == 3
    sb.ok(
        "patch-page",
        version,
        path={"page_id": project["id"]},
        body={"properties": {"Lead": {"people": [{"id": p["id"]} for p in people]}}},
    )
    lead_id = project["properties"]["Lead"]["id"]
    pages = sb.walk(version, project["id"], lead_id, 2)
    items = [item for body in pages for item in body["results"]]
    assert [item["people"]["id"] for item in items] == [p["id"] for p in people]
    assert items[0]["people"]["object"] == "user" and items[0]["people"]["name"]
    assert pages[0]["property_item"] == {
        "id": lead_id,
        "next_url": pages[0]["property_item"]["next_url"],
        "type": "people",
        "people": {},
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_a_number_is_one_property_item(sb: Engine, version: str) -> None:
    project = _rows(sb, PROJECTS, 1)[0]
    budget = project["properties"]["Budget"]
    expected = {
        "object": "property_item",
        "id": budget["id"],
        "type": "number",
        "number": budget["number"],
    }
    assert sb.prop(version, project["id"], budget["id"]) == (200, expected)
    # By name, and by the id URL-encoded (every character escaped) too.
    assert sb.prop(version, project["id"], "Budget") == (200, expected)
    encoded = "".join(f"%{b:02X}" for b in budget["id"].encode())
    assert sb.prop(version, project["id"], encoded) == (200, expected)


@pytest.mark.parametrize("version", VERSIONS)
def test_an_encoded_property_id_matches_its_decoded_form(sb: Engine, version: str) -> None:
    """Notion's ids like `%3AUPp` arrive encoded once more, or decoded; both find the title."""
    project = _rows(sb, PROJECTS, 1)[0]
    summary = project["properties"]["Summary"]
    for given in (summary["id"], quote(summary["id"], safe="")):
        status, body = sb.prop(version, project["id"], given)
        assert status == 200, body
        assert body["property_item"]["id"] == summary["id"]


@pytest.mark.parametrize("version", VERSIONS)
def test_an_unknown_property_or_page(sb: Engine, version: str) -> None:
    project = _rows(sb, PROJECTS, 1)[0]
    status, body = sb.prop(version, project["id"], "nope%3A")
    assert status == 400
    assert body == {
        "object": "error",
        "status": 400,
        "code": "validation_error",
        "message": "nope%3A is not a property that exists.",
    }
    missing = seed_id("page", "no such page")
    status, body = sb.prop(version, missing, "title")
    assert (status, body["code"]) == (404, "object_not_found")
    status, body = sb.prop(version, project["id"], "")
    assert (status, body["code"]) == (400, "validation_error")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("size", [0, 101, "x", -1])
def test_a_bad_page_size(sb: Engine, version: str, size: Any) -> None:
    project = _rows(sb, PROJECTS, 1)[0]
    status, body = sb.prop(version, project["id"], "title", page_size=size)
    assert (status, body["code"]) == (400, "validation_error")
    assert "page_size" in body["message"]
    status, body = sb.prop(version, project["id"], "title", start_cursor="!!")
    assert (status, body["code"]) == (400, "validation_error")


def test_relation_configs_name_their_data_source_in_2025(sb: Engine) -> None:
    database = sb.ok("retrieve-a-database", V2025, path={"database_id": PROJECTS})
    source_id = database["data_sources"][0]["id"]
    source = sb.ok("retrieve-a-data-source", V2025, path={"data_source_id": source_id})
    tasks = sb.ok("retrieve-a-database", V2025, path={"database_id": TASKS})
    config = source["properties"]["Tasks"]["relation"]
    assert config["database_id"] == TASKS
    assert config["data_source_id"] == tasks["data_sources"][0]["id"]
    assert list(config)[:2] == ["database_id", "data_source_id"]
    # Search shows data sources with the same schema.
    found = sb.ok(
        "post-search", V2025, body={"filter": {"property": "object", "value": "data_source"}}
    )
    shown = next(r for r in found["results"] if r["id"] == source_id)
    assert shown["properties"]["Tasks"]["relation"] == config
    # 2022-06-28 keeps the old shape.
    old = sb.ok("retrieve-a-database", V2022, path={"database_id": PROJECTS})
    assert "data_source_id" not in old["properties"]["Tasks"]["relation"]


def test_the_runtime_hands_the_version_to_the_engine(tmp_path: Path) -> None:
    sandbox = Sandbox(SandboxConfig(data_path=tmp_path / "sandbox.sqlite3", rate_limit=False))
    for version, key in ((V2022, "properties"), (V2025, "data_sources")):
        status, body = sandbox.execute(
            "retrieve-a-database",
            path_params={"database_id": PROJECTS},
            body=None,
            query={},
            bot_user_id=None,
            notion_version=version,
        )
        assert status == 200 and key in body
    sandbox.close()
