"""The new-page workflow without a UI: destinations, and a create sent exactly once whose lost
answer is looked up before anything is sent again."""

from __future__ import annotations

from typing import Any

import pytest

from alloy_tui.alloy.errors import CannotReachError, TimedOutError
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.creating import CreateUncertain, NewPage
from alloy_tui.notion.models import database_title, page_title, parent_from_request
from alloy_tui.notion.richtext import from_plain
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
