"""AppFooter: Textual's footer, rebuilt once per frame however many times the bindings change
before it, and each key styled with the footer's `compact` from the start."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button
from textual.widgets._footer import FooterKey

from alloy_tui.tui.widgets.footer import AppFooter


class CountingFooter(AppFooter):
    recomposes = 0

    async def recompose(self) -> None:
        self.recomposes += 1
        await super().recompose()


class FooterApp(App[None]):
    BINDINGS = [Binding("x", "bell", "Ring"), Binding("y", "quit", "Leave")]

    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield Button("three", id="three")
        yield CountingFooter()


async def test_changes_before_a_frame_share_one_recompose() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        footer = app.query_one(CountingFooter)
        before = footer.recomposes
        for name in ("two", "three", "one", "two"):  # four focus changes, no frame between
            app.query_one(f"#{name}", Button).focus()
        for _ in range(4):
            await pilot.pause()
        # The changes reach the footer in two turns (the focus, then the screen's bindings
        # refreshed after it); Textual's own Footer recomposes 8 times here.
        assert 1 <= footer.recomposes - before <= 2
        shown = [key.description for key in footer.query(FooterKey)]
        assert "Ring" in shown and "Leave" in shown  # the bindings as they are now


async def test_keys_start_with_the_footers_compact_value() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        footer = app.query_one(CountingFooter)
        keys = list(footer.query(FooterKey))
        bound = [key for key in keys if not key.has_class("-command-palette")]
        assert bound
        assert all(not key.compact and not key.has_class("-compact") for key in bound)
        # The palette key is not bound to the footer in Textual: it keeps its own (compact).
        palette = [key for key in keys if key.has_class("-command-palette")]
        assert all(key.has_class("-compact") for key in palette)
        footer.compact = True  # still bound: the keys follow the footer
        await pilot.pause()
        assert all(key.has_class("-compact") for key in footer.query(FooterKey))
