"""Database queries, as other modules import them: filters, sorts, formulas.

The code lives in `alloy_tui.sandbox.engine`: `query_base` (errors and wording, the row protocol,
property lookup, dates), `filters`, `sorts` and `formulas`.
"""

from __future__ import annotations

from alloy_tui.sandbox.engine.filters import compile_filter
from alloy_tui.sandbox.engine.formulas import (
    FormulaError,
    Node,
    evaluate_formula,
    formula_result,
    parse_formula,
)
from alloy_tui.sandbox.engine.query_base import (
    Predicate,
    QueryError,
    RowValues,
    Schema,
    describe,
    find_property,
    invalid,
    invalid_message,
    parse_date,
)
from alloy_tui.sandbox.engine.sorts import SortKey, apply_sorts, compile_sorts

__all__ = [
    "FormulaError",
    "Node",
    "Predicate",
    "QueryError",
    "RowValues",
    "Schema",
    "SortKey",
    "apply_sorts",
    "compile_filter",
    "compile_sorts",
    "describe",
    "evaluate_formula",
    "find_property",
    "formula_result",
    "invalid",
    "invalid_message",
    "parse_date",
    "parse_formula",
]
