"""Error dialogs: one the user must read, and the revoked-connection choice."""

from __future__ import annotations

from typing import Final, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from alloy_tui.state import CONNECTABLE
from alloy_tui.tui.widgets.footer import AppFooter

RevokedChoice = Literal["reconnect", "connections", "dismiss"]
NOTION: Final = "notion"


class ErrorModal(ModalScreen[None]):
    """A problem the user must read: what happened and what to do. Never a traceback."""

    HELP = "What went wrong and what to do about it. **Esc** or **Enter** closes it."

    BINDINGS = [
        Binding("escape", "close", "Close", id="error.close", tooltip="Close this message"),
    ]

    def __init__(self, title: str, sentence: str, remedy: str = "") -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.sentence = sentence
        self.remedy = remedy

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-danger"):
            yield Label(self.title_text, id="dialog-title", markup=False)
            yield Static(self.sentence, id="dialog-message", markup=False)
            if self.remedy:
                yield Static(self.remedy, id="dialog-remedy", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


class RevokedConnectionModal(ModalScreen[RevokedChoice]):
    """A connection is gone (revoked at its service or deleted in Alloy): reconnect or pick
    another. The dialog names the connection's own service (Notion, Slack...)."""

    HELP = """\
The connection no longer reaches its service: it was revoked there or deleted in Alloy.

- **c** connects that service again through OAuth.
- **p** goes to the connections to pick another one.
- **Esc** closes this message; what you typed stays where it was.
"""

    BINDINGS = [
        Binding("escape", "choose('dismiss')", "Close", id="revoked.close", tooltip="Close"),
        Binding("c", "choose('reconnect')", "Reconnect", id="revoked.reconnect"),
        Binding("p", "choose('connections')", "Pick another", id="revoked.pick"),
    ]

    def __init__(
        self,
        sentence: str,
        remedy: str,
        connection_name: str | None,
        connector_id: str = NOTION,
    ) -> None:
        """`connector_id`: the connection's connector (the active connection is Notion's)."""
        super().__init__(classes="dialog")
        self.sentence = sentence
        self.remedy = remedy
        self.connection_name = connection_name
        self.service = dict(CONNECTABLE).get(connector_id, connector_id)
        """The service named in the dialog (Alloy's connector id when the app has no name)."""

    def compose(self) -> ComposeResult:
        name = f" “{self.connection_name}”" if self.connection_name else ""
        with Vertical(id="dialog", classes="-danger"):
            # The name comes from Alloy: never markup.
            yield Label(f"The connection{name} no longer works", id="dialog-title", markup=False)
            yield Static(self.sentence, id="dialog-message", markup=False)
            yield Static(
                f"Reconnect {self.service} (c) or pick another connection (p).",
                id="dialog-remedy",
                markup=False,
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Close", id="dismiss")
                yield Button("Pick another", id="connections")
                yield Button("Reconnect", id="reconnect", variant="primary")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#reconnect", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.action_choose(event.button.id or "dismiss")

    def action_choose(self, choice: str) -> None:
        self.dismiss(_CHOICES.get(choice, "dismiss"))


_CHOICES: dict[str, RevokedChoice] = {
    "reconnect": "reconnect",
    "connections": "connections",
    "dismiss": "dismiss",
}
