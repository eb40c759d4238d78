"""`alloy-tui page get|export|import|create` against a real sandbox: Markdown round trips,
minimal plans, the conflict check, and every exit code."""

from __future__ import annotations

import io
import sys
import uuid
from pathlib import Path

import pytest

from tests.integration.cli_support import (
    ARCHITECTURE,
    HANDBOOK,
    INTERNATIONAL,
    ROADMAP,
    TASKS,
    Shell,
    closed_port_url,
    new_page,
    one_attempt,
    private_shell,
    shell,
    unique_word,
)

__all__ = ["private_shell", "shell"]  # fixtures used by name

BODY = "First line.\n\nSecond line.\n\n- a bullet\n- another\n\nLast line.\n"


@pytest.mark.parametrize("page", [HANDBOOK, ARCHITECTURE, INTERNATIONAL])
def test_an_unchanged_export_imports_as_zero_operations(
    shell: Shell, tmp_path: Path, page: str
) -> None:
    path = tmp_path / "page.md"
    shell.ok("page", "export", page, "-o", str(path))
    exported = path.read_text(encoding="utf-8")
    assert exported.strip()
    result = shell.ok("page", "import", page, str(path))
    assert result.out.startswith("0 operations: the body of ")
    assert result.err == ""  # the export was recorded: no warning, no progress (not a tty)
    as_json = shell.ok("page", "import", page, str(path), "--json").json()
    assert as_json["operations"] == 0 and as_json["applied"] is False
    # Printed to stdout, the same Markdown (the export is what the editor shows).
    assert shell.ok("page", "export", page).out.rstrip("\n") == exported.rstrip("\n")


def test_an_edited_export_applies_a_minimal_plan(shell: Shell, tmp_path: Path) -> None:
    page = new_page(shell, tmp_path, "# Minimal plan\n\n" + BODY)
    path = tmp_path / "body.md"
    shell.ok("page", "export", page, "-o", str(path))
    assert path.read_text(encoding="utf-8") == BODY
    edited = BODY.replace("Second line.", "Second line, edited.") + "\nA new last paragraph.\n"
    path.write_text(edited, encoding="utf-8")

    dry = shell.ok("page", "import", page, str(path), "--dry-run", "--json").json()
    assert dry["operations"] == 2 and dry["dry_run"] is True and dry["applied"] is False
    assert dry["plan"][0].startswith("update paragraph 'Second line, edited.")
    assert dry["plan"][1].startswith("insert paragraph 'A new last paragraph.'")
    assert shell.ok("page", "export", page).out.rstrip("\n") == BODY.rstrip("\n")  # unchanged

    applied = shell.ok("page", "import", page, str(path))
    assert applied.out.splitlines()[0] == "2 operations (2 requests) on 'Minimal plan':"
    assert applied.out.splitlines()[-1] == "Applied."
    assert shell.ok("page", "export", page).out.rstrip("\n") == edited.rstrip("\n")
    again = shell.ok("page", "import", page, str(path))
    assert again.out.startswith("0 operations")


def test_import_refuses_a_body_changed_since_the_export(shell: Shell, tmp_path: Path) -> None:
    page = new_page(shell, tmp_path, "# Conflict\n\n" + BODY)
    mine = tmp_path / "mine.md"
    shell.ok("page", "export", page, "-o", str(mine))
    # A colleague appends a paragraph meanwhile (not through an export/import of ours).
    shell.ok(
        "call",
        "notion",
        "patch-block-children",
        "--path",
        f"block_id={page}",
        "--body",
        '{"children": [{"type": "paragraph", "paragraph": {"rich_text": '
        '[{"type": "text", "text": {"content": "Theirs."}}]}}]}',
    )
    mine.write_text(BODY.replace("First line.", "First line, mine."), encoding="utf-8")
    refused = shell("page", "import", page, str(mine))
    assert refused.code == 1
    assert refused.err.startswith("error: The body of 'Conflict' changed in Notion since you ")
    assert "nothing was written" in refused.err and "--force" in refused.err
    assert "Theirs." in shell.ok("page", "export", page).out
    assert "mine" not in shell.ok("page", "export", page).out

    forced = shell.ok("page", "import", page, str(mine), "--force")
    assert forced.out.splitlines()[-1] == "Applied."
    after = shell.ok("page", "export", page).out
    assert "First line, mine." in after and "Theirs." not in after


def test_import_without_an_export_replaces_the_body_with_a_warning(
    shell: Shell, tmp_path: Path
) -> None:
    page = new_page(shell, tmp_path, "# No export\n\nOld text.\n")
    path = tmp_path / "new.md"
    path.write_text("New text.\n", encoding="utf-8")
    result = shell.ok("page", "import", page, str(path))
    assert "was not exported here" in result.err
    assert shell.ok("page", "export", page).out == "New text.\n"


