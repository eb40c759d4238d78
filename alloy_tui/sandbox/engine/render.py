"""Notion's objects as JSON, per Notion API version: the one place responses take their shape.

Every function takes the API version it answers in: `2022-06-28` (databases hold their schema,
rows have `database_id` parents) or `2025-09-03` (databases list their data sources, which hold
the schema; rows have `data_source_id` parents).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from alloy_tui.notion.ids import compact_id
from alloy_tui.sandbox.defaults import SEED_WORKSPACE_NAME
from alloy_tui.sandbox.engine.common import encode_cursor, page_url, shown_time
from alloy_tui.sandbox.store import StoredBlock, StoredComment, StoredObject

NotionVersion = Literal["2022-06-28", "2025-09-03"]
V2022: NotionVersion = "2022-06-28"
V2025: NotionVersion = "2025-09-03"
VERSIONS: tuple[NotionVersion, ...] = (V2022, V2025)
DEFAULT_VERSION: NotionVersion = V2022
"""The engine's version when a caller names none (the HTTP layer always names one)."""

LIST_KEYS = frozenset({"object", "results", "next_cursor", "has_more", "type"})
"""The keys of Notion's list object, besides the one named by its `type`."""


def user_ref(user_id: str) -> dict[str, Any]:
    return {"object": "user", "id": user_id}


def parent(parent_type: str, parent_id: str | None) -> dict[str, Any]:
    if parent_type == "workspace":
        return {"type": "workspace", "workspace": True}
    return {"type": parent_type, parent_type: parent_id}


def bot_user(user_id: str, name: str) -> dict[str, Any]:
    """A bot user object (the connection's bot; the seed's bots)."""
    return {
        "object": "user",
        "id": user_id,
        "type": "bot",
        "name": name,
        "avatar_url": None,
        "bot": {
            "owner": {"type": "workspace", "workspace": True},
            "workspace_name": SEED_WORKSPACE_NAME,
        },
    }


def page(
    obj: StoredObject,
    properties: dict[str, Any],
    *,
    version: NotionVersion,
    data_source_id: str | None = None,
) -> dict[str, Any]:
    """A page, its property values already in response form. In 2025-09-03 a database row's
    parent is its data source (`data_source_id`, with the database's id alongside)."""
    shown_parent = parent(obj.parent_type, obj.parent_id)
    if version == V2025 and obj.parent_type == "database_id" and data_source_id is not None:
        shown_parent = {
            "type": "data_source_id",
            "data_source_id": data_source_id,
            "database_id": obj.parent_id,
        }
    return {
        "object": "page",
        "id": obj.id,
        "created_time": shown_time(obj.created),
        "last_edited_time": shown_time(obj.edited),
        "created_by": user_ref(obj.created_by),
        "last_edited_by": user_ref(obj.edited_by),
        "cover": obj.data.get("cover"),
        "icon": obj.data.get("icon"),
        "parent": shown_parent,
        "archived": obj.in_trash,
        "in_trash": obj.in_trash,
        "properties": properties,
        "url": page_url(obj.title, obj.id),
        "public_url": None,
    }


def plain_page_properties(obj: StoredObject) -> dict[str, Any]:
    """The properties of a page outside a database: its title only."""
    return {
        "title": {
            "id": "title",
            "type": "title",
            "title": obj.data["properties"].get("title") or [],
        }
    }


def database(
    obj: StoredObject,
    schema: dict[str, dict[str, Any]],
    sources: Sequence[StoredObject],
    *,
    version: NotionVersion,
) -> dict[str, Any]:
    """A database: in 2022-06-28 with the schema of its (first) data source as `properties`, in
    2025-09-03 with `data_sources` [{id, name}] instead."""
    shown: dict[str, Any] = {
        "object": "database",
        "id": obj.id,
        "cover": obj.data.get("cover"),
        "icon": obj.data.get("icon"),
        "created_time": shown_time(obj.created),
        "created_by": user_ref(obj.created_by),
        "last_edited_by": user_ref(obj.edited_by),
        "last_edited_time": shown_time(obj.edited),
        "title": obj.data.get("title") or [],
        "description": obj.data.get("description") or [],
        "is_inline": bool(obj.data.get("is_inline")),
        "properties": schema,
        "parent": parent(obj.parent_type, obj.parent_id),
        "url": f"https://www.notion.so/{compact_id(obj.id)}",
        "public_url": None,
        "archived": obj.in_trash,
        "in_trash": obj.in_trash,
    }
    if version == V2025:
        del shown["properties"]
        shown["data_sources"] = [{"id": source.id, "name": source.title} for source in sources]
    return shown


