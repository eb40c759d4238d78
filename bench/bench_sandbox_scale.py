"""Sandbox cost that stays flat as the workspace grows: the same calls on a 100,000-row and a
1,000-row "Load test" database (both seeded in this run, the big one once, in a temp dir).

Run: .venv/bin/python -m bench sandbox_scale [--quick]

Four p50s through the sandbox engine (NotionEngine.execute + json.dumps of the answer, as the
HTTP layer does), each a RATIO big/small with goal <= 3:
  (a) post-database-query, the first 100 rows, no filter;
  (b) `Status equals Review` sorted by Due descending, 100 rows;
  (c) the 5th page of 100 rows by cursor (start_cursor from the 4th page's next_cursor);
  (d) post-search for a needle no title holds, made of common parts (100,000 pages in the big
      workspace).
Plus, same goal: the last page of (b) by the cursor of the page before it (the end of the
database; that cursor comes from one query by offset, not measured), (b) as Notion 2025-09-03
(query-data-source), and (b) end to end over HTTP (httpx to a SandboxServer on 127.0.0.1,
Alloy's official execute envelope).
Seeding times, and the first sorted query on each store (which makes its sort index), are
printed, not judged. Exits non-zero only when a ratio exceeds its goal.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from alloy_tui.sandbox.actions import NotionEngine
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
from alloy_tui.sandbox.engine.common import encode_cursor
from alloy_tui.sandbox.seed import seed_workspace
from alloy_tui.sandbox.seed_load import LOAD_TEST_ID, seed_load_test, status_option_id
from alloy_tui.sandbox.server import SandboxConfig, SandboxServer
from alloy_tui.sandbox.store import Store
from bench.report import Ratio, emit, exit_code

SMALL = 1_000
BIG = 100_000
GOAL = 3.0
NO_HIT = "quarterly search row 00"
"""No title holds it, though most of its trigrams are in thousands of titles ("Quarterly search
row 1234" is a generated title; no row number starts with 0): the worst no-hit needle."""
STATUS_BY_DUE: dict[str, Any] = {
    "filter": {"property": "Status", "select": {"equals": "Review"}},
    "sorts": [{"property": "Due", "direction": "descending"}],
    "page_size": 100,
}


class Workspace:
    """One seeded data file and an engine over it."""

    def __init__(self, folder: Path, rows: int) -> None:
        self.rows = rows
        self.path = folder / f"rows-{rows}.sqlite3"
        started = time.perf_counter()
        store = Store(self.path)
        seed_workspace(store)
        seed_load_test(store, rows)
        self.seed_seconds = time.perf_counter() - started
        self.store = store
        self.engine = NotionEngine(store)
        with store.lock:
            self.pages = store.conn.execute(
                "SELECT count(*) FROM objects WHERE object = 'page' AND in_trash = 0"
            ).fetchone()[0]
        self.source_id = str(
            self.call("retrieve-a-database", {"database_id": LOAD_TEST_ID}, {}, "2025-09-03")[
                "data_sources"
            ][0]["id"]
        )

    def call(
        self, action: str, path: dict[str, Any], body: dict[str, Any], version: str = "2022-06-28"
    ) -> Any:
        status, answer = self.engine.execute(
            action, path_params=path, body=body, query={}, notion_version=version
        )
        if status != 200:
            raise SystemExit(f"{action} {body} failed on {self.rows} rows: {answer}")
        json.dumps(answer)  # the HTTP layer serialises every answer
        return answer

    def query(self, body: dict[str, Any]) -> Any:
        return self.call("post-database-query", {"database_id": LOAD_TEST_ID}, body)

    def last_page_cursor(self) -> str:
        """The cursor to the last 100 rows of query (b): the 100 before them are asked for by
        offset (`start_cursor` of an offset), and that answer's cursor names its last row's
        place."""
        total = 0
        with self.store.lock:
            total = self.store.conn.execute(
                "SELECT count(*) FROM objects WHERE parent_id = ? AND object = 'page' "
                "AND in_trash = 0 AND json_extract(data, '$.properties.LTst') = ?",
                (LOAD_TEST_ID, status_option_id("Review")),
            ).fetchone()[0]
        before_last = max(0, total - 200)  # so the last page is the last 100 rows
        found = self.query({**STATUS_BY_DUE, "start_cursor": encode_cursor(before_last)})
        cursor = found["next_cursor"]
        if not isinstance(cursor, str):
            raise SystemExit(f"query (b) on {self.rows} rows has fewer than 2 pages")
        last = self.query({**STATUS_BY_DUE, "start_cursor": cursor})
        if last["has_more"] or len(last["results"]) != 100:
            raise SystemExit(f"the last page's cursor on {self.rows} rows is not the last page")
        return cursor

    def fifth_page_cursor(self) -> str:
        cursor = ""
        for _ in range(4):
            body: dict[str, Any] = {"page_size": 100}
            if cursor:
                body["start_cursor"] = cursor
            found = self.query(body)["next_cursor"]
            if not isinstance(found, str):
                raise SystemExit(f"the {self.rows}-row database has fewer than 5 pages")
            cursor = found
        return cursor


def p50(call: Callable[[], Any], count: int) -> float:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def paired(small: Callable[[], Any], big: Callable[[], Any], count: int) -> tuple[float, float]:
    """p50s of two calls measured in alternating rounds, so load on the machine hits both."""
    for call in (small, big, small, big):  # warm: caches, the sort index of this order
        call()
    smalls: list[float] = []
    bigs: list[float] = []
    for _ in range(max(1, count // 5)):
        smalls.append(p50(small, 5))
        bigs.append(p50(big, 5))
    return statistics.median(smalls), statistics.median(bigs)


def measure(
    name: str,
    what: str,
    small: Callable[[], Any],
    big: Callable[[], Any],
    count: int,
    workspaces: tuple[Workspace, Workspace],
) -> Ratio:
    small_ms, big_ms = paired(small, big, count)
    lo, hi = workspaces
    print(f"{name}: {lo.rows:,} rows p50 {small_ms:.2f} ms; {hi.rows:,} rows p50 {big_ms:.2f} ms")
    return emit(
        Ratio(
            name,
            f"{what}, p50 of {count} calls at {hi.rows:,} rows ({hi.pages:,} pages)",
            f"the same at {lo.rows:,} rows ({lo.pages:,} pages), same run",
            big_ms / small_ms,
            goal=GOAL,
        )
    )


def first_sorted_query(workspace: Workspace) -> float:
    """The first Status/Due query on a fresh data file: it makes the sort index of Due."""
    started = time.perf_counter()
    workspace.query(STATUS_BY_DUE)
    return (time.perf_counter() - started) * 1000


class OverHttp:
    """A SandboxServer on a workspace's data file, and query (b) through it with httpx."""

    def __init__(self, workspace: Workspace) -> None:
        workspace.store.close()  # the server opens the file itself
        self.server = SandboxServer(
            SandboxConfig(data_path=workspace.path, port=0, rate_limit=False)
        )
        self.server.start()
        self.client = httpx.Client(
            base_url=self.server.base_url,
            headers={
                "Authorization": f"Bearer {DEFAULT_API_KEY}",
                "x-api-version": "2025-09",
                "x-alloy-userid": DEFAULT_USER_ID,
            },
            timeout=60,
        )
        self.payload = {
            "credentialId": SEED_CONNECTION_ID,
            "pathParams": {"database_id": LOAD_TEST_ID},
            "requestBody": STATUS_BY_DUE,
        }

    def call(self) -> Any:
        response = self.client.post(
            "/connectors/notion/actions/post-database-query/execute", json=self.payload
        )
        if response.status_code != 200:
            raise SystemExit(f"HTTP query failed: {response.status_code} {response.text[:300]}")
        return response.json()

    def close(self) -> None:
        self.client.close()
        self.server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=60, help="calls per figure and size")
    parser.add_argument("--quick", action="store_true", help="20 calls per figure and size")
    parser.add_argument("--big", type=int, default=BIG, help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args(sys.argv[1:])
    count = 20 if args.quick else args.count
    ratios: list[Ratio] = []
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-scale-") as folder:
        small = Workspace(Path(folder), SMALL)
        big = Workspace(Path(folder), args.big)
        both = (small, big)
        for workspace in both:
            print(
                f"seeded {workspace.rows:,} rows ({workspace.pages:,} pages) in "
                f"{workspace.seed_seconds:.1f} s; first Status/Due query (makes its index) "
                f"{first_sorted_query(workspace):.1f} ms"
            )
        small_cursor, big_cursor = small.fifth_page_cursor(), big.fifth_page_cursor()
        for workspace in both:
            if workspace.call("post-search", {}, {"query": NO_HIT})["results"]:
                raise SystemExit(
                    f"{NO_HIT!r} has hits at {workspace.rows} rows: not a no-hit input"
                )
        ratios.append(
            measure(
                "first 100 rows",
                "post-database-query, no filter, page_size 100",
                lambda: small.query({"page_size": 100}),
                lambda: big.query({"page_size": 100}),
                count,
                both,
            )
        )
        ratios.append(
            measure(
                "Status equals, sorted by Due",
                "post-database-query, Status equals Review, Due descending, page_size 100",
                lambda: small.query(STATUS_BY_DUE),
                lambda: big.query(STATUS_BY_DUE),
                count,
                both,
            )
        )
        ratios.append(
            measure(
                "5th page by cursor",
                "post-database-query, page_size 100, start_cursor of page 5",
                lambda: small.query({"page_size": 100, "start_cursor": small_cursor}),
                lambda: big.query({"page_size": 100, "start_cursor": big_cursor}),
                count,
                both,
            )
        )
        small_last, big_last = small.last_page_cursor(), big.last_page_cursor()
        ratios.append(
            measure(
                "last page by cursor",
                "post-database-query (b), its last 100 rows, start_cursor from the page before",
                lambda: small.query({**STATUS_BY_DUE, "start_cursor": small_last}),
                lambda: big.query({**STATUS_BY_DUE, "start_cursor": big_last}),
                count,
                both,
            )
        )
        ratios.append(
            measure(
                "search with no hits",
                f"post-search {NO_HIT!r} (no title holds it; its parts are common)",
                lambda: small.call("post-search", {}, {"query": NO_HIT}),
                lambda: big.call("post-search", {}, {"query": NO_HIT}),
                count,
                both,
            )
        )
        ratios.append(
            measure(
                "data source query (2025-09-03)",
                "query-data-source, Status equals Review, Due descending, page_size 100",
                lambda: small.call(
                    "query-data-source",
                    {"data_source_id": small.source_id},
                    STATUS_BY_DUE,
                    "2025-09-03",
                ),
                lambda: big.call(
                    "query-data-source",
                    {"data_source_id": big.source_id},
                    STATUS_BY_DUE,
                    "2025-09-03",
                ),
                count,
                both,
            )
        )
        servers = [OverHttp(small), OverHttp(big)]
        try:
            ratios.append(
                measure(
                    "end to end over HTTP",
                    "Status equals Review, Due descending, through httpx and a SandboxServer",
                    servers[0].call,
                    servers[1].call,
                    count,
                    both,
                )
            )
        finally:
            for server in servers:
                server.close()
    return exit_code(ratios)


if __name__ == "__main__":
    raise SystemExit(main())
