"""`connections --check`: each connection's health, through the probes of `alloy/health.py`
(shared with the app's Connections screen), one after the other with a progress line; the
time each last worked is recorded in the state dir."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from alloy_tui.alloy.health import (
    PROBES,
    Health,
    LastWorked,
    check_connection,
    health_of,
    one_attempt_client,
)

if TYPE_CHECKING:
    from alloy_tui.alloy.models import Connection
    from alloy_tui.commands.common import Context


def last_worked_store(ctx: Context) -> LastWorked:
    return LastWorked(ctx.settings.state_dir / "health.json")


async def check_connections(
    ctx: Context, connections: list[Connection]
) -> tuple[dict[str, Health], dict[str, datetime]]:
    """Each connection's health, and when each last worked (this check included)."""
    client = one_attempt_client(ctx.client, ctx.settings.api_key)
    results: dict[str, Health] = {}
    for index, connection in enumerate(connections, 1):
        ctx.progress.show(f"Checking {index}/{len(connections)}: {connection.name}")
        results[connection.id] = await check_connection(
            client, connection, ctx.settings.notion_version
        )
    ctx.progress.clear()
    return results, last_worked_store(ctx).record(results)


__all__ = ["PROBES", "Health", "check_connections", "health_of"]
