"""A database query in SQL, when SQL can answer it exactly as `filters` and `sorts` do.

`plan` takes a filter and sorts that `compile_filter` and `compile_sorts` already accepted and
returns the WHERE condition and ORDER BY keys that select and order the same rows, or None when
some part has no exact SQL form here (formulas, rollups, text, dates and people in filters; text,
people and relations in sorts); the Python engine answers those. Supported:

- filters: `and`/`or` of select and status (equals, does_not_equal, is_empty, is_not_empty),
  number (every condition) and checkbox (equals, does_not_equal);
- sorts: created_time and last_edited_time, and date, number, select, status and checkbox
  properties (dates through the store's row keys, which hold every date as UTC text).

Each condition is TRUE exactly when the Python predicate is True (NULL or FALSE otherwise), so
`and`/`or` combine them as Python does. Operands are written into the SQL as literals (quoted),
so parts that fold away leave no parameters behind. Property values here are those a row
stores, so a property whose type was changed after rows were written (`retyped` on its data
source) is left to Python.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from alloy_tui.notion.filters import COMPOUND
from alloy_tui.sandbox.engine.query_base import Schema, find_property
from alloy_tui.sandbox.store_rows import OrderTerm, RowFilter

RETYPED_KEY = "retyped"
"""A data source's list of property ids whose type changed after it was created."""

TRUE = "1"
FALSE = "0"
"""A condition that holds for every row or none (`RowFilter.condition` is never TRUE; FALSE
means no row, which `source_window` answers without a query)."""

_LAST_TEXT = {False: "'~'", True: "''"}
"""An empty date's stand-in, by direction (descending: True): after every UTC date text."""
_LAST_NUMBER = {False: "9e999", True: "-9e999"}
"""An empty number's stand-in, by direction: infinity, which no JSON number reaches."""

_NUMBER_SQL = {
    "equals": "=",
    "greater_than": ">",
    "less_than": "<",
    "greater_than_or_equal_to": ">=",
    "less_than_or_equal_to": "<=",
}


@dataclass(frozen=True)
class RowPlan:
    where: RowFilter
    order: tuple[OrderTerm, ...]


class _NoPlan(Exception):
    """Some part of the query has no exact SQL form."""


def plan(
    filter_json: Any, sorts_json: Any, schema: Schema, retyped: Collection[str] = ()
) -> RowPlan | None:
    """The query as SQL, or None when Python must answer it (see the module's docstring)."""
    planner = _Planner(schema, set(retyped))
    try:
        condition = "" if filter_json is None else planner.condition(filter_json)
        if condition == TRUE:
            condition = ""
        order = tuple(planner.sort(sort) for sort in sorts_json or [])
    except _NoPlan:
        return None
    return RowPlan(RowFilter(condition), order)


