"""alloy_tui/startup.py: the launch imports with the garbage collector paused, then freezes
what exists and collects again."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from alloy_tui.startup import paused_gc


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    was = gc.isenabled()
    yield
    gc.unfreeze()  # give this test process its objects back to the collector
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_paused_inside_and_runs_again_after() -> None:
    gc.enable()
    with paused_gc():
        assert not gc.isenabled()
        made: list[list[int]] = [[] for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)  # what the block built is frozen


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with paused_gc():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_an_error_inside_still_restores_the_collector() -> None:
    gc.enable()
    with pytest.raises(ImportError), paused_gc():
        raise ImportError("a module that is not there")
    assert gc.isenabled()