def data_source(
    obj: StoredObject,
    database_obj: StoredObject | None,
    *,
    version: NotionVersion,
    related: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A data source (2025-09-03): its database as `parent`, the database's own parent as
    `database_parent`, the schema as `properties` (relations naming their data source too,
    from `related`: database id -> data source id)."""
    grand = (
        parent(database_obj.parent_type, database_obj.parent_id)
        if database_obj is not None
        else {"type": "workspace", "workspace": True}
    )
    return {
        "object": "data_source",
        "id": obj.id,
        "created_time": shown_time(obj.created),
        "last_edited_time": shown_time(obj.edited),
        "created_by": user_ref(obj.created_by),
        "last_edited_by": user_ref(obj.edited_by),
        "cover": database_obj.data.get("cover") if database_obj is not None else None,
        "icon": database_obj.data.get("icon") if database_obj is not None else None,
        "title": obj.data.get("title") or [],
        "description": obj.data.get("description") or [],
        "is_inline": bool(database_obj.data.get("is_inline")) if database_obj else False,
        "properties": schema_2025(obj.data.get("properties") or {}, related or {}),
        "parent": {"type": "database_id", "database_id": obj.parent_id},
        "database_parent": grand,
        "url": f"https://www.notion.so/{compact_id(obj.id)}",
        "public_url": None,
        "archived": obj.in_trash,
        "in_trash": obj.in_trash,
    }


def schema_2025(
    schema: Mapping[str, Mapping[str, Any]], related: Mapping[str, str]
) -> dict[str, Any]:
    """A schema as 2025-09-03 shows it: each relation's config has `data_source_id` next to
    `database_id` (the related database's first data source; the stored one if already named)."""
    shown: dict[str, Any] = {}
    for name, prop in schema.items():
        config = prop.get("relation") if prop.get("type") == "relation" else None
        if not isinstance(config, Mapping) or "database_id" not in config:
            shown[name] = prop
            continue
        target = config.get("data_source_id") or related.get(str(config["database_id"]))
        new_config: dict[str, Any] = {}
        for key, item in config.items():
            if key == "data_source_id":
                continue
            new_config[key] = item
            if key == "database_id":
                new_config["data_source_id"] = target
        shown[name] = {**prop, "relation": new_config}
    return shown


def block(stored: StoredBlock, has_children: bool, *, version: NotionVersion) -> dict[str, Any]:
    kind = stored.type
    return {
        "object": "block",
        "id": stored.id,
        "parent": parent(stored.parent_type, stored.parent_id),
        "created_time": shown_time(stored.created),
        "last_edited_time": shown_time(stored.edited),
        "created_by": user_ref(stored.created_by),
        "last_edited_by": user_ref(stored.edited_by),
        "has_children": has_children,
        "archived": stored.in_trash,
        "in_trash": stored.in_trash,
        "type": kind,
        kind: stored.content,
    }


def object_as_block(
    obj: StoredObject, has_children: bool, *, version: NotionVersion
) -> dict[str, Any]:
    """A page or database seen through the blocks API (child_page / child_database)."""
    kind = "child_database" if obj.object == "database" else "child_page"
    return {
        "object": "block",
        "id": obj.id,
        "parent": parent(obj.parent_type, obj.parent_id),
        "created_time": shown_time(obj.created),
        "last_edited_time": shown_time(obj.edited),
        "created_by": user_ref(obj.created_by),
        "last_edited_by": user_ref(obj.edited_by),
        "has_children": has_children,
        "archived": obj.in_trash,
        "in_trash": obj.in_trash,
        "type": kind,
        kind: {"title": obj.title},
    }


def comment(stored: StoredComment, *, version: NotionVersion) -> dict[str, Any]:
    return {
        "object": "comment",
        "id": stored.id,
        "parent": parent(stored.parent_type, stored.parent_id),
        "discussion_id": stored.discussion_id,
        "created_time": shown_time(stored.created),
        "last_edited_time": shown_time(stored.created),
        "created_by": user_ref(stored.created_by),
        "rich_text": stored.rich_text,
    }


def list_object(
    results: list[Any],
    kind: str,
    *,
    offset: int,
    size: int,
    has_more: bool,
    version: NotionVersion,
    next_cursor: str | None = None,
) -> dict[str, Any]:
    """Notion's list object: exactly object, results, next_cursor, has_more, type, <type>.
    2025-09-03 names a list of pages and data sources `page_or_data_source`. The next cursor
    is the next offset's unless one is given (a query's keyset cursor)."""
    if version == V2025 and kind == "page_or_database":
        kind = "page_or_data_source"
    if has_more and next_cursor is None:
        next_cursor = encode_cursor(offset + size)
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor if has_more else None,
        "has_more": has_more,
        "type": kind,
        kind: {},
    }


def with_guide_data(answer: Any) -> Any:
    """The guide dialect's answer: a list also carries its results as `data` (what the guide's
    examples read); anything else is returned as is. For the HTTP layer, never the engine."""
    if isinstance(answer, Mapping) and answer.get("object") == "list" and "results" in answer:
        return {**answer, "data": answer["results"]}
    return answer
