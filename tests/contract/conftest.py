"""A private sandbox for the contract tests, and a plain caller of its official execute endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
from tests.contract.openapi import NOTION_VERSION

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import SandboxServer

OLD_VERSION = "2022-06-28"
VERSIONS = (NOTION_VERSION, OLD_VERSION)


def unwrap(answer: Any) -> Any:
    """The Notion object of an execute answer: Alloy's documented `{"success": true, "result":
    X}` envelope or the bare object the sandbox answered before it."""
    if isinstance(answer, dict) and answer.get("success") is True and "result" in answer:
        return answer["result"]
    return answer


@dataclass
class Answer:
    status: int
    body: Any
    """The Notion object (any Alloy envelope removed)."""


@dataclass
class Notion:
    """Executes Notion actions through the sandbox's official dialect, as the client does."""

    http: httpx.Client
    version: str = NOTION_VERSION
    sent: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self,
        action: str,
        *,
        path: dict[str, str] | None = None,
        body: Any = None,
        query: dict[str, Any] | None = None,
        version: str | None = None,
    ) -> Answer:
        payload: dict[str, Any] = {
            "credentialId": SEED_CONNECTION_ID,
            "userId": DEFAULT_USER_ID,
            "additionalHeaders": {"Notion-Version": version or self.version},
        }
        if body is not None:
            payload["requestBody"] = body
        if query:
            payload["queryParameters"] = query
        if path:
            payload["pathParams"] = path
        self.sent.append(payload)
        response = self.http.post(f"/connectors/notion/actions/{action}/execute", json=payload)
        return Answer(response.status_code, unwrap(response.json()))

    def ok(self, action: str, **kwargs: Any) -> Any:
        answer = self(action, **kwargs)
        assert answer.status == 200, f"{action}: {answer.status} {json.dumps(answer.body)[:500]}"
        return answer.body

    def new_page(self, title: str, parent: dict[str, Any] | None = None) -> dict[str, Any]:
        page: dict[str, Any] = self.ok(
            "post-page",
            body={
                "parent": parent or {"type": "workspace", "workspace": True},
                "properties": {"title": {"title": [{"text": {"content": title}}]}},
                "children": [
                    {"paragraph": {"rich_text": [{"text": {"content": f"{title} {n}"}}]}}
                    for n in range(3)
                ],
            },
        )
        return page


@pytest.fixture(scope="session")
def contract_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """A seeded sandbox of the contract tests' own (rate limit off), shared by them: each test
    creates what it changes."""
    from alloy_tui.sandbox.server import SandboxConfig, SandboxServer

    data: Path = tmp_path_factory.mktemp("contract") / "sandbox.sqlite3"
    server = SandboxServer(SandboxConfig(data_path=data, port=0, rate_limit=False))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def alloy_http(contract_sandbox: SandboxServer) -> Iterator[httpx.Client]:
    headers = {
        "Authorization": f"Bearer {DEFAULT_API_KEY}",
        "x-alloy-userid": DEFAULT_USER_ID,
        "x-api-version": "2025-09",
    }
    with httpx.Client(base_url=contract_sandbox.base_url, headers=headers, timeout=30) as http:
        yield http


@pytest.fixture
def notion(alloy_http: httpx.Client) -> Notion:
    """Speaks Notion-Version 2025-09-03 (the spec's version) unless told otherwise."""
    return Notion(alloy_http)


@dataclass(frozen=True)
class Seed:
    """Ids from the seeded workspace (found by search, never hard-coded)."""

    database_id: str
    row_id: str
    """A page of that database."""
    data_source_id: str
    """The database's first data source where the sandbox has them, else the database id."""


@pytest.fixture(scope="session")
def seed(alloy_http: httpx.Client) -> Seed:
    notion = Notion(alloy_http, version=OLD_VERSION)
    found = notion.ok("post-search", body={"query": "Tasks", "filter": {"property": "object",
                      "value": "database"}})  # fmt: skip
    database_id = found["results"][0]["id"]
    rows = notion.ok("post-database-query", path={"database_id": database_id},
                     body={"page_size": 1})  # fmt: skip
    database = Notion(alloy_http).ok("retrieve-a-database", path={"database_id": database_id})
    sources = database.get("data_sources") or [{"id": database_id}]
    return Seed(database_id, rows["results"][0]["id"], sources[0]["id"])
