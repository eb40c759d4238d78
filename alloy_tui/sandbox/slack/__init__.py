"""The sandbox's Slack connector: a seeded workspace and a few Web API methods behind Alloy.

- `catalog`: the actions Alloy lists (ids, aliases, schemas) and the [assumed] facts;
- `handlers`: Slack's semantics (ok/error bodies, cursors, tiers) for one connection;
- `limits`: the rate tiers; `seed`: the workspace; `store`: the SQL, beside Notion's tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from alloy_tui.sandbox.slack.catalog import SlackAction
from alloy_tui.sandbox.slack.handlers import SlackAnswer, SlackEngine
from alloy_tui.sandbox.slack.limits import SlackLimiter
from alloy_tui.sandbox.slack.seed import seed_slack
from alloy_tui.sandbox.slack.store import SlackStore


class SlackSandbox:
    """The Slack workspace's store, limiter and engine, sharing the sandbox's SQLite file."""

    def __init__(
        self,
        store: SlackStore,
        *,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float],
        rate_limit: bool,
    ) -> None:
        self.store = store
        self.clock = clock
        self.limiter = SlackLimiter(monotonic) if rate_limit else None
        self.engine = SlackEngine(store, self.limiter, clock)

    def seed(self) -> None:
        seed_slack(self.store, self.clock())

    def reset(self) -> None:
        """Empty the workspace (the sandbox's `seed` writes it again) and the limits."""
        self.store.reset()
        if self.limiter is not None:
            self.limiter.reset()

    def execute(
        self, action: SlackAction, args: Mapping[str, Any], credential_id: str
    ) -> SlackAnswer:
        return self.engine.execute(action, args, credential_id)


__all__ = ["SlackAnswer", "SlackSandbox", "SlackStore"]
