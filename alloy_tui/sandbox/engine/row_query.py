"""A data source's rows through a query (post-database-query, query-data-source): filtered,
sorted and paged in SQL when `sql_plan` has an exact SQL form for the filter and sorts, else by
the Python engine (`filters`, `sorts`) over every row. Both give the same rows in the same order
(tests/unit/test_sandbox_sql_query.py compares them on random queries)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.filters import compile_filter
from alloy_tui.sandbox.engine.sorts import apply_sorts, compile_sorts
from alloy_tui.sandbox.engine.sql_plan import RETYPED_KEY, plan
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


def query_rows(call: Call, request: Request, source: StoredObject) -> Any:
    """Notion's list of a data source's rows for a query body (filter, sorts, paging)."""
    body = request.body
    offset, size = paging({**request.query, **body}, "body")
    window, has_more = query_window(call, source, body, offset=offset, size=size)
    results = [call.page_json(row) for row in window]
    return call.list_json(results, "page_or_database", offset, size, has_more)


def query_window(
    call: Call,
    source: StoredObject,
    body: Mapping[str, Any],
    *,
    offset: int,
    size: int,
    sql: bool = True,
) -> tuple[list[StoredObject], bool]:
    """The rows `offset` .. `offset + size` of the query and whether more follow. Validates
    the filter and sorts (QueryError); `sql=False` always answers in Python."""
    schema = call.schema(source)
    filter_json = body.get("filter")
    predicate = (
        compile_filter(filter_json, schema, call.moment) if filter_json is not None else None
    )
    sorts = compile_sorts(body.get("sorts"), schema)
    retyped = source.data.get(RETYPED_KEY) or ()
    row_plan = plan(filter_json, body.get("sorts"), schema, retyped) if sql else None
    if row_plan is not None:
        found = call.source_window(
            source, row_plan.where, row_plan.order, limit=size + 1, offset=offset
        )
        return found[:size], len(found) > size
    rows = [_Row(call, found) for found in call.source_rows(source)]
    if predicate is not None:
        rows = [row for row in rows if predicate(row)]
    ordered = apply_sorts(rows, sorts) if sorts else rows
    window = [row.obj for row in ordered[offset : offset + size] if isinstance(row, _Row)]
    return window, offset + size < len(ordered)
