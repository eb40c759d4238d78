"""Request input, checked as Notion checks it: JSON sanity, ids, paging, rich text, icons, blocks.

Every check raises `NotionError` (a 400 naming the field) and nothing else: a request the engine
cannot take is never a 500.
"""

from __future__ import annotations

import json
import math
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from alloy_tui.notion.blocks import (
    ALL_BLOCK_TYPES,
    CHILDREN_ALLOWED,
    READ_ONLY_BLOCK_TYPES,
    TEXT_BLOCK_TYPES,
)
from alloy_tui.notion.ids import normalize_id
from alloy_tui.notion.richtext import (
    COLORS,
    MAX_ARRAY,
    MAX_TEXT_UTF16,
    fill,
    surrogate_index,
    utf16_len,
)
from alloy_tui.sandbox.engine.common import decode_cursor, page_url
from alloy_tui.sandbox.engine.errors import UNDEFINED, invalid, validation
from alloy_tui.sandbox.engine.query_base import describe, parse_date
from alloy_tui.sandbox.store import StoredObject, dumps

MAX_REQUEST_BYTES = 500_000
MAX_REQUEST_BLOCKS = 1000
MAX_CHILD_DEPTH = 2
"""Children may nest two levels below the blocks of a request; a third level is rejected."""
MAX_NUMBER = 1.7976931348623157e308
"""The largest number Notion (a JavaScript double) can hold."""

DEFAULT_CALLOUT_ICON = {"type": "emoji", "emoji": "💡"}


class Lookup(Protocol):
    """What validation reads from the workspace: mentions show a user's name, a page's title."""

    def user_json(self, user_id: str) -> dict[str, Any]: ...

    def obj(self, object_id: str) -> StoredObject | None: ...


@dataclass
class NewBlock:
    """A validated block from a request, ready to insert."""

    type: str
    content: dict[str, Any]
    children: list[NewBlock] = field(default_factory=list)


# --- JSON sanity: what Python's json accepts but Notion (JSON in JavaScript) cannot hold ---


def _key_path(path: str, key: str) -> str:
    return f"{path}.{_safe(key)}"


def _safe(text: str) -> str:
    """Text that can be encoded (lone surrogates shown as \\udXXX escapes)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def check_json(value: Any, path: str) -> None:
    """Refuse lone surrogates (in strings and keys), NaN and infinities, and numbers beyond a
    double's range, naming the first field that holds one. Iterative: any depth is fine."""
    where = path.split(".", 1)[0]
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, str):
            if surrogate_index(item) is not None:
                raise validation(
                    f"{where} failed validation: {at} should be valid Unicode text, instead was "
                    f"`{json.dumps(item)[:200]}` (a lone surrogate)."
                )
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise validation(
                    f"{where} failed validation: {at} should be a finite number, "
                    f"instead was `{item!r}`."
                )
        elif isinstance(item, int):
            if abs(item) > MAX_NUMBER:
                digits = int(item.bit_length() * math.log10(2)) + 1
                raise validation(
                    f"{where} failed validation: {at} should be a number Notion can represent "
                    f"(at most {MAX_NUMBER!r} in size), instead was an integer of about "
                    f"{digits} digits."
                )
        elif isinstance(item, Mapping):
            for key, inner in reversed(list(item.items())):
                key_text = str(key)
                if surrogate_index(key_text) is not None:
                    raise validation(
                        f"{where} failed validation: {_key_path(at, key_text)} should be a "
                        "property name of valid Unicode text, instead it holds a lone surrogate."
                    )
                stack.append((inner, _key_path(at, key_text)))
        elif isinstance(item, list | tuple):
            stack.extend((inner, f"{at}[{i}]") for i, inner in reversed(list(enumerate(item))))


# --- ids, bodies, paging ---


