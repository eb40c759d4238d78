"""Blocks -> Markdown (this package's dialect, see markdown.py): inline rich text, then blocks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from markdown_it.common.utils import isWhiteSpace

from alloy_tui.notion.ids import compact_id, is_notion_id
from alloy_tui.notion.markdown_canonical import (
    _LIST_TYPES,
    _OBJECT_ICONS,
    _PLAIN_LANGUAGE,
    CHILD_OBJECT_TYPES,
    MENTION_SCHEME,
    NOTION_URL,
    REFERENCE,
    Block,
    _body,
    _children,
    canonical_blocks,
    canonical_rich_text,
)
from alloy_tui.notion.markdown_syntax import _is_punct
from alloy_tui.notion.richtext import (
    plain_text,
)

Renderer = Callable[[Block, "Context"], list[str]]


_STYLE_MARKS: Final = ("bold", "italic", "strikethrough")

# Reserved starts of a paragraph: written as character references when they are text.
_RESERVED_STARTS: Final = ("⟦", "📄", "🗃")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]~<>|$])")
_AMP_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_COLOR_ATTR_TEXT = re.compile(r"\{(?=color=)")
_LINE_START = re.compile(r"^([#>+\-=])|^(\d+)([.)])")
_HTML_OPEN: Final = {"bold": "<b>", "italic": "<i>", "strikethrough": "<s>"}
_HTML_CLOSE: Final = {"bold": "</b>", "italic": "</i>", "strikethrough": "</s>"}


class Context:
    """Rendering state that spans blocks: the number of a numbered list item."""

    def __init__(self) -> None:
        self.number = 0


# =========================================================================== inline rendering


def escape(text: str) -> str:
    """Escape the characters that would start Markdown inline syntax."""
    return _INLINE_SPECIAL.sub(r"\\\1", text)


def _escape_text(text: str) -> str:
    out = _INLINE_SPECIAL.sub(r"\\\1", text)
    if "&" in out:
        out = _AMP_ENTITY.sub(r"\\&", out)
    if "{" in out:
        out = _COLOR_ATTR_TEXT.sub(r"\\{", out)
    return out


def _ref(ch: str) -> str:
    return f"&#{ord(ch)};"


def _encode_lines(
    text: str, *, lead: bool = True, trail: bool = True, single_line: bool = False
) -> str:
    """Escaped text whose line breaks and edge whitespace survive Markdown's paragraph rules.

    `lead` / `trail`: the text starts / ends a line of the block, where Markdown drops spaces.
    """
    if single_line:
        return _encode_line(text, lead, trail).replace("\n", "&#10;")
    lines = text.split("\n")
    out: list[str] = []
    last = len(lines) - 1
    for index, line in enumerate(lines):
        if index:
            # A literal line break only between two non-empty lines; otherwise a reference.
            literal = bool(lines[index - 1]) and bool(line)
            out.append("\n" if literal else "&#10;")
        out.append(_encode_line(line, lead or index > 0, trail or index < last))
    return "".join(out)


def _encode_line(line: str, lead: bool = True, trail: bool = True) -> str:
    if not line:
        return ""
    start = 0
    if lead:
        while start < len(line) and line[start].isspace():
            start += 1
    end = len(line)
    if trail:
        while end > start and line[end - 1].isspace():
            end -= 1
    escaped = _escape_text(line[start:end])
    return "".join(map(_ref, line[:start])) + escaped + "".join(map(_ref, line[end:]))


def _code_span(text: str) -> str | None:
    if "\n" in text:
        return None
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = ""
    edge_tick = text.startswith("`") or text.endswith("`")
    if edge_tick or (text.startswith(" ") and text.endswith(" ") and text.strip(" ")):
        pad = " "
    return f"{fence}{pad}{text}{pad}{fence}"


def _link_destination(url: str) -> str:
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "<" + re.sub(r"([\\<>&])", r"\\\1", url) + ">"
    return re.sub(r"([\\()<>&])", r"\\\1", url)


def _opens(prev: str, nxt: str) -> bool:
    """CommonMark left-flanking for '*' / '~~' runs (both may split words)."""
    if isWhiteSpace(ord(nxt)):
        return False
    return not _is_punct(nxt) or isWhiteSpace(ord(prev)) or _is_punct(prev)


def _closes(prev: str, nxt: str) -> bool:
    if isWhiteSpace(ord(prev)):
        return False
    return not _is_punct(prev) or isWhiteSpace(ord(nxt)) or _is_punct(nxt)


class _Piece:
    """One rich text item being rendered: Markdown emphasis markers or, failing that, HTML."""

    __slots__ = ("closers", "core", "html", "item", "openers", "outer_close", "outer_open")

    def __init__(self, item: Mapping[str, Any], lead: bool, trail: bool) -> None:
        self.item = item
        notes = item["annotations"]
        self.html = False
        self.core = self._core(item, notes, lead, trail)
        self.openers: list[str] = []
        if notes["strikethrough"]:
            self.openers.append("~~")
        emphasis = ("**" if notes["bold"] else "") + ("*" if notes["italic"] else "")
        if emphasis:
            self.openers.append(emphasis)
        self.closers = list(reversed(self.openers))
        outer_open, outer_close = "", ""
        if notes["underline"]:
            outer_open, outer_close = "<u>", "</u>"
        if notes["color"] != "default":
            outer_open = f'<span data-color="{notes["color"]}">' + outer_open
            outer_close = outer_close + "</span>"
        if item["type"] == "text" and item["text"]["link"]:
            # Markers go inside the brackets; underline and color around the link.
            outer_open += "["
            outer_close = "](" + _link_destination(item["text"]["link"]["url"]) + ")" + outer_close
        self.outer_open, self.outer_close = outer_open, outer_close

    @staticmethod
    def _core(item: Mapping[str, Any], notes: Mapping[str, Any], lead: bool, trail: bool) -> str:
        if item["type"] == "equation":
            return "$" + str(item["equation"]["expression"]) + "$"
        if item["type"] == "mention":
            # The whole link is the core, so markers sit outside it like around any text.
            mention = item["mention"]
            kind = mention["type"]
            if kind == "date":
                date = mention["date"]
                target = f"date/{date['start']}" + (f"/{date['end']}" if date.get("end") else "")
            else:
                target = f"{kind}/{compact_id(mention[kind]['id'])}"
            shown = _escape_text(item["plain_text"]).replace("\n", "&#10;")
            return f"[{shown}]({_link_destination(MENTION_SCHEME + target)})"
        content = item["text"]["content"]
        if notes["code"]:
            span = _code_span(content)
            if span is not None:
                return span
            return "<code>" + _encode_lines(content, single_line=True) + "</code>"
        return _encode_lines(content, lead=lead, trail=trail)

    def inner(self) -> str:
        if self.html:
            marks = [m for m in _STYLE_MARKS if self.item["annotations"][m]]
            opening = "".join(_HTML_OPEN[m] for m in marks)
            closing = "".join(_HTML_CLOSE[m] for m in reversed(marks))
            return opening + self.core + closing
        return "".join(self.openers) + self.core + "".join(self.closers)

    def render(self) -> str:
        return self.outer_open + self.inner() + self.outer_close

    def markers_fit(self, prev: str, nxt: str) -> bool:
        """Whether the Markdown markers parse back as this item's emphasis in this context."""
        if not self.openers:
            return True
        if self.outer_open:
            prev = self.outer_open[-1]
        if self.outer_close:
            nxt = self.outer_close[0]
        runs = self.openers
        for index, run in enumerate(runs):
            before = prev if index == 0 else runs[index - 1][-1]
            after = runs[index + 1][0] if index + 1 < len(runs) else self.core[0]
            if not _opens(before, after) or before == run[0]:
                return False
        closers = self.closers
        for index, run in enumerate(closers):
            before = self.core[-1] if index == 0 else closers[index - 1][-1]
            after = closers[index + 1][0] if index + 1 < len(closers) else nxt
            if not _closes(before, after) or after == run[-1]:
                return False
        return True


