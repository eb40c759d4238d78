"""Connection health: each connection checked with one cheap call that proves its token works.

States: `valid`, `revoked` (Alloy or the service refuses the credential), `unreachable`,
`rate limited`, `error` (anything else), `unchecked` (no cheap call known for its connector).
One attempt each (no retries, no Retry-After waits): a health check answers at once."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from alloy_tui.alloy.errors import (
    AlloyError,
    AuthError,
    CannotReachError,
    ConnectionNotFoundError,
    ForbiddenError,
    OAuthError,
    RateLimitedError,
    ServerError,
)
from alloy_tui.alloy.notion_api import NotionAPI

if TYPE_CHECKING:
    from alloy_tui.alloy.client import AlloyClient
    from alloy_tui.alloy.models import Connection
    from alloy_tui.commands.common import Context


@dataclass(frozen=True)
class Health:
    state: str
    detail: str
    error: AlloyError | None = field(default=None, compare=False, repr=False)


Probe = Callable[["AlloyClient", "Connection", str], Awaitable[str]]


async def _notion_probe(client: AlloyClient, connection: Connection, version: str) -> str:
    """`get-self`: the integration's bot user (one read, any workspace, nothing listed)."""
    me = await NotionAPI(client, connection.id, notion_version=version).get_self()
    name = me.get("name")
    return f"bot user {name}" if isinstance(name, str) and name else "answered"


PROBES: Final[dict[str, Probe]] = {"notion": _notion_probe}
"""The cheap call of each connector that has one."""


def health_of(error: AlloyError) -> Health:
    sentence = error.sentence
    if isinstance(error, AuthError | ForbiddenError | ConnectionNotFoundError | OAuthError):
        return Health("revoked", sentence, error)
    if isinstance(error, RateLimitedError):
        return Health("rate limited", sentence, error)
    if isinstance(error, CannotReachError | ServerError):
        return Health("unreachable", sentence, error)
    return Health("error", sentence, error)


async def check_connections(ctx: Context, connections: list[Connection]) -> dict[str, Health]:
    """Each connection's health, checked one after the other through a one-attempt client."""
    from alloy_tui.alloy.client import AlloyClient

    client = ctx.client
    probe_client = AlloyClient(
        client.http,
        base_url=client.base_url,
        api_key=ctx.settings.api_key,
        user_id=client.user_id,
        options=dataclasses.replace(client.options, max_attempts=1),
        log=client.log,
    )
    results: dict[str, Health] = {}
    for index, connection in enumerate(connections, 1):
        ctx.progress.show(f"Checking {index}/{len(connections)}: {connection.name}")
        probe = PROBES.get(connection.connector_id)
        if probe is None:
            results[connection.id] = Health(
                "unchecked", f"no cheap check is known for {connection.connector_id}"
            )
            continue
        try:
            detail = await probe(probe_client, connection, ctx.settings.notion_version)
        except AlloyError as error:
            results[connection.id] = health_of(error)
        else:
            results[connection.id] = Health("valid", detail)
    ctx.progress.clear()
    return results


__all__ = ["PROBES", "Health", "check_connections", "health_of"]
