"""Every operation the sandbox serves, run for real; each answer validated against the response
schema of the operation with that id in Notion's OpenAPI file (or, where the file gives only an
example, against the example's keys and types).

Most 200 schemas in the file are only `{"type": "object"}`, so on top of the schema each answer
is held to what 2025-09-03 says about object kinds (databases hold `data_sources`, rows belong
to a data source, search returns data sources).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.contract import openapi
from tests.contract.conftest import (
    OLD_VERSION,
    Answer,
    Notion,
    Seed,
)
from tests.contract.openapi import NOTION_VERSION

LIST_KEYS = {"object", "results", "next_cursor", "has_more", "type"}


def shape_2025(value: Any, where: str = "$") -> list[str]:
    """What 2025-09-03 changed, found in an answer: a database without `data_sources` or with a
    `properties` schema, a database in search results, a row whose parent is a database."""
    found: list[str] = []
    if isinstance(value, dict):
        kind = value.get("object")
        if kind == "database":
            if "data_sources" not in value:
                found.append(f"{where}: a 2025-09-03 database has `data_sources`")
            if "properties" in value:
                found.append(
                    f"{where}: a 2025-09-03 database has no `properties` (data sources do)"
                )
        parent = value.get("parent")
        if kind == "page" and isinstance(parent, dict) and parent.get("type") == "database_id":
            found.append(f"{where}['parent']: a row's parent is `data_source_id` in 2025-09-03")
        for key, item in value.items():
            # `parent` was judged above; a list's `data` (a sandbox copy of `results`) is
            # reported by test_lists_carry_no_extra_keys, not once more here.
            if key != "parent" and not (kind == "list" and key == "data"):
                found.extend(shape_2025(item, f"{where}[{key!r}]"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(shape_2025(item, f"{where}[{index}]"))
    return found


def check(op_id: str, answer: Answer, version: str, kind: str) -> None:
    """The answer is a 200 of the promised kind that matches the spec (2025-09-03 shape too when
    that version was asked for)."""
    assert answer.status == 200, f"{op_id}: {answer.status} {answer.body}"
    body = answer.body
    schema = openapi.response_schema(op_id, 200)
    if schema is not None:
        openapi.assert_valid(schema, body, f"{op_id} answer")
    else:
        example = openapi.response_example(op_id, 200)
        assert example is not None, f"{op_id}: the spec has neither schema nor example"
        openapi.assert_like_example(example, body, f"{op_id} answer")
    assert body.get("object") == kind, f"{op_id} answered {body.get('object')!r}, not {kind!r}"
    if kind == "list":
        assert set(body) >= LIST_KEYS, f"{op_id}: a list has {sorted(LIST_KEYS)}"
        assert body["type"] in body, f"{op_id}: a list of type {body['type']!r} has that key"
    if version == NOTION_VERSION:
        problems = shape_2025(body)
        assert not problems, f"{op_id}, Notion-Version {version}:\n" + "\n".join(problems)


@dataclass(frozen=True)
class Case:
    op_id: str
    kind: str
    run: Callable[[Notion, Seed], Answer]


def _new(notion: Notion) -> dict[str, Any]:
    return notion.new_page("Contract page", None)


def _first_block(notion: Notion, page: dict[str, Any]) -> str:
    children = notion.ok("get-block-children", path={"block_id": page["id"]})
    block_id: str = children["results"][0]["id"]
    return block_id


def _comment(notion: Notion, page_id: str) -> Answer:
    return notion(
        "create-a-comment",
        body={"parent": {"page_id": page_id}, "rich_text": [{"text": {"content": "A comment"}}]},
    )


def _retrieve_comments(notion: Notion) -> Answer:
    page = _new(notion)
    notion.ok("create-a-comment", body={"parent": {"page_id": page["id"]},
              "rich_text": [{"text": {"content": "First"}}]})  # fmt: skip
    return notion("retrieve-a-comment", query={"block_id": page["id"]})


SHARED = [
    Case("retrieve-a-page", "page", lambda n, s: n(
        "retrieve-a-page", path={"page_id": _new(n)["id"]})),
    Case("post-page", "page", lambda n, s: n("post-page", body={
        "parent": {"page_id": _new(n)["id"]},
        "properties": {"title": {"title": [{"text": {"content": "Child"}}]}},
    })),
    Case("patch-page", "page", lambda n, s: n("patch-page", path={"page_id": _new(n)["id"]}, body={
        "properties": {"title": {"title": [{"text": {"content": "Renamed"}}]}},
        "icon": {"emoji": "📘"},
    })),
    Case("get-block-children", "list", lambda n, s: n(
        "get-block-children", path={"block_id": _new(n)["id"]}, query={"page_size": 2})),
    Case("patch-block-children", "list", lambda n, s: n(
        "patch-block-children", path={"block_id": _new(n)["id"]}, body={"children": [
            {"paragraph": {"rich_text": [{"text": {"content": "Appended"}}]}},
            {"bulleted_list_item": {"rich_text": [{"text": {"content": "Item"}}]}},
        ]})),
    Case("retrieve-a-block", "block", lambda n, s: n(
        "retrieve-a-block", path={"block_id": _first_block(n, _new(n))})),
    Case("update-a-block", "block", lambda n, s: n(
        "update-a-block", path={"block_id": _first_block(n, _new(n))},
        body={"paragraph": {"rich_text": [{"text": {"content": "Edited"}}]}})),
    Case("delete-a-block", "block", lambda n, s: n(
        "delete-a-block", path={"block_id": _first_block(n, _new(n))})),
    Case("get-users", "list", lambda n, s: n("get-users", query={"page_size": 100})),
    Case("get-self", "user", lambda n, s: n("get-self")),
    Case("post-search", "list", lambda n, s: n("post-search", body={
        "query": "Contract page", "filter": {"property": "object", "value": "page"},
        "sort": {"timestamp": "last_edited_time", "direction": "descending"}, "page_size": 5})),
    Case("retrieve-a-comment", "list", lambda n, s: _retrieve_comments(n)),
    Case("create-a-comment", "comment", lambda n, s: _comment(n, _new(n)["id"])),
]  # fmt: skip


@pytest.mark.parametrize("version", [NOTION_VERSION, OLD_VERSION])
@pytest.mark.parametrize("case", SHARED, ids=[case.op_id for case in SHARED])
def test_shapes_both_versions_share(notion: Notion, seed: Seed, case: Case, version: str) -> None:
    notion.version = version
    check(case.op_id, case.run(notion, seed), version, case.kind)


@pytest.mark.xfail(
    strict=True,
    reason="the vendored file gives get-user's 200 neither a schema nor an example, so `check` "
    "cannot judge it; the sandbox serves it (unit test test_get_user_by_id)",
)
@pytest.mark.parametrize("version", [NOTION_VERSION, OLD_VERSION])
def test_get_user(notion: Notion, version: str) -> None:
    notion.version = version
    me = notion.ok("get-users")["results"][0]
    check("get-user", notion("get-user", path={"user_id": me["id"]}), version, "user")


# Databases: 2025-09-03 moved their schema and rows to data sources ---------------------------

DATABASE_CASES = [
    Case("retrieve-a-page", "page", lambda n, s: n("retrieve-a-page", path={"page_id": s.row_id})),
    Case("post-search", "list", lambda n, s: n("post-search", body={"query": "Tasks"})),
    Case("retrieve-a-database", "database", lambda n, s: n(
        "retrieve-a-database", path={"database_id": s.database_id})),
    Case("query-data-source", "list", lambda n, s: n(
        "query-data-source", path={"data_source_id": s.data_source_id}, body={"page_size": 3})),
    Case("retrieve-a-data-source", "data_source", lambda n, s: n(
        "retrieve-a-data-source", path={"data_source_id": s.data_source_id})),
    Case("list-data-source-templates", "list", lambda n, s: n(
        "list-data-source-templates", path={"data_source_id": s.data_source_id})),
]  # fmt: skip


@pytest.mark.parametrize("case", DATABASE_CASES, ids=[case.op_id for case in DATABASE_CASES])
def test_databases_in_2025_09_03(notion: Notion, seed: Seed, case: Case) -> None:
    check(case.op_id, case.run(notion, seed), NOTION_VERSION, case.kind)


def test_search_filters_data_sources(notion: Notion) -> None:
    """The spec's search filter takes `page` or `data_source` (`database` is 2022-06-28)."""
    body = {"filter": {"property": "object", "value": "data_source"}, "page_size": 10}
    openapi.assert_valid(openapi.request_schema("post-search"), body, "post-search request")
    answer = notion("post-search", body=body)
    check("post-search", answer, NOTION_VERSION, "list")
    assert answer.body["results"], "the seeded workspace has data sources"
    assert {item["object"] for item in answer.body["results"]} == {"data_source"}


