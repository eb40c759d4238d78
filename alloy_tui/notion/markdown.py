"""Page bodies as Markdown and back: a lossless round trip for the blocks Markdown can hold.

`blocks_to_markdown(blocks)` renders blocks (as `get_blocks_recursive` returns them: children
nested under a "children" key) and `markdown_to_blocks(md)` parses Markdown with markdown-it-py
back into blocks in the same canonical form (`canonical_blocks` gives that form for any input),
so `markdown_to_blocks(blocks_to_markdown(b)) == canonical_blocks(b)`.

The syntax, beyond CommonMark (the page editor's legend shows it):

- Inline: `**bold**`, `*italic*`, `~~strike~~`, `` `code` ``, `[text](url)`, `$x^2$` (an inline
  equation), `<u>underline</u>`, `<span data-color="red">colored</span>` (any Notion color,
  `*_background` included). Where a Markdown marker would not parse back (a bold run that starts
  with a space, for example) the HTML tags `<b>`, `<i>`, `<s>` and `<code>` are used instead.
- Mentions are links: `[@Ada](mention:user/<id>)`, `[Plan](mention:page/<id>)`,
  `[Tasks](mention:database/<id>)`, `[2024-05-01](mention:date/<start>[/<end>])`. The link text
  is what Notion shows; Notion recomputes it.
- A block's color is a trailing ` {color=red}` on its first line (paragraphs, headings, list
  items, to-dos, quotes, callouts, toggles).
- `- [ ] todo`, `- [x] done`; numbered and bulleted lists nest by indentation.
- Containers are quotes that start with a marker in brackets, their children quoted below:
  `> [!callout 💡] text` (the icon is an emoji or an image URL; `[!callout]` has none),
  `> [!toggle] text`, `> [!toggle] ## Heading` (a toggleable heading), `> [!paragraph] text`
  (a paragraph with indented children), `> [!quote]` (an empty quote with children).
- Code blocks: a fence with the Notion language (```` ```python ````; `text` is plain text); an
  info string may carry `{caption="..."}`. Block equations: `$$` lines around the expression.
- `---` is a divider; a line holding only `<br>` is an empty paragraph.
- Child pages and databases are read-only links: `📄 [Title](https://www.notion.so/<id>)` and
  `🗃 [Title](https://www.notion.so/<id>)`.
- Blocks Markdown cannot hold (images, tables, embeds, bookmarks, columns, synced blocks, files...)
  are protected placeholder lines: `⟦image: Request flow · 1c2b3a4d5e6f4a8b9c0d1e2f3a4b5c6d⟧`.
  They parse back to a reference to the same block (never a new one); the text before the id is
  only a description. Removing such a line never deletes the block.

Text is escaped so it comes back exactly: Markdown punctuation gets a backslash, whitespace that
Markdown would drop (at the start or end of a line, blank lines inside a text) becomes a numeric
character reference (`&#32;`, `&#10;`). Text longer than 2000 UTF-16 units is split into several
rich text items on the way to blocks; adjacent items with equal annotations are joined first.
Not kept: annotations inside code blocks, rich text in code captions, mentions other than users,
pages, databases and dates (they become their text), `$` inside inline equations.
"""

from __future__ import annotations

import bisect
import json
import marshal
import re
import string
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from markdown_it import MarkdownIt
from markdown_it.common.entities import entities as _ENTITIES
from markdown_it.common.utils import isPunctChar, isValidEntityCode, isWhiteSpace, mdTrim
from markdown_it.parser_block import RuleFuncBlockType
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from alloy_tui.notion.blocks import TEXT_BLOCK_TYPES
from alloy_tui.notion.ids import compact_id, is_notion_id, normalize_id
from alloy_tui.notion.richtext import (
    COLORS,
    DEFAULT_ANNOTATIONS,
    MAX_TEXT_UTF16,
    plain_text,
    split_utf16,
)

Block = Mapping[str, Any]
Renderer = Callable[[Block, "Context"], list[str]]

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
_STYLE_MARKS: Final = ("bold", "italic", "strikethrough")

