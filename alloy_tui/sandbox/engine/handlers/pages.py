"""Pages: retrieve, create (under a page, a database or the workspace), update and trash."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

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
from alloy_tui.sandbox.engine.validate import icon, id_value, parse_children, trash_flag
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
    write_properties(call, page, source, body.get("properties"), creating=True)
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
