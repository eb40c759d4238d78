"""Property values in response form: stored ones decoded, computed ones (formulas, rollups,
timestamps, people) worked out, memoised per call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from alloy_tui.notion.properties import empty_value
from alloy_tui.notion.richtext import plain_text
from alloy_tui.sandbox.engine.common import shown_time
from alloy_tui.sandbox.engine.formulas import FormulaError, evaluate_formula, formula_result
from alloy_tui.sandbox.engine.query_base import find_property, parse_date
from alloy_tui.sandbox.engine.render import plain_page_properties
from alloy_tui.sandbox.store import StoredObject

if TYPE_CHECKING:
    from alloy_tui.sandbox.engine.context import Call

STORED_AS_SHOWN = frozenset(
    {"title", "rich_text", "number", "checkbox", "url", "email", "phone_number", "date", "files"}
)
"""Property types whose stored value is already the response value."""


def page_properties(call: Call, page: StoredObject) -> dict[str, Any]:
    """A page's `properties` in response form: a row's whole schema, or a page's title."""
    if page.parent_type == "database_id" and page.parent_id:
        source = call.row_source(page)
        if source is None:
            return {}
        return {
            name: property_value(call, page, prop) for name, prop in call.schema(source).items()
        }
    return plain_page_properties(page)


def property_value(call: Call, page: StoredObject, prop: Mapping[str, Any]) -> dict[str, Any]:
    """A database row's property in response form, computed ones included (memoised)."""
    key = (page.id, str(prop["id"]))
    cached = call.values.get(key)
    if cached is None:
        cached = _compute_value(call, page, prop)
        call.values[key] = cached
    return cached


def _compute_value(call: Call, page: StoredObject, prop: Mapping[str, Any]) -> dict[str, Any]:
    prop_type = str(prop["type"])
    prop_id = str(prop["id"])
    stored = page.data["properties"].get(prop_id)
    config = prop.get(prop_type) or {}
    out: dict[str, Any] = {"id": prop_id, "type": prop_type}
    value: Any
    if prop_type in STORED_AS_SHOWN:
        value = stored if stored is not None else empty_value(prop_type)
    elif prop_type in ("select", "status"):
        options = option_map(call, prop)
        value = options.get(stored) if stored is not None else None
    elif prop_type == "multi_select":
        options = option_map(call, prop)
        value = [options[i] for i in stored or [] if i in options]
    elif prop_type == "people":
        value = [call.user_json(user_id) for user_id in stored or []]
    elif prop_type == "relation":
        value = [{"id": target} for target in stored or []]
        out["has_more"] = False
    elif prop_type == "created_time":
        value = shown_time(page.created)
    elif prop_type == "last_edited_time":
        value = shown_time(page.edited)
    elif prop_type == "created_by":
        value = call.user_json(page.created_by)
    elif prop_type == "last_edited_by":
        value = call.user_json(page.edited_by)
    elif prop_type == "unique_id":
        value = {"prefix": config.get("prefix"), "number": page.data.get("unique")}
    elif prop_type == "formula":
        value = _formula(call, page, str(config.get("expression", "")))
    elif prop_type == "rollup":
        value = _rollup(call, page, config)
    elif stored is None:
        value = empty_value(prop_type)
    else:
        value = stored
    out[prop_type] = value
    return out


def option_map(call: Call, prop: Mapping[str, Any]) -> dict[str, Any]:
    """Option id -> option, built once per call per property (rows share them read-only)."""
    key = id(prop)
    found = call.options.get(key)
    if found is None:
        config = prop.get(str(prop["type"])) or {}
        found = {o["id"]: o for o in config.get("options") or []}
        call.options[key] = found
    return found


def _formula(call: Call, page: StoredObject, expression: str) -> dict[str, Any]:
    source = call.row_source(page)
    schema = call.schema(source) if source else {}
    if call.formula_depth > 8:  # a formula referring to itself through others
        return formula_result(None)
    call.formula_depth += 1
    try:
        value = evaluate_formula(
            expression, lambda name: _formula_input(call, page, schema, name), call.moment
        )
    except FormulaError:
        value = None
    finally:
        call.formula_depth -= 1
    return formula_result(value)


