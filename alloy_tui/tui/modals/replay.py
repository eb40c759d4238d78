"""ReplayModal: a logged action call's inputs in the JSON editor, to edit and send again."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from alloy_tui.alloy.actions import REPLAY_KEYS, InputProblem, Replay, parse_replay
from alloy_tui.tui.widgets.footer import AppFooter
from alloy_tui.tui.widgets.json_editor import JsonEditor


class ReplayModal(ModalScreen[dict[str, Any] | None]):
    """Dismisses the edited inputs (checked: JSON, only the replayable keys), or None."""

    CSS_PATH = "replay.tcss"

    HELP = (
        "Edit the call's path parameters, query, headers and body, then **ctrl+r** (or Send) "
        "sends it again through the same connection; **Esc** closes without sending. "
        "A value that is not JSON is named by its line and column, and nothing is sent."
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "send", "Send", id="replay.send", tooltip="Send the edited call"),
        Binding("escape", "cancel", "Cancel", id="replay.cancel", tooltip="Close without sending"),
    ]

    def __init__(self, replay: Replay, call_id: int) -> None:
        super().__init__(classes="dialog")
        self.replay = replay
        self.call_id = call_id

    def compose(self) -> ComposeResult:
        replay = self.replay
        with Vertical(id="dialog", classes="replay-dialog"):
            yield Label(
                f"Replay call #{self.call_id}: {replay.connector} · {replay.action}",
                id="dialog-title",
                markup=False,
            )
            yield Static(
                f"Through connection {replay.connection_id}. Edit any of "
                f"{', '.join(REPLAY_KEYS)}; values the log hid read [REDACTED] and are "
                "sent as that text unless you replace them.",
                id="dialog-message",
                markup=False,
            )
            yield JsonEditor(replay.editor_text(), what="The call", id="replay-editor")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Send  ctrl+r", id="confirm", variant="primary")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(JsonEditor).focus_text()

    @property
    def editor(self) -> JsonEditor:
        return self.query_one("#replay-editor", JsonEditor)

    @on(Button.Pressed, "#confirm")
    def action_send(self) -> None:
        try:
            inputs = parse_replay(self.editor.text)
        except InputProblem as problem:
            self.editor.show_problem(problem)
            self.editor.focus_text()
            return
        self.dismiss(inputs)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
