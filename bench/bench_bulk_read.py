"""Bulk read under Notion's rate limit: how close the client's limiter runs to 3 req/s, 429-free.

Run: .venv/bin/python -m bench bulk_read [--count=N]   (300 reads take ~100 s by nature)
Goal: achieved rate / Notion's 3 requests a second >= 0.90 (a ratio to a fixed budget: the
limiter paces by the clock, so load only lowers it), and no 429 answer at all (a check).
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
from bench.report import Ratio, emit, exit_code

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
    parser.add_argument("--quick", action="store_true", help="60 reads (about 20 s)")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.quick:
        args.count = 60
    with tempfile.TemporaryDirectory() as tmp:
        config = SandboxConfig(data_path=Path(tmp) / "sandbox.sqlite3", port=0, rate_limit=True)
        with SandboxServer(config) as server:
            elapsed, seen_429, waits = asyncio.run(run(args.count, server.base_url))
    rate = args.count / elapsed
    share = rate / BUDGET
    print(f"pages read:        {args.count} (retrieve-a-page, sandbox rate limit on, limiter on)")
    print(f"elapsed:           {elapsed:8.2f} s ({waits} limiter waits)")
    print(f"achieved:          {rate:8.3f} req/s")
    print(f"429s seen:         {seen_429:8d} (must be 0)")
    ratios = [
        emit(
            Ratio(
                "bulk read, share of the rate budget",
                f"{args.count} page reads through the client's limiter, sandbox limit on",
                f"Notion's budget of {BUDGET:g} requests a second",
                share,
                TARGET_SHARE,
                at_least=True,
            )
        )
    ]
    if seen_429:
        # Not a timing: a 429 means the limiter let too much through, whatever the load.
        print(f"FAIL: the sandbox answered 429 {seen_429} times; the limiter must prevent any")
        return 1
    return exit_code(ratios)


if __name__ == "__main__":
    sys.exit(main())
