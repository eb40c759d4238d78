"""Client overhead: calls through AlloyClient/NotionAPI against bare httpx sending the same request.

Both sides talk to the same `httpx.MockTransport`, which answers each request with the same
canned bytes (Notion's shapes, as the sandbox answers them), so there is no server and no
socket: what differs between the two is only the client's own work (headers, JSON, the request
log, the retry loop, the rate limiter, errors, unwrapping Alloy's envelope). The two sides take
turns call by call (which goes first alternates too), so load from anything else on the machine
falls on both alike.

Cases: `retrieve-a-page` (a Tasks row, a dozen properties), and `append-block-children` with 100
blocks (a request body to encode and scan for secrets, an answer of 100 blocks). The client runs
as the app runs it: rate limiting on (a limiter that never has to wait, so its bookkeeping is
measured and not its pacing), the request log on. Goal: p50 and mean each <= 1.2x bare httpx.

Run: .venv/bin/python -m bench client_overhead [--count=N] [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from alloy_tui.alloy.client import API_VERSION, USER_AGENT, AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.notion_api import NOTION_VERSION, NotionAPI
from alloy_tui.alloy.ratelimit import RateLimiter
from alloy_tui.alloy.secret import Secret
from bench.report import Ratio, emit, exit_code

GOAL = 1.2
COUNT = 3000
QUICK_COUNT = 600
WARM_UP = 200
BASE_URL = "https://alloy.example/api"
API_KEY = "bench-api-key-0123456789"
USER_ID = "bench-user"
CONNECTION_ID = "bench-connection"
BLOCKS = 100


@dataclass(frozen=True)
class Case:
    action: str
    what: str
    path_params: dict[str, str]
    body: Any
    answer: bytes
    """Alloy's `{"success": true, "result": ...}` around Notion's answer, as sent."""
    client_call: Callable[[NotionAPI], Awaitable[Any]]
    check: Callable[[Any], bool]
    """True for the client's answer; `bare_check` for the bare side's (Alloy's `result`)."""
    bare_check: Callable[[Any], bool]


def _rich(text: str, *, link: str | None = None, **marks: Any) -> list[dict[str, Any]]:
    notes = {"bold": False, "italic": False, "strikethrough": False, "underline": False,
             "code": False, "color": "default", **marks}  # fmt: skip
    return [
        {
            "type": "text",
            "text": {"content": text, "link": {"url": link} if link else None},
            "annotations": notes,
            "plain_text": text,
            "href": link,
        }
    ]


KINDS = ("heading_2", "paragraph", "bulleted_list_item", "to_do", "paragraph", "quote", "code",
         "numbered_list_item", "paragraph", "bulleted_list_item")  # fmt: skip


def _blocks(count: int) -> list[dict[str, Any]]:
    """Blocks to append, as the page editor sends them: headings, prose with bold, italic,
    code and links (with query strings), lists, to-dos, quotes and code blocks."""
    blocks: list[dict[str, Any]] = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        rich = _rich(f"Block {n}: some ordinary words about the project, ")
        rich += _rich("an important part", bold=True) + _rich(" see ", italic=True)
        rich += _rich("the docs", link=f"https://example.com/docs?page={n}&tab=api")
        rich += _rich("sync_state()", code=True)
        body: dict[str, Any] = {"rich_text": rich, "color": "default"}
        if kind == "to_do":
            body["checked"] = n % 2 == 0
        elif kind == "code":
            body = {"rich_text": _rich(f"x = {n}\nprint(x)"), "language": "python", "caption": []}
        blocks.append({"object": "block", "type": kind, kind: body})
    return blocks


def _user(n: int) -> dict[str, Any]:
    return {"object": "user", "id": str(uuid.UUID(int=0xA000 + n))}


def _row(page_id: str) -> dict[str, Any]:
    """A database row as Notion's retrieve-a-page answers it (like the sandbox's Tasks rows):
    a dozen properties of the common types."""
    stamp = "2025-03-04T05:06:00.000Z"
    option = {"id": "opt1", "name": "In progress", "color": "blue"}
    properties: dict[str, Any] = {
        "Name": {"id": "title", "type": "title", "title": _rich("Fix the sync conflict dialog")},
        "Status": {"id": "st", "type": "status", "status": option},
        "Priority": {"id": "pr", "type": "select", "select": {**option, "name": "P1"}},
        "Tags": {"id": "tg", "type": "multi_select",
                 "multi_select": [{**option, "name": n} for n in ("bug", "ui", "sync")]},
        "Due": {"id": "du", "type": "date",
                "date": {"start": "2025-03-10", "end": None, "time_zone": None}},
        "Estimate": {"id": "es", "type": "number", "number": 3},
        "Done": {"id": "dn", "type": "checkbox", "checkbox": False},
        "Assignee": {"id": "as", "type": "people", "people": [_user(1), _user(2)]},
        "Project": {"id": "pj", "type": "relation",
                    "relation": [{"id": str(uuid.UUID(int=0xB000))}], "has_more": False},
        "Notes": {"id": "nt", "type": "rich_text",
                  "rich_text": _rich("Repro: edit offline, then reconnect twice.")},
        "Link": {"id": "ln", "type": "url", "url": "https://example.com/issues/42"},
        "Overdue": {"id": "od", "type": "formula",
                    "formula": {"type": "boolean", "boolean": False}},
        "Created": {"id": "cr", "type": "created_time", "created_time": stamp},
    }  # fmt: skip
    return {
        "object": "page",
        "id": page_id,
        "created_time": stamp,
        "last_edited_time": stamp,
        "created_by": _user(1),
        "last_edited_by": _user(2),
        "cover": None,
        "icon": {"type": "emoji", "emoji": "🐛"},
        "parent": {"type": "database_id", "database_id": str(uuid.UUID(int=0xC000))},
        "archived": False,
        "in_trash": False,
        "properties": properties,
        "url": f"https://www.notion.so/{page_id.replace('-', '')}",
        "public_url": None,
    }


def _appended(blocks: list[dict[str, Any]], parent: str) -> list[dict[str, Any]]:
    """Notion's answer to appending `blocks`: each with its id, times, authors and parent."""
    stamp = "2025-03-04T05:06:00.000Z"
    return [
        {
            **block,
            "id": str(uuid.UUID(int=0xD000 + n)),
            "parent": {"type": "page_id", "page_id": parent},
            "created_time": stamp,
            "last_edited_time": stamp,
            "created_by": _user(1),
            "last_edited_by": _user(1),
            "has_children": False,
            "archived": False,
            "in_trash": False,
        }
        for n, block in enumerate(blocks)
    ]


def _envelope(result: Any) -> bytes:
    return json.dumps({"success": True, "result": result}, ensure_ascii=False).encode()


def cases() -> list[Case]:
    page_id = str(uuid.UUID(int=0xE000))
    row = _row(page_id)
    blocks = _blocks(BLOCKS)
    appended = _appended(blocks, page_id)
    append_answer = {"object": "list", "results": appended, "next_cursor": None, "has_more": False}
    return [
        Case(
            "retrieve-a-page",
            "retrieve-a-page of a Tasks row (a dozen properties)",
            {"page_id": page_id},
            None,
            _envelope(row),
            lambda notion: notion.get_page(page_id),
            lambda page: page["id"] == page_id,
            lambda page: page["id"] == page_id,
        ),
        Case(
            "patch-block-children",
            f"append-block-children of {BLOCKS} blocks (their JSON sent, {BLOCKS} blocks back)",
            {"block_id": page_id},
            {"children": blocks},
            _envelope(append_answer),
            lambda notion: notion.append_block_children(page_id, blocks),
            lambda results: len(results) == BLOCKS,
            lambda answer: len(answer["results"]) == BLOCKS,
        ),
    ]


def _transport(answer: bytes, seen: list[httpx.Request] | None = None) -> httpx.MockTransport:
    headers = {"content-type": "application/json", "content-length": str(len(answer))}

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        # A body still to be read, as from a network transport (`content=` would hand httpx
        # the body already read, which no real transport does, and which only a client that
        # reads the whole answer unchecked would profit from).
        return httpx.Response(200, headers=headers, stream=httpx.ByteStream(answer))

    return httpx.MockTransport(handler)


def _bare_call(http: httpx.AsyncClient, case: Case) -> Callable[[], Awaitable[Any]]:
    """The same official request built by hand: what any minimal client would do."""
    url = f"{BASE_URL}/connectors/notion/actions/{case.action}/execute"
    headers = {
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "x-api-version": API_VERSION,
        "x-alloy-userid": USER_ID,
        "Authorization": f"Bearer {API_KEY}",
    }
    payload: dict[str, Any] = {
        "credentialId": CONNECTION_ID,
        "userId": USER_ID,
        "additionalHeaders": {"Notion-Version": NOTION_VERSION},
    }
    if case.body is not None:
        payload["requestBody"] = case.body
    payload["pathParams"] = case.path_params

    async def call() -> Any:
        response = await http.post(url, headers=headers, json=payload)
        response.raise_for_status()
        return response.json()["result"]  # Alloy's documented {"success": true, "result": ...}

    return call


def _client(transport: httpx.MockTransport) -> AlloyClient:
    return AlloyClient(
        make_http(transport=transport),
        base_url=BASE_URL,
        api_key=Secret(API_KEY),
        user_id=USER_ID,
        options=ClientOptions(rate_limit=True),
        # The app's limiter, at a rate that never makes a call wait: its cost, not its pacing.
        limiter=RateLimiter(1e9, 1_000_000),
    )


async def _same_request(case: Case) -> None:
    """Both sides send the same method, URL, JSON body and headers (the check that keeps the
    comparison honest)."""
    seen: list[httpx.Request] = []
    async with _client(_transport(case.answer, seen)) as client:
        await case.client_call(NotionAPI(client, CONNECTION_ID))
    async with httpx.AsyncClient(transport=_transport(case.answer, seen)) as http:
        await _bare_call(http, case)()
    mine, bare = seen
    assert (mine.method, mine.url) == (bare.method, bare.url), (mine.url, bare.url)
    assert json.loads(mine.content) == json.loads(bare.content), "the bodies differ"
    for name in ("authorization", "x-api-version", "x-alloy-userid", "content-type", "accept"):
        assert mine.headers.get(name) == bare.headers.get(name), name


async def run(case: Case, count: int, profiler: cProfile.Profile | None) -> dict[str, list[float]]:
    """Seconds a call, for each side."""
    await _same_request(case)
    async with (
        _client(_transport(case.answer)) as client,
        httpx.AsyncClient(transport=_transport(case.answer)) as http,
    ):
        notion = NotionAPI(client, CONNECTION_ID)

        async def through_client() -> None:
            assert case.check(await case.client_call(notion))

        bare_call = _bare_call(http, case)

        async def through_bare() -> None:
            assert case.bare_check(await bare_call())

        calls = {"client": through_client, "bare": through_bare}
        times: dict[str, list[float]] = {"client": [], "bare": []}
        for n in range(WARM_UP + count):
            for name in ("client", "bare") if n % 2 == 0 else ("bare", "client"):
                if profiler is not None and name == "client":
                    profiler.enable()
                started = time.perf_counter()
                await calls[name]()
                elapsed = time.perf_counter() - started
                if profiler is not None:
                    profiler.disable()
                if n >= WARM_UP:
                    times[name].append(elapsed)
        return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, help=f"calls per side and case (default {COUNT})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_COUNT} calls")
    parser.add_argument("--profile", action="store_true", help="cProfile the client's side")
    parser.add_argument("--case", help="only the case whose action contains this")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    count = args.count or (QUICK_COUNT if args.quick else COUNT)
    profiler = cProfile.Profile() if args.profile else None
    ratios: list[Ratio] = []
    for case in cases():
        if args.case and args.case not in case.action:
            continue
        gc.collect()
        times = asyncio.run(run(case, count, profiler))
        client, bare = times["client"], times["bare"]
        c50, b50 = statistics.median(client) * 1e6, statistics.median(bare) * 1e6
        cmean, bmean = statistics.fmean(client) * 1e6, statistics.fmean(bare) * 1e6
        print(f"{case.what}: {count} calls a side, both over httpx.MockTransport")
        print(f"  AlloyClient/NotionAPI  p50 {c50:7.1f} µs  mean {cmean:7.1f} µs")
        print(f"  bare httpx             p50 {b50:7.1f} µs  mean {bmean:7.1f} µs")
        print(f"  the client's own cost  p50 {c50 - b50:7.1f} µs  mean {cmean - bmean:7.1f} µs")
        source = f"{count} {case.what}, MockTransport with a canned answer"
        baseline = "bare httpx.AsyncClient sending the same request"
        for stat, value in (("p50", c50 / b50), ("mean", cmean / bmean)):
            name = f"client overhead, {case.action}, {stat}"
            ratios.append(emit(Ratio(name, source, baseline, value, GOAL)))
    if profiler is not None:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(r"alloy_tui/|httpx/|asyncio/", 45)
    return exit_code(ratios)


if __name__ == "__main__":
    sys.exit(main())