def request_body(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, Mapping):
        raise invalid("body", "an object", body)
    check_json(body, "body")
    try:
        size = len(dumps(body).encode("utf-8"))
    except (TypeError, ValueError, RecursionError):
        raise validation("body failed validation: body is not valid JSON.") from None
    if size > MAX_REQUEST_BYTES:
        raise validation(
            f"body failed validation: the request body is {size} bytes; "
            f"the limit is {MAX_REQUEST_BYTES} bytes."
        )
    return dict(body)


def path_id(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name, UNDEFINED)
    if value is UNDEFINED or value is None:
        raise validation(
            f"path failed validation: path.{name} should be defined, instead was `undefined`."
        )
    check_json(value, f"path.{name}")
    if not isinstance(value, str):
        raise validation(
            f"path failed validation: path.{name} should be a valid uuid, "
            f"instead was `{describe(value)}`."
        )
    try:
        return normalize_id(value)
    except ValueError:
        raise validation(
            f"path failed validation: path.{name} should be a valid uuid, "
            f"instead was `{describe(value)}`."
        ) from None


def path_text(params: Mapping[str, Any], name: str) -> str:
    """A path parameter that is a free string (a property id or name), as given."""
    value = params.get(name, UNDEFINED)
    if value is UNDEFINED or value is None or value == "":
        raise validation(
            f"path failed validation: path.{name} should be defined, instead was `undefined`."
        )
    check_json(value, f"path.{name}")
    if not isinstance(value, str):
        raise validation(
            f"path failed validation: path.{name} should be a string, "
            f"instead was `{describe(value)}`."
        )
    return value


