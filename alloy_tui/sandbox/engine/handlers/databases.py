"""Databases: retrieve one, query its rows (filters, sorts, paging)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.errors import multiple_sources
from alloy_tui.sandbox.engine.filters import compile_filter
from alloy_tui.sandbox.engine.sorts import apply_sorts, compile_sorts
from alloy_tui.sandbox.engine.validate import paging
from alloy_tui.sandbox.engine.values import property_value
from alloy_tui.sandbox.store import StoredObject


class _Row:
    """A database row seen by the query evaluator."""

    def __init__(self, call: Call, obj: StoredObject) -> None:
        self.call = call
        self.obj = obj

    def property_value(self, prop: Mapping[str, Any]) -> Mapping[str, Any]:
        return property_value(self.call, self.obj, prop)

    def timestamp(self, kind: str) -> str:
        return self.obj.created if kind == "created_time" else self.obj.edited


def retrieve_a_database(call: Call, request: Request) -> Any:
    return call.database_json(call.database(request.ids["database_id"]))


def post_database_query(call: Call, request: Request) -> Any:
    """The 2022-06-28 query: a database's rows, when it has exactly one data source (Notion
    answers a validation_error for a database with several)."""
    database = call.database(request.ids["database_id"])
    sources = call.sources(database)
    if len(sources) > 1:
        raise multiple_sources(database.id)
    source = call.first_source(database)
    return query_rows(call, request, source, call.source_rows(source))


def query_rows(call: Call, request: Request, source: StoredObject, rows: list[StoredObject]) -> Any:
    """Filter, sort and page a data source's rows (post-database-query, query-data-source)."""
    body = request.body
    schema = call.schema(source)
    predicate = (
        compile_filter(body["filter"], schema, call.moment)
        if body.get("filter") is not None
        else None
    )
    sorts = compile_sorts(body.get("sorts"), schema)
    offset, size = paging({**request.query, **body}, "body")
    pages = [_Row(call, found) for found in rows]
    if predicate is not None:
        pages = [row for row in pages if predicate(row)]
    ordered = apply_sorts(pages, sorts) if sorts else pages
    window = ordered[offset : offset + size]
    results = [call.page_json(row.obj) for row in window if isinstance(row, _Row)]
    return call.list_json(results, "page_or_database", offset, size, offset + size < len(ordered))
