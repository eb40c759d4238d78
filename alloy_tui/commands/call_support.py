"""What `alloy-tui call` decides besides the call itself: which connection it goes through when
--connection is not given, and the exit code of a connector's own error answer (Slack's
`{"ok": false, "error": ...}`, sent with HTTP 200)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from alloy_tui.commands.common import (
    EXIT_AUTH,
    EXIT_ERROR,
    EXIT_NOT_FOUND,
    EXIT_RATE_LIMITED,
    CommandError,
)
from alloy_tui.commands.output import safe

if TYPE_CHECKING:
    from alloy_tui.commands.common import Context

SLACK_EXIT_CODES: Final[Mapping[str, int]] = {
    "invalid_auth": EXIT_AUTH,
    "not_authed": EXIT_AUTH,
    "token_revoked": EXIT_AUTH,
    "account_inactive": EXIT_AUTH,
    "channel_not_found": EXIT_NOT_FOUND,
    "user_not_found": EXIT_NOT_FOUND,
    "ratelimited": EXIT_RATE_LIMITED,
}
"""Slack's error codes that say what failed (README, "Exit codes"); any other is 1."""

_REMEDIES: Final[Mapping[int, str]] = {
    EXIT_AUTH: "Reconnect it (`alloy-tui connect {connector}`) and pass the new --connection ID.",
    EXIT_NOT_FOUND: "Check the id you passed (the connector's list actions show the ids).",
    EXIT_RATE_LIMITED: "Wait a little and run it again.",
}


async def choose_connection(ctx: Context, connector: str, given: str | None) -> str:
    """The connection a call goes through: `given` (--connection) as it is; else the active
    connection when it is one of `connector`'s, else that connector's only connection.
    Several, or none: CommandError (exit 2) saying what to pass or run."""
    if given:
        return given
    connections = await ctx.client.list_connections(connector)
    ids = [c.id for c in connections]
    active = ctx.settings.connection_id
    if active and active in ids:
        return active
    if len(connections) == 1:
        return ids[0]
    if not connections:
        raise CommandError(
            f"You have no {connector} connection to run this through.",
            f"Connect one with `alloy-tui connect {connector}`, then run the call again.",
        )
    listed = ", ".join(f"{safe(c.name)} ({safe(c.id)})" for c in connections)
    raise CommandError(
        f"You have {len(connections)} {connector} connections and none is the active one: "
        f"{listed}.",
        "Pick one with --connection ID.",
    )


def connector_error(connector: str, answer: Any) -> tuple[int, str, str] | None:
    """A connector's error answer as (exit code, sentence, remedy); None for any other answer.
    Slack says `{"ok": false, "error": "<code>"}` with HTTP 200."""
    if not isinstance(answer, Mapping) or answer.get("ok") is not False:
        return None
    code = str(answer.get("error") or "unknown_error")
    exit_code = SLACK_EXIT_CODES.get(code, EXIT_ERROR)
    remedy = _REMEDIES.get(exit_code, "The answer above says more.")
    sentence = f"The {connector} connector refused the call: {code}."
    return exit_code, safe(sentence), remedy.format(connector=safe(connector))


__all__ = ["SLACK_EXIT_CODES", "choose_connection", "connector_error"]