def _formula_input(call: Call, page: StoredObject, schema: Mapping[str, Any], name: str) -> Any:
    prop = find_property(schema, name)
    if prop is None:
        raise FormulaError(f"no property {name!r}")
    prop_type = str(prop["type"])
    value = property_value(call, page, prop)[prop_type]
    if prop_type in ("title", "rich_text"):
        return plain_text(value)
    if prop_type in ("select", "status"):
        return value["name"] if value else ""
    if prop_type == "multi_select":
        return [option["name"] for option in value]
    if prop_type == "people":
        return [person.get("name") or "" for person in value]
    if prop_type == "relation":
        return [item["id"] for item in value]
    if prop_type == "date":
        return parse_date(value["start"]) if value else None
    if prop_type in ("created_time", "last_edited_time"):
        return parse_date(value)
    if prop_type in ("created_by", "last_edited_by"):
        return value.get("name") or ""
    if prop_type == "unique_id":
        return value["number"]
    if prop_type in ("formula", "rollup"):
        found = value.get(value.get("type"))
        if isinstance(found, Mapping):
            start = found.get("start")
            return parse_date(start) if isinstance(start, str) else None
        return found
    if prop_type == "files":
        return [item.get("name", "") for item in value]
    return value


def _rollup(call: Call, page: StoredObject, config: Mapping[str, Any]) -> dict[str, Any]:
    function = str(config.get("function", "count"))
    source = call.row_source(page)
    schema = call.schema(source) if source else {}
    relation = find_property(
        schema, str(config.get("relation_property_id") or config.get("relation_property_name"))
    )
    targets: list[str] = []
    if relation is not None:
        targets = list(page.data["properties"].get(str(relation["id"])) or [])
    values: list[dict[str, Any]] = []
    for target_id in targets:
        target = call.obj(target_id)
        if target is None or target.in_trash or not target.parent_id:
            continue
        target_source = call.row_source(target)
        if target_source is None:
            continue
        rolled = find_property(
            call.schema(target_source),
            str(config.get("rollup_property_id") or config.get("rollup_property_name")),
        )
        if rolled is not None:
            values.append(property_value(call, target, rolled))
    if function == "count":
        return {"type": "number", "number": len(values), "function": function}
    if function == "count_values":
        filled = [v for v in values if v.get(v["type"]) not in (None, [], "", False)]
        return {"type": "number", "number": len(filled), "function": function}
    if function in ("sum", "average", "min", "max", "median", "range"):
        numbers = [v["number"] for v in values if isinstance(v.get("number"), int | float)] + [
            v["formula"]["number"]
            for v in values
            if v["type"] == "formula" and isinstance(v["formula"].get("number"), int | float)
        ]
        result: float | None
        if not numbers:
            result = 0 if function == "sum" else None
        elif function == "sum":
            result = sum(numbers)
        elif function == "average":
            result = sum(numbers) / len(numbers)
        elif function == "min":
            result = min(numbers)
        elif function == "max":
            result = max(numbers)
        elif function == "range":
            result = max(numbers) - min(numbers)
        else:
            ordered = sorted(numbers)
            middle = len(ordered) // 2
            result = (
                ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
            )
        return {"type": "number", "number": result, "function": function}
    if function in ("earliest_date", "latest_date"):
        starts = [v["date"]["start"] for v in values if v["type"] == "date" and v["date"]]
        if not starts:
            return {"type": "date", "date": None, "function": function}
        chosen = (min if function == "earliest_date" else max)(
            starts, key=lambda s: str(parse_date(s))
        )
        return {
            "type": "date",
            "date": {"start": chosen, "end": None, "time_zone": None},
            "function": function,
        }
    return {"type": "array", "array": values, "function": "show_original"}
