"""Inline Markdown -> canonical rich text: the fast tokenizer (markdown_scan) for the syntax the
renderer writes, markdown-it for the rest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from markdown_it.common.utils import mdTrim
from markdown_it.token import Token

from alloy_tui.notion.ids import is_notion_id, normalize_id
from alloy_tui.notion.markdown_canonical import (
    _COLOR_SET,
    MENTION_SCHEME,
    _absolute,
    _plain_items,
    canonical_rich_text,
)
from alloy_tui.notion.markdown_scan import Event, Fallback, scan
from alloy_tui.notion.markdown_syntax import (
    _PARSER,
)
from alloy_tui.notion.richtext import MAX_TEXT_UTF16

_HTML_TAG = re.compile(r'^<(/?)([a-zA-Z]+)(?:\s+data-color="([a-z_]+)")?\s*/?>$')
_TAG_MARKS: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "del": "strikethrough",
    "strike": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "code": "code",
}
_NEEDS_INLINE = re.compile(r"[\\`*_\[\]~<&$\n]")


class _Marks:
    """The annotations in force while walking inline tokens."""

    def __init__(self) -> None:
        self.counts = {"bold": 0, "italic": 0, "strikethrough": 0, "underline": 0, "code": 0}
        self.colors: list[str] = []
        self.links: list[str | None] = []
        self.tags: list[tuple[str, str]] = []  # (tag name, mark) of open HTML tags
        self._notes: dict[str, Any] | None = None  # annotations() until the next change

    def shift(self, mark: str, delta: int) -> None:
        self.counts[mark] += delta
        self._notes = None

    def push_color(self, color: str) -> None:
        self.colors.append(color)
        self._notes = None

    def pop_color(self) -> None:
        self.colors.pop()
        self._notes = None

    def annotations(self) -> dict[str, Any]:
        """The annotations in force (a new dict)."""
        if self._notes is None:
            notes: dict[str, Any] = {name: count > 0 for name, count in self.counts.items()}
            notes["color"] = self.colors[-1] if self.colors else "default"
            self._notes = notes
        return self._notes.copy()

    def link(self) -> str | None:
        return self.links[-1] if self.links else None


class _InlineBuilder:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.marks = _Marks()
        self.mention: tuple[dict[str, Any], dict[str, Any], list[str]] | None = None

    def text(self, content: str, *, code: bool = False) -> None:
        if not content:
            return
        if self.mention is not None:
            self.mention[2].append(content)
            return
        notes = self.marks.annotations()
        if code:
            notes["code"] = True
        url = self.marks.link()
        self.items.append(
            {
                "type": "text",
                "text": {"content": content, "link": {"url": url} if url else None},
                "annotations": notes,
            }
        )

    def walk(self, tokens: Sequence[Token]) -> None:
        for token in tokens:
            kind = token.type
            if kind in ("text", "text_special"):
                self.text(token.content)
            elif kind in ("softbreak", "hardbreak"):
                self.text("\n")
            elif kind == "code_inline":
                self.text(token.content, code=True)
            elif kind == "math_inline":
                self._equation(token.content)
            elif kind in ("strong_open", "strong_close"):
                self.marks.shift("bold", 1 if kind.endswith("open") else -1)
            elif kind in ("em_open", "em_close"):
                self.marks.shift("italic", 1 if kind.endswith("open") else -1)
            elif kind in ("s_open", "s_close"):
                self.marks.shift("strikethrough", 1 if kind.endswith("open") else -1)
            elif kind == "link_open":
                self._link_open(str(token.attrGet("href") or ""))
            elif kind == "link_close":
                self._link_close()
            elif kind == "image":
                self.marks.links.append(str(token.attrGet("src") or "") or None)
                self.walk(token.children or [])
                self.marks.links.pop()
            elif kind == "html_inline":
                self._html(token.content)

    def replay(self, events: Sequence[Event]) -> None:
        """walk() for the fast tokenizer's events (markdown_scan)."""
        shift = self.marks.shift
        for kind, value in events:
            if kind == "text":
                self.text(value)
            elif kind == "open":
                for mark in value:
                    shift(mark, 1)
            elif kind == "close":
                for mark in value:
                    shift(mark, -1)
            elif kind == "code":
                self.text(value, code=True)
            elif kind == "math":
                self._equation(value)
            elif kind == "link_open":
                self._link_open(value)
            elif kind == "link_close":
                self._link_close()
            elif kind == "html":
                self._html(value)

    def _equation(self, expression: str) -> None:
        expression = expression.strip()
        if not expression:
            return
        if self.mention is not None:
            self.mention[2].append(expression)
            return
        self.items.append(
            {
                "type": "equation",
                "equation": {"expression": expression},
                "annotations": self.marks.annotations(),
            }
        )

    def _link_open(self, href: str) -> None:
        target = _mention_from_href(href) if self.mention is None else None
        if target is not None:
            self.mention = (target, self.marks.annotations(), [])
            self.marks.links.append(None)
            return
        self.marks.links.append(href or None)

    def _link_close(self) -> None:
        if self.marks.links:
            self.marks.links.pop()
        if self.mention is not None and not self.marks.links:
            target, notes, parts = self.mention
            self.mention = None
            shown = "".join(parts)
            if shown:
                self.items.append(
                    {
                        "type": "mention",
                        "mention": target,
                        "annotations": notes,
                        "plain_text": shown,
                    }
                )

    def _html(self, raw: str) -> None:
        found = _HTML_TAG.match(raw.strip())
        if raw.startswith("<!--"):
            return
        if found is None:
            self.text(raw)
            return
        closing, name, color = found.group(1) == "/", found.group(2).lower(), found.group(3)
        if name == "br" and not closing:
            self.text("\n")
            return
        mark = _TAG_MARKS.get(name)
        if name == "span" and not closing:
            if color in _COLOR_SET:
                self.marks.push_color(str(color))
                self.marks.tags.append(("span", "color"))
                return
            self.marks.tags.append(("span", ""))
            return
        if name == "span" or mark is not None:
            if not closing:
                assert mark is not None
                self.marks.shift(mark, 1)
                self.marks.tags.append((name, mark))
                return
            for index in range(len(self.marks.tags) - 1, -1, -1):
                if self.marks.tags[index][0] == name:
                    _tag, opened = self.marks.tags.pop(index)
                    if opened == "color":
                        self.marks.pop_color()
                    elif opened:
                        self.marks.shift(opened, -1)
                    return
        self.text(raw)


