"""Start-up without the garbage collector rescanning what the imports build.

Importing Textual and the app's screens makes hundreds of thousands of objects that live as long
as the process; while they are made, the collector's passes scan them again and again (about
20 ms of the ~400 ms of CPU a launch takes to list the connections, bench_tui_startup's child
with and without it, 13 launches each). So the launch imports the UI with the collector paused,
then freezes what exists (later full passes skip it: cheaper for the whole session too) and
collects normally from there on. The price: garbage cycles made while importing are kept, not
freed (a module's import makes few)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Import (or build) inside this block with the collector paused; on leaving, what exists
    is frozen and the collector runs again (unless it was off before)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
