"""The vendored description itself: the file we took, every schema in it usable, every `$ref`
resolvable offline, and which of its operations the sandbox serves."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest

from tests.contract import openapi


def test_the_vendored_file_is_the_one_the_readme_names() -> None:
    assert openapi.spec_sha256() == openapi.SPEC_SHA256
    readme = (openapi.SPEC_DIR / "README.md").read_text(encoding="utf-8")
    assert openapi.SPEC_SHA256 in readme
    assert "MIT" in (openapi.SPEC_DIR / "LICENSE").read_text(encoding="utf-8")


def test_it_describes_notion_2025_09_03() -> None:
    document = openapi.spec()
    assert document["openapi"].startswith("3.1")
    assert openapi.NOTION_VERSION in document["info"]["description"]
    version = document["components"]["parameters"]["notionVersion"]
    assert version["schema"]["default"] == openapi.NOTION_VERSION


def _schemas(value: Any) -> list[dict[str, Any]]:
    """Every request and response schema of every operation, as `$ref`s into the file."""
    refs: list[dict[str, Any]] = []
    for op_id in openapi.operations():
        if (request := openapi.request_schema(op_id)) is not None:
            refs.append(request)
        for status in openapi.operation(op_id)["responses"]:
            if (response := openapi.response_schema(op_id, status)) is not None:
                refs.append(response)
    return refs


def test_every_schema_is_valid_json_schema_and_every_ref_resolves_offline() -> None:
    resolver = openapi.registry().resolver(openapi.SPEC_URI)
    refs = _schemas(openapi.spec())
    assert len(refs) > 40
    for ref in refs:
        schema = resolver.lookup(ref["$ref"]).contents
        jsonschema.Draft202012Validator.check_schema(schema)
        # Validating anything walks every `$ref` the schema reaches; a dangling one raises.
        openapi.problems(ref, {})
    names = openapi.spec()["components"]["schemas"]
    for name in names:
        openapi.problems({"$ref": f"{openapi.SPEC_URI}#/components/schemas/{name}"}, {})


def test_the_operations_the_brief_lists_are_in_the_file() -> None:
    expected = {
        "retrieve-a-page", "post-page", "patch-page", "get-block-children",
        "patch-block-children", "retrieve-a-block", "update-a-block", "delete-a-block",
        "get-users", "get-self", "get-user", "post-search", "retrieve-a-comment",
        "create-a-comment", "retrieve-a-database", "query-data-source",
        "retrieve-a-data-source", "update-a-data-source", "create-a-data-source",
        "list-data-source-templates", "retrieve-a-page-property",
    }  # fmt: skip
    assert expected <= set(openapi.operations())


def test_every_sandbox_action_is_a_spec_operation_except_the_2022_database_query(
    alloy_http: httpx.Client,
) -> None:
    """The action ids are Notion's operationIds; post-database-query is 2022-06-28 only
    (2025-09-03 queries data sources), so the 2025-09-03 file has no such operation."""
    catalog = alloy_http.get("/connectors/notion/actions").json()["actions"]
    served = {action["id"] for action in catalog}
    assert served - set(openapi.operations()) <= {"post-database-query"}
    for action in catalog:
        if action["id"] in openapi.operations():
            path, method = openapi.operations()[action["id"]]
            assert (action["httpMethod"].lower(), action["path"]) == (method, path)


MISSING = sorted(
    {
        "move-page": "move-page is not in the sandbox (not part of issue 8)",
        "retrieve-page-markdown": "page markdown (Notion-Version 2026-03-11) not in the sandbox",
        "update-page-markdown": "page markdown (Notion-Version 2026-03-11) not in the sandbox",
    }.items()
)


@pytest.mark.parametrize(
    "op_id",
    ["retrieve-a-page-property"]
    + [pytest.param(op, marks=pytest.mark.xfail(strict=True, reason=why)) for op, why in MISSING],
)
def test_the_sandbox_serves_every_operation_of_the_file(
    alloy_http: httpx.Client, op_id: str
) -> None:
    response = alloy_http.get(f"/connectors/notion/actions/{op_id}")
    assert response.status_code == 200, response.text


def test_the_missing_list_above_is_exactly_what_the_sandbox_lacks(alloy_http: httpx.Client) -> None:
    """So a newly served operation (or a newly vendored file) is noticed here first."""
    catalog = alloy_http.get("/connectors/notion/actions").json()["actions"]
    served = {action["id"] for action in catalog}
    missing = set(openapi.operations()) - served
    assert missing <= {op for op, _ in MISSING}


def test_the_harness_reports_violations_it_should() -> None:
    """A harness that passes everything would make every other test here meaningless."""
    bad_parent = {"requestBody": {"parent": {"page_id": "nope"}, "properties": {}}}
    found = openapi.request_problems("post-page", bad_parent)
    assert "  requestBody['parent']['page_id']: 'nope' is not a 'uuid'" in found
    assert openapi.request_problems("get-users", {"queryParameters": {"page_size": "x"}}) == [
        "query.page_size: 'x' is not of type 'integer'"
    ]
    assert openapi.request_problems("retrieve-a-comment", {}) == ["query.block_id: required"]
    assert openapi.request_problems("patch-block-children", {"requestBody": {}}) == [
        "requestBody: 'children' is a required property",
        "path.block_id: required",
    ]
    error_schema = openapi.response_schema("post-search", 400)
    assert error_schema is not None
    assert openapi.problems(error_schema, {"object": "error", "status": "400"}) == [
        "$['status']: '400' is not of type 'integer'"
    ]
