"""The page editing session without a UI: check, review, apply, conflicts and drafts, against a
real sandbox, with a second client playing the colleague who saves meanwhile."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.drafts import DraftStore, _write_error
from alloy_tui.editing import ChangedDuringReview, PageSession, PropertiesRejected
from alloy_tui.notion.blocks import block_text
from alloy_tui.notion.models import database_title, title_property_name
from alloy_tui.notion.richtext import from_plain
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.sandboxed import sandbox_settings


def _client(sandbox: SandboxServer) -> AlloyClient:
    settings = sandbox_settings(sandbox)
    return AlloyClient(
        make_http(),
        base_url=settings.base_url,
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False, max_attempts=1),
    )


@pytest.fixture
async def notion(sandbox: SandboxServer) -> AsyncIterator[NotionAPI]:
    client = _client(sandbox)
    try:
        yield NotionAPI(client, SEED_CONNECTION_ID)
    finally:
        await client.aclose()


@pytest.fixture
async def other(sandbox: SandboxServer) -> AsyncIterator[NotionAPI]:
    """A second client of the same workspace: the colleague who saves first."""
    client = _client(sandbox)
    try:
        yield NotionAPI(client, SEED_CONNECTION_ID)
    finally:
        await client.aclose()


def paragraph(text: str) -> dict[str, Any]:
    return {"type": "paragraph", "paragraph": {"rich_text": from_plain(text)}}


async def tasks_row(notion: NotionAPI, title: str, lines: tuple[str, ...] = ("A", "B", "C")) -> str:
    found = await notion.search("Tasks", filter_object="database")
    tasks = next(d for d in found.results if database_title(d) == "Tasks")
    page = await notion.create_page(
        {"database_id": tasks["id"]},
        {title_property_name(tasks): {"title": from_plain(title)}},
        [paragraph(line) for line in lines],
    )
    return str(page["id"])


@pytest.fixture
def session_for(notion: NotionAPI, tmp_path: Path) -> Callable[[str], PageSession]:
    def make(page_id: str, drafts: Path | None = None) -> PageSession:
        return PageSession(
            notion,
            DraftStore(drafts or tmp_path / "drafts"),
            page_id,
            connection_id=SEED_CONNECTION_ID,
            origin="sandbox",
        )

    return make


async def opened(session: PageSession) -> PageSession:
    await session.load()
    await session.load_body()
    return session


async def texts(notion: NotionAPI, page_id: str) -> list[str]:
    return [block_text(b) for b in await notion.get_blocks_recursive(page_id)]


async def test_a_second_writer_during_the_plan_review_is_caught_at_apply(
    notion: NotionAPI, other: NotionAPI, session_for: Callable[..., PageSession]
) -> None:
    page_id = await tasks_row(notion, "Review race")
    session = await opened(session_for(page_id))
    session.set_body("A\n\nB (mine)\n\nC\n")
    check = await session.check({}, session.body_text)
    assert check.conflict is None and check.plan is not None and not check.plan.is_empty
    # ...the plan preview is open; the colleague saves C.
    blocks = await other.get_blocks_recursive(page_id)
    await other.update_block(
        blocks[2]["id"], {"paragraph": {"rich_text": from_plain("C (theirs)")}}
    )
    with pytest.raises(ChangedDuringReview) as caught:
        await session.apply(check)
    assert await texts(notion, page_id) == ["A", "B", "C (theirs)"]  # nothing written
    fresh = caught.value.check
    assert fresh.conflict is not None and fresh.conflict.body
    assert "C (theirs)" in (fresh.conflict.server_markdown or "")
    # Overwrite: the plan is against the version just shown, so their C goes, my B lands.
    saved = await session.apply(session.overwrite(fresh))
    assert saved.names == ["body"]
    assert await texts(notion, page_id) == ["A", "B (mine)", "C"]
    assert not session.dirty


async def test_a_second_writer_of_a_property_during_review_is_caught_at_apply(
    notion: NotionAPI, other: NotionAPI, session_for: Callable[..., PageSession]
) -> None:
    page_id = await tasks_row(notion, "Property race")
    session = await opened(session_for(page_id))
    session.set_input("Estimate", "5")
    changes, errors = session.collect()
    assert errors == {} and changes == {"Estimate": {"number": 5}}
    check = await session.check(changes, None)
    assert check.conflict is None
    await other.update_page(page_id, properties={"Estimate": {"number": 8}})
    with pytest.raises(ChangedDuringReview) as caught:
        await session.apply(check)
    page = await notion.get_page(page_id)
    assert page["properties"]["Estimate"]["number"] == 8
    conflict = caught.value.check.conflict
    assert conflict is not None
    assert [(p.name, p.server, p.yours) for p in conflict.properties] == [("Estimate", "8", "5")]


async def test_an_unrelated_change_during_review_is_not_a_conflict(
    notion: NotionAPI, other: NotionAPI, session_for: Callable[..., PageSession]
) -> None:
    page_id = await tasks_row(notion, "Unrelated race")
    session = await opened(session_for(page_id))
    session.set_input("Estimate", "5")
    changes, _ = session.collect()
    check = await session.check(changes, None)
    await other.update_page(page_id, properties={"Priority": {"select": {"name": "P2"}}})
    saved = await session.apply(check)
    assert saved.names == ["Estimate"]
    page = await notion.get_page(page_id)
    assert page["properties"]["Estimate"]["number"] == 5
    assert page["properties"]["Priority"]["select"]["name"] == "P2"


async def test_a_restored_draft_keeps_its_base_and_meets_the_conflict(
    notion: NotionAPI, other: NotionAPI, session_for: Callable[..., PageSession]
) -> None:
    page_id = await tasks_row(notion, "Restore race")
    first = await opened(session_for(page_id))
    first.set_input("Estimate", "5")
    first.set_body("A\n\nB (mine)\n\nC\n")
    assert first.journal()
    # The app dies; meanwhile the colleague edits both.
    await other.update_page(page_id, properties={"Estimate": {"number": 9}})
    blocks = await other.get_blocks_recursive(page_id)
    await other.update_block(blocks[0]["id"], {"paragraph": {"rich_text": from_plain("A2")}})
    second = await opened(session_for(page_id))
    draft = second.stored_draft()
    assert draft is not None
    restored = second.restore(draft)
    assert restored.missing == [] and restored.inputs == {"Estimate": "5"}
    changes, _ = second.collect()
    check = await second.check(changes, second.body_text)
    assert check.conflict is not None
    assert [p.name for p in check.conflict.properties] == ["Estimate"]
    assert check.conflict.body


async def test_a_restored_draft_without_server_changes_saves_cleanly(
    notion: NotionAPI, session_for: Callable[..., PageSession]
) -> None:
    page_id = await tasks_row(notion, "Restore clean")
    first = await opened(session_for(page_id))
    first.set_input("Estimate", "5")
    assert first.journal()
    second = await opened(session_for(page_id))
    draft = second.stored_draft()
    assert draft is not None
    second.restore(draft)
    changes, _ = second.collect()
    check = await second.check(changes, None)
    assert check.conflict is None
    await second.apply(check)
    assert second.stored_draft() is None


async def test_a_draft_the_server_already_has_is_not_offered(
    notion: NotionAPI,
    session_for: Callable[..., PageSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A save whose draft could not be removed (a read-only drafts folder: tests run as root,
    so the removal is made to fail as it does there) says so; at the next start that draft,
    equal to the server's version, is not offered as unsaved work."""
    page_id = await tasks_row(notion, "Saved, draft stuck")
    folder = tmp_path / "stuck-drafts"
    session = await opened(session_for(page_id, folder))
    session.set_input("Estimate", "7")
    session.set_body("A\n\nB\n\nC, saved\n")
    assert session.journal()
    changes, _ = session.collect()
    check = await session.check(changes, session.body_text)

    def read_only(*_args: Any, **_kwargs: Any) -> bool:
        raise _write_error(PermissionError(errno.EACCES, "Permission denied"), folder)

    with monkeypatch.context() as patch:
        patch.setattr(session.drafts, "discard", read_only)
        saved = await session.apply(check)
    assert saved.names == ["Estimate", "body"]
    assert saved.draft_error is not None
    assert "read-only" in saved.draft_error.sentence
    assert session.drafts.load(page_id, SEED_CONNECTION_ID) is not None  # still on disk
    later = await opened(session_for(page_id, folder))
    assert later.stored_draft() is None
    assert later.drafts.load(page_id, SEED_CONNECTION_ID) is None  # and now gone


