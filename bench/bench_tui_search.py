"""Tables at 50,000 rows (issue 9): the Search and the Database screens, each with 1,000 and
then 50,000 rows loaded, in one run. Figures: the p95 of cursor move -> repaint (the moves
include jumps to the last row and back), a page of 100 rows appended -> repaint (the cursor on
the last row, as when paging in), and the memory each loaded row keeps (tracemalloc, the whole
app: table, screen and app state). Baseline: the same screen at 1,000 rows, in the same run.
Goals: cursor and append ratios 50k/1k <= 1.5, memory per row <= 1 KB at 50,000 rows."""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.report import Ratio, emit, exit_code

SMALL, LARGE = 1_000, 50_000
PAGE = 100
RATIO_GOAL = 1.5
BYTES_PER_ROW_GOAL = 1024
ROUNDS = 4
"""Each size is measured this many times, alternating, and the samples pooled: a burst of load
on the shared machine then falls on both sizes alike."""


def _search_results(start: int, count: int) -> list[dict[str, Any]]:
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

    async def after(self, started: float, pilot: Any, limit: float = 10.0) -> float:
        """Milliseconds from `started` to the first frame painted after it."""
        deadline = started + limit
        while self.last < started:
            if time.perf_counter() > deadline:
                raise TimeoutError("no repaint")
            await pilot.pause(0)
        return (self.last - started) * 1000


@dataclass
class Subject:
    """One screen under test: how to empty it, feed it rows and stop it paging in more."""

    name: str
    screen: Any
    add: Callable[[int, int], int]
    reset: Callable[[], None]
    stop_paging: Callable[[], None]
    probe: PaintProbe
    cursor_ms: dict[int, list[float]] = field(default_factory=dict)
    append_ms: dict[int, list[float]] = field(default_factory=dict)
    bytes_per_row: dict[int, float] = field(default_factory=dict)


def _search_subject(screen: Any, probe: PaintProbe) -> Subject:
    def add(start: int, count: int) -> int:
        added: int = screen.add_results(_search_results(start, count))
        return added

    def reset() -> None:
        screen.table.clear()
        screen._results.objects.clear()

    def stop_paging() -> None:
        screen._results.has_more = False

    return Subject("Search", screen, add, reset, stop_paging, probe)


def _database_subject(screen: Any, template: list[dict[str, Any]], probe: PaintProbe) -> Subject:
    """Rows cloned from the seeded Tasks rows (real property values), with new ids."""

    def add(start: int, count: int) -> int:
        pages = [
            dict(template[i % len(template)], id=f"10000000-0000-4000-8000-{i:012d}")
            for i in range(start, start + count)
        ]
        added: int = screen.add_pages(pages)
        return added

    def reset() -> None:
        screen.table.clear()
        screen.row_count = 0

    def stop_paging() -> None:
        screen.has_more = False

    return Subject("Database (Tasks)", screen, add, reset, stop_paging, probe)


async def _fill(subject: Subject, rows: int, pilot: Any) -> None:
    """Have exactly `rows` rows loaded, added a page at a time as paging in does (from the
    rows there are, or from none when there are more)."""
    table = subject.screen.table
    if table.row_count > rows:
        subject.reset()
    for start in range(table.row_count, rows, PAGE):
        subject.add(start, min(PAGE, rows - start))
        if start % (PAGE * 50) == 0:
            await pilot.pause()
    subject.stop_paging()
    await pilot.pause()
    await pilot.pause()
    gc.collect()  # what the loading left for the collector is not charged to the moves


async def _memory(subject: Subject, pilot: Any) -> None:
    """Bytes kept per loaded row, at SMALL and at LARGE rows (one load, traced)."""
    subject.reset()
    await pilot.pause()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loaded = 0
        for rows in (SMALL, LARGE):
            while loaded < rows:
                subject.add(loaded, PAGE)
                loaded += PAGE
            subject.stop_paging()
            await pilot.pause()
            gc.collect()
            subject.bytes_per_row[rows] = (tracemalloc.get_traced_memory()[0] - base) / rows
    finally:
        tracemalloc.stop()


async def _timings(subject: Subject, rows: int, moves: int, appends: int, pilot: Any) -> None:
    table = subject.screen.table
    probe = subject.probe
    await _fill(subject, rows, pilot)
    assert table.row_count == rows, (table.row_count, rows)
    table.focus()
    middle = rows // 2
    table.move_cursor(row=middle)
    await pilot.pause()
    cursor = subject.cursor_ms.setdefault(rows, [])
    for i in range(moves):
        began = time.perf_counter()
        if i % 20 == 10:
            table.action_scroll_bottom()  # the worst case: the far end of the table
        elif i % 20 == 11:
            table.move_cursor(row=middle)
        elif i % 2:
            table.action_cursor_up()
        else:
            table.action_cursor_down()
        cursor.append(await probe.after(began, pilot))
    appended = subject.append_ms.setdefault(rows, [])
    for _ in range(appends):
        table.action_scroll_bottom()  # paging in happens with the cursor near the end
        await pilot.pause()
        began = time.perf_counter()
        subject.add(table.row_count, PAGE)
        appended.append(await probe.after(began, pilot))
        subject.stop_paging()


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


