"""alloy/deadline.py: one timer for many limits, with asyncio.timeout's semantics."""

from __future__ import annotations

import asyncio

import pytest

from alloy_tui.alloy.deadline import Deadlines


async def test_a_limit_that_passes_raises_timeout_error() -> None:
    deadlines = Deadlines()
    with pytest.raises(TimeoutError):
        async with deadlines.limit(0.01):
            await asyncio.Event().wait()


async def test_work_that_finishes_in_time_is_untouched_and_leaves_nothing_running() -> None:
    deadlines = Deadlines()
    for _ in range(3):
        async with deadlines.limit(5):
            await asyncio.sleep(0)
    assert not deadlines._running


async def test_each_limit_expires_on_its_own_time() -> None:
    deadlines = Deadlines()
    outcomes: dict[str, str] = {}
    release = asyncio.Event()

    async def run(name: str, seconds: float) -> None:
        try:
            async with deadlines.limit(seconds):
                await release.wait()
            outcomes[name] = "done"
        except TimeoutError:
            outcomes[name] = "timed out"

    long = asyncio.create_task(run("long", 30))
    short = asyncio.create_task(run("short", 0.01))  # earlier than the armed timer: re-armed
    await short
    assert outcomes == {"short": "timed out"}
    release.set()
    await long
    assert outcomes == {"short": "timed out", "long": "done"}


async def test_a_cancellation_from_outside_stays_a_cancellation() -> None:
    deadlines = Deadlines()
    started = asyncio.Event()

    async def run() -> None:
        async with deadlines.limit(30):
            started.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(run())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not deadlines._running


async def test_the_timeout_leaves_the_task_uncancelled() -> None:
    deadlines = Deadlines()
    with pytest.raises(TimeoutError):
        async with deadlines.limit(0.01):
            await asyncio.Event().wait()
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    await asyncio.sleep(0)  # no stray cancellation is delivered later
