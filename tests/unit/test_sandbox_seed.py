"""The seeded workspace: idempotent, deterministic, realistic, and covering every type."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alloy_tui.notion.blocks import TEXT_BLOCK_TYPES
from alloy_tui.notion.properties import ALL_TYPES
from alloy_tui.notion.richtext import MAX_TEXT_UTF16, utf16_len
from alloy_tui.sandbox.actions import NotionEngine
from alloy_tui.sandbox.seed import seed_id, seed_workspace
from alloy_tui.sandbox.store import Store

FIXED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return FIXED


def engine() -> NotionEngine:
    store = Store(":memory:")
    assert seed_workspace(store, clock=clock) is True
    return NotionEngine(store, clock=clock)


def ok(e: NotionEngine, action: str, **kwargs: Any) -> Any:
    status, body = e.execute(
        action,
        path_params=kwargs.get("path", {}),
        body=kwargs.get("body"),
        query=kwargs.get("query", {}),
    )
    assert status == 200, body
    return body


def test_seeding_is_idempotent(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    assert seed_workspace(store, clock=clock) is True
    count = store.conn.execute("SELECT COUNT(*) FROM objects").fetchone()[0]
    assert seed_workspace(store, clock=clock) is False
    assert store.conn.execute("SELECT COUNT(*) FROM objects").fetchone()[0] == count
    store.close()
    reopened = Store(tmp_path / "s.sqlite3")
    assert seed_workspace(reopened, clock=clock) is False
    reopened.reset()
    assert reopened.conn.execute("SELECT COUNT(*) FROM objects").fetchone()[0] == 0
    assert seed_workspace(reopened, clock=clock) is True
    reopened.close()


def test_seed_is_deterministic() -> None:
    dumps = []
    for _ in range(2):
        store = Store(":memory:")
        seed_workspace(store, clock=clock)
        dumps.append(
            [
                tuple(row)
                for table in ("objects", "blocks", "users", "comments")
                for row in store.conn.execute(f"SELECT * FROM {table} ORDER BY id")
            ]
        )
    assert dumps[0] == dumps[1]


def test_store_meta_and_reset_keep_other_keys() -> None:
    store = Store(":memory:")
    store.meta_set("credentials.version", "1")
    store.meta_set("notion.x", "a")
    store.meta_set("notion.x", "b")
    assert store.meta_get("notion.x") == "b"
    assert store.meta_get("missing") is None
    store.reset()
    assert store.meta_get("notion.x") is None
    assert store.meta_get("credentials.version") == "1"


def test_databases_use_every_property_type() -> None:
    e = engine()
    found = ok(e, "post-search", body={"filter": {"property": "object", "value": "database"}})
    types = {prop["type"] for db in found["results"] for prop in db["properties"].values()}
    assert types == set(ALL_TYPES)
    assert len(found["results"]) >= 3
    schemas = {plain(db["title"]): db["properties"] for db in found["results"]}
    tasks = schemas["Tasks"]
    assert {g["name"] for g in tasks["Status"]["status"]["groups"]} == {
        "To-do",
        "In progress",
        "Complete",
    }
    formats = {
        p["number"]["format"]
        for schema in schemas.values()
        for p in schema.values()
        if p["type"] == "number"
    }
    assert {"dollar", "percent", "number"} <= formats
    assert tasks["ID"]["unique_id"]["prefix"] == "TASK"
    assert tasks["Project"]["relation"]["database_id"] == seed_id("database", "projects")


def plain(rich: list[dict[str, Any]]) -> str:
    return "".join(item["plain_text"] for item in rich)


def test_rows_show_dates_ranges_time_zones_and_files() -> None:
    e = engine()
    projects = ok(
        e, "post-database-query", path={"database_id": seed_id("database", "projects")}, body={}
    )["results"]
    assert any(p["properties"]["Timeline"]["date"]["end"] for p in projects)
    assert any(p["properties"]["Attachments"]["files"] for p in projects)
    assert all(p["properties"]["Task count"]["rollup"]["number"] == 50 for p in projects)
    contacts = ok(
        e, "post-database-query", path={"database_id": seed_id("database", "contacts")}, body={}
    )["results"]
    zones = {c["properties"]["Last contacted"]["date"]["time_zone"] for c in contacts}
    assert "Asia/Tokyo" in zones
    assert None in zones


def test_big_database_needs_several_pages() -> None:
    e = engine()
    first = ok(
        e, "post-database-query", path={"database_id": seed_id("database", "tasks")}, body={}
    )
    assert first["has_more"] is True
    count = e.store.conn.execute(
        "SELECT COUNT(*) FROM objects WHERE parent_id = ?", (seed_id("database", "tasks"),)
    ).fetchone()[0]
    assert count >= 250


def test_pages_are_nested_three_levels_with_child_page_blocks() -> None:
    e = engine()
    adr = ok(e, "retrieve-a-page", path={"page_id": seed_id("page", "adr-001")})
    chain = []
    parent = adr["parent"]
    while parent["type"] == "page_id":
        chain.append(parent["page_id"])
        parent = ok(e, "retrieve-a-page", path={"page_id": parent["page_id"]})["parent"]
    assert len(chain) == 4  # decisions -> architecture -> engineering -> handbook
    children = ok(e, "get-block-children", path={"block_id": chain[0]})["results"]
    assert adr["id"] in [b["id"] for b in children if b["type"] == "child_page"]


def all_blocks(e: NotionEngine, root: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [root]
    while stack:
        blocks = ok(e, "get-block-children", path={"block_id": stack.pop()})["results"]
        out += blocks
        stack += [b["id"] for b in blocks if b["has_children"] and b["type"] != "child_page"]
    return out


def test_bodies_use_every_block_type_and_annotation() -> None:
    e = engine()
    blocks = []
    for key in ("handbook", "engineering", "architecture", "onboarding", "international"):
        blocks += all_blocks(e, seed_id("page", key))
    kinds = {b["type"] for b in blocks}
    expected = TEXT_BLOCK_TYPES | {
        "divider",
        "equation",
        "image",
        "bookmark",
        "table",
        "table_row",
        "column_list",
        "column",
        "synced_block",
        "child_page",
        "child_database",
    }
    assert expected <= kinds
    rich = [t for b in blocks for t in b[b["type"]].get("rich_text", [])]
    for name in ("bold", "italic", "strikethrough", "underline", "code"):
        assert any(t["annotations"][name] for t in rich), name
    assert any(t["href"] for t in rich)
    assert any(t["type"] == "mention" for t in rich)
    assert {b["to_do"]["checked"] for b in blocks if b["type"] == "to_do"} == {True, False}
    long_items = [
        b for b in blocks if b["type"] == "paragraph" and len(b["paragraph"]["rich_text"]) > 1
    ]
    assert any(
        sum(utf16_len(t["plain_text"]) for t in b["paragraph"]["rich_text"]) > MAX_TEXT_UTF16
        for b in long_items
    )
    all_text = " ".join(t["plain_text"] for t in rich)
    for sample in ("チーム", "欢迎", "مرحبا", "Добро", "e\u0308", "👩‍👩‍👧‍👦"):
        assert sample in all_text


def test_trashed_page_and_icons() -> None:
    e = engine()
    old = ok(e, "retrieve-a-page", path={"page_id": seed_id("page", "old-roadmap")})
    assert old["in_trash"] is True
    pages = ok(e, "post-search", body={"filter": {"property": "object", "value": "page"}})
    assert old["id"] not in [p["id"] for p in pages["results"]]
    assert any(p["icon"] and p["icon"]["type"] == "emoji" for p in pages["results"])


def test_generated_pages_are_seeded_and_searchable() -> None:
    # How fast seeding is belongs to bench/ (a timed test fails on a loaded machine).
    store = Store(":memory:")
    seed_workspace(store, pages=10_000, clock=clock)
    total = store.conn.execute("SELECT COUNT(*) FROM objects").fetchone()[0]
    assert total > 10_000
    e = NotionEngine(store, clock=clock)
    hits = ok(e, "post-search", body={"query": "security audit", "page_size": 100})
    assert hits["has_more"] is True
    titles = {
        r["properties"]["title"]["title"][0]["plain_text"].split()[1] for r in hits["results"]
    }
    assert titles == {"security"}
