"""Text editors that keep every code point a terminal sends and cost the same at every key.

Textual's Input and TextArea insert a key's character only when `str.isprintable()` says so,
which drops format characters (category Cf): the zero-width joiner inside 👨‍👩‍👧 typed key by
key, RTL marks, zero-width non-joiners. `typed_text` accepts them."""

from __future__ import annotations

import unicodedata

from textual import events
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input

_KEPT_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
"""Format characters and combining marks: invisible on their own, part of what was typed."""


def typed_text(event: events.Key) -> str | None:
    """The text a key press types, or None for a key that types nothing (arrows, controls)."""
    character = event.character
    if not character:
        return None
    if character.isprintable():
        return character
    if all(unicodedata.category(c) in _KEPT_CATEGORIES for c in character):
        return character
    return None


class TextInput(Input):
    """An Input that keeps joiners and marks typed key by key, and whose typing does not lay
    the whole screen out again at every key (Textual's Input sets its virtual size on every
    change, which a layout then sets back: on a screen of a hundred widgets that reflow is
    most of a keystroke's cost)."""

    async def _on_key(self, event: events.Key) -> None:
        text = typed_text(event)
        if text is not None and not event.is_printable:
            self._restart_blink()
            event.stop()
            event.prevent_default()
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *selection)
            return
        await super()._on_key(event)

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        # An Input draws its own sideways scroll and shows no scrollbar: a repaint is enough.
        # Textual's default moves the hidden scrollbar, which makes the next frame map every
        # widget on the screen again (a page's ~130) at each key once the text is wider than
        # the field.
        if round(old_value) != round(new_value):
            self.refresh()

    def _watch_value(self, value: str) -> None:
        # Textual 8.2.8's Input._watch_value, with the virtual size stored without a layout
        # refresh (one line of text: its height never changes, its width is the widget's).
        self.set_reactive(Widget.virtual_size, Size(self.content_width, 1))
        self._suggestion = ""
        if self.suggester and value:
            self.run_worker(self.suggester._get_suggestion(self, value))
        if self.styles.auto_dimensions:
            self.refresh(layout=True)
        validation_result = self.validate(value) if "changed" in self.validate_on else None
        self.post_message(self.Changed(self, value, validation_result))
        if self._initial_value:
            self.cursor_position = len(self.value)
            self._initial_value = False
        else:
            self.selection = self.selection
        self.refresh()


__all__ = ["TextInput", "typed_text"]
