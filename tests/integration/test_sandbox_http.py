"""The sandbox's Alloy endpoints in both dialects, over a real socket, plus its CLI."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from alloy_tui.sandbox import cli
from alloy_tui.sandbox.actions import ACTIONS
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
from alloy_tui.sandbox.server import PortInUseError, SandboxConfig, SandboxServer

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}", "x-api-version": "2025-09"}
NOT_FOUND = {"error": {"code": "INVALID_INPUT", "message": "Credential not found"}}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, headers=AUTH, timeout=30) as client:
        yield client


def guide(client: httpx.Client, action: str, parameters: Any, **extra: Any) -> httpx.Response:
    return client.post(
        f"/connectors/notion/actions/{action}",
        json={"credentialId": SEED_CONNECTION_ID, "parameters": parameters, **extra},
    )


def official(client: httpx.Client, action: str, **fields: Any) -> httpx.Response:
    return client.post(
        f"/connectors/notion/actions/{action}/execute",
        json={"credentialId": SEED_CONNECTION_ID, **fields},
        headers={"x-alloy-userid": DEFAULT_USER_ID, "x-api-version": "2025-09"},
    )


def result(response: httpx.Response) -> Any:
    """The Notion answer inside the official dialect's documented envelope."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.keys() == {"success", "result"} and body["success"] is True, body
    return body["result"]


def new_page(client: httpx.Client, title: str) -> dict[str, Any]:
    response = guide(
        client,
        "post-page",
        {
            "parent": {"type": "workspace", "workspace": True},
            "properties": {
                "title": {"type": "title", "title": [{"type": "text", "text": {"content": title}}]}
            },
        },
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def title_of(page: dict[str, Any]) -> str:
    return "".join(item["plain_text"] for item in page["properties"]["title"]["title"])


# Authentication -----------------------------------------------------------------------------

ALLOY_ENDPOINTS = [
    ("GET", "/credentials"),
    ("GET", "/connectors/notion/credentials"),
    ("GET", f"/credentials/users/{DEFAULT_USER_ID}"),
    ("POST", "/connectors/notion/credentials"),
    ("POST", "/connectors/notion/credentials/callback"),
    ("POST", "/connectors/notion/actions/post-search"),
    ("POST", "/connectors/notion/actions/post-search/execute"),
    ("GET", "/connectors"),
    ("GET", "/connectors/notion/actions"),
    ("GET", "/connectors/notion/actions/post-search"),
    ("DELETE", f"/users/{DEFAULT_USER_ID}/credentials/{SEED_CONNECTION_ID}"),
]


@pytest.mark.parametrize(("method", "path"), ALLOY_ENDPOINTS)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {DEFAULT_API_KEY}"}],
    ids=["missing", "wrong-key", "wrong-scheme"],
)
def test_every_alloy_endpoint_needs_the_api_key(
    sandbox: SandboxServer, method: str, path: str, headers: dict[str, str]
) -> None:
    response = httpx.request(method, sandbox.base_url + path, headers=headers, json={})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "UNAUTHORIZED"
    assert error["message"].startswith("Invalid API key")


def test_api_version_header_is_optional_and_any_value_is_accepted(client: httpx.Client) -> None:
    for version in (None, "2025-09", "1999-01"):
        headers = {"x-api-version": version} if version else {}
        assert client.get("/credentials", headers=headers).status_code == 200


def test_another_users_id_is_forbidden(client: httpx.Client) -> None:
    other = "aaaaaaaaaaaaaaaaaaaaaaaa"
    responses = [
        client.get("/credentials", headers={"x-alloy-userid": other}),
        client.get(f"/credentials/users/{other}"),
        client.delete(f"/users/{other}/credentials/{SEED_CONNECTION_ID}"),
        guide(client, "post-search", {}, userId=other),
    ]
    for response in responses:
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "FORBIDDEN"
    assert SEED_CONNECTION_ID in {item["id"] for item in client.get("/credentials").json()}


# Connections --------------------------------------------------------------------------------