def _render_items(items: Sequence[Mapping[str, Any]], prev: str = " ", nxt: str = " ") -> str:
    last = len(items) - 1
    pieces = [_Piece(item, i == 0, i == last) for i, item in enumerate(items)]
    # Fall back to HTML tags until every remaining marker pair parses back; each pass only
    # switches pieces to HTML, so this ends after at most len(pieces) passes.
    changed = True
    while changed:
        changed = False
        rendered = [piece.render() for piece in pieces]
        for index, piece in enumerate(pieces):
            if piece.html or not piece.openers:
                continue
            before = rendered[index - 1][-1] if index else prev
            after = rendered[index + 1][0] if index + 1 < len(pieces) else nxt
            if not piece.markers_fit(before, after):
                piece.html = True
                changed = True
                rendered[index] = piece.render()
    return "".join(piece.render() for piece in pieces)


def _escape_line_starts(text: str) -> str:
    """Escape a leading '#', '>', '-', '1.' ... so a paragraph line stays paragraph text."""
    if "\n" not in text:
        return _LINE_START.sub(_line_start_escape, text, count=1)
    return "\n".join(
        _LINE_START.sub(_line_start_escape, line, count=1) for line in text.split("\n")
    )


def _line_start_escape(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)


def rich_text_to_markdown(items: Sequence[Mapping[str, Any]] | None) -> str:
    """Rich text items (request or response form) as inline Markdown."""
    return _render_items(canonical_rich_text(items))


