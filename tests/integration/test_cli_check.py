"""`alloy-tui connections --check` against a sandbox of its own: each connection's state from
one cheap call (valid, revoked, unreachable, rate limited) and the exit code of the active one."""

from __future__ import annotations

import sys

import pytest

from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from tests.integration.cli_support import Shell, TerminalStream, private_shell

__all__ = ["private_shell"]  # fixtures used by name


def state(shell: Shell) -> tuple[int, dict[str, object]]:
    result = shell("connections", "--check", "--json")
    [row] = [row for row in result.json() if row["id"] == SEED_CONNECTION_ID]
    return result.code, row


def test_a_working_connection_is_valid(
    private_shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, row = state(private_shell)
    assert code == 0
    assert row["state"] == "valid" and row["active"] is True
    assert str(row["detail"]).startswith("bot user ")
    table = private_shell.ok("connections", "--check").out.splitlines()
    assert table[0].split() == [
        "ID",
        "NAME",
        "CONNECTOR",
        "CREATED",
        "WORKSPACE",
        "STATE",
        "LAST",
        "WORKED",
        "DETAIL",
    ]
    assert table[1].startswith(f"*  {SEED_CONNECTION_ID}") and "  valid  20" in table[1]
    assert "  bot user " in table[1]
    assert row["last_worked"] is not None

    terminal = TerminalStream()
    monkeypatch.setattr(sys, "stderr", terminal)
    private_shell.ok("connections", "--check")
    assert "\rChecking 1/1: " in terminal.text and terminal.text.endswith("\r\x1b[K")


@pytest.mark.parametrize(
    ("fault", "expected", "code"),
    [
        ({"kind": "status", "status": 401}, "revoked", 3),
        ({"kind": "rate_limit", "retry_after": 30}, "rate limited", 5),
        ({"kind": "drop"}, "unreachable", 6),
        ({"kind": "status", "status": 503, "retry_after": "30"}, "unreachable", 1),
    ],
    ids=["revoked", "rate limited", "dropped", "server error"],
)
def test_a_failing_connection_says_why_and_sets_the_exit_code(
    private_shell: Shell, fault: dict[str, object], expected: str, code: int
) -> None:
    private_shell.set_faults({**fault, "match": "get-self"})
    result = private_shell("connections", "--check", "--json")
    [row] = [row for row in result.json() if row["id"] == SEED_CONNECTION_ID]
    assert row["state"] == expected
    assert result.code == code
    assert result.err.startswith(f"error: The active connection is {expected}: ")
    assert "Traceback" not in result.err


def test_the_active_connection_must_be_listed_and_chosen(
    private_shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONNECTION_ID", "65a1b2c3d4e5f60718290000")
    gone = private_shell("connections", "--check")
    assert gone.code == 3
    assert "The active connection 65a1b2c3d4e5f60718290000 is not in this list." in gone.out
    assert gone.err.startswith("error: The active connection 65a1b2c3d4e5f60718290000 is not ")

    monkeypatch.delenv("CONNECTION_ID")
    none = private_shell("connections", "--check", "--json")
    assert none.code == 2 and none.json()[0]["state"] == "valid"
    assert none.err.startswith("error: No connection is active")
    assert private_shell.ok("connections", "--json").json()[0].keys() >= {"id", "active"}
