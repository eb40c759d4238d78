"""Databases: retrieve one, query its rows (filters, sorts, paging: `row_query`)."""

from __future__ import annotations

from typing import Any

from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.errors import multiple_sources
from alloy_tui.sandbox.engine.row_query import query_rows


def retrieve_a_database(call: Call, request: Request) -> Any:
    return call.database_json(call.database(request.ids["database_id"]))


def post_database_query(call: Call, request: Request) -> Any:
    """The 2022-06-28 query: a database's rows, when it has exactly one data source (Notion
    answers a validation_error for a database with several)."""
    database = call.database(request.ids["database_id"])
    sources = call.sources(database)
    if len(sources) > 1:
        raise multiple_sources(database.id)
    return query_rows(call, request, call.first_source(database))
