"""AppFooter: Textual's Footer, rebuilt once per frame however often the bindings change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class AppFooter(Footer):
    """Textual's Footer recomposes (a new widget per key, each styled twice) after every
    change of the screen's bindings: each focus change, a loading indicator shown and hidden,
    a screen resumed. Several changes before the next frame asked for as many recomposes, at
    about 10 ms each, and the first frame of a screen waited for all of them. Here the changes
    that arrive before the next frame share one recompose, which reads the bindings as they
    are then; each key is styled once, not three times."""

    _recompose_pending = False

    def compose(self) -> ComposeResult:
        # Each key bound to the footer's `compact` starts compact (its reactive's default) and
        # is then set to the footer's value: two class changes, each a style pass over the key,
        # for every key of every recompose. Given that value before it is mounted, a key is
        # styled once. (The palette key is not bound: it keeps its own.)
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_pending:
            self._recompose_pending = True
            self.call_after_refresh(self._recompose_once)

    async def _recompose_once(self) -> None:
        self._recompose_pending = False
        if self.is_attached:
            await self.recompose()