def _inline(items: Sequence[Mapping[str, Any]], color: str = "default") -> str:
    """A block's text as the inline source of its first Markdown paragraph."""
    text = _escape_line_starts(_render_items(items))
    if text.startswith(_RESERVED_STARTS):
        text = _ref(text[0]) + text[1:]
    if "\n" in text and any(start in text for start in _RESERVED_STARTS):
        # A placeholder line is a block of its own wherever it starts a line (not only the
        # paragraph's first): text that looks like one stays text.
        text = "\n".join(
            _ref(line[0]) + line[1:] if line.startswith(_RESERVED_STARTS) else line
            for line in text.split("\n")
        )
    if color != "default":
        text = f"{text} {{color={color}}}" if text else f"{{color={color}}}"
    return text


# =========================================================================== block rendering


def _indent(lines: list[str], prefix: str) -> list[str]:
    return [prefix + line if line else "" for line in lines]


def _quoted(lines: list[str]) -> list[str]:
    return [f"> {line}" if line else ">" for line in lines]


def _text_of(block: Block) -> str:
    body = _body(block)
    return _inline(body.get("rich_text") or [], str(body.get("color", "default")))


def _container(marker: str, head: str, block: Block) -> list[str]:
    first = f"[!{marker}] {head}" if head else f"[!{marker}]"
    lines = first.split("\n")
    children = _children(block)
    if children:
        lines += ["", *blocks_to_lines(children)]
    return _quoted(lines)


def render_paragraph(block: Block, ctx: Context) -> list[str]:
    text = _text_of(block)
    if _children(block):
        return _container("paragraph", text, block)
    if not text:
        return ["<br>"]
    if text.startswith("{color="):
        return [f"<br> {text}"]
    return text.split("\n")


def _heading(level: int) -> Renderer:
    def render(block: Block, ctx: Context) -> list[str]:
        body = _body(block)
        text = _render_items(body.get("rich_text") or []).replace("\n", "&#10;")
        trailing = re.search(r"#+$", text)
        if trailing:
            text = text[: trailing.start()] + "\\" + text[trailing.start() :]
        color = str(body.get("color", "default"))
        if color != "default":
            text = f"{text} {{color={color}}}"
        line = f"{'#' * level} {text}".rstrip()
        if body.get("is_toggleable"):
            return _container("toggle", line, block)
        return [line]

    render.__name__ = f"render_heading_{level}"
    return render


def _list_item(marker: str, block: Block, text: str) -> list[str]:
    children = _children(block)
    pad = " " * len(marker)
    if not text:
        if not children:
            return [marker.rstrip()]
        # An empty first line would make the first child the item's text.
        return [marker + "<br>", "", *_indent(blocks_to_lines(children), pad)]
    lines = text.split("\n")
    out = [marker + lines[0], *(pad + line for line in lines[1:])]
    return out + _nested(children, pad)


def _nested(children: list[Block], pad: str) -> list[str]:
    """A list item's children, indented; a blank line first unless they start a sublist
    (anything else right below the text would continue the item's paragraph)."""
    if not children:
        return []
    lines = _indent(blocks_to_lines(children), pad)
    first = children[0]
    sublist = first.get("type") in _LIST_TYPES and bool(_body(first).get("rich_text"))
    return lines if sublist else ["", *lines]


def render_bulleted_list_item(block: Block, ctx: Context) -> list[str]:
    return _list_item("- ", block, _text_of(block))


def render_numbered_list_item(block: Block, ctx: Context) -> list[str]:
    ctx.number += 1
    return _list_item(f"{ctx.number}. ", block, _text_of(block))


def render_to_do(block: Block, ctx: Context) -> list[str]:
    box = "[x]" if _body(block).get("checked") else "[ ]"
    text = _text_of(block)
    lines = f"{box} {text}".rstrip(" ").split("\n")
    out = ["- " + lines[0], *("  " + line for line in lines[1:])]
    return out + _nested(_children(block), "  ")


def render_quote(block: Block, ctx: Context) -> list[str]:
    text = _text_of(block)
    if not text and _children(block):
        return _container("quote", "", block)
    lines = text.split("\n") if text else []
    children = _children(block)
    if children:
        lines += ["", *blocks_to_lines(children)]
    return _quoted(lines) or [">"]


