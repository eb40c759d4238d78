"""Markdown -> blocks: the block structure markdown-it finds, and a cache of parsed chunks."""

from __future__ import annotations

import bisect
import json
import marshal
import re
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any, Final

from markdown_it.token import Token

from alloy_tui.notion.ids import normalize_id
from alloy_tui.notion.markdown_canonical import (
    _COLOR_SET,
    _PLAIN_LANGUAGE,
    REFERENCE,
    _language,
    _plain_items,
)
from alloy_tui.notion.markdown_inline import (
    _parse_inline,
    _slow_inline,
)
from alloy_tui.notion.markdown_syntax import (
    _OBJECT_LINK,
    _PARSER,
    _PLACEHOLDER,
)
from alloy_tui.notion.richtext import (
    plain_text,
)

_BLOCK_COLOR = re.compile(r"(?:^| )\{color=([a-z_]+)\}$")
_CONTAINER = re.compile(r"^\[!(?:(callout)(?: ([^\]\s]+))?|(toggle|paragraph|quote))\](?: |$)")
_HEADING_IN_TOGGLE = re.compile(r"^(#{1,3})(?: |$)")
_TASK = re.compile(r"^\[([ xX])\](?: |$)")
_INFO = re.compile(r"^(?P<lang>.*?)\s*(?:\{(?P<attrs>.*)\})?\s*$")
_ATTR = re.compile(r'(color)=([a-z_]+)|(caption)=("(?:[^"\\]|\\.)*")')


def _strip_block_color(source: str) -> tuple[str, str]:
    """Remove a trailing ` {color=x}` from a block's first-line source."""
    if "{color=" not in source:
        return source, "default"
    found = _BLOCK_COLOR.search(source)
    if found is None or found.group(1) not in _COLOR_SET:
        return source, "default"
    return source[: found.start()], found.group(1)


def _text_content(source: str) -> tuple[list[dict[str, Any]], str]:
    source, color = _strip_block_color(source)
    return _parse_inline(source), color


class _Node:
    """A block-level token with the tokens it encloses, as a tree."""

    __slots__ = ("children", "token")

    def __init__(self, token: Token, children: Sequence[_Node] = ()) -> None:
        self.token = token
        self.children = children


def _tree(tokens: Sequence[Token]) -> list[_Node]:
    root: list[_Node] = []
    siblings = root
    outer: list[list[_Node]] = []  # the sibling lists of the open tokens' parents
    for token in tokens:
        nesting = token.nesting
        if nesting == 1:
            inner: list[_Node] = []
            siblings.append(_Node(token, inner))
            outer.append(siblings)
            siblings = inner
        elif nesting == 0:
            siblings.append(_Node(token))  # a leaf shares the empty tuple (fewer objects)
        elif outer:
            siblings = outer.pop()
    return root


def _inline_source(node: _Node) -> str:
    """The raw inline source of a paragraph or heading node."""
    for child in node.children:
        if child.token.type == "inline":
            return child.token.content
    return ""


def _text_block(kind: str, source: str, **extra: Any) -> dict[str, Any]:
    rich, color = _text_content(source)
    return {"type": kind, kind: {"rich_text": rich, "color": color, **extra}}


def _with_children(block: dict[str, Any], children: list[dict[str, Any]]) -> dict[str, Any]:
    if children:
        block["children"] = children
    return block


def _paragraph(node: _Node) -> dict[str, Any]:
    return _paragraph_from_source(_inline_source(node))


def _paragraph_from_source(source: str) -> dict[str, Any]:
    if source.startswith("⟦") and source.endswith("⟧"):
        found = _PLACEHOLDER.match(source)
        if found:
            kind = found.group(1)
            ident = normalize_id(found.group(3)) if found.group(3) else None
            block: dict[str, Any] = {"type": kind, REFERENCE: True, "id": ident, kind: {}}
            if found.group(2):
                block["info"] = found.group(2)
            return block
    if source.startswith(("📄 ", "🗃 ")):
        found = _OBJECT_LINK.match(source)
        if found:
            kind = "child_page" if found.group(1) == "📄" else "child_database"
            title = plain_text(_slow_inline(source[3:].rsplit("](", 1)[0]))
            return {
                "type": kind,
                REFERENCE: True,
                "id": normalize_id(found.group(2)),
                kind: {"title": title},
            }
    if source.startswith("<br>"):
        rest, color = _strip_block_color(source)
        if rest == "<br>":
            return {"type": "paragraph", "paragraph": {"rich_text": [], "color": color}}
    return _text_block("paragraph", source)


def _heading_block(level: int, source: str, toggleable: bool) -> dict[str, Any]:
    kind = f"heading_{min(level, 3)}"
    return _text_block(kind, source, is_toggleable=toggleable)


