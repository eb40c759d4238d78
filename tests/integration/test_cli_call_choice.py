"""`alloy-tui call` without --connection (the active connection when it is the connector's, else
that connector's only one; several or none: exit 2 saying what to do), and Slack's
`{"ok": false, "error": ...}` answers printed and turned into exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from alloy_tui.commands.call_support import SLACK_EXIT_CODES, connector_error
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from tests.integration.cli_support import Shell, point_at
from tests.integration.test_cli_slack import connect_slack

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import SandboxServer


def connect_another(
    shell: Shell, monkeypatch: pytest.MonkeyPatch, isolated_dirs: dict[str, Path]
) -> str:
    """One more Slack connection's id (read from the list: its name has a "(2)" in it)."""
    before = slack_ids(shell)
    connect_slack(shell, monkeypatch, isolated_dirs)
    [new] = [i for i in slack_ids(shell) if i not in before]
    return new


def slack_ids(shell: Shell) -> list[str]:
    rows = shell.ok("connections", "--connector", "slack", "--json").json()
    return [str(row["id"]) for row in rows]


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


def test_without_a_slack_connection_it_says_to_connect_one(slack_shell: Shell) -> None:
    result = slack_shell("call", "slack", "conversations_list", "--json")
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("error: You have no slack connection to run this through.")
    assert "`alloy-tui connect slack`" in result.err
    assert "Traceback" not in result.err
    # Notion's calls still go through the active (Notion) connection.
    me = slack_shell.ok("call", "notion", "get-self", "--json").json()
    assert me["object"] == "user"


def test_the_only_slack_connection_is_used_and_several_need_a_choice(
    slack_shell: Shell, monkeypatch: pytest.MonkeyPatch, isolated_dirs: dict[str, Path]
) -> None:
    first = connect_slack(slack_shell, monkeypatch, isolated_dirs)
    revoked = slack_shell.ok("call", "slack", "auth_revoke", "--json")
    assert revoked.json() == {"ok": True, "revoked": True}  # through `first`, the only one
    # The revoked token's answer is printed, and exits 3 (authentication).
    refused = slack_shell("call", "slack", "conversations_list", "--json")
    assert refused.code == 3
    assert refused.json() == {"ok": False, "error": "token_revoked"}
    assert "refused the call: token_revoked." in refused.err
    assert "alloy-tui connect slack" in refused.err

    second = connect_another(slack_shell, monkeypatch, isolated_dirs)
    several = slack_shell("call", "slack", "conversations_list", "--json")
    assert several.code == 2 and several.out == ""
    assert several.err.startswith("error: You have 2 slack connections and none is the active")
    assert first in several.err and second in several.err
    assert "--connection ID" in several.err
    # --connection picks one; the active Notion connection is never used for Slack.
    listed = slack_shell.ok("call", "slack", "conversations_list", "--connection", second)
    assert '"ok": true' in listed.out


def test_the_active_connection_is_used_when_it_is_the_connectors(
    slack_shell: Shell, monkeypatch: pytest.MonkeyPatch, isolated_dirs: dict[str, Path]
) -> None:
    first = connect_slack(slack_shell, monkeypatch, isolated_dirs)
    second = connect_another(slack_shell, monkeypatch, isolated_dirs)
    monkeypatch.setenv("CONNECTION_ID", second)
    slack_shell.ok("call", "slack", "auth_revoke", "--json")
    # `second` was revoked, `first` was not.
    checked = slack_shell("connections", "--check", "--json").json()
    state = {row["id"]: row["state"] for row in checked}
    assert state[second] == "revoked" and state[first] == "valid"
    monkeypatch.delenv("CONNECTION_ID")
    # Notion's active connection is Notion's: with two Slack ones, Notion calls still work.
    assert slack_shell.ok("call", "notion", "get-self", "--json").json()["object"] == "user"
    assert SEED_CONNECTION_ID in slack_shell.ok("connections").out


def test_slack_refusals_exit_with_the_code_they_mean(
    slack_shell: Shell, monkeypatch: pytest.MonkeyPatch, isolated_dirs: dict[str, Path]
) -> None:
    connect_slack(slack_shell, monkeypatch, isolated_dirs)
    missing = slack_shell("call", "slack", "conversations_history", "--query", "channel=C0NOWHERE")
    assert missing.code == 4
    assert '"error": "channel_not_found"' in missing.out  # printed (as JSON) all the same
    other = slack_shell("call", "slack", "conversations_list", "--query", "limit=1001", "--json")
    assert other.code == 1 and other.json() == {"ok": False, "error": "invalid_limit"}
    assert "refused the call: invalid_limit." in other.err


@pytest.mark.parametrize(
    ("code", "exit_code"),
    [
        ("invalid_auth", 3),
        ("not_authed", 3),
        ("token_revoked", 3),
        ("account_inactive", 3),
        ("channel_not_found", 4),
        ("user_not_found", 4),
        ("ratelimited", 5),
        ("invalid_cursor", 1),
        ("", 1),
    ],
)
def test_each_slack_error_code_maps_to_its_exit_code(code: str, exit_code: int) -> None:
    refused = connector_error("slack", {"ok": False, "error": code})
    assert refused is not None and refused[0] == exit_code
    assert (code in SLACK_EXIT_CODES) == (exit_code != 1)


def test_answers_that_are_not_refusals_exit_0() -> None:
    answers: list[object] = [{"ok": True}, {"object": "page", "ok": "false"}, [], "text", None]
    for answer in answers:
        assert connector_error("slack", answer) is None