# Reserved starts of a paragraph: written as character references when they are text.
_RESERVED_STARTS: Final = ("⟦", "📄", "🗃")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]~<>|$])")
_AMP_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_COLOR_ATTR_TEXT = re.compile(r"\{(?=color=)")
_LINE_START = re.compile(r"^([#>+\-=])|^(\d+)([.)])")
_BLOCK_COLOR = re.compile(r"(?:^| )\{color=([a-z_]+)\}$")
_CONTAINER = re.compile(r"^\[!(?:(callout)(?: ([^\]\s]+))?|(toggle|paragraph|quote))\](?: |$)")
_HEADING_IN_TOGGLE = re.compile(r"^(#{1,3})(?: |$)")
_PLACEHOLDER = re.compile(r"^⟦([a-z0-9_]+)(?:: ([^\n]*?))?(?: · ([0-9a-f]{32}))?⟧$")
_OBJECT_LINK = re.compile(r"^(📄|🗃) \[.*\]\(" + re.escape(NOTION_URL) + r"([0-9a-f]{32})\)$", re.S)
_TASK = re.compile(r"^\[([ xX])\](?: |$)")
_INFO = re.compile(r"^(?P<lang>.*?)\s*(?:\{(?P<attrs>.*)\})?\s*$")
_ATTR = re.compile(r'(color)=([a-z_]+)|(caption)=("(?:[^"\\]|\\.)*")')
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
_HTML_OPEN: Final = {"bold": "<b>", "italic": "<i>", "strikethrough": "<s>"}
_HTML_CLOSE: Final = {"bold": "</b>", "italic": "</i>", "strikethrough": "</s>"}


class Context:
    """Rendering state that spans blocks: the number of a numbered list item."""

    def __init__(self) -> None:
        self.number = 0


# =========================================================================== canonical form


def _annotations(raw: Any) -> dict[str, Any]:
    notes = dict(DEFAULT_ANNOTATIONS)
    if isinstance(raw, Mapping):
        for name in ("bold", "italic", "strikethrough", "underline", "code"):
            notes[name] = bool(raw.get(name, False))
        color = raw.get("color", "default")
        notes["color"] = color if color in _COLOR_SET else "default"
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
        content = str(text.get("content", item.get("plain_text", "")))
        link = text.get("link")
        url = None
        if isinstance(link, Mapping) and link.get("url"):
            url = _absolute(str(link["url"]))
    # Markdown cannot carry CR (it becomes LF) or NUL; Notion does not keep them either.
    content = content.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    if not content:
        return None
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": url} if url else None},
        "annotations": notes,
    }


def _item_key(item: Mapping[str, Any]) -> Any:
    if item["type"] != "text":
        return None
    link = item["text"]["link"]
    return (link["url"] if link else None, tuple(sorted(item["annotations"].items())))


