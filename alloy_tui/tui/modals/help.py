"""F1 help: the screen's HELP text and the keys active on it."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Markdown


def keys_markdown(rows: Iterable[tuple[str, str]]) -> str:
    """A Markdown table of (key, what it does)."""
    lines = ["| Key | Does |", "|---|---|"]
    lines.extend(f"| `{key}` | {description} |" for key, description in rows)
    return "\n".join(lines)


def binding_rows(
    active: dict[str, ActiveBinding], key_display: dict[str, str]
) -> list[tuple[str, str]]:
    """One row per described action (keys sharing an action are joined: `j` / `down`)."""
    by_action: dict[str, tuple[list[str], str]] = {}
    for key, entry in active.items():
        binding = entry.binding
        description = binding.tooltip or binding.description
        if not description or binding.system:
            continue
        keys, _ = by_action.setdefault(binding.action, ([], description))
        keys.append(key_display.get(key, key))
    return [(" / ".join(keys), description) for keys, description in by_action.values()]


class HelpModal(ModalScreen[None]):
    """Help for the screen below: what it is for, then its keys."""

    BINDINGS = [
        Binding("escape,f1,q", "close", "Close", id="help.close", tooltip="Close help"),
    ]

    def __init__(self, title: str, help_markdown: str, keys: list[tuple[str, str]]) -> None:
        super().__init__(classes="dialog")
        self.help_title = title
        self.help_markdown = help_markdown
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="-help"):
            # The title can be a page's (data): never markup.
            yield Label(f"Help · {self.help_title}", id="dialog-title", markup=False)
            yield Markdown(self.help_markdown, id="help-text")
            yield Markdown(keys_markdown(self.keys), id="help-keys")
            with Horizontal(id="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")
        yield Footer()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
