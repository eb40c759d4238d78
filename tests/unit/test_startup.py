"""alloy_tui/startup.py: the launch holds the garbage collector from the UI imports to the first
painted list, then freezes what exists and collects again."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from alloy_tui import startup
from alloy_tui.startup import hold_gc, release_gc


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    was = gc.isenabled()
    yield
    startup._held = False
    gc.unfreeze()  # give this test process its objects back to the collector
    if was:
        gc.enable()
    else:
        gc.disable()


def test_held_until_released_then_what_exists_is_frozen() -> None:
    gc.enable()
    hold_gc()
    assert not gc.isenabled()
    made: list[list[int]] = [[] for _ in range(1000)]
    release_gc()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)  # what the launch built is frozen


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    hold_gc()
    release_gc()
    assert not gc.isenabled()


def test_release_without_hold_changes_nothing() -> None:
    """Tests build the app without the CLI: the screen's release must not turn on a collector
    somebody else turned off, nor freeze anything."""
    gc.disable()
    frozen = gc.get_freeze_count()
    release_gc()
    assert not gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_a_second_release_does_nothing() -> None:
    gc.enable()
    hold_gc()
    release_gc()
    gc.disable()  # somebody turned it off after the launch
    release_gc()
    assert not gc.isenabled()


def _collector_when_run(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> list[bool]:
    """Launch `alloy-tui ARGV` with the collector held; whether it ran when the command did."""
    from alloy_tui import cli

    seen: list[bool] = []

    def run(_parser: object, _ns: object) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(cli, "_run", run)
    gc.enable()
    hold_gc()
    assert cli.main(argv) == 0
    return seen


def test_a_shell_command_runs_with_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    """`alloy-tui search …` may stream 100,000 rows: the launch's hold ends once the arguments
    say it is a shell command, not the UI."""
    assert _collector_when_run(monkeypatch, ["search", "roadmap"]) == [True]


def test_the_ui_keeps_the_collector_held(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _collector_when_run(monkeypatch, ["--sandbox"]) == [False]
