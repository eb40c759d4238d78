"""Content hashes of page bodies and properties, for conflict detection before a save (pure).

Two reads of an unchanged page give the same hash; any change of content gives another. Left
out: timestamps, the users who edited, `plain_text` and `href` (derived), signed file URLs and
their expiry (they change on every read), and request-only fields. Block ids are included:
a save addresses blocks by id, so a block deleted and re-created is a change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from alloy_tui.notion.richtext import DEFAULT_ANNOTATIONS

_BLOCK_VOLATILE: Final = frozenset(
    {
        "created_time",
        "last_edited_time",
        "created_by",
        "last_edited_by",
        "has_children",
        "parent",
        "request_id",
        "object",
    }
)
_VOLATILE_PROPERTY_TYPES: Final = frozenset(
    {"last_edited_time", "last_edited_by", "created_time", "created_by"}
)


def _rich_item(item: Mapping[str, Any]) -> dict[str, Any]:
    kind = item.get("type") or next(
        (k for k in ("text", "mention", "equation") if k in item), "text"
    )
    out: dict[str, Any] = {
        "type": kind,
        "annotations": {**DEFAULT_ANNOTATIONS, **(item.get("annotations") or {})},
    }
    if kind == "text":
        text = item.get("text") or {}
        link = text.get("link")
        out["content"] = str(text.get("content", ""))
        out["link"] = link.get("url") if isinstance(link, Mapping) else None
    elif kind == "equation":
        out["expression"] = str((item.get("equation") or {}).get("expression", ""))
    else:
        mention = item.get("mention") or {}
        sub = str(mention.get("type", ""))
        target = mention.get(sub)
        out["mention"] = {sub: _stable(target)}
    return out


def _stable(value: Any) -> Any:
    """A JSON value without the parts that change between two reads of the same content."""
    if isinstance(value, Mapping):
        if value.get("type") == "file" and isinstance(value.get("file"), Mapping):
            # Notion-hosted files: the URL is signed per read; the name identifies the file.
            return {"type": "file", "name": value.get("name")}
        if value.get("object") == "user" and "id" in value:
            return {"id": value["id"]}
        return {
            key: _stable(item)
            for key, item in value.items()
            if key not in ("expiry_time", "plain_text", "href")
        }
    if isinstance(value, list):
        if value and all(isinstance(v, Mapping) and "annotations" in v for v in value):
            return [_rich_item(v) for v in value]
        return [_stable(v) for v in value]
    return value


def _block(block: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(block.get("type", ""))
    out: dict[str, Any] = {"id": block.get("id"), "type": kind}
    body = block.get(kind)
    if isinstance(body, Mapping):
        out["content"] = _stable({k: v for k, v in body.items() if k != "children"})
        if isinstance(body.get("rich_text"), list):
            out["content"]["rich_text"] = [_rich_item(i) for i in body["rich_text"]]
    out["in_trash"] = bool(block.get("in_trash") or block.get("archived"))
    children = block.get("children")
    out["children"] = [_block(child) for child in children] if isinstance(children, list) else []
    return out


def _digest(value: Any) -> str:
    data = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def blocks_hash(blocks: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 (hex) of a page body: blocks with nested children, as get_blocks_recursive
    returns them."""
    return _digest([_block(block) for block in blocks])


def properties_hash(page: Mapping[str, Any], names: Iterable[str] | None = None) -> str:
    """SHA-256 (hex) of a page's property values (only `names`, if given), plus its icon and
    trash state; edit timestamps and editors are left out."""
    props = page.get("properties") or {}
    wanted = set(names) if names is not None else None
    values: dict[str, Any] = {}
    for name, prop in props.items():
        if wanted is not None and name not in wanted:
            continue
        if not isinstance(prop, Mapping):
            continue
        kind = str(prop.get("type", ""))
        if wanted is None and kind in _VOLATILE_PROPERTY_TYPES:
            continue
        values[name] = {"type": kind, "value": _stable(prop.get(kind))}
    if wanted is not None:
        missing = sorted(wanted - set(values))
        values["__missing__"] = missing
    else:
        values["__icon__"] = _stable(page.get("icon"))
        values["__trash__"] = bool(page.get("in_trash") or page.get("archived"))
    return _digest(values)