def render_callout(block: Block, ctx: Context) -> list[str]:
    icon = _body(block).get("icon")
    marker = "callout"
    if isinstance(icon, Mapping):
        if icon.get("type") == "emoji":
            marker = f"callout {icon['emoji']}"
        elif icon.get("type") == "external":
            marker = f"callout {icon['external']['url']}"
    return _container(marker, _text_of(block), block)


def render_toggle(block: Block, ctx: Context) -> list[str]:
    text = _text_of(block)
    if text.startswith("#"):
        text = "\\" + text  # '#' right after the marker would mean a toggleable heading
    return _container("toggle", text, block)


def render_code(block: Block, ctx: Context) -> list[str]:
    body = _body(block)
    code = plain_text(body.get("rich_text"))
    language = str(body.get("language") or _PLAIN_LANGUAGE)
    info = "text" if language == _PLAIN_LANGUAGE else language
    caption = plain_text(body.get("caption"))
    if caption:
        info += " {caption=" + json.dumps(caption, ensure_ascii=False) + "}"
    marker = "~" if "`" in info else "`"
    longest = max((len(run) for run in re.findall(re.escape(marker) + "{3,}", code)), default=2)
    fence = marker * (longest + 1)
    return [f"{fence}{info}", *code.split("\n"), fence]


def render_divider(block: Block, ctx: Context) -> list[str]:
    return ["---"]


def render_equation(block: Block, ctx: Context) -> list[str]:
    return ["$$", *str(_body(block).get("expression", "")).split("\n"), "$$"]


def _object_link(block: Block, icon: str) -> list[str]:
    title = _escape_text(str(_body(block).get("title") or "Untitled").replace("\n", " "))
    block_id = str(block.get("id") or "")
    if is_notion_id(block_id):
        return [f"{icon} [{title}]({NOTION_URL}{compact_id(block_id)})"]
    return [_placeholder(str(block.get("type")), title, None)]


def render_child_page(block: Block, ctx: Context) -> list[str]:
    return _object_link(block, _OBJECT_ICONS["child_page"])


def render_child_database(block: Block, ctx: Context) -> list[str]:
    return _object_link(block, _OBJECT_ICONS["child_database"])


def _placeholder(kind: str, info: str, block_id: str | None) -> str:
    text = f"⟦{kind}: {info}" if info else f"⟦{kind}"
    if block_id:
        text += f" · {compact_id(block_id)}"
    return text + "⟧"


def render_reference(block: Block, ctx: Context) -> list[str]:
    """Any block Markdown cannot hold: a protected placeholder line naming its id."""
    kind = str(block.get("type") or "unsupported")
    info = str(block.get("info") or "")
    ident = block.get("id")
    return [_placeholder(kind, info, ident if isinstance(ident, str) else None)]


BLOCK_RENDERERS: dict[str, Renderer] = {
    "paragraph": render_paragraph,
    "heading_1": _heading(1),
    "heading_2": _heading(2),
    "heading_3": _heading(3),
    "bulleted_list_item": render_bulleted_list_item,
    "numbered_list_item": render_numbered_list_item,
    "to_do": render_to_do,
    "quote": render_quote,
    "callout": render_callout,
    "toggle": render_toggle,
    "code": render_code,
    "divider": render_divider,
    "equation": render_equation,
    "child_page": render_child_page,
    "child_database": render_child_database,
}
"""Block type -> renderer (for canonical blocks); anything else is a placeholder line."""


def render_block(block: Block, ctx: Context | None = None) -> list[str]:
    """One canonical block (with its nested children) as Markdown lines."""
    renderer = BLOCK_RENDERERS.get(str(block.get("type", "")), render_reference)
    if block.get(REFERENCE) and block.get("type") not in CHILD_OBJECT_TYPES:
        renderer = render_reference
    return renderer(block, ctx or Context())


def blocks_to_lines(blocks: Sequence[Block]) -> list[str]:
    """Canonical blocks as Markdown lines: a blank line between blocks, lists kept tight."""
    lines: list[str] = []
    ctx = Context()
    previous: str | None = None
    for block in blocks:
        kind = str(block.get("type", ""))
        if kind != "numbered_list_item":
            ctx.number = 0
        if previous is not None and not (kind in _LIST_TYPES and previous == kind):
            lines.append("")
        lines.extend(render_block(block, ctx))
        previous = kind
    return lines


def blocks_to_markdown(blocks: Sequence[Block]) -> str:
    """A page's blocks as one Markdown document (ends with a newline; '' for no blocks)."""
    lines = blocks_to_lines(canonical_blocks(blocks))
    if not lines:
        return ""
    return "\n".join(lines).rstrip("\n") + "\n"
