"""Pages: retrieve, create (under a page, a database or the workspace), update and trash."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlencode

from alloy_tui.sandbox.engine.catalog import PROPERTY_ITEM_NEXT_URL, PROPERTY_NOT_FOUND
from alloy_tui.sandbox.engine.common import encode_cursor
from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.errors import (
    ARCHIVED_BLOCK,
    ARCHIVED_PAGE,
    UNDEFINED,
    invalid,
    multiple_sources,
    not_found,
    validation,
)
from alloy_tui.sandbox.engine.handlers.blocks import insert_blocks
from alloy_tui.sandbox.engine.validate import icon, id_value, paging, parse_children, trash_flag
from alloy_tui.sandbox.engine.values import page_properties
from alloy_tui.sandbox.engine.writes import write_properties
from alloy_tui.sandbox.store import StoredBlock, StoredObject


def retrieve_a_page(call: Call, request: Request) -> Any:
    """A page; `filter_properties` (one property id, or several) keeps only those properties
    (ids compared as given and URL-decoded, as Notion's ids like `%3AUPp` travel encoded)."""
    shown = call.page_json(call.page(request.ids["page_id"]))
    wanted = request.query.get("filter_properties")
    if wanted is None:
        return shown
    ids = [wanted] if isinstance(wanted, str) else wanted
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise invalid("query.filter_properties", "a string or an array of strings", wanted)
    keep = {unquote(item) for item in ids}
    shown["properties"] = {
        name: value
        for name, value in shown["properties"].items()
        if unquote(str(value["id"])) in keep
    }
    return shown


PAGINATED_TYPES = frozenset({"title", "rich_text", "relation", "people", "rollup"})
"""Property types retrieve-a-page-property answers as a paginated list of property items."""


def retrieve_a_page_property(call: Call, request: Request) -> Any:
    """One property of a page, by id (URL-encoded or not) or name: a `property_item`, or for
    titles, rich text, relations, people and rollups a list of them (one rich-text segment,
    relation or person each) paged by start_cursor / page_size."""
    page = call.page(request.ids["page_id"])
    offset, size = paging(request.query, "query")
    wanted = request.ids["property_id"]
    properties = page_properties(call, page)
    value = _find_property(properties, wanted)
    if value is None:
        raise validation(PROPERTY_NOT_FOUND.format(property_id=wanted))
    prop_id, prop_type = str(value["id"]), str(value["type"])
    if prop_type not in PAGINATED_TYPES:
        return _item(prop_id, prop_type, value[prop_type])
    summary: Any = {}
    if prop_type == "rollup":
        items, summary = _rollup_items(call, page, prop_id, value["rollup"])
    else:
        items = _items(prop_id, prop_type, value[prop_type])
    window = items[offset : offset + size]
    has_more = offset + size < len(items)
    listed = call.list_json(window, "property_item", offset, size, has_more)
    next_url = None
    if has_more:
        query = {"start_cursor": encode_cursor(offset + size)}
        if request.query.get("page_size") is not None:
            query["page_size"] = str(size)
        base = PROPERTY_ITEM_NEXT_URL.format(
            page_id=page.id, property_id=quote(unquote(prop_id), safe="")
        )
        next_url = f"{base}?{urlencode(query)}"
    listed["property_item"] = {
        "id": prop_id,
        "next_url": next_url,
        "type": prop_type,
        prop_type: summary,
    }
    return listed


def _find_property(properties: Mapping[str, Any], wanted: str) -> Mapping[str, Any] | None:
    decoded = unquote(wanted)
    for value in properties.values():
        if unquote(str(value["id"])) == decoded:
            return dict(value)
    for name in (wanted, decoded):
        if name in properties:
            return dict(properties[name])
    return None


def _item(prop_id: str, prop_type: str, value: Any) -> dict[str, Any]:
    return {"object": "property_item", "id": prop_id, "type": prop_type, prop_type: value}


def _items(prop_id: str, prop_type: str, value: Any) -> list[dict[str, Any]]:
    """A paginated value's property items: one per rich-text segment, relation or person (a
    single item for any other type, as in a show_original rollup)."""
    if prop_type in ("title", "rich_text", "relation", "people"):
        return [_item(prop_id, prop_type, part) for part in value or []]
    return [_item(prop_id, prop_type, value)]


def _rollup_items(
    call: Call, page: StoredObject, prop_id: str, rollup: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A rollup's items and its `property_item.rollup`: for show_original the rolled-up values
    flattened, else the rollup's relation (the value computed over all of it)."""
    if rollup.get("type") == "array":
        flattened = [
            item
            for rolled in rollup.get("array") or []
            for item in _items(
                str(rolled.get("id", prop_id)), str(rolled["type"]), rolled.get(rolled["type"])
            )
        ]
        return flattened, {"type": "array", "array": [], "function": rollup.get("function")}
    source = call.row_source(page)
    schema = call.schema(source) if source is not None else {}
    config = next((p.get("rollup") or {} for p in schema.values() if str(p["id"]) == prop_id), {})
    relation = next(
        (
            p
            for name, p in schema.items()
            if str(p["id"]) == str(config.get("relation_property_id"))
            or name == config.get("relation_property_name")
        ),
        None,
    )
    items: list[dict[str, Any]] = []
    if relation is not None:
        relation_id = str(relation["id"])
        targets = page.data["properties"].get(relation_id) or []
        items = [_item(relation_id, "relation", {"id": target}) for target in targets]
    return items, dict(rollup)


def post_page(call: Call, request: Request) -> Any:
    body = request.body
    parent = body.get("parent", UNDEFINED)
    if not isinstance(parent, Mapping):
        raise invalid("body.parent", "an object", parent)
    source: StoredObject | None = None
    parent_type = parent.get("type")
    if parent_type is None:
        parent_type = next(
            (k for k in ("page_id", "database_id", "data_source_id", "workspace") if k in parent),
            None,
        )
    parent_id: str | None = None
    if parent_type == "database_id":
        database_id = id_value(parent.get("database_id", UNDEFINED), "body.parent.database_id")
        database = call.obj(database_id)
        if database is None or database.object != "database":
            raise not_found("database", database_id)
        if database.in_trash:
            raise validation(ARCHIVED_BLOCK)
        sources = call.sources(database)
        if len(sources) > 1:
            raise multiple_sources(database_id)
        source = call.first_source(database)
        parent_id = database_id
    elif parent_type == "data_source_id":
        source_id = id_value(parent.get("data_source_id", UNDEFINED), "body.parent.data_source_id")
        source = call.data_source(source_id)
        database = call.obj(source.parent_id or "")
        if source.in_trash or database is None or database.in_trash:
            raise validation(ARCHIVED_BLOCK)
        parent_type, parent_id = "database_id", database.id
    elif parent_type == "page_id":
        parent_id = id_value(parent.get("page_id", UNDEFINED), "body.parent.page_id")
        found = call.obj(parent_id)
        if found is None or found.object != "page":
            raise not_found("page", parent_id)
        if found.in_trash:
            raise validation(ARCHIVED_PAGE)
    elif parent_type == "workspace":
        if parent.get("workspace", True) is not True:
            raise invalid("body.parent.workspace", "`true`", parent.get("workspace"))
    else:
        raise invalid(
            "body.parent",
            "an object with one of `page_id`, `database_id`, `data_source_id` or `workspace`",
            parent,
        )
    # Notion requires `properties` (`{}` is enough under a page or the workspace).
    properties = body.get("properties", UNDEFINED)
    if not isinstance(properties, Mapping):
        expected = "defined" if properties is UNDEFINED else "an object"
        raise invalid("body.properties", expected, properties)
    page = StoredObject(
        id=str(uuid.uuid4()),
        object="page",
        parent_type=str(parent_type),
        parent_id=parent_id,
        title="",
        created=call.now,
        edited=call.now,
        created_by=call.actor,
        edited_by=call.actor,
        in_trash=False,
        data={"properties": {}, "icon": None, "cover": None},
    )
    if source is not None:
        page.data["data_source_id"] = source.id
    write_properties(call, page, source, properties, creating=True)
    if "icon" in body:
        page.data["icon"] = icon(body["icon"], "body.icon")
    if "cover" in body:
        page.data["cover"] = icon(body["cover"], "body.cover", allow_emoji=False)
    children = (
        parse_children(body["children"], "body.children", call)
        if body.get("children") is not None
        else []
    )
    if source is not None:
        unique = next((p for p in call.schema(source).values() if p["type"] == "unique_id"), None)
        if unique is not None:
            counter = int(source.data.get("unique_next", 1))
            page.data["unique"] = counter
            source.data["unique_next"] = counter + 1
            call.store.save_object_data(source, edited=False)
    call.store.insert_objects([page])
    call.remember(page)
    if parent_type == "page_id" and parent_id is not None:
        _insert_child_page_block(call, page, parent_id)
    if children:
        insert_blocks(call, "page_id", page.id, children, None)
    return call.page_json(page)


def _insert_child_page_block(call: Call, page: StoredObject, parent_id: str) -> None:
    """A page under a page appears among the parent's blocks as a child_page block."""
    position = call.store.positions(parent_id, 1, None)[0]
    call.store.insert_blocks(
        [
            StoredBlock(
                id=page.id,
                parent_type="page_id",
                parent_id=parent_id,
                position=position,
                type="child_page",
                content={"title": page.title},
                created=call.now,
                edited=call.now,
                created_by=call.actor,
                edited_by=call.actor,
                in_trash=False,
            )
        ]
    )


def patch_page(call: Call, request: Request) -> Any:
    body = request.body
    page = call.page(request.ids["page_id"])
    trash = trash_flag(body)
    if page.in_trash and trash is not False:
        raise validation(ARCHIVED_PAGE)
    if "properties" in body:
        write_properties(call, page, call.row_source(page), body["properties"], creating=False)
    if "icon" in body:
        page.data["icon"] = icon(body["icon"], "body.icon")
    if "cover" in body:
        page.data["cover"] = icon(body["cover"], "body.cover", allow_emoji=False)
    if trash is not None:
        page.in_trash = trash
    call.touch(page)
    call.save(page)
    return call.page_json(page)
