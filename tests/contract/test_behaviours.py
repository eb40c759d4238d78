"""What the spec states besides shapes: page_size bounds ("Maximum: 100", an integer), cursors
(`next_cursor` null when `has_more` is false; a cursor continues where the last page ended),
required request fields and parameters (their absence is a 400), and error bodies
`{object: "error", status, code, message}` (the spec's 400 schema)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from tests.contract import openapi
from tests.contract.conftest import VERSIONS, Answer, Notion

Lister = Callable[[Notion, dict[str, Any]], Answer]
"""Runs a list operation with the given paging fields (body or query, as the spec puts them)."""


def _children(parent_id: str) -> Lister:
    return lambda n, paging: n(
        "get-block-children", path={"block_id": parent_id}, query=paging or None
    )


LISTERS: dict[str, Callable[[Notion], Lister]] = {
    "get-users": lambda n: lambda n2, paging: n2("get-users", query=paging or None),
    "post-search": lambda n: _searched(n),
    "get-block-children": lambda n: _children(n.new_page("Paged")["id"]),
    "retrieve-a-comment": lambda n: _comments(n),
}


_made = itertools.count()


def _searched(notion: Notion) -> Lister:
    """Search for three new pages with a title of their own (the workspace has > 100 items)."""
    token = f"Cursorwalk{next(_made)}x"
    for n in range(3):
        notion.new_page(f"{token} {n}")
    return lambda n, paging: n("post-search", body={"query": token, **paging})


def _comments(notion: Notion) -> Lister:
    page_id = notion.new_page("Commented")["id"]
    for text in ("one", "two", "three"):
        notion.ok("create-a-comment", body={"parent": {"page_id": page_id},
                  "rich_text": [{"text": {"content": text}}]})  # fmt: skip
    return lambda n, paging: n("retrieve-a-comment", query={"block_id": page_id, **paging})


def assert_error(answer: Answer, status: int, op_id: str, code: str = "validation_error") -> None:
    """A Notion error body: the spec's 400 schema, every one of its four fields present, the
    HTTP status repeated in `status`."""
    assert answer.status == status, f"{op_id}: {answer.status} {answer.body}"
    schema = openapi.response_schema(op_id, 400)
    openapi.assert_valid(schema, answer.body, f"{op_id} error")
    assert set(answer.body) == {"object", "status", "code", "message"}, answer.body
    assert answer.body["object"] == "error"
    assert answer.body["status"] == status
    assert answer.body["code"] == code
    assert answer.body["message"]


def _page_size_maximum(op_id: str) -> int | None:
    """The maximum the spec states for page_size (in the parameter's or the body field's
    description, "Maximum: 100"), or None."""
    texts = [
        p.get("description", "") for p in openapi.parameters(op_id) if p["name"] == "page_size"
    ]
    body = openapi.operation(op_id).get("requestBody")
    if body is not None:
        fields = body["content"]["application/json"]["schema"].get("properties", {})
        texts.append(fields.get("page_size", {}).get("description", ""))
    for text in texts:
        if "Maximum:" in text:
            return int(text.split("Maximum:")[1].strip(" `.\n"))
    return None


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("op_id", sorted(LISTERS))
def test_page_size_bounds(notion: Notion, op_id: str, version: str) -> None:
    notion.version = version
    maximum = _page_size_maximum(op_id)
    assert maximum == 100
    run = LISTERS[op_id](notion)
    assert run(notion, {"page_size": maximum}).status == 200
    assert len(run(notion, {"page_size": 1}).body["results"]) <= 1
    for bad in (0, maximum + 1, -1):
        assert_error(run(notion, {"page_size": bad}), 400, op_id)
    # Not an integer: outside the spec's schema ({"type": "integer"}), and a 400 too.
    for bad_value in ("ten", 2.5):
        assert openapi.request_problems(op_id, _paging_payload(op_id, bad_value))
        assert_error(run(notion, {"page_size": bad_value}), 400, op_id)


def _paging_payload(op_id: str, page_size: Any) -> dict[str, Any]:
    if openapi.request_schema(op_id) is not None:
        return {"requestBody": {"page_size": page_size}}
    return {"queryParameters": {"page_size": page_size}}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("op_id", sorted(LISTERS))
def test_cursors_walk_every_item_once(notion: Notion, op_id: str, version: str) -> None:
    notion.version = version
    run = LISTERS[op_id](notion)
    everything = run(notion, {"page_size": 100}).body
    assert everything["has_more"] is False
    assert everything["next_cursor"] is None
    expected = [item["id"] for item in everything["results"]]
    assert len(expected) >= 2, f"{op_id}: too few items to page"
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(len(expected) + 1):
        paging: dict[str, Any] = {"page_size": 2}
        if cursor is not None:
            paging["start_cursor"] = cursor
        page = run(notion, paging).body
        seen += [item["id"] for item in page["results"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None, f"{op_id}: next_cursor without has_more"
            break
        assert isinstance(page["next_cursor"], str) and page["next_cursor"]
        cursor = page["next_cursor"]
    assert seen == expected


def _page(notion: Notion) -> str:
    page_id: str = notion.new_page("Required fields")["id"]
    return page_id


MISSING_REQUIRED: list[Any] = [
    ("post-page", lambda n: n("post-page", body={"properties": {}})),
    ("post-page", lambda n: n("post-page", body={"parent": {"page_id": _page(n)}})),
    ("patch-block-children", lambda n: n("patch-block-children", path={"block_id": _page(n)},
                                         body={})),
    ("create-a-comment", lambda n: n("create-a-comment", body={"parent": {"page_id": _page(n)}})),
    ("create-a-comment", lambda n: n("create-a-comment",
                                     body={"rich_text": [{"text": {"content": "x"}}]})),
    ("create-a-comment", lambda n: n("create-a-comment", body={
        "parent": {"page_id": _page(n)}, "rich_text": [{"text": {}}]})),
    ("retrieve-a-comment", lambda n: n("retrieve-a-comment")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("op_id", "run"),
    MISSING_REQUIRED,
    ids=[
        "post-page-parent",
        "post-page-properties",
        "patch-block-children-children",
        "create-a-comment-rich_text",
        "create-a-comment-parent",
        "create-a-comment-text.content",
        "retrieve-a-comment-block_id",
    ],
)
def test_a_missing_required_field_is_a_400(
    notion: Notion, op_id: str, run: Callable[[Notion], Answer]
) -> None:
    answer = run(notion)
    payload = notion.sent[-1]
    missing = [p for p in openapi.request_problems(op_id, payload) if "required" in p]
    assert missing, f"{op_id}: the spec requires nothing that is missing here"
    assert_error(answer, 400, op_id)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_notion_error_has_the_error_shape(notion: Notion, version: str) -> None:
    """404s and 400s alike (the spec documents only the 400 body; Notion uses it for all)."""
    notion.version = version
    missing = "0badc0de-0000-4000-8000-000000000000"
    assert_error(notion("retrieve-a-page", path={"page_id": missing}), 404, "retrieve-a-page",
                 "object_not_found")  # fmt: skip
    assert_error(notion("retrieve-a-block", path={"block_id": missing}), 404, "retrieve-a-block",
                 "object_not_found")  # fmt: skip
    bad_sort = {"sort": {"timestamp": "created_time", "direction": "ascending"}}
    assert_error(notion("post-search", body=bad_sort), 400, "post-search")
