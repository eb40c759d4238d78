"""BodyEditor: a page body as Markdown in a TextArea, with the base it started from and a legend."""

from __future__ import annotations

import re
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TextArea

from alloy_tui.tui.widgets.text_input import typed_text

PLACEHOLDER_LINE = re.compile(r"^\s*(?:<!--\s*notion:|⟦)")
"""A line that stands for a block Markdown cannot express (see notion/markdown.py)."""


def count_placeholders(markdown: str) -> int:
    return sum(1 for line in markdown.splitlines() if PLACEHOLDER_LINE.match(line))


class MarkdownArea(TextArea):
    """A TextArea where Tab indents (nested lists) and Esc asks to leave the editor (posts
    BodyEditor.Done) instead of moving the focus."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            # prevent_default keeps TextArea's own Esc handling (focus_next) from running.
            event.prevent_default()
            event.stop()
            self.post_message(BodyEditor.Done())
            return
        text = typed_text(event)
        if text is not None and not event.is_printable and not self.read_only:
            # A joiner or mark typed on its own (Textual would drop it): keep it.
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self._replace_via_keyboard(text, start, end)
            return
        await super()._on_key(event)


class BodyEditor(Vertical):
    """The body's Markdown, editable. `base` is the Markdown the edit started from (the server's
    version when the body was loaded or saved); `dirty` says whether the text differs from it."""

    DEFAULT_CSS: ClassVar[str] = """
    BodyEditor { height: 1fr; padding: 0 1; }
    BodyEditor #body-legend { height: auto; color: $text-muted; padding: 0 1; }
    BodyEditor #body-text { height: 1fr; }
    """

    class Done(Message):
        """Esc in the editor: the user wants the view back (the edit stays)."""

    class Changed(Message):
        """The text changed (also back to the base); `dirty` is the new state."""

        def __init__(self, editor: BodyEditor, dirty: bool) -> None:
            super().__init__()
            self.editor = editor
            self.dirty = dirty

        @property
        def control(self) -> BodyEditor:
            return self.editor

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.base = ""
        self.loaded = False
        self._silent = False

    def compose(self) -> ComposeResult:
        yield Static("", id="body-legend", markup=False)
        yield MarkdownArea(
            "",
            id="body-text",
            language="markdown",
            soft_wrap=True,
            show_line_numbers=True,
            tab_behavior="indent",
        )

    @property
    def text_area(self) -> TextArea:
        return self.query_one("#body-text", TextArea)

    @property
    def text(self) -> str:
        return self.text_area.text if self.is_mounted else self.base

    @property
    def dirty(self) -> bool:
        return self.loaded and self.text != self.base

    def load(self, markdown: str, *, keep_edit: bool = False) -> None:
        """The server's body arrived (or was saved): it becomes the base. The text is replaced
        unless `keep_edit` (an edit in progress survives a reload of the base)."""
        self.base = markdown
        self.loaded = True
        if not keep_edit:
            self._replace(markdown)
        self._refresh_legend()
        self.post_message(self.Changed(self, self.dirty))

    def set_text(self, markdown: str) -> None:
        """Put a draft's text in the editor (the base stays)."""
        self.loaded = True
        self._replace(markdown)
        self._refresh_legend()
        self.post_message(self.Changed(self, self.dirty))

    def _replace(self, markdown: str) -> None:
        area = self.text_area
        if area.text == markdown:
            return
        row, column = area.cursor_location
        self._silent = True
        try:
            area.load_text(markdown)
        finally:
            self._silent = False
        # Stay near where the user was, clamped to the new text.
        lines = markdown.split("\n")
        row = min(row, len(lines) - 1)
        area.cursor_location = (row, min(column, len(lines[row])))

    def _refresh_legend(self) -> None:
        count = count_placeholders(self.text)
        parts = ["Markdown", "Esc: back to the view", "Ctrl+S: review and save"]
        if count:
            noun = "block" if count == 1 else "blocks"
            parts.append(
                f"{count} {noun} Markdown cannot show appear as ⟦…⟧ lines: "
                "they stay on the page even if you delete the line"
            )
        self.query_one("#body-legend", Static).update(" · ".join(parts))

    def focus_text(self) -> None:
        self.text_area.focus()

    @on(TextArea.Changed, "#body-text")
    def _text_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self._silent:
            return
        self.post_message(self.Changed(self, self.dirty))
