"""End to end: kill -9 the real `alloy-tui --sandbox` while typing; the draft comes back."""

from __future__ import annotations

import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.drafts import Draft
from tests.e2e.polling import poll_until
from tests.e2e.test_tmux import COLUMNS, EXECUTABLE, LINES, Tmux

pytestmark = pytest.mark.e2e

TYPED = "Crash-proof words, typed before kill -9. "


def _command(isolated_dirs: dict[str, Path]) -> str:
    env = [f"XDG_{name.upper()}_HOME={path}" for name, path in isolated_dirs.items()]
    # COLUMNS/LINES from the test's environment would override the pane's size. The sandbox's
    # data file lives in the (isolated, fixed) data dir, so the restart sees the same pages.
    return " ".join(
        ["exec", "env", "-u", "COLUMNS", "-u", "LINES", *env, "TERM=xterm-256color",
         "BROWSER=true", str(EXECUTABLE), "--sandbox"]
    )  # fmt: skip


@pytest.fixture
def term(isolated_dirs: dict[str, Path]) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    if not EXECUTABLE.exists():
        pytest.skip(f"{EXECUTABLE} is not installed (pip install -e .)")
    tmux = Tmux(f"alloy-crash-{uuid.uuid4().hex[:8]}", "app")
    tmux.run("-f", "/dev/null", "new-session", "-d", "-s", "app", "-x", str(COLUMNS),
             "-y", str(LINES), _command(isolated_dirs))  # fmt: skip
    tmux.run("resize-window", "-t", "app", "-x", str(COLUMNS), "-y", str(LINES))
    tmux.run("set-option", "-t", "app", "remain-on-exit", "on")
    try:
        yield tmux
    finally:
        tmux.run("kill-server")


def _wait_for_file(folder: Path, timeout: float = 20) -> Path:
    found = poll_until(
        lambda: sorted(folder.glob("**/drafts/*.json")), f"a draft file under {folder}", timeout
    )
    return found[0]


def test_kill_9_while_typing_then_the_draft_comes_back(
    term: Tmux, isolated_dirs: dict[str, Path]
) -> None:
    term.wait_for(lambda s: "Acme Sandbox" in s and "●" in s, "the seed connection listed")
    term.keys("s")
    term.wait_for(lambda s: "results" in s and "Last edited" in s, "the search results")
    term.type("revamp")
    # The summary names its query: a partial query ("reva") cannot satisfy this wait.
    term.wait_for(lambda s: "1 result for “revamp”" in s, "the final results")
    term.keys("Down")
    term.keys("Enter")
    term.wait_for(lambda s: "Faster search over 10k pages" in s, "the page editor")
    term.wait_for(lambda s: "Edit body" in s, "the page keys")
    term.keys("F2")
    term.wait_for(lambda s: "Esc: back to the view" in s, "the body editor")
    term.type(TYPED)
    term.wait_for(lambda s: "Crash-proof words" in s, "the typed text")

    draft_file = _wait_for_file(isolated_dirs["state"])

    # The debounce writes the last keystrokes a moment after the first draft appears.
    def complete_draft() -> Draft | None:
        draft = Draft.from_json(draft_file.read_text(encoding="utf-8"))
        return draft if TYPED in (draft.body_markdown or "") else None

    draft = poll_until(complete_draft, "the draft to hold every keystroke", 20)
    assert draft.body_markdown is not None and draft.body_markdown.startswith(TYPED)
    assert (draft_file.stat().st_mode & 0o777) == 0o600

    pid = int(term.run("display-message", "-p", "-t", "app", "#{pane_pid}").strip())
    os.kill(pid, signal.SIGKILL)
    term.wait_for(lambda s: term.dead(), "the app to die", timeout=15)
    assert draft_file.exists()

    term.run("respawn-pane", "-k", "-t", "app", _command(isolated_dirs))
    screen = term.wait_for(lambda s: "Unsaved drafts" in s, "the recovery offer")
    assert "Search revamp" in screen and "body" in screen
    term.keys("o")
    term.wait_for(lambda s: "unsaved changes" in s, "the page with the draft applied")
    term.keys("F2")
    screen = term.wait_for(lambda s: "Esc: back to the view" in s, "the body editor")
    assert TYPED.strip() in screen
    # The file still holds exactly what was typed (nothing saved, nothing lost).
    again = Draft.from_json(draft_file.read_text(encoding="utf-8"))
    assert again.body_markdown == draft.body_markdown
