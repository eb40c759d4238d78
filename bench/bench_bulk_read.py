"""Bulk read under Notion's rate limit: how close the client's limiter runs to 3 req/s, 429-free.

Run: .venv/bin/python bench/bench_bulk_read.py [--count N]   (300 reads take ~100 s by nature)
Targets: at least 90% of the 3 requests/second budget, and no 429 answers at all.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.alloy.retry import WaitEvent
from alloy_tui.alloy.secret import Secret
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxConfig, SandboxServer

BUDGET = 3.0  # Notion: about 3 requests per second per connection
TARGET_SHARE = 0.90


async def run(count: int, base_url: str) -> tuple[float, int, int]:
    """(elapsed seconds, 429 answers seen, limiter waits) for `count` page reads."""
    rate_limited: list[WaitEvent] = []
    limiter_waits: list[WaitEvent] = []

    def on_wait(event: WaitEvent) -> None:
        (limiter_waits if event.reason == "limiter" else rate_limited).append(event)

    async with make_http() as http:
        client = AlloyClient(
            http,
            base_url=base_url,
            api_key=Secret(DEFAULT_API_KEY),
            user_id=DEFAULT_USER_ID,
            options=ClientOptions(rate_limit=True),
            on_wait=on_wait,
        )
        notion = NotionAPI(client, SEED_CONNECTION_ID)
        found = await notion.search(filter_object="page", page_size=100)
        ids = [str(page["id"]) for page in found.results]
        if not ids:
            raise SystemExit("the sandbox has no pages to read")
        # The search above used one token; let the bucket refill so the run starts full.
        await asyncio.sleep(1.5)
        started = time.perf_counter()
        for n in range(count):
            page = await notion.get_page(ids[n % len(ids)])
            assert page["object"] == "page"
        elapsed = time.perf_counter() - started
        answered_429 = sum(1 for r in client.log.records() if r.status == 429)
        seen_429 = len(rate_limited) + answered_429
        return elapsed, seen_429, len(limiter_waits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="pages to read (default 300)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        config = SandboxConfig(data_path=Path(tmp) / "sandbox.sqlite3", port=0, rate_limit=True)
        with SandboxServer(config) as server:
            elapsed, seen_429, waits = asyncio.run(run(args.count, server.base_url))
    rate = args.count / elapsed
    share = rate / BUDGET
    ok = share >= TARGET_SHARE and seen_429 == 0
    print(f"pages read:        {args.count} (retrieve-a-page, sandbox rate limit on, limiter on)")
    print(f"elapsed:           {elapsed:8.2f} s ({waits} limiter waits)")
    print(f"achieved:          {rate:8.3f} req/s")
    print(f"share of 3 req/s:  {share:8.1%} (target >= {TARGET_SHARE:.0%})")
    print(f"429s seen:         {seen_429:8d} (target 0)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
