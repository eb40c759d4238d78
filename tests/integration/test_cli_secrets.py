"""No secret reaches stdout: pages, rows and answers that quote the API key are printed (and
exported) with it hidden, in every command's plain and JSON output."""

from __future__ import annotations

from pathlib import Path

from tests.integration.cli_support import TASKS, Shell, new_page, shell, unique_word

__all__ = ["shell"]  # fixtures used by name


def test_the_api_key_never_reaches_stdout(shell: Shell, tmp_path: Path) -> None:
    key = shell.server.config.api_key
    word = unique_word()
    page = new_page(shell, tmp_path, f"# {word} {key}\n\nThe key is {key} here.\n")
    row = new_page(shell, tmp_path, f"# {word} row {key}\n", "--parent", TASKS)
    exported = tmp_path / "export.md"
    commands = [
        ("search", word, "--json"),
        ("search", word),
        ("page", "get", page, "--json"),
        ("page", "get", page),
        ("page", "export", page),
        ("page", "export", page, "-o", str(exported)),
        ("db", "query", TASKS, "--json"),
        ("db", "query", TASKS, "--jsonl"),
        ("call", "notion", "retrieve-a-page", "--path", f"page_id={page}", "--json"),
        ("call", "notion", "get-block-children", "--path", f"block_id={page}", "--json"),
        ("call", "notion", "retrieve-a-page", "--path", f"page_id={row}"),
        ("actions", "notion", "--json"),
        ("connections", "--json"),
        ("connections", "--check", "--json"),
    ]
    hidden = 0
    for command in commands:
        result = shell.ok(*command)
        assert key not in result.out, command
        assert key not in result.err, command
        hidden += result.out.count("REDACTED")
    # The key was there to hide: in titles, the body, the row.
    assert hidden >= 10
    text = exported.read_text(encoding="utf-8")
    assert key not in text and text == "The key is \\[REDACTED\\] here.\n"
