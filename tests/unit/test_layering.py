"""The backend packages never import Textual or the TUI; the sandbox never imports the client.

These check what is loaded at run time; `make contracts` (import-linter, [tool.importlinter] in
pyproject.toml) checks the import graph itself, including tui/'s own imports."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import alloy_tui

UI = {"tui", "cli", "__main__", "screenshots"}  # screenshots drives the app
"""The only top-level modules that may load Textual: the UI and the entry points into it."""

BACKEND = sorted(
    f"alloy_tui.{info.name}"
    for info in pkgutil.iter_modules(alloy_tui.__path__)
    if info.name not in UI
)
"""Everything else (alloy, notion, sandbox, state, config, drafts, and any module added later)."""


def _modules_after_import(module: str) -> set[str]:
    code = (
        "import importlib, json, pkgutil, sys\n"
        f"pkg = importlib.import_module({module!r})\n"
        "if hasattr(pkg, '__path__'):\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("module", BACKEND)
def test_backend_never_imports_textual(module: str) -> None:
    loaded = _modules_after_import(module)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}
    assert not {m for m in loaded if m.startswith("alloy_tui.tui")}


def test_the_backend_list_finds_the_known_modules() -> None:
    known = {"alloy", "notion", "sandbox", "state", "config", "drafts"}
    assert {f"alloy_tui.{name}" for name in known} <= set(BACKEND)


def test_sandbox_never_imports_the_client() -> None:
    loaded = _modules_after_import("alloy_tui.sandbox")
    assert not {m for m in loaded if m.startswith("alloy_tui.alloy")}


def test_notion_package_does_no_io() -> None:
    loaded = _modules_after_import("alloy_tui.notion")
    for forbidden in ("httpx", "sqlite3", "starlette", "uvicorn", "alloy_tui.alloy"):
        assert forbidden not in loaded, forbidden


def test_the_key_is_revealed_in_three_places_only() -> None:
    """RELIABILITY.md: the key is revealed only where the header is built (and where the log
    scrubs it without binding it to a variable). A new reveal() needs a reason and a review."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "alloy_tui"
    found = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if ".reveal()" in path.read_text(encoding="utf-8") and path.name != "secret.py"
    )
    # snippets.py: a copied snippet holds the real key only when the user asked for it
    # (the request inspector's Y/P/T, after a confirmation), put in by one expression.
    assert found == ["alloy/client.py", "alloy/requestlog.py", "alloy/snippets.py"]
