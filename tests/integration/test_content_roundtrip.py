"""RELIABILITY "content" rows against a real sandbox (which enforces Notion's 2000 UTF-16 limit):
hostile Unicode in titles and bodies comes back byte for byte, long text is split without cutting
a character and rejoined identical."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from alloy_tui.alloy.body_sync import apply_plan
from alloy_tui.alloy.client import make_http
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.notion.bodyplan import plan_body
from alloy_tui.notion.markdown import blocks_to_markdown
from alloy_tui.notion.models import page_title
from alloy_tui.notion.richtext import MAX_TEXT_UTF16, from_plain, plain_text, utf16_len
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from tests.integration.test_client_sandbox import client_for

HOSTILE = [
    "👩‍👩‍👧‍👦 family, 👨🏽‍💻 coder, 🏳️‍🌈 flag, 🇯🇵",
    "日本語のタイトル 中文标题 한국어",
    "مرحبا بالعالم שלום עולם",
    "e\u0301 a\u0308 Zoe\u0308 combining",
    "zero\u200bwidth\u200cjoin\u200dners\u2060and\ufeffBOM \u200e\u200f",
]
LONG = [
    "a" * 1999 + "😀",  # the emoji would straddle unit 2000: the split goes before it
    "x" * 4001,
    "👩‍👩‍👧‍👦" * 300,  # 3300 UTF-16 units, no split point inside a surrogate pair
    "e\u0301" * 2100,
]


@pytest.fixture
async def notion(sandbox_factory: Callable[..., SandboxServer]) -> AsyncIterator[NotionAPI]:
    server = sandbox_factory(rate_limit=False)
    async with make_http() as http:
        yield NotionAPI(client_for(server.base_url, http), SEED_CONNECTION_ID)


def _items(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in blocks:
        body = block.get(str(block.get("type"))) or {}
        found += body.get("rich_text") or []
        found += _items(block.get("children") or [])
    return found


@pytest.mark.parametrize("title", [*HOSTILE, LONG[0], LONG[1]])
async def test_titles_round_trip_byte_for_byte(notion: NotionAPI, title: str) -> None:
    created = await notion.create_page(
        {"type": "workspace", "workspace": True}, {"title": {"title": from_plain(title)}}
    )
    page = await notion.get_page(str(created["id"]))
    assert page_title(page).encode() == title.encode()
    items = page["properties"]["title"]["title"]
    assert all(utf16_len(item["text"]["content"]) <= MAX_TEXT_UTF16 for item in items)
    # Renamed through update_page too.
    renamed = "✏️ " + title
    await notion.update_page(str(created["id"]), {"title": {"title": from_plain(renamed)}})
    assert page_title(await notion.get_page(str(created["id"]))).encode() == renamed.encode()


async def test_bodies_round_trip_byte_for_byte_and_long_text_is_split(notion: NotionAPI) -> None:
    created = await notion.create_page(
        {"type": "workspace", "workspace": True}, {"title": {"title": from_plain("Unicode body")}}
    )
    page_id = str(created["id"])
    texts = HOSTILE + LONG
    markdown = (
        "\n\n".join(
            [
                "# " + HOSTILE[0],
                *HOSTILE,
                "- " + HOSTILE[2] + "\n  - [ ] " + HOSTILE[4],
                "> " + HOSTILE[3],
                *LONG,
            ]
        )
        + "\n"
    )
    plan = plan_body([], markdown)
    await apply_plan(notion, page_id, plan)  # the sandbox refuses any item over the limit

    blocks = await notion.get_blocks_recursive(page_id)
    assert blocks_to_markdown(blocks).encode() == markdown.encode()
    assert plan_body(blocks, markdown).is_empty
    for item in _items(blocks):
        content = item["text"]["content"]
        assert utf16_len(content) <= MAX_TEXT_UTF16
        # No lone surrogate: every item is valid UTF-8 on its own.
        content.encode("utf-8")
    paragraphs = [
        plain_text(b["paragraph"]["rich_text"]) for b in blocks if b["type"] == "paragraph"
    ]
    for text in texts:
        assert text in paragraphs
    first_long = next(
        b for b in blocks if plain_text(b.get("paragraph", {}).get("rich_text")) == LONG[0]
    )
    pieces = [item["text"]["content"] for item in first_long["paragraph"]["rich_text"]]
    assert pieces == ["a" * 1999, "😀"]
    split = next(
        b for b in blocks if plain_text(b.get("paragraph", {}).get("rich_text")) == LONG[1]
    )
    assert [len(item["text"]["content"]) for item in split["paragraph"]["rich_text"]] == [
        2000,
        2000,
        1,
    ]
