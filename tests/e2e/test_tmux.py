"""End to end: the real `alloy-tui --sandbox` in tmux, driven with keys, read off the screen."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.polling import poll_until

pytestmark = pytest.mark.e2e

EXECUTABLE = Path(sys.executable).parent / "alloy-tui"
COLUMNS, LINES = 120, 36


class Tmux:
    """One private tmux server (its own socket) running one session."""

    def __init__(self, socket: str, session: str) -> None:
        self.socket = socket
        self.session = session

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.session, "-l", text)

    def dead(self) -> bool:
        return self.run("list-panes", "-t", self.session, "-F", "#{pane_dead}").strip() == "1"

    def wait_for(self, condition: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        """Poll the screen (bounded, short polls) until `condition` holds."""
        last = [""]

        def check() -> str | None:
            last[0] = self.screen()
            return last[0] if condition(last[0]) else None

        try:
            return poll_until(check, what, timeout)
        except AssertionError:
            raise AssertionError(
                f"timed out waiting for {what}; the screen was:\n{last[0]}"
            ) from None


@pytest.fixture
def tmux(isolated_dirs: dict[str, Path]) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    if not EXECUTABLE.exists():
        pytest.skip(f"{EXECUTABLE} is not installed (pip install -e .)")
    term = Tmux(f"alloy-e2e-{uuid.uuid4().hex[:8]}", "app")
    env = [f"XDG_{name.upper()}_HOME={path}" for name, path in isolated_dirs.items()]
    command = " ".join(
        # COLUMNS/LINES from the test's environment would override the pane's size.
        [
            "env",
            "-u",
            "COLUMNS",
            "-u",
            "LINES",
            *env,
            "TERM=xterm-256color",
            "BROWSER=true",
            str(EXECUTABLE),
            "--sandbox",
        ]
    )
    term.run("-f", "/dev/null", "new-session", "-d", "-s", "app", "-x", str(COLUMNS),
             "-y", str(LINES), command)  # fmt: skip
    # A detached session may keep tmux's default 80x24: size it explicitly.
    term.run("resize-window", "-t", "app", "-x", str(COLUMNS), "-y", str(LINES))
    term.run("set-option", "-t", "app", "remain-on-exit", "on")
    try:
        yield term
    finally:
        term.run("kill-server")


def test_connections_search_open_and_quit(tmux: Tmux) -> None:
    tmux.wait_for(lambda s: "Connections" in s, "the first screen")
    # The row, marked active (the status bar names the connection a frame before the table
    # shows it: waiting for the name alone could catch that frame).
    screen = tmux.wait_for(
        lambda s: "Acme Sandbox" in s and "●" in s, "the seed connection listed and marked"
    )
    assert "SANDBOX" in screen

    tmux.keys("s")
    tmux.wait_for(lambda s: "results" in s and "Last edited" in s, "the search results")
    tmux.type("revamp")
    # The summary names the query it answers: a partial query ("reva") cannot satisfy this.
    screen = tmux.wait_for(
        lambda s: "Search revamp" in s and "1 result for “revamp”" in s, "the final results"
    )
    assert "Sandbox emulator" not in screen  # the query narrowed the list

    tmux.keys("Down")
    tmux.keys("Enter")
    screen = tmux.wait_for(lambda s: "Faster search over 10k pages" in s, "the page editor")
    assert "Search revamp" in screen

    tmux.keys("C-q")
    tmux.wait_for(lambda s: tmux.dead(), "the app to exit", timeout=15)
