"""Bad input is a 400 naming the field, never an exception or an answer the server cannot send.

The server sends every answer as strict UTF-8 JSON (no NaN, no lone surrogates); `sendable`
checks exactly that, so an answer that would be a 500 on the wire fails here too.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.sandbox.actions import ACTIONS
from alloy_tui.sandbox.engine.table import ACTION_TABLE
from tests.unit.test_sandbox_engine import HANDBOOK, TASKS, Sandbox, task_body

SURROGATE = "\ud800"


def sendable(body: Any) -> None:
    json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")


def refused(sb: Sandbox, action: str, needle: str, **kwargs: Any) -> str:
    status, body = sb.call(action, **kwargs)
    sendable(body)
    assert status == 400, body
    assert body["code"] == "validation_error"
    message = str(body["message"])
    assert needle in message, message
    return message


@pytest.fixture(scope="module")
def sb() -> Sandbox:
    return Sandbox()


def test_action_table_covers_the_catalog_and_its_aliases() -> None:
    names = {name for spec in ACTIONS for name in (spec.id, *spec.aliases)}
    assert set(ACTION_TABLE) == names
    for spec in ACTIONS:
        assert all(ACTION_TABLE[alias] is ACTION_TABLE[spec.id] for alias in spec.aliases)


@pytest.mark.parametrize(
    ("action", "name"),
    [
        ("retrieve-a-page", "page_id"),
        ("patch-page", "page_id"),
        ("retrieve-a-database", "database_id"),
        ("post-database-query", "database_id"),
        ("get-block-children", "block_id"),
        ("update-a-block", "block_id"),
        ("delete-a-block", "block_id"),
    ],
)
def test_lone_surrogate_in_a_path_id_is_400_naming_it(sb: Sandbox, action: str, name: str) -> None:
    refused(sb, action, f"path.{name} should be", path={name: "abc" + SURROGATE})


def test_lone_surrogate_in_text_is_400_naming_the_field(sb: Sandbox) -> None:
    body = {
        "parent": {"page_id": HANDBOOK},
        "properties": {"title": {"title": [{"text": {"content": "a" + SURROGATE}}]}},
    }
    refused(sb, "post-page", "body.properties.title.title[0].text.content", body=body)
    refused(
        sb,
        "patch-block-children",
        "body.children[0].paragraph.rich_text[0].text.content",
        path={"block_id": HANDBOOK},
        body={"children": [{"paragraph": {"rich_text": [{"text": {"content": SURROGATE}}]}}]},
    )
    refused(sb, "post-search", "body.query", body={"query": SURROGATE})


def test_lone_surrogate_in_a_key_or_the_query_is_400(sb: Sandbox) -> None:
    refused(sb, "post-page", "body.properties", body=task_body(**{SURROGATE: {"number": 1}}))
    refused(
        sb,
        "get-block-children",
        "query.start_cursor",
        path={"block_id": HANDBOOK},
        query={"start_cursor": SURROGATE},
    )
    refused(sb, "retrieve-a-comment", "query.block_id", query={"block_id": SURROGATE})


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), float("nan")])
def test_infinity_and_nan_are_400(sb: Sandbox, number: float) -> None:
    refused(
        sb,
        "post-page",
        "body.properties.Estimate.number should be a finite number",
        body=task_body(Estimate={"number": number}),
    )


@pytest.mark.parametrize("number", [10**400, -(10**309)])
def test_numbers_beyond_a_double_are_400(sb: Sandbox, number: int) -> None:
    refused(
        sb,
        "post-page",
        "body.properties.Estimate.number should be a number Notion can represent",
        body=task_body(Estimate={"number": number}),
    )


def test_large_but_representable_numbers_are_kept(sb: Sandbox) -> None:
    page = sb.ok("post-page", body=task_body(Estimate={"number": 10**300}))
    assert page["properties"]["Estimate"]["number"] == 10**300


@pytest.mark.parametrize(
    ("block", "needle"),
    [
        ({"table": {"table_width": "x"}}, "body.children[0].table.table_width"),
        ({"table": {"table_width": 0}}, "body.children[0].table.table_width"),
        ({"table": {"table_width": 2, "has_column_header": "yes"}}, "has_column_header"),
        ({"table_row": {"cells": "x"}}, "body.children[0].table_row.cells"),
        ({"table_row": {"cells": [[{"text": {"content": 5}}]]}}, "cells[0][0].text.content"),
        ({"bookmark": {"url": 5}}, "body.children[0].bookmark.url"),
        ({"image": {"type": "external", "external": "x"}}, "body.children[0].image.external"),
        ({"image": {"external": {"url": "https://x"}, "caption": "x"}}, "image.caption"),
        ({"table_of_contents": {"color": "nope"}}, "table_of_contents.color"),
    ],
)
def test_wrong_typed_block_fields_are_400(sb: Sandbox, block: dict[str, Any], needle: str) -> None:
    refused(
        sb, "patch-block-children", needle, path={"block_id": HANDBOOK}, body={"children": [block]}
    )


def test_well_typed_other_blocks_are_kept_as_sent(sb: Sandbox) -> None:
    table = {
        "table": {"table_width": 2, "has_column_header": True, "has_row_header": False},
        "children": [{"table_row": {"cells": [[{"text": {"content": "a"}}], []]}}],
    }
    bookmark = {"bookmark": {"url": "https://example.com", "caption": []}}
    page = sb.ok(
        "post-page",
        body={"parent": {"page_id": HANDBOOK}, "properties": {}, "children": [table, bookmark]},
    )
    first, second = sb.children(page["id"])["results"]
    assert first["table"] == table["table"] and first["has_children"]
    assert second["bookmark"] == bookmark["bookmark"]


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ({"start_cursor": "bzo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk"}, "start_cursor"),
        ({"page_size": "9" * 5000}, "query.page_size"),
    ],
)
def test_absurd_paging_is_400(sb: Sandbox, query: dict[str, Any], needle: str) -> None:
    refused(sb, "get-block-children", needle, path={"block_id": HANDBOOK}, query=query)


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()
    | st.text(st.characters(codec=None), max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(codec=None), max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    action=st.sampled_from(["post-page", "patch-page", "patch-block-children", "post-search"]),
    inner=_json,
    key=st.sampled_from(["properties", "children", "parent", "query", "filter", "icon"]),
)
def test_any_json_is_answered_and_sendable(sb: Sandbox, action: str, inner: Any, key: str) -> None:
    path = {"page_id": HANDBOOK, "block_id": HANDBOOK}
    status, body = sb.call(action, path=path, body={key: inner}, query={})
    sendable(body)
    assert status in (200, 400, 404), body


def test_tasks_database_is_queryable_after_fuzzing(sb: Sandbox) -> None:
    assert sb.ok("post-database-query", path={"database_id": TASKS})["object"] == "list"
