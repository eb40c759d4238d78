"""Blocks -> Markdown (this package's dialect, see markdown.py): the lines of each block, nested
blocks indented or quoted; the inline text of each is markdown_richtext's.

The document is written as one list of pieces, each line starting with "\\n" and the prefix of
its nesting (indentation, "> "), so children are written in place instead of being indented
line by line at each level. Blocks are read in the response form where they are in it (the
common case) and brought to the canonical form first otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from alloy_tui.notion.ids import compact_id, is_notion_id
from alloy_tui.notion.markdown_canonical import (
    _LIST_TYPES,
    _OBJECT_ICONS,
    _PLAIN_LANGUAGE,
    CHILD_OBJECT_TYPES,
    NOTION_URL,
    REFERENCE,
    TEXT_TYPES,
    Block,
    _canonical_block,
    _canonical_icon,
    _rich_text_as_given,
)
from alloy_tui.notion.markdown_richtext import (
    Deferred,
    _escape_text,
    _has_text,
    escape,
    rich_text_to_markdown,
)
from alloy_tui.notion.richtext import plain_text

__all__ = ["blocks_to_markdown", "escape", "rich_text_to_markdown"]


class _Doc(Deferred):
    """The Markdown being written (see Deferred), and the number of the numbered list item
    being written."""

    __slots__ = ("number",)

    def __init__(self, defer: bool) -> None:
        super().__init__(defer)
        self.number = 0

    def lines(self, text: str, pre: str, empty: str) -> None:
        """Write text's lines, each after `pre` (`empty` for an empty line)."""
        if "\n" not in text:
            self.out.append(pre + text if text else empty)
        elif pre == empty:
            self.out.append(pre + text.replace("\n", pre))
        else:
            self.out.append("".join([pre + line if line else empty for line in text.split("\n")]))


Writer = Callable[[_Doc, Block, Mapping[str, Any], str, str], None]
"""Writes one block: the document, the block, its body, the prefix of its lines ("\\n" and
its nesting) and what an empty line of it is."""


def _children_of(block: Block, body: Mapping[str, Any]) -> list[Block]:
    """_children_of(block, body), for a block and its body."""
    children = block.get("children")
    if type(children) is list:
        return children
    children = body.get("children")
    return children if isinstance(children, list) else []


def _children_below(doc: _Doc, children: list[Block], pre: str) -> None:
    """A container's children: quoted, after a blank quoted line."""
    doc.out.append(pre + ">")
    write_blocks(doc, children, pre + "> ", pre + ">")


def _container(doc: _Doc, marker: str, block: Block, body: Mapping[str, Any], pre: str) -> None:
    """`> [!marker] text`, the children quoted below."""
    head = f"[!{marker}]"
    text = doc.text(body, f"{pre}> {head} ")
    if text is not None:
        doc.lines(f"{head} {text}" if text else head, pre + "> ", pre + ">")
    children = _children_of(block, body)
    if children:
        _children_below(doc, children, pre)


def write_paragraph(doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str) -> None:
    if _children_of(block, body):
        _container(doc, "paragraph", block, body, pre)
        return
    text = doc.text(body, pre)
    if text is None:
        return
    if not text:
        doc.out.append(pre + "<br>")
    elif text.startswith("{color="):
        doc.out.append(pre + "<br> " + text)
    else:
        doc.lines(text, pre, empty)


def _heading(level: int) -> Writer:
    marker = "#" * level

    def write(doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str) -> None:
        toggle = bool(body.get("is_toggleable", False))
        start = f"{pre}> [!toggle] {marker} " if toggle else f"{pre}{marker} "
        text = doc.text(body, start, heading=True)
        if text is not None:
            line = f"{marker} {text}".rstrip()
            doc.out.append(f"{pre}> [!toggle] {line}" if toggle else pre + line)
        children = _children_of(block, body) if toggle else None
        if children:
            _children_below(doc, children, pre)

    write.__name__ = f"write_heading_{level}"
    return write


def _list_item(
    doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str, marker: str
) -> None:
    children = _children_of(block, body)
    pad = " " * len(marker)
    text = doc.text(body, pre + marker)
    if text is not None:
        if not text:
            if not children:
                doc.out.append(pre + marker.rstrip())
                return
            # An empty first line would make the first child the item's text.
            doc.out += (pre + marker + "<br>", empty)
            write_blocks(doc, children, pre + pad, empty)
            return
        doc.out.append(pre + marker + text.replace("\n", pre + pad))
    if children:
        _nested(doc, children, pre, empty, pad)


def _nested(doc: _Doc, children: list[Block], pre: str, empty: str, pad: str) -> None:
    """A list item's children, indented; a blank line first unless they start a sublist
    (anything else right below the text would continue the item's paragraph)."""
    _, kind, body, _ = _writable(children[0])
    if not (kind in _LIST_TYPES and _has_text(_rich_text_as_given(body.get("rich_text")))):
        doc.out.append(empty)
    write_blocks(doc, children, pre + pad, empty)


def write_bulleted_list_item(
    doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str
) -> None:
    _list_item(doc, block, body, pre, empty, "- ")


def write_numbered_list_item(
    doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str
) -> None:
    _list_item(doc, block, body, pre, empty, f"{doc.number}. ")


def write_to_do(doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str) -> None:
    box = "[x]" if body.get("checked", False) else "[ ]"
    text = doc.text(body, f"{pre}- {box} ")
    if text is not None:
        doc.out.append(pre + "- " + f"{box} {text}".rstrip(" ").replace("\n", pre + "  "))
    children = _children_of(block, body)
    if children:
        _nested(doc, children, pre, empty, "  ")


