"""Small question dialogs: ConfirmModal (yes/no) and PromptModal (one line of text)."""

from __future__ import annotations

import dataclasses

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from alloy_tui.tui.widgets.footer import AppFooter


def _relabel(node: DOMNode, action: str, description: str) -> None:
    """Give this dialog's bindings of `action` the description its button shows."""
    bindings = node._bindings.key_to_bindings
    for key, entries in bindings.items():
        bindings[key] = [
            dataclasses.replace(b, description=description) if b.action == action else b
            for b in entries
        ]


class ConfirmModal(ModalScreen[bool]):
    """Ask before doing something; dismisses True to go ahead, False (or Esc) to stay."""

    HELP = "**y** (or Enter on the highlighted button) goes ahead; **n** or **Esc** stays."

    BINDINGS = [
        Binding("y", "confirm", "Yes", id="confirm.yes", tooltip="Confirm"),
        Binding("escape", "cancel", "Cancel", id="confirm.cancel", tooltip="Close without acting"),
        Binding("n", "cancel", "No", show=False, id="confirm.no", tooltip="Cancel"),
    ]

    def __init__(
        self,
        title: str,
        message: str,
        *,
        confirm: str = "OK",
        cancel: str = "Cancel",
        danger: bool = False,
    ) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.message = message
        self.confirm_label = confirm
        self.cancel_label = cancel
        self.danger = danger
        # The footer names the keys as the buttons do: "y Discard  esc Stay", not "Yes/Cancel".
        _relabel(self, "confirm", confirm)
        _relabel(self, "cancel", cancel)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-danger" if self.danger else ""):
            # Titles can quote a page or a connection: never markup.
            yield Label(self.title_text, id="dialog-title", markup=False)
            yield Static(self.message, id="dialog-message", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(self.cancel_label, id="cancel")
                yield Button(
                    self.confirm_label,
                    id="confirm",
                    variant="error" if self.danger else "primary",
                )
        yield AppFooter()

    def on_mount(self) -> None:
        # The safe choice has the focus for a dangerous action, the action itself otherwise.
        self.query_one("#cancel" if self.danger else "#confirm", Button).focus()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class PromptModal(ModalScreen[str | None]):
    """Ask for one line of text; dismisses the text (stripped), or None on Esc."""

    HELP = "Type or paste, then **Enter**; **Esc** closes without acting."

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel", tooltip="Close without acting"),
    ]

    def __init__(
        self,
        title: str,
        message: str = "",
        *,
        placeholder: str = "",
        value: str = "",
        confirm: str = "Open",
    ) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.message = message
        self.placeholder = placeholder
        self.value = value
        self.confirm_label = confirm

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="dialog-title", markup=False)
            if self.message:
                yield Static(self.message, id="dialog-message", markup=False)
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.confirm_label, id="confirm", variant="primary")
        yield AppFooter()

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm")
    def submit(self) -> None:
        text = self.query_one(Input).value.strip()
        if text:
            self.dismiss(text)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
