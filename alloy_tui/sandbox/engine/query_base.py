"""What filters, sorts and formulas share: query errors and Notion's wording for them,
the row protocol, property lookup by name or id, and dates."""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol


class QueryError(Exception):
    """A filter or sort Notion would reject: becomes a 400 validation_error with this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def describe(value: Any) -> str:
    """A value as Notion quotes it in validation messages: JSON, or `undefined`."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        try:
            text = repr(value)
        except (ValueError, RecursionError):  # an int too long to print, a too deep value
            text = f"<{type(value).__name__}>"
    # A message must be sendable as UTF-8: lone surrogates are shown as escapes.
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
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


def as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def relative_range(condition: str, today: date) -> tuple[date, date]:
    """The inclusive date range a relative date condition covers (weeks start on Monday)."""
    if condition == "past_week":
        return today - timedelta(days=7), today
    if condition == "past_month":
        return add_months(today, -1), today
    if condition == "past_year":
        return add_months(today, -12), today
    if condition == "this_week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    if condition == "next_week":
        return today, today + timedelta(days=7)
    if condition == "next_month":
        return today, add_months(today, 1)
    return today, add_months(today, 12)  # next_year


def date_of(prop_type: str, value: Mapping[str, Any]) -> date | datetime | None:
    """The date a date-like property value holds (its start for ranges)."""
    inner = value.get(prop_type)
    raw = inner.get("start") if isinstance(inner, Mapping) else inner
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return parse_date(raw)
    except ValueError:
        return None
