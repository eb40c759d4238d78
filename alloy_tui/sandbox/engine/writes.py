"""Property writes: a request's `properties` checked against the schema and stored on a page.

A new select or multi_select name adds an option to the schema; a two-way relation keeps its
other side in step.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from alloy_tui.notion.properties import READ_ONLY_TYPES, WRITABLE_TYPES
from alloy_tui.notion.richtext import MAX_ARRAY, TEXT_COLORS, plain_text
from alloy_tui.sandbox.engine.errors import UNDEFINED, invalid, not_found, validation
from alloy_tui.sandbox.engine.query_base import describe, find_property
from alloy_tui.sandbox.engine.validate import date_input, icon, id_value, rich_text
from alloy_tui.sandbox.store import StoredObject

if TYPE_CHECKING:
    from alloy_tui.sandbox.engine.context import Call

OPTION_COLORS = TEXT_COLORS


def write_properties(
    call: Call, page: StoredObject, source: StoredObject | None, raw: Any, *, creating: bool
) -> None:
    """Validate `properties` and store them on the page (may add select options)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise invalid("body.properties", "an object", raw)
    props = page.data.setdefault("properties", {})
    if source is None:
        for key, value in raw.items():
            if key != "title":
                raise validation(f"{key} is not a property that exists.")
            props["title"] = _title_value(call, value, "body.properties.title")
        page.title = plain_text(props.get("title"))
        return
    schema = call.schema(source)
    for key, value in raw.items():
        prop = find_property(schema, key)
        if prop is None:
            raise validation(f"{key} is not a property that exists.")
        prop_type = str(prop["type"])
        name = str(prop["name"])
        if prop_type in READ_ONLY_TYPES:
            raise validation(
                f"{name} is a {prop_type} property, which is computed by Notion and "
                "cannot be written."
            )
        if prop_type not in WRITABLE_TYPES:
            raise validation(f"{name} is a {prop_type} property, which cannot be written.")
        path = f"body.properties.{key}"
        stored = _property_input(call, source, prop, value, path)
        if prop_type == "relation":
            _sync_relation(call, page, prop, stored)
        props[str(prop["id"])] = stored
    if creating:
        for prop in schema.values():
            if prop["type"] == "status" and str(prop["id"]) not in props:
                props[str(prop["id"])] = default_status(prop)
    title_prop = next(p for p in schema.values() if p["type"] == "title")
    page.title = plain_text(props.get(str(title_prop["id"])))


def _title_value(call: Call, value: Any, path: str) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return rich_text(value, path, call)
    if not isinstance(value, Mapping):
        raise invalid(path, "an object", value)
    if value.get("type", "title") != "title":
        raise validation(f"title is expected to be title, not {value.get('type')}.")
    if "title" not in value:
        raise invalid(f"{path}.title", "defined", UNDEFINED)
    return rich_text(value["title"], f"{path}.title", call)


def _property_input(
    call: Call, source: StoredObject, prop: Mapping[str, Any], value: Any, path: str
) -> Any:
    prop_type = str(prop["type"])
    name = str(prop["name"])
    if isinstance(value, list) and prop_type in ("title", "rich_text"):
        return rich_text(value, path, call)
    if not isinstance(value, Mapping):
        raise invalid(path, f"an object with a `{prop_type}` value", value)
    given_type = value.get("type")
    if given_type is not None and given_type != prop_type:
        raise validation(f"{name} is expected to be {prop_type}.")
    if prop_type not in value:
        others = [k for k in value if k in WRITABLE_TYPES | READ_ONLY_TYPES]
        if others:
            raise validation(f"{name} is expected to be {prop_type}.")
        raise invalid(f"{path}.{prop_type}", "defined", UNDEFINED)
    inner = value[prop_type]
    path = f"{path}.{prop_type}"
    if prop_type in ("title", "rich_text"):
        return rich_text(inner, path, call)
    if prop_type == "number":
        if inner is not None and (isinstance(inner, bool) or not isinstance(inner, int | float)):
            raise invalid(path, "a number or `null`", inner)
        return inner
    if prop_type == "checkbox":
        if not isinstance(inner, bool):
            raise invalid(path, "a boolean", inner)
        return inner
    if prop_type in ("url", "email", "phone_number"):
        if inner is not None and not isinstance(inner, str):
            raise invalid(path, "a string or `null`", inner)
        if isinstance(inner, str) and len(inner) > 2000:
            raise invalid(f"{path}.length", "≤ `2000`", len(inner))
        return inner or None
    if prop_type in ("select", "status"):
        if inner is None:
            return None
        return _option(call, source, prop, inner, path, create=prop_type == "select")
    if prop_type == "multi_select":
        if not isinstance(inner, list):
            raise invalid(path, "an array", inner)
        if len(inner) > MAX_ARRAY:
            raise invalid(f"{path}.length", f"≤ `{MAX_ARRAY}`", len(inner))
        chosen: list[str] = []
        for i, item in enumerate(inner):
            option_id = _option(call, source, prop, item, f"{path}[{i}]", create=True)
            if option_id not in chosen:
                chosen.append(option_id)
        return chosen
    if prop_type == "date":
        return date_input(inner, path)
    if prop_type in ("people", "relation"):
        if not isinstance(inner, list):
            raise invalid(path, "an array", inner)
        if len(inner) > MAX_ARRAY:
            raise invalid(f"{path}.length", f"≤ `{MAX_ARRAY}`", len(inner))
        ids: list[str] = []
        for i, item in enumerate(inner):
            if not isinstance(item, Mapping):
                raise invalid(f"{path}[{i}]", "an object with an id", item)
            target = id_value(item.get("id", UNDEFINED), f"{path}[{i}].id")
            if prop_type == "people" and target not in call.users():
                raise validation(f"Could not find user with ID: {target}.")
            if prop_type == "relation":
                _check_relation_target(call, prop, target, f"{path}[{i}].id")
            if target not in ids:
                ids.append(target)
        return ids
    # files
    if not isinstance(inner, list):
        raise invalid(path, "an array", inner)
    files: list[dict[str, Any]] = []
    for i, item in enumerate(inner):
        item_path = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            raise invalid(item_path, "an object", item)
        if item.get("type", "external") != "external" or "external" not in item:
            raise invalid(f"{item_path}.external", "defined (only external files)", item)
        external = icon({"type": "external", "external": item["external"]}, item_path)
        file_name = item.get("name")
        if file_name is None and external is not None:
            file_name = external["external"]["url"].rsplit("/", 1)[-1]
        if not isinstance(file_name, str) or len(file_name) > 100:
            raise invalid(f"{item_path}.name", "a string of at most 100 characters", file_name)
        files.append({"name": file_name, **(external or {})})
    return files


