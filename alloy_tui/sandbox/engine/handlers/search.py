"""Search: titles of pages and databases (2022-06-28) or data sources (2025-09-03), by last
edit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.errors import UNDEFINED, invalid
from alloy_tui.sandbox.engine.render import V2025
from alloy_tui.sandbox.engine.validate import paging


def post_search(call: Call, request: Request) -> Any:
    body = request.body
    text = body.get("query")
    if text is not None and not isinstance(text, str):
        raise invalid("body.query", "a string", text)
    listed = "data_source" if call.version == V2025 else "database"
    kinds: tuple[str, ...] = ("page", listed)
    found_filter = body.get("filter")
    if found_filter is not None:
        if not isinstance(found_filter, Mapping):
            raise invalid("body.filter", "an object", found_filter)
        if found_filter.get("property") != "object":
            raise invalid(
                "body.filter.property", '`"object"`', found_filter.get("property", UNDEFINED)
            )
        kind = found_filter.get("value")
        if kind not in kinds:
            raise invalid(
                "body.filter.value",
                f'`"page"` or `"{listed}"`',
                found_filter.get("value", UNDEFINED),
            )
        kinds = (str(kind),)
    direction = "descending"
    sort = body.get("sort")
    if sort is not None:
        if not isinstance(sort, Mapping):
            raise invalid("body.sort", "an object", sort)
        if sort.get("timestamp") != "last_edited_time":
            raise invalid(
                "body.sort.timestamp",
                '`"last_edited_time"`',
                sort.get("timestamp", UNDEFINED),
            )
        direction = sort.get("direction", UNDEFINED)
        if direction not in ("ascending", "descending"):
            raise invalid("body.sort.direction", '`"ascending"` or `"descending"`', direction)
    offset, size = paging({**request.query, **body}, "body")
    found = call.store.search_objects(
        kinds=kinds,
        needle=(text or "").strip().casefold(),
        descending=direction == "descending",
        limit=size + 1,
        offset=offset,
    )
    objects = [call.remember(obj) for obj in found[:size]]
    results = [call.object_json(obj) for obj in objects]
    return call.list_json(results, "page_or_database", offset, size, len(found) > size)
