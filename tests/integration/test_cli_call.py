"""`alloy-tui actions` and `alloy-tui call` against a real sandbox: the catalog, any action
with path, query and body parameters, and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.cli_support import (
    HANDBOOK,
    Shell,
    closed_port_url,
    new_page,
    one_attempt,
    private_shell,
    shell,
)

__all__ = ["private_shell", "shell"]  # fixtures used by name


def test_actions_lists_the_catalog(shell: Shell) -> None:
    actions = shell.ok("actions", "notion", "--json").json()
    by_id = {action["id"]: action for action in actions}
    assert {"post-search", "retrieve-a-page", "patch-block-children"} <= set(by_id)
    assert by_id["retrieve-a-page"]["httpMethod"] == "GET"
    table = shell.ok("actions", "notion").out.splitlines()
    assert table[0].split() == ["ACTION", "METHOD", "PATH", "NAME"]
    line = next(row for row in table if row.startswith("retrieve-a-page "))
    assert line.split()[:3] == ["retrieve-a-page", "GET", "/v1/pages/{page_id}"]
    assert len(table) == len(actions) + 1


def test_call_with_path_query_and_body(shell: Shell, tmp_path: Path) -> None:
    page = shell.ok("call", "notion", "retrieve-a-page", "--path", f"page_id={HANDBOOK}", "--json")
    assert page.json()["id"] == HANDBOOK and page.json()["object"] == "page"
    plain = shell.ok("call", "notion", "retrieve-a-page", "--path", f"page_id={HANDBOOK}")
    assert plain.out.splitlines()[1].split() == ["page", HANDBOOK, "Acme", "Handbook"]

    body = tmp_path / "search.json"
    body.write_text(json.dumps({"query": "Roadmap", "page_size": 5}), encoding="utf-8")
    found = shell.ok("call", "notion", "post-search", "--body", f"@{body}", "--json").json()
    assert found["object"] == "list"
    assert "Roadmap" in {r.get("title", [{}])[0].get("plain_text") for r in found["results"]}

    child = new_page(shell, tmp_path, "# Call target\n\none\n\ntwo\n\nthree\n")
    listed = shell.ok(
        "call",
        "notion",
        "get-block-children",
        "--path",
        f"block_id={child}",
        "--query",
        "page_size=2",
        "--json",
    ).json()
    assert len(listed["results"]) == 2 and listed["has_more"] is True
    table = shell.ok(
        "call",
        "notion",
        "get-block-children",
        "--path",
        f"block_id={child}",
        "--query",
        "page_size=2",
    ).out
    assert f"start_cursor={listed['next_cursor']}" in table


def test_call_usage_errors_exit_2(shell: Shell, tmp_path: Path) -> None:
    missing = shell("call", "notion", "retrieve-a-page")
    assert missing.code == 2
    assert missing.err.splitlines() == [
        "error: The action retrieve-a-page needs the path parameter page_id.",
        "Add --path page_id=VALUE.",
    ]
    pair = shell("call", "notion", "retrieve-a-page", "--path", "page_id")
    assert pair.code == 2 and "is not a name=value pair" in pair.err
    body = shell("call", "notion", "post-search", "--body", "{query:")
    assert body.code == 2 and body.err.startswith("error: --body is not valid JSON")
    no_file = shell("call", "notion", "post-search", "--body", f"@{tmp_path / 'none.json'}")
    assert no_file.code == 2 and "There is no body file" in no_file.err
    for result in (missing, pair, body, no_file):
        assert result.out == "" and "Traceback" not in result.err


def test_call_and_actions_not_found_exit_4(shell: Shell) -> None:
    connector = shell("actions", "nosuchconnector")
    assert connector.code == 4 and "Connector not found" in connector.err
    action = shell("call", "notion", "no-such-action")
    assert action.code == 4 and action.err.startswith("error: Alloy does not know this action.")
    page = shell(
        "call", "notion", "retrieve-a-page", "--path", "page_id=00000000000040008000000000000000"
    )
    assert page.code == 4 and "Notion cannot find this object" in page.err


def test_call_rejected_by_notion_exits_1(shell: Shell) -> None:
    result = shell("call", "notion", "post-search", "--body", '{"page_size": "many"}')
    assert result.code == 1 and result.err.startswith("error: Rejected as invalid")


def test_call_auth_and_network_exit_codes(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = shell("actions", "notion", "--api-key", "sk_definitely_not_the_key")
    assert wrong.code == 3
    revoked = shell(
        "call", "notion", "post-search", "--connection", "65a1b2c3d4e5f60718290000", "--body", "{}"
    )
    assert revoked.code == 3 and "does not know this connection" in revoked.err
    one_attempt(monkeypatch)
    down = shell("actions", "notion", "--base-url", closed_port_url())
    assert down.code == 6


def test_call_rate_limited_exits_5(private_shell: Shell) -> None:
    private_shell.set_faults({"kind": "rate_limit", "match": "post-search", "retry_after": 0})
    result = private_shell("call", "notion", "post-search", "--body", "{}", "--json")
    assert result.code == 5 and result.out == ""
