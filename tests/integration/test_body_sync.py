"""Body editing against a real sandbox: load, edit Markdown, plan, apply, reload."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from alloy_tui.alloy.body_sync import PartialApplyError, apply_plan
from alloy_tui.alloy.client import make_http
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.notion.bodyplan import AppendAfter, DeleteBlock, UpdateBlock, plan_body
from alloy_tui.notion.hashing import blocks_hash
from alloy_tui.notion.markdown import blocks_to_markdown
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from tests.integration.test_client_sandbox import client_for

ADMIN = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}


@pytest.fixture
def server(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    return sandbox_factory(rate_limit=False)


@pytest.fixture
async def notion(server: SandboxServer) -> AsyncIterator[NotionAPI]:
    async with make_http() as http:
        yield NotionAPI(client_for(server.base_url, http), SEED_CONNECTION_ID)


async def page_titled(notion: NotionAPI, title: str) -> str:
    found = await notion.search(title, filter_object="page")
    assert found.results, title
    return str(found.results[0]["id"])


@pytest.mark.parametrize("title", ["Acme Handbook", "Architecture overview", "International"])
async def test_unchanged_markdown_plans_nothing(notion: NotionAPI, title: str) -> None:
    page_id = await page_titled(notion, title)
    blocks = await notion.get_blocks_recursive(page_id)
    plan = plan_body(blocks, blocks_to_markdown(blocks))
    assert plan.is_empty, plan.summary()


async def test_edit_plan_apply_reload(notion: NotionAPI) -> None:
    page_id = await page_titled(notion, "Acme Handbook")
    blocks = await notion.get_blocks_recursive(page_id)
    md = blocks_to_markdown(blocks)
    assert "## Principles" in md and "- Write things down" in md
    edited = (
        md.replace("## Principles", "## Principles we keep {color=blue}")
        .replace("- Write things down\n", "- Write **everything** down\n\n- [ ] New to-do\n")
        .replace("  - Tests with every change\n", "")
        .replace("Watch the dashboards for an hour", "Watch the dashboards for <u>two</u> hours")
    )
    edited += (
        "\n> [!callout 🚀] Deep nesting\n>\n> - one\n>   - two\n>     - three\n>       - four\n"
    )
    plan = plan_body(blocks, edited)
    kinds = sorted(type(op).__name__ for op in plan.operations)
    assert kinds.count("UpdateBlock") == 3 and kinds.count("DeleteBlock") == 1
    progress: list[int] = []
    result = await apply_plan(notion, page_id, plan, lambda done, total, op: progress.append(done))
    assert progress == list(range(1, len(plan.operations) + 1))
    assert result.requests > len(plan.operations)  # the deep callout needed follow-ups

    reloaded = await notion.get_blocks_recursive(page_id)
    assert blocks_to_markdown(reloaded) == edited
    assert blocks_hash(reloaded) != blocks_hash(blocks)
    assert plan_body(reloaded, edited).is_empty


async def test_insert_in_the_middle_of_a_long_page(notion: NotionAPI) -> None:
    page_id = await page_titled(notion, "Acme Handbook")
    first = await notion.append_block_children(
        page_id,
        [{"paragraph": {"rich_text": [{"text": {"content": f"p{n}"}}]}} for n in range(100)],
    )
    assert len(first) == 100
    blocks = await notion.get_blocks_recursive(page_id)
    md = blocks_to_markdown(blocks)
    new = "\n\n".join(f"new {n}" for n in range(120))
    edited = md.replace("\np50\n", f"\np50\n\n{new}\n")
    plan = plan_body(blocks, edited)
    [op] = plan.operations
    assert isinstance(op, AppendAfter) and op.requests() == 2
    await apply_plan(notion, page_id, plan)
    assert blocks_to_markdown(await notion.get_blocks_recursive(page_id)) == edited


async def test_partial_failure_reports_applied_and_not_applied(
    notion: NotionAPI, server: SandboxServer
) -> None:
    page_id = await page_titled(notion, "Acme Handbook")
    blocks = await notion.get_blocks_recursive(page_id)
    md = blocks_to_markdown(blocks)
    edited = (
        md.replace("## Principles", "## Our principles")
        .replace("- Write things down\n", "- Write things down\n- Added item\n")
        .replace("---\n", "")
    )
    plan = plan_body(blocks, edited)
    assert [type(op) for op in plan.operations] == [UpdateBlock, AppendAfter, DeleteBlock]
    rules: list[dict[str, Any]] = [
        {"kind": "status", "status": 500, "match": "patch-block-children", "count": 1}
    ]
    async with httpx.AsyncClient() as admin:
        answer = await admin.post(
            f"{server.base_url}/__sandbox/faults", json={"rules": rules}, headers=ADMIN
        )
    assert answer.status_code == 200, answer.text

    with pytest.raises(PartialApplyError) as caught:
        await apply_plan(notion, page_id, plan)
    error = caught.value
    assert error.applied == plan.operations[:1]
    assert error.failed is plan.operations[1]
    assert error.not_applied == plan.operations[2:]
    assert error.failed_may_be_applied  # a 500 on a create: the answer says nothing certain
    assert error.report() == [
        "applied: update heading 'Our principles'",
        "failed (may have been applied): "
        "insert bullet 'Added item' after bullet 'Write things down'",
        "not applied: delete divider",
    ]
    # The server has exactly the applied part: the update, no insert, the divider still there.
    now = blocks_to_markdown(await notion.get_blocks_recursive(page_id))
    assert "## Our principles" in now and "Added item" not in now and "\n---\n" in now
    # The rest is still to do: planning again gives the append and the delete.
    again = plan_body(await notion.get_blocks_recursive(page_id), edited)
    assert [type(op) for op in again.operations] == [AppendAfter, DeleteBlock]