def test_the_three_list_endpoints_agree(client: httpx.Client) -> None:
    bare = client.get("/credentials").json()
    assert isinstance(bare, list)
    official_items = client.get("/connectors/notion/credentials").json()["credentials"]
    by_user = client.get(f"/credentials/users/{DEFAULT_USER_ID}").json()["data"]
    assert bare == official_items == by_user
    seed = next(item for item in bare if item["id"] == SEED_CONNECTION_ID)
    assert seed["credentialId"] == SEED_CONNECTION_ID
    assert seed["name"] == "Notion \N{EN DASH} Acme Sandbox"
    assert seed["type"] == "notion-oauth2"
    assert seed["connectorId"] == "notion"
    assert seed["workspaceName"] == "Acme Sandbox"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", seed["createdAt"])
    assert seed["updatedAt"] == seed["createdAt"]


def test_unknown_connector_is_404(client: httpx.Client) -> None:
    for response in (
        client.get("/connectors/hubspot/credentials"),
        client.get("/connectors/hubspot/actions"),
        client.post(
            "/connectors/hubspot/actions/post-search",
            json={"credentialId": SEED_CONNECTION_ID, "parameters": {}},
        ),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


def test_delete_unknown_credential_is_404(client: httpx.Client) -> None:
    response = client.delete(f"/users/{DEFAULT_USER_ID}/credentials/{'f' * 24}")
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "NOT_FOUND", "message": "Credential not found"}


# The action catalog -------------------------------------------------------------------------


def test_connectors_catalog_lists_notion_and_slack(client: httpx.Client) -> None:
    connectors = client.get("/connectors").json()["connectors"]
    assert [connector["id"] for connector in connectors] == ["notion", "slack"]


def test_actions_list_has_every_action(client: httpx.Client) -> None:
    listed = client.get("/connectors/notion/actions").json()["actions"]
    assert [item["id"] for item in listed] == [spec.id for spec in ACTIONS]
    assert {"post-search", "retrieve-a-page", "post-database-query"} <= {i["id"] for i in listed}


@pytest.mark.parametrize(
    "action_id", [spec.id for spec in ACTIONS] + [a for spec in ACTIONS for a in spec.aliases]
)
def test_every_action_and_alias_has_a_detail(client: httpx.Client, action_id: str) -> None:
    response = client.get(f"/connectors/notion/actions/{action_id}")
    assert response.status_code == 200
    action = response.json()["action"]
    spec = next(s for s in ACTIONS if action_id == s.id or action_id in s.aliases)
    assert action["id"] == spec.id
    assert action["httpMethod"] == spec.http_method
    assert action["path"] == spec.path
    assert action["displayName"] and action["description"]
    path_params = [p["name"] for p in action["parameters"] if p["in"] == "path"]
    assert path_params == list(spec.path_params)
    assert (action["requestBody"] is not None) == (spec.http_method in ("POST", "PATCH"))


def test_unknown_action_is_404(client: httpx.Client) -> None:
    expected = {"error": {"code": "NOT_FOUND", "message": "Action not found"}}
    assert client.get("/connectors/notion/actions/nope").json() == expected
    assert guide(client, "nope", {}).status_code == 404
    assert guide(client, "nope", {}).json() == expected
    assert official(client, "nope").json() == expected


# Executing actions --------------------------------------------------------------------------


def test_guide_search_answers_results_and_data(client: httpx.Client) -> None:
    response = guide(client, "post-search", {"filter": {"value": "page", "property": "object"}})
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list"
    assert body["results"] == body["data"] and body["results"]
    assert all(item["object"] == "page" for item in body["results"])


def test_guide_query_null_is_dropped(client: httpx.Client) -> None:
    with_null = guide(client, "post-search", {"query": None, "page_size": 3})
    assert with_null.status_code == 200
    assert (
        with_null.json()["results"]
        == guide(client, "post-search", {"page_size": 3}).json()["results"]
    )


