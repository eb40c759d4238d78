"""Run every benchmark in bench/ (or those named): `python -m bench [name ...] [--quick]`."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def _benchmarks() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    wanted = [a for a in argv if not a.startswith("-")]
    names = [n for n in _benchmarks() if not wanted or any(w in n for w in wanted)]
    if not names:
        print(f"no benchmark matches {wanted}; have: {', '.join(_benchmarks())}")
        return 2
    failures = 0
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        sys.argv = [name, *[a for a in argv if a.startswith("-")]]
        code = int(module.main() or 0)
        print(f"=== {name}: exit {code} in {time.perf_counter() - started:.1f} s ===", flush=True)
        failures += code != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
