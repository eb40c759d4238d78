"""The sandbox's OAuth flow: start, consent page, Allow/Cancel redirects, code exchange, expiry."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.connect import ConnectEvent
from alloy_tui.alloy.sandbox_admin import SandboxApprovalError
from alloy_tui.config import load_settings
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
from alloy_tui.sandbox.server import CONSENT_PATH, OAUTH_CLIENT_ID, SandboxServer
from alloy_tui.state import AppState

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}", "x-api-version": "2025-09"}
REDIRECT = "http://127.0.0.1:53682/oauth/callback"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(sandbox_factory: Callable[..., SandboxServer], clock: FakeClock) -> SandboxServer:
    return sandbox_factory(rate_limit=False, clock=clock)


@pytest.fixture
def client(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=30) as client:
        yield client


def start_flow(client: httpx.Client, redirect_uri: str = REDIRECT) -> dict[str, str]:
    response = client.post(
        "/connectors/notion/credentials",
        json={
            "connectorId": "notion",
            "authenticationType": "oauth2",
            "redirectUri": redirect_uri,
            "userId": DEFAULT_USER_ID,
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return unescape(match.group(1))


def consent(client: httpx.Client, oauth_url: str, decision: str) -> httpx.Response:
    page = client.get(oauth_url)
    assert page.status_code == 200
    form = {
        "state": hidden(page.text, "state"),
        "csrf": hidden(page.text, "csrf"),
        "decision": decision,
    }
    return client.post(CONSENT_PATH, data=form)


def redirect_params(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return parse_qs(location.query)


def listed_ids(client: httpx.Client) -> tuple[list[str], list[str], list[str]]:
    guide = [item["id"] for item in client.get("/credentials").json()]
    official = [
        item["credentialId"]
        for item in client.get("/connectors/notion/credentials").json()["credentials"]
    ]
    by_user = [
        item["credentialId"]
        for item in client.get(f"/credentials/users/{DEFAULT_USER_ID}").json()["data"]
    ]
    return guide, official, by_user


def test_start_returns_a_notion_style_authorize_url(client: httpx.Client) -> None:
    started = start_flow(client)
    assert re.fullmatch(r"[0-9a-f]{24}", started["credentialId"])
    url = urlsplit(started["oauthUrl"])
    assert url.path == CONSENT_PATH
    query = parse_qs(url.query)
    assert query["client_id"] == [OAUTH_CLIENT_ID]
    assert query["redirect_uri"] == [REDIRECT]
    assert query["response_type"] == ["code"]
    assert query["owner"] == ["user"]
    assert len(query["state"][0]) >= 20


def test_allow_redirects_with_code_and_stores_the_connection(client: httpx.Client) -> None:
    started = start_flow(client)
    state = parse_qs(urlsplit(started["oauthUrl"]).query)["state"][0]
    before = listed_ids(client)[0]
    params = redirect_params(consent(client, started["oauthUrl"], "allow"))
    assert params["state"] == [state]
    code = params["code"][0]
    # Alloy stores the credential before redirecting: it is listed everywhere already.
    for ids in listed_ids(client):
        assert ids[0] == started["credentialId"]  # newest first
        assert set(ids) == {*before, started["credentialId"]}
    item = client.get("/credentials").json()[0]
    assert item["connectorId"] == "notion" and item["type"] == "notion-oauth2"
    assert item["workspaceName"] == "Acme Sandbox (2)"
    assert item["name"] == "Notion \N{EN DASH} Acme Sandbox (2)"
    assert item["createdAt"] == "2025-03-01T12:00:00.000Z"

    exchanged = client.post(
        "/connectors/notion/credentials/callback",
        json={"code": code, "userId": DEFAULT_USER_ID, "credentialId": started["credentialId"]},
    )
    assert exchanged.status_code == 200
    assert exchanged.json()["connectionId"] == started["credentialId"]
    assert exchanged.json()["credentialId"] == started["credentialId"]

    reused = client.post(
        "/connectors/notion/credentials/callback",
        json={"code": code, "userId": DEFAULT_USER_ID, "credentialId": started["credentialId"]},
    )
    assert reused.status_code == 400
    error = reused.json()["error"]
    assert error["code"] == "INVALID_GRANT"
    assert error["message"].startswith("invalid_grant")
    assert "already been used" in error["message"]


def test_second_connection_gets_the_next_workspace_name(client: httpx.Client) -> None:
    for _ in range(2):
        started = start_flow(client)
        redirect_params(consent(client, started["oauthUrl"], "allow"))
    names = [item["workspaceName"] for item in client.get("/credentials").json()]
    assert names == ["Acme Sandbox (3)", "Acme Sandbox (2)", "Acme Sandbox"]


def test_code_without_credential_id_works_and_wrong_credential_is_rejected(
    client: httpx.Client,
) -> None:
    started = start_flow(client)
    code = redirect_params(consent(client, started["oauthUrl"], "allow"))["code"][0]
    wrong = client.post(
        "/connectors/notion/credentials/callback",
        json={"code": code, "userId": DEFAULT_USER_ID, "credentialId": SEED_CONNECTION_ID},
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "INVALID_GRANT"
    ok = client.post(
        "/connectors/notion/credentials/callback", json={"code": code, "userId": DEFAULT_USER_ID}
    )
    assert ok.status_code == 200 and ok.json()["connectionId"] == started["credentialId"]


def test_code_expires_after_ten_minutes(client: httpx.Client, clock: FakeClock) -> None:
    started = start_flow(client)
    code = redirect_params(consent(client, started["oauthUrl"], "allow"))["code"][0]
    clock.advance(minutes=10, seconds=1)
    expired = client.post(
        "/connectors/notion/credentials/callback",
        json={"code": code, "userId": DEFAULT_USER_ID, "credentialId": started["credentialId"]},
    )
    assert expired.status_code == 400
    assert expired.json()["error"]["code"] == "INVALID_GRANT"
    assert "expired" in expired.json()["error"]["message"]


def test_code_just_inside_the_window_works(client: httpx.Client, clock: FakeClock) -> None:
    started = start_flow(client)
    code = redirect_params(consent(client, started["oauthUrl"], "allow"))["code"][0]
    clock.advance(minutes=9, seconds=59)
    response = client.post(
        "/connectors/notion/credentials/callback",
        json={"code": code, "userId": DEFAULT_USER_ID},
    )
    assert response.status_code == 200


def test_unknown_code_is_invalid_grant(client: httpx.Client) -> None:
    response = client.post(
        "/connectors/notion/credentials/callback",
        json={"code": "made-up", "userId": DEFAULT_USER_ID},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_GRANT"


def test_cancel_redirects_with_access_denied_and_stores_nothing(client: httpx.Client) -> None:
    before = listed_ids(client)
    started = start_flow(client)
    params = redirect_params(consent(client, started["oauthUrl"], "cancel"))
    assert params["error"] == ["access_denied"]
    assert "code" not in params
    assert params["state"] == parse_qs(urlsplit(started["oauthUrl"]).query)["state"]
    assert listed_ids(client) == before
    # The flow is answered: the page cannot be used again.
    assert client.get(started["oauthUrl"]).status_code == 400


def test_consent_page_shows_capabilities_pages_and_security_headers(
    client: httpx.Client,
) -> None:
    started = start_flow(client)
    page = client.get(started["oauthUrl"])
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    text = page.text
    for capability in ("Read content", "Update content", "Insert content", "user information"):
        assert capability in text
    assert 'type="checkbox" name="pages"' in text
    assert 'value="allow"' in text and 'value="cancel"' in text
    assert "<script" not in text


def test_consent_page_escapes_page_titles(client: httpx.Client) -> None:
    created = client.post(
        "/connectors/notion/actions/post-page",
        json={
            "credentialId": SEED_CONNECTION_ID,
            "parameters": {
                "parent": {"type": "workspace", "workspace": True},
                "properties": {"title": {"title": [{"text": {"content": "<script>x</script>&"}}]}},
            },
        },
    )
    assert created.status_code == 200, created.text
    page = client.get(start_flow(client)["oauthUrl"])
    assert "&lt;script&gt;x&lt;/script&gt;&amp;" in page.text
    assert "<script>x" not in page.text


def test_bad_csrf_is_refused_and_the_flow_stays_open(client: httpx.Client) -> None:
    started = start_flow(client)
    page = client.get(started["oauthUrl"])
    state = hidden(page.text, "state")
    refused = client.post(
        CONSENT_PATH, data={"state": state, "csrf": "forged", "decision": "allow"}
    )
    assert refused.status_code == 403
    assert started["credentialId"] not in listed_ids(client)[0]
    allowed = client.post(
        CONSENT_PATH,
        data={"state": state, "csrf": hidden(page.text, "csrf"), "decision": "allow"},
    )
    assert allowed.status_code == 302


def test_consent_rejects_tampered_parameters(client: httpx.Client) -> None:
    started = start_flow(client)
    url = started["oauthUrl"]
    tampered_redirect = url.replace("53682", "9999")
    assert client.get(tampered_redirect).status_code == 400
    assert client.get(url.replace(OAUTH_CLIENT_ID, "someone-else")).status_code == 400
    assert client.get(url.replace("response_type=code", "response_type=token")).status_code == 400
    assert client.get(CONSENT_PATH).status_code == 400
    bad_decision = client.post(
        CONSENT_PATH,
        data={
            "state": parse_qs(urlsplit(url).query)["state"][0],
            "csrf": hidden(client.get(url).text, "csrf"),
            "decision": "maybe",
        },
    )
    assert bad_decision.status_code == 400


def test_flow_link_expires(client: httpx.Client, clock: FakeClock) -> None:
    started = start_flow(client)
    clock.advance(hours=1)
    page = client.get(started["oauthUrl"])
    assert page.status_code == 400 and "expired" in page.text


def test_redirect_uri_keeps_its_own_query(client: httpx.Client) -> None:
    started = start_flow(client, "http://127.0.0.1:53682/oauth/callback?nonce=abc")
    response = consent(client, started["oauthUrl"], "allow")
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["nonce"] == ["abc"] and "code" in query and "state" in query


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"authenticationType": "oauth2", "userId": DEFAULT_USER_ID}, 400, "redirectUri"),
        ({"redirectUri": "not a url", "userId": DEFAULT_USER_ID}, 400, "redirectUri"),
        ({"redirectUri": "ftp://x/cb", "userId": DEFAULT_USER_ID}, 400, "redirectUri"),
        ({"redirectUri": "http://x/cb#frag", "userId": DEFAULT_USER_ID}, 400, "redirectUri"),
        ({"redirectUri": 42, "userId": DEFAULT_USER_ID}, 400, "redirectUri"),
        ({"redirectUri": REDIRECT, "authenticationType": "apiKey"}, 400, "authenticationType"),
        ({"redirectUri": REDIRECT, "userId": "someone-else"}, 403, "someone-else"),
        ({"redirectUri": REDIRECT, "connectorId": "slack"}, 400, "connectorId"),
    ],
)
def test_start_validates_its_input(
    client: httpx.Client, body: dict[str, object], status: int, fragment: str
) -> None:
    response = client.post("/connectors/notion/credentials", json=body)
    assert response.status_code == status
    assert fragment in response.json()["error"]["message"]


def test_start_for_an_unknown_connector_is_404(client: httpx.Client) -> None:
    response = client.post(
        "/connectors/hubspot/credentials",
        json={"redirectUri": REDIRECT, "userId": DEFAULT_USER_ID},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_auto_consent_redirects_at_once(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(rate_limit=False, auto_consent=True)
    with httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        started = start_flow(client)
        response = client.get(started["oauthUrl"])
        params = redirect_params(response)
        assert "code" in params
        exchanged = client.post(
            "/connectors/notion/credentials/callback",
            json={"code": params["code"][0], "userId": DEFAULT_USER_ID},
        )
        assert exchanged.json()["connectionId"] == started["credentialId"]
        # Answered once: a second visit cannot mint another code.
        assert client.get(started["oauthUrl"]).status_code == 400


def test_new_connection_can_execute_actions_and_be_deleted(client: httpx.Client) -> None:
    started = start_flow(client)
    redirect_params(consent(client, started["oauthUrl"], "allow"))
    search = client.post(
        "/connectors/notion/actions/post-search/execute",
        json={"credentialId": started["credentialId"], "requestBody": {"page_size": 1}},
    )
    assert search.status_code == 200
    bots = {
        credential: client.post(
            "/connectors/notion/actions/get-self/execute",
            json={"credentialId": credential, "requestBody": {}},
        ).json()["result"]["id"]
        for credential in (SEED_CONNECTION_ID, started["credentialId"])
    }
    assert len(set(bots.values())) == 2  # each connection has its own bot user
    deleted = client.delete(f"/users/{DEFAULT_USER_ID}/credentials/{started['credentialId']}")
    assert deleted.json() == {"success": True}
    gone = client.post(
        "/connectors/notion/actions/post-search/execute",
        json={"credentialId": started["credentialId"], "requestBody": {}},
    )
    assert gone.status_code == 400
    assert gone.json() == {"error": {"code": "INVALID_INPUT", "message": "Credential not found"}}


# The admin approval: what Allow does, for the sandbox's own key, without a browser ---------

APPROVE = "/__sandbox/oauth/approve"


def state_of(oauth_url: str) -> str:
    return parse_qs(urlsplit(oauth_url).query)["state"][0]


def approve_params(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 200, response.text
    location = urlsplit(response.json()["redirectUrl"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return parse_qs(location.query)


@pytest.mark.parametrize("by", ["oauthUrl", "state"])
def test_admin_approve_answers_where_allow_redirects(client: httpx.Client, by: str) -> None:
    started = start_flow(client)
    key = started["oauthUrl"] if by == "oauthUrl" else state_of(started["oauthUrl"])
    response = client.post(APPROVE, json={by: key})
    assert response.headers["cache-control"] == "no-store"
    params = approve_params(response)
    assert params["state"] == [state_of(started["oauthUrl"])]
    assert response.json()["connectionId"] == started["credentialId"]
    # Stored before the redirect, as with Allow; the code exchanges once, as with Allow.
    assert all(ids[0] == started["credentialId"] for ids in listed_ids(client))
    exchanged = client.post(
        "/connectors/notion/credentials/callback",
        json={"code": params["code"][0], "userId": DEFAULT_USER_ID},
    )
    assert exchanged.status_code == 200
    assert exchanged.json()["connectionId"] == started["credentialId"]
    # The flow is answered: neither the consent page nor a second approval can reopen it.
    assert client.get(started["oauthUrl"]).status_code == 400
    again = client.post(APPROVE, json={by: key})
    assert again.status_code == 400
    assert again.json()["error"] == {
        "code": "INVALID_STATE",
        "message": "This authorization request has already been answered.",
    }


def test_admin_approve_needs_the_sandbox_key_and_its_user(
    server: SandboxServer, sandbox_factory: Callable[..., SandboxServer], client: httpx.Client
) -> None:
    started = start_flow(client)
    body = {"oauthUrl": started["oauthUrl"]}
    # Another sandbox, another user with a key of their own: valid there, not here.
    other = sandbox_factory(rate_limit=False, api_key="sk_sandbox_other", user_id="user-other")
    theirs = {"Authorization": "Bearer sk_sandbox_other", "x-alloy-userid": "user-other"}
    with httpx.Client(base_url=other.base_url, headers=theirs) as there:
        assert there.get("/credentials").status_code == 200
    with httpx.Client(base_url=server.base_url) as anonymous:
        assert anonymous.post(APPROVE, json=body).status_code == 401
        for auth in ("sk_not_the_key", "sk_sandbox_other", f"{DEFAULT_API_KEY}x"):
            header = {"Authorization": f"Bearer {auth}"}
            refused = anonymous.post(APPROVE, json=body, headers=header)
            assert refused.status_code == 401, auth
            assert refused.json()["error"]["code"] == "UNAUTHORIZED"
        basic = {"Authorization": f"Basic {DEFAULT_API_KEY}"}  # the right key, the wrong scheme
        assert anonymous.post(APPROVE, json=body, headers=basic).status_code == 401
        # The right key speaking for another user is refused too.
        for header, payload in (
            ({"x-alloy-userid": "user-other"}, body),
            ({}, {**body, "userId": "user-other"}),
        ):
            forbidden = anonymous.post(APPROVE, json=payload, headers={**AUTH, **header})
            assert forbidden.status_code == 403
            assert forbidden.json()["error"]["code"] == "FORBIDDEN"
    # Nothing was approved: the flow is still open, and the right key approves it.
    assert client.get(started["oauthUrl"]).status_code == 200
    assert "code" in approve_params(client.post(APPROVE, json=body))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"state": "no-such-state"}, "This authorization link is not valid."),
        ({}, "oauthUrl or state is required."),
        ({"state": 7}, "state must be a string, not a number."),
        ({"oauthUrl": "http://127.0.0.1/elsewhere?state=x"}, "oauthUrl is not the sandbox's"),
        ({"oauthUrl": f"http://127.0.0.1{CONSENT_PATH}?client_id=x"}, "oauthUrl has no state"),
    ],
)
def test_admin_approve_refuses_what_it_cannot_approve(
    client: httpx.Client, body: dict[str, object], message: str
) -> None:
    response = client.post(APPROVE, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)


def test_admin_approve_checks_the_link_like_the_consent_page(
    client: httpx.Client, clock: FakeClock
) -> None:
    started = start_flow(client)
    url = started["oauthUrl"]
    tampered = {
        "redirect_uri": url.replace("53682", "53683"),
        "client_id": url.replace(OAUTH_CLIENT_ID, "not-the-client"),
        "response_type": url.replace("response_type=code", "response_type=token"),
    }
    for name, link in tampered.items():
        response = client.post(APPROVE, json={"oauthUrl": link})
        assert response.status_code == 400, name
        assert name in response.json()["error"]["message"]
    both = client.post(APPROVE, json={"oauthUrl": url, "state": state_of(url)})
    assert both.json()["error"]["message"] == "Send oauthUrl or state, not both."
    clock.advance(hours=2)
    expired = client.post(APPROVE, json={"oauthUrl": url})
    assert expired.status_code == 400
    assert "expired" in expired.json()["error"]["message"]
    assert listed_ids(client)[0] == [SEED_CONNECTION_ID]


def test_admin_approve_is_not_subject_to_faults(client: httpx.Client) -> None:
    started = start_flow(client)
    rule = {"kind": "status", "status": 500}
    assert client.post("/__sandbox/faults", json={"rules": [rule]}).status_code == 200
    assert client.get("/connectors").status_code == 500
    assert "code" in approve_params(client.post(APPROVE, json={"oauthUrl": started["oauthUrl"]}))


# The client side: AppState.approve_in_sandbox, with no UI ----------------------------------


def sandbox_state(server: SandboxServer, *, sandbox: bool = True) -> AppState:
    settings = load_settings(use_cwd_env=False).with_overrides(
        source="test",
        base_url=server.base_url,
        api_key=server.config.api_key,
        user_id=server.config.user_id,
        redirect_uri="http://127.0.0.1:0/oauth/callback",
        sandbox=sandbox,
    )
    client = AlloyClient(
        make_http(),
        base_url=settings.base_url,
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False, max_attempts=1),
    )
    return AppState(settings, client)


async def test_state_approves_and_the_connect_flow_finishes(server: SandboxServer) -> None:
    state = sandbox_state(server)
    urls: asyncio.Queue[str] = asyncio.Queue()

    def on_event(event: ConnectEvent) -> None:
        if event.url:
            urls.put_nowait(event.url)

    try:
        flow = asyncio.create_task(state.connect(on_event))
        url = await asyncio.wait_for(urls.get(), 10)
        await state.approve_in_sandbox(url)
        connection = await asyncio.wait_for(flow, 10)
        assert state.active_connection is not None
        assert state.active_connection.id == connection.id != SEED_CONNECTION_ID
        approvals = [r for r in state.log.records() if r.url.endswith(APPROVE)]
        assert len(approvals) == 1 and approvals[0].status == 200
        # The API key travels in the header only, and the log never shows it.
        assert DEFAULT_API_KEY not in repr(approvals[0])
    finally:
        await state.aclose()


async def test_state_says_why_it_cannot_approve(server: SandboxServer) -> None:
    state = sandbox_state(server)
    started = await state.client.start_oauth("notion", REDIRECT)
    try:
        stale = started.oauth_url.replace("state=", "state=stale")
        with pytest.raises(SandboxApprovalError) as unknown:
            await state.approve_in_sandbox(stale)
        assert unknown.value.sentence == (
            "The sandbox did not approve the link: This authorization link is not valid."
        )
        elsewhere = started.oauth_url.replace(server.base_url, "https://example.com")
        with pytest.raises(SandboxApprovalError, match="not on the sandbox"):
            await state.approve_in_sandbox(elsewhere)
        # Nothing was approved on the way: the flow is still open.
        assert (await state.client.http.get(started.oauth_url)).status_code == 200
    finally:
        await state.aclose()

    production = sandbox_state(server, sandbox=False)
    try:
        with pytest.raises(SandboxApprovalError, match="Only the sandbox"):
            await production.approve_in_sandbox(started.oauth_url)
        assert not [r for r in production.log.records() if r.url.endswith(APPROVE)]
    finally:
        await production.aclose()