def test_create_read_update_in_both_dialects(client: httpx.Client) -> None:
    page = new_page(client, "Dialects page")
    assert page["object"] == "page"
    page_id = page["id"]

    by_alias = guide(client, "get-page", {"page_id": page_id})
    by_official = official(client, "retrieve-a-page", pathParams={"page_id": page_id})
    dashless = official(client, "retrieve-a-page", pathParams={"page_id": page_id.replace("-", "")})
    assert by_alias.json() == result(by_official) == result(dashless)
    assert title_of(by_alias.json()) == "Dialects page"

    title = {"title": {"title": [{"text": {"content": "Renamed by the guide"}}]}}
    updated = guide(client, "patch-page", {"page_id": page_id, "properties": title})
    assert updated.status_code == 200 and title_of(updated.json()) == "Renamed by the guide"

    title = {"title": {"title": [{"text": {"content": "Renamed officially"}}]}}
    updated = official(
        client, "patch-page", pathParams={"page_id": page_id}, requestBody={"properties": title}
    )
    assert title_of(result(updated)) == "Renamed officially"


def test_get_actions_take_query_parameters_in_both_dialects(client: httpx.Client) -> None:
    page = new_page(client, "Block list")
    appended = official(
        client,
        "patch-block-children",
        pathParams={"block_id": page["id"]},
        requestBody={
            "children": [
                {"paragraph": {"rich_text": [{"text": {"content": f"line {n}"}}]}} for n in range(3)
            ]
        },
    )
    assert appended.status_code == 200, appended.text
    first = result(
        official(
            client,
            "get-block-children",
            pathParams={"block_id": page["id"]},
            queryParameters={"page_size": 2},
        )
    )
    assert len(first["results"]) == 2 and first["has_more"] is True
    rest = guide(
        client,
        "get-block-children",
        {"block_id": page["id"], "page_size": 2, "start_cursor": first["next_cursor"]},
    ).json()
    assert len(rest["results"]) == 1 and rest["has_more"] is False


def test_engine_errors_pass_through_with_notions_status(client: httpx.Client) -> None:
    malformed = guide(client, "get-page", {"page_id": "not-an-id"})
    assert malformed.status_code == 400
    assert malformed.json()["object"] == "error"
    assert malformed.json()["code"] == "validation_error"
    missing = guide(client, "get-page", {"page_id": "0" * 32})
    assert missing.status_code == 404
    assert missing.json()["code"] == "object_not_found"


@pytest.mark.parametrize("credential", ["0" * 24, "not-even-an-id"])
def test_unknown_credential_is_exactly_the_guides_error(
    client: httpx.Client, credential: str
) -> None:
    for path in ("post-search", "post-search/execute"):
        response = client.post(
            f"/connectors/notion/actions/{path}",
            json={"credentialId": credential, "parameters": {}},
        )
        assert response.status_code == 400
        assert response.json() == NOT_FOUND


def test_missing_path_parameter_is_named(client: httpx.Client) -> None:
    response = guide(client, "get-page", {})
    assert response.status_code == 400
    assert "page_id" in response.json()["error"]["message"]
    response = official(client, "retrieve-a-page", pathParams={"page_id": 7})
    assert response.status_code == 400
    assert "pathParams.page_id must be a string" in response.json()["error"]["message"]


# Bad input: 400, never 500 -------------------------------------------------------------------

