"""Typing, headless: 1,000 keys into a page's title field and 1,000 keys at the end of the body
editor of a 2,000-block page, each against a bare Textual widget in the same run: an `Input`, a
`TextArea(language="markdown")` holding the same Markdown, each as big as the app's editor and
with its options. Goal: at most 1.5x the bare widget over the 1,000 keys and over the last 100
(typing must cost the same at the 1st and the 1,000th key).

Both apps run side by side and take turns by 100 keys. A key is timed from the moment it is
posted to the app (as its driver posts one) until the app has handled it, with every message
it caused up the focused widget's ancestors, and painted the frame. `pilot.press` is not used
to type: it sleeps at least 40 ms after every key (it waits for the process to look idle),
which would swamp a key's few milliseconds of work on both sides.

`--profile=title` (or `=body`) prints a cProfile of each side's typing instead."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.report import Ratio, emit, exit_code

GOAL = 1.5
KEYS = 1000
QUICK_KEYS = 300
CHUNK = 100
BLOCKS = 2000
SIZE = (120, 36)
PAUSE = 0.6
WORDS = ("the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "notes",
         "about", "project", "pile", "up", "in", "every", "corner", "of", "workspace", "and",
         "someone", "keeps", "typing", "more", "words", "into", "them")  # fmt: skip


def key_names(count: int, *, newlines: bool) -> list[str]:
    """`count` keys: words of lowercase letters with spaces (and Enter about every 70 keys
    when `newlines`, as when typing paragraphs). The same keys for the app and the baseline."""
    rng = random.Random(1000)
    keys: list[str] = []
    line = 0
    while len(keys) < count:
        word = rng.choice(WORDS)
        keys.extend(word)
        line += len(word) + 1
        if newlines and line > 70:
            keys.append("enter")
            line = 0
        else:
            keys.append("space")
    return keys[:count]


def typed(keys: Sequence[str]) -> str:
    return "".join({"space": " ", "enter": "\n"}.get(k, k) for k in keys)


def _key_event(name: str) -> Any:
    from textual import events

    return events.Key(name, {"space": " ", "enter": "\r"}.get(name, name))


@contextlib.contextmanager
def _handling(nodes: Sequence[Any]) -> Iterator[Callable[[], bool]]:
    """A test for "some node still has a message queued or being handled". A handler posts
    what it causes (a Changed bubbling to the form, to the screen) before it returns, so once
    every node on the focus chain is idle, a key and all it caused there has been handled."""
    handling = [0]

    def track(original: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
        async def dispatch(message: Any) -> Any:
            handling[0] += 1
            try:
                return await original(message)
            finally:
                handling[0] -= 1

        return dispatch

    for node in nodes:
        node._dispatch_message = track(node._dispatch_message)
    try:
        yield lambda: bool(
            handling[0] or any(n._message_queue.values or n._pending_message for n in nodes)
        )
    finally:
        for node in nodes:
            del node._dispatch_message


async def type_keys(app: Any, keys: Sequence[str]) -> float:
    """Type `keys` into the focused widget of `app`; milliseconds a key. Each key is posted
    to the app as its driver posts one; it is done when the app and the focused widget and
    its ancestors have handled it and all it caused, and the frame is painted."""
    focused = app.focused
    assert focused is not None, "nothing has the focus"
    nodes = [focused, *focused.ancestors]
    with _handling(nodes) as busy:
        began = time.perf_counter()
        for name in keys:
            app.post_message(_key_event(name))
            # No event says "all handled": yield one turn of the loop at a time until it is.
            while busy():  # noqa: ASYNC110
                await asyncio.sleep(0)
            app.screen._on_timer_update()  # the frame, now (as Textual's pilot does)
        elapsed = time.perf_counter() - began
    assert app.focused is focused, "the focus moved while typing"
    return elapsed * 1000 / len(keys)


async def _wait_until(condition: Callable[[], object], pilot: Any, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.01)


@contextlib.contextmanager
def _private_dirs(root: Path) -> Iterator[None]:
    """Config, drafts and caches in `root`: the user's own never see the benchmark."""
    names = [f"XDG_{n}_HOME" for n in ("CONFIG", "DATA", "STATE", "CACHE")]
    saved = {n: os.environ.get(n) for n in names}
    for n in names:
        os.environ[n] = str(root / n.lower())
    try:
        yield
    finally:
        for n, value in saved.items():
            if value is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = value


