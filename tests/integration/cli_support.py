"""Running `alloy-tui` shell commands in-process against a sandbox: fixtures and helpers."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from alloy_tui import cli
from alloy_tui.alloy.client import ClientOptions
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.seed import seed_id

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import SandboxServer


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Shell:
    """`shell("search", "x", "--json")` runs `alloy-tui search x --json`; returns what it
    printed and its exit code."""

    def __init__(self, capsys: pytest.CaptureFixture[str], server: SandboxServer) -> None:
        self.capsys = capsys
        self.server = server

    def __call__(self, *args: str) -> Result:
        self.capsys.readouterr()
        code = cli.main(list(args))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.code == 0, result.err
        return result

    def set_faults(self, *rules: dict[str, Any]) -> None:
        """Fault injection through the sandbox's admin endpoint (its key only)."""
        response = httpx.post(
            f"{self.server.base_url}/__sandbox/faults",
            json={"rules": list(rules), "seed": 0},
            headers={"Authorization": f"Bearer {self.server.config.api_key}"},
        )
        assert response.status_code == 200, response.text


def point_at(server: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The environment a user would paste for this sandbox, run from an empty folder; the
    client's own pacing off (the limiter has its tests; here it would only add seconds)."""
    monkeypatch.setenv("ALLOY_BASE_URL", server.base_url)
    monkeypatch.setenv("ALLOY_API_KEY", server.config.api_key)
    monkeypatch.setenv("ALLOY_USER_ID", server.config.user_id)
    monkeypatch.setenv("CONNECTION_ID", SEED_CONNECTION_ID)
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    monkeypatch.chdir(work)
    monkeypatch.setattr(cli, "client_options", lambda: ClientOptions(rate_limit=False))


@pytest.fixture
def shell(
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Shell:
    """Commands against the shared sandbox (create what you change)."""
    point_at(sandbox, monkeypatch, tmp_path)
    return Shell(capsys, sandbox)


@pytest.fixture
def private_shell(
    sandbox_factory: Callable[..., SandboxServer],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Shell:
    """Commands against a sandbox of this test's own (for fault injection)."""
    server = sandbox_factory(rate_limit=False)
    point_at(server, monkeypatch, tmp_path)
    return Shell(capsys, server)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def one_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    """No retries: a refused connection fails at once (the backoff is the client's, tested)."""
    monkeypatch.setattr(
        cli, "client_options", lambda: ClientOptions(rate_limit=False, max_attempts=1)
    )


class TerminalStream:
    """A stderr that says it is a terminal, recording what is written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def unique_word() -> str:
    """A word no seeded title holds: twelve random letters."""
    return uuid.uuid4().hex[:12].translate(str.maketrans("0123456789", "ghijklmnop"))


def new_page(shell: Shell, tmp_path: Path, markdown: str, *extra: str) -> str:
    """Create a page (under the seeded handbook unless --parent is in `extra`); its id."""
    path = tmp_path / f"new-{abs(hash(markdown))}.md"
    path.write_text(markdown, encoding="utf-8")
    parent = [] if "--parent" in extra else ["--parent", HANDBOOK]
    created = shell.ok("page", "create", str(path), *parent, *extra, "--json").json()
    return str(created["id"])


HANDBOOK = seed_id("page", "handbook")
"""The seeded "Acme Handbook" page (headings, lists, to-dos, Japanese...)."""
ARCHITECTURE = seed_id("page", "architecture")
"""A seeded page of code blocks and protected blocks (image, table, columns, synced...)."""
INTERNATIONAL = seed_id("page", "international")
TASKS = seed_id("database", "tasks")
ROADMAP = seed_id("database", "roadmap")
FEATURES = seed_id("data_source", "roadmap:features")
BUGS = seed_id("data_source", "roadmap:bugs")