def _code(node: _Node) -> dict[str, Any]:
    token = node.token
    content = token.content[:-1] if token.content.endswith("\n") else token.content
    language, caption = _PLAIN_LANGUAGE, ""
    if token.type == "fence":
        found = _INFO.match(token.info.strip())
        raw_language = token.info.strip()
        if found and found.group("attrs") is not None:
            raw_language = found.group("lang")
            for attr in _ATTR.finditer(found.group("attrs")):
                if attr.group(3):
                    try:
                        caption = str(json.loads(attr.group(4)))
                    except ValueError:
                        caption = attr.group(4).strip('"')
        language = _language(raw_language)
    return {
        "type": "code",
        "code": {
            "rich_text": _plain_items(content),
            "language": language,
            "caption": _plain_items(caption.replace("\n", " ")),
        },
    }


def _list_items(node: _Node) -> Iterator[dict[str, Any]]:
    ordered = node.token.type == "ordered_list_open"
    for item in node.children:
        if item.token.type != "list_item_open":
            continue
        parts = item.children
        source: str | None = None
        rest = parts
        if parts and parts[0].token.type == "paragraph_open":
            source = _inline_source(parts[0])
            rest = parts[1:]
        elif parts and parts[0].token.type == "html_block":
            raw, _color = _strip_block_color(parts[0].token.content.strip())
            if raw == "<br>":
                source = parts[0].token.content.strip()[4:].lstrip()
                rest = parts[1:]
        children = _blocks(rest)
        if source is None:
            source = ""
        task = None if ordered else _TASK.match(source)
        if task is not None:
            block = _text_block("to_do", source[task.end() :], checked=task.group(1) != " ")
        elif ordered:
            block = _text_block("numbered_list_item", source)
        else:
            block = _text_block("bulleted_list_item", source)
        yield _with_children(block, children)


def _blockquote(node: _Node) -> dict[str, Any]:
    parts = node.children
    if parts and parts[0].token.type == "paragraph_open":
        source = _inline_source(parts[0])
        found = _CONTAINER.match(source)
        if found is not None:
            return _container_block(found, source[found.end() :], parts[1:])
        return _with_children(_text_block("quote", source), _blocks(parts[1:]))
    return _with_children(_text_block("quote", ""), _blocks(parts))


def _container_block(found: re.Match[str], head: str, rest: Sequence[_Node]) -> dict[str, Any]:
    marker, argument = found.group(1) or found.group(3), found.group(2)
    children = _blocks(rest)
    if marker == "callout":
        icon: dict[str, Any] | None = None
        if argument:
            if argument.startswith(("http://", "https://")):
                icon = {"type": "external", "external": {"url": argument}}
            else:
                icon = {"type": "emoji", "emoji": argument}
        return _with_children(_text_block("callout", head, icon=icon), children)
    if marker == "toggle":
        heading = _HEADING_IN_TOGGLE.match(head)
        if heading is not None:
            block = _heading_block(len(heading.group(1)), head[heading.end() :], True)
            return _with_children(block, children)
        return _with_children(_text_block("toggle", head), children)
    if marker == "paragraph":
        return _with_children(_text_block("paragraph", head), children)
    return _with_children(_text_block("quote", head), children)


def _blocks(nodes: Sequence[_Node]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        token = node.token
        kind = token.type
        if kind == "paragraph_open":
            out.append(_paragraph(node))
        elif kind == "heading_open":
            level = int(token.tag[1:])
            out.append(_heading_block(level, _inline_source(node), False))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            out.extend(_list_items(node))
        elif kind == "blockquote_open":
            out.append(_blockquote(node))
        elif kind in ("fence", "code_block"):
            out.append(_code(node))
        elif kind == "hr":
            out.append({"type": "divider", "divider": {}})
        elif kind == "math_block":
            out.append({"type": "equation", "equation": {"expression": token.content}})
        elif kind == "reference_line":
            out.append(_paragraph_from_source(token.content))
        elif kind == "html_block":
            out.extend(_html_block(token.content))
    return out


def _html_block(raw: str) -> list[dict[str, Any]]:
    stripped = raw.strip()
    rest, color = _strip_block_color(stripped)
    if rest == "<br>":
        return [{"type": "paragraph", "paragraph": {"rich_text": [], "color": color}}]
    if stripped.startswith("<!--") and stripped.endswith("-->"):
        return []
    # Other HTML is kept as the text the user typed.
    return [
        {
            "type": "paragraph",
            "paragraph": {"rich_text": _plain_items(stripped), "color": "default"},
        }
    ]


_CHUNK_CACHE: OrderedDict[str, bytes] = OrderedDict()
"""Chunk of Markdown -> its blocks, marshalled: every hit gets fresh objects (the caller may
change them). Blocks are plain JSON-like data, which marshal serialises faster than pickle or
JSON, and loading it never runs code."""
_CHUNK_CACHE_SIZE: Final = 20_000
_CHUNK_GROUP: Final = 48
"""Chunks parsed together on a cold parse. Any grouping gives the same blocks (chunks are
independent, as the cache already relies on); small groups keep few parser tokens alive at
once, so the garbage collector's full passes (up to a fifth of a 2,000-block parse when all
its tokens lived together) stay rare."""
_MULTILINE_HTML = re.compile(r"^ {0,3}<(?:!|\?|script|pre|style|textarea)", re.M | re.I)
_LABEL_END = re.compile(r"(?:^|[^\\])(?:\\\\)*\]:")
"""A `]:` whose bracket is not backslash-escaped: where a link reference definition may end (its
label ends at the first unescaped `]`), so the text escaped `\\[draft\\]:` is not one."""
_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,}|\$\$\s*$)")


