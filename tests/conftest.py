"""Shared fixtures: isolated config/data dirs, and real sandboxes on ephemeral ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import SandboxServer


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Point every platformdirs location and every ALLOY_* variable away from the real user."""
    dirs = {name: tmp_path / "xdg" / name for name in ("config", "data", "state", "cache")}
    for name, path in dirs.items():
        path.mkdir(parents=True)
        monkeypatch.setenv(f"XDG_{name.upper()}_HOME", str(path))
    for var in (
        "ALLOY_API_KEY",
        "ALLOY_USER_ID",
        "ALLOY_BASE_URL",
        "CONNECTION_ID",
        "OAUTH_REDIRECT_URI",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BROWSER", "true")  # never open a real browser from a test
    return dirs


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """One seeded sandbox per test worker, rate limit off. Tests must not rely on it being
    pristine: create what you modify, or use `sandbox_factory` for a private one."""
    from alloy_tui.sandbox.server import SandboxConfig, SandboxServer

    data = tmp_path_factory.mktemp("sandbox") / "sandbox.sqlite3"
    server = SandboxServer(SandboxConfig(data_path=data, port=0, rate_limit=False))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Callable[..., SandboxServer]]:
    """Start a private sandbox with any SandboxConfig fields; stopped after the test."""
    from alloy_tui.sandbox.server import SandboxConfig, SandboxServer

    started: list[SandboxServer] = []

    def start(**overrides: Any) -> SandboxServer:
        overrides.setdefault("data_path", tmp_path / f"sandbox-{len(started)}.sqlite3")
        overrides.setdefault("port", 0)
        server = SandboxServer(SandboxConfig(**overrides))
        server.start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()
