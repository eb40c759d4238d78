"""`alloy-tui search` against a real sandbox: the JSON shape, every page of results, progress
only on a terminal, and the exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.alloy.models import ResultPage
from alloy_tui.alloy.notion_api import NotionAPI
from tests.integration.cli_support import (
    HANDBOOK,
    Shell,
    TerminalStream,
    closed_port_url,
    new_page,
    one_attempt,
    private_shell,
    shell,
    unique_word,
)

__all__ = ["private_shell", "shell"]  # fixtures used by name

KEYS = {"id", "object", "title", "url", "last_edited_time", "parent"}


def test_search_json_is_an_array_of_summaries(shell: Shell, tmp_path: Path) -> None:
    word = unique_word()
    page = new_page(shell, tmp_path, f"# Found by {word}\n\nBody.\n")
    result = shell.ok("search", word, "--json")
    assert result.err == ""
    [item] = result.json()
    assert set(item) == KEYS
    assert item["id"] == page and item["object"] == "page"
    assert item["title"] == f"Found by {word}"
    assert item["url"].endswith(page.replace("-", ""))
    assert item["last_edited_time"].endswith("Z")
    assert item["parent"] == {"type": "page_id", "page_id": HANDBOOK}

    table = shell.ok("search", word).out.splitlines()
    assert table[0].split() == ["OBJECT", "ID", "LAST", "EDITED", "TITLE"]
    assert table[1].startswith(f"page    {page}  ") and table[1].endswith(f"Found by {word}")
    assert shell.ok("search", unique_word()).out.startswith("Nothing matching ")


def test_search_follows_every_cursor_and_stops_at_the_limit(shell: Shell) -> None:
    everything = shell.ok("search", "--kind", "page", "--json").json()
    ids = [item["id"] for item in everything]
    assert len(ids) > 300, "the seed has over 300 pages: several pages of 100 results"
    assert len(set(ids)) == len(ids)
    assert {item["object"] for item in everything} == {"page"}

    limited = shell.ok("search", "--kind", "page", "--limit", "150", "--json").json()
    assert len(limited) == 150 and len({item["id"] for item in limited}) == 150
    assert len(shell.ok("search", "--limit", "3", "--json").json()) == 3


def test_search_kind_database(shell: Shell) -> None:
    found = shell.ok("search", "--kind", "database", "--json").json()
    assert {item["object"] for item in found} == {"database"}
    assert {"Tasks", "Roadmap"} <= {item["title"] for item in found}
    # Notion 2025-09-03 lists databases as their data sources.
    version = ("--notion-version", "2025-09-03")
    sources = shell.ok("search", "--kind", "database", "--json", *version).json()
    assert {item["object"] for item in sources} == {"data_source"}
    assert {"Tasks", "Features", "Bugs"} <= {item["title"] for item in sources}


def test_progress_goes_to_stderr_only_on_a_terminal(
    shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = shell.ok("search", "--kind", "page", "--json")
    assert quiet.err == ""  # not a terminal: nothing
    terminal = TerminalStream()
    monkeypatch.setattr(sys, "stderr", terminal)
    loud = shell.ok("search", "--kind", "page", "--json")
    assert loud.json() == quiet.json()  # stdout is the same
    assert "\rSearching: 100 results so far\x1b[K" in terminal.text
    assert "\rSearching: 200 results so far\x1b[K" in terminal.text
    assert terminal.text.endswith("\r\x1b[K")  # the line is cleared at the end


def test_search_exit_codes(
    shell: Shell, monkeypatch: pytest.MonkeyPatch, isolated_dirs: dict[str, Path]
) -> None:
    assert shell("search", "--limit", "0").code == 2
    assert shell("search", "--kind", "block").code == 2

    monkeypatch.delenv("CONNECTION_ID")
    none = shell("search", "x")
    assert none.code == 2
    assert none.err.splitlines()[0] == (
        "error: No connection is chosen: Notion commands run through one connection."
    )
    monkeypatch.setenv("CONNECTION_ID", "65a1b2c3d4e5f60718293a4b")

    wrong = shell("search", "x", "--api-key", "sk_not_this_one_at_all")
    assert wrong.code == 3 and wrong.err.startswith("error: Alloy at ")

    one_attempt(monkeypatch)
    down = shell("search", "x", "--base-url", closed_port_url())
    assert down.code == 6 and "Cannot reach" in down.err
    for result in (none, wrong, down):
        assert result.out == "" and "Traceback" not in result.err


def test_search_rate_limited_exits_5(private_shell: Shell) -> None:
    private_shell.set_faults({"kind": "rate_limit", "match": "post-search", "retry_after": 0})
    result = private_shell("search", "x", "--json")
    assert result.code == 5 and result.out == ""
    assert result.err.startswith("error: Notion is rate limiting this connection (429).")


def test_ctrl_c_while_searching_exits_130_and_clears_the_progress_line(
    shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_search = NotionAPI.search
    calls = 0

    async def interrupted(self: NotionAPI, *args: Any, **kwargs: Any) -> ResultPage:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return await real_search(self, *args, **kwargs)

    monkeypatch.setattr(NotionAPI, "search", interrupted)
    terminal = TerminalStream()
    monkeypatch.setattr(sys, "stderr", terminal)
    result = shell("search", "--kind", "page", "--json")
    assert result.code == 130 and result.out == ""
    assert "\rSearching: 100 results so far\x1b[K" in terminal.text
    assert terminal.text.endswith("\r\x1b[K")