def test_create_takes_the_title_from_the_first_heading(shell: Shell, tmp_path: Path) -> None:
    token = unique_word()
    title = f"Shell page {token}"
    markdown = f"# {title} **bold**\n\nIntro.\n\n```python\n# not a title\nx = 1\n```\n"
    page = new_page(shell, tmp_path, markdown)
    got = shell.ok("page", "get", page, "--json").json()
    assert got["parent"] == {"type": "page_id", "page_id": HANDBOOK}
    title_items = got["properties"]["title"]["title"]
    assert "".join(item["plain_text"] for item in title_items) == f"{title} bold"
    assert title_items[-1]["annotations"]["bold"] is True
    assert (
        shell.ok("page", "export", page).out == "Intro.\n\n```python\n# not a title\nx = 1\n```\n"
    )
    # Found by search under that title.
    found = shell.ok("search", token, "--json").json()
    assert [item["id"] for item in found] == [page]


def test_create_with_a_title_flag_keeps_the_heading_in_the_body(
    shell: Shell, tmp_path: Path
) -> None:
    page = new_page(shell, tmp_path, "# Heading stays\n\nText.\n", "--title", "Flag title")
    plain = shell.ok("page", "get", page).out
    assert plain.splitlines()[0].split(None, 1) == ["Title:", "Flag title"]
    assert shell.ok("page", "export", page).out.startswith("# Heading stays\n")


def test_create_in_a_database_and_in_a_data_source(shell: Shell, tmp_path: Path) -> None:
    row = new_page(shell, tmp_path, "# Row from the shell\n\nBody.\n", "--parent", TASKS)
    got = shell.ok("page", "get", row, "--json").json()
    assert got["parent"]["database_id"] == TASKS
    assert got["properties"]["Name"]["title"][0]["plain_text"] == "Row from the shell"

    path = tmp_path / "bug.md"
    path.write_text("# A bug\n", encoding="utf-8")
    refused = shell("page", "create", str(path), "--parent", ROADMAP)
    assert refused.code == 2
    assert "has 2 data sources: Features (" in refused.err and "Bugs (" in refused.err


def test_create_without_a_heading_or_title_is_a_usage_error(shell: Shell, tmp_path: Path) -> None:
    path = tmp_path / "untitled.md"
    path.write_text("Just text.\n", encoding="utf-8")
    result = shell("page", "create", str(path), "--parent", HANDBOOK)
    assert result.code == 2
    assert result.err.splitlines() == [
        f"error: {path} has no `# ` heading to name the page.",
        "Start it with `# Title`, or pass --title.",
    ]


def test_get_accepts_urls_and_ids_with_or_without_dashes(shell: Shell) -> None:
    compact = HANDBOOK.replace("-", "")
    forms = [HANDBOOK, compact, f"https://www.notion.so/acme/Acme-Handbook-{compact}?pvs=4"]
    for form in forms:
        got = shell.ok("page", "get", form, "--json").json()
        assert got["id"] == HANDBOOK
    plain = shell.ok("page", "get", compact).out
    assert plain.splitlines()[0].split(None, 1) == ["Title:", "Acme Handbook"]
    assert f"ID:          {HANDBOOK}" in plain


def test_page_exit_codes(shell: Shell, tmp_path: Path) -> None:
    missing = shell("page", "get", uuid.uuid4().hex)
    assert missing.code == 4 and missing.err.startswith("error: Notion cannot find this object")
    assert shell("page", "export", str(uuid.uuid4())).code == 4

    bad = shell("page", "get", "not-a-page")
    assert bad.code == 2
    assert bad.err.startswith("error: 'not-a-page' is not a Notion page id or URL.")

    nofile = shell("page", "import", HANDBOOK, str(tmp_path / "absent.md"))
    assert nofile.code == 2 and "There is no Markdown file" in nofile.err
    assert shell("page").code == 2  # no page command: argparse's usage error
    assert shell("page", "get").code == 2
    for result in (missing, bad, nofile):
        assert "Traceback" not in result.err and result.out == ""


def test_page_auth_and_network_exit_codes(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = shell("page", "get", HANDBOOK, "--api-key", "sk_wrong_key_for_this_test")
    assert wrong.code == 3 and "rejected the API key" in wrong.err
    assert "sk_wrong_key_for_this_test" not in wrong.err + wrong.out

    unknown = shell("page", "get", HANDBOOK, "--connection", "65a1b2c3d4e5f60718290000")
    assert unknown.code == 3 and "does not know this connection" in unknown.err

    one_attempt(monkeypatch)
    down = shell("page", "get", HANDBOOK, "--base-url", closed_port_url())
    assert down.code == 6 and "the connection was refused" in down.err


def test_page_rate_limited_exits_5(private_shell: Shell) -> None:
    private_shell.set_faults({"kind": "rate_limit", "match": "retrieve-a-page", "retry_after": 0})
    result = private_shell("page", "get", HANDBOOK)
    assert result.code == 5
    assert result.err.startswith("error: Notion is rate limiting this connection (429).")
    assert "Gave up after 5 attempts" in result.err


def test_import_reads_stdin(shell: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = new_page(shell, tmp_path, "# From stdin\n\nBefore.\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO("After.\n"))
    result = shell.ok("page", "import", page, "-", "--json")
    assert result.json()["operations"] == 1 and result.json()["applied"] is True
    assert shell.ok("page", "export", page).out == "After.\n"
