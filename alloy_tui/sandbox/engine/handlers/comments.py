"""Comments: list a page's or block's, start a discussion on a page or reply in one."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from alloy_tui.notion.ids import normalize_id
from alloy_tui.sandbox.engine import render
from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.errors import (
    ARCHIVED_PAGE,
    UNDEFINED,
    invalid,
    not_found,
    validation,
)
from alloy_tui.sandbox.engine.query_base import describe
from alloy_tui.sandbox.engine.validate import id_value, paging, rich_text
from alloy_tui.sandbox.store import StoredComment


def retrieve_a_comment(call: Call, request: Request) -> Any:
    query = request.query
    raw = query.get("block_id", UNDEFINED)
    if raw is UNDEFINED or raw is None:
        raise validation(
            "query failed validation: query.block_id should be defined, instead was `undefined`."
        )
    if not isinstance(raw, str):
        raise invalid("query.block_id", "a valid uuid", raw)
    try:
        block_id = normalize_id(raw)
    except ValueError:
        raise validation(
            "query failed validation: query.block_id should be a valid uuid, "
            f"instead was `{describe(raw)}`."
        ) from None
    call.any_block(block_id)
    offset, size = paging(query, "query")
    found = call.store.comments_of(block_id, limit=size + 1, offset=offset)
    results = [render.comment(c, version=call.version) for c in found[:size]]
    return call.list_json(results, "comment", offset, size, len(found) > size)


def create_a_comment(call: Call, request: Request) -> Any:
    body = request.body
    rich = rich_text(body.get("rich_text", UNDEFINED), "body.rich_text", call)
    if not rich:
        raise invalid("body.rich_text.length", "≥ `1`", 0)
    if body.get("discussion_id") is not None:
        discussion = id_value(body["discussion_id"], "body.discussion_id")
        first = call.store.discussion_parent(discussion)
        if first is None:
            raise not_found("discussion", discussion)
        parent_type, parent_id = first
    else:
        parent = body.get("parent", UNDEFINED)
        if not isinstance(parent, Mapping) or "page_id" not in parent:
            raise invalid("body.parent", "an object with a `page_id`", parent)
        parent_id = id_value(parent["page_id"], "body.parent.page_id")
        page = call.page(parent_id)
        if page.in_trash:
            raise validation(ARCHIVED_PAGE)
        parent_type = "page_id"
        discussion = str(uuid.uuid4())
    comment = StoredComment(
        id=str(uuid.uuid4()),
        parent_type=parent_type,
        parent_id=parent_id,
        discussion_id=discussion,
        created=call.now,
        created_by=call.actor,
        rich_text=rich,
    )
    call.store.insert_comments([comment])
    return render.comment(comment, version=call.version)