def write_quote(doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str) -> None:
    children = _children_of(block, body)
    text = doc.text(body, pre + "> ")
    if text == "" and children:
        doc.out.append(pre + "> [!quote]")
    elif text:
        doc.lines(text, pre + "> ", pre + ">")
    elif text is not None and not children:
        doc.out.append(pre + ">")
    if children:
        _children_below(doc, children, pre)


def write_callout(doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str) -> None:
    icon = _canonical_icon(body.get("icon"))
    marker = "callout"
    if icon is not None:
        marker += " " + (icon["emoji"] if icon["type"] == "emoji" else icon["external"]["url"])
    _container(doc, marker, block, body, pre)


def write_toggle(doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str) -> None:
    _container(doc, "toggle", block, body, pre)


_TEXT_WRITERS: Final[dict[str, Writer]] = {
    "paragraph": write_paragraph,
    "heading_1": _heading(1),
    "heading_2": _heading(2),
    "heading_3": _heading(3),
    "bulleted_list_item": write_bulleted_list_item,
    "numbered_list_item": write_numbered_list_item,
    "to_do": write_to_do,
    "quote": write_quote,
    "callout": write_callout,
    "toggle": write_toggle,
}
"""Block type -> writer, for the text blocks in any form."""


# ------------------------------------------------------------------ blocks in the canonical form


def write_code(doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str) -> None:
    code = plain_text(body.get("rich_text"))
    language = str(body.get("language") or _PLAIN_LANGUAGE)
    info = "text" if language == _PLAIN_LANGUAGE else language
    caption = plain_text(body.get("caption"))
    if caption:
        info += " {caption=" + json.dumps(caption, ensure_ascii=False) + "}"
    marker = "~" if "`" in info else "`"
    longest = max((len(run) for run in re.findall(re.escape(marker) + "{3,}", code)), default=2)
    fence = marker * (longest + 1)
    doc.out.append(pre + fence + info)  # one line, even if the language holds a line break
    doc.lines(code, pre, empty)
    doc.out.append(pre + fence)


def write_divider(doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str) -> None:
    doc.out.append(pre + "---")


def write_equation(doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str) -> None:
    doc.lines(f"$$\n{body.get('expression', '')}\n$$", pre, empty)


def write_object_link(
    doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str
) -> None:
    """A child page or database: a link to it (a placeholder without a valid id)."""
    title = _escape_text(str(body.get("title") or "Untitled").replace("\n", " "))
    block_id = str(block.get("id") or "")
    kind = str(block.get("type"))
    if is_notion_id(block_id):
        line = f"{_OBJECT_ICONS[kind]} [{title}]({NOTION_URL}{compact_id(block_id)})"
    else:
        line = _placeholder(kind, title, None)
    doc.out.append(pre + line)


def _placeholder(kind: str, info: str, block_id: str | None) -> str:
    text = f"⟦{kind}: {info}" if info else f"⟦{kind}"
    if block_id:
        text += f" · {compact_id(block_id)}"
    return text + "⟧"


def write_reference(doc: _Doc, block: Block, body: Mapping[str, Any], pre: str, empty: str) -> None:
    """Any block Markdown cannot hold: a protected placeholder line naming its id."""
    kind = str(block.get("type") or "unsupported")
    info = str(block.get("info") or "")
    ident = block.get("id")
    doc.out.append(pre + _placeholder(kind, info, ident if isinstance(ident, str) else None))


_CANONICAL_WRITERS: Final[dict[str, Writer]] = {
    **_TEXT_WRITERS,
    "code": write_code,
    "divider": write_divider,
    "equation": write_equation,
}
"""Block type -> writer, for canonical blocks; references are placeholders or links."""


def _writable(block: Block) -> tuple[Block, str, dict[str, Any], Writer]:
    """A block as it is written, its type, its body and its writer: a text block in the
    response form as it is, anything else in its canonical form."""
    kind = block.get("type")
    body = block.get(kind) if type(kind) is str else None
    if type(body) is dict and kind in TEXT_TYPES and not block.get(REFERENCE):
        return block, kind, body, _TEXT_WRITERS[kind]
    block = _canonical_block(block, _rich_text_as_given)
    kind = block["type"]
    body = block[kind]
    if block.get(REFERENCE):
        return (
            block,
            kind,
            body,
            write_object_link if kind in CHILD_OBJECT_TYPES else write_reference,
        )
    return block, kind, body, _CANONICAL_WRITERS[kind]


def write_blocks(doc: _Doc, blocks: Sequence[Block], pre: str, empty: str) -> None:
    """Blocks (any form) as Markdown lines: a blank line between blocks, lists kept tight."""
    out = doc.out
    previous: str | None = None
    number = 0
    for given in blocks:
        block, kind, body, writer = _writable(given)
        if previous is not None and not (kind == previous and kind in _LIST_TYPES):
            out.append(empty)
        previous = kind
        if kind != "numbered_list_item":
            number = 0
        elif writer is write_numbered_list_item:
            number += 1
            doc.number = number
        writer(doc, block, body, pre, empty)


def blocks_to_markdown(blocks: Sequence[Block]) -> str:
    """A page's blocks as one Markdown document (ends with a newline; '' for no blocks)."""
    doc = _Doc(defer=True)
    write_blocks(doc, blocks, "\n", "\n")
    md = doc.finish()
    if md is None:  # a text to bring to the canonical form: written without deferring
        doc = _Doc(defer=False)
        write_blocks(doc, blocks, "\n", "\n")
        md = "".join(doc.out)
    return md[1:].rstrip("\n") + "\n" if md else ""