def _mention_from_href(href: str) -> dict[str, Any] | None:
    if not href.startswith(MENTION_SCHEME):
        return None
    kind, _, rest = href[len(MENTION_SCHEME) :].partition("/")
    if kind in ("user", "page", "database") and is_notion_id(rest):
        return {"type": kind, kind: {"id": normalize_id(rest)}}
    if kind == "date" and rest:
        start, _, end = rest.partition("/")
        return {"type": "date", "date": {"start": start, "end": end or None}}
    return None


def _parse_inline(source: str) -> list[dict[str, Any]]:
    """Inline Markdown source -> canonical rich text."""
    source = mdTrim(source)
    if not _NEEDS_INLINE.search(source):
        # Plain text: the inline parser would give it back unchanged, so skip it (speed).
        return _plain_items(source)
    fast = _fast_inline(source)
    return fast if fast is not None else _slow_inline(source)


def _slow_inline(source: str) -> list[dict[str, Any]]:
    tokens: list[Token] = []
    _PARSER.inline.parse(source, _PARSER, {}, tokens)
    builder = _InlineBuilder()
    builder.walk(tokens)
    return canonical_rich_text(builder.items)


def _fast_inline(source: str) -> list[dict[str, Any]] | None:
    """Canonical rich text for inline source, from the fast tokenizer (markdown_scan) exactly as
    the parser gives it; None when the source needs the parser."""
    if "\r" in source or "\x00" in source:
        return None  # canonical_item rewrites those item by item
    try:
        events = scan(source)
    except Fallback:
        return None
    builder = _InlineBuilder()
    builder.replay(events)
    return _finish(builder.items)


def _finish(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """canonical_rich_text for the builder's items from the fast tokenizer, which are already
    canonical one by one (no CR or NUL, stripped equations, normalised mentions) except for
    links to Notion written as "/<id>": fix those, join, and split what is too long."""
    out: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None  # the last item, when it is text
    long_text = False
    for item in items:
        if item["type"] != "text":
            out.append(item)
            previous = None
            continue
        text = item["text"]
        link = text["link"]
        if link is not None and link["url"].startswith("/"):
            text["link"] = link = {"url": _absolute(link["url"])}
        if (
            previous is not None
            and previous["text"]["link"] == link
            and previous["annotations"] == item["annotations"]
        ):
            previous["text"]["content"] += text["content"]
        else:
            out.append(item)
            previous = item
        long_text = long_text or len(previous["text"]["content"]) > MAX_TEXT_UTF16 // 2
    return canonical_rich_text(out) if long_text else out
