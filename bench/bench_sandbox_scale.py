"""Sandbox engine speed: search and database queries over a 10,000-page workspace.

Run: .venv/bin/python bench/bench_sandbox_search.py [--pages N] [--count N] [--quick]
Reports p50/p95 of search and database query through NotionEngine.execute and their ratio to
the baseline; it judges nothing (an absolute time would fail on a loaded machine). The goals are
scaling ratios (100,000 rows vs 1,000 in the same run), which the next benchmark of the engine
brings.
Baseline (same run): one trivial `SELECT 1` round-trip on the same SQLite connection plus
json.dumps of a 100-item list of small dicts: the floor of work any answer has to do.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alloy_tui.sandbox.actions import NotionEngine
from alloy_tui.sandbox.seed import TITLE_TOPICS, TITLE_WORDS, seed_id, seed_workspace
from alloy_tui.sandbox.store import Store


def timings(calls: list[Callable[[], Any]]) -> list[float]:
    out: list[float] = []
    for call in calls:
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def search_calls(engine: NotionEngine, count: int, rng: random.Random) -> list[Callable[[], Any]]:
    words = [w.lower() for w in TITLE_WORDS] + list(TITLE_TOPICS) + ["handbook", "zzz-no-hit", ""]
    calls: list[Callable[[], Any]] = []
    for i in range(count):
        body: dict[str, Any] = {"query": rng.choice(words)}
        if i % 3 == 1:
            body["filter"] = {"property": "object", "value": "page"}
        elif i % 3 == 2:
            body["sort"] = {"timestamp": "last_edited_time", "direction": "ascending"}
            body["page_size"] = rng.choice((10, 50, 100))
        calls.append(_execute(engine, "post-search", {}, body))
    return calls


def query_calls(engine: NotionEngine, count: int, rng: random.Random) -> list[Callable[[], Any]]:
    tasks = {"database_id": seed_id("database", "tasks")}
    bodies: list[dict[str, Any]] = [
        {},
        {"filter": {"property": "Status", "status": {"does_not_equal": "Done"}}},
        {"filter": {"property": "Tags", "multi_select": {"contains": "bug"}}},
        {"filter": {"property": "Due", "date": {"next_month": {}}}},
        {
            "filter": {
                "and": [
                    {"property": "Estimate", "number": {"greater_than": 2}},
                    {
                        "or": [
                            {"property": "Priority", "select": {"equals": "P0"}},
                            {"property": "Overdue", "formula": {"checkbox": {"equals": True}}},
                        ]
                    },
                ]
            },
            "sorts": [{"property": "Due", "direction": "ascending"}],
        },
        {"sorts": [{"property": "Name", "direction": "descending"}], "page_size": 50},
        {"filter": {"property": "Name", "title": {"contains": "fix"}}},
    ]
    return [
        _execute(engine, "post-database-query", tasks, rng.choice(bodies)) for _ in range(count)
    ]


def _execute(
    engine: NotionEngine, action: str, path: dict[str, Any], body: dict[str, Any]
) -> Callable[[], Any]:
    def call() -> Any:
        status, result = engine.execute(action, path_params=path, body=body, query={})
        if status != 200:
            raise SystemExit(f"{action} failed: {result}")
        return json.dumps(result)  # the HTTP layer serialises every answer

    return call


def baseline_calls(store: Store, count: int) -> list[Callable[[], Any]]:
    items = [{"object": "page", "id": str(i), "title": f"Page {i}"} for i in range(100)]

    def call() -> Any:
        with store.lock:
            store.conn.execute("SELECT 1").fetchone()
        return json.dumps(items)

    return [call] * count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="100 calls of each kind")
    args, _unknown = parser.parse_known_args(sys.argv[1:])
    count = 100 if args.quick else args.count
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.sqlite3")
        started = time.perf_counter()
        seed_workspace(store, pages=args.pages)
        seeded = time.perf_counter() - started
        engine = NotionEngine(store)
        rng = random.Random(7)
        timings(search_calls(engine, 20, rng) + query_calls(engine, 20, rng))  # warm up
        search = timings(search_calls(engine, count, rng))
        query = timings(query_calls(engine, count, rng))
        base = timings(baseline_calls(store, count))
        store.close()

    base50, base95 = p50_p95(base)
    print(f"seeded {args.pages} extra pages in {seeded:.2f} s")
    print(
        f"baseline (SELECT 1 + json.dumps of 100 small dicts): "
        f"p50 {base50:.3f} ms, p95 {base95:.3f} ms"
    )
    for name, samples in (("search", search), ("database query", query)):
        p50, p95 = p50_p95(samples)
        print(
            f"{name:>15}: {len(samples)} calls, p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
            f"p50/baseline {p50 / base50:.0f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
