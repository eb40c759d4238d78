"""Database queries: Notion's filter grammar and sorts over rendered rows; formula evaluation."""

from __future__ import annotations

import calendar
import json
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from alloy_tui.notion.filters import (
    COMPOUND,
    CONDITIONS,
    MAX_COMPOUND_DEPTH,
    SORT_DIRECTIONS,
    TIMESTAMP_FILTERS,
)
from alloy_tui.notion.ids import normalize_id
from alloy_tui.notion.richtext import plain_text


class QueryError(Exception):
    """A filter or sort Notion would reject: becomes a 400 validation_error with this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def describe(value: Any) -> str:
    """A value as Notion quotes it in validation messages: JSON, or `undefined`."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > 200:
        text = text[:197] + "..."
    return text


def invalid_message(path: str, expectation: str, shown: str) -> str:
    """Notion's wording: 'body failed validation: <path> should be <x>, instead was `<v>`.'"""
    return f"body failed validation: {path} should be {expectation}, instead was `{shown}`."


def invalid(path: str, expectation: str, value: Any) -> QueryError:
    return QueryError(invalid_message(path, expectation, describe(value)))


class RowValues(Protocol):
    """What the query needs from a database row: property values in response form, timestamps."""

    def property_value(self, prop: Mapping[str, Any]) -> Mapping[str, Any]: ...

    def timestamp(self, kind: str) -> str: ...


Predicate = Callable[[RowValues], bool]
Schema = Mapping[str, Mapping[str, Any]]
"""A database's `properties`: name -> {id, name, type, <type>: config}."""


def find_property(schema: Schema, key: str) -> Mapping[str, Any] | None:
    """A schema property by name or by id (Notion accepts either everywhere)."""
    prop = schema.get(key)
    if prop is not None:
        return prop
    for candidate in schema.values():
        if candidate.get("id") == key:
            return candidate
    return None


# --- dates -----------------------------------------------------------------------------------

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str) -> date | datetime:
    """An ISO 8601 date or date-time; naive date-times are taken as UTC. Raises ValueError."""
    text = value.strip()
    if _DATE_ONLY.match(text):
        return date.fromisoformat(text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _relative_range(condition: str, today: date) -> tuple[date, date]:
    """The inclusive date range a relative date condition covers (weeks start on Monday)."""
    if condition == "past_week":
        return today - timedelta(days=7), today
    if condition == "past_month":
        return _add_months(today, -1), today
    if condition == "past_year":
        return _add_months(today, -12), today
    if condition == "this_week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    if condition == "next_week":
        return today, today + timedelta(days=7)
    if condition == "next_month":
        return today, _add_months(today, 1)
    return today, _add_months(today, 12)  # next_year


def _date_of(prop_type: str, value: Mapping[str, Any]) -> date | datetime | None:
    """The date a date-like property value holds (its start for ranges)."""
    inner = value.get(prop_type)
    raw = inner.get("start") if isinstance(inner, Mapping) else inner
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return parse_date(raw)
    except ValueError:
        return None


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
        found = _date_of(prop_type, value)
        if condition in ("is_empty", "is_not_empty"):
            return (found is None) == (condition == "is_empty")
        if found is None:
            return False
        if isinstance(operand, Mapping):  # relative conditions take {}
            low, high = _relative_range(condition, today)
            return low <= _as_date(found) <= high
        if isinstance(operand, datetime):
            return _COMPARE[condition](_as_datetime(found), operand)
        return _COMPARE[condition](_as_date(found), operand)

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
        found = _date_of(prop_type, value)
        return None if found is None else _as_datetime(found)
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
            return _as_datetime(parse_date(start)) if isinstance(start, str) else None
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


# --- formulas --------------------------------------------------------------------------------


class FormulaError(Exception):
    """A formula that cannot be parsed or evaluated; the result is then empty."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|>=|<=|&&|\|\||[-+*/%^()<>,.!?:])
    )""",
    re.VERBOSE,
)


