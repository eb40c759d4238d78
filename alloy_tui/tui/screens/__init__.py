"""AlloyScreen: the base of every full screen (status bar on top, footer at the bottom)."""

from __future__ import annotations

from typing import ClassVar

from textual import getters
from textual.app import ComposeResult
from textual.screen import Screen, ScreenResultType
from textual.widget import Widget

from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.widgets.footer import AppFooter
from alloy_tui.tui.widgets.status_bar import StatusBar


def stop_loading(widget: Widget) -> None:
    """Hide a widget's loading indicator, unless the widget is already gone: a worker can
    outlive its screen when the app quits mid-request, and a removed widget has no screen."""
    if widget.is_attached:
        widget.loading = False


class AlloyScreen(Screen[ScreenResultType]):
    """Subclasses implement `compose_body()` (not `compose`) and set `HELP` (Markdown, shown
    on F1 with the screen's keys). `self.app` is typed as AlloyApp; `self.app.state` is the
    shared AppState."""

    app = getters.app(AlloyApp)

    HELP: ClassVar[str | None] = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield from self.compose_body()
        yield AppFooter()

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the status bar and the footer."""
        yield from ()