def _plain_run(content: str, **annotations: Any) -> dict[str, Any]:
    notes = {
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "code": False,
        "color": "default",
        **annotations,
    }
    return {
        "type": "text",
        "text": {"content": content, "link": None},
        "annotations": notes,
        "plain_text": content,
        "href": None,
    }


def notes_blocks(count: int) -> list[dict[str, Any]]:
    """A page shaped like real notes: headings, prose with some bold, lists, to-dos, code."""
    blocks: list[dict[str, Any]] = []
    for n in range(count):
        kind = ("heading_2", "paragraph", "paragraph", "bulleted_list_item", "bulleted_list_item",
                "to_do", "paragraph", "quote", "code", "numbered_list_item")[n % 10]  # fmt: skip
        rich = [_plain_run(f"Block {n}: some ordinary words about the project, ")]
        if n % 3 == 0:
            rich += [_plain_run("an important part", bold=True), _plain_run(" and the rest.")]
        body: dict[str, Any] = {"rich_text": rich, "color": "default"}
        if kind == "to_do":
            body["checked"] = n % 2 == 0
        elif kind == "heading_2":
            body["is_toggleable"] = False
        elif kind == "code":
            body = {
                "rich_text": [_plain_run(f"x = {n}\nprint(x)")],
                "language": "python",
                "caption": [],
            }
        blocks.append(
            {
                "object": "block",
                "id": str(uuid.UUID(int=n + 1)),
                "type": kind,
                "has_children": False,
                kind: body,
            }
        )
    return blocks


def _create_shape(block: dict[str, Any]) -> dict[str, Any]:
    kind = block["type"]
    return {"object": "block", "type": kind, kind: block[kind]}


class Workspace:
    """A private sandbox and a way to start the app against it."""

    def __init__(self, server: Any) -> None:
        from alloy_tui.sandboxed import sandbox_settings

        self.server = server
        self.settings = sandbox_settings(server)
        self._tasks: dict[str, Any] | None = None

    def app(self) -> Any:
        from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
        from alloy_tui.tui.app import make_app

        client = AlloyClient(
            make_http(),
            base_url=self.settings.base_url,
            api_key=self.settings.api_key,
            user_id=self.settings.user_id,
            options=ClientOptions(rate_limit=False),
        )
        return make_app(self.settings, client=client, sandbox=self.server)

    async def new_page(self, app: Any, title: str, blocks: int) -> str:
        """A fresh row of the seeded Tasks database (no draft of an earlier run is offered on
        it), with `blocks` blocks of ordinary notes (`notes_blocks`) as its body."""
        from alloy_tui.notion.models import database_title, title_property_name
        from alloy_tui.notion.richtext import from_plain

        notion = app.state.notion
        if self._tasks is None:
            found = await notion.search("Tasks", filter_object="database")
            match = [d for d in found.results if database_title(d) == "Tasks"]
            assert match, "the seed has no Tasks database"
            self._tasks = await notion.get_database(str(match[0]["id"]))
        tasks = self._tasks
        body = [_create_shape(b) for b in notes_blocks(blocks)]
        created = await notion.create_page(
            {"database_id": tasks["id"]},
            {title_property_name(tasks): {"title": from_plain(title)}},
            body[:100],
        )
        page_id = str(created["id"])
        for start in range(100, len(body), 100):
            await notion.append_block_children(page_id, body[start : start + 100])
        return page_id


async def _open_page(app: Any, pilot: Any, page_id: str) -> Any:
    from alloy_tui.tui.screens.page import PageScreen

    app.open_page(page_id)
    await _wait_until(lambda: isinstance(app.screen, PageScreen), pilot)
    screen = app.screen
    await _wait_until(lambda: screen.form is not None and screen.body_loaded, pilot)
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen


