"""`alloy-tui connections [--check]`: the user's connections, and each one's health."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from alloy_tui.alloy.models import Connection
from alloy_tui.commands.check import Health, check_connections
from alloy_tui.commands.common import (
    EXIT_AUTH,
    EXIT_CONFIG,
    EXIT_ERROR,
    EXIT_OK,
    Context,
    exit_code_for,
)
from alloy_tui.commands.output import safe


def connection_json(connection: Connection, active: bool) -> dict[str, Any]:
    return {
        "id": connection.id,
        "name": connection.name,
        "connector_id": connection.connector_id,
        "type": connection.type,
        "created_at": connection.created_at.isoformat() if connection.created_at else None,
        "workspace_name": connection.workspace_name,
        "active": active,
    }


async def run(ns: argparse.Namespace, ctx: Context) -> int:
    connections = await ctx.client.list_connections(ns.connector)
    connections.sort(key=lambda c: (c.created_at.timestamp() if c.created_at else 0.0, c.id))
    active = ctx.settings.connection_id
    health: dict[str, Health] = {}
    worked: dict[str, datetime] = {}
    if ns.check:
        health, worked = await check_connections(ctx, connections)
    if ns.json:
        rows = []
        for c in connections:
            row = connection_json(c, c.id == active)
            if ns.check:
                when = worked.get(c.id)
                row |= {
                    "state": health[c.id].state,
                    "detail": health[c.id].detail,
                    "last_worked": when.isoformat() if when else None,
                }
            rows.append(row)
        ctx.out.json(rows)
    elif not connections:
        ctx.out.line("No connections yet: run `alloy-tui connect notion`.")
    else:
        _table(ctx, connections, active, health, worked)
    return _check_exit(ctx, connections, active, health) if ns.check else EXIT_OK


def _table(
    ctx: Context,
    connections: list[Connection],
    active: str | None,
    health: dict[str, Health],
    worked: dict[str, datetime],
) -> None:
    header = ["", "ID", "NAME", "CONNECTOR", "CREATED", "WORKSPACE"]
    if health:
        header += ["STATE", "LAST WORKED", "DETAIL"]
    rows = []
    for c in connections:
        row = [
            "*" if c.id == active else "",
            c.id,
            c.name,
            c.connector_id,
            c.created_at.strftime("%Y-%m-%d %H:%M") if c.created_at else "-",
            c.workspace_name or "-",
        ]
        if health:
            when = worked.get(c.id)
            row += [
                health[c.id].state,
                when.astimezone().strftime("%Y-%m-%d %H:%M") if when else "never",
                health[c.id].detail,
            ]
        rows.append(row)
    ctx.out.table(header, rows)
    if active and all(c.id != active for c in connections):
        ctx.out.line(f"\nThe active connection {safe(active)} is not in this list.")


def _check_exit(
    ctx: Context, connections: list[Connection], active: str | None, health: dict[str, Health]
) -> int:
    """0 when the active connection works; else the code of what failed (README)."""
    if not active:
        print(
            "error: No connection is active, so none can be said to work.\n"
            "Pick one with --connection ID or CONNECTION_ID.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    found = health.get(active)
    if found is None:
        print(
            f"error: The active connection {safe(active)} is not among this user's connections.\n"
            "Reconnect (alloy-tui connect CONNECTOR) or pick another one.",
            file=sys.stderr,
        )
        return EXIT_AUTH
    if found.state == "valid":
        return EXIT_OK
    print(f"error: The active connection is {found.state}: {safe(found.detail)}", file=sys.stderr)
    return exit_code_for(found.error) if found.error is not None else EXIT_ERROR


__all__ = ["connection_json", "run"]
