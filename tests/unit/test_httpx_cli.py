"""alloy/httpx_cli.py: httpx is imported without its command line (click, pygments), and the
command line still works when something calls it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import httpx

from alloy_tui.alloy import httpx_cli


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_client_imports_httpx_without_its_command_line() -> None:
    out = _run(
        """
        import sys
        import alloy_tui.alloy.client
        import httpx
        print(sorted(name for name in ("click", "pygments", "rich") if name in sys.modules))
        print(httpx.AsyncClient.__name__)
        """
    )
    assert out.split() == ["[]", "AsyncClient"]


def test_httpx_main_still_runs_its_command_line() -> None:
    out = _run(
        """
        import sys
        import alloy_tui.alloy
        import httpx
        try:
            httpx.main(["--help"], standalone_mode=False)
        except SystemExit:
            pass
        print("click loaded:", "click" in sys.modules)
        print("real module:", type(sys.modules["httpx._main"]).__name__)
        """
    )
    assert "Usage: httpx" in out
    assert "click loaded: True" in out
    assert "real module: module" in out


def test_defer_leaves_an_imported_httpx_alone() -> None:
    before = sys.modules.get("httpx._main")
    httpx_cli.defer()
    assert sys.modules.get("httpx._main") is before
    assert callable(httpx.main)