def _bare_input(value: str, size: Any) -> Any:
    """An App of one Input, as big as the app's field editor and compact like it."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    class BareInput(App[None]):
        def compose(self) -> ComposeResult:
            field = Input(value, compact=True)
            field.styles.width, field.styles.height = size.width, size.height
            yield field

    return BareInput()


def _bare_text_area(text: str, size: Any) -> Any:
    """An App of one TextArea, as big as the app's body editor and with the same options
    (Textual's features, not the app's work: what they cost counts on both sides)."""
    from textual.app import App, ComposeResult
    from textual.widgets import TextArea

    class BareTextArea(App[None]):
        def compose(self) -> ComposeResult:
            area = TextArea(
                text,
                language="markdown",
                soft_wrap=True,
                show_line_numbers=True,
                tab_behavior="indent",
            )
            area.styles.width, area.styles.height = size.width, size.height
            yield area

    return BareTextArea()


async def _side_by_side(
    app: Any, bare: Any, keys: Sequence[str], check: Callable[[], None]
) -> tuple[list[float], list[float]]:
    """Both apps running, focused where the keys go: type the keys into each, 100 at a time,
    alternating which goes first, so that drift on a shared machine falls on both sides."""
    app_ms: list[float] = []
    bare_ms: list[float] = []
    for n, start in enumerate(range(0, len(keys), CHUNK)):
        chunk = keys[start : start + CHUNK]
        sides = [(app, app_ms), (bare, bare_ms)]
        for target, figures in sides if n % 2 == 0 else sides[::-1]:
            profiler = _PROFILERS.get("app" if target is app else "bare")
            if profiler is not None:
                profiler.enable()
            with target._context():
                figures.append(await type_keys(target, chunk))
            if profiler is not None:
                profiler.disable()
            if target is app:
                # A pause in typing, untimed: what the app debounces (the page's draft is
                # written 0.5 s after the last key) runs now, not in the bare widget's turn.
                await asyncio.sleep(PAUSE)
    check()
    return app_ms, bare_ms


async def title(ws: Workspace, keys: Sequence[str]) -> tuple[list[float], list[float]]:
    """The title field of a fresh page (a Tasks row: a form of a dozen fields) vs an Input."""
    app = ws.app()
    async with app.run_test(size=SIZE) as pilot:
        await _wait_until(lambda: app.state.active_connection is not None, pilot)
        page_id = await ws.new_page(app, "Typing bench", 3)
        screen = await _open_page(app, pilot, page_id)
        field = next(f for f in screen.form.fields if f.schema.type == "title")
        assert field.focus_editor()
        await pilot.pause()
        editor = app.focused
        editor.action_end()  # the focus selected the title: type after it, not over it
        await pilot.pause()
        before = editor.value
        bare = _bare_input(before, editor.outer_size)
        async with bare.run_test(size=SIZE) as bare_pilot:
            bare_input = bare.query_one("Input")
            bare_input.focus()
            await bare_pilot.pause()
            bare_input.action_end()
            await bare_pilot.pause()

            def check() -> None:
                assert editor.value == before + typed(keys), "the title did not get every key"
                assert bare_input.value == before + typed(keys)
                assert screen.dirty

            return await _side_by_side(app, bare, keys, check)


async def body(ws: Workspace, keys: Sequence[str]) -> tuple[list[float], list[float], int]:
    """The end of the body editor of a 2,000-block page vs a TextArea with the same text."""
    app = ws.app()
    async with app.run_test(size=SIZE) as pilot:
        await _wait_until(lambda: app.state.active_connection is not None, pilot)
        page_id = await ws.new_page(app, "Typing bench body", BLOCKS)
        screen = await _open_page(app, pilot, page_id)
        await pilot.press("e")
        await _wait_until(lambda: screen.editing, pilot)
        area = screen.body_editor.text_area
        await _wait_until(lambda: area.has_focus, pilot)
        original = screen.body_editor.text
        area.move_cursor(area.document.end)
        await pilot.pause()
        bare = _bare_text_area(original, area.outer_size)
        async with bare.run_test(size=SIZE) as bare_pilot:
            bare_area = bare.query_one("TextArea")
            bare_area.focus()
            bare_area.move_cursor(bare_area.document.end)
            await bare_pilot.pause()

            def check() -> None:
                assert area.text == original + typed(keys), "the body did not get every key"
                assert bare_area.text == original + typed(keys)
                assert screen.body_dirty

            app_ms, bare_ms = await _side_by_side(app, bare, keys, check)
            return app_ms, bare_ms, len(original)


def _report(
    name: str, what: str, app: list[float], bare: list[float], bare_name: str
) -> list[Ratio]:
    """Print the figures; the two ratios (all keys, the last 100), each against the goal."""
    print(f"{what}: ms a key, by {CHUNK} keys")
    print(f"  app:   {' '.join(f'{v:5.2f}' for v in app)}")
    print(f"  {bare_name:6s} {' '.join(f'{v:5.2f}' for v in bare)}")
    print(
        f"  first {CHUNK} keys: app {app[0]:.2f} ms, bare {bare[0]:.2f} ms; "
        f"last {CHUNK}: app {app[-1]:.2f} ms, bare {bare[-1]:.2f} ms "
        f"(last/first: app {app[-1] / app[0]:.2f}, bare {bare[-1] / bare[0]:.2f})"
    )
    keys = len(app) * CHUNK
    baseline = f"a bare {bare_name.rstrip(':')} of the same size, side by side, same keys"
    return [
        emit(
            Ratio(
                f"{name} typing, all keys",
                f"{keys} keys into {what}",
                baseline,
                statistics.fmean(app) / statistics.fmean(bare),
                GOAL,
            )
        ),
        emit(
            Ratio(
                f"{name} typing, last {CHUNK} keys",
                f"keys {keys - CHUNK + 1}-{keys} into {what}",
                baseline,
                app[-1] / bare[-1],
                GOAL,
            )
        ),
    ]


async def _run(count: int, profile: str | None) -> dict[str, Any]:
    from alloy_tui.sandbox.server import SandboxConfig, SandboxServer

    title_keys = key_names(count, newlines=False)
    body_keys = key_names(count, newlines=True)
    with tempfile.TemporaryDirectory() as tmp, _private_dirs(Path(tmp)):
        server = SandboxServer(
            SandboxConfig(data_path=Path(tmp) / "s.sqlite3", port=0, rate_limit=False)
        )
        server.start()
        try:
            ws = Workspace(server)
            if profile == "title":
                return {"profile": await _profiled(title(ws, title_keys))}
            if profile == "body":
                return {"profile": await _profiled(body(ws, body_keys))}
            figures: dict[str, Any] = {}
            figures["title"] = await title(ws, title_keys)
            figures["body"] = await body(ws, body_keys)
            return figures
        finally:
            server.stop()


_PROFILERS: dict[str, cProfile.Profile] = {}
"""Set by --profile: one profiler a side, on only during that side's turns at typing."""


