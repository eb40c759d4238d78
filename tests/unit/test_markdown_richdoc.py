"""The benchmark's rich document (bench/richdoc.py) survives the Markdown round trip exactly."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from alloy_tui.notion import markdown
from alloy_tui.notion.markdown import (
    blocks_to_markdown,
    canonical_blocks,
    markdown_to_blocks,
    markdown_to_blocks_uncached,
)
from bench.richdoc import count_blocks, rich_page


@pytest.fixture(scope="module")
def page() -> list[dict[str, Any]]:
    return rich_page(2000)


def _walk(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [x for block in blocks for x in (block, *_walk(block.get("children") or []))]


def test_the_document_is_rich_and_deterministic(page: list[dict[str, Any]]) -> None:
    assert count_blocks(page) == 2000
    assert rich_page(2000) == page
    kinds = Counter(block["type"] for block in _walk(page))
    for kind in ("paragraph", "heading_1", "heading_2", "heading_3", "bulleted_list_item",
                 "numbered_list_item", "to_do", "quote", "callout", "toggle", "code",
                 "divider", "equation"):  # fmt: skip
        assert kinds[kind] > 0, kind
    items = [
        item for block in _walk(page) for item in (block[block["type"]].get("rich_text") or [])
    ]
    marks = Counter(
        name for item in items for name, on in item["annotations"].items() if on is True
    )
    assert {"bold", "italic", "strikethrough", "underline", "code"} <= set(marks)
    assert any(item["annotations"]["color"].endswith("_background") for item in items)
    assert any(item["type"] == "text" and item["text"]["link"] for item in items)
    mentions = {item["mention"]["type"] for item in items if item["type"] == "mention"}
    assert mentions == {"user", "page", "database", "date"}
    assert any(block.get("children") for block in page if block["type"].endswith("list_item"))
    assert any(block.get("children") for block in page if block["type"] == "quote")


def test_blocks_markdown_blocks_is_lossless(page: list[dict[str, Any]]) -> None:
    md = blocks_to_markdown(page)
    expected = canonical_blocks(page)
    markdown.clear_cache()
    assert markdown_to_blocks(md) == expected  # cold: parsed a group of chunks at a time
    assert markdown_to_blocks(md) == expected  # warm: from the chunk cache
    assert markdown_to_blocks_uncached(md) == expected


def test_markdown_blocks_markdown_is_lossless(page: list[dict[str, Any]]) -> None:
    md = blocks_to_markdown(page)
    assert blocks_to_markdown(markdown_to_blocks(md)) == md
    assert blocks_to_markdown(canonical_blocks(page)) == md
