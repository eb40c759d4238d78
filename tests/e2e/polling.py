"""Bounded polling of another process (tmux, a file it writes): there is nothing to await."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.1


def poll_until(check: Callable[[], T | None], what: str, timeout: float = 30) -> T:
    """Call `check` every POLL_SECONDS until it returns something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_SECONDS)  # allowed: another process's state cannot be awaited
