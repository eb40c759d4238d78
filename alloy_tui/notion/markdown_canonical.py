"""The canonical form of blocks and rich text: what both directions of the Markdown round trip
produce (see markdown.py for the dialect)."""

from __future__ import annotations

import operator
import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from alloy_tui.notion.blocks import TEXT_BLOCK_TYPES
from alloy_tui.notion.ids import is_notion_id, normalize_id
from alloy_tui.notion.richtext import (
    COLORS,
    DEFAULT_ANNOTATIONS,
    MAX_TEXT_UTF16,
    plain_text,
    split_utf16,
)

Block = Mapping[str, Any]

NOTION_URL = "https://www.notion.so/"
"""Links to child pages and databases point here; the page screen opens them in the app."""

REFERENCE: Final = "reference"
"""Key set to True on blocks that stand for an existing block (placeholders, child pages)."""

MENTION_SCHEME: Final = "mention:"
MENTION_TYPES: Final = ("user", "page", "database", "date")

TEXT_TYPES: Final = TEXT_BLOCK_TYPES - {"code"}
"""Blocks whose content is rich text + color (code is handled on its own: no color)."""

EDITABLE_TYPES: Final = TEXT_TYPES | {"code", "divider", "equation"}
"""Blocks the Markdown round trip creates and edits; everything else is a reference."""

CHILD_OBJECT_TYPES: Final = frozenset({"child_page", "child_database"})

_OBJECT_ICONS: Final = {"child_page": "📄", "child_database": "🗃"}
_LIST_TYPES: Final = ("bulleted_list_item", "numbered_list_item", "to_do")
_PLAIN_LANGUAGE: Final = "plain text"
_LANGUAGE_ALIASES: Final = {
    "": _PLAIN_LANGUAGE,
    "text": _PLAIN_LANGUAGE,
    "txt": _PLAIN_LANGUAGE,
    "plain": _PLAIN_LANGUAGE,
    "plaintext": _PLAIN_LANGUAGE,
    "py": "python",
    "js": "javascript",
    "ts": "typescript",
    "sh": "shell",
    "zsh": "shell",
    "yml": "yaml",
    "md": "markdown",
    "rb": "ruby",
    "rs": "rust",
    "cpp": "c++",
    "cs": "c#",
    "golang": "go",
    "kt": "kotlin",
}
"""Fence info strings people type -> Notion's language names."""
_COLOR_SET: Final = frozenset(COLORS)
_ESCAPABLE: Final = frozenset(string.punctuation)
"""CommonMark's ASCII punctuation: what a backslash escapes."""


_NOTES: dict[tuple[Any, ...], dict[str, Any]] = {}
"""Annotations as given (their values, by _NOTE_KEY) -> canonical annotations: a page holds a
handful."""
_NOTE_KEY = operator.itemgetter(*DEFAULT_ANNOTATIONS)


def _annotations(raw: Any) -> dict[str, Any]:
    key = None
    if isinstance(raw, Mapping):
        try:
            key = _NOTE_KEY(raw)
            cached = _NOTES.get(key)
        except (KeyError, TypeError):  # a missing annotation, an unhashable value: not cached
            key = cached = None
        if cached is not None:
            return cached.copy()
    notes = dict(DEFAULT_ANNOTATIONS)
    if isinstance(raw, Mapping):
        for name in ("bold", "italic", "strikethrough", "underline", "code"):
            notes[name] = bool(raw.get(name, False))
        color = raw.get("color", "default")
        notes["color"] = color if color in _COLOR_SET else "default"
    if key is not None and len(_NOTES) < 4096:
        _NOTES[key] = notes.copy()
    return notes


def _absolute(url: str) -> str:
    if url.startswith("/") and is_notion_id(url.strip("/").split("#")[0].split("?")[0]):
        # Notion writes links to its own pages as "/<id>"; make them absolute.
        return NOTION_URL + url.strip("/")
    return url


def _mention_target(mention: Mapping[str, Any]) -> dict[str, Any] | None:
    """The request form of a user, page, database or date mention; None for other kinds."""
    kind = mention.get("type")
    target = mention.get(kind) if isinstance(kind, str) else None
    if not isinstance(target, Mapping):
        return None
    if kind in ("user", "page", "database"):
        ident = target.get("id")
        if isinstance(ident, str) and is_notion_id(ident):
            return {"type": kind, kind: {"id": normalize_id(ident)}}
        return None
    if kind == "date" and isinstance(target.get("start"), str) and target["start"]:
        end = target.get("end")
        return {"type": "date", "date": {"start": target["start"], "end": end or None}}
    return None


