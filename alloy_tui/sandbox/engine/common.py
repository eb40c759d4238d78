"""Time stamps, cursors, urls and the sandbox's fixed ids, shared by the engine and the seed."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from datetime import UTC, datetime

from alloy_tui.notion.ids import compact_id

NAMESPACE = uuid.UUID("5b0d8e4e-6a57-4c1b-9f0e-6c1d2a7e3b10")
"""Namespace for the sandbox's deterministic (uuid5) ids."""
DEFAULT_BOT_ID = str(uuid.uuid5(NAMESPACE, "user:bot:alloy"))
"""The bot user answering get-self when the caller names no bot of its own."""


def exact_time(moment: datetime) -> str:
    """A sortable, exact UTC timestamp (what the store keeps)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def shown_time(exact: str) -> str:
    """The timestamp as Notion shows it: rounded down to the minute."""
    return exact[:16] + ":00.000Z"


def encode_cursor(offset: int, place: str | None = None) -> str:
    """An opaque cursor: the next offset, and for a query answered in SQL the place in its order
    to seek past (`place`, JSON text)."""
    raw = f"o:{offset}" if place is None else f"k:{offset}:{place}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_text(cursor: str) -> tuple[int, str | None]:
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (binascii.Error, UnicodeError):
        raise ValueError(cursor) from None
    place: str | None = None
    if raw.startswith("k:"):
        digits, sep, place = raw[2:].partition(":")
        if not sep:
            raise ValueError(cursor)
    elif raw.startswith("o:"):
        digits = raw[2:]
    else:
        raise ValueError(cursor)
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 15:
        raise ValueError(cursor)
    return int(digits), place


def decode_cursor(cursor: str) -> int:
    """The offset in an opaque cursor. Raises ValueError."""
    return _cursor_text(cursor)[0]


def cursor_place(cursor: str) -> str | None:
    """The place a query's cursor names (JSON text), None for an offset-only or bad cursor."""
    try:
        return _cursor_text(cursor)[1]
    except ValueError:
        return None


def page_url(title: str, object_id: str) -> str:
    """https://www.notion.so/<Title-slug>-<id without dashes>, as Notion builds it."""
    slug = "-".join(re.findall(r"[A-Za-z0-9]+", title))
    return f"https://www.notion.so/{slug + '-' if slug else ''}{compact_id(object_id)}"