BAD_REQUESTS: list[tuple[str, str, bytes | None, int, str]] = [
    ("POST", "/connectors/notion/actions/post-search", b"{not json", 400, "not valid JSON"),
    ("POST", "/connectors/notion/actions/post-search", b"[1, 2]", 400, "JSON object"),
    ("POST", "/connectors/notion/actions/post-search", b'"text"', 400, "JSON object"),
    ("POST", "/connectors/notion/actions/post-search", b"", 400, "required"),
    ("POST", "/connectors/notion/actions/post-search", b"\xff\xfe{}", 400, "not valid JSON"),
    ("POST", "/connectors/notion/actions/post-search", b"[" * 100_000, 400, "nested"),
    (
        "POST",
        "/connectors/notion/actions/post-search",
        b'{"credentialId": 5, "parameters": {}}',
        400,
        "credentialId must be a string",
    ),
    (
        "POST",
        "/connectors/notion/actions/post-search",
        f'{{"credentialId": "{SEED_CONNECTION_ID}", "parameters": [1]}}'.encode(),
        400,
        "parameters must be an object",
    ),
    (
        "POST",
        "/connectors/notion/actions/retrieve-a-page/execute",
        f'{{"credentialId": "{SEED_CONNECTION_ID}", "pathParams": "x"}}'.encode(),
        400,
        "pathParams must be an object",
    ),
    (
        "POST",
        "/connectors/notion/actions/get-users/execute",
        f'{{"credentialId": "{SEED_CONNECTION_ID}", "queryParameters": []}}'.encode(),
        400,
        "queryParameters must be an object",
    ),
    (
        "POST",
        "/connectors/notion/actions/post-search/execute",
        f'{{"credentialId": "{SEED_CONNECTION_ID}", "requestBody": {{}},'
        f' "additionalHeaders": 3}}'.encode(),
        400,
        "additionalHeaders must be an object",
    ),
    ("POST", "/connectors/notion/credentials", b'{"redirectUri": []}', 400, "redirectUri"),
    ("POST", "/connectors/notion/credentials/callback", b"{}", 400, "code is required"),
    ("POST", "/connectors/notion/credentials/callback", b'{"code": 1}', 400, "code must be"),
    (
        "POST",
        "/connectors/notion/credentials/callback",
        b'{"code": "x", "credentialId": 1}',
        400,
        "credentialId must be",
    ),
    ("POST", "/connectors/notion/credentials", b'{"userId": 5}', 400, "userId must be"),
    ("POST", "/credentials", None, 405, "not allowed"),
    ("GET", "/no/such/endpoint", None, 404, "No endpoint"),
]


@pytest.mark.parametrize(("method", "path", "content", "status", "fragment"), BAD_REQUESTS)
def test_bad_input_is_a_client_error_naming_the_problem(
    sandbox: SandboxServer,
    client: httpx.Client,
    method: str,
    path: str,
    content: bytes | None,
    status: int,
    fragment: str,
) -> None:
    before = sandbox.sandbox.internal_errors
    response = client.request(method, path, content=content)
    assert response.status_code == status
    assert fragment in response.json()["error"]["message"]
    assert sandbox.sandbox.internal_errors == before


