"""Start-up without the garbage collector rescanning what the launch builds.

Importing Textual and the app's screens, then building the first screen, makes hundreds of
thousands of objects that live as long as the process; while they are made, the collector's
passes scan them again and again: about 20 ms of CPU for the imports, and another 12-16 ms
(some 70 passes) from there to the first frame of the connections list (bench_tui_startup's
child, with and without). So the launch holds the collector from before the UI imports until
the list has been painted (`hold_gc` at the entry point, alloy_tui/launch.py; `release_gc` by
the Connections screen, by a shell command once its arguments are read, or `RELEASE_AFTER`
seconds after the app starts whatever happens), then freezes what exists (later full passes
skip it: cheaper for the whole session too) and collects normally from there on. The price:
garbage cycles made during the launch are kept, not freed (the launch makes few)."""

from __future__ import annotations

import gc

RELEASE_AFTER = 3.0
"""Seconds after the app starts when a held collector runs again, even if no list was shown
(a server that does not answer, a launch that fails)."""

_held = False
"""Whether `hold_gc` paused the collector and `release_gc` has not resumed it yet."""


def hold_gc() -> None:
    """Pause the collector for the launch, until `release_gc` (a collector already off stays
    off, and is not turned on by the release)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release_gc() -> None:
    """End `hold_gc`: freeze what the launch built and let the collector run again. Does
    nothing when the collector is not held (tests, a second call)."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()
