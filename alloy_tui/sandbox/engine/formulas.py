"""Formulas: a small parser and evaluator for Notion's formula language, and its results."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from alloy_tui.sandbox.engine.query_base import (
    add_months,
    as_date,
    as_datetime,
)

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
        moved = add_months(as_date(value), months)
        if isinstance(value, datetime):
            return value.replace(year=moved.year, month=moved.month, day=moved.day)
        return moved
    if unit not in _UNITS:
        raise FormulaError(f"unknown unit {unit!r}")
    delta = timedelta(seconds=_UNITS[unit] * count)
    return value + delta if isinstance(value, datetime) else as_date(as_datetime(value) + delta)


def _date_between(a: Any, b: Any, unit: Any) -> int:
    if not isinstance(a, date) or not isinstance(b, date):
        raise FormulaError("dateBetween needs two dates")
    seconds = (as_datetime(a) - as_datetime(b)).total_seconds()
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
            a, b = as_datetime(left), as_datetime(right)
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
