"""A data source's rows through a query (post-database-query, query-data-source): filtered,
sorted and paged in SQL when `sql_plan` has an exact SQL form for the filter and sorts, else by
the Python engine (`filters`, `sorts`) over every row. Both give the same rows in the same order
(tests/unit/test_sandbox_sql_query.py compares them on random queries)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from alloy_tui.sandbox.engine.common import cursor_place, encode_cursor
from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.filters import compile_filter
from alloy_tui.sandbox.engine.sorts import apply_sorts, compile_sorts
from alloy_tui.sandbox.engine.sql_plan import RETYPED_KEY, RowPlan, plan
from alloy_tui.sandbox.engine.validate import paging
from alloy_tui.sandbox.engine.values import property_value
from alloy_tui.sandbox.store import StoredObject


class _Row:
    """A database row seen by the Python query evaluator."""

    def __init__(self, call: Call, obj: StoredObject) -> None:
        self.call = call
        self.obj = obj

    def property_value(self, prop: Mapping[str, Any]) -> Mapping[str, Any]:
        return property_value(self.call, self.obj, prop)

    def timestamp(self, kind: str) -> str:
        return self.obj.created if kind == "created_time" else self.obj.edited


@dataclass(frozen=True)
class QueryPage:
    rows: list[StoredObject]
    has_more: bool
    next_cursor: str | None
    """A keyset cursor on the SQL path (it seeks past the last row), else None (the next
    offset's)."""


def query_rows(call: Call, request: Request, source: StoredObject) -> Any:
    """Notion's list of a data source's rows for a query body (filter, sorts, paging)."""
    body = request.body
    paged = {**request.query, **body}
    offset, size = paging(paged, "body")
    cursor = paged.get("start_cursor")
    page = query_window(
        call,
        source,
        body,
        offset=offset,
        size=size,
        cursor=cursor if isinstance(cursor, str) else None,
    )
    results = [call.page_json(row) for row in page.rows]
    return call.list_json(
        results, "page_or_database", offset, size, page.has_more, next_cursor=page.next_cursor
    )


def query_window(
    call: Call,
    source: StoredObject,
    body: Mapping[str, Any],
    *,
    offset: int,
    size: int,
    cursor: str | None = None,
    sql: bool = True,
) -> QueryPage:
    """The rows `offset` .. `offset + size` of the query (the `cursor` it was decoded from may
    name the place to seek past instead) and whether more follow. Validates the filter and
    sorts (QueryError); `sql=False` always answers in Python."""
    schema = call.schema(source)
    filter_json = body.get("filter")
    predicate = (
        compile_filter(filter_json, schema, call.moment) if filter_json is not None else None
    )
    sorts = compile_sorts(body.get("sorts"), schema)
    retyped = source.data.get(RETYPED_KEY) or ()
    row_plan = plan(filter_json, body.get("sorts"), schema, retyped) if sql else None
    if row_plan is not None:
        return _sql_window(call, source, row_plan, offset=offset, size=size, cursor=cursor)
    rows = [_Row(call, found) for found in call.source_rows(source)]
    if predicate is not None:
        rows = [row for row in rows if predicate(row)]
    ordered = apply_sorts(rows, sorts) if sorts else rows
    window = [row.obj for row in ordered[offset : offset + size] if isinstance(row, _Row)]
    return QueryPage(window, offset + size < len(ordered), None)


def _sql_window(
    call: Call,
    source: StoredObject,
    row_plan: RowPlan,
    *,
    offset: int,
    size: int,
    cursor: str | None,
) -> QueryPage:
    signature = _signature(source, row_plan)
    after = _place(cursor, signature, len(row_plan.order) + 2)
    found = call.source_window(
        source, row_plan.where, row_plan.order, limit=size + 1, offset=offset, after=after
    )
    has_more = len(found) > size
    next_cursor = None
    if has_more:
        place = json.dumps([signature, found[size - 1][1]], separators=(",", ":"))
        next_cursor = encode_cursor(offset + size, place)
    return QueryPage([row for row, _place in found[:size]], has_more, next_cursor)


def _signature(source: StoredObject, row_plan: RowPlan) -> str:
    """What a keyset cursor must have been made by to be used: this source, filter and order."""
    text = json.dumps(
        [
            source.id,
            row_plan.where.condition,
            [[t.expression, t.descending] for t in row_plan.order],
        ]
    )
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def _place(cursor: str | None, signature: str, width: int) -> list[Any] | None:
    """The place a cursor of this same query names, or None (then its offset is used)."""
    text = cursor_place(cursor) if cursor else None
    if text is None:
        return None
    try:
        found = json.loads(text)
    except ValueError:
        return None
    if not (isinstance(found, list) and len(found) == 2 and found[0] == signature):
        return None
    place = found[1]
    if not isinstance(place, list) or len(place) != width:
        return None
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in place):
        return None
    return place