def _chunks(md: str) -> Iterator[str]:
    """Split a document where a blank line is followed by an unindented line outside a fence:
    nothing in CommonMark carries across such a boundary, so each chunk parses on its own.

    Every chunk but the last keeps the line break that ends it (`"".join` gives `md` back):
    without it the chunk's last blank line would be lost, and a fence left open in a list item
    would hold one blank line fewer than in the whole document."""
    lines = md.split("\n")
    start = 0
    fence: str | None = None
    for index, line in enumerate(lines):
        if fence is not None:
            if line.lstrip(" ").startswith(fence) and (
                fence == "$$" or not line.strip().lstrip(fence[0])
            ):
                fence = None
            continue
        if index and not lines[index - 1].strip() and line and not line[0].isspace():
            yield "\n".join(lines[start:index]) + "\n"
            start = index
        found = _FENCE_LINE.match(line)
        if found:
            marker = found.group(1)
            fence = "$$" if marker.startswith("$") else marker
            if marker[0] == "`" and "`" in line.strip()[len(marker) :]:
                fence = None  # not a fence: a backtick in the info string
    yield "\n".join(lines[start:])


def markdown_to_blocks(md: str) -> list[dict[str, Any]]:
    """Markdown (this module's dialect) -> canonical blocks, children nested under "children".

    Placeholder and child page lines come back as references (`"reference": True` and the
    block's `"id"`), never as new blocks. Chunks of the document already seen are not parsed
    again (a save after a one-line edit re-parses one chunk).
    """
    md = md.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    if ("]:" in md and _LABEL_END.search(md)) or ("<" in md and _MULTILINE_HTML.search(md)):
        # Link reference definitions and multi-line HTML blocks reach across chunks.
        return _blocks(_tree(_PARSER.parse(md)))
    chunks = list(_chunks(md))
    out: list[dict[str, Any]] = []
    missing = sum(1 for chunk in chunks if chunk not in _CHUNK_CACHE)
    if missing > 4:
        # Mostly new text: parsed a group of chunks at a time, the blocks filed by chunk.
        for first in range(0, len(chunks), _CHUNK_GROUP):
            group = chunks[first : first + _CHUNK_GROUP]
            out.extend(_parse_and_file("".join(group), group))
        return out
    for chunk in chunks:
        cached = _CHUNK_CACHE.get(chunk)
        if cached is None:
            blocks = _blocks(_tree(_PARSER.parse(chunk)))
            _remember(chunk, blocks)
            out.extend(blocks)
        else:
            _CHUNK_CACHE.move_to_end(chunk)
            out.extend(marshal.loads(cached))  # noqa: S302 (bytes this module wrote)
    return out


def clear_cache() -> None:
    """Forget every parsed chunk (the next parse is a cold one)."""
    _CHUNK_CACHE.clear()


def _remember(chunk: str, blocks: list[dict[str, Any]]) -> None:
    _CHUNK_CACHE[chunk] = marshal.dumps(blocks)
    if len(_CHUNK_CACHE) > _CHUNK_CACHE_SIZE:
        _CHUNK_CACHE.popitem(last=False)


def _parse_and_file(md: str, chunks: list[str]) -> list[dict[str, Any]]:
    starts: list[int] = []
    line = 0
    for chunk in chunks:
        starts.append(line)
        line += chunk.count("\n")
    filed: list[list[dict[str, Any]]] = [[] for _ in chunks]
    out: list[dict[str, Any]] = []
    for node in _tree(_PARSER.parse(md)):
        if node.token.type in ("bullet_list_open", "ordered_list_open"):
            # A loose list runs across chunks: file each item where it starts.
            parts = [(item, _Node(node.token)) for item in node.children]
            for item, alone in parts:
                alone.children = [item]
            pieces = [(item.token.map, _blocks([alone])) for item, alone in parts]
        else:
            pieces = [(node.token.map, _blocks([node]))]
        for where, blocks in pieces:
            first = where[0] if where else 0
            filed[bisect.bisect_right(starts, first) - 1].extend(blocks)
            out.extend(blocks)
    for chunk, blocks in zip(chunks, filed, strict=True):
        _remember(chunk, blocks)
    return out


def markdown_to_blocks_uncached(md: str) -> list[dict[str, Any]]:
    """markdown_to_blocks with one parse of the whole document (the reference behaviour)."""
    return _blocks(_tree(_PARSER.parse(md)))
