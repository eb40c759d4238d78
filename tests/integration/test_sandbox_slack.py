"""The sandbox's Slack connector over real HTTP: its OAuth connection (consent page, listing,
delete), Slack's Web API semantics in both of Alloy's dialects (cursor pagination, `ok: false`
errors, a post visible in the history after), and the rate tiers (429 with Retry-After)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.sandbox.slack.seed import GENERAL_ID, GENERAL_MESSAGES

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}", "x-api-version": "2025-09"}
REDIRECT = "http://127.0.0.1:53682/oauth/callback"


class Clock:
    """The rate limiter's clock: time moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def connect_slack(client: httpx.Client) -> str:
    """The whole OAuth flow for Slack, as a browser would do it: start, consent page, Allow,
    code exchange. Returns the new connection's id."""
    started = client.post(
        "/connectors/slack/credentials",
        json={"userId": DEFAULT_USER_ID, "authenticationType": "oauth2", "redirectUri": REDIRECT},
    )
    assert started.status_code == 200, started.text
    link = started.json()["oauthUrl"]
    query = parse_qs(urlsplit(link).query)
    assert query["scope"] == ["channels:read,channels:history,chat:write,users:read"]
    page = client.get(link)
    assert page.status_code == 200
    html = unescape(page.text)
    assert "Slack · sandbox" in html and "chat:write" in html
    assert "Select pages to share" not in html  # Slack grants scopes, not pages
    form = {
        "state": query["state"][0],
        "csrf": html.split('name="csrf" value="')[1].split('"')[0],
        "decision": "allow",
    }
    allowed = client.post(urlsplit(link).path, data=form)
    assert allowed.status_code == 302
    code = parse_qs(urlsplit(allowed.headers["location"]).query)["code"][0]
    exchanged = client.post(
        "/connectors/slack/credentials/callback",
        json={
            "code": code,
            "userId": DEFAULT_USER_ID,
            "credentialId": started.json()["credentialId"],
        },
    )
    assert exchanged.status_code == 200, exchanged.text
    return str(exchanged.json()["credentialId"])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(sandbox_factory: Callable[..., SandboxServer], clock: Clock) -> SandboxServer:
    return sandbox_factory(monotonic=clock)


@pytest.fixture
def client(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=30) as client:
        yield client


@pytest.fixture
def slack(client: httpx.Client) -> str:
    return connect_slack(client)


def official(
    client: httpx.Client, credential: str, action: str, **parts: Any
) -> tuple[int, Any, httpx.Headers]:
    response = client.post(
        f"/connectors/slack/actions/{action}/execute", json={"credentialId": credential, **parts}
    )
    return response.status_code, response.json(), response.headers


def call(client: httpx.Client, credential: str, action: str, **args: Any) -> dict[str, Any]:
    """A Slack method in the official dialect (GET arguments as queryParameters)."""
    status, body, _ = official(client, credential, action, queryParameters=args)
    assert status == 200 and body["success"] is True, body
    result: dict[str, Any] = body["result"]
    return result


def test_the_catalog_lists_slack_with_alloys_ids_and_aliases(client: httpx.Client) -> None:
    connectors = {c["id"]: c for c in client.get("/connectors").json()["connectors"]}
    assert connectors["slack"]["actionCount"] == 6 and connectors["notion"]["name"] == "Notion"
    actions = {a["id"]: a for a in client.get("/connectors/slack/actions").json()["actions"]}
    assert set(actions) == {
        "conversations_list",
        "conversations_history",
        "chat_postMessage",
        "users_info",
        "auth_test",
        "auth_revoke",
    }
    assert actions["chat_postMessage"]["path"] == "/chat.postMessage"
    detail = client.get("/connectors/slack/actions/chat.postMessage").json()["action"]
    assert detail["id"] == "chat_postMessage" and detail["httpMethod"] == "POST"
    assert detail["requestBody"]["required"] == ["channel", "text"]
    listed = client.get("/connectors/slack/actions/conversations-list").json()["action"]
    assert {p["name"] for p in listed["parameters"]} >= {"cursor", "limit"}
    assert client.get("/connectors/slack/actions/files_upload").status_code == 404
    metadata = client.get("/connectors/slack/credentials/metadata").json()
    assert metadata["credentialType"] == "slack-oauth2"


