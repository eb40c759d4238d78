"""One data file, two Alloy users: each user's connections are invisible to the other.

Another user's connection must be indistinguishable from one that never existed: the same status
and the same body as an unknown id, on every route that takes a connection id or an OAuth code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer

USER_A = DEFAULT_USER_ID
USER_B = "bbbbbbbbbbbbbbbbbbbbbbbb"
UNKNOWN = "0123456789abcdef01234567"
AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}", "x-api-version": "2025-09"}


@contextmanager
def serve(factory: Callable[..., SandboxServer], data: Path, user: str) -> Iterator[httpx.Client]:
    server = factory(data_path=data, user_id=user, rate_limit=False)
    try:
        with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=30) as client:
            yield client
    finally:
        server.stop()


def connect(client: httpx.Client, user: str) -> tuple[str, str]:
    """A new connection for `user`, through Allow; (its id, the unspent code)."""
    started = client.post(
        "/connectors/notion/credentials",
        json={
            "userId": user,
            "authenticationType": "oauth2",
            "redirectUri": "http://127.0.0.1:9/cb",
        },
    ).json()
    approved = client.post("/__sandbox/oauth/approve", json={"oauthUrl": started["oauthUrl"]})
    assert approved.status_code == 200, approved.text
    code = parse_qs(urlsplit(approved.json()["redirectUrl"]).query)["code"][0]
    return started["credentialId"], code


def answers(client: httpx.Client, user: str, credential_id: str) -> dict[str, tuple[int, Any]]:
    """What every route taking a connection id answers for `credential_id`, as `user`."""
    headers = {"x-alloy-userid": user}
    calls = {
        "guide execute": client.post(
            "/connectors/notion/actions/get-self",
            json={"credentialId": credential_id, "parameters": {}},
        ),
        "official execute": client.post(
            "/connectors/notion/actions/get-self/execute",
            json={"credentialId": credential_id, "userId": user},
            headers=headers,
        ),
        "delete": client.delete(f"/users/{user}/credentials/{credential_id}", headers=headers),
    }
    return {name: (r.status_code, r.json()) for name, r in calls.items()}


def listed(client: httpx.Client, user: str) -> set[str]:
    headers = {"x-alloy-userid": user}
    ids = {item["id"] for item in client.get("/credentials").json()}
    ids |= {
        item["credentialId"]
        for item in client.get("/connectors/notion/credentials", headers=headers).json()[
            "credentials"
        ]
    }
    ids |= {
        item["id"]
        for item in client.get(f"/credentials/users/{user}", headers=headers).json()["data"]
    }
    return ids


def callback(client: httpx.Client, user: str, code: str, credential_id: str) -> tuple[int, Any]:
    response = client.post(
        "/connectors/notion/credentials/callback",
        json={"code": code, "userId": user, "credentialId": credential_id},
    )
    return response.status_code, response.json()


def test_another_users_connection_is_indistinguishable_from_a_missing_one(
    sandbox_factory: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    data = tmp_path / "shared.sqlite3"
    with serve(sandbox_factory, data, USER_A) as a:
        mine, code = connect(a, USER_A)
        assert {SEED_CONNECTION_ID, mine} <= listed(a, USER_A)

    with serve(sandbox_factory, data, USER_B) as b:
        assert listed(b, USER_B).isdisjoint({SEED_CONNECTION_ID, mine})
        missing = answers(b, USER_B, UNKNOWN)
        assert missing["guide execute"][0] == 400
        assert missing["delete"][0] == 404
        for foreign in (SEED_CONNECTION_ID, mine):
            assert answers(b, USER_B, foreign) == missing
        # A's code: as unknown as a made-up one, and B's attempt does not spend it.
        assert callback(b, USER_B, code, mine) == callback(b, USER_B, "made-up-code", UNKNOWN)
        assert callback(b, USER_B, code, mine)[0] == 400
        # B's own connection, exchanged with A's connection id: as if the id were unknown.
        own, own_code = connect(b, USER_B)
        assert callback(b, USER_B, own_code, mine) == callback(b, USER_B, own_code, UNKNOWN)
        assert listed(b, USER_B) == {own}

    with serve(sandbox_factory, data, USER_A) as a:
        # Nothing B did reached A: both connections are there, work, and the code is unspent.
        assert {SEED_CONNECTION_ID, mine} <= listed(a, USER_A)
        assert own not in listed(a, USER_A)
        status, body = callback(a, USER_A, code, mine)
        assert status == 200 and body["connectionId"] == mine
        ran = a.post(
            "/connectors/notion/actions/get-self",
            json={"credentialId": mine, "parameters": {}},
        )
        assert ran.status_code == 200, ran.text
        assert a.delete(f"/users/{USER_A}/credentials/{mine}").json() == {"success": True}