async def _profiled(run: Awaitable[Any]) -> str:
    """cProfile of each side's typing: the top cumulative entries under alloy_tui/ and textual/."""
    _PROFILERS.update(app=cProfile.Profile(), bare=cProfile.Profile())
    try:
        await run
    finally:
        profilers = dict(_PROFILERS)
        _PROFILERS.clear()
    out = io.StringIO()
    for side, profiler in profilers.items():
        print(f"\n--- {side}: top cumulative under alloy_tui/ and textual/ ---", file=out)
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(r"alloy_tui/|textual/", 50)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench_typing", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_KEYS} keys each instead of the goal's {KEYS}"
    )
    parser.add_argument(
        "--profile",
        choices=("title", "body"),
        help="print a cProfile of each side's typing in one part instead (write --profile=title: "
        "`python -m bench` takes a bare word for a benchmark's name)",
    )
    args, _ = parser.parse_known_args(sys.argv[1:])
    started = time.perf_counter()
    count = QUICK_KEYS if args.quick else KEYS
    figures = asyncio.run(_run(count, args.profile))
    if args.profile:
        print(figures["profile"])
        return 0
    print(
        f"{count} keys each{' (--quick)' if args.quick else ''}, timed by {CHUNK}, terminal "
        f"{SIZE[0]}x{SIZE[1]}; the app and the bare widget run side by side and take turns"
    )
    title_app, title_bare = figures["title"]
    ratios = _report("title", "a page's title field", title_app, title_bare, "Input:")
    app_ms, bare_ms, chars = figures["body"]
    ratios += _report(
        "body",
        f"the end of the body editor of a {BLOCKS}-block page ({chars:,} characters)",
        app_ms,
        bare_ms,
        "TextArea:",
    )
    elapsed = time.perf_counter() - started
    print(f"({elapsed:.0f} s)")
    return exit_code(ratios)


if __name__ == "__main__":
    raise SystemExit(main())