def canonical_item(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """One rich text item in the form markdown_to_blocks produces (None: nothing to keep)."""
    kind = item.get("type") or next(
        (k for k in ("text", "mention", "equation") if k in item), "text"
    )
    notes = _annotations(item.get("annotations"))
    if kind == "equation":
        expression = str((item.get("equation") or {}).get("expression", "")).strip()
        if not expression:
            return None
        return {"type": "equation", "equation": {"expression": expression}, "annotations": notes}
    if kind == "mention":
        shown = str(item.get("plain_text", ""))
        target = _mention_target(item.get("mention") or {})
        if target is not None and shown:
            return {
                "type": "mention",
                "mention": target,
                "annotations": notes,
                "plain_text": shown,
            }
        href = item.get("href")
        url = _absolute(str(href)) if isinstance(href, str) and href else None
        content = shown
    else:
        text = item.get("text") or {}
        given = text.get("content")
        content = (
            given if type(given) is str else str(text.get("content", item.get("plain_text", "")))
        )
        link = text.get("link")
        url = None
        if link is not None and isinstance(link, Mapping) and link.get("url"):
            url = _absolute(str(link["url"]))
    if not content:
        return None
    if "\r" in content or "\x00" in content:
        # Markdown cannot carry CR (it becomes LF) or NUL; Notion does not keep them either.
        content = content.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": url} if url else None},
        "annotations": notes,
    }


