"""Slack's rate limits: a token bucket per connection and method (its tier), and for
chat.postMessage per connection and channel; a refused call waits `Retry-After` seconds."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from alloy_tui.sandbox.slack.catalog import POST_RATE, TIERS, SlackAction
from alloy_tui.tokenbucket import TokenBuckets


class SlackLimiter:
    """`acquire` answers None when the call may go ahead, else the whole seconds to wait."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._tiers = {
            tier: TokenBuckets(rate, burst, clock=monotonic)
            for tier, (rate, burst) in TIERS.items()
        }
        rate, burst = POST_RATE
        self._posts = TokenBuckets(rate, burst, clock=monotonic)

    def acquire(self, credential_id: str, action: SlackAction, channel: str) -> int | None:
        if action.tier is None:
            wait = self._posts.take(f"{credential_id}\0{channel}")
        else:
            wait = self._tiers[action.tier].take(f"{credential_id}\0{action.id}")
        return None if wait is None else max(1, math.ceil(wait))

    def reset(self) -> None:
        for buckets in (*self._tiers.values(), self._posts):
            buckets.reset()
