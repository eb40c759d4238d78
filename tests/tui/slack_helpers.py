"""A Slack connection in the sandbox, made over HTTP before the app starts."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from alloy_tui.sandbox.server import SandboxServer


def slack_connection(server: SandboxServer, *, revoked: bool = False) -> str:
    """A Slack connection (the sandbox consents by itself); revoked with Slack's auth.revoke
    when asked."""
    headers = {"Authorization": f"Bearer {server.config.api_key}", "x-api-version": "2025-09"}
    user = server.config.user_id
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        started = http.post(
            "/connectors/slack/credentials",
            json={"userId": user, "redirectUri": "http://127.0.0.1:9/cb"},
        ).json()
        back = http.get(started["oauthUrl"]).headers["location"]
        code = parse_qs(urlsplit(back).query)["code"][0]
        connection = http.post(
            "/connectors/slack/credentials/callback", json={"code": code, "userId": user}
        ).json()["credentialId"]
        if revoked:
            answer = http.post(
                "/connectors/slack/actions/auth_revoke/execute", json={"credentialId": connection}
            ).json()
            assert answer["result"] == {"ok": True, "revoked": True}
    return str(connection)
