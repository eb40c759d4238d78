"""The `alloy-tui` command's entry point: the garbage collector is held before the first import
(the launch's imports and first screen; startup.py), then `alloy_tui.cli` runs. A shell command
lets the collector run again as soon as its arguments are read; the UI does once its first list
is painted."""

from __future__ import annotations

from alloy_tui.startup import hold_gc


def main() -> int:
    hold_gc()
    from alloy_tui.cli import main as cli_main

    return cli_main()
