"""The new-page workflow without a UI: destinations, and a create sent exactly once whose lost
answer is looked up before anything is sent again."""

from __future__ import annotations

from typing import Any

import pytest

from alloy_tui.alloy.errors import CannotReachError, TimedOutError
from alloy_tui.alloy.notion_api import DATA_SOURCES_VERSION, NotionAPI
from alloy_tui.creating import CreateUncertain, NewPage
from alloy_tui.notion.models import database_title, page_title, parent_from_request
from alloy_tui.notion.richtext import from_plain
from alloy_tui.sandbox.seed import seed_id
from alloy_tui.state import utc_now
from tests.integration.test_editing_session import notion  # noqa: F401  (fixture)


def titled(text: str) -> dict[str, Any]:
    return {"title": {"title": from_plain(text)}}


async def test_a_database_destination_offers_its_writable_properties(
    notion: NotionAPI,  # noqa: F811
) -> None:
    found = await notion.search("Tasks", filter_object="database")
    tasks = next(d for d in found.results if database_title(d) == "Tasks")
    new = NewPage(notion, now=utc_now)
    ref = parent_from_request({"database_id": tasks["id"]})
    destination = await new.destination(ref)
    assert destination.label == "Tasks"
    names = {p.name for p in destination.schema}
    assert {"Name", "Estimate", "Priority"} <= names
    assert not any(p.read_only for p in destination.schema)


async def test_a_lost_answer_finds_the_page_notion_made(
    notion: NotionAPI,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = NotionAPI.create_page
    calls: list[object] = []

    async def made_then_lost(self: NotionAPI, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        await real(self, *args, **kwargs)
        raise TimedOutError("Alloy did not answer in time.")

    monkeypatch.setattr(NotionAPI, "create_page", made_then_lost)
    new = NewPage(notion, now=utc_now)
    created = await new.create({"workspace": True}, titled("Lost, then found 📬"))
    assert created.recovered and page_title(created.page) == "Lost, then found 📬"
    assert len(calls) == 1  # sent once, never resent


async def test_a_create_that_never_arrived_is_uncertain_not_resent(
    notion: NotionAPI,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[object] = []

    async def refused(self: NotionAPI, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        raise CannotReachError("Cannot reach Alloy: the connection was refused.")

    monkeypatch.setattr(NotionAPI, "create_page", refused)
    new = NewPage(notion, now=utc_now)
    with pytest.raises(CreateUncertain) as caught:
        await new.create({"workspace": True}, titled("Never made 🛰️"))
    assert "did not create" in caught.value.sentence
    assert "send it again" in (caught.value.remedy or "")
    assert len(calls) == 1


ROADMAP = seed_id("database", "roadmap")
FEATURES = seed_id("data_source", "roadmap:features")
BUGS = seed_id("data_source", "roadmap:bugs")


def pinned_2025(api: NotionAPI) -> NotionAPI:
    return NotionAPI(api.client, api.connection_id, notion_version=DATA_SOURCES_VERSION)


async def test_a_database_with_two_sources_needs_one_chosen(
    notion: NotionAPI,  # noqa: F811
) -> None:
    new = NewPage(notion, now=utc_now)
    choice = await new.database(ROADMAP)
    assert choice.needs_source and choice.title == "Roadmap"
    assert choice.sources == [(FEATURES, "Features"), (BUGS, "Bugs")]
    with pytest.raises(ValueError, match="several data sources"):
        choice.parent()
    with pytest.raises(ValueError, match="not a data source of Roadmap"):
        choice.parent(seed_id("data_source", "elsewhere"))
    parent = choice.parent(BUGS)
    assert parent == {"type": "data_source_id", "data_source_id": BUGS}
    assert choice.source_label(BUGS) == "Bugs · Roadmap"
    destination = await new.destination(parent_from_request(parent), choice.source_label(BUGS))
    assert {"Bug", "Severity", "Fixed"} <= {p.name for p in destination.schema}
    assert "Feature" not in {p.name for p in destination.schema}
    created = await new.create(parent, {"Bug": {"title": from_plain("Made by NewPage")}})
    rows = await notion.query_data_source(
        BUGS, filter={"property": "Bug", "title": {"equals": "Made by NewPage"}}
    )
    assert [row["id"] for row in rows.results] == [created.page["id"]]


async def test_a_single_source_database_parent_follows_the_answer_version(
    notion: NotionAPI,  # noqa: F811
) -> None:
    found = await notion.search("Tasks", filter_object="database")
    tasks = str(next(d for d in found.results if database_title(d) == "Tasks")["id"])
    # A 2022-06-28 answer (the database has the schema): the database stays the parent.
    old = await NewPage(notion, now=utc_now).database(tasks)
    assert not old.needs_source and not old.schema_on_sources and len(old.sources) == 1
    assert old.parent() == {"type": "database_id", "database_id": tasks}
    # A 2025-09-03 answer: the schema and rows are its one data source's.
    new = NewPage(pinned_2025(notion), now=utc_now)
    current = await new.database(tasks)
    assert current.schema_on_sources and not current.needs_source
    parent = current.parent()
    assert parent == {"type": "data_source_id", "data_source_id": current.sources[0][0]}
    destination = await new.destination(parent_from_request(parent))
    assert destination.label == "Tasks" and "Estimate" in {p.name for p in destination.schema}
    created = await new.create(parent, {"Name": {"title": from_plain("Row via its source")}})
    assert created.page["parent"]["data_source_id"] == current.sources[0][0]


async def test_a_lost_answer_in_a_data_source_finds_the_row(
    notion: NotionAPI,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = NotionAPI.create_page
    calls: list[object] = []

    async def made_then_lost(self: NotionAPI, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        await real(self, *args, **kwargs)
        raise TimedOutError("Alloy did not answer in time.")

    new = NewPage(notion, now=utc_now)
    parent = {"type": "data_source_id", "data_source_id": BUGS}
    await new.destination(parent_from_request(parent))
    monkeypatch.setattr(NotionAPI, "create_page", made_then_lost)
    # The app's search answers in 2022-06-28: the row's parent is shown as the database.
    created = await new.create(parent, {"Bug": {"title": from_plain("Lost in Bugs 🐛")}})
    assert created.recovered and page_title(created.page) == "Lost in Bugs 🐛"
    assert created.page["parent"] == {"type": "database_id", "database_id": ROADMAP}
    assert len(calls) == 1