def literal(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _number(value: Any) -> str:
    """An SQL number literal of a filter's operand (one SQLite holds exactly, or no plan)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63:
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise _NoPlan


class _Planner:
    def __init__(self, schema: Schema, retyped: set[str]) -> None:
        self.schema = schema
        self.retyped = retyped

    def prop(self, key: Any, types: Collection[str]) -> Mapping[str, Any]:
        prop = find_property(self.schema, key) if isinstance(key, str) else None
        if prop is None or prop.get("type") not in types:
            raise _NoPlan
        prop_id = str(prop.get("id"))
        # A JSON path names the id in double quotes: one holding a quote or backslash cannot.
        if '"' in prop_id or "\\" in prop_id or prop_id in self.retyped:
            raise _NoPlan
        return prop

    @staticmethod
    def stored(prop: Mapping[str, Any]) -> str:
        """The row's stored value of a property (its JSON path quotes the id)."""
        path = literal(f'$.properties."{prop["id"]}"')
        return f"json_extract(data, {path})"

    # --- filters ---

    def condition(self, spec: Mapping[str, Any]) -> str:
        compound = [key for key in COMPOUND if key in spec]
        if compound:
            both = compound[0] == "and"
            # Constant parts fold away (Python: all([]) is True, any([]) is False).
            parts = [self.condition(item) for item in spec[compound[0]]]
            absorbing, neutral = (FALSE, TRUE) if both else (TRUE, FALSE)
            if absorbing in parts:
                return absorbing
            parts = [part for part in parts if part != neutral]
            if not parts:
                return neutral
            joiner = " AND " if both else " OR "
            return "(" + joiner.join(f"({part})" for part in parts) + ")"
        if "property" not in spec:  # a timestamp filter
            raise _NoPlan
        prop = self.prop(spec["property"], ("select", "status", "number", "checkbox"))
        prop_type = str(prop["type"])
        if prop_type not in spec:
            raise _NoPlan
        condition, operand = next(iter(spec[prop_type].items()))
        value = self.stored(prop)
        if prop_type in ("select", "status"):
            return self.option_condition(prop, value, condition, operand)
        if prop_type == "number":
            return self.number_condition(value, condition, operand)
        return self.checkbox_condition(value, condition, operand)

    def option_condition(
        self, prop: Mapping[str, Any], value: str, condition: str, operand: Any
    ) -> str:
        """A select/status value is an option id; the filter names an option (stored ids of no
        option are empty)."""
        options = (prop.get(str(prop["type"])) or {}).get("options") or []
        by_id = {str(o.get("id")): o for o in options}  # the last of an id listed twice wins
        if condition in ("is_empty", "is_not_empty"):
            ids = list(by_id)
        else:
            ids = [i for i, o in by_id.items() if o.get("name") == operand]
        positive = condition in ("equals", "is_not_empty")
        if not ids:
            return FALSE if positive else TRUE
        inside = f"{value} IN ({', '.join(literal(i) for i in ids)})"
        return inside if positive else f"{value} IS NULL OR NOT ({inside})"

    def number_condition(self, value: str, condition: str, operand: Any) -> str:
        if condition == "is_empty":
            return f"{value} IS NULL"
        if condition == "is_not_empty":
            return f"{value} IS NOT NULL"
        number = _number(operand)
        if condition == "does_not_equal":
            return f"{value} IS NULL OR {value} != {number}"
        return f"{value} {_NUMBER_SQL[condition]} {number}"

    def checkbox_condition(self, value: str, condition: str, operand: Any) -> str:
        checked = operand if condition == "equals" else not operand
        return f"IFNULL({value}, 0) {'!=' if checked else '='} 0"

    # --- sorts ---

    def sort(self, sort: Mapping[str, Any]) -> OrderTerm:
        """An ORDER BY key that is never NULL: an empty value becomes a stand-in that sorts
        after every value in the sort's direction (so a cursor can seek past it)."""
        descending = sort.get("direction", "ascending") == "descending"
        if "timestamp" in sort:
            column = "created" if sort["timestamp"] == "created_time" else "edited"
            return OrderTerm(column, descending)
        prop = self.prop(sort["property"], ("date", "number", "select", "status", "checkbox"))
        prop_type = str(prop["type"])
        value = self.stored(prop)
        if prop_type == "date":  # UTC text: '' is below and '~' above every date
            key = literal('$."' + str(prop["id"]) + '"')
            return OrderTerm(
                f"IFNULL(json_extract(keys, {key}), {_LAST_TEXT[descending]})", descending
            )
        if prop_type == "number":
            return OrderTerm(f"IFNULL({value}, {_LAST_NUMBER[descending]})", descending)
        if prop_type == "checkbox":
            return OrderTerm(f"(IFNULL({value}, 0) != 0)", descending)
        # select/status: the option's place in the schema; an id of no option is empty. The
        # Python sort keeps the last place of an id listed twice, so the CASE lists it once.
        options = (prop.get(prop_type) or {}).get("options") or []
        rank = {str(o.get("id")): i for i, o in enumerate(options)}
        if not rank:
            raise _NoPlan
        cases = " ".join(f"WHEN {literal(i)} THEN {n}" for i, n in rank.items())
        empty = -1 if descending else len(rank)
        return OrderTerm(f"(CASE {value} {cases} ELSE {empty} END)", descending)