def test_oauth_connects_lists_and_deletes_a_slack_connection(
    client: httpx.Client, slack: str
) -> None:
    [item] = client.get("/connectors/slack/credentials").json()["credentials"]
    assert item["credentialId"] == slack and item["type"] == "slack-oauth2"
    assert item["name"] == "Slack \N{EN DASH} Acme Sandbox"
    every = client.get(f"/credentials/users/{DEFAULT_USER_ID}").json()["data"]
    assert {c["connectorId"] for c in every} == {"notion", "slack"}
    notion_only = client.get("/connectors/notion/credentials").json()["credentials"]
    assert slack not in {c["id"] for c in notion_only}
    # A Slack connection does not run Notion actions (and the other way round).
    wrong = client.post("/connectors/notion/actions/get-self/execute", json={"credentialId": slack})
    assert wrong.status_code == 400 and wrong.json()["error"]["message"] == "Credential not found"

    deleted = client.delete(f"/users/{DEFAULT_USER_ID}/credentials/{slack}")
    assert deleted.json() == {"success": True}
    assert client.get("/connectors/slack/credentials").json()["credentials"] == []
    status, body, _ = official(client, slack, "auth_test")
    assert status == 400 and body["error"]["message"] == "Credential not found"


def test_conversations_list_pages_by_cursor_to_the_end(client: httpx.Client, slack: str) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        args: dict[str, Any] = {"limit": "2"}
        if cursor:
            args["cursor"] = cursor
        page = call(client, slack, "conversations_list", **args)
        assert page["ok"] is True and len(page["channels"]) <= 2
        seen += [channel["name"] for channel in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        pages += 1
        if not cursor:
            break
        assert base64.b64decode(cursor).decode().startswith("team:C")
    assert pages == 3 and len(seen) == len(set(seen)) == 6
    assert seen[0] == "general" and "launch-2024" in seen
    live = call(client, slack, "conversations_list", exclude_archived="true")
    assert "launch-2024" not in {c["name"] for c in live["channels"]}
    assert live["response_metadata"]["next_cursor"] == ""


def test_history_pages_newest_first_and_honours_oldest_and_latest(
    client: httpx.Client, slack: str
) -> None:
    everything: list[dict[str, Any]] = []
    cursor = None
    while True:
        args: dict[str, Any] = {"channel": GENERAL_ID}
        if cursor:
            args["cursor"] = cursor
        page = call(client, slack, "conversations_history", **args)
        everything += page["messages"]
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    stamps = [m["ts"] for m in everything]
    assert len(stamps) == GENERAL_MESSAGES == len(set(stamps))
    assert stamps == sorted(stamps, reverse=True)  # newest first, nothing skipped or repeated

    newest, tenth = stamps[0], stamps[9]
    window = call(
        client,
        slack,
        "conversations_history",
        channel="general",
        latest=newest,
        oldest=tenth,
        limit=100,
    )
    assert [m["ts"] for m in window["messages"]] == stamps[1:9]  # both bounds exclusive
    inclusive = call(
        client,
        slack,
        "conversations_history",
        channel="general",
        latest=newest,
        oldest=tenth,
        inclusive="true",
    )
    assert [m["ts"] for m in inclusive["messages"]] == stamps[:10]


def test_a_posted_message_shows_in_the_history_in_both_dialects(
    client: httpx.Client, slack: str
) -> None:
    status, posted, _ = official(
        client, slack, "chat_postMessage", requestBody={"channel": "#random", "text": "hi *all*"}
    )
    assert status == 200 and posted["success"] is True
    result = posted["result"]
    assert result["ok"] is True and result["channel"] == "C05RANDOM1"
    assert result["message"]["text"] == "hi *all*"
    # The guide's dialect: bare answers, arguments under `parameters`.
    guide = client.post(
        "/connectors/slack/actions/conversations.history",
        json={"credentialId": slack, "parameters": {"channel": "C05RANDOM1", "limit": 1}},
    ).json()
    assert guide["ok"] is True and guide["messages"][0]["ts"] == result["ts"]
    assert guide["messages"][0]["bot_id"] == result["message"]["bot_id"]
    second = client.post(
        "/connectors/slack/actions/chat_postMessage",
        json={"credentialId": slack, "parameters": {"channel": "random", "text": "again"}},
    ).json()
    assert second["ok"] is True and second["ts"] > result["ts"]
    me = call(client, slack, "auth_test")
    assert me["user_id"] == result["message"]["user"] and me["team"] == "Acme Sandbox"
    bot = call(client, slack, "users_info", user=me["user_id"])
    assert bot["user"]["is_bot"] is True
    maya = call(client, slack, "users_info", user="U05MAYA001")
    assert maya["user"]["real_name"] == "Maya Chen"


@pytest.mark.parametrize(
    ("action", "arguments", "error"),
    [
        ("conversations_history", {"channel": "C0NOPE"}, "channel_not_found"),
        ("conversations_history", {}, "channel_not_found"),
        ("conversations_history", {"channel": "general", "cursor": "bm9wZQ=="}, "invalid_cursor"),
        ("conversations_history", {"channel": "general", "limit": 0}, "invalid_limit"),
        ("conversations_history", {"channel": "general", "oldest": "soon"}, "invalid_ts_oldest"),
        ("conversations_list", {"cursor": "not base64!"}, "invalid_cursor"),
        ("conversations_list", {"limit": 1001}, "invalid_limit"),
        ("conversations_list", {"types": "everything"}, "invalid_types"),
        ("users_info", {"user": "U0NOBODY"}, "user_not_found"),
        ("chat_postMessage", {"channel": "general"}, "no_text"),
        ("chat_postMessage", {"channel": "launch-2024", "text": "x"}, "is_archived"),
        ("chat_postMessage", {"channel": "nowhere", "text": "x"}, "channel_not_found"),
    ],
)
def test_slack_refusals_are_ok_false_with_a_200(
    client: httpx.Client, slack: str, action: str, arguments: dict[str, Any], error: str
) -> None:
    where = "requestBody" if action == "chat_postMessage" else "queryParameters"
    status, body, _ = official(client, slack, action, **{where: arguments})
    assert status == 200
    assert body == {"success": True, "result": {"ok": False, "error": error}}
    guide = client.post(
        f"/connectors/slack/actions/{action}",
        json={"credentialId": slack, "parameters": arguments},
    )
    assert guide.status_code == 200 and guide.json() == {"ok": False, "error": error}


def test_a_revoked_token_answers_token_revoked(client: httpx.Client, slack: str) -> None:
    assert call(client, slack, "auth_revoke", test="true") == {"ok": True, "revoked": False}
    assert call(client, slack, "auth_test")["ok"] is True
    assert call(client, slack, "auth_revoke") == {"ok": True, "revoked": True}
    for action in ("auth_test", "conversations_list"):
        assert call(client, slack, action) == {"ok": False, "error": "token_revoked"}


def test_each_tier_has_its_own_budget_and_a_429_says_when_to_retry(
    client: httpx.Client, slack: str, clock: Clock
) -> None:
    # conversations.list is Tier 2: 20 a minute, bursts of 5.
    for _ in range(5):
        assert call(client, slack, "conversations_list", limit=1)["ok"] is True
    status, body, headers = official(client, slack, "conversations_list")
    assert status == 429 and body == {"ok": False, "error": "ratelimited"}
    assert headers["Retry-After"] == "3"  # one token every 3 s
    # Another method (Tier 4) is not held back by it.
    assert call(client, slack, "users_info", user="U05MAYA001")["ok"] is True
    clock.now += 3
    assert call(client, slack, "conversations_list", limit=1)["ok"] is True
    assert official(client, slack, "conversations_list")[0] == 429
    # chat.postMessage: about one a second per channel, bursts of 3.
    for number in range(3):
        posted = call(client, slack, "chat_postMessage", channel="design", text=f"{number}")
        assert posted["ok"] is True
    status, _, headers = official(
        client, slack, "chat_postMessage", requestBody={"channel": "design", "text": "x"}
    )
    assert status == 429 and headers["Retry-After"] == "1"
    other = call(client, slack, "chat_postMessage", channel="support", text="elsewhere")
    assert other["ok"] is True
