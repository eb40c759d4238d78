"""Runs a parsed shell command against one client: builds its context, picks its module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from alloy_tui.commands.common import Context
from alloy_tui.commands.output import Output, Progress

if TYPE_CHECKING:
    from alloy_tui.alloy.client import AlloyClient
    from alloy_tui.config import Settings

Handler = Callable[[argparse.Namespace, Context], Awaitable[int]]


def _handler(ns: argparse.Namespace) -> Handler:
    # Each group's module is imported only when its command runs.
    if ns.command == "search":
        from alloy_tui.commands.search import run as search

        return search
    if ns.command == "page":
        from alloy_tui.commands.page import run_create, run_export, run_get, run_import

        pages: dict[str, Handler] = {
            "get": run_get,
            "export": run_export,
            "import": run_import,
            "create": run_create,
        }
        return pages[ns.page_command]
    if ns.command == "db":
        from alloy_tui.commands.db import run_query

        return run_query
    if ns.command in ("actions", "call"):
        from alloy_tui.commands.call import run_actions, run_call

        return run_actions if ns.command == "actions" else run_call
    if ns.command == "connections":
        from alloy_tui.commands.connections import run as connections

        return connections
    raise ValueError(f"no handler for the command {ns.command!r}")


async def run(ns: argparse.Namespace, settings: Settings, client: AlloyClient) -> int:
    """Run `ns.command`; AlloyError and CommandError propagate (the caller maps them to exit
    codes). stdout never shows the API key; `call` also hides what looks like a secret."""
    redact = client.log.redact if ns.command == "call" else None
    out = Output(sys.stdout, (settings.api_key,), redact=redact)
    progress = Progress(sys.stderr)
    client.on_wait = progress.on_wait
    try:
        return await _handler(ns)(ns, Context(settings, client, out, progress))
    finally:
        progress.clear()


__all__ = ["run"]
