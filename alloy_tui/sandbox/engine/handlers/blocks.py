"""Blocks: children (list, append), retrieve, update, delete; pages seen as child_page blocks."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from alloy_tui.notion.blocks import ALL_BLOCK_TYPES, CHILDREN_ALLOWED, READ_ONLY_BLOCK_TYPES
from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.errors import ARCHIVED_BLOCK, UNDEFINED, invalid, validation
from alloy_tui.sandbox.engine.validate import (
    NewBlock,
    block_content,
    id_value,
    paging,
    parse_children,
    trash_flag,
)
from alloy_tui.sandbox.store import StoredBlock


def insert_blocks(
    call: Call, parent_type: str, parent_id: str, blocks: Sequence[NewBlock], after: str | None
) -> list[str]:
    """Insert validated blocks (and their children); returns the first-level ids."""
    rows: list[StoredBlock] = []

    def add(kind: str, owner: str, block: NewBlock, position: float) -> str:
        block_id = str(uuid.uuid4())
        rows.append(
            StoredBlock(
                id=block_id,
                parent_type=kind,
                parent_id=owner,
                position=position,
                type=block.type,
                content=block.content,
                created=call.now,
                edited=call.now,
                created_by=call.actor,
                edited_by=call.actor,
                in_trash=False,
            )
        )
        for index, child in enumerate(block.children):
            add("block_id", block_id, child, float(index + 1))
        return block_id

    positions = call.store.positions(parent_id, len(blocks), after)
    top = [add(parent_type, parent_id, b, p) for b, p in zip(blocks, positions, strict=True)]
    call.store.insert_blocks(rows)
    return top


def get_block_children(call: Call, request: Request) -> Any:
    block_id = request.ids["block_id"]
    call.any_block(block_id)
    offset, size = paging(request.query, "query")
    found = call.store.child_blocks(block_id, limit=size + 1, offset=offset)
    results = call.blocks_json(found[:size])
    return call.list_json(results, "block", offset, size, len(found) > size)


def patch_block_children(call: Call, request: Request) -> Any:
    block_id = request.ids["block_id"]
    body = request.body
    stored, obj = call.any_block(block_id)
    if obj is not None:
        if obj.object == "database":
            raise validation(
                f"Block {block_id} is a database; add pages to it with the create page API."
            )
        if obj.in_trash:
            raise validation(ARCHIVED_BLOCK)
        parent_type = "page_id"
    else:
        assert stored is not None
        if stored.in_trash:
            raise validation(ARCHIVED_BLOCK)
        if stored.type not in CHILDREN_ALLOWED:
            raise validation(f"Block type {stored.type} does not support children.")
        parent_type = "block_id"
    if "children" not in body:
        raise invalid("body.children", "defined", UNDEFINED)
    blocks = parse_children(body["children"], "body.children", call)
    after: str | None = None
    if body.get("after") is not None:
        after = id_value(body["after"], "body.after")
        sibling = call.store.get_block(after)
        if sibling is None or sibling.parent_id != block_id or sibling.in_trash:
            raise invalid("body.after", f"the id of a child block of {block_id}", body["after"])
    new_ids = insert_blocks(call, parent_type, block_id, blocks, after)
    if stored is not None and obj is None:
        call.store.update_block(block_id, edited=call.now, edited_by=call.actor)
    results = call.blocks_by_ids_json(new_ids) if new_ids else []
    return call.list_json(results, "block", 0, len(results), False)


def retrieve_a_block(call: Call, request: Request) -> Any:
    stored, obj = call.any_block(request.ids["block_id"])
    if obj is not None:
        return call.object_block_json(obj)
    assert stored is not None
    return call.blocks_json([stored])[0]


def update_a_block(call: Call, request: Request) -> Any:
    block_id = request.ids["block_id"]
    body = request.body
    stored, obj = call.any_block(block_id)
    trash = trash_flag(body)
    kind = "child_database" if obj is not None and obj.object == "database" else None
    kind = kind or ("child_page" if obj is not None else (stored.type if stored else ""))
    named = [key for key in body if key in ALL_BLOCK_TYPES]
    other = [key for key in named if key != kind]
    if other:
        raise validation(
            f"body failed validation: body.{other[0]} should be not present; the block is "
            f"a {kind} block and a block's type cannot be changed."
        )
    in_trash = obj.in_trash if obj is not None else bool(stored.in_trash if stored else False)
    if in_trash and trash is not False:
        raise validation(ARCHIVED_BLOCK)
    if obj is not None:
        if named:
            raise validation(
                f"A {kind} block cannot be edited with the blocks API; "
                "update the page or database instead."
            )
        if trash is not None:
            obj.in_trash = trash
            call.touch(obj)
            call.save(obj)
        return call.object_block_json(obj)
    assert stored is not None
    if kind in READ_ONLY_BLOCK_TYPES and named:
        raise validation(f"A {kind} block cannot be edited with the blocks API.")
    content = dict(stored.content)
    if named:
        change = body[kind]
        if not isinstance(change, Mapping):
            raise invalid(f"body.{kind}", "an object", change)
        if "children" in change:
            raise invalid(
                f"body.{kind}.children",
                "not present (append children with patch-block-children)",
                change["children"],
            )
        content.update(block_content(kind, change, f"body.{kind}", partial=True, lookup=call))
    new_trash = stored.in_trash if trash is None else trash
    call.store.update_block(
        block_id, edited=call.now, edited_by=call.actor, content=content, in_trash=new_trash
    )
    return call.blocks_by_ids_json([block_id])[0]


def delete_a_block(call: Call, request: Request) -> Any:
    block_id = request.ids["block_id"]
    stored, obj = call.any_block(block_id)
    if obj is not None:
        if obj.in_trash:
            raise validation(ARCHIVED_BLOCK)
        obj.in_trash = True
        call.touch(obj)
        call.save(obj)
        return call.object_block_json(obj)
    assert stored is not None
    if stored.in_trash:
        raise validation(ARCHIVED_BLOCK)
    call.store.update_block(block_id, edited=call.now, edited_by=call.actor, in_trash=True)
    return call.blocks_by_ids_json([block_id])[0]