def id_value(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise invalid(path, "a valid uuid", value)
    try:
        return normalize_id(value)
    except ValueError:
        raise invalid(path, "a valid uuid", value) from None


def paging(source: Mapping[str, Any], where: str) -> tuple[int, int]:
    """(offset, page size) from start_cursor and page_size (ints or numeric strings)."""
    size_raw = source.get("page_size")
    size = 100
    if size_raw is not None:
        if isinstance(size_raw, str) and re.fullmatch(r"-?[0-9]{1,20}", size_raw.strip()):
            size_raw = int(size_raw)
        if isinstance(size_raw, bool) or not isinstance(size_raw, int):
            raise invalid(f"{where}.page_size", "a number", size_raw)
        if size_raw > 100:
            raise invalid(f"{where}.page_size", "≤ `100`", size_raw)
        if size_raw < 1:
            raise invalid(f"{where}.page_size", "≥ `1`", size_raw)
        size = size_raw
    cursor = source.get("start_cursor")
    if cursor is None or cursor == "":
        return 0, size
    if not isinstance(cursor, str):
        raise invalid(f"{where}.start_cursor", "a string", cursor)
    try:
        return decode_cursor(cursor), size
    except ValueError:
        raise validation(f"The start_cursor provided is invalid: {cursor}") from None


def rich_text(value: Any, path: str, lookup: Lookup) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise invalid(path, "an array", value)
    if len(value) > MAX_ARRAY:
        raise invalid(f"{path}.length", f"≤ `{MAX_ARRAY}`", len(value))
    return [_rich_text_item(item, f"{path}[{i}]", lookup) for i, item in enumerate(value)]


def _rich_text_item(item: Any, path: str, lookup: Lookup) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise invalid(path, "an object", item)
    kind = item.get("type") or next((k for k in ("text", "mention", "equation") if k in item), None)
    if kind not in ("text", "mention", "equation"):
        raise invalid(f"{path}.text", "defined", UNDEFINED)
    annotations = item.get("annotations")
    if annotations is not None:
        if not isinstance(annotations, Mapping):
            raise invalid(f"{path}.annotations", "an object", annotations)
        for name in ("bold", "italic", "strikethrough", "underline", "code"):
            if name in annotations and not isinstance(annotations[name], bool):
                raise invalid(f"{path}.annotations.{name}", "a boolean", annotations[name])
        if "color" in annotations and annotations["color"] not in COLORS:
            raise invalid(f"{path}.annotations.color", "a valid color", annotations["color"])
    if kind == "text":
        text = item.get("text")
        if not isinstance(text, Mapping):
            raise invalid(f"{path}.text", "an object", text)
        content = text.get("content", UNDEFINED)
        if not isinstance(content, str):
            raise invalid(f"{path}.text.content", "a string", content)
        length = utf16_len(content)
        if length > MAX_TEXT_UTF16:
            raise invalid(f"{path}.text.content.length", f"≤ `{MAX_TEXT_UTF16}`", length)
        link = text.get("link")
        if link is not None and (
            not isinstance(link, Mapping) or not isinstance(link.get("url"), str)
        ):
            raise invalid(f"{path}.text.link", "an object with a url, or `null`", link)
        return fill(item)
    if kind == "equation":
        equation = item.get("equation")
        if not isinstance(equation, Mapping) or not isinstance(equation.get("expression"), str):
            raise invalid(f"{path}.equation.expression", "a string", equation)
        return fill(item)
    mention = item.get("mention")
    if not isinstance(mention, Mapping) or mention.get("type") not in (
        "user",
        "page",
        "database",
        "date",
    ):
        raise invalid(f"{path}.mention", "a user, page, database or date mention", mention)
    filled = fill(item)
    filled["plain_text"], filled["href"] = _mention_text(mention, lookup)
    return filled


def _mention_text(mention: Mapping[str, Any], lookup: Lookup) -> tuple[str, str | None]:
    kind = str(mention["type"])
    target = mention.get(kind)
    if kind == "date":
        start = target.get("start") if isinstance(target, Mapping) else None
        return str(start or ""), None
    target_id = target.get("id") if isinstance(target, Mapping) else None
    if not isinstance(target_id, str):
        raise invalid(f"mention.{kind}.id", "a valid uuid", target_id)
    if kind == "user":
        return "@" + str(lookup.user_json(target_id).get("name") or "Unknown user"), None
    found = lookup.obj(target_id)
    title = found.title if found else "Untitled"
    return title, page_url(title, target_id) if found else None


def icon(value: Any, path: str, *, allow_emoji: bool = True) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise invalid(path, "an object or `null`", value)
    kind = value.get("type") or ("emoji" if "emoji" in value else "external")
    if kind == "emoji" and allow_emoji:
        emoji = value.get("emoji")
        if not isinstance(emoji, str) or not emoji or len(emoji) > 16:
            raise invalid(f"{path}.emoji", "an emoji", emoji)
        return {"type": "emoji", "emoji": emoji}
    if kind == "external":
        external = value.get("external")
        url = external.get("url") if isinstance(external, Mapping) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise invalid(f"{path}.external.url", "a valid URL", url)
        return {"type": "external", "external": {"url": url}}
    raise invalid(f"{path}.type", '`"emoji"` or `"external"`', kind)


def parse_children(value: Any, path: str, lookup: Lookup) -> list[NewBlock]:
    """Validate a request's `children` (count, depth, every block's content)."""
    if not isinstance(value, list):
        raise invalid(path, "an array", value)
    if len(value) > MAX_ARRAY:
        raise invalid(f"{path}.length", f"≤ `{MAX_ARRAY}`", len(value))
    total = count_blocks(value)
    if total > MAX_REQUEST_BLOCKS:
        raise validation(
            f"body failed validation: {path} contains {total} blocks in total; "
            f"a request may contain at most {MAX_REQUEST_BLOCKS}."
        )
    return [_parse_block(item, f"{path}[{i}]", 0, lookup) for i, item in enumerate(value)]


def _parse_block(raw: Any, path: str, depth: int, lookup: Lookup) -> NewBlock:
    if not isinstance(raw, Mapping):
        raise invalid(path, "an object", raw)
    kind = raw.get("type")
    if kind is None:
        present = [key for key in raw if key in ALL_BLOCK_TYPES]
        kind = present[0] if len(present) == 1 else UNDEFINED
    if not isinstance(kind, str) or kind not in ALL_BLOCK_TYPES:
        raise invalid(f"{path}.type", "a supported block type", kind)
    if kind in READ_ONLY_BLOCK_TYPES:
        raise validation(
            f"body failed validation: {path}.{kind} cannot be created with the blocks API; "
            "create a page or a database instead."
        )
    body = raw.get(kind, {})
    if not isinstance(body, Mapping):
        raise invalid(f"{path}.{kind}", "an object", body)
    children_raw = body.get("children", raw.get("children"))
    content = {key: value for key, value in body.items() if key != "children"}
    content = block_content(kind, content, f"{path}.{kind}", partial=False, lookup=lookup)
    block = NewBlock(kind, content)
    if children_raw is not None:
        children_path = f"{path}.{kind}.children"
        if kind not in CHILDREN_ALLOWED or depth >= MAX_CHILD_DEPTH:
            raise invalid(children_path, "not present", children_raw)
        if not isinstance(children_raw, list):
            raise invalid(children_path, "an array", children_raw)
        if len(children_raw) > MAX_ARRAY:
            raise invalid(f"{children_path}.length", f"≤ `{MAX_ARRAY}`", len(children_raw))
        block.children = [
            _parse_block(child, f"{children_path}[{i}]", depth + 1, lookup)
            for i, child in enumerate(children_raw)
        ]
    return block


def block_content(
    kind: str, content: Mapping[str, Any], path: str, *, partial: bool, lookup: Lookup
) -> dict[str, Any]:
    """Validate one block type's content; `partial` (updates) leaves out missing fields."""
    out: dict[str, Any] = {}
    if kind in TEXT_BLOCK_TYPES:
        allowed = {"rich_text", "color"}
        if "rich_text" in content:
            out["rich_text"] = rich_text(content["rich_text"], f"{path}.rich_text", lookup)
        elif not partial:
            raise invalid(f"{path}.rich_text", "defined", UNDEFINED)
        if "color" in content:
            if content["color"] not in COLORS:
                raise invalid(f"{path}.color", "a valid color", content["color"])
            out["color"] = content["color"]
        elif not partial:
            out["color"] = "default"
        if kind == "to_do":
            allowed.add("checked")
            _optional(content, out, "checked", bool, False, path, partial, "a boolean")
        if kind.startswith("heading_"):
            allowed.add("is_toggleable")
            _optional(content, out, "is_toggleable", bool, False, path, partial, "a boolean")
        if kind == "code":
            allowed |= {"language", "caption"}
            _optional(content, out, "language", str, "plain text", path, partial, "a string")
            if "caption" in content:
                out["caption"] = rich_text(content["caption"], f"{path}.caption", lookup)
            elif not partial:
                out["caption"] = []
        if kind == "callout":
            allowed.add("icon")
            if "icon" in content:
                out["icon"] = icon(content["icon"], f"{path}.icon")
            elif not partial:
                out["icon"] = dict(DEFAULT_CALLOUT_ICON)
        extra = [key for key in content if key not in allowed]
        if extra:
            raise invalid(f"{path}.{extra[0]}", "not present", content[extra[0]])
        return out
    if kind == "equation":
        expression = content.get("expression", UNDEFINED)
        if expression is UNDEFINED and partial:
            return {}
        if not isinstance(expression, str):
            raise invalid(f"{path}.expression", "a string", expression)
        return {"expression": expression}
    # Other block types (divider, image, bookmark, table...) are kept as sent, once the fields
    # Notion types are of their type.
    _check_other_fields(kind, content, path, lookup)
    return dict(content)


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_FILE_BLOCKS = ("image", "video", "pdf", "file", "audio")
_SIMPLE_FIELDS: dict[str, dict[str, tuple[Any, str]]] = {
    "table": {
        "table_width": (_is_positive_int, "a positive integer"),
        "has_column_header": (lambda v: isinstance(v, bool), "a boolean"),
        "has_row_header": (lambda v: isinstance(v, bool), "a boolean"),
    },
    "bookmark": {"url": (lambda v: isinstance(v, str), "a string")},
    "embed": {"url": (lambda v: isinstance(v, str), "a string")},
    "table_of_contents": {"color": (lambda v: v in COLORS, "a valid color")},
    "column": {"width_ratio": (_is_number, "a number")},
    **{
        kind: {
            "type": (lambda v: v in ("external", "file", "file_upload"), '`"external"`'),
            "name": (lambda v: isinstance(v, str), "a string"),
        }
        for kind in _FILE_BLOCKS
    },
}
"""Typed fields of the blocks kept as sent: block type -> field -> (check, expectation)."""


def _check_other_fields(kind: str, content: Mapping[str, Any], path: str, lookup: Lookup) -> None:
    """A wrong-typed field of a block kept as sent is a 400 naming it, as Notion answers."""
    for name, (check, expectation) in _SIMPLE_FIELDS.get(kind, {}).items():
        if name in content and not check(content[name]):
            raise invalid(f"{path}.{name}", expectation, content[name])
    if "caption" in content and kind in (*_FILE_BLOCKS, "bookmark", "embed"):
        rich_text(content["caption"], f"{path}.caption", lookup)
    if kind in _FILE_BLOCKS and "external" in content:
        external = content["external"]
        if not isinstance(external, Mapping) or not isinstance(external.get("url"), str):
            raise invalid(f"{path}.external", "an object with a url", external)
    if kind == "table_row" and "cells" in content:
        cells = content["cells"]
        if not isinstance(cells, list):
            raise invalid(f"{path}.cells", "an array", cells)
        for i, cell in enumerate(cells):
            rich_text(cell, f"{path}.cells[{i}]", lookup)


def _optional(
    content: Mapping[str, Any],
    out: dict[str, Any],
    name: str,
    kind: type,
    default: Any,
    path: str,
    partial: bool,
    expectation: str,
) -> None:
    if name in content:
        if not isinstance(content[name], kind):
            raise invalid(f"{path}.{name}", expectation, content[name])
        out[name] = content[name]
    elif not partial:
        out[name] = default


def date_input(inner: Any, path: str) -> dict[str, Any] | None:
    if inner is None:
        return None
    if not isinstance(inner, Mapping):
        raise invalid(path, "an object or `null`", inner)
    start = inner.get("start", UNDEFINED)
    if not isinstance(start, str):
        raise invalid(f"{path}.start", "a valid ISO 8601 date string", start)
    end = inner.get("end")
    for key, item in (("start", start), ("end", end)):
        if item is None:
            continue
        if not isinstance(item, str):
            raise invalid(f"{path}.{key}", "a valid ISO 8601 date string", item)
        try:
            parse_date(item)
        except ValueError:
            raise invalid(f"{path}.{key}", "a valid ISO 8601 date string", item) from None
    zone = inner.get("time_zone")
    if zone is not None:
        if not isinstance(zone, str):
            raise invalid(f"{path}.time_zone", "a valid IANA time zone", zone)
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise invalid(f"{path}.time_zone", "a valid IANA time zone", zone) from None
    return {"start": start, "end": end, "time_zone": zone}


def trash_flag(body: Mapping[str, Any]) -> bool | None:
    for key in ("in_trash", "archived"):
        if key in body:
            value = body[key]
            if not isinstance(value, bool):
                raise invalid(f"body.{key}", "a boolean", value)
            return value
    return None


def count_blocks(children: Sequence[Any]) -> int:
    total = 0
    for child in children:
        total += 1
        if isinstance(child, Mapping):
            kind = child.get("type")
            body = child.get(kind) if isinstance(kind, str) else None
            nested = body.get("children") if isinstance(body, Mapping) else None
            nested = nested if nested is not None else child.get("children")
            if isinstance(nested, list):
                total += count_blocks(nested)
    return total