def test_notion_level_bad_bodies_are_400_not_500(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    before = sandbox.sandbox.internal_errors
    bodies: list[Any] = ["a string", 5, [1], {"page_size": "many"}, {"filter": 3}, {"sort": []}]
    for body in bodies:
        response = official(client, "post-search", requestBody=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["object"] == "error"
    response = guide(client, "post-page", {"parent": "nowhere"})
    assert response.status_code == 400
    assert sandbox.sandbox.internal_errors == before


def test_oversized_body_is_413(client: httpx.Client) -> None:
    response = client.post(
        "/connectors/notion/actions/post-search", content=b" " * (5 * 1024 * 1024 + 1)
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_an_unexpected_exception_is_a_notion_style_500(
    sandbox_factory: Callable[..., SandboxServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(rate_limit=False)

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(server.sandbox.engine, "execute", explode)
    with httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        response = guide(client, "post-search", {})
    assert response.status_code == 500
    assert response.json()["code"] == "internal_server_error"
    assert "boom" not in response.text
    assert server.sandbox.internal_errors == 1


# Persistence, reset -------------------------------------------------------------------------


def test_data_survives_a_restart_on_the_same_file(tmp_path: Path) -> None:
    data = tmp_path / "persist.sqlite3"
    config = SandboxConfig(data_path=data, port=0, rate_limit=False, auto_consent=True)
    with SandboxServer(config) as first, httpx.Client(base_url=first.base_url, headers=AUTH) as c:
        page = new_page(c, "Survives restarts")
        started = c.post(
            "/connectors/notion/credentials",
            json={"redirectUri": "http://127.0.0.1:1/cb", "userId": DEFAULT_USER_ID},
        ).json()
        assert c.get(started["oauthUrl"]).status_code == 302
        before = c.get("/credentials").json()
    with SandboxServer(config) as second, httpx.Client(base_url=second.base_url, headers=AUTH) as c:
        assert c.get("/credentials").json() == before
        assert [item["id"] for item in before] == [started["credentialId"], SEED_CONNECTION_ID]
        again = guide(c, "get-page", {"page_id": page["id"]})
        assert again.status_code == 200 and title_of(again.json()) == "Survives restarts"


def test_reset_drops_connections_and_data_then_reseeds(tmp_path: Path) -> None:
    data = tmp_path / "reset.sqlite3"
    config = SandboxConfig(data_path=data, port=0, rate_limit=False, auto_consent=True)
    with SandboxServer(config) as server, httpx.Client(base_url=server.base_url, headers=AUTH) as c:
        page = new_page(c, "Gone after reset")
        started = c.post(
            "/connectors/notion/credentials",
            json={"redirectUri": "http://127.0.0.1:1/cb", "userId": DEFAULT_USER_ID},
        ).json()
        c.get(started["oauthUrl"])
        assert len(c.get("/credentials").json()) == 2
        assert c.post("/__sandbox/reset").json()["success"] is True
        assert [item["id"] for item in c.get("/credentials").json()] == [SEED_CONNECTION_ID]
        assert guide(c, "get-page", {"page_id": page["id"]}).status_code == 404
        assert guide(c, "post-search", {}).json()["results"]  # seeded again
        page = new_page(c, "Gone after a reset start")
    config.reset = True
    with SandboxServer(config) as server, httpx.Client(base_url=server.base_url, headers=AUTH) as c:
        assert guide(c, "get-page", {"page_id": page["id"]}).status_code == 404
        assert [item["id"] for item in c.get("/credentials").json()] == [SEED_CONNECTION_ID]


# Serving and the CLI ------------------------------------------------------------------------


def test_start_on_a_busy_port_raises_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = SandboxServer(SandboxConfig(data_path=tmp_path / "x.sqlite3", port=port))
        with pytest.raises(PortInUseError, match=f"port {port}"):
            server.start()
        assert not (tmp_path / "x.sqlite3").exists()  # failed before touching the data


def test_cli_busy_port_is_one_sentence_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = cli.main(["--port", str(port), "--data", str(tmp_path / "d.sqlite3")])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert f"port {port} is already in use" in err and "--port" in err


def test_cli_bad_faults_spec_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--port", "0", "--data", str(tmp_path / "d"), "--faults", "nonsense:x=1"])
    assert code == 2
    assert "invalid --faults" in capsys.readouterr().err


def test_cli_rejects_bad_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--port", "70000"])
    assert exited.value.code == 2
    assert "at most 65535" in capsys.readouterr().err


def _read_lines(stream: Any, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def test_cli_port_0_prints_the_chosen_port_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alloy_tui.sandbox.cli",
            "--port",
            "0",
            "--data",
            str(tmp_path / "cli.sqlite3"),
            "--no-rate-limit",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        first = lines.get(timeout=60)
        match = re.match(
            r"alloy-tui sandbox listening on (http://127\.0\.0\.1:(\d+))  \(data: ", first
        )
        assert match, first
        base_url, port = match.group(1), int(match.group(2))
        assert port != 0
        exports = [lines.get(timeout=5).strip() for _ in range(4)]
        assert exports == [
            f"export ALLOY_BASE_URL={base_url}",
            f"export ALLOY_API_KEY={DEFAULT_API_KEY}",
            f"export ALLOY_USER_ID={DEFAULT_USER_ID}",
            f"export CONNECTION_ID={SEED_CONNECTION_ID}",
        ]
        assert httpx.get(f"{base_url}/credentials", headers=AUTH).json()[0]["id"] == (
            SEED_CONNECTION_ID
        )
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
