"""notion/hashing.py: stable content hashes for conflict detection."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from alloy_tui.notion.hashing import blocks_hash, properties_hash
from alloy_tui.notion.richtext import fill

BLOCKS: list[dict[str, Any]] = [
    {
        "object": "block",
        "id": "1c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
        "type": "paragraph",
        "created_time": "2024-01-01T00:00:00.000Z",
        "last_edited_time": "2024-01-01T00:00:00.000Z",
        "has_children": True,
        "paragraph": {"rich_text": [fill({"text": {"content": "Hello 👋"}})], "color": "default"},
        "children": [
            {
                "id": "2c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
                "type": "to_do",
                "to_do": {"rich_text": [fill({"text": {"content": "x"}})], "checked": False},
            }
        ],
    },
    {
        "id": "3c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
        "type": "image",
        "image": {
            "type": "file",
            "file": {"url": "https://s3/x.png?sig=1", "expiry_time": "2024-01-01T01:00:00Z"},
        },
    },
]

PAGE: dict[str, Any] = {
    "id": "9c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
    "last_edited_time": "2024-01-01T00:00:00.000Z",
    "icon": {"type": "emoji", "emoji": "📄"},
    "properties": {
        "Name": {"id": "title", "type": "title", "title": [fill({"text": {"content": "Plan"}})]},
        "Done": {"id": "a", "type": "checkbox", "checkbox": False},
        "Edited": {"id": "b", "type": "last_edited_time", "last_edited_time": "2024-01-01"},
    },
}


def test_two_reads_of_the_same_content_hash_the_same() -> None:
    again = copy.deepcopy(BLOCKS)
    again[0]["last_edited_time"] = "2024-05-05T00:00:00.000Z"
    again[1]["image"]["file"] = {"url": "https://s3/x.png?sig=2", "expiry_time": "later"}
    again[0]["paragraph"]["rich_text"][0]["plain_text"] = "stale"
    assert blocks_hash(again) == blocks_hash(BLOCKS)
    assert len(blocks_hash(BLOCKS)) == 64


def test_any_content_change_changes_the_hash() -> None:
    base = blocks_hash(BLOCKS)
    changes = []
    mutations: tuple[Callable[[list[dict[str, Any]]], object], ...] = (
        lambda b: b[0]["paragraph"]["rich_text"][0]["text"].update(content="Hello 👋!"),
        lambda b: b[0]["paragraph"]["rich_text"][0]["annotations"].update(bold=True),
        lambda b: b[0]["paragraph"]["rich_text"][0]["text"].update(link={"url": "https://x"}),
        lambda b: b[0]["paragraph"].update(color="red"),
        lambda b: b[0]["children"][0]["to_do"].update(checked=True),
        lambda b: b[0].update(id="4c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"),
        lambda b: b.pop(),
        lambda b: b.reverse(),
    )
    for mutate in mutations:
        changed = copy.deepcopy(BLOCKS)
        mutate(changed)
        changes.append(blocks_hash(changed))
    assert base not in changes
    assert len(set(changes)) == len(changes)


def test_properties_hash_ignores_timestamps_and_sees_values() -> None:
    again = copy.deepcopy(PAGE)
    again["last_edited_time"] = "2025-01-01T00:00:00.000Z"
    again["properties"]["Edited"]["last_edited_time"] = "2025-01-01"
    assert properties_hash(again) == properties_hash(PAGE)
    again["properties"]["Done"]["checkbox"] = True
    assert properties_hash(again) != properties_hash(PAGE)
    # Restricted to names: a change elsewhere does not count.
    assert properties_hash(again, ["Name"]) == properties_hash(PAGE, ["Name"])
    assert properties_hash(again, ["Done"]) != properties_hash(PAGE, ["Done"])
