"""Every seeded page's body survives blocks -> Markdown -> blocks unchanged: opening the editor and
saving without an edit plans nothing, on every page a user can open in the sandbox."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from alloy_tui.alloy.client import make_http
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.notion.bodyplan import plan_body
from alloy_tui.notion.hashing import blocks_hash
from alloy_tui.notion.markdown import blocks_to_markdown, markdown_to_blocks
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from tests.integration.test_client_sandbox import client_for

PLACEHOLDER_INFO = re.compile(r"⟦([a-z0-9_]+): [^\n]*? · ([0-9a-f]{32})⟧", re.MULTILINE)


@pytest.fixture
async def notion(sandbox_factory: Callable[..., SandboxServer]) -> AsyncIterator[NotionAPI]:
    server = sandbox_factory(rate_limit=False)
    async with make_http() as http:
        yield NotionAPI(client_for(server.base_url, http), SEED_CONNECTION_ID)


async def all_pages(notion: NotionAPI) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    async for result in notion.iter_search("", filter_object="page", page_size=100):
        pages.extend(result.results)
    return pages


def _types(blocks: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for block in blocks:
        found.add(str(block.get("type")))
        found |= _types(block.get("children") or [])
    return found


async def test_every_seeded_body_round_trips_to_an_empty_plan(notion: NotionAPI) -> None:
    pages = await all_pages(notion)
    assert len(pages) > 20  # the seed: pages, database rows, generated pages
    with_body = 0
    seen_types: set[str] = set()
    for page in pages:
        blocks = await notion.get_blocks_recursive(str(page["id"]))
        if not blocks:
            continue
        with_body += 1
        seen_types |= _types(blocks)
        markdown = blocks_to_markdown(blocks)
        plan = plan_body(blocks, markdown)
        assert plan.is_empty, (page["id"], plan.summary())
        # Markdown -> blocks -> Markdown is stable too (what the editor shows after a save).
        # A placeholder parses back to a bare reference: its description is not in the text.
        again = blocks_to_markdown(markdown_to_blocks(markdown))
        bare = r"⟦\1 · \2⟧"
        assert PLACEHOLDER_INFO.sub(bare, again) == PLACEHOLDER_INFO.sub(bare, markdown), page["id"]
        # And the body hash the conflict check uses is stable across two reads.
        assert blocks_hash(await notion.get_blocks_recursive(str(page["id"]))) == blocks_hash(
            blocks
        )
    assert with_body > 10
    # The seed exercises the supported block types and at least one placeholder type.
    for kind in (
        "paragraph",
        "heading_1",
        "heading_2",
        "bulleted_list_item",
        "numbered_list_item",
        "to_do",
        "quote",
        "callout",
        "toggle",
        "code",
        "divider",
    ):
        assert kind in seen_types, kind
