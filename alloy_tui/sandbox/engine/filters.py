"""Database query filters: Notion's filter grammar compiled to a predicate over rows."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from alloy_tui.notion.filters import (
    COMPOUND,
    CONDITIONS,
    MAX_COMPOUND_DEPTH,
    TIMESTAMP_FILTERS,
)
from alloy_tui.notion.ids import normalize_id
from alloy_tui.notion.richtext import plain_text
from alloy_tui.sandbox.engine.query_base import (
    Predicate,
    QueryError,
    Schema,
    as_date,
    as_datetime,
    date_of,
    describe,
    find_property,
    invalid,
    parse_date,
    relative_range,
)

# --- property filters ------------------------------------------------------------------------


def _text_of(prop_type: str, value: Mapping[str, Any]) -> str:
    inner = value.get(prop_type)
    if prop_type in ("title", "rich_text"):
        return plain_text(inner)
    return inner if isinstance(inner, str) else ""


def _ids_of(prop_type: str, value: Mapping[str, Any]) -> list[str]:
    inner = value.get(prop_type)
    if isinstance(inner, Mapping):  # created_by / last_edited_by hold one user
        return [str(inner.get("id"))]
    if isinstance(inner, list):
        return [str(item.get("id")) for item in inner if isinstance(item, Mapping)]
    return []


def _check_operand(kind: str, value: Any, path: str) -> Any:
    if kind == "string":
        if not isinstance(value, str):
            raise invalid(path, "a string", value)
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid(path, "a number", value)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise invalid(path, "a boolean", value)
        return value
    if kind == "date":
        if not isinstance(value, str):
            raise invalid(path, "a valid ISO 8601 date string", value)
        try:
            return parse_date(value)
        except ValueError:
            raise invalid(path, "a valid ISO 8601 date string", value) from None
    if kind == "uuid":
        if not isinstance(value, str):
            raise invalid(path, "a valid uuid", value)
        try:
            return normalize_id(value)
        except ValueError:
            raise invalid(path, "a valid uuid", value) from None
    if kind == "true":
        if value is not True:
            raise invalid(path, "`true`", value)
        return True
    # empty_object
    if not isinstance(value, Mapping) or value:
        raise invalid(path, "an empty object `{}`", value)
    return {}


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "equals": operator.eq,
    "does_not_equal": operator.ne,
    "greater_than": operator.gt,
    "less_than": operator.lt,
    "greater_than_or_equal_to": operator.ge,
    "less_than_or_equal_to": operator.le,
    "before": operator.lt,
    "after": operator.gt,
    "on_or_before": operator.le,
    "on_or_after": operator.ge,
}


def _text_condition(condition: str, text: str, needle: str) -> bool:
    if condition == "contains":
        return needle in text
    if condition == "does_not_contain":
        return needle not in text
    if condition == "starts_with":
        return text.startswith(needle)
    if condition == "ends_with":
        return text.endswith(needle)
    if condition == "is_empty":
        return text == ""
    if condition == "is_not_empty":
        return text != ""
    return _COMPARE[condition](text, needle)


def _member_condition(condition: str, found: Sequence[Any], operand: Any) -> bool:
    """contains / does_not_contain / is_empty / is_not_empty over a list of values."""
    if condition == "contains":
        return operand in found
    if condition == "does_not_contain":
        return operand not in found
    if condition == "is_empty":
        return not found
    return bool(found)


def _condition_test(
    prop_type: str, condition: str, operand: Any, today: date
) -> Callable[[Mapping[str, Any]], bool]:
    """A test on one property value (response form) for a validated condition and operand."""
    if prop_type in ("title", "rich_text", "url", "email", "phone_number"):
        # Notion's text conditions ignore case.
        needle = operand.casefold() if isinstance(operand, str) else ""
        return lambda value: _text_condition(
            condition, _text_of(prop_type, value).casefold(), needle
        )

    if prop_type in ("number", "unique_id"):

        def number_test(value: Mapping[str, Any]) -> bool:
            inner = value.get(prop_type)
            number = inner.get("number") if isinstance(inner, Mapping) else inner
            if condition in ("is_empty", "is_not_empty"):
                return (number is None) == (condition == "is_empty")
            if condition == "does_not_equal":
                return bool(number != operand)
            return number is not None and _COMPARE[condition](number, operand)

        return number_test

    if prop_type == "checkbox":
        return lambda value: _COMPARE[condition](bool(value.get("checkbox")), operand)

    if prop_type in ("select", "status"):

        def select_test(value: Mapping[str, Any]) -> bool:
            inner = value.get(prop_type)
            name = inner.get("name") if isinstance(inner, Mapping) else None
            if condition in ("is_empty", "is_not_empty"):
                return (name is None) == (condition == "is_empty")
            return _COMPARE[condition](name, operand)

        return select_test

    if prop_type == "multi_select":
        return lambda value: _member_condition(
            condition, [str(o.get("name")) for o in value.get("multi_select") or []], operand
        )

    if prop_type in ("people", "relation", "created_by", "last_edited_by"):
        return lambda value: _member_condition(condition, _ids_of(prop_type, value), operand)

    if prop_type == "files":
        return lambda value: _member_condition(condition, value.get("files") or [], None)

    def date_test(value: Mapping[str, Any]) -> bool:
        found = date_of(prop_type, value)
        if condition in ("is_empty", "is_not_empty"):
            return (found is None) == (condition == "is_empty")
        if found is None:
            return False
        if isinstance(operand, Mapping):  # relative conditions take {}
            low, high = relative_range(condition, today)
            return low <= as_date(found) <= high
        if isinstance(operand, datetime):
            return _COMPARE[condition](as_datetime(found), operand)
        return _COMPARE[condition](as_date(found), operand)

    return date_test


def _typed_condition(
    prop_type: str, spec: Any, path: str, today: date
) -> Callable[[Mapping[str, Any]], bool]:
    """Validate `{<condition>: operand}` for a property type and return the value test."""
    allowed = CONDITIONS[prop_type]
    if not isinstance(spec, Mapping):
        raise invalid(path, "an object", spec)
    if len(spec) != 1:
        raise QueryError(
            f"body failed validation: {path} should have exactly one condition "
            f"(one of {', '.join(allowed)}), instead was `{describe(spec)}`."
        )
    condition, operand = next(iter(spec.items()))
    if condition not in allowed:
        raise QueryError(
            f"body failed validation: {path}.{condition} is not a valid condition for a "
            f"{prop_type} filter; use one of: {', '.join(allowed)}."
        )
    checked = _check_operand(allowed[condition], operand, f"{path}.{condition}")
    return _condition_test(prop_type, condition, checked, today)


_FORMULA_FILTER_TYPES = {"string": "rich_text", "number": "number", "checkbox": "checkbox"}
_TEXT_FAMILY = ("title", "rich_text")


def _formula_filter(spec: Any, path: str, today: date) -> Callable[[Mapping[str, Any]], bool]:
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise invalid(path, "an object with one of `string`, `number`, `checkbox`, `date`", spec)
    result_type, inner = next(iter(spec.items()))
    if result_type == "date":
        test = _typed_condition("date", inner, f"{path}.date", today)

        def date_formula(value: Mapping[str, Any]) -> bool:
            result = value.get("formula") or {}
            return test({"type": "date", "date": result.get("date")})

        return date_formula
    if result_type not in _FORMULA_FILTER_TYPES:
        raise invalid(path, "an object with one of `string`, `number`, `checkbox`, `date`", spec)
    as_type = _FORMULA_FILTER_TYPES[result_type]
    test = _typed_condition(as_type, inner, f"{path}.{result_type}", today)

    def formula_test(value: Mapping[str, Any]) -> bool:
        result = value.get("formula") or {}
        raw = result.get("boolean" if result_type == "checkbox" else result_type)
        if as_type == "rich_text":
            return test(
                {"rich_text": [{"plain_text": raw}] if isinstance(raw, str) and raw else []}
            )
        return test({as_type: raw})

    return formula_test


def _rollup_filter(spec: Any, path: str, today: date) -> Callable[[Mapping[str, Any]], bool]:
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise invalid(path, "an object with one of `number`, `date`, `any`, `every`, `none`", spec)
    kind, inner = next(iter(spec.items()))
    if kind in ("number", "date"):
        test = _typed_condition(kind, inner, f"{path}.{kind}", today)

        def scalar(value: Mapping[str, Any]) -> bool:
            result = value.get("rollup") or {}
            return test({"type": kind, kind: result.get(kind)})

        return scalar
    if kind in ("any", "every", "none"):
        if not isinstance(inner, Mapping) or len(inner) != 1:
            raise invalid(f"{path}.{kind}", "an object with one property type filter", inner)
        item_type, item_spec = next(iter(inner.items()))
        if item_type not in CONDITIONS:
            raise invalid(f"{path}.{kind}", "an object with one property type filter", inner)
        test = _typed_condition(item_type, item_spec, f"{path}.{kind}.{item_type}", today)

        def over_array(value: Mapping[str, Any]) -> bool:
            items = (value.get("rollup") or {}).get("array") or []
            # Items keep their own type (a title rolls up as `title`); the filter names a family.
            hits = [
                test({item_type: item.get(str(item.get("type")))})
                for item in items
                if isinstance(item, Mapping)
            ]
            if kind == "any":
                return any(hits)
            if kind == "every":
                return all(hits)
            return not any(hits)

        return over_array
    raise invalid(path, "an object with one of `number`, `date`, `any`, `every`, `none`", spec)


def compile_filter(filter_json: Any, schema: Schema, now: datetime) -> Predicate:
    """Validate a database query filter and return a predicate over rows. Raises QueryError."""
    today = now.astimezone(UTC).date()
    return _compile(filter_json, schema, today, "body.filter", 0)


def _compile(spec: Any, schema: Schema, today: date, path: str, depth: int) -> Predicate:
    if not isinstance(spec, Mapping):
        raise invalid(path, "an object", spec)
    compound = [key for key in COMPOUND if key in spec]
    if compound:
        key = compound[0]
        if depth >= MAX_COMPOUND_DEPTH:
            raise QueryError(
                f"body failed validation: {path}.{key} is nested too deeply; compound "
                f"filters (and/or) can be nested at most {MAX_COMPOUND_DEPTH} levels deep."
            )
        items = spec[key]
        if not isinstance(items, list):
            raise invalid(f"{path}.{key}", "an array", items)
        if len(items) > 100:
            raise invalid(f"{path}.{key}.length", "≤ `100`", len(items))
        parts = [
            _compile(item, schema, today, f"{path}.{key}[{i}]", depth + 1)
            for i, item in enumerate(items)
        ]
        if key == "and":
            return lambda row: all(part(row) for part in parts)
        return lambda row: any(part(row) for part in parts)

    if "timestamp" in spec:
        kind = spec["timestamp"]
        if kind not in TIMESTAMP_FILTERS:
            raise invalid(f"{path}.timestamp", "`created_time` or `last_edited_time`", kind)
        if kind not in spec:
            raise QueryError(
                f"body failed validation: {path}.{kind} should be defined, instead was `undefined`."
            )
        stamp_test = _typed_condition(kind, spec[kind], f"{path}.{kind}", today)
        return lambda row: stamp_test({"type": kind, kind: row.timestamp(kind)})

    if "property" not in spec:
        raise QueryError(
            f"body failed validation: {path} should be a property filter, a timestamp filter, "
            f"or an `and`/`or` compound filter, instead was `{describe(spec)}`."
        )
    key = spec["property"]
    if not isinstance(key, str):
        raise invalid(f"{path}.property", "a string", key)
    prop = find_property(schema, key)
    if prop is None:
        raise QueryError(f"Could not find property with name or id: {key}")
    prop_type = str(prop["type"])
    given = [k for k in spec if k != "property"]
    filter_key = prop_type
    if prop_type in _TEXT_FAMILY and prop_type not in spec:
        # Notion accepts a `rich_text` condition on a title property and vice versa.
        filter_key = next((k for k in _TEXT_FAMILY if k in spec), prop_type)
    if filter_key not in spec:
        raise QueryError(
            f"body failed validation: {path}.{prop_type} should be defined for the "
            f"{prop_type} property {key!r}, instead was `undefined`"
            + (f" (got {', '.join(given)})." if given else ".")
        )
    inner = spec[filter_key]
    test: Callable[[Mapping[str, Any]], bool]
    if prop_type == "formula":
        test = _formula_filter(inner, f"{path}.formula", today)
    elif prop_type == "rollup":
        test = _rollup_filter(inner, f"{path}.rollup", today)
    elif prop_type in CONDITIONS:
        test = _typed_condition(filter_key, inner, f"{path}.{filter_key}", today)
        if filter_key != prop_type:
            test = _rekeyed(test, prop_type, filter_key)

    else:
        raise QueryError(f"Filtering on a {prop_type} property ({key!r}) is not supported.")
    return lambda row: test(row.property_value(prop))


def _rekeyed(
    test: Callable[[Mapping[str, Any]], bool], real: str, as_key: str
) -> Callable[[Mapping[str, Any]], bool]:
    """Run a test written for `as_key` values on a value stored under `real`."""
    return lambda value: test({as_key: value.get(real)})
