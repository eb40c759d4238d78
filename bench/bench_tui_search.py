"""Search screen speed, headless: results-to-first-paint (100 rows, 10,000 rows) and the p95
of cursor-move-to-repaint in a 10,000-row table (target: one frame, 16 ms)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

FRAME_MS = 16.0
PAGE = 100


def _objects(start: int, count: int) -> list[dict[str, Any]]:
    """Search results shaped like Notion's pages, under the workspace (no parent lookups)."""
    return [
        {
            "object": "page",
            "id": f"00000000-0000-4000-8000-{i:012d}",
            "parent": {"type": "workspace", "workspace": True},
            "icon": {"type": "emoji", "emoji": "📄"},
            "last_edited_time": "2025-03-14T11:00:00.000Z",
            "properties": {
                "title": {
                    "id": "title",
                    "type": "title",
                    "title": [{"type": "text", "plain_text": f"Generated page {i}"}],
                }
            },
        }
        for i in range(start, start + count)
    ]


class PaintProbe:
    """Records when the app hands a frame to its driver (headless: still composed)."""

    def __init__(self, app: Any) -> None:
        self.last = 0.0
        original: Callable[..., Any] = app._display

        def display(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            self.last = time.perf_counter()
            return result

        app._display = display

    async def after(self, started: float, pilot: Any, limit: float = 5.0) -> float:
        """Milliseconds from `started` to the first frame painted after it."""
        deadline = started + limit
        while self.last < started:
            if time.perf_counter() > deadline:
                raise TimeoutError("no repaint")
            await pilot.pause(0)
        return (self.last - started) * 1000


async def _run(rows: int, moves: int) -> dict[str, float]:
    from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
    from alloy_tui.sandbox.server import SandboxConfig, SandboxServer
    from alloy_tui.sandboxed import sandbox_settings
    from alloy_tui.tui.app import make_app
    from alloy_tui.tui.screens.search import SearchScreen

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        server = SandboxServer(
            SandboxConfig(data_path=Path(tmp) / "s.sqlite3", port=0, rate_limit=False)
        )
        server.start()
        try:
            settings = sandbox_settings(server)
            client = AlloyClient(
                make_http(),
                base_url=settings.base_url,
                api_key=settings.api_key,
                user_id=settings.user_id,
                options=ClientOptions(rate_limit=False),
            )
            app = make_app(settings, client=client, sandbox=server)
            async with app.run_test(size=(120, 36)) as pilot:
                await pilot.pause()
                await app.workers.wait_for_complete()
                app.push_screen(SearchScreen())
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause()
                screen = app.screen
                assert isinstance(screen, SearchScreen)
                screen.table.clear()
                assert screen._results is not None
                screen._results.objects.clear()
                probe = PaintProbe(app)

                async def add_page(start: int) -> float:
                    page = _objects(start, PAGE)
                    began = time.perf_counter()
                    screen.add_results(page)
                    return await probe.after(began, pilot)

                first = [await add_page(0)]
                # Fill up to `rows`, then time the pages that arrive on top of that.
                added = PAGE
                while added < rows - PAGE:
                    screen.add_results(_objects(added, PAGE))
                    added += PAGE
                await pilot.pause()
                late = [await add_page(added)]
                added += PAGE
                figures["first_page_ms"] = first[0]
                figures["page_at_10k_ms"] = late[0]
                figures["rows"] = float(screen.table.row_count)

                screen.table.focus()
                await pilot.pause()
                screen.table.move_cursor(row=rows // 2)
                await pilot.pause()
                timings: list[float] = []
                for i in range(moves):
                    began = time.perf_counter()
                    if i % 2:
                        screen.table.action_cursor_up()
                    else:
                        screen.table.action_cursor_down()
                    timings.append(await probe.after(began, pilot))
                timings.sort()
                figures["cursor_p50_ms"] = statistics.median(timings)
                figures["cursor_p95_ms"] = timings[int(len(timings) * 0.95) - 1]
        finally:
            server.stop()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer cursor moves")
    parser.add_argument("--rows", type=int, default=10_000)
    args, _ = parser.parse_known_args(sys.argv[1:])
    moves = 60 if args.quick else 200
    figures = asyncio.run(_run(args.rows, moves))
    print(f"rows in the table:                     {figures['rows']:.0f}")
    print(f"(a) page of {PAGE} -> first paint, empty table:  {figures['first_page_ms']:.1f} ms")
    print(
        f"(a) page of {PAGE} -> first paint at {figures['rows']:.0f} rows: "
        f"{figures['page_at_10k_ms']:.1f} ms "
        f"(ratio vs empty table: {figures['page_at_10k_ms'] / figures['first_page_ms']:.2f})"
    )
    p95 = figures["cursor_p95_ms"]
    verdict = "PASS" if p95 < FRAME_MS else "FAIL"
    print(
        f"(b) cursor move -> repaint, {moves} moves: p50 {figures['cursor_p50_ms']:.1f} ms, "
        f"p95 {p95:.1f} ms (ratio vs the {FRAME_MS:.0f} ms frame: {p95 / FRAME_MS:.2f}) {verdict}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
