"""`alloy-tui db query` against a real sandbox: every row, filters and sorts, JSON Lines
streamed page by page, databases with several data sources, and the exit codes."""

from __future__ import annotations

import io
import json
import sys
import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from alloy_tui.alloy.models import ResultPage
from alloy_tui.alloy.notion_api import NotionAPI
from tests.integration.cli_support import (
    BUGS,
    FEATURES,
    ROADMAP,
    TASKS,
    Shell,
    private_shell,
    shell,
)

__all__ = ["private_shell", "shell"]  # fixtures used by name

NEEDS_REVIEW = '{"property": "Needs review", "checkbox": {"equals": true}}'


def title(row: Mapping[str, Any]) -> str:
    for value in row["properties"].values():
        if value["type"] == "title":
            return "".join(item["plain_text"] for item in value["title"])
    raise AssertionError("a row without a title")


def test_query_returns_every_row(shell: Shell) -> None:
    rows = shell.ok("db", "query", TASKS, "--json").json()
    assert len(rows) >= 300, "the seeded tracker has 300 rows: several pages of 100"
    assert len({row["id"] for row in rows}) == len(rows)
    assert {row["parent"]["database_id"] for row in rows} == {TASKS}
    table = shell.ok("db", "query", TASKS.replace("-", "")).out.splitlines()
    assert table[0].split() == ["ID", "LAST", "EDITED", "TITLE"]
    assert len(table) == len(rows) + 1


def test_filter_and_sorts(shell: Shell) -> None:
    rows = shell.ok(
        "db", "query", TASKS, "--filter", NEEDS_REVIEW, "--sort", "Estimate:desc", "--json"
    ).json()
    assert rows and all(row["properties"]["Needs review"]["checkbox"] for row in rows)
    everything = shell.ok("db", "query", TASKS, "--json").json()
    assert len(rows) < len(everything)
    estimates = [row["properties"]["Estimate"]["number"] for row in rows]
    numbers = [n for n in estimates if n is not None]
    assert numbers == sorted(numbers, reverse=True) and len(set(numbers)) > 1

    ascending = shell.ok(
        "db", "query", TASKS, "--filter", NEEDS_REVIEW, "--sort", "Estimate", "--json"
    ).json()
    numbers_up = [r["properties"]["Estimate"]["number"] for r in ascending]
    assert [n for n in numbers_up if n is not None] == sorted(numbers)
    by_time = shell.ok("db", "query", TASKS, "--sort", "created_time:desc", "--json").json()
    created = [row["created_time"] for row in by_time]
    assert created == sorted(created, reverse=True)


def test_jsonl_streams_each_page_before_asking_for_the_next(
    shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.StringIO()
    lines_when_asked: list[int] = []
    real_query = NotionAPI.query_database

    async def watched(self: NotionAPI, *args: Any, **kwargs: Any) -> ResultPage:
        lines_when_asked.append(out.getvalue().count("\n"))
        return await real_query(self, *args, **kwargs)

    monkeypatch.setattr(NotionAPI, "query_database", watched)
    monkeypatch.setattr(sys, "stdout", out)
    assert shell("db", "query", TASKS, "--jsonl").code == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) >= 300 and all(row["object"] == "page" for row in rows)
    # Each page of 100 rows was written out before the next page was asked for.
    pages = -(-len(rows) // 100)
    assert pages >= 3 and lines_when_asked == [100 * page for page in range(pages)]


def test_a_database_with_several_data_sources(shell: Shell) -> None:
    refused = shell("db", "query", ROADMAP, "--json")
    assert refused.code == 2 and refused.out == ""
    assert refused.err.splitlines() == [
        f"error: The database 'Roadmap' has 2 data sources: Features ({FEATURES}); Bugs ({BUGS}).",
        "Choose one with --source NAME_OR_ID.",
    ]
    bugs = shell.ok("db", "query", ROADMAP, "--source", "bugs", "--json").json()
    assert bugs and {row["parent"]["data_source_id"] for row in bugs} == {BUGS}
    assert "Crash when a page has no title" in {title(row) for row in bugs}
    by_id = shell.ok("db", "query", ROADMAP, "--source", FEATURES.replace("-", ""), "--json")
    assert {row["parent"]["data_source_id"] for row in by_id.json()} == {FEATURES}
    # A data source's own id (what search lists in Notion 2025-09-03) works too.
    direct = shell.ok("db", "query", BUGS, "--json").json()
    assert sorted(row["id"] for row in direct) == sorted(row["id"] for row in bugs)
    fixed = shell.ok(
        "db",
        "query",
        ROADMAP,
        "--source",
        "Bugs",
        "--filter",
        '{"property": "Fixed", "checkbox": {"equals": true}}',
        "--json",
    ).json()
    assert [title(row) for row in fixed] == ["Crash when a page has no title"]
    unknown = shell("db", "query", ROADMAP, "--source", "Ideas")
    assert unknown.code == 2 and "has no data source 'Ideas'; it has: Features (" in unknown.err


def test_notion_2025_queries_the_single_data_source(shell: Shell) -> None:
    old = shell.ok("db", "query", TASKS, "--json").json()
    new = shell.ok("db", "query", TASKS, "--json", "--notion-version", "2025-09-03").json()
    assert sorted(row["id"] for row in new) == sorted(row["id"] for row in old)
    assert {row["parent"]["type"] for row in new} == {"data_source_id"}


def test_db_usage_errors_exit_2(shell: Shell) -> None:
    bad_json = shell("db", "query", TASKS, "--filter", "{not json")
    assert bad_json.code == 2 and bad_json.err.startswith("error: --filter is not valid JSON")
    not_object = shell("db", "query", TASKS, "--filter", "[1]")
    assert not_object.code == 2 and "must be a JSON object" in not_object.err
    no_prop = shell("db", "query", TASKS, "--sort", "Colour:desc")
    assert no_prop.code == 2
    assert no_prop.err.startswith("error: --sort 'Colour': there is no such property")
    assert "Estimate" in no_prop.err
    assert shell("db", "query", TASKS, "--json", "--jsonl").code == 2
    assert shell("db", "query", "tasks").code == 2
    for result in (bad_json, not_object, no_prop):
        assert result.out == "" and "Traceback" not in result.err


def test_db_notion_errors(shell: Shell) -> None:
    rejected = shell("db", "query", TASKS, "--filter", '{"property": "Estimate"}')
    assert rejected.code == 1 and rejected.err.startswith("error: Rejected as invalid")
    missing = shell("db", "query", str(uuid.uuid4()))
    assert missing.code == 4 and "Notion cannot find this object" in missing.err


def test_db_rate_limited_exits_5(private_shell: Shell) -> None:
    private_shell.set_faults(
        {"kind": "rate_limit", "match": "post-database-query", "retry_after": 0}
    )
    result = private_shell("db", "query", TASKS, "--jsonl")
    assert result.code == 5 and result.out == ""
    assert "rate limiting" in result.err
