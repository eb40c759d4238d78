"""Settings that point the app (or any client) at a running sandbox: its URL, key and user, and
its seed connection unless one was chosen. Below the UI: the screens never import the sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alloy_tui.config import Settings, load_settings
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import SandboxServer


def sandbox_settings(server: SandboxServer, base: Settings | None = None) -> Settings:
    """`base` (by default the user's settings, no .env) pointed at `server`. A connection id
    given as a flag is kept; one from the environment or config belongs to the real account,
    so the sandbox's own (or its seed connection) is used instead."""
    base = base or load_settings(use_cwd_env=False)
    overrides: dict[str, Any] = {
        "base_url": server.base_url,
        "api_key": server.config.api_key,
        "user_id": server.config.user_id,
        "sandbox": True,
    }
    if base.source_of("connection_id") != "flag":
        overrides["connection_id"] = base.sandbox_connection_id or SEED_CONNECTION_ID
    return base.with_overrides(source="sandbox", **overrides)


__all__ = ["sandbox_settings"]
