"""Alloy's documented shapes in the official dialect (envelope, catalog, x-api-version) and the
Notion version per execute call, next to the guide dialect's bare answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from alloy_tui.sandbox import cli
from alloy_tui.sandbox.actions import ACTIONS
from alloy_tui.sandbox.defaults import (
    DEFAULT_API_KEY,
    DEFAULT_NOTION_VERSION,
    DEFAULT_USER_ID,
    SEED_CONNECTION_ID,
)
from alloy_tui.sandbox.server import SandboxConfig, SandboxServer

KEY = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
VERSION = {"x-api-version": "2025-09"}
OFFICIAL_ROUTES = [
    ("GET", "/connectors"),
    ("GET", "/connectors/notion"),
    ("GET", "/connectors/notion/actions"),
    ("GET", "/connectors/notion/actions/post-search"),
    ("GET", "/connectors/notion/credentials"),
    ("GET", "/connectors/notion/credentials/metadata"),
    ("GET", f"/credentials/users/{DEFAULT_USER_ID}"),
    ("DELETE", f"/users/{DEFAULT_USER_ID}/credentials/{'0' * 24}"),
    ("POST", "/connectors/notion/actions/get-self/execute"),
]


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, headers=KEY, timeout=30) as client:
        yield client


def execute(client: httpx.Client, action: str, **fields: Any) -> httpx.Response:
    return client.post(
        f"/connectors/notion/actions/{action}/execute",
        json={"credentialId": SEED_CONNECTION_ID, **fields},
        headers=VERSION,
    )


def send(client: httpx.Client, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body = {"credentialId": SEED_CONNECTION_ID} if method == "POST" else None
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path"), OFFICIAL_ROUTES)
def test_the_official_dialect_requires_x_api_version(
    client: httpx.Client, method: str, path: str
) -> None:
    for headers in ({}, {"x-api-version": "1999-01"}):
        response = send(client, method, path, headers)
        assert response.status_code == 400, response.text
        assert "x-api-version" in response.json()["error"]["message"]
    assert send(client, method, path, VERSION).status_code in (200, 404)


def test_the_guides_routes_need_no_x_api_version(client: httpx.Client) -> None:
    assert client.get("/credentials").status_code == 200
    listed = client.post(
        "/connectors/notion/actions/post-search",
        json={"credentialId": SEED_CONNECTION_ID, "parameters": {"page_size": 2}},
    )
    assert listed.status_code == 200
    started = client.post(
        "/connectors/notion/credentials",
        json={"userId": DEFAULT_USER_ID, "redirectUri": "http://127.0.0.1:9/cb"},
    )
    assert started.status_code == 200


def test_official_execute_answers_the_documented_envelope(client: httpx.Client) -> None:
    me = execute(client, "get-self")
    assert me.status_code == 200
    assert me.json().keys() == {"success", "result"}
    assert me.json()["success"] is True and me.json()["result"]["object"] == "user"
    # Lists: exactly Notion's list object inside the envelope, no extra `data` copy.
    listed = execute(client, "post-search", requestBody={"page_size": 3}).json()["result"]
    assert listed["object"] == "list" and len(listed["results"]) == 3
    assert "data" not in listed
    # The guide dialect: bare, and lists also under the guide's `data`.
    guide = client.post(
        "/connectors/notion/actions/post-search",
        json={"credentialId": SEED_CONNECTION_ID, "parameters": {"page_size": 3}},
    ).json()
    assert guide["data"] == guide["results"] == listed["results"]
    # Notion's errors keep Notion's status and body, unwrapped.
    missing = execute(client, "retrieve-a-page", pathParams={"page_id": "0" * 32})
    assert missing.status_code == 404 and missing.json()["code"] == "object_not_found"


@pytest.mark.parametrize("spec", ACTIONS, ids=lambda spec: spec.id)
def test_action_details_have_the_documented_shape(client: httpx.Client, spec: Any) -> None:
    action = client.get(f"/connectors/notion/actions/{spec.id}", headers=VERSION).json()["action"]
    assert {"id", "displayName", "description", "httpMethod", "path", "parameters"} <= set(action)
    for parameter in action["parameters"]:
        assert parameter.keys() == {"name", "in", "required", "schema"}
        assert parameter["in"] in ("path", "query")
        assert parameter["schema"]["type"] in ("string", "integer")
    body = action["requestBody"]
    if spec.http_method in ("POST", "PATCH"):
        assert body["type"] == "object"
        assert set(body["required"]) <= set(body["properties"])
        assert all("type" in schema for schema in body["properties"].values())
    else:
        assert body is None


def test_post_page_detail_names_its_required_body_fields(client: httpx.Client) -> None:
    action = client.get("/connectors/notion/actions/post-page", headers=VERSION).json()["action"]
    assert action["requestBody"]["required"] == ["parent", "properties"]
    assert action["requestBody"]["properties"]["children"] == {"type": "array"}


def test_connector_and_credentials_metadata_exist(client: httpx.Client) -> None:
    connector = client.get("/connectors/notion", headers=VERSION)
    assert connector.status_code == 200
    assert connector.json()["connector"]["id"] == "notion"
    metadata = client.get("/connectors/notion/credentials/metadata", headers=VERSION)
    assert metadata.status_code == 200
    assert metadata.json()["authenticationType"] == "oauth2"
    for path in ("/connectors/nope", "/connectors/nope/credentials/metadata"):
        assert client.get(path, headers=VERSION).status_code == 404


def _recording(server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What Notion version each execute hands the engine's entry point."""
    seen: list[str] = []
    real = server.sandbox.execute

    def record(action_id: str, **kwargs: Any) -> tuple[int, Any]:
        seen.append(kwargs["notion_version"])
        return real(action_id, **kwargs)

    monkeypatch.setattr(server.sandbox, "execute", record)
    return seen


def test_the_notion_version_comes_from_additional_headers_or_the_default(
    sandbox_factory: Callable[..., SandboxServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(rate_limit=False)
    assert server.config.notion_version == DEFAULT_NOTION_VERSION == "2025-09-03"
    seen = _recording(server, monkeypatch)
    with httpx.Client(base_url=server.base_url, headers=KEY) as client:
        assert execute(client, "get-self").status_code == 200
        old = {"additionalHeaders": {"notion-version": "2022-06-28"}}
        assert execute(client, "get-self", **old).status_code == 200
        new = {"additionalHeaders": {"Notion-Version": "2025-09-03"}}
        assert execute(client, "get-self", **new).status_code == 200
        for bad in ("2021-05-13", 20220628, ""):
            refused = execute(client, "get-self", additionalHeaders={"Notion-Version": bad})
            assert refused.status_code == 400
            assert refused.json()["object"] == "error"
            assert "Notion-Version" in refused.json()["message"]
        assert execute(client, "get-self", additionalHeaders=[]).status_code == 400
    assert seen == ["2025-09-03", "2022-06-28", "2025-09-03"]

    pinned = sandbox_factory(rate_limit=False, notion_version="2022-06-28")
    seen = _recording(pinned, monkeypatch)
    with httpx.Client(base_url=pinned.base_url, headers=KEY) as client:
        assert execute(client, "get-self").status_code == 200
    assert seen == ["2022-06-28"]


def test_an_unknown_default_notion_version_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(ValueError, match="notion_version"):
        SandboxServer(SandboxConfig(port=0, notion_version="2020-01-01")).start()
    with pytest.raises(SystemExit):
        cli.main(["--notion-version", "2020-01-01"])
    assert "--notion-version" in capsys.readouterr().err
