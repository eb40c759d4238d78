"""ConflictModal: the page changed on the server during the edit; show both sides and ask."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from alloy_tui.editing import Conflict
from alloy_tui.tui.widgets.footer import AppFooter

ConflictChoice = Literal["overwrite", "reload", "new_page"]


def unified_diff(before: str, after: str, *, before_name: str, after_name: str) -> list[str]:
    """A unified diff of two Markdown texts, as lines without line ends."""
    return [
        line.rstrip("\n")
        for line in difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=before_name,
            tofile=after_name,
            n=2,
        )
    ]


def diff_text(lines: Sequence[str]) -> Text:
    """Diff lines coloured: additions green, removals red, hunk headers dim."""
    text = Text(no_wrap=False)
    for index, line in enumerate(lines):
        style = ""
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "dim"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        text.append(line, style=style)
        if index < len(lines) - 1:
            text.append("\n")
    return text


class ConflictModal(ModalScreen[ConflictChoice | None]):
    """Both sides of a conflict, and the three ways out; Esc goes back to editing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose(None)", "Back", id="conflict.cancel", tooltip="Back to editing"),
        Binding("o", "choose('overwrite')", "Overwrite", id="conflict.overwrite"),
        Binding("r", "choose('reload')", "Reload", id="conflict.reload"),
        Binding("n", "choose('new_page')", "Save as new page", id="conflict.new_page"),
    ]

    def __init__(self, conflict: Conflict) -> None:
        super().__init__(classes="dialog")
        self.conflict = conflict

    def compose(self) -> ComposeResult:
        conflict = self.conflict
        with Vertical(id="dialog", classes="-conflict -danger"):
            yield Label(
                f"“{conflict.title}” changed in Notion while you were editing",
                id="dialog-title",
                markup=False,
            )
            yield Static(
                "Someone (or something) saved this page after you opened it. Nothing has been "
                "written yet. Compare, then choose:",
                id="dialog-message",
                markup=False,
            )
            with VerticalScroll(id="conflict-sides"):
                if conflict.properties:
                    yield Label("Properties: Notion now → yours", classes="conflict-heading")
                    for prop in conflict.properties:
                        line = Text()
                        line.append(f"{prop.name}: ", style="bold")
                        line.append(prop.server or "(empty)", style="red")
                        line.append("  →  ")
                        line.append(prop.yours or "(empty)", style="green")
                        yield Static(line, classes="conflict-property")
                if conflict.body:
                    yield Label("Body: Notion now (-) vs yours (+)", classes="conflict-heading")
                    lines = unified_diff(
                        conflict.server_markdown or "",
                        conflict.your_markdown or "",
                        before_name="Notion now",
                        after_name="yours",
                    )
                    yield Static(
                        diff_text(lines) if lines else Text("(same text)"), id="conflict-diff"
                    )
            yield Static(
                "Overwrite: apply your edit onto Notion's current version.  "
                "Reload: show Notion's version; your version is kept as a separate draft "
                "copy that new edits never replace (d on the page).  "
                "Save as new page: a copy titled “… (my version)” next to this one.",
                id="dialog-remedy",
                markup=False,
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Back", id="cancel")
                yield Button("Reload", id="reload")
                yield Button("Save as new page", id="new_page", variant="primary")
                yield Button("Overwrite", id="overwrite", variant="error")
        yield AppFooter()  # the dialog's own keys, over the page's

    def on_mount(self) -> None:
        # The safe, lossless choice has the focus.
        self.query_one("#new_page", Button).focus()

    def action_choose(self, choice: ConflictChoice | None) -> None:
        self.dismiss(choice)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        choices: dict[str, ConflictChoice] = {
            "overwrite": "overwrite",
            "reload": "reload",
            "new_page": "new_page",
        }
        self.dismiss(choices.get(event.button.id or ""))
