"""Start-up, headless: launch -> connections screen populated, against importing Textual alone."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = "import textual.app"

# The child builds the app the way the CLI does and reports when the table shows a connection.
APP_CHILD = """
import asyncio, sys
from alloy_tui.config import load_settings
from alloy_tui.tui.app import make_app

async def main() -> None:
    settings = load_settings(use_cwd_env=False).with_overrides(
        source="bench", base_url=sys.argv[1], api_key=sys.argv[2], user_id=sys.argv[3],
        connection_id=sys.argv[4], sandbox=True)
    app = make_app(settings)
    async with app.run_test(size=(120, 36)) as pilot:
        while True:
            tables = app.screen.query("#connections-table")
            if tables and tables.first().row_count:
                break
            await pilot.pause(0.001)
    print("ready", flush=True)

asyncio.run(main())
"""


def _time(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{args[:3]} failed: {done.stderr[-2000:]}")
    return elapsed * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 7")
    args, _ = parser.parse_known_args(sys.argv[1:])
    runs = 3 if args.quick else 7

    import os

    from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
    from alloy_tui.sandbox.server import SandboxConfig, SandboxServer

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        for name in ("CONFIG", "DATA", "STATE", "CACHE"):
            env[f"XDG_{name}_HOME"] = str(Path(tmp) / name.lower())
        server = SandboxServer(
            SandboxConfig(data_path=Path(tmp) / "s.sqlite3", port=0, rate_limit=False)
        )
        server.start()
        try:
            app_args = [
                sys.executable,
                "-c",
                APP_CHILD,
                server.base_url,
                DEFAULT_API_KEY,
                DEFAULT_USER_ID,
                SEED_CONNECTION_ID,
            ]
            # Warm the OS file cache and the .pyc files first.
            _time([sys.executable, "-c", BASELINE], env)
            _time(app_args, env)
            baseline: list[float] = []
            app: list[float] = []
            for _ in range(runs):  # alternate to spread noise over both
                baseline.append(_time([sys.executable, "-c", BASELINE], env))
                app.append(_time(app_args, env))
        finally:
            server.stop()
    base_ms, app_ms = statistics.median(baseline), statistics.median(app)
    print(f"(c) baseline, `python -c '{BASELINE}'`:      median {base_ms:.0f} ms of {runs}")
    print(f"(c) launch -> connections screen populated: median {app_ms:.0f} ms of {runs}")
    print(f"(c) ratio vs importing Textual alone: {app_ms / base_ms:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
