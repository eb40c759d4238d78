"""alloy/actions.py: catalogs of any shape parsed, form inputs checked against their schemas,
the execute call they make, and logged calls turned back into replays."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from alloy_tui.alloy.actions import (
    InputProblem,
    Parameter,
    action_kind,
    body_template,
    check_body,
    coerce_parameter,
    connector_headers,
    fold,
    parse_action,
    parse_connector,
    parse_json,
    parse_replay,
    prepare_call,
    replay_of,
)
from alloy_tui.alloy.requestlog import RequestLog
from alloy_tui.alloy.retry import ActionKind


def test_connectors_of_any_shape() -> None:
    assert parse_connector("slack") is not None
    notion = parse_connector({"connectorId": "notion", "displayName": "Notion", "summary": "x"})
    assert notion is not None and (notion.id, notion.name, notion.description) == (
        "notion",
        "Notion",
        "x",
    )
    named_only = parse_connector({"name": "HubSpot"})
    assert named_only is not None and named_only.id == "HubSpot"
    assert parse_connector({"logo": "x.png"}) is None
    assert parse_connector(42) is None


def test_the_sandbox_dialect_action() -> None:
    action = parse_action(
        {
            "action": {
                "id": "get-block-children",
                "displayName": "Retrieve block children",
                "httpMethod": "GET",
                "path": "/v1/blocks/{block_id}/children",
                "parameters": [
                    {
                        "name": "block_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "page_size",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer"},
                    },
                ],
                "requestBody": None,
            }
        }
    )
    assert action is not None
    assert action.method == "GET" and not action.takes_body
    block, size = action.parameters
    assert (block.location, block.required, block.type) == ("path", True, "string")
    assert (size.location, size.required, size.type) == ("query", False, "integer")


def test_other_shapes_are_read_too() -> None:
    """OpenAPI-style bodies, parameters as a mapping, types as lists, unknown locations."""
    action = parse_action(
        {
            "actionId": "chat.postMessage",
            "method": "post",
            "url": "/api/chat.postMessage",
            "params": {
                "channel": {"in": "query", "type": ["string", "null"], "required": True},
                "X-Trace": {"in": "header"},
                "session": {"in": "cookie"},
                "thread": {"in": "path"},
            },
            "requestBody": {
                "content": {
                    "application/json": {"schema": {"type": "object", "required": ["text"]}}
                }
            },
        }
    )
    assert action is not None
    assert (action.id, action.method, action.path) == (
        "chat.postMessage",
        "POST",
        "/api/chat.postMessage",
    )
    by_name = {p.name: p for p in action.parameters}
    assert by_name["channel"].type == "string" and by_name["channel"].required
    assert by_name["X-Trace"].location == "header" and by_name["X-Trace"].sendable
    assert not by_name["session"].sendable
    assert by_name["thread"].required  # a path parameter is required unless it says otherwise
    assert action.body_schema == {"type": "object", "required": ["text"]}
    assert parse_action({"description": "no id"}) is None


def test_kinds() -> None:
    search = parse_action({"id": "post-search", "httpMethod": "POST"})
    assert search is not None and action_kind("notion", search) == ActionKind.READ
    for method, kind in (
        ("GET", "read"),
        ("PATCH", "write"),
        ("DELETE", "write"),
        ("POST", "create"),
        ("", "create"),
    ):
        action = parse_action({"id": "x", "method": method})
        assert action is not None and action_kind("slack", action) == ActionKind(kind)
    assert connector_headers("notion", "query-data-source", "2022-06-28") == {
        "Notion-Version": "2025-09-03"
    }
    assert connector_headers("notion", "post-search", "2022-06-28") == {
        "Notion-Version": "2022-06-28"
    }
    assert connector_headers("slack", "post-search", "2022-06-28") == {}


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("integer", " 42 ", 42),
        ("number", "1.5", 1.5),
        ("boolean", "True", True),
        ("object", '{"a": 1}', {"a": 1}),
        ("array", "[1]", [1]),
        ("string", "  keep spaces ", "  keep spaces "),
    ],
)
def test_typed_fields(kind: str, text: str, value: Any) -> None:
    assert coerce_parameter(Parameter("f", "query", False, kind), text) == value


@pytest.mark.parametrize(
    ("kind", "text", "says"),
    [
        ("integer", "ten", "f must be a whole number (it is 'ten')"),
        ("number", "nan", "f must be a finite number"),
        ("boolean", "yes", "f must be true or false"),
        ("object", "[1]", "f must be a JSON object (it is an array)"),
        ("array", "{", "f must be a JSON array: Expecting"),
    ],
)
def test_typed_fields_refuse_with_a_sentence(kind: str, text: str, says: str) -> None:
    with pytest.raises(InputProblem) as caught:
        coerce_parameter(Parameter("f", "query", False, kind), text)
    assert caught.value.field == "f"
    assert says in caught.value.sentence


def test_json_problems_name_the_line_and_column() -> None:
    with pytest.raises(InputProblem) as caught:
        parse_json('{\n  "a": 1,\n  "b": \n}')
    problem = caught.value
    assert (problem.line, problem.column) == (4, 1)
    assert problem.sentence.startswith("The body is not valid JSON: line 4, column 1:")


def test_bodies_are_checked_against_the_schema() -> None:
    schema = {
        "type": "object",
        "required": ["children"],
        "properties": {
            "children": {"type": "array", "items": {"type": "object"}},
            "after": {"type": "string"},
            "mode": {"enum": ["a", "b"]},
        },
    }
    check_body({"children": [{}], "after": "x", "extra": 1}, schema)
    cases = [
        ([], "body must be an object (it is an array)"),
        ({}, "body.children is required; add it."),
        ({"children": {}}, "body.children must be an array (it is an object)"),
        ({"children": [1]}, "body.children[0] must be an object (it is a whole number)"),
        ({"children": [], "mode": "c"}, 'body.mode must be one of "a", "b"'),
    ]
    for value, says in cases:
        with pytest.raises(InputProblem) as caught:
            check_body(value, schema)
        assert caught.value.sentence == says or caught.value.sentence.startswith(says)
    check_body(None, None)  # no schema: anything goes


def test_body_templates_hold_the_required_fields() -> None:
    schema = {
        "type": "object",
        "required": ["parent", "properties", "n"],
        "properties": {"parent": {"type": "object"}, "n": {"type": "integer", "default": 3}},
    }
    assert json.loads(body_template(schema)) == {"parent": {}, "properties": None, "n": 3}
    assert body_template(None) == "{}"
    assert body_template({"type": "array"}) == "[]"


def test_prepare_call_collects_every_problem() -> None:
    action = parse_action(
        {
            "id": "q",
            "httpMethod": "POST",
            "parameters": [
                {"name": "database_id", "in": "path"},
                {"name": "page_size", "in": "query", "schema": {"type": "integer"}},
                {"name": "X-Trace", "in": "header"},
            ],
            "requestBody": {"type": "object", "required": ["filter"]},
        }
    )
    assert action is not None
    call, problems = prepare_call(action, {"page_size": "x"}, '{"filter": ')
    assert call is None
    assert [p.field for p in problems] == ["database_id", "page_size", None]
    call, problems = prepare_call(
        action, {"database_id": " db1 ", "page_size": "5", "X-Trace": "t"}, '{"filter": {}}'
    )
    assert problems == [] and call is not None
    assert call.path_params == {"database_id": "db1"}
    assert call.query == {"page_size": 5}
    assert call.headers == {"X-Trace": "t"}
    assert call.body == {"filter": {}}
    _call, problems = prepare_call(action, {"database_id": "db1"}, "  ")
    assert [p.sentence for p in problems] == [
        "The body is empty; this action needs one (see its fields)."
    ]


def test_fold() -> None:
    assert fold(["a", "b", "c"], 2) == ("a\nb", 1)
    assert fold(["a"], 2) == ("a", 0)


def _logged(log: RequestLog, *, url: str, body: Any, method: str = "POST") -> Any:
    record = log.start(
        method,
        url,
        started_at=datetime(2025, 1, 1, tzinfo=UTC),
        connector="notion",
        action="post-search",
        connection_id="c1",
        request_json=json.dumps(body) if body is not None else None,
    )
    log.finish(record, status=200, latency_ms=1, attempts=1, waited_s=0)
    return record


def test_replays_of_logged_calls() -> None:
    log = RequestLog(body_cap=200)
    execute = "http://x/connectors/notion/actions/post-search/execute"
    body = {
        "credentialId": "c1",
        "userId": "u",
        "requestBody": {"query": "a"},
        "additionalHeaders": {"Notion-Version": "2022-06-28"},
    }
    replay = replay_of(_logged(log, url=execute, body=body))
    assert not isinstance(replay, str)
    assert replay.inputs == {
        "requestBody": {"query": "a"},
        "additionalHeaders": {"Notion-Version": "2022-06-28"},
    }
    assert parse_replay(replay.editor_text()) == replay.inputs
    listing = replay_of(_logged(log, url="http://x/connectors", body=None, method="GET"))
    assert isinstance(listing, str) and listing.startswith("Only action calls can be replayed")
    cut = replay_of(_logged(log, url=execute, body={**body, "requestBody": {"q": "x" * 500}}))
    assert isinstance(cut, str) and "cut in the log" in cut


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[]", "The call must be a JSON object"),
        ('{"credentialId": "other"}', "'credentialId' cannot be replayed"),
        ('{"pathParams": []}', "pathParams must be an object"),
        ('{"pathParams": {"page_id": 1}}', "pathParams.page_id must be text."),
        ('{"requestBody": ', "The call is not valid JSON: line 1"),
    ],
)
def test_edited_replays_are_checked(text: str, says: str) -> None:
    with pytest.raises(InputProblem) as caught:
        parse_replay(text)
    assert caught.value.sentence.startswith(says)
