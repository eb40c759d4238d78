"""Start-up, headless: launch -> the connections listed, against importing Textual alone.

Each side is a fresh process, timed from spawning it to the `ready` line it prints: the app's
child loads the settings, builds the app as the CLI does and prints once the connections table
shows the sandbox's connection; the baseline's child imports `textual.app`. They take turns
(11 runs each, 5 with --quick), medians compared. Goal: at most 2x. Each child also prints the
CPU time it used until `ready`; that ratio is reported, not judged (a loaded machine stretches
wall-clock time, and the app's side, which waits on the sandbox and on frames, the more)."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import Ratio, emit, exit_code

BASELINE = "import textual.app"

# The child builds the app the way the CLI does (`alloy_tui.launch`: the collector held from
# the first import to the first list, alloy_tui/startup.py) and reports once the table shows a
# connection.
APP_CHILD = """
from alloy_tui.startup import hold_gc

hold_gc()
import asyncio, sys, time
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
        # The frame that shows the rows: the screen's pending updates processed, then painted.
        # (`pause()` with no delay would also wait, 20 ms at a time, until the process idles:
        # the checks that run after the list is shown are not what the user waits for.)
        await pilot.pause(0)
        print("ready", time.process_time() * 1000, flush=True)

asyncio.run(main())
"""


BASELINE_CHILD = "import time, textual.app\nprint('ready', time.process_time() * 1000, flush=True)"

GOAL = 2.0


def _time_to_ready(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Milliseconds from spawning the process to its `ready` line (the process then exits on
    its own, untimed: launch is what the user waits for, not the teardown after), and the CPU
    time the process had used by then (what it cost, whatever else the machine was doing)."""
    started = time.perf_counter()
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as child:
        assert child.stdout is not None
        line = child.stdout.readline()
        elapsed = time.perf_counter() - started
        _, err = child.communicate(timeout=120)
    word, _, cpu = line.strip().partition(" ")
    if word != "ready" or child.returncode != 0:
        raise RuntimeError(f"{args[:3]} failed ({child.returncode}): {err[-2000:]}")
    return elapsed * 1000, float(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 runs instead of 11")
    args, _ = parser.parse_known_args(sys.argv[1:])
    runs = 5 if args.quick else 11

    import os

    from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
    from alloy_tui.sandbox.server import SandboxConfig, SandboxServer

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        for name in ("CONFIG", "DATA", "STATE", "CACHE"):
            env[f"XDG_{name}_HOME"] = str(Path(tmp) / name.lower())
        # Both sides start from compiled modules, as an installed app does: a shell that sets
        # PYTHONDONTWRITEBYTECODE would otherwise make the app's side compile alloy_tui's
        # sources at every launch (60+ ms) while Textual's come compiled from site-packages.
        # The warm-up runs write every module's .pyc under the temporary folder.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
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
            base_args = [sys.executable, "-c", BASELINE_CHILD]
            # Warm the OS file cache and the .pyc files first.
            _time_to_ready(base_args, env)
            _time_to_ready(app_args, env)
            baseline: list[tuple[float, float]] = []
            app: list[tuple[float, float]] = []
            for n in range(runs):  # alternate (and which goes first) to spread noise over both
                for side in ("base", "app") if n % 2 == 0 else ("app", "base"):
                    if side == "base":
                        baseline.append(_time_to_ready(base_args, env))
                    else:
                        app.append(_time_to_ready(app_args, env))
        finally:
            server.stop()
    base_ms, app_ms = (statistics.median(wall for wall, _ in side) for side in (baseline, app))
    base_cpu, app_cpu = (statistics.median(cpu for _, cpu in side) for side in (baseline, app))
    print(f"baseline, a fresh `python -c '{BASELINE}'`: median {base_ms:.0f} ms of {runs}")
    print(f"launch -> connections listed (sandbox):     median {app_ms:.0f} ms of {runs}")
    print(f"CPU time to ready: baseline {base_cpu:.0f} ms, launch {app_cpu:.0f} ms (medians)")
    ratios = [
        Ratio(
            "launch -> connections listed",
            f"a fresh process, settings to the first paint of the sandbox's connections (median "
            f"of {runs}: {app_ms:.0f} ms)",
            f"a fresh process importing textual.app ({base_ms:.0f} ms)",
            app_ms / base_ms,
            GOAL,
        ),
        # Reported, not judged: the same launches' CPU time, which the machine's load does not
        # stretch (the wall-clock ratio above is the goal's).
        Ratio(
            "launch -> connections listed, CPU time",
            f"the same launches' CPU time to `ready` (median {app_cpu:.0f} ms)",
            f"the baseline's CPU time to `ready` ({base_cpu:.0f} ms)",
            app_cpu / base_cpu,
        ),
    ]
    return exit_code([emit(ratio) for ratio in ratios])


if __name__ == "__main__":
    raise SystemExit(main())
