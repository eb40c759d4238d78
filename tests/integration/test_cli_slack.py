"""The shell with a Slack connection of the sandbox: `connect slack` (the active Notion
connection is left alone), `connections` listing both connectors, `call slack ...` with Slack's
cursors and a post, and `connections --check` telling a valid token from a revoked one."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from tests.integration.cli_support import Shell, point_at
from tests.integration.test_cli import config_file, scripted_browser

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import SandboxServer


@pytest.fixture
def slack_shell(
    sandbox_factory: Callable[..., SandboxServer],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Shell:
    server = sandbox_factory(auto_consent=True, rate_limit=False)
    point_at(server, monkeypatch, tmp_path)
    return Shell(capsys, server)


def connect_slack(
    shell: Shell, monkeypatch: pytest.MonkeyPatch, isolated_dirs: dict[str, Path]
) -> str:
    """`alloy-tui connect slack` with a browser that follows the link (the sandbox consents
    by itself); the new connection's id."""
    opened = scripted_browser(monkeypatch)
    result = shell.ok("connect", "slack", "--timeout", "30")
    assert opened and "/v1/oauth/authorize?" in opened[0] and "scope=" in opened[0]
    last = result.out.strip().splitlines()[-1]
    assert last.startswith("Connected: Slack \N{EN DASH} Acme Sandbox (")
    assert last.endswith("(the active connection is unchanged)")
    connection_id = last.split("(")[1].split(")")[0]
    # Nothing saved: the active connection stays the Notion one the app's pages use.
    path = config_file(isolated_dirs)
    saved = tomllib.loads(path.read_text()) if path.exists() else {}
    assert "connection_id" not in saved and "connection_id" not in saved.get("sandbox", {})
    return connection_id


def test_connect_slack_and_list_both_connectors(
    slack_shell: Shell, monkeypatch: pytest.MonkeyPatch, isolated_dirs: dict[str, Path]
) -> None:
    slack = connect_slack(slack_shell, monkeypatch, isolated_dirs)
    rows = slack_shell.ok("connections", "--json").json()
    by_id = {row["id"]: row for row in rows}
    assert by_id[slack]["connector_id"] == "slack" and by_id[slack]["active"] is False
    assert by_id[SEED_CONNECTION_ID]["connector_id"] == "notion"
    assert by_id[SEED_CONNECTION_ID]["active"] is True
    only = slack_shell.ok("connections", "--connector", "slack", "--json").json()
    assert [row["id"] for row in only] == [slack]


def test_call_slack_pages_by_cursor_and_posts(
    slack_shell: Shell, monkeypatch: pytest.MonkeyPatch, isolated_dirs: dict[str, Path]
) -> None:
    slack = connect_slack(slack_shell, monkeypatch, isolated_dirs)
    listed = slack_shell.ok(
        "call",
        "slack",
        "conversations-list",
        "--query",
        "limit=4",
        "--connection",
        slack,
        "--json",
    ).json()
    assert listed["ok"] is True and len(listed["channels"]) == 4
    cursor = listed["response_metadata"]["next_cursor"]
    rest = slack_shell.ok(
        "call",
        "slack",
        "conversations_list",
        "--query",
        f"cursor={cursor}",
        "--connection",
        slack,
        "--json",
    ).json()
    assert [c["name"] for c in rest["channels"]] == ["support", "launch-2024"]
    assert rest["response_metadata"]["next_cursor"] == ""

    body = json.dumps({"channel": "#engineering", "text": "deployed from the shell"})
    posted = slack_shell.ok(
        "call", "slack", "chat.postMessage", "--body", body, "--connection", slack, "--json"
    ).json()
    assert posted["ok"] is True
    history = slack_shell.ok(
        "call",
        "slack",
        "conversations_history",
        "--query",
        "channel=engineering",
        "--query",
        "limit=1",
        "--connection",
        slack,
        "--json",
    ).json()
    assert history["messages"][0]["text"] == "deployed from the shell"
    assert history["messages"][0]["ts"] == posted["ts"]

    refused = slack_shell(
        "call",
        "slack",
        "users_info",
        "--query",
        "user=U0NOBODY",
        "--connection",
        slack,
        "--json",
    )
    assert refused.code == 4 and refused.json() == {"ok": False, "error": "user_not_found"}
    catalog = slack_shell.ok("actions", "slack").out
    assert "chat_postMessage" in catalog and "/conversations.history" in catalog


def test_check_tells_a_valid_slack_token_from_a_revoked_one(
    slack_shell: Shell, monkeypatch: pytest.MonkeyPatch, isolated_dirs: dict[str, Path]
) -> None:
    slack = connect_slack(slack_shell, monkeypatch, isolated_dirs)
    checked = slack_shell("connections", "--check", "--json")
    assert checked.code == 0, checked.err
    row = next(row for row in checked.json() if row["id"] == slack)
    assert row["state"] == "valid"
    assert row["detail"] == "bot user alloy-tui-sandbox in Acme Sandbox"
    first_worked = row["last_worked"]
    assert first_worked is not None

    revoked = slack_shell.ok("call", "slack", "auth_revoke", "--connection", slack, "--json")
    assert revoked.json() == {"ok": True, "revoked": True}
    again = slack_shell("connections", "--check", "--json")
    assert again.code == 0  # the active (Notion) connection still works
    row = next(row for row in again.json() if row["id"] == slack)
    assert row["state"] == "revoked"
    assert row["detail"] == "Slack refused the connection's token (token_revoked)."
    assert row["last_worked"] == first_worked  # when it last worked, not when it was checked
    table = slack_shell("connections", "--check").out
    [line] = [line for line in table.splitlines() if slack in line]
    assert "  revoked  " in line and "token_revoked" in line

    pinned = slack_shell("connections", "--check", "--connection", slack)
    assert pinned.code == 3
    assert pinned.err.startswith("error: The active connection is revoked: Slack refused")