async def test_a_draft_with_real_edits_is_still_offered(
    notion: NotionAPI, session_for: Callable[..., PageSession]
) -> None:
    page_id = await tasks_row(notion, "Real draft")
    session = await opened(session_for(page_id))
    session.set_input("Estimate", "7")
    assert session.journal()
    later = await opened(session_for(page_id))
    offered = later.stored_draft()
    assert offered is not None and offered.property_inputs == {"Estimate": "7"}


async def test_a_rejected_property_keeps_the_edit(
    notion: NotionAPI, session_for: Callable[..., PageSession]
) -> None:
    page_id = await tasks_row(notion, "Rejected")
    session = await opened(session_for(page_id))
    # A relation must point at a row of the related database; this row is a Tasks row.
    session.set_input("Project", [page_id])
    changes, errors = session.collect()
    assert errors == {}
    check = await session.check(changes, None)
    with pytest.raises(PropertiesRejected):
        await session.apply(check)
    assert session.inputs == {"Project": [page_id]}
    draft = session.drafts.load(page_id, SEED_CONNECTION_ID)
    assert draft is not None and draft.property_inputs == {"Project": [page_id]}


async def test_input_that_does_not_validate_is_a_field_error_and_stays_in_the_draft(
    notion: NotionAPI, session_for: Callable[..., PageSession]
) -> None:
    page_id = await tasks_row(notion, "Half typed")
    session = await opened(session_for(page_id))
    session.set_input("Estimate", "1e999")
    session.set_input("Name", "ok")
    _, errors = session.collect()
    assert list(errors) == ["Estimate"]
    assert session.journal()
    draft = session.drafts.load(page_id, SEED_CONNECTION_ID)
    assert draft is not None and draft.property_inputs["Estimate"] == "1e999"
    assert "Estimate" not in draft.properties


async def test_an_edit_back_to_the_server_value_is_no_edit(
    notion: NotionAPI, session_for: Callable[..., PageSession]
) -> None:
    page_id = await tasks_row(notion, "Back again")
    session = await opened(session_for(page_id))
    assert session.set_input("Name", "Back again, no")
    assert session.journal()
    assert not session.set_input("Name", " Back again ")
    assert not session.dirty
    assert not session.journal()
    assert session.drafts.load(page_id, SEED_CONNECTION_ID) is None


async def test_a_broken_character_in_the_body_is_refused_with_its_line(
    notion: NotionAPI, session_for: Callable[..., PageSession]
) -> None:
    page_id = await tasks_row(notion, "Broken body")
    session = await opened(session_for(page_id))
    assert session.body_error() is None
    session.set_body("A\n\nB \ud800\n\nC\n")
    error = session.body_error()
    assert error is not None and "line 3" in error