def test_a_row_created_in_a_data_source(notion: Notion, seed: Seed) -> None:
    """2025-09-03 creates rows under `{"type": "data_source_id", ...}`; the file's request schema
    still names that parent `database_id` (dataSourceIdParentRequest), which is sent here."""
    parent = {"type": "data_source_id", "data_source_id": seed.data_source_id}
    body = {"parent": parent, "properties": {"Name": {"title": [{"text": {"content": "Row"}}]}}}
    answer = notion("post-page", body=body)
    check("post-page", answer, NOTION_VERSION, "page")
    assert answer.body["parent"]["type"] == "data_source_id"


def test_the_2022_database_query_still_answers_the_2022_shape(notion: Notion, seed: Seed) -> None:
    """post-database-query is not in the 2025-09-03 file; under 2022-06-28 it answers a list
    of rows with `database_id` parents (validated against query-data-source's schema, its
    2025-09-03 successor)."""
    notion.version = OLD_VERSION
    answer = notion("post-database-query", path={"database_id": seed.database_id},
                    body={"page_size": 3})  # fmt: skip
    check("query-data-source", answer, OLD_VERSION, "list")
    assert {row["parent"]["type"] for row in answer.body["results"]} == {"database_id"}


def test_the_2022_database_query_under_2025_09_03(notion: Notion, seed: Seed) -> None:
    """Asked with 2025-09-03, the old query answers rows that belong to a data source."""
    answer = notion("post-database-query", path={"database_id": seed.database_id},
                    body={"page_size": 3})  # fmt: skip
    check("query-data-source", answer, NOTION_VERSION, "list")


# Lists carry exactly Notion's keys ----------------------------------------------------------

LIST_CASES = [case for case in SHARED if case.kind == "list"]


@pytest.mark.parametrize("case", LIST_CASES, ids=[case.op_id for case in LIST_CASES])
def test_lists_carry_no_extra_keys(notion: Notion, seed: Seed, case: Case) -> None:
    """The spec's list example (retrieve-a-comment) has exactly object, results, next_cursor,
    has_more, type and the type's key; the official dialect passes Notion's answer through."""
    body = case.run(notion, seed).body
    assert set(body) == LIST_KEYS | {body["type"]}, f"extra keys: {set(body) - LIST_KEYS}"
