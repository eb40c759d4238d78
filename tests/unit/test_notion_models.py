"""notion/models.py: titles, icons, parents, schemas and relative times from Notion JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alloy_tui.notion import models
from alloy_tui.notion.richtext import fill

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PAGE_ID = "1c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"


def _title(text: str) -> list[dict[str, object]]:
    return [fill({"text": {"content": text}})]


def test_page_title_reads_the_title_property_whatever_its_name() -> None:
    page = {
        "object": "page",
        "properties": {
            "Estimate": {"id": "a", "type": "number", "number": 3},
            "Task name": {"id": "title", "type": "title", "title": _title("Ship 🚀 v2")},
        },
    }
    assert models.page_title(page) == "Ship 🚀 v2"
    assert models.title_property_name(page) == "Task name"
    assert models.object_title(page) == "Ship 🚀 v2"


def test_empty_titles_fall_back_to_untitled() -> None:
    assert models.page_title({"properties": {"title": {"type": "title", "title": []}}}) == (
        "Untitled"
    )
    assert models.page_title({}, default="") == ""
    assert models.database_title({"object": "database", "title": []}) == "Untitled"
    assert models.object_title({"object": "database", "title": _title("Tasks")}) == "Tasks"


def test_object_icon_is_the_emoji_only() -> None:
    assert models.object_icon({"icon": {"type": "emoji", "emoji": "📚"}}) == "📚"
    assert models.object_icon({"icon": {"type": "external", "external": {"url": "x"}}}) == ""
    assert models.object_icon({"icon": None}) == ""


@pytest.mark.parametrize(
    ("parent", "kind", "pid", "label"),
    [
        ({"type": "workspace", "workspace": True}, "workspace", None, "Workspace"),
        ({"type": "page_id", "page_id": PAGE_ID}, "page_id", PAGE_ID, "Roadmap"),
        ({"database_id": PAGE_ID}, "database_id", PAGE_ID, "Roadmap"),
        ({"type": "block_id", "block_id": "b"}, "block_id", "b", "Block"),
    ],
)
def test_parent_of(parent: dict[str, object], kind: str, pid: str | None, label: str) -> None:
    ref = models.parent_of({"parent": parent})
    assert (ref.kind, ref.id) == (kind, pid)
    assert ref.label({PAGE_ID: "Roadmap"}) == label


def test_parent_to_request_round_trips() -> None:
    ref = models.ParentRef("database_id", PAGE_ID)
    assert ref.to_request() == {"type": "database_id", "database_id": PAGE_ID}
    assert models.parent_from_request(ref.to_request()) == ref
    assert models.parent_from_request(None).is_workspace
    assert models.ParentRef("workspace").to_request() == {"type": "workspace", "workspace": True}


def test_schema_from_database_puts_title_first_and_reads_config() -> None:
    database = {
        "object": "database",
        "properties": {
            "Status": {
                "id": "s1",
                "name": "Status",
                "type": "status",
                "status": {"options": [{"name": "Todo", "color": "red"}, {"name": "Done"}]},
            },
            "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
            "Project": {
                "id": "r1",
                "name": "Project",
                "type": "relation",
                "relation": {"database_id": PAGE_ID},
            },
            "ID": {"id": "u1", "name": "ID", "type": "unique_id", "unique_id": {}},
        },
    }
    schema = models.schema_from_database(database)
    assert [p.name for p in schema] == ["Name", "Status", "Project", "ID"]
    status = models.find_property(schema, "s1")
    assert status is not None
    assert status.options == ("Todo", "Done")
    assert status.option_color("Todo") == "red"
    assert status.option_color("Done") == "default"
    assert status.writable
    project = models.find_property(schema, "Project")
    assert project is not None and project.related_database_id == PAGE_ID
    unique = models.find_property(schema, "ID")
    assert unique is not None and unique.read_only and not unique.writable
    assert models.find_property(schema, "nope") is None


def test_schema_from_page() -> None:
    page = {
        "properties": {
            "Done": {"id": "c", "type": "checkbox", "checkbox": True},
            "title": {"id": "title", "type": "title", "title": []},
        }
    }
    assert [(p.name, p.type) for p in models.schema_from_page(page)] == [
        ("title", "title"),
        ("Done", "checkbox"),
    ]


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=10), "just now"),
        (timedelta(minutes=3), "3 min ago"),
        (timedelta(minutes=59), "59 min ago"),
        (timedelta(hours=2), "2 h ago"),
        (timedelta(hours=30), "yesterday"),
        (timedelta(days=5), "5 days ago"),
        (timedelta(days=45), "2024-04-17"),
        (-timedelta(minutes=3), "in 3 min"),
        (-timedelta(days=1, hours=1), "in 1 day"),
    ],
)
def test_relative_time(delta: timedelta, expected: str) -> None:
    then = (NOW - delta).isoformat().replace("+00:00", "Z")
    assert models.relative_time(then, NOW) == expected


def test_relative_time_tolerates_bad_input() -> None:
    assert models.relative_time(None, NOW) == ""
    assert models.relative_time("not a time", NOW) == ""
    assert models.relative_time("2024-06-01T11:57:00.000Z", NOW.replace(tzinfo=None)) == (
        "3 min ago"
    )
