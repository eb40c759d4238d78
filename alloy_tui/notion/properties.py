"""Property types: which exist, which are writable, and the empty value of each."""

from __future__ import annotations

from typing import Any

WRITABLE_TYPES: frozenset[str] = frozenset(
    {
        "title",
        "rich_text",
        "number",
        "select",
        "multi_select",
        "status",
        "date",
        "checkbox",
        "url",
        "email",
        "phone_number",
        "people",
        "relation",
        "files",
    }
)
"""Property types a page create or update may write."""

READ_ONLY_TYPES: frozenset[str] = frozenset(
    {
        "formula",
        "rollup",
        "created_time",
        "last_edited_time",
        "created_by",
        "last_edited_by",
        "unique_id",
    }
)
"""Property types Notion computes; writing one is a 400 validation_error."""

ALL_TYPES: frozenset[str] = WRITABLE_TYPES | READ_ONLY_TYPES

TEXT_TYPES: frozenset[str] = frozenset({"title", "rich_text"})
STRING_TYPES: frozenset[str] = frozenset({"url", "email", "phone_number"})


def empty_value(prop_type: str) -> Any:
    """The value Notion reports for a property of this type that holds nothing."""
    if prop_type in TEXT_TYPES or prop_type in {"multi_select", "people", "relation", "files"}:
        return []
    if prop_type == "checkbox":
        return False
    return None


def is_writable(prop_type: str) -> bool:
    return prop_type in WRITABLE_TYPES
