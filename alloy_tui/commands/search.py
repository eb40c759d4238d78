"""`alloy-tui search`: titles across the workspace, every page of results (cursors followed)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from alloy_tui.commands.common import EXIT_OK, Context
from alloy_tui.notion.models import object_title


def summary(obj: Mapping[str, Any]) -> dict[str, Any]:
    """One search result as the shell prints it: `{id, object, title, url, last_edited_time,
    parent}` (parent as Notion gives it)."""
    return {
        "id": obj.get("id"),
        "object": obj.get("object"),
        "title": object_title(obj, default=""),
        "url": obj.get("url"),
        "last_edited_time": obj.get("last_edited_time"),
        "parent": obj.get("parent"),
    }


async def run(ns: argparse.Namespace, ctx: Context) -> int:
    notion = ctx.notion()
    limit: int | None = ns.limit
    found: list[dict[str, Any]] = []
    pages = notion.iter_search(
        ns.query, filter_object=ns.kind, page_size=min(100, limit) if limit else 100
    )
    async for page in pages:
        found.extend(summary(obj) for obj in page.results)
        ctx.progress.show(f"Searching: {len(found)} results so far")
        if limit is not None and len(found) >= limit:
            del found[limit:]
            break  # no further page is asked for
    ctx.progress.clear()
    if ns.json:
        ctx.out.json(found)
        return EXIT_OK
    if not found:
        what = f" matching {ns.query!r}" if ns.query else ""
        ctx.out.line(f"Nothing{what} is shared with this connection.")
        return EXIT_OK
    ctx.out.table(
        ("OBJECT", "ID", "LAST EDITED", "TITLE"),
        [
            (
                str(item["object"] or ""),
                str(item["id"] or ""),
                str(item["last_edited_time"] or "")[:16].replace("T", " "),
                item["title"] or "(untitled)",
            )
            for item in found
        ],
    )
    return EXIT_OK


__all__ = ["run", "summary"]
