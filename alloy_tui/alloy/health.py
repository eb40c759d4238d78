"""Connection health: each connection checked with one cheap call that proves its token works,
and when each one last worked (kept in the state dir, so the shell and the app share it).

States: `valid`, `revoked` (Alloy or the service refuses the credential), `unreachable`,
`rate limited`, `error` (anything else), `unchecked` (no cheap call known for its connector).
One attempt each (no retries, no Retry-After waits): a health check answers at once. Used by
`alloy-tui connections --check` and the app's Connections screen."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

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
from alloy_tui.alloy.retry import ActionKind

if TYPE_CHECKING:
    from alloy_tui.alloy.client import AlloyClient
    from alloy_tui.alloy.models import Connection
    from alloy_tui.alloy.secret import Secret

VALID: Final = "valid"
REVOKED: Final = "revoked"
UNREACHABLE: Final = "unreachable"
RATE_LIMITED: Final = "rate limited"
ERROR: Final = "error"
UNCHECKED: Final = "unchecked"

SLACK_REVOKED_ERRORS: Final = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "no_permission",
        "missing_scope",
    }
)
"""Slack's `error` codes that mean the token no longer works (Slack's docs for auth.test)."""


@dataclass(frozen=True)
class Health:
    state: str
    detail: str
    error: AlloyError | None = field(default=None, compare=False, repr=False)


Probe = Callable[["AlloyClient", "Connection", str], Awaitable[str]]
"""(client, connection, Notion-Version) -> a short description of who answered."""


async def _notion_probe(client: AlloyClient, connection: Connection, version: str) -> str:
    """`get-self`: the integration's bot user (one read, any workspace, nothing listed)."""
    me = await NotionAPI(client, connection.id, notion_version=version).get_self()
    name = me.get("name")
    return f"bot user {name}" if isinstance(name, str) and name else "answered"


def slack_error(answer: Mapping[str, Any]) -> AlloyError:
    """The typed error a Slack `{"ok": false, "error": code}` answer means."""
    code = str(answer.get("error") or "unknown_error")
    if code in SLACK_REVOKED_ERRORS:
        return AuthError(
            f"Slack refused the connection's token ({code}).",
            remedy="Reconnect Slack (alloy-tui connect slack); the access was revoked.",
            code=code,
        )
    if code == "ratelimited":
        return RateLimitedError("Slack is rate limiting this connection.", code=code)
    return AlloyError(f"Slack answered {code}.", code=code)


async def _slack_probe(client: AlloyClient, connection: Connection, _version: str) -> str:
    """`auth_test` (Slack's auth.test): whose token it is, nothing listed."""
    answer = await client.execute(
        "slack", "auth_test", connection_id=connection.id, kind=ActionKind.READ
    )
    if not isinstance(answer, Mapping) or answer.get("ok") is not True:
        raise slack_error(answer if isinstance(answer, Mapping) else {})
    user, team = answer.get("user"), answer.get("team")
    if isinstance(user, str) and user:
        return f"bot user {user}" + (f" in {team}" if isinstance(team, str) and team else "")
    return "answered"


PROBES: Final[dict[str, Probe]] = {"notion": _notion_probe, "slack": _slack_probe}
"""The cheap call of each connector that has one."""


def health_of(error: AlloyError) -> Health:
    sentence = error.sentence
    if isinstance(error, AuthError | ForbiddenError | ConnectionNotFoundError | OAuthError):
        return Health(REVOKED, sentence, error)
    if isinstance(error, RateLimitedError):
        return Health(RATE_LIMITED, sentence, error)
    if isinstance(error, CannotReachError | ServerError):
        return Health(UNREACHABLE, sentence, error)
    return Health(ERROR, sentence, error)


def one_attempt_client(client: AlloyClient, api_key: Secret) -> AlloyClient:
    """A client on the same connection pool and request log that tries each call once."""
    from alloy_tui.alloy.client import AlloyClient

    return AlloyClient(
        client.http,
        base_url=client.base_url,
        api_key=api_key,
        user_id=client.user_id,
        options=dataclasses.replace(client.options, max_attempts=1),
        log=client.log,
        on_wait=client.on_wait,
        now=client._now,  # calls are stamped by the same clock (a test's fixed one)
    )


async def check_connection(client: AlloyClient, connection: Connection, version: str) -> Health:
    """One connection's health through `client` (make it with `one_attempt_client`)."""
    probe = PROBES.get(connection.connector_id)
    if probe is None:
        return Health(UNCHECKED, f"no cheap check is known for {connection.connector_id}")
    try:
        detail = await probe(client, connection, version)
    except AlloyError as error:
        return health_of(client.scrub_error(error))
    return Health(VALID, detail)


class LastWorked:
    """When each connection last answered a check as valid: `health.json` in the state dir
    (0600, written atomically); an unreadable file counts as empty."""

    def __init__(self, path: Path, clock: Callable[[], datetime] | None = None) -> None:
        self.path = path
        self.clock = clock or (lambda: datetime.now(UTC))

    def load(self) -> dict[str, datetime]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        found: dict[str, datetime] = {}
        if isinstance(raw, dict):
            for key, value in raw.items():
                with contextlib.suppress(TypeError, ValueError):
                    found[str(key)] = datetime.fromisoformat(value)
        return found

    def record(self, results: Mapping[str, Health]) -> dict[str, datetime]:
        """Note now for every valid result; returns the whole table. Never raises for the
        file: a check must not fail because the state dir is read-only."""
        table = self.load()
        now = self.clock()
        changed = False
        for connection_id, health in results.items():
            if health.state == VALID:
                table[connection_id] = now
                changed = True
        if changed:
            with contextlib.suppress(OSError):
                self._write(table)
        return table

    def _write(self, table: Mapping[str, datetime]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({key: value.isoformat() for key, value in table.items()}, indent=1)
        fd, temp = tempfile.mkstemp(prefix=".health-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(temp, 0o600)
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise


__all__ = [
    "PROBES",
    "Health",
    "LastWorked",
    "check_connection",
    "health_of",
    "one_attempt_client",
    "slack_error",
]
