"""NotionAPI over MockTransport: action ids, kinds, bodies, pagination guards, recursive blocks."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from alloy_tui.alloy.errors import PageTooLargeError, ProtocolError, ServerError, ValidationError
from alloy_tui.alloy.models import ResultPage
from alloy_tui.alloy.notion_api import ACTION_KINDS, NotionAPI
from alloy_tui.alloy.retry import ActionKind
from tests.unit.test_client_core import CRED, Recorder, make_client, ok

PAGE_ID = "59833787-2cf9-4fdf-8782-e53db20768a5"
DASHLESS = PAGE_ID.replace("-", "")
BLOCK_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def listing(results: list[Any], cursor: str | None = None, key: str = "results") -> Any:
    return {"object": "list", key: results, "next_cursor": cursor, "has_more": cursor is not None}


def sent(rec: Recorder, index: int = -1) -> tuple[str, dict[str, Any]]:
    request = rec.requests[index]
    action = request.url.path.split("/actions/")[1].removesuffix("/execute")
    return action, json.loads(request.content)


def api(rec: Recorder, **options: Any) -> NotionAPI:
    return NotionAPI(make_client(rec, **options), CRED)


def test_every_official_action_has_a_kind() -> None:
    assert ACTION_KINDS["retrieve-a-page"] is ActionKind.READ
    assert ACTION_KINDS["post-database-query"] is ActionKind.READ
    assert ACTION_KINDS["patch-page"] is ActionKind.WRITE
    assert ACTION_KINDS["update-a-block"] is ActionKind.WRITE
    assert ACTION_KINDS["delete-a-block"] is ActionKind.WRITE
    assert ACTION_KINDS["post-page"] is ActionKind.CREATE
    assert ACTION_KINDS["patch-block-children"] is ActionKind.CREATE
    assert ACTION_KINDS["retrieve-a-data-source"] is ActionKind.READ
    assert ACTION_KINDS["query-data-source"] is ActionKind.READ
    assert len(ACTION_KINDS) == 15


async def test_search_body_and_both_list_dialects() -> None:
    rec = Recorder(ok(listing([{"id": "a"}], "c2")), ok(listing([{"id": "b"}], key="data")))
    notion = api(rec)
    first = await notion.search("Road", filter_object="page", page_size=10)
    assert first == ResultPage(results=[{"id": "a"}], next_cursor="c2", has_more=True)
    action, body = sent(rec)
    assert action == "post-search"
    assert body["credentialId"] == CRED
    assert body["requestBody"] == {
        "query": "Road",
        "filter": {"property": "object", "value": "page"},
        "sort": {"timestamp": "last_edited_time", "direction": "descending"},
        "page_size": 10,
    }
    second = await notion.search(sort_descending=False, start_cursor="c2")
    assert second.results == [{"id": "b"}] and not second.has_more
    _, body = sent(rec)
    assert body["requestBody"]["start_cursor"] == "c2"
    assert body["requestBody"]["sort"]["direction"] == "ascending"
    assert "query" not in body["requestBody"]


async def test_a_list_without_results_or_data_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="`results` or `data`"):
        await api(Recorder(ok({"object": "list", "items": []}))).search()


async def test_get_page_normalises_the_id_into_path_params() -> None:
    rec = Recorder(ok({"object": "page", "id": PAGE_ID}))
    page = await api(rec).get_page(DASHLESS)
    assert page["id"] == PAGE_ID
    action, body = sent(rec)
    assert action == "retrieve-a-page"
    assert body["pathParams"] == {"page_id": PAGE_ID}
    assert "requestBody" not in body


async def test_an_invalid_id_is_refused_before_any_request() -> None:
    rec = Recorder(ok({}))
    with pytest.raises(ValidationError, match="not a Notion"):
        await api(rec).get_page("not-an-id")
    assert rec.requests == []


async def test_single_object_answers_must_be_objects() -> None:
    with pytest.raises(ProtocolError, match="page"):
        await api(Recorder(ok([1, 2]))).get_page(PAGE_ID)


async def test_create_page_is_sent_once_even_on_a_500() -> None:
    rec = Recorder(ok({"object": "error", "status": 500, "code": "internal_server_error"}, 500))
    with pytest.raises(ServerError):
        await api(rec).create_page(
            {"page_id": PAGE_ID},
            {"title": {"title": [{"text": {"content": "New"}}]}},
            children=[{"paragraph": {"rich_text": []}}],
            icon={"emoji": "🚀"},
        )
    assert len(rec.requests) == 1
    action, body = sent(rec)
    assert action == "post-page"
    assert body["requestBody"]["parent"] == {"page_id": PAGE_ID}
    assert body["requestBody"]["icon"] == {"emoji": "🚀"}
    assert len(body["requestBody"]["children"]) == 1


async def test_update_trash_and_restore_page() -> None:
    rec = Recorder(ok({"object": "page", "id": PAGE_ID}))
    notion = api(rec)
    await notion.update_page(PAGE_ID, {"Done": {"checkbox": True}})
    assert sent(rec)[1]["requestBody"] == {"properties": {"Done": {"checkbox": True}}}
    await notion.update_page(PAGE_ID, icon=None)
    assert sent(rec)[1]["requestBody"] == {"icon": None}
    await notion.trash_page(PAGE_ID)
    assert sent(rec)[1]["requestBody"] == {"archived": True}
    await notion.restore_page(PAGE_ID)
    action, body = sent(rec)
    assert (action, body["requestBody"]) == ("patch-page", {"archived": False})


async def test_database_get_and_query() -> None:
    rec = Recorder(ok({"object": "database", "id": PAGE_ID}), ok(listing([{"id": "row"}])))
    notion = api(rec)
    assert (await notion.get_database(PAGE_ID))["object"] == "database"
    assert sent(rec)[0] == "retrieve-a-database"
    rows = await notion.query_database(
        PAGE_ID,
        filter={"property": "Done", "checkbox": {"equals": False}},
        sorts=[{"property": "Due", "direction": "ascending"}],
        page_size=50,
    )
    assert rows.results == [{"id": "row"}]
    action, body = sent(rec)
    assert action == "post-database-query"
    assert body["pathParams"] == {"database_id": PAGE_ID}
    assert body["requestBody"]["filter"]["property"] == "Done"
    assert body["requestBody"]["page_size"] == 50


async def test_block_calls() -> None:
    rec = Recorder(
        ok(listing([{"id": "b1"}])),
        ok(listing([{"id": "n1"}, {"id": "n2"}])),
        ok({"object": "block", "id": BLOCK_ID}),
    )
    notion = api(rec)
    children = await notion.get_block_children(PAGE_ID, page_size=100)
    assert children.results == [{"id": "b1"}]
    action, body = sent(rec)
    assert action == "get-block-children"
    assert body["queryParameters"] == {"page_size": 100}
    assert body["pathParams"] == {"block_id": PAGE_ID}
    new = await notion.append_block_children(PAGE_ID, [{"paragraph": {}}], after=BLOCK_ID)
    assert [b["id"] for b in new] == ["n1", "n2"]
    action, body = sent(rec)
    assert action == "patch-block-children"
    assert body["requestBody"] == {"children": [{"paragraph": {}}], "after": BLOCK_ID}
    await notion.update_block(BLOCK_ID, {"to_do": {"checked": True}})
    assert sent(rec)[0] == "update-a-block"
    await notion.delete_block(BLOCK_ID)
    assert sent(rec)[0] == "delete-a-block"
    await notion.get_block(BLOCK_ID)
    assert sent(rec)[0] == "retrieve-a-block"


async def test_users_are_read_across_every_page() -> None:
    rec = Recorder(
        ok(listing([{"id": "u1"}], "next")),
        ok(listing([{"id": "u2"}])),
        ok({"object": "user", "type": "bot", "id": "bot"}),
    )
    notion = api(rec)
    assert [u["id"] for u in await notion.list_users()] == ["u1", "u2"]
    assert sent(rec, 1)[1]["queryParameters"] == {"start_cursor": "next", "page_size": 100}
    assert (await notion.get_self())["type"] == "bot"
    assert sent(rec)[0] == "get-self"


async def test_pagination_stops_when_has_more_is_true_forever_with_one_cursor() -> None:
    rec = Recorder(ok(listing([{"id": "x"}], "same")))
    pages = [page async for page in api(rec).iter_search("q")]
    # The first answer's cursor is followed once; its repeat ends the loop.
    assert len(pages) == 2
    assert len(rec.requests) == 2


async def test_pagination_stops_on_a_cursor_cycle() -> None:
    rec = Recorder(
        ok(listing([{"id": "1"}], "a")),
        ok(listing([{"id": "2"}], "b")),
        ok(listing([{"id": "3"}], "a")),
        ok(listing([{"id": "never"}])),
    )
    pages = [page async for page in api(rec).iter_query(PAGE_ID)]
    assert [p.results[0]["id"] for p in pages] == ["1", "2", "3"]


async def test_pagination_stops_on_has_more_without_a_cursor() -> None:
    body = {"object": "list", "results": [{"id": "1"}], "has_more": True, "next_cursor": None}
    rec = Recorder(ok(body), ok(listing([{"id": "never"}])))
    pages = [page async for page in api(rec).iter_block_children(PAGE_ID)]
    assert len(pages) == 1 and not pages[0].has_more


async def test_pagination_stops_on_has_more_false_even_with_a_cursor() -> None:
    body = {"object": "list", "results": [], "has_more": False, "next_cursor": "dangling"}
    rec = Recorder(ok(body), ok(listing([{"id": "never"}])))
    assert len([p async for p in api(rec).iter_search()]) == 1


def block(ident: str, kind: str = "paragraph", children: bool = False) -> dict[str, Any]:
    return {"object": "block", "id": ident, "type": kind, "has_children": children, kind: {}}


def tree_handler(tree: dict[str, list[dict[str, Any]]], page_size: int = 2) -> Any:
    """Serve get-block-children from a dict parent -> children, `page_size` at a time."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        parent = body["pathParams"]["block_id"]
        start = int(body.get("queryParameters", {}).get("start_cursor", 0))
        items = tree[parent][start : start + page_size]
        more = start + page_size < len(tree[parent])
        return ok(listing(items, str(start + page_size) if more else None))

    return handler