def canonical_rich_text(items: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Rich text joined where adjacent text items share annotations and link, then split at
    Notion's 2000 UTF-16 unit limit: the one form both directions of the round trip produce."""
    joined: list[dict[str, Any]] = []
    for raw in items or []:
        item = canonical_item(raw)
        if item is None:
            continue
        if joined and item["type"] == "text" and _item_key(joined[-1]) == _item_key(item):
            joined[-1]["text"]["content"] += item["text"]["content"]
        else:
            joined.append(item)
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
    return body if isinstance(body, Mapping) else {}


def _children(block: Block) -> list[Block]:
    children = block.get("children")
    if not isinstance(children, list):
        children = _body(block).get("children")
    return list(children) if isinstance(children, list) else []


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
    kind = str(block.get("type", "")) or next(
        (key for key in EDITABLE_TYPES if key in block), "unsupported"
    )
    body = _body({**block, "type": kind})
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
        content = {"rich_text": canonical_rich_text(body.get("rich_text"))}
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
        out["children"] = [canonical_block(child) for child in children]
    return out


def _holds_children(block: Mapping[str, Any]) -> bool:
    kind = block["type"]
    if kind.startswith("heading_"):
        return bool(block[kind]["is_toggleable"])
    return kind in TEXT_TYPES


def canonical_blocks(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Blocks in the canonical form (what a Markdown round trip gives back)."""
    return [canonical_block(block) for block in blocks]


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


def _is_punct(ch: str) -> bool:
    """CommonMark punctuation (markdown-it's isMdAsciiPunct or isPunctChar), ASCII first."""
    return ch in _ESCAPABLE if ch < "\x80" else isPunctChar(ch)


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


# =========================================================================== parsing


def _math_inline(state: StateInline, silent: bool) -> bool:
    """`$expression$`: no whitespace just inside the dollars, closed on the same inline."""
    start = state.pos
    src = state.src
    if src[start] != "$" or start + 1 >= state.posMax:
        return False
    if src[start + 1] == "$" or src[start + 1].isspace():
        return False
    # The first '$' closes (an expression cannot hold one): a trailing backslash stays data.
    end = src.find("$", start + 1, state.posMax)
    if end < 0 or src[end - 1].isspace():
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = src[start + 1 : end]
        token.markup = "$"
    state.pos = end + 1
    return True


def _math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """`$$` on a line of its own, the expression, `$$` on a line of its own."""
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[begin : begin + 1] != "$" or state.is_code_block(start_line):
        return False
    if state.src[begin : state.eMarks[start_line]].rstrip() != "$$":
        return False
    if silent:
        return True
    line = start_line
    closed = False
    while True:
        line += 1
        if line >= end_line:
            break
        begin = state.bMarks[line] + state.tShift[line]
        end = state.eMarks[line]
        if begin < end and state.sCount[line] < state.blkIndent:
            break
        if state.src[begin:end].rstrip() == "$$" and not state.is_code_block(line):
            closed = True
            break
    content = state.getLines(start_line + 1, line, state.sCount[start_line], False)
    state.line = line + (1 if closed else 0)
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = content
    token.map = [start_line, state.line]
    token.markup = "$$"
    return True


def _reference_line(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A placeholder or child page/database line is a block of its own, even with no blank line
    around it: a line typed right under (or above) one must not merge it into a paragraph, which
    would send the placeholder's text to Notion as new content."""
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[begin : begin + 1] not in _REFERENCE_STARTS or state.is_code_block(start_line):
        return False
    line = state.src[begin : state.eMarks[start_line]].rstrip()
    if not (_PLACEHOLDER.match(line) or _OBJECT_LINK.match(line)):
        return False
    if silent:
        return True
    state.line = start_line + 1
    token = state.push("reference_line", "", 0)
    token.block = True
    token.content = line
    token.map = [start_line, state.line]
    return True


_REFERENCE_STARTS: Final = "⟦📄🗃"


def _identity(url: str) -> str:
    return url


def _always(url: str) -> bool:
    return True


_FIRST_CHARS: Final = {
    "fence": "~`",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}
"""Block rules and the characters a line must start with for each to match."""


def _first_char_guard(rule: RuleFuncBlockType, chars: str) -> RuleFuncBlockType:
    def guarded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        begin = state.bMarks[start_line] + state.tShift[start_line]
        # An empty slice (the end of the input) is "in" any string: the rule decides.
        if state.src[begin : begin + 1] not in chars:
            return False
        return rule(state, start_line, end_line, silent)

    return guarded


def _indent_guard(rule: RuleFuncBlockType) -> RuleFuncBlockType:
    def guarded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if state.sCount[start_line] - state.blkIndent < 4:
            return False  # not indented as code (StateBlock.is_code_block)
        return rule(state, start_line, end_line, silent)

    return guarded


def _guard_block_rules(md: MarkdownIt) -> None:
    """Speed: markdown-it tries every block rule at every block start (and most of them on
    every paragraph line, to see whether it ends the paragraph); a failing call costs about a
    microsecond, a tenth of the block parse. Each rule below fails at once unless the line
    starts with one of its characters (or is indented as code), so that test goes first."""
    for rule in list(md.block.ruler.__rules__):
        if rule.name in _FIRST_CHARS:
            guarded = _first_char_guard(rule.fn, _FIRST_CHARS[rule.name])
        elif rule.name == "code":
            guarded = _indent_guard(rule.fn)
        else:
            continue
        md.block.ruler.at(rule.name, guarded, {"alt": list(rule.alt)})


def make_parser() -> MarkdownIt:
    """markdown-it configured for this dialect (CommonMark + strikethrough + math)."""
    return _make_parser(guard_rules=True)


def _make_parser(*, guard_rules: bool) -> MarkdownIt:
    """make_parser; without `guard_rules`, markdown-it's own rule chain (the tests' reference)."""
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 200})
    md.enable("strikethrough")
    md.inline.ruler.before("escape", "math_inline", _math_inline)
    md.block.ruler.before(
        "fence", "math_block", _math_block, {"alt": ["paragraph", "reference", "blockquote"]}
    )
    md.block.ruler.before(
        "paragraph",
        "reference_line",
        _reference_line,
        {"alt": ["paragraph", "reference", "blockquote"]},
    )
    if guard_rules:
        _guard_block_rules(md)
    # Keep URLs exactly as written (no percent-encoding, no scheme filter): they are data.
    md.normalizeLink = _identity  # type: ignore[method-assign]
    md.normalizeLinkText = _identity  # type: ignore[method-assign,assignment]
    md.validateLink = _always  # type: ignore[method-assign]
    # Inline parsing is done per block, most of it without the parser (see _parse_inline).
    md.disable("inline")
    md.disable("text_join")
    return md


_PARSER = make_parser()
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
    if "]:" in md or ("<" in md and _MULTILINE_HTML.search(md)):
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
