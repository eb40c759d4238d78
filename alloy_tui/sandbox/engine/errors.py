"""Notion's errors as the engine raises them, and the messages it shares."""

from __future__ import annotations

from typing import Any

from alloy_tui.sandbox.engine.query_base import describe, invalid_message

NOT_SHARED = "Make sure the relevant pages and databases are shared with your integration."
ARCHIVED_BLOCK = "Can't edit block that is archived. You must unarchive the block before editing."
ARCHIVED_PAGE = "Can't edit page that is archived. You must unarchive the page before editing."

UNDEFINED: Any = object()
"""A missing value, quoted as `undefined` in validation messages."""


class NotionError(Exception):
    """An error Notion would answer with; execute() returns it as the response."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {
            "object": "error",
            "status": self.status,
            "code": self.code,
            "message": self.message,
        }


def validation(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def invalid(path: str, expectation: str, value: Any) -> NotionError:
    shown = "undefined" if value is UNDEFINED else describe(value)
    return validation(invalid_message(path, expectation, shown))


def not_found(kind: str, object_id: str) -> NotionError:
    return NotionError(
        404, "object_not_found", f"Could not find {kind} with ID: {object_id}. {NOT_SHARED}"
    )


def multiple_sources(database_id: str) -> NotionError:
    """A database-level call (2022-06-28 query or a `database_id` page parent) on a database
    with several data sources. [assumed] wording: Notion's upgrade guide says such calls fail
    with a validation_error; the vendored OpenAPI file gives no message."""
    return validation(
        f"Database {database_id} has multiple data sources, which this request cannot address. "
        "Use Notion-Version 2025-09-03 and a data source id (data_source_id) instead."
    )