def uid(n: int) -> str:
    return f"{n:08x}-0000-4000-8000-000000000000"


async def test_recursive_blocks_nest_children_and_skip_child_pages() -> None:
    tree = {
        PAGE_ID: [
            block(uid(1)),
            block(uid(2), "toggle", children=True),
            block(uid(3), "child_page", children=True),
        ],
        uid(2): [block(uid(4)), block(uid(5), "bulleted_list_item", children=True), block(uid(6))],
        uid(5): [block(uid(7))],
    }
    rec = Recorder(tree_handler(tree))
    blocks = await api(rec).get_blocks_recursive(PAGE_ID)
    assert [b["id"] for b in blocks] == [uid(1), uid(2), uid(3)]
    toggle = blocks[1]
    assert [b["id"] for b in toggle["children"]] == [uid(4), uid(5), uid(6)]
    assert [b["id"] for b in toggle["children"][1]["children"]] == [uid(7)]
    assert "children" not in blocks[2]  # a child page is its own document
    parents = [json.loads(r.content)["pathParams"]["block_id"] for r in rec.requests]
    assert uid(3) not in parents


async def test_recursive_blocks_refuse_more_than_the_bound() -> None:
    tree = {PAGE_ID: [block(uid(n)) for n in range(10)]}
    with pytest.raises(PageTooLargeError, match="more than 5 blocks"):
        await api(Recorder(tree_handler(tree))).get_blocks_recursive(PAGE_ID, max_blocks=5)


async def test_recursive_blocks_survive_a_server_that_loops() -> None:
    # A child claims to contain its own parent: each id is descended into once.
    tree = {
        PAGE_ID: [block(uid(1), "toggle", children=True)],
        uid(1): [block(PAGE_ID, "toggle", children=True), block(uid(1), "toggle", children=True)],
    }
    blocks = await api(Recorder(tree_handler(tree))).get_blocks_recursive(PAGE_ID)
    assert [b["id"] for b in blocks[0]["children"]] == [PAGE_ID, uid(1)]
    assert all("children" not in b for b in blocks[0]["children"])
