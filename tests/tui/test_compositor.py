"""CroppedCompositor: every update writes what Textual's own compositor writes, and a key typed
into a page's title renders that field's editor alone."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from rich.cells import cell_len
from rich.segment import ControlType, Segment
from rich.style import Style
from textual._compositor import Compositor
from textual.app import App, ComposeResult
from textual.containers import HorizontalScroll, Vertical, VerticalScroll
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, Label, Static

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.compositor import CroppedCompositor
from alloy_tui.tui.screens.page import PageScreen
from alloy_tui.tui.widgets.properties import PropertyForm
from tests.tui.conftest import SIZE, build_app, settle, wait_until
from tests.tui.pages_helpers import find_database, new_row, started

Cells = dict[tuple[int, int], tuple[str, Style | None]]


def _written(compositor: Compositor, app: App[Any], regions: Iterable[Region]) -> Cells:
    """What a partial update of `regions` paints on the terminal: each cell it writes, with
    its character and style. (Textual's own also moves the cursor to the start of a chop it
    then writes nothing of, at the update's right edge: no cell changes.)"""
    compositor._dirty_regions = set(regions)
    update = compositor.render_partial_update()
    assert update is not None
    cells: Cells = {}
    x = y = 0
    for segment in update.__rich_console__(app.console, app.console.options):
        if not isinstance(segment, Segment):
            raise AssertionError(f"an update yielded {segment!r}, not a segment")
        if segment.control:
            for kind, *where in segment.control:
                if kind == ControlType.CURSOR_MOVE_TO:
                    x, y = (int(n) for n in where)
            continue
        for character in segment.text:
            if character == "\n":
                x, y = 0, y + 1
                continue
            cells[(x, y)] = (character, segment.style)
            x += cell_len(character)
    return cells


def assert_same_frames(screen: Screen[Any], regions: Iterable[Iterable[Region]]) -> int:
    """Each update of `regions` (and a full one) writes the same with the screen's compositor
    as with Textual's, laid out over the same screen. Returns how many updates were compared."""
    ours = screen._compositor
    assert isinstance(ours, CroppedCompositor)
    theirs = Compositor()
    theirs.reflow(screen, screen.size)
    assert theirs.visible_widgets.keys() == ours.visible_widgets.keys()
    app = screen.app
    compared = 0
    for update in regions:
        update = list(update)
        expected = _written(theirs, app, update)
        assert _written(ours, app, update) == expected, f"update of {update}"
        compared += 1
    full = ours.render_full_update().render_segments(app.console)
    assert full == theirs.render_full_update().render_segments(app.console)
    return compared


def updates_of(screen: Screen[Any], seed: int) -> Iterator[list[Region]]:
    """Updates a screen gets: each widget's region, a piece of one, a cell, stray rectangles
    and several regions at once (their crop then spans widgets none of them touch)."""
    rng = random.Random(seed)
    width, height = screen.size
    shown = [r.intersection(c) for r, c in screen._compositor.visible_widgets.values()]
    shown = [r for r in shown if r]

    def piece(region: Region) -> Region:
        x = rng.randrange(region.x, region.right)
        y = rng.randrange(region.y, region.bottom)
        return Region(x, y, rng.randint(1, region.right - x), rng.randint(1, region.bottom - y))

    def anywhere() -> Region:
        return piece(Region(0, 0, width, height))

    for region in shown:
        yield [region]
        yield [piece(region)]
        yield [Region(region.x, region.y, 1, 1)]
    for _ in range(40):
        yield [anywhere()]
        yield [piece(rng.choice(shown)), piece(rng.choice(shown))]
        yield [anywhere(), piece(rng.choice(shown)), anywhere()]


class _Busy(App[None]):
    """Every way a widget can sit: docked, nested with borders and padding, scrolled out of
    view in both directions, partly clipped, on a layer over others, half transparent."""

    CSS = """
    .card { height: auto; border: round $accent; padding: 0 1; margin-bottom: 1; }
    .card.-odd { background: $boost; }
    .card Input { width: 1fr; }
    #wide { height: 5; }
    #wide Static { width: 300; height: 3; background: $panel; }
    #cards { height: 1fr; }
    #float { layer: above; offset: 30 6; width: 40; height: 5; border: heavy $error;
             background: $surface 60%; }
    Screen { layers: below above; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        with HorizontalScroll(id="wide"):
            yield Static("wide " * 60)
        with VerticalScroll(id="cards"):
            for n in range(30):
                with Vertical(classes="card -odd" if n % 2 else "card"):
                    yield Label(f"card {n}")
                    yield Input(f"value {n} " * (n % 4 + 1), compact=n % 3 == 0)
        yield Static("floating over the cards", id="float")
        yield Footer()


@pytest.fixture
def busy_app() -> _Busy:
    return _Busy()


async def test_every_update_of_a_busy_screen_writes_what_textual_writes(busy_app: _Busy) -> None:
    app = busy_app
    async with app.run_test(size=SIZE) as pilot:
        app.screen._compositor = CroppedCompositor()
        app.screen.refresh(layout=True)
        await pilot.pause()
        app.query_one("#cards").scroll_to(y=17, animate=False)
        app.query_one("#wide").scroll_to(x=13, animate=False)
        app.query_one("#cards Input").focus()
        await pilot.pause()
        assert app.query_one("#cards").scroll_y == 17  # cards are cut at the top edge
        assert assert_same_frames(app.screen, updates_of(app.screen, seed=7)) > 100


async def _title_editor(pilot: Any) -> tuple[PageScreen, Widget]:
    """A fresh Tasks row open, its title being edited with a few keys typed."""
    app = await started(pilot)
    page_id = await new_row(app, await find_database(app, "Tasks"), "Compositor row")
    app.open_page(page_id)
    await wait_until(pilot, lambda: isinstance(app.screen, PageScreen))
    screen = app.screen
    assert isinstance(screen, PageScreen)
    await wait_until(pilot, lambda: screen.form is not None and screen.body_loaded)
    await settle(pilot)
    title = next(f for f in screen.query_one(PropertyForm).fields if f.schema.type == "title")
    assert title.focus_editor()
    await pilot.press("end", *"abc")
    await wait_until(pilot, lambda: screen.dirty)
    await settle(pilot)
    editor = app.focused
    assert isinstance(editor, Input) and editor.value == "Compositor rowabc"
    return screen, editor


async def test_a_key_in_the_title_renders_the_title_editor_alone(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, editor = await _title_editor(pilot)
        rendered: list[Widget] = []
        render_lines = Widget.render_lines

        def counted(widget: Widget, crop: Region) -> Any:
            rendered.append(widget)
            return render_lines(widget, crop)

        monkeypatch.setattr(Widget, "render_lines", counted)
        # What a key's frame repaints: the editor's line (Input.refresh()).
        written = _written(screen._compositor, app, [editor.region])
        monkeypatch.undo()
        # Textual's compositor renders every widget of the form and of the screen here.
        assert rendered == [editor]
        assert "".join(
            written[(x, editor.region.y)][0] for x in range(*editor.region.column_span)
        ).startswith("Compositor rowabc")


async def test_every_update_of_the_page_screen_writes_what_textual_writes(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await _title_editor(pilot)
        assert assert_same_frames(screen, updates_of(screen, seed=11)) > 100
