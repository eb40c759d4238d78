"""Client overhead: 500 page reads through AlloyClient/NotionAPI against bare httpx, same sandbox.

Run: .venv/bin/python bench/bench_client_overhead.py [--count N]
Target: AlloyClient total / bare httpx total <= 1.15.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from alloy_tui.alloy.client import API_VERSION, AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.alloy.secret import Secret
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxConfig, SandboxServer

TARGET = 1.15
WARM_UP = 20


async def page_ids(notion: NotionAPI, limit: int = 100) -> list[str]:
    found = await notion.search(filter_object="page", page_size=limit)
    ids = [str(page["id"]) for page in found.results]
    if not ids:
        raise SystemExit("the sandbox has no pages to read")
    return ids


async def bare_read(
    http: httpx.AsyncClient, base_url: str, page_id: str, action: str = "retrieve-a-page"
) -> Any:
    """The same official request, built by hand: what any minimal client would do."""
    response = await http.post(
        f"{base_url}/connectors/notion/actions/{action}/execute",
        headers={
            "Authorization": f"Bearer {DEFAULT_API_KEY}",
            "x-api-version": API_VERSION,
            "x-alloy-userid": DEFAULT_USER_ID,
        },
        json={
            "credentialId": SEED_CONNECTION_ID,
            "userId": DEFAULT_USER_ID,
            "pathParams": {"page_id": page_id},
        },
    )
    response.raise_for_status()
    return response.json()["result"]  # Alloy's documented {"success": true, "result": ...}


async def run(count: int, base_url: str, action: str) -> tuple[list[float], list[float]]:
    """Per-call seconds for each client; the two alternate call by call (which goes first
    alternates too), so load from anything else on the machine hits both alike."""
    async with make_http() as http_client, make_http() as http_bare:
        client = AlloyClient(
            http_client,
            base_url=base_url,
            api_key=Secret(DEFAULT_API_KEY),
            user_id=DEFAULT_USER_ID,
            options=ClientOptions(rate_limit=False),
        )
        notion = NotionAPI(client, SEED_CONNECTION_ID)
        ids = await page_ids(notion)

        async def through_client(page_id: str) -> None:
            if action == "get-self":
                assert (await notion.get_self())["object"] == "user"
            else:
                assert (await notion.get_page(page_id))["id"] == page_id

        async def through_bare(page_id: str) -> None:
            answer = await bare_read(http_bare, base_url, page_id, action)
            assert answer["object"] == ("user" if action == "get-self" else "page")

        for page_id in ids[:WARM_UP]:  # connections, caches, code paths
            await through_client(page_id)
            await through_bare(page_id)

        times: dict[str, list[float]] = {"client": [], "bare": []}
        calls = {"client": through_client, "bare": through_bare}
        for n in range(count):
            page_id = ids[n % len(ids)]
            for name in ("client", "bare") if n % 2 == 0 else ("bare", "client"):
                started = time.perf_counter()
                await calls[name](page_id)
                times[name].append(time.perf_counter() - started)
        return times["client"], times["bare"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="reads per client (default 500)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        config = SandboxConfig(data_path=Path(tmp) / "sandbox.sqlite3", port=0, rate_limit=False)
        with SandboxServer(config) as server:
            results = {
                action: asyncio.run(run(args.count, server.base_url, action))
                for action in ("retrieve-a-page", "get-self")
            }
    verdicts: list[str] = []
    n = args.count
    for action, (client_times, bare_times) in results.items():
        client_total, bare_total = sum(client_times), sum(bare_times)
        ratio = client_total / bare_total
        median_ratio = statistics.median(client_times) / statistics.median(bare_times)
        verdict = "PASS" if ratio <= TARGET else "FAIL"
        verdicts.append(verdict)
        print(f"{action}: {n} reads per client (sandbox, rate limits off)")
        print(
            f"  AlloyClient/NotionAPI {client_total:8.3f} s, {client_total / n * 1e3:7.3f} ms/call"
        )
        print(f"  bare httpx baseline   {bare_total:8.3f} s, {bare_total / n * 1e3:7.3f} ms/call")
        print(f"  ratio                 {ratio:8.3f} (target <= {TARGET}) {verdict}")
        print(f"  ratio of medians      {median_ratio:8.3f} (robust to load spikes)")
    # get-self costs the server almost nothing, so it shows the client's own overhead plainly.
    return 0 if all(v == "PASS" for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
