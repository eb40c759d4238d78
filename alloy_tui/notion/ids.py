"""Notion and Alloy identifiers: normalising UUIDs, recognising ObjectIds, ids in Notion URLs."""

from __future__ import annotations

import re

_HEX32 = re.compile(r"([0-9a-fA-F]{32})")
_DASHED = re.compile(
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
)
_DASHED_LOWER = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def normalize_id(value: str) -> str:
    """Return a Notion id in its dashed, lower-case form; dashless input is accepted.

    Raises ValueError for anything that is not a 32-hex-digit UUID.
    """
    if len(value) == 36 and _DASHED_LOWER.fullmatch(value):
        return value  # already normal: the common case, on every call the client makes
    raw = value.strip().replace("-", "").lower()
    if len(raw) != 32 or not all(c in "0123456789abcdef" for c in raw):
        raise ValueError(f"not a Notion id: {value!r}")
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def is_notion_id(value: str) -> bool:
    try:
        normalize_id(value)
    except ValueError:
        return False
    return True


def compact_id(value: str) -> str:
    """The id without dashes, as it appears at the end of a notion.so URL."""
    return normalize_id(value).replace("-", "")


def id_from_text(text: str) -> str | None:
    """Find a Notion id in a pasted id or notion.so URL (the last one wins, as in Notion's URLs)."""
    text = text.strip()
    dashed = _DASHED.findall(text)
    if dashed:
        return normalize_id(dashed[-1])
    # In a URL the id is the trailing 32 hex digits of the path, before any query string.
    path = text.split("?", 1)[0].split("#", 1)[0]
    found = _HEX32.findall(path)
    if found:
        return normalize_id(found[-1])
    return None


def is_object_id(value: str) -> bool:
    """Alloy user and credential ids are 24-hex-digit ObjectIds."""
    return bool(_OBJECT_ID.match(value))