def canonical_rich_text(items: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Rich text joined where adjacent text items share annotations and link, then split at
    Notion's 2000 UTF-16 unit limit: the one form both directions of the round trip produce."""
    joined: list[dict[str, Any]] = []
    long_text = False
    previous: dict[str, Any] | None = None
    for raw in items or ():
        item = canonical_item(raw)
        if item is None:
            continue
        if item["type"] != "text":
            joined.append(item)
            previous = None
            continue
        text = item["text"]
        if (
            previous is not None
            and previous["link"] == text["link"]
            and joined[-1]["annotations"] == item["annotations"]
        ):
            previous["content"] += text["content"]
        else:
            joined.append(item)
            previous = text
        long_text = long_text or len(previous["content"]) > MAX_TEXT_UTF16 // 2
    if not long_text:
        return joined  # nothing to split: no text reaches the limit
    out: list[dict[str, Any]] = []
    for item in joined:
        if item["type"] != "text":
            out.append(item)
            continue
        content = item["text"]["content"]
        if len(content) <= MAX_TEXT_UTF16 // 2:
            out.append(item)
            continue
        chunks = split_utf16(content)
        if len(chunks) == 1:
            out.append(item)
            continue
        for chunk in chunks:
            out.append(
                {
                    "type": "text",
                    "text": {"content": chunk, "link": item["text"]["link"]},
                    "annotations": dict(item["annotations"]),
                }
            )
    return out


def _plain_items(text: str) -> list[dict[str, Any]]:
    if not text:
        return []
    if len(text) <= MAX_TEXT_UTF16 // 2 and "\r" not in text and "\x00" not in text:
        # Fast path: short enough that no split is possible.
        item = {"type": "text", "text": {"content": text, "link": None}}
        item["annotations"] = dict(DEFAULT_ANNOTATIONS)
        return [item]
    return canonical_rich_text([{"type": "text", "text": {"content": text}}])


def _body(block: Block) -> Mapping[str, Any]:
    body = block.get(str(block.get("type", "")))
    return body if type(body) is dict or isinstance(body, Mapping) else {}


def _children(block: Block) -> list[Block]:
    """A block's children (nested under "children", or inside its body); not a copy."""
    children = block.get("children")
    if type(children) is list:
        return children
    children = _body(block).get("children")
    return children if isinstance(children, list) else []


def _canonical_icon(icon: Any) -> dict[str, Any] | None:
    if not isinstance(icon, Mapping):
        return None
    kind = icon.get("type") or ("emoji" if "emoji" in icon else "external")
    emoji = icon.get("emoji")
    if kind == "emoji" and isinstance(emoji, str) and emoji and _icon_text_ok(emoji):
        return {"type": "emoji", "emoji": emoji}
    if kind == "external":
        url = (icon.get("external") or {}).get("url")
        if isinstance(url, str) and url and _icon_text_ok(url):
            return {"type": "external", "external": {"url": url}}
    # Notion-hosted file icons and custom emoji cannot be written back: not represented.
    return None


def _icon_text_ok(text: str) -> bool:
    """Whether an icon fits in `[!callout ICON]` (no whitespace, no brackets)."""
    return not any(ch.isspace() or ch in "[]" for ch in text)


def _language(raw: Any) -> str:
    language = str(raw or "").strip()
    return _LANGUAGE_ALIASES.get(language.lower(), language) if language else _PLAIN_LANGUAGE


def is_reference(block: Block) -> bool:
    """True for blocks the Markdown only refers to: placeholders, child pages and databases."""
    return bool(block.get(REFERENCE)) or str(block.get("type", "")) not in EDITABLE_TYPES


def canonical_block(block: Block) -> dict[str, Any]:
    """A block (response or request form, children nested) in markdown_to_blocks's form."""
    return _canonical_block(block, canonical_rich_text)


RichText = Callable[[Any], list[Any]]


def _rich_text_as_given(items: Any) -> list[Any]:
    return items if type(items) is list else list(items or ())


def blocks_for_rendering(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """canonical_blocks, but the rich text of text blocks is left as given: the renderer
    brings it to the canonical form as it writes it (one pass instead of two)."""
    return [_canonical_block(block, _rich_text_as_given) for block in blocks]


def _canonical_block(block: Block, rich_text: RichText) -> dict[str, Any]:
    kind = str(block.get("type", "")) or next(
        (key for key in EDITABLE_TYPES if key in block), "unsupported"
    )
    body = block.get(kind)
    if not isinstance(body, Mapping):
        body = {}
    if kind not in EDITABLE_TYPES or block.get(REFERENCE):
        out: dict[str, Any] = {"type": kind, REFERENCE: True}
        ident = block.get("id")
        out["id"] = normalize_id(ident) if isinstance(ident, str) and is_notion_id(ident) else None
        if kind in CHILD_OBJECT_TYPES:
            title = str(body.get("title") or "") or "Untitled"
            out[kind] = {"title": " ".join(title.split("\n"))}
        else:
            out[kind] = {}
            info = _placeholder_info(kind, body, _children(block))
            if info:
                out["info"] = info
        return out
    content: dict[str, Any]
    if kind in TEXT_TYPES:
        content = {"rich_text": rich_text(body.get("rich_text"))}
        color = body.get("color", "default")
        content["color"] = color if color in _COLOR_SET else "default"
        if kind == "to_do":
            content["checked"] = bool(body.get("checked", False))
        elif kind.startswith("heading_"):
            content["is_toggleable"] = bool(body.get("is_toggleable", False))
        elif kind == "callout":
            content["icon"] = _canonical_icon(body.get("icon"))
    elif kind == "code":
        content = {
            "rich_text": _plain_items(plain_text(body.get("rich_text"))),
            "language": _language(body.get("language")),
            "caption": _plain_items(plain_text(body.get("caption")).replace("\n", " ")),
        }
    elif kind == "equation":
        content = {"expression": str(body.get("expression", ""))}
    else:
        content = {}
    out = {"type": kind, kind: content}
    children = _children(block)
    if children and _holds_children(out):
        out["children"] = [_canonical_block(child, rich_text) for child in children]
    return out


def _holds_children(block: Mapping[str, Any]) -> bool:
    kind = block["type"]
    if kind.startswith("heading_"):
        return bool(block[kind]["is_toggleable"])
    return kind in TEXT_TYPES


def canonical_blocks(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Blocks in the canonical form (what a Markdown round trip gives back)."""
    return [canonical_block(block) for block in blocks]


def _file_url(body: Mapping[str, Any]) -> str:
    kind = str(body.get("type") or "external")
    source = body.get(kind)
    url = source.get("url") if isinstance(source, Mapping) else None
    return str(url or body.get("url") or "")


def _placeholder_info(kind: str, body: Mapping[str, Any], children: Sequence[Block]) -> str:
    """A short, one-line description shown in a placeholder line."""
    info = " ".join(_describe(kind, body, children).replace("⟧", "").replace("·", "-").split())
    return info if len(info) <= 80 else info[:79] + "…"


def _describe(kind: str, body: Mapping[str, Any], children: Sequence[Block]) -> str:
    if kind == "table":
        rows = sum(1 for row in children if row.get("type") == "table_row")
        width = int(body.get("table_width") or 0)
        return f"{width} columns, {rows} rows" if width else f"{rows} rows"
    if kind == "column_list":
        return f"{len(children)} columns"
    if kind in ("synced_block", "column"):
        texts = [plain_text(_body(child).get("rich_text")) for child in children]
        return " / ".join(t for t in texts if t)
    if kind == "link_to_page":
        target = body.get(str(body.get("type") or "page_id"))
        return str(target or "")
    caption = plain_text(body.get("caption")) if isinstance(body.get("caption"), list) else ""
    return caption or str(body.get("name") or "") or _file_url(body)
