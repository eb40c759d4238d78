"""The database-query filter grammar: which conditions each property type takes, and operands."""

from __future__ import annotations

from typing import Literal

Operand = Literal["string", "number", "boolean", "date", "uuid", "true", "empty_object"]
"""What a condition's value must be: `true` conditions take literally `true` (is_empty...),
`empty_object` ones take `{}` (past_week...)."""

_EMPTY: dict[str, Operand] = {"is_empty": "true", "is_not_empty": "true"}

_TEXT: dict[str, Operand] = {
    "equals": "string",
    "does_not_equal": "string",
    "contains": "string",
    "does_not_contain": "string",
    "starts_with": "string",
    "ends_with": "string",
    **_EMPTY,
}
_NUMBER: dict[str, Operand] = {
    "equals": "number",
    "does_not_equal": "number",
    "greater_than": "number",
    "less_than": "number",
    "greater_than_or_equal_to": "number",
    "less_than_or_equal_to": "number",
    **_EMPTY,
}
_CHECKBOX: dict[str, Operand] = {"equals": "boolean", "does_not_equal": "boolean"}
_SELECT: dict[str, Operand] = {"equals": "string", "does_not_equal": "string", **_EMPTY}
_MULTI: dict[str, Operand] = {"contains": "string", "does_not_contain": "string", **_EMPTY}
_DATE: dict[str, Operand] = {
    "equals": "date",
    "before": "date",
    "after": "date",
    "on_or_before": "date",
    "on_or_after": "date",
    "past_week": "empty_object",
    "past_month": "empty_object",
    "past_year": "empty_object",
    "this_week": "empty_object",
    "next_week": "empty_object",
    "next_month": "empty_object",
    "next_year": "empty_object",
    **_EMPTY,
}
_PEOPLE: dict[str, Operand] = {"contains": "uuid", "does_not_contain": "uuid", **_EMPTY}

CONDITIONS: dict[str, dict[str, Operand]] = {
    "title": _TEXT,
    "rich_text": _TEXT,
    "url": _TEXT,
    "email": _TEXT,
    "phone_number": _TEXT,
    "number": _NUMBER,
    "unique_id": {k: v for k, v in _NUMBER.items() if k not in _EMPTY},
    "checkbox": _CHECKBOX,
    "select": _SELECT,
    "status": _SELECT,
    "multi_select": _MULTI,
    "date": _DATE,
    "created_time": _DATE,
    "last_edited_time": _DATE,
    "people": _PEOPLE,
    "relation": _PEOPLE,
    "created_by": _PEOPLE,
    "last_edited_by": _PEOPLE,
    "files": dict(_EMPTY),
}
"""Property type -> {condition: operand kind}. A filter `{property, <type>: {<condition>: v}}`."""

TIMESTAMP_FILTERS: frozenset[str] = frozenset({"created_time", "last_edited_time"})
"""Types usable as `{timestamp: <type>, <type>: {...}}` filters without a property."""

COMPOUND = ("and", "or")
MAX_COMPOUND_DEPTH = 2
"""Notion nests and/or at most two levels deep."""

SORT_DIRECTIONS = ("ascending", "descending")


def conditions_for(prop_type: str) -> tuple[str, ...]:
    """The conditions a filter on a property of this type may use, in display order."""
    return tuple(CONDITIONS.get(prop_type, {}))


def operand_for(prop_type: str, condition: str) -> Operand | None:
    return CONDITIONS.get(prop_type, {}).get(condition)
