"""Blocks to Markdown for reading: one renderer per block type, plus rich text to inline Markdown.

The input is what `get_blocks_recursive` returns: block objects with their children nested under
a "children" key. Each block type has its own function in BLOCK_RENDERERS so the reverse
direction (Markdown to blocks, next issue) can mirror it type by type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from alloy_tui.notion.ids import compact_id, is_notion_id
from alloy_tui.notion.richtext import plain_text

Block = Mapping[str, Any]
Renderer = Callable[[Block, "Context"], list[str]]

NOTION_URL = "https://www.notion.so/"
"""Links to child pages and databases point here; the page screen opens them in the app."""

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]~<>|$])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])(?=\s|$)")
_LIST_TYPES = ("bulleted_list_item", "numbered_list_item", "to_do")


class Context:
    """Rendering state that spans blocks: the number of a numbered list item."""

    def __init__(self) -> None:
        self.number = 0


# --------------------------------------------------------------------------- inline


def escape(text: str) -> str:
    """Escape the characters that would start Markdown inline syntax."""
    return _INLINE_SPECIAL.sub(r"\\\1", text)


def _escape_line_starts(text: str) -> str:
    """Escape a leading '#', '>', '-', '1.' ... so a paragraph stays a paragraph."""
    return "\n".join(_LINE_START.sub(r"\1\\\2", line) for line in text.split("\n"))


def _code_span(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _wrap(text: str, marker: str) -> str:
    """Put emphasis markers inside surrounding whitespace ('** a **' is not bold)."""
    stripped = text.strip()
    if not stripped:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{marker}{stripped}{marker}{trail}"


def _item_markdown(item: Mapping[str, Any]) -> str:
    kind = item.get("type", "text")
    notes = {**(item.get("annotations") or {})}
    href = item.get("href")
    if kind == "equation":
        expression = str((item.get("equation") or {}).get("expression", ""))
        return f"${expression}$"
    if kind == "text":
        text_obj = item.get("text") or {}
        content = str(text_obj.get("content", item.get("plain_text", "")))
        link = text_obj.get("link")
        if isinstance(link, Mapping) and link.get("url"):
            href = link["url"]
    elif kind == "mention":
        content = str(item.get("plain_text", ""))
        mention = item.get("mention") or {}
        if mention.get("type") == "user" and not content.startswith("@"):
            content = "@" + content
    else:
        content = str(item.get("plain_text", ""))
    if content == "":
        return ""
    out = _code_span(content) if notes.get("code") else escape(content)
    if notes.get("bold"):
        out = _wrap(out, "**")
    if notes.get("italic"):
        out = _wrap(out, "*")
    if notes.get("strikethrough"):
        out = _wrap(out, "~~")
    if href:
        out = f"[{out}]({_link_target(str(href))})"
    return out


def _link_target(url: str) -> str:
    if url.startswith("/") and is_notion_id(url.strip("/").split("#")[0]):
        # Notion writes links to its own pages as "/<id>"; make them absolute.
        return NOTION_URL + url.strip("/")
    return url.replace(" ", "%20").replace(")", "%29")


def rich_text_to_markdown(items: Sequence[Mapping[str, Any]] | None) -> str:
    """Rich text items (request or response form) as inline Markdown."""
    return "".join(_item_markdown(item) for item in items or [])


# --------------------------------------------------------------------------- blocks


def _body(block: Block) -> Mapping[str, Any]:
    body = block.get(str(block.get("type", "")))
    return body if isinstance(body, Mapping) else {}


def _children(block: Block) -> list[Block]:
    children = block.get("children")
    return list(children) if isinstance(children, list) else []


def _indent(lines: list[str], prefix: str) -> list[str]:
    return [prefix + line if line else "" for line in lines]


def _quoted(lines: list[str]) -> list[str]:
    return [f"> {line}" if line else ">" for line in lines]


def _text(block: Block) -> str:
    return rich_text_to_markdown(_body(block).get("rich_text"))


def render_paragraph(block: Block, ctx: Context) -> list[str]:
    lines = _escape_line_starts(_text(block)).split("\n") if _text(block) else [""]
    children = _children(block)
    if children:
        # Notion indents a paragraph's children; Markdown has no such thing, so quote them.
        lines += ["", *_quoted(blocks_to_lines(children))]
    return lines


def _heading(level: int) -> Renderer:
    def render(block: Block, ctx: Context) -> list[str]:
        text = _text(block).replace("\n", " ")
        lines = [f"{'#' * level} {text}".rstrip()]
        children = _children(block)
        if children:
            lines += ["", *blocks_to_lines(children)]
        return lines

    render.__name__ = f"render_heading_{level}"
    return render


def _list_item(marker: str, block: Block) -> list[str]:
    text = _text(block).split("\n")
    pad = " " * len(marker)
    lines = [marker + text[0], *(pad + line for line in text[1:])]
    children = _children(block)
    if children:
        lines += _indent(blocks_to_lines(children), pad)
    return lines


def render_bulleted_list_item(block: Block, ctx: Context) -> list[str]:
    return _list_item("- ", block)


def render_numbered_list_item(block: Block, ctx: Context) -> list[str]:
    ctx.number += 1
    return _list_item(f"{ctx.number}. ", block)


def render_to_do(block: Block, ctx: Context) -> list[str]:
    box = "[x]" if _body(block).get("checked") else "[ ]"
    return _list_item(f"- {box} ", block)


def render_quote(block: Block, ctx: Context) -> list[str]:
    lines = _text(block).split("\n")
    children = _children(block)
    if children:
        lines += ["", *blocks_to_lines(children)]
    return _quoted(lines)


def render_callout(block: Block, ctx: Context) -> list[str]:
    icon = _body(block).get("icon") or {}
    emoji = str(icon.get("emoji") or "") if isinstance(icon, Mapping) else ""
    lines = _text(block).split("\n")
    if emoji:
        lines[0] = f"{emoji} {lines[0]}"
    children = _children(block)
    if children:
        lines += ["", *blocks_to_lines(children)]
    return _quoted(lines)


def render_toggle(block: Block, ctx: Context) -> list[str]:
    lines = [f"▸ **{_text(block)}**" if _text(block) else "▸"]
    children = _children(block)
    if children:
        lines += ["", *blocks_to_lines(children)]
    return _quoted(lines)


def render_code(block: Block, ctx: Context) -> list[str]:
    body = _body(block)
    code = plain_text(body.get("rich_text"))
    language = str(body.get("language") or "")
    if language == "plain text":
        language = "text"
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
    fence = "`" * (longest + 1)
    lines = [f"{fence}{language.replace(' ', '-')}", *code.split("\n"), fence]
    caption = rich_text_to_markdown(body.get("caption"))
    if caption:
        lines += ["", f"*{caption}*"]
    return lines


def render_divider(block: Block, ctx: Context) -> list[str]:
    return ["---"]


def render_equation(block: Block, ctx: Context) -> list[str]:
    return ["$$", str(_body(block).get("expression", "")), "$$"]


def _object_link(block: Block, icon: str) -> list[str]:
    title = escape(str(_body(block).get("title") or "Untitled"))
    block_id = str(block.get("id", ""))
    target = NOTION_URL + compact_id(block_id) if is_notion_id(block_id) else ""
    return [f"{icon} [{title}]({target})" if target else f"{icon} {title}"]


def render_child_page(block: Block, ctx: Context) -> list[str]:
    return _object_link(block, "📄")


def render_child_database(block: Block, ctx: Context) -> list[str]:
    return _object_link(block, "🗃")


def _file_url(body: Mapping[str, Any]) -> str:
    kind = str(body.get("type") or "external")
    return str((body.get(kind) or {}).get("url") or body.get("url") or "")


def _media(label: str, icon: str) -> Renderer:
    def render(block: Block, ctx: Context) -> list[str]:
        body = _body(block)
        url = _file_url(body)
        caption = rich_text_to_markdown(body.get("caption")) or escape(
            str(body.get("name") or label)
        )
        return [f"{icon} [{caption}]({_link_target(url)})" if url else f"{icon} {caption}"]

    render.__name__ = f"render_{label.lower()}"
    return render


def render_table(block: Block, ctx: Context) -> list[str]:
    body = _body(block)
    rows = [
        [
            rich_text_to_markdown(cell).replace("\n", " ") or " "
            for cell in (_body(row).get("cells") or [])
        ]
        for row in _children(block)
        if row.get("type") == "table_row"
    ]
    if not rows:
        return [_placeholder("table")]
    width = max(int(body.get("table_width") or 0), *(len(r) for r in rows))
    rows = [r + [" "] * (width - len(r)) for r in rows]
    if body.get("has_column_header"):
        header, rest = rows[0], rows[1:]
    else:
        header, rest = [" "] * width, rows
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rest]
    return lines


def render_container(block: Block, ctx: Context) -> list[str]:
    """Columns and synced blocks: their content, in reading order."""
    lines = blocks_to_lines(_children(block))
    return lines or [_placeholder(str(block.get("type", "")))]


def render_link_to_page(block: Block, ctx: Context) -> list[str]:
    body = _body(block)
    kind = str(body.get("type") or "page_id")
    target = str(body.get(kind) or "")
    if is_notion_id(target):
        return [f"↗ [Linked page]({NOTION_URL}{compact_id(target)})"]
    return [_placeholder("link_to_page")]


def _placeholder(kind: str) -> str:
    return f"*[{kind.replace('_', ' ')} block: not shown here; open the page in Notion]*"


def render_unsupported(block: Block, ctx: Context) -> list[str]:
    return [_placeholder(str(block.get("type") or "unsupported"))]


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
    "image": _media("Image", "🖼"),
    "video": _media("Video", "🎞"),
    "file": _media("File", "📎"),
    "pdf": _media("PDF", "📎"),
    "audio": _media("Audio", "🔊"),
    "bookmark": _media("Bookmark", "🔖"),
    "embed": _media("Embed", "🔗"),
    "link_preview": _media("Link", "🔗"),
    "table": render_table,
    "column_list": render_container,
    "column": render_container,
    "synced_block": render_container,
    "link_to_page": render_link_to_page,
}
"""Block type -> renderer; anything else renders as a visible placeholder line."""


def render_block(block: Block, ctx: Context | None = None) -> list[str]:
    """One block (with its nested children) as Markdown lines."""
    renderer = BLOCK_RENDERERS.get(str(block.get("type", "")), render_unsupported)
    return renderer(block, ctx or Context())


def blocks_to_lines(blocks: Sequence[Block]) -> list[str]:
    """Blocks as Markdown lines: a blank line between blocks, tight lists kept tight."""
    lines: list[str] = []
    ctx = Context()
    previous: str | None = None
    for block in blocks:
        kind = str(block.get("type", ""))
        if kind != "numbered_list_item":
            ctx.number = 0
        if previous is not None:
            same_list = kind in _LIST_TYPES and previous == kind
            if not same_list:
                lines.append("")
        lines.extend(render_block(block, ctx))
        previous = kind
    return lines


def blocks_to_markdown(blocks: Sequence[Block]) -> str:
    """A page's blocks as one Markdown document (ends with a newline; '' for no blocks)."""
    lines = blocks_to_lines(blocks)
    if not lines:
        return ""
    return "\n".join(lines).rstrip("\n") + "\n"
