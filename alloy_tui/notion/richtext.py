"""Rich text: UTF-16 lengths and splitting, the full response form, plain text."""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

MAX_TEXT_UTF16 = 2000
"""Notion's limit on one text.content, counted in UTF-16 code units (an emoji counts 2)."""
MAX_ARRAY = 100
"""Notion's limit on the items of any array in a request (rich text, children, options...)."""

COLORS = (
    "default",
    "gray",
    "brown",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "red",
    "gray_background",
    "brown_background",
    "orange_background",
    "yellow_background",
    "green_background",
    "blue_background",
    "purple_background",
    "pink_background",
    "red_background",
)

TEXT_COLORS = COLORS[:10]
"""The colors without a background: what select and multi-select options may use."""

DEFAULT_ANNOTATIONS: dict[str, Any] = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}

_ZWJ = "\u200d"


_SURROGATE = re.compile("[\ud800-\udfff]")


class UnpairedSurrogateError(ValueError):
    """Text holding a surrogate code point (U+D800 to U+DFFF) as a character of its own.

    Such a string is not Unicode text: it cannot be encoded as UTF-8, so it cannot be sent to
    Notion. (A terminal or clipboard that mangles bytes produces them.) `index` is the
    position of the first one in the string.
    """

    def __init__(self, index: int) -> None:
        super().__init__(
            f"the text contains a broken character (an unpaired surrogate) at index {index}"
        )
        self.index = index


def surrogate_index(text: str) -> int | None:
    """The index of the first surrogate code point in text, or None when it is clean text."""
    found = _SURROGATE.search(text)
    return found.start() if found else None


def check_unicode(text: str) -> str:
    """Return text unchanged; raise UnpairedSurrogateError if it holds a surrogate code point.

    Check text the user typed or pasted with this before it goes into a request: a lone
    surrogate passes every length and split helper here (each counts it as one UTF-16 unit)
    but fails later, when the request is encoded.
    """
    index = surrogate_index(text)
    if index is not None:
        raise UnpairedSurrogateError(index)
    return text


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units, as Notion counts it.

    Never raises: a surrogate code point (see check_unicode) counts as the one unit it is.
    """
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _joins_previous(ch: str) -> bool:
    """True for characters that must stay with the one before them."""
    cp = ord(ch)
    return (
        unicodedata.combining(ch) != 0
        or ch == _ZWJ
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= cp <= 0xE007F  # tag characters (flag sequences)
        or 0xE0100 <= cp <= 0xE01EF
    )


def _cuts_pair(text: str, i: int) -> bool:
    """True when text[i - 1:i + 1] is a surrogate pair spelled as two code points (a string
    decoded with surrogatepass): cutting there would leave two lone halves."""
    return "\ud800" <= text[i - 1] <= "\udbff" and "\udc00" <= text[i] <= "\udfff"


def _glued(text: str, i: int) -> bool:
    """True when a chunk should not end just before text[i] (0 < i < len(text))."""
    return _joins_previous(text[i]) or text[i - 1] == _ZWJ or _cuts_pair(text, i)


def split_utf16(text: str, limit: int = MAX_TEXT_UTF16) -> list[str]:
    """Split text into chunks of at most `limit` UTF-16 units without cutting a character.

    A surrogate pair is never cut; where it can, a chunk also does not end inside a grapheme
    (before a combining mark, a variation selector or a ZWJ joined emoji). ''.join() of the
    result is always the input. An empty string gives [""]. Never raises for the text itself:
    a lone surrogate is one unit like any other character (check_unicode rejects it first).
    """
    if limit < 2:
        raise ValueError("limit must be at least 2 UTF-16 units")
    if utf16_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    start = 0
    n = len(text)
    while start < n:
        units = 0
        end = start
        while end < n:
            w = 2 if ord(text[end]) > 0xFFFF else 1
            if units + w > limit:
                break
            units += w
            end += 1
        if end < n:
            # Back off to a grapheme-friendly boundary, but never to an empty chunk.
            back = end
            while back > start + 1 and _glued(text, back):
                back -= 1
            if not _glued(text, back):
                end = back
            elif _cuts_pair(text, end):
                end -= 1  # no clean boundary: cut the grapheme, never the pair (limit >= 2)
        chunks.append(text[start:end])
        start = end
    return chunks


def text_item(
    content: str,
    *,
    link: str | None = None,
    annotations: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One rich text item in request form."""
    item: dict[str, Any] = {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link else None},
    }
    if annotations:
        item["annotations"] = {**DEFAULT_ANNOTATIONS, **annotations}
    return item


def from_plain(text: str, limit: int = MAX_TEXT_UTF16) -> list[dict[str, Any]]:
    """Rich text for a plain string, split at Notion's UTF-16 limit. '' gives []."""
    if text == "":
        return []
    return [text_item(chunk) for chunk in split_utf16(text, limit)]


def plain_text(items: Iterable[Mapping[str, Any]] | None) -> str:
    """The concatenated plain text of rich text items, in request or response form."""
    if not items:
        return ""
    out: list[str] = []
    for item in items:
        if "plain_text" in item and isinstance(item["plain_text"], str):
            out.append(item["plain_text"])
            continue
        kind = item.get("type", "text")
        if kind == "text":
            out.append(str((item.get("text") or {}).get("content", "")))
        elif kind == "equation":
            out.append(str((item.get("equation") or {}).get("expression", "")))
        elif kind == "mention":
            out.append(str(item.get("plain_text", "")))
    return "".join(out)


def fill(item: Mapping[str, Any]) -> dict[str, Any]:
    """A rich text item in Notion's full response form: every field present.

    Accepts the short request forms ({"text": {"content": ...}} without "type", missing
    annotations, link None) and returns a new dict.
    """
    src = copy.deepcopy(dict(item))
    kind = src.get("type") or next((k for k in ("text", "mention", "equation") if k in src), "text")
    annotations = {**DEFAULT_ANNOTATIONS, **(src.get("annotations") or {})}
    out: dict[str, Any] = {"type": kind}
    href: str | None = None
    if kind == "text":
        text = src.get("text") or {}
        link = text.get("link")
        if isinstance(link, Mapping) and link.get("url"):
            href = str(link["url"])
            link = {"url": href}
        else:
            link = None
        content = str(text.get("content", ""))
        out["text"] = {"content": content, "link": link}
        plain = content
    elif kind == "equation":
        expression = str((src.get("equation") or {}).get("expression", ""))
        out["equation"] = {"expression": expression}
        plain = expression
    else:
        out[kind] = src.get(kind) or {}
        plain = str(src.get("plain_text", ""))
        href = src.get("href")
    out["annotations"] = annotations
    out["plain_text"] = plain
    out["href"] = href if href is not None else src.get("href")
    return out
