"""Overall time limits for many awaits at once, kept by one timer instead of one each.

`asyncio.timeout` schedules and cancels a timer handle at every use, which cost a client call
more than the rest of its own work. `Deadlines` keeps every limit in flight in one set and one
timer armed for the earliest of them; a limit that expires cancels its task, and the block
raises TimeoutError, exactly as `asyncio.timeout` does (a cancellation from outside stays a
cancellation).
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class Deadlines:
    """Hands out `limit(seconds)` blocks; one per client is enough."""

    def __init__(self) -> None:
        self._running: set[_Limit] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None

    def limit(self, seconds: float) -> _Limit:
        """`async with deadlines.limit(60):` raises TimeoutError once 60 s have passed. (A hot
        path may call its `enter()` and `exit(exc)` itself, sparing two coroutines.)"""
        return _Limit(self, seconds)

    def _add(self, entry: _Limit, loop: asyncio.AbstractEventLoop) -> None:
        self._running.add(entry)
        if self._loop is not loop or self._timer is None or entry.when < self._timer_at:
            self._arm(loop, entry.when)

    def _arm(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._timer is not None and self._loop is loop:
            self._timer.cancel()
        self._loop = loop
        self._timer_at = when
        self._timer = loop.call_at(when, self._expire, loop)

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:
            return  # a timer of an earlier event loop
        self._timer = None
        now = loop.time()
        earliest: float | None = None
        for entry in list(self._running):
            if entry.loop is not loop or entry.expired:
                continue
            if entry.when <= now:
                entry.expired = True
                entry.task.cancel()
            elif earliest is None or entry.when < earliest:
                earliest = entry.when
        if earliest is not None:
            self._arm(loop, earliest)


class _Limit:
    __slots__ = ("_owner", "_seconds", "cancelling", "expired", "loop", "task", "when")

    def __init__(self, owner: Deadlines, seconds: float) -> None:
        self._owner = owner
        self._seconds = seconds
        self.expired = False

    async def __aenter__(self) -> None:
        self.enter()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.exit(exc)

    def enter(self) -> _Limit:
        """Start the limit for the current task (what `async with` does first)."""
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("a deadline must be used inside a task")
        self.task = task
        self.loop = loop = task.get_loop()
        self.cancelling = task.cancelling()
        self.when = loop.time() + self._seconds
        self._owner._add(self, loop)
        return self

    def exit(self, exc: BaseException | None) -> None:
        """End the limit; the block ended with `exc` (None: it finished). Raises TimeoutError
        when this limit expired and cancelled it (what `async with` does last)."""
        self._owner._running.discard(self)
        if (
            self.expired
            and self.task.uncancel() <= self.cancelling
            and isinstance(exc, asyncio.CancelledError)
        ):
            raise TimeoutError from exc
