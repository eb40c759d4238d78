"""Database query sorts: validated sort keys and a stable multi-key sort over rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from alloy_tui.notion.filters import (
    SORT_DIRECTIONS,
    TIMESTAMP_FILTERS,
)
from alloy_tui.notion.richtext import plain_text
from alloy_tui.sandbox.engine.query_base import (
    QueryError,
    RowValues,
    Schema,
    as_datetime,
    date_of,
    find_property,
    invalid,
    parse_date,
)

# --- sorts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    """One validated sort: a key function (None = empty, sorted last) and its direction."""

    key: Callable[[RowValues], Any]
    descending: bool


def _option_rank(prop: Mapping[str, Any]) -> dict[str, int]:
    config = prop.get(str(prop.get("type"))) or {}
    return {str(o.get("id")): i for i, o in enumerate(config.get("options") or [])}


def _sort_value(prop: Mapping[str, Any], value: Mapping[str, Any], rank: dict[str, int]) -> Any:
    prop_type = str(prop["type"])
    inner = value.get(prop_type)
    if prop_type in ("title", "rich_text"):
        return plain_text(inner).casefold() or None
    if prop_type in ("url", "email", "phone_number"):
        return inner.casefold() if isinstance(inner, str) and inner else None
    if prop_type == "number":
        return inner
    if prop_type == "checkbox":
        return bool(inner)
    if prop_type in ("select", "status"):
        return rank.get(str(inner.get("id")), len(rank)) if isinstance(inner, Mapping) else None
    if prop_type == "multi_select":
        ranks = [rank.get(str(o.get("id")), len(rank)) for o in inner or []]
        return tuple(ranks) if ranks else None
    if prop_type in ("date", "created_time", "last_edited_time"):
        found = date_of(prop_type, value)
        return None if found is None else as_datetime(found)
    if prop_type == "people":
        names = [str(p.get("name") or "").casefold() for p in inner or []]
        return tuple(names) if names else None
    if prop_type == "relation":
        return len(inner or []) or None
    if prop_type in ("created_by", "last_edited_by"):
        return str((inner or {}).get("id")) if inner else None
    if prop_type == "unique_id":
        return (inner or {}).get("number")
    if prop_type in ("formula", "rollup"):
        result = inner or {}
        found = result.get(result.get("type"))
        if isinstance(found, Mapping):  # a date result
            start = found.get("start")
            return as_datetime(parse_date(start)) if isinstance(start, str) else None
        if isinstance(found, list):
            return len(found)
        return found if found != "" else None
    if prop_type == "files":
        return len(inner or []) or None
    return None


def _timestamp_key(kind: str) -> Callable[[RowValues], Any]:
    return lambda row: row.timestamp(kind)


def _property_key(prop: Mapping[str, Any], rank: dict[str, int]) -> Callable[[RowValues], Any]:
    return lambda row: _sort_value(prop, row.property_value(prop), rank)


def compile_sorts(sorts_json: Any, schema: Schema) -> list[SortKey]:
    """Validate `sorts` and return them in priority order. Raises QueryError."""
    if sorts_json is None:
        return []
    if not isinstance(sorts_json, list):
        raise invalid("body.sorts", "an array", sorts_json)
    if len(sorts_json) > 100:
        raise invalid("body.sorts.length", "≤ `100`", len(sorts_json))
    keys: list[SortKey] = []
    for i, sort in enumerate(sorts_json):
        path = f"body.sorts[{i}]"
        if not isinstance(sort, Mapping):
            raise invalid(path, "an object", sort)
        direction = sort.get("direction", "ascending")
        if direction not in SORT_DIRECTIONS:
            raise invalid(f"{path}.direction", '`"ascending"` or `"descending"`', direction)
        descending = direction == "descending"
        if "timestamp" in sort:
            kind = sort["timestamp"]
            if kind not in TIMESTAMP_FILTERS:
                raise invalid(f"{path}.timestamp", "`created_time` or `last_edited_time`", kind)
            keys.append(SortKey(_timestamp_key(str(kind)), descending))
            continue
        key = sort.get("property")
        if not isinstance(key, str):
            raise invalid(f"{path}.property", "a string", key)
        prop = find_property(schema, key)
        if prop is None:
            raise QueryError(f"Could not find sort property with name or id: {key}")
        rank = _option_rank(prop)
        keys.append(SortKey(_property_key(prop, rank), descending))
    return keys


def apply_sorts(rows: Sequence[RowValues], sorts: Sequence[SortKey]) -> list[RowValues]:
    """Sort rows by the keys in priority order; empty values go last in either direction."""
    ordered = list(rows)
    for sort in reversed(sorts):
        keyed = [(sort.key(row), row) for row in ordered]
        present = [pair for pair in keyed if pair[0] is not None]
        empty = [pair[1] for pair in keyed if pair[0] is None]
        try:
            present.sort(key=lambda pair: pair[0], reverse=sort.descending)
        except TypeError:  # a formula with mixed result types: compare as text
            present.sort(key=lambda pair: str(pair[0]), reverse=sort.descending)
        ordered = [pair[1] for pair in present] + empty
    return ordered
