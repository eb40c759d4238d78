"""Inline Markdown -> canonical rich text: a fast path for plain prose, markdown-it for the rest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from markdown_it.common.entities import entities as _ENTITIES
from markdown_it.common.utils import isValidEntityCode, isWhiteSpace, mdTrim
from markdown_it.token import Token

from alloy_tui.notion.ids import is_notion_id, normalize_id
from alloy_tui.notion.markdown_canonical import (
    _COLOR_SET,
    _ESCAPABLE,
    MENTION_SCHEME,
    _plain_items,
    canonical_rich_text,
)
from alloy_tui.notion.markdown_syntax import (
    _PARSER,
    _is_punct,
)
from alloy_tui.notion.richtext import (
    DEFAULT_ANNOTATIONS,
    MAX_TEXT_UTF16,
)

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

    def annotations(self) -> dict[str, Any]:
        notes: dict[str, Any] = {name: count > 0 for name, count in self.counts.items()}
        notes["color"] = self.colors[-1] if self.colors else "default"
        return notes

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
                self.marks.counts["bold"] += 1 if kind.endswith("open") else -1
            elif kind in ("em_open", "em_close"):
                self.marks.counts["italic"] += 1 if kind.endswith("open") else -1
            elif kind in ("s_open", "s_close"):
                self.marks.counts["strikethrough"] += 1 if kind.endswith("open") else -1
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
                self.marks.colors.append(str(color))
                self.marks.tags.append(("span", "color"))
                return
            self.marks.tags.append(("span", ""))
            return
        if name == "span" or mark is not None:
            if not closing:
                assert mark is not None
                self.marks.counts[mark] += 1
                self.marks.tags.append((name, mark))
                return
            for index in range(len(self.marks.tags) - 1, -1, -1):
                if self.marks.tags[index][0] == name:
                    _tag, opened = self.marks.tags.pop(index)
                    if opened == "color":
                        self.marks.colors.pop()
                    elif opened:
                        self.marks.counts[opened] -= 1
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


# The fast inline path. Speed: most blocks hold only text, escapes, character references, line
# breaks and plain `*` emphasis, and markdown-it's inline parser costs 10-35 us a block, five to
# ten times this. It follows markdown-it's own rules (escape, entity, newline, emphasis) exactly
# for that subset and leaves anything else to the parser: code spans, links, images, HTML,
# equations, `_` and `~` runs (unless escaped), `*` runs not paired the obvious way, and CR or NUL
# (which canonical_item rewrites item by item). tests/unit/test_markdown_fastpath.py holds it to
# the parser.
_FAST_SPECIAL = re.compile(r"[\\&*\n`_\[~<$\r\x00]")
_DIGITAL_ENTITY = re.compile(r"&#((?:x[a-f0-9]{1,6}|[0-9]{1,7}));", re.IGNORECASE)
_NAMED_ENTITY = re.compile(r"&([a-z][a-z0-9]{1,31});", re.IGNORECASE)


def _flanking(before: str, after: str) -> tuple[bool, bool]:
    """(can open, can close) of a `*` run between two characters (StateInline.scanDelims)."""
    before_punct, after_punct = _is_punct(before), _is_punct(after)
    before_space, after_space = isWhiteSpace(ord(before)), isWhiteSpace(ord(after))
    left = not (after_space or (after_punct and not (before_space or before_punct)))
    right = not (before_space or (before_punct and not (after_space or after_punct)))
    return left, right


def _skip_indent(source: str, pos: int) -> int:
    """Past the spaces and tabs that start a continuation line (markdown-it drops them)."""
    end = len(source)
    while pos < end and source[pos] in " \t":
        pos += 1
    return pos


def _entity(source: str, at: int) -> tuple[str, int] | None:
    """The text of the character reference at `at` and where it ends (None: not one)."""
    if source.startswith("&#", at):
        found = _DIGITAL_ENTITY.match(source, at)
        if found is None:
            return None
        digits = found.group(1)
        code = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
        if not isValidEntityCode(code):
            return "\ufffd", found.end()
        # A CR is its own item in the parser's output, and canonical_item makes it a LF.
        return ("\n" if code == 13 else chr(code)), found.end()
    found = _NAMED_ENTITY.match(source, at)
    if found is None or found.group(1) not in _ENTITIES:
        return None
    return _ENTITIES[found.group(1)], found.end()


def _fast_inline(source: str) -> list[dict[str, Any]] | None:
    """Canonical rich text for inline source in the fast path's subset, exactly as the parser
    gives it; None when the source needs the parser."""
    # Text as markdown-it tokenizes it: `pending` is plain text since the last token (a line
    # break drops the spaces that end it). A `*` run is a piece of its own, noted in `runs`.
    pieces: list[str] = []
    runs: list[tuple[int, int, bool, bool]] = []  # (piece index, length, can open, can close)
    pending = ""
    pos, end = 0, len(source)
    while True:
        found = _FAST_SPECIAL.search(source, pos)
        if found is None:
            pending += source[pos:]
            break
        at = found.start()
        pending += source[pos:at]
        char = source[at]
        if char == "&":
            entity = _entity(source, at)
            if entity is None:
                pending += "&"
                pos = at + 1
                continue
            piece, pos = entity
        elif char == "*":
            stop = at + 1
            while stop < end and source[stop] == "*":
                stop += 1
            before = source[at - 1] if at else " "
            after = source[stop] if stop < end else " "
            piece, pos = source[at:stop], stop
            runs.append((len(pieces) + bool(pending), stop - at, *_flanking(before, after)))
        elif char == "\n":
            if pending.endswith(" "):
                pending = pending.rstrip(" ") if pending.endswith("  ") else pending[:-1]
            piece, pos = "\n", _skip_indent(source, at + 1)
        elif char != "\\":
            return None  # a code span, link, HTML, equation, `_` or `~`, CR or NUL
        elif at + 1 == end:  # a backslash ending the text is text
            pending += "\\"
            pos = end
            continue
        else:
            escaped = source[at + 1]
            if escaped == "\n":  # a hard line break
                piece, pos = "\n", _skip_indent(source, at + 2)
            elif escaped in "\r\x00":
                return None
            else:
                piece = escaped if escaped in _ESCAPABLE else "\\" + escaped
                pos = at + 2
        if pending:
            pieces.append(pending)
            pending = ""
        pieces.append(piece)
    if pending:
        pieces.append(pending)
    if not runs:
        return _fast_items([("".join(pieces), False, False)])
    return _emphasis(pieces, runs)


def _emphasis(
    pieces: list[str], runs: list[tuple[int, int, bool, bool]]
) -> list[dict[str, Any]] | None:
    """Text split by its `*` pairs (None: a pairing that needs the parser). Runs that can
    neither open nor close stay text; the others must alternate opener, closer of the same
    length (at most 3: `***` is bold and italic), which markdown-it pairs the obvious way."""
    segments: list[tuple[str, bool, bool]] = []
    opener: tuple[int, int, bool, bool] | None = None
    start = 0
    for run in runs:
        index, length, can_open, can_close = run
        if can_open == can_close:
            if not can_open:
                continue  # neither opens nor closes: stays text
            return None
        if can_open and opener is None:
            segments.append(("".join(pieces[start:index]), False, False))
            opener = run
        elif can_close and opener is not None and opener[1] == length <= 3:
            segments.append(("".join(pieces[opener[0] + 1 : index]), length >= 2, length != 2))
            opener = None
        else:
            return None
        start = index + 1
    if opener is not None:
        return None
    segments.append(("".join(pieces[start:]), False, False))
    return _fast_items(segments)


def _fast_items(segments: list[tuple[str, bool, bool]]) -> list[dict[str, Any]]:
    """Canonical rich text from (text, bold, italic) segments."""
    items: list[dict[str, Any]] = []
    long_text = False
    last: tuple[bool, bool] | None = None
    for content, bold, italic in segments:
        if not content:
            continue
        if last == (bold, italic):  # only empty text between: one item, as the parser gives
            content = items.pop()["text"]["content"] + content
        notes = dict(DEFAULT_ANNOTATIONS)
        notes["bold"], notes["italic"] = bold, italic
        items.append(
            {"type": "text", "text": {"content": content, "link": None}, "annotations": notes}
        )
        last = (bold, italic)
        long_text = long_text or len(content) > MAX_TEXT_UTF16 // 2
    # No CR or NUL is left (_fast_inline, _entity): canonical_rich_text would only split.
    return canonical_rich_text(items) if long_text else items
