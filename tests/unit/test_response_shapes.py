"""A 200 answer of the wrong shape is a ProtocolError naming the action, never shown as data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from alloy_tui.alloy.errors import ProtocolError
from alloy_tui.alloy.notion_api import NotionAPI
from tests.unit.test_client_core import CRED, KEY, Recorder, ok
from tests.unit.test_client_notion import BLOCK_ID, PAGE_ID, api, listing

Call = Callable[[NotionAPI], Awaitable[Any]]

SINGLE: list[tuple[str, str, Call]] = [
    ("retrieve-a-page", "page", lambda n: n.get_page(PAGE_ID)),
    ("post-page", "page", lambda n: n.create_page({"page_id": PAGE_ID}, {})),
    ("patch-page", "page", lambda n: n.update_page(PAGE_ID, {})),
    ("retrieve-a-database", "database", lambda n: n.get_database(PAGE_ID)),
    ("retrieve-a-block", "block", lambda n: n.get_block(BLOCK_ID)),
    ("update-a-block", "block", lambda n: n.update_block(BLOCK_ID, {"paragraph": {}})),
    ("delete-a-block", "block or page", lambda n: n.delete_block(BLOCK_ID)),
    ("get-self", "user", lambda n: n.get_self()),
]
LISTS: list[tuple[str, Call]] = [
    ("post-search", lambda n: n.search()),
    ("post-database-query", lambda n: n.query_database(PAGE_ID)),
    ("get-block-children", lambda n: n.get_block_children(PAGE_ID)),
    ("patch-block-children", lambda n: n.append_block_children(PAGE_ID, [{"paragraph": {}}])),
    ("get-users", lambda n: n.list_users()),
]


@pytest.mark.parametrize(("action", "expected", "call"), SINGLE, ids=[s[0] for s in SINGLE])
async def test_an_object_of_another_type_is_a_protocol_error(
    action: str, expected: str, call: Call
) -> None:
    notion = api(Recorder(ok({"object": "banana", "id": None})))
    with pytest.raises(ProtocolError) as caught:
        await call(notion)
    article = "an" if expected[0] in "aeio" else "a"
    assert caught.value.sentence == (
        f"{action} answered an object of type 'banana' where {article} {expected} was expected."
    )
    assert caught.value.remedy


@pytest.mark.parametrize(("action", "expected", "call"), SINGLE, ids=[s[0] for s in SINGLE])
async def test_the_right_type_without_an_id_is_a_protocol_error(
    action: str, expected: str, call: Call
) -> None:
    kind = expected.split()[0]
    for answer in ({"object": kind, "id": None}, {"object": kind}, {"object": kind, "id": 7}):
        with pytest.raises(ProtocolError, match=f"^{action} answered a.* {kind} without an id"):
            await call(api(Recorder(ok(answer))))


@pytest.mark.parametrize(
    ("answer", "described"),
    [
        ({"id": PAGE_ID, "properties": {}}, "an object without an `object` type"),
        ([{"object": "page", "id": PAGE_ID}], "a list"),
        ("page", "a string"),
        (42, "a number"),
    ],
)
async def test_other_wrong_answers_name_what_came(answer: Any, described: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        await api(Recorder(ok(answer))).get_page(PAGE_ID)
    assert (
        caught.value.sentence == f"retrieve-a-page answered {described} where a page was expected."
    )


@pytest.mark.parametrize(("action", "call"), LISTS, ids=[s[0] for s in LISTS])
async def test_a_list_action_answering_another_type_is_a_protocol_error(
    action: str, call: Call
) -> None:
    wrong = {"object": "banana", "results": 42, "data": "not a list", "id": None}
    with pytest.raises(ProtocolError) as caught:
        await call(api(Recorder(ok(wrong))))
    assert caught.value.sentence == (
        f"{action} answered an object of type 'banana' where a list was expected."
    )
    with pytest.raises(
        ProtocolError, match=f"^{action} answered an object of type 'page' where a list"
    ):
        await call(api(Recorder(ok({"object": "page", "id": PAGE_ID}))))


@pytest.mark.parametrize(("action", "call"), LISTS, ids=[s[0] for s in LISTS])
async def test_a_list_whose_results_is_not_a_list_is_a_protocol_error(
    action: str, call: Call
) -> None:
    with pytest.raises(ProtocolError, match="`results` or `data`"):
        await call(api(Recorder(ok({"object": "list", "results": 42}))))


async def test_what_the_real_apis_send_is_accepted() -> None:
    page = {"object": "page", "id": PAGE_ID, "properties": {}, "extra": {"new": "field"}}
    envelope = {"success": True, "result": page}
    rec = Recorder(
        ok(page),
        ok(envelope),
        ok({"object": "block", "id": PAGE_ID, "type": "child_page"}),
        ok({"object": "page", "id": PAGE_ID, "in_trash": True}),
        ok({"success": True, "result": listing([{"id": "a"}], key="data")}),
        ok({**listing([{"object": "user", "id": "u"}]), "type": "user", "user": {}}),
    )
    notion = api(rec)
    assert (await notion.get_page(PAGE_ID))["extra"] == {"new": "field"}
    assert (await notion.get_page(PAGE_ID))["id"] == PAGE_ID
    assert (await notion.delete_block(PAGE_ID))["type"] == "child_page"
    assert (await notion.delete_block(PAGE_ID))["in_trash"] is True
    assert (await notion.search()).results == [{"id": "a"}]
    assert await notion.list_users() == [{"object": "user", "id": "u"}]


async def test_a_wrong_type_that_echoes_a_secret_does_not_show_it() -> None:
    with pytest.raises(ProtocolError) as caught:
        await api(Recorder(ok({"object": f"key {KEY}", "id": CRED}))).get_page(PAGE_ID)
    assert KEY not in caught.value.sentence
