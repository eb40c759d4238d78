"""Run every benchmark in bench/ (or those named): `python -m bench [name ...] [--quick]`.

Each benchmark prints its figures and its ratios (bench/report.py); the run ends with a table of
every ratio and its verdict. The exit status is non-zero only when a ratio misses its goal or a
benchmark could not run (an error, or a failed correctness check), never on an absolute time.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

from bench import report


def _benchmarks() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def _run_one(name: str, flags: list[str]) -> int:
    """The benchmark's exit status (2 when it raised)."""
    try:
        module = importlib.import_module(f"bench.{name}")
        sys.argv = [name, *flags]
        return int(module.main() or 0)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    except Exception:
        traceback.print_exc()
        return 2


def main(argv: list[str]) -> int:
    wanted = [a for a in argv if not a.startswith("-")]
    flags = [a for a in argv if a.startswith("-")]
    names = [n for n in _benchmarks() if not wanted or any(w in n for w in wanted)]
    if not names:
        print(f"no benchmark matches {wanted}; have: {', '.join(_benchmarks())}")
        return 2
    rows: list[tuple[str, report.Ratio]] = []
    problems: list[str] = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        first = len(report.RESULTS)
        code = _run_one(name, flags)
        mine = report.RESULTS[first:]
        rows.extend((name, r) for r in mine)
        print(f"=== {name}: exit {code} in {time.perf_counter() - started:.1f} s ===", flush=True)
        if code != 0 and report.exit_code(mine) == 0:
            problems.append(f"{name} exited {code} without a missed ratio (an error or a check)")
        if not mine:
            problems.append(f"{name} reported no ratio through bench/report.py")
    print("\n=== summary: every ratio measured in this run ===")
    print(report.table(rows) if rows else "(no ratios)")
    missed = [f"{b}: {r.name}" for b, r in rows if r.met is False]
    for line in problems:
        print(f"note: {line}")
    failed = bool(missed) or any("exited" in p for p in problems)
    print(
        f"{len(rows)} ratios, {len(missed)} missed"
        + (f" ({'; '.join(missed)})" if missed else "")
        + (" -> FAIL" if failed else " -> all met")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
