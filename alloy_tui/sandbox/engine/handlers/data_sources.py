"""Data sources (Notion-Version 2025-09-03): retrieve, query their rows, change their schema,
create one under a database, list their templates."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from alloy_tui.notion.properties import ALL_TYPES
from alloy_tui.notion.richtext import TEXT_COLORS, plain_text
from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.errors import UNDEFINED, invalid, not_found, validation
from alloy_tui.sandbox.engine.query_base import find_property
from alloy_tui.sandbox.engine.row_query import query_rows
from alloy_tui.sandbox.engine.sql_plan import RETYPED_KEY
from alloy_tui.sandbox.engine.validate import id_value, paging, rich_text
from alloy_tui.sandbox.store import StoredObject

CONFIGURABLE_TYPES = ALL_TYPES - {"relation", "rollup"}
"""Property types a data source's schema can gain through the API here (relations and rollups
keep the schema the seed gave them)."""

WITH_OPTIONS = ("select", "multi_select", "status")


def retrieve_a_data_source(call: Call, request: Request) -> Any:
    return call.data_source_json(call.data_source(request.ids["data_source_id"]))


def query_data_source(call: Call, request: Request) -> Any:
    source = call.data_source(request.ids["data_source_id"])
    return query_rows(call, request, source)


def list_data_source_templates(call: Call, request: Request) -> Any:
    """The sandbox's data sources have no templates: an empty list. [assumed] shape: Notion's
    list object (type `template`) plus the documented `templates` key."""
    source = call.data_source(request.ids["data_source_id"])
    del source
    offset, size = paging(request.query, "query")
    answer = call.list_json([], "template", offset, size, False)
    answer["templates"] = []
    return answer


def update_a_data_source(call: Call, request: Request) -> Any:
    body = request.body
    source = call.data_source(request.ids["data_source_id"])
    if "title" in body:
        title = rich_text(body["title"], "body.title", call)
        source.data["title"] = title
        source.title = plain_text(title)
    if "description" in body:
        source.data["description"] = rich_text(body["description"], "body.description", call)
    if "properties" in body:
        retyped = _change_schema(call, source.data["properties"], body["properties"])
        if retyped:
            # Rows keep the values of the old type: queries on these properties stay in Python.
            known = list(source.data.get(RETYPED_KEY) or [])
            source.data[RETYPED_KEY] = known + [i for i in retyped if i not in known]
    for key in ("in_trash", "archived"):
        if key in body:
            if not isinstance(body[key], bool):
                raise invalid(f"body.{key}", "a boolean", body[key])
            source.in_trash = body[key]
    call.touch(source)
    call.options.clear()
    call.values.clear()
    call.save(source)
    return call.data_source_json(source)


def create_a_data_source(call: Call, request: Request) -> Any:
    """A new data source under a database (`parent: {database_id}`; the vendored file names the
    parent pageIdParentRequest, Notion's reference a database: [assumed] the database)."""
    body = request.body
    parent = body.get("parent", UNDEFINED)
    if not isinstance(parent, Mapping):
        raise invalid("body.parent", "an object", parent)
    database_id = id_value(parent.get("database_id", UNDEFINED), "body.parent.database_id")
    database = call.obj(database_id)
    if database is None or database.object != "database":
        raise not_found("database", database_id)
    raw = body.get("properties", UNDEFINED)
    if not isinstance(raw, Mapping):
        raise invalid("body.properties", "an object", raw)
    schema: dict[str, dict[str, Any]] = {}
    _change_schema(call, schema, raw)
    if not any(prop["type"] == "title" for prop in schema.values()):
        raise validation("A data source must have exactly one title property.")
    title = rich_text(body.get("title") or [], "body.title", call)
    source = StoredObject(
        id=str(uuid.uuid4()),
        object="data_source",
        parent_type="database_id",
        parent_id=database.id,
        title=plain_text(title),
        created=call.now,
        edited=call.now,
        created_by=call.actor,
        edited_by=call.actor,
        in_trash=False,
        data={"title": title, "description": [], "properties": schema, "unique_next": 1},
    )
    call.sources(database)  # a database stored the old way gets its first source first
    call.store.insert_objects([source])
    call.remember(source)
    return call.data_source_json(source)


# --- schema changes --------------------------------------------------------------------------


def _change_schema(
    call: Call, schema: dict[str, dict[str, Any]], raw: Mapping[str, Any]
) -> list[str]:
    """Apply `properties` of a create or update: `null` removes a property, `{name}` renames
    it, `{<type>: config}` adds it or changes its type/config (select options by name).
    Returns the ids of the properties whose type changed."""
    retyped: list[str] = []
    for key, change in raw.items():
        path = f"body.properties.{key}"
        existing = find_property(schema, key)
        if change is None:
            if existing is None:
                raise validation(f"{key} is not a property that exists.")
            if existing["type"] == "title":
                raise validation("Cannot delete the title property of a data source.")
            del schema[str(existing["name"])]
            continue
        if not isinstance(change, Mapping):
            raise invalid(path, "an object or `null`", change)
        kinds = [k for k in change if k in CONFIGURABLE_TYPES]
        kind = change.get("type", kinds[0] if kinds else None)
        new_name = change.get("name")
        if new_name is not None and (not isinstance(new_name, str) or not new_name.strip()):
            raise invalid(f"{path}.name", "a non-empty string", new_name)
        if existing is None:
            if kind is None:
                raise validation(f"{key} is not a property that exists.")
            prop = _new_property(str(new_name or key), str(kind), change, path, schema)
            schema[str(prop["name"])] = prop
            continue
        prop = dict(existing)
        old_name = str(prop["name"])
        if kind is not None and kind != prop["type"]:
            if prop["type"] == "title" or kind == "title":
                raise validation("Cannot change the type of the title property.")
            prop = _new_property(old_name, str(kind), change, path, schema, prop_id=prop["id"])
            retyped.append(str(prop["id"]))
        elif kind is not None:
            prop[str(kind)] = _config(str(kind), change.get(kind), f"{path}.{kind}", prop)
        if new_name is not None and new_name != old_name:
            if find_property(schema, new_name) is not None:
                raise validation(f"A property named {new_name} already exists.")
            prop["name"] = new_name
        del schema[old_name]
        schema[str(prop["name"])] = prop
    return retyped


def _new_property(
    name: str,
    kind: str,
    change: Mapping[str, Any],
    path: str,
    schema: Mapping[str, Any],
    *,
    prop_id: str | None = None,
) -> dict[str, Any]:
    if kind not in CONFIGURABLE_TYPES:
        raise invalid(f"{path}.type", "a property type the sandbox can add", kind)
    if kind == "title" and any(p["type"] == "title" for p in schema.values()):
        raise validation("A data source must have exactly one title property.")
    if prop_id is None:
        prop_id = "title" if kind == "title" else uuid.uuid4().hex[:4]
    prop: dict[str, Any] = {"id": prop_id, "name": name, "type": kind}
    prop[kind] = _config(kind, change.get(kind), f"{path}.{kind}", None)
    return prop


def _config(kind: str, raw: Any, path: str, existing: Mapping[str, Any] | None) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise invalid(path, "an object", raw)
    if kind == "number":
        return {"format": str(raw.get("format", "number"))}
    if kind == "formula":
        expression = raw.get("expression", UNDEFINED)
        if not isinstance(expression, str):
            raise invalid(f"{path}.expression", "a string", expression)
        return {"expression": expression}
    if kind == "unique_id":
        return {"prefix": raw.get("prefix")}
    if kind in WITH_OPTIONS:
        old = (existing or {}).get(kind) or {}
        config: dict[str, Any] = dict(old)
        if "options" in raw:
            config["options"] = _options(raw["options"], f"{path}.options", old.get("options"))
        config.setdefault("options", [])
        return config
    return {}


def _options(raw: Any, path: str, old: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The new option list: known options (by id or name) keep their id, new ones get one."""
    if not isinstance(raw, list):
        raise invalid(path, "an array", raw)
    known = list(old or [])
    out: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        item_path = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            raise invalid(item_path, "an object", item)
        match = next(
            (o for o in known if o["id"] == item.get("id") or o["name"] == item.get("name")),
            None,
        )
        name = item.get("name", match["name"] if match else UNDEFINED)
        if not isinstance(name, str) or not name.strip() or "," in name:
            raise invalid(f"{item_path}.name", "a non-empty string without commas", name)
        color = item.get("color", match["color"] if match else TEXT_COLORS[len(out) % 10])
        if color not in TEXT_COLORS:
            raise invalid(f"{item_path}.color", "a valid option color", color)
        option = {
            "id": match["id"] if match else str(uuid.uuid4()),
            "name": name,
            "color": color,
            "description": match.get("description") if match else None,
        }
        out.append(option)
    return out