def _option(
    call: Call,
    source: StoredObject,
    prop: Mapping[str, Any],
    value: Any,
    path: str,
    *,
    create: bool,
) -> str:
    """The option id for {name} or {id}; a new select name adds an option to the schema."""
    if not isinstance(value, Mapping):
        raise invalid(path, "an object with a name or an id", value)
    config = prop[str(prop["type"])]
    options: list[dict[str, Any]] = config.setdefault("options", [])
    if "id" in value:
        for option in options:
            if option["id"] == value["id"]:
                return str(option["id"])
        raise validation(f"Invalid option id for {prop['name']}: {value['id']}.")
    name = value.get("name", UNDEFINED)
    if not isinstance(name, str) or not name.strip():
        raise invalid(f"{path}.name", "a non-empty string", name)
    if "," in name:
        raise validation(f"Select option names cannot contain commas: {name!r}.")
    if len(name) > 100:
        raise invalid(f"{path}.name.length", "≤ `100`", len(name))
    for option in options:
        if option["name"] == name:
            return str(option["id"])
    if not create:
        raise validation(f'Invalid status option. Status option "{name}" does not exist.')
    color = value.get("color")
    if color is None:
        color = OPTION_COLORS[len(options) % len(OPTION_COLORS)]
    elif color not in OPTION_COLORS:
        raise invalid(f"{path}.color", "a valid option color", color)
    option = {"id": str(uuid.uuid4()), "name": name, "color": color}
    if prop["type"] == "multi_select" or prop["type"] == "select":
        option["description"] = None
    options.append(option)
    call.options.clear()
    call.schema_changed(source)
    return str(option["id"])


def _check_relation_target(call: Call, prop: Mapping[str, Any], target: str, path: str) -> None:
    related_db = str(prop["relation"]["database_id"])
    found = call.obj(target)
    if found is None or found.object != "page":
        raise not_found("page", target)
    if found.parent_id != related_db:
        raise validation(
            f"body failed validation: {path} should be a page of database {related_db}, "
            f"instead was `{describe(target)}`."
        )
    # A relation to one data source of a database with several takes only that source's rows
    # [assumed wording, as the database's].
    related_source = prop["relation"].get("data_source_id")
    source = call.row_source(found)
    if related_source and (source is None or source.id != related_source):
        raise validation(
            f"body failed validation: {path} should be a page of data source {related_source}, "
            f"instead was `{describe(target)}`."
        )


def _sync_relation(call: Call, page: StoredObject, prop: Mapping[str, Any], new: list[str]) -> None:
    """Keep a two-way relation's other side in step with this write."""
    config = prop["relation"]
    if config.get("type") != "dual_property":
        return
    synced_id = str(config["dual_property"]["synced_property_id"])
    old = list(page.data["properties"].get(str(prop["id"])) or [])
    for target_id in set(old) ^ set(new):
        target = call.obj(target_id)
        if target is None:
            continue
        back: list[str] = list(target.data["properties"].get(synced_id) or [])
        if target_id in new and page.id not in back:
            back.append(page.id)
        elif target_id not in new and page.id in back:
            back.remove(page.id)
        target.data["properties"][synced_id] = back
        call.save(target)


def default_status(prop: Mapping[str, Any]) -> str | None:
    """A new row's status: the first option of the to-do group, as Notion does."""
    config = prop["status"]
    for group in config.get("groups") or []:
        if group.get("option_ids"):
            return str(group["option_ids"][0])
    options = config.get("options") or []
    return str(options[0]["id"]) if options else None
