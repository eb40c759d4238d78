"""Block types: which carry rich text, which can hold children, which are read-only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alloy_tui.notion.richtext import plain_text

TEXT_BLOCK_TYPES: frozenset[str] = frozenset(
    {
        "paragraph",
        "heading_1",
        "heading_2",
        "heading_3",
        "bulleted_list_item",
        "numbered_list_item",
        "to_do",
        "toggle",
        "quote",
        "callout",
        "code",
    }
)
"""Blocks whose content is `rich_text` (plus `color`, and type extras such as `checked`)."""

CHILDREN_ALLOWED: frozenset[str] = frozenset(
    {
        "paragraph",
        "bulleted_list_item",
        "numbered_list_item",
        "to_do",
        "toggle",
        "quote",
        "callout",
        "heading_1",
        "heading_2",
        "heading_3",
        "synced_block",
        "column_list",
        "column",
        "table",
    }
)

READ_ONLY_BLOCK_TYPES: frozenset[str] = frozenset({"child_page", "child_database", "unsupported"})
"""Blocks that cannot be created or edited through block endpoints."""

OTHER_BLOCK_TYPES: frozenset[str] = frozenset(
    {
        "divider",
        "equation",
        "image",
        "bookmark",
        "embed",
        "table",
        "table_row",
        "column_list",
        "column",
        "synced_block",
        "table_of_contents",
        "breadcrumb",
        "link_to_page",
        "file",
        "pdf",
        "video",
        "audio",
    }
)

ALL_BLOCK_TYPES: frozenset[str] = TEXT_BLOCK_TYPES | READ_ONLY_BLOCK_TYPES | OTHER_BLOCK_TYPES

CODE_LANGUAGES = (
    "plain text",
    "bash",
    "c",
    "c++",
    "css",
    "diff",
    "go",
    "html",
    "java",
    "javascript",
    "json",
    "markdown",
    "python",
    "ruby",
    "rust",
    "shell",
    "sql",
    "toml",
    "typescript",
    "yaml",
)


def block_text(block: Mapping[str, Any]) -> str:
    """The plain text of a block's rich text (or a child page's title), '' for others."""
    kind = str(block.get("type", ""))
    body = block.get(kind) or {}
    if kind in ("child_page", "child_database"):
        return str(body.get("title", ""))
    if kind == "equation":
        return str(body.get("expression", ""))
    return plain_text(body.get("rich_text"))