async def _run(moves: int, appends: int) -> list[Subject]:
    from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
    from alloy_tui.notion.models import database_title
    from alloy_tui.sandbox.server import SandboxConfig, SandboxServer
    from alloy_tui.sandboxed import sandbox_settings
    from alloy_tui.tui.app import make_app
    from alloy_tui.tui.screens.database import DatabaseScreen
    from alloy_tui.tui.screens.search import SearchScreen

    subjects: list[Subject] = []
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
                probe = PaintProbe(app)

                # The Search screen, its first real search done.
                search = SearchScreen()
                await app.push_screen(search)
                await _settle(app, pilot)
                subjects.append(_search_subject(search, probe))
                await _measure(subjects[-1], moves, appends, pilot)
                search.dismiss()
                await _settle(app, pilot)

                # The Database screen on the seeded Tasks database.
                found = await app.state.notion.search("Tasks", filter_object="database")
                tasks = next(d for d in found.results if database_title(d) == "Tasks")
                template = (await app.state.notion.query_database(str(tasks["id"]))).results
                database = DatabaseScreen(str(tasks["id"]))
                await app.push_screen(database)
                await _settle(app, pilot)
                assert database.table.row_count > 0, "the Tasks rows did not load"
                subjects.append(_database_subject(database, template, probe))
                await _measure(subjects[-1], moves, appends, pilot)
        finally:
            server.stop()
    return subjects


async def _settle(app: Any, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _measure(subject: Subject, moves: int, appends: int, pilot: Any) -> None:
    await _memory(subject, pilot)
    for _ in range(ROUNDS):
        for rows in (SMALL, LARGE):
            await _timings(subject, rows, moves // ROUNDS, appends, pilot)


def _report(subjects: list[Subject], moves: int, appends: int) -> list[Ratio]:
    """Print each screen's figures, then emit its three ratios."""
    ratios: list[Ratio] = []
    baseline = f"the same screen at {SMALL:,} rows, in this run"
    for subject in subjects:
        cursor = {rows: _p95(samples) for rows, samples in subject.cursor_ms.items()}
        append = {rows: statistics.median(samples) for rows, samples in subject.append_ms.items()}
        memory = subject.bytes_per_row
        print(f"\n{subject.name} screen, at {SMALL:,} / {LARGE:,} rows loaded:")
        for label, figures, unit in (
            ("cursor move -> repaint, p95", cursor, "ms"),
            (f"append {PAGE} rows -> repaint, median", append, "ms"),
            ("memory kept per loaded row", memory, "B"),
        ):
            print(f"  {label:38}{figures[SMALL]:9.2f} / {figures[LARGE]:9.2f} {unit}")
        screen = subject.name.split()[0]
        ratios += [
            emit(
                Ratio(
                    f"{screen} table: cursor move p95 at {LARGE:,} rows",
                    f"{screen} screen, {moves} moves per size (1 in 10 to the last row or back),"
                    " each timed to its repaint",
                    baseline,
                    cursor[LARGE] / cursor[SMALL],
                    goal=RATIO_GOAL,
                )
            ),
            emit(
                Ratio(
                    f"{screen} table: append {PAGE} rows at {LARGE:,} rows",
                    f"{screen} screen, {appends * ROUNDS} pages per size, the cursor on the last"
                    " row, median time to repaint",
                    baseline,
                    append[LARGE] / append[SMALL],
                    goal=RATIO_GOAL,
                )
            ),
            emit(
                Ratio(
                    f"{screen} table: memory per row at {LARGE:,} rows",
                    f"{screen} screen, {LARGE:,} rows loaded a page at a time (tracemalloc, the"
                    f" whole app): {memory[LARGE]:.0f} B a row",
                    f"a budget of {BYTES_PER_ROW_GOAL} B a row",
                    memory[LARGE] / BYTES_PER_ROW_GOAL,
                    goal=1.0,
                )
            ),
        ]
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer cursor moves and appends")
    args, _ = parser.parse_known_args(sys.argv[1:])
    moves, appends = (80, 2) if args.quick else (200, 5)
    subjects = asyncio.run(_run(moves, appends))
    return exit_code(_report(subjects, moves, appends))


if __name__ == "__main__":
    raise SystemExit(main())