def _tokens(expression: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = expression.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise FormulaError(f"unexpected character at {pos}: {text[pos : pos + 10]!r}")
        kind = match.lastgroup or "op"
        out.append((kind, match.group(kind)))
        pos = match.end()
    out.append(("end", ""))
    return out


Node = tuple[Any, ...]

_BINARY_LEVELS: list[tuple[str, ...]] = [
    ("or", "||"),
    ("and", "&&"),
    ("==", "!=", ">", "<", ">=", "<="),
    ("+", "-"),
    ("*", "/", "%"),
]


class _Parser:
    def __init__(self, expression: str) -> None:
        self.tokens = _tokens(expression)
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos]

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        text = self.take()[1]
        if text != value:
            raise FormulaError(f"expected {value!r}, found {text!r}")

    def parse(self) -> Node:
        node = self.ternary()
        if self.peek()[0] != "end":
            raise FormulaError(f"unexpected {self.peek()[1]!r}")
        return node

    def ternary(self) -> Node:
        cond = self.binary(0)
        if self.peek()[1] == "?":
            self.take()
            yes = self.ternary()
            self.expect(":")
            no = self.ternary()
            return ("call", "if", [cond, yes, no])
        return cond

    def binary(self, level: int) -> Node:
        if level == len(_BINARY_LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.peek()[1] in _BINARY_LEVELS[level]:
            op = self.take()[1]
            node = ("bin", {"||": "or", "&&": "and"}.get(op, op), node, self.binary(level + 1))
        return node

    def unary(self) -> Node:
        text = self.peek()[1]
        if text in ("-", "!", "not"):
            self.take()
            return ("neg" if text == "-" else "not", self.unary())
        node = self.postfix()
        if self.peek()[1] == "^":
            self.take()
            return ("bin", "^", node, self.unary())
        return node

    def postfix(self) -> Node:
        node = self.primary()
        while self.peek()[1] == ".":
            self.take()
            kind, name = self.take()
            if kind != "name":
                raise FormulaError("expected a method name after '.'")
            self.expect("(")
            node = ("call", name, [node, *self.arguments()])
        return node

    def arguments(self) -> list[Node]:
        args: list[Node] = []
        if self.peek()[1] == ")":
            self.take()
            return args
        while True:
            args.append(self.ternary())
            text = self.take()[1]
            if text == ")":
                return args
            if text != ",":
                raise FormulaError(f"expected ',' or ')', found {text!r}")

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return ("lit", float(text) if "." in text else int(text))
        if kind == "string":
            return ("lit", json.loads(text))
        if kind == "name":
            if text in ("true", "false"):
                return ("lit", text == "true")
            if self.peek()[1] == "(":
                self.take()
                return ("call", text, self.arguments())
            raise FormulaError(f"unknown name {text!r}")
        if text == "(":
            node = self.ternary()
            self.expect(")")
            return node
        raise FormulaError(f"unexpected {text!r}")


_PARSED: dict[str, Node] = {}


def parse_formula(expression: str) -> Node:
    """Parse (and cache) a formula expression. Raises FormulaError."""
    node = _PARSED.get(expression)
    if node is None:
        node = _Parser(expression).parse()
        _PARSED[expression] = node
    return node


def _num(value: Any) -> float:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise FormulaError(f"not a number: {value!r}") from None
    raise FormulaError(f"not a number: {value!r}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False or value == 0


_UNITS = {
    "years": 365 * 86400,
    "quarters": 91 * 86400,
    "months": 30 * 86400,
    "weeks": 7 * 86400,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
}


def _date_add(value: Any, amount: Any, unit: Any) -> Any:
    if not isinstance(value, date):
        raise FormulaError("dateAdd needs a date")
    count = int(_num(amount))
    unit = _text(unit)
    if unit in ("months", "quarters", "years"):
        months = count * {"months": 1, "quarters": 3, "years": 12}[unit]
        moved = _add_months(_as_date(value), months)
        if isinstance(value, datetime):
            return value.replace(year=moved.year, month=moved.month, day=moved.day)
        return moved
    if unit not in _UNITS:
        raise FormulaError(f"unknown unit {unit!r}")
    delta = timedelta(seconds=_UNITS[unit] * count)
    return value + delta if isinstance(value, datetime) else _as_date(_as_datetime(value) + delta)


def _date_between(a: Any, b: Any, unit: Any) -> int:
    if not isinstance(a, date) or not isinstance(b, date):
        raise FormulaError("dateBetween needs two dates")
    seconds = (_as_datetime(a) - _as_datetime(b)).total_seconds()
    unit = _text(unit)
    if unit not in _UNITS:
        raise FormulaError(f"unknown unit {unit!r}")
    return int(seconds / _UNITS[unit])


def _round(value: Any, digits: Any = 0) -> float:
    places = int(_num(digits))
    factor = float(10**places)
    # Notion rounds half away from zero, not to even.
    number = _num(value)
    return math.floor(abs(number) * factor + 0.5) / factor * (1 if number >= 0 else -1)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concat": lambda *xs: "".join(_text(x) for x in xs),
    "length": lambda x: len(x) if isinstance(x, list) else len(_text(x)),
    "lower": lambda x: _text(x).lower(),
    "upper": lambda x: _text(x).upper(),
    "contains": lambda x, y: (y in x) if isinstance(x, list) else _text(y) in _text(x),
    "format": _text,
    "toNumber": _num,
    "round": _round,
    "floor": lambda x: math.floor(_num(x)),
    "ceil": lambda x: math.ceil(_num(x)),
    "abs": lambda x: abs(_num(x)),
    "min": lambda *xs: min(_num(x) for x in xs),
    "max": lambda *xs: max(_num(x) for x in xs),
    "dateAdd": _date_add,
    "dateSubtract": lambda d, n, u: _date_add(d, -_num(n), u),
    "dateBetween": _date_between,
    "empty": _empty,
    "join": lambda xs, sep=", ": (
        _text(sep).join(_text(x) for x in xs) if isinstance(xs, list) else _text(xs)
    ),
    "start": lambda x: x,
    "year": lambda d: d.year if isinstance(d, date) else None,
}


def evaluate_formula(expression: str, prop: Callable[[str], Any], now: datetime) -> Any:
    """Evaluate a formula: `prop(name)` gives a property's formula value. Raises FormulaError."""
    return _eval(parse_formula(expression), prop, now)


def _eval(node: Node, prop: Callable[[str], Any], now: datetime) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "neg":
        return -_num(_eval(node[1], prop, now))
    if kind == "not":
        return _empty(_eval(node[1], prop, now))
    if kind == "bin":
        op = node[1]
        left = _eval(node[2], prop, now)
        if op == "and":
            return not _empty(left) and not _empty(_eval(node[3], prop, now))
        if op == "or":
            return not _empty(left) or not _empty(_eval(node[3], prop, now))
        right = _eval(node[3], prop, now)
        return _binary(op, left, right)
    name, args = node[1], node[2]
    if name == "if":
        if len(args) != 3:
            raise FormulaError("if takes three arguments")
        chosen = args[1] if not _empty(_eval(args[0], prop, now)) else args[2]
        return _eval(chosen, prop, now)
    if name == "prop":
        if len(args) != 1 or args[0][0] != "lit":
            raise FormulaError("prop takes one name")
        return prop(str(args[0][1]))
    if name == "now":
        return now
    if name == "today":
        return now.astimezone(UTC).date()
    values = [_eval(arg, prop, now) for arg in args]
    if name == "not":
        return _empty(values[0]) if values else True
    function = _FUNCTIONS.get(name)
    if function is None:
        raise FormulaError(f"unknown function {name!r}")
    try:
        return function(*values)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as error:
        raise FormulaError(str(error)) from None


def _binary(op: str, left: Any, right: Any) -> Any:
    if op == "+":
        if isinstance(left, str) or isinstance(right, str):
            return _text(left) + _text(right)
        return _num(left) + _num(right)
    if op in ("==", "!="):
        same = left == right
        if isinstance(left, int | float) and isinstance(right, int | float):
            same = float(left) == float(right)
        return same if op == "==" else not same
    if op in (">", "<", ">=", "<="):
        a: Any
        b: Any
        if isinstance(left, date) and isinstance(right, date):
            a, b = _as_datetime(left), _as_datetime(right)
        elif isinstance(left, str) and isinstance(right, str):
            a, b = left, right
        else:
            a, b = _num(left), _num(right)
        return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]
    a_num, b_num = _num(left), _num(right)
    if op == "-":
        return a_num - b_num
    if op == "*":
        return a_num * b_num
    if op in ("/", "%"):
        if b_num == 0:
            return None
        return a_num / b_num if op == "/" else a_num % b_num
    if op == "^":
        try:
            return a_num**b_num
        except OverflowError:
            raise FormulaError("overflow") from None
    raise FormulaError(f"unknown operator {op!r}")


def formula_result(value: Any) -> dict[str, Any]:
    """A formula's evaluated value in Notion's response form `{type, <type>: value}`."""
    if isinstance(value, bool):
        return {"type": "boolean", "boolean": value}
    if isinstance(value, int | float):
        number: float = value
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return {"type": "number", "number": None}
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        return {"type": "number", "number": number}
    if isinstance(value, datetime):
        start = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {"type": "date", "date": {"start": start, "end": None, "time_zone": None}}
    if isinstance(value, date):
        return {
            "type": "date",
            "date": {"start": value.isoformat(), "end": None, "time_zone": None},
        }
    if value is None:
        return {"type": "string", "string": None}
    return {"type": "string", "string": _text(value)}
