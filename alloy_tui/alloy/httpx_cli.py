"""httpx without its command line at import: `import httpx` also imports httpx's own CLI
(`httpx._main`: click, pygments, rich's progress bars and syntax highlighting), about a third of
httpx's import time, which no part of alloy-tui runs (upstream: encode/httpx#3547).

`defer()` puts a stand-in `httpx._main` in place before httpx is first imported; its `main` (and
any other name asked of it) loads the real CLI module then. The package's `__init__` calls it,
so every module of `alloy_tui.alloy` imports httpx the light way."""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_NAME = "httpx._main"


def _real() -> types.ModuleType:
    """The real CLI module, imported in place of the stand-in."""
    if isinstance(sys.modules.get(_NAME), _StandIn):
        del sys.modules[_NAME]
    return importlib.import_module(_NAME)


def _main(*args: Any, **kwargs: Any) -> Any:
    """httpx's command line, loaded now."""
    return _real().main(*args, **kwargs)


class _StandIn(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system's questions (`__path__`...) load nothing
            raise AttributeError(name)
        return getattr(_real(), name)


def defer() -> None:
    """Register the stand-in, unless httpx (or its CLI) is already imported."""
    if "httpx" in sys.modules or _NAME in sys.modules:
        return
    stand_in = _StandIn(_NAME, "Stand-in for httpx's CLI module, loaded when first used.")
    stand_in.main = _main  # type: ignore[attr-defined]
    sys.modules[_NAME] = stand_in
