"""F1 / ? help: the screen's HELP text, then its keys in one table per place they belong to
(this screen, the focused field, everywhere), each with the binding id `[keys]` remaps."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich import box
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Label, Markdown, Static

from alloy_tui.tui.widgets.footer import AppFooter

EVERYWHERE = "Everywhere"
"""The title of the app-wide keys' group (listed once, last)."""


@dataclass(frozen=True)
class KeyRow:
    keys: str
    does: str
    binding_id: str


@dataclass(frozen=True)
class KeyGroup:
    title: str
    rows: tuple[KeyRow, ...]


def group_title(node: DOMNode, screen_title: str) -> str:
    """Where a binding belongs: the app (everywhere), the screen, or a widget on it."""
    if isinstance(node, App):
        return EVERYWHERE
    if isinstance(node, Screen):
        return screen_title
    return getattr(node, "BINDING_GROUP_TITLE", None) or type(node).__name__


def _ours(node: DOMNode, binding: Binding) -> bool:
    """A binding the app declares, not one Textual's classes bring (a table's Page Left, a
    screen's Focus Next, the App's own Ctrl+Q, which the app declares again with an id)."""
    if binding.id:
        return True
    for cls in type(node).__mro__:
        if cls.__module__.startswith("textual."):
            continue
        for declared in cls.__dict__.get("BINDINGS", ()):
            if isinstance(declared, tuple):
                declared = Binding(*declared)
            if declared.action == binding.action and not declared.id:
                return True
    return False


def key_groups(
    chain: Iterable[tuple[DOMNode, Iterable[Binding]]],
    key_display: Callable[[Binding], str],
    screen_title: str,
) -> list[KeyGroup]:
    """The help's tables, from the screen's binding chain (focused widget up to the screen, and
    the app unless a dialog hides it). Only the app's own bindings are listed (with the id
    `[keys]` remaps them by): Textual's widget internals (a table's Page Left, an input's word
    deletion) are not the app's keys. Keys sharing an action in one place share a row; a key
    the focused widget also binds is still listed where the app binds it (a table's Enter
    selects the row, which the screen answers)."""
    rows: dict[str, dict[tuple[str, str], tuple[list[str], str, str]]] = {}
    for node, bindings in chain:
        for binding in bindings:
            description = binding.tooltip or binding.description
            if not description or binding.system or not _ours(node, binding):
                continue
            if node.check_action(binding.action, ()) is False:
                continue  # disabled here (e.g. Save with nothing to save is hidden)
            title = group_title(node, screen_title)
            group = rows.setdefault(title, {})
            keys, _, _ = group.setdefault(
                (binding.id or "", binding.action), ([], description, binding.id or "—")
            )
            shown = key_display(binding)
            if shown not in keys:
                keys.append(shown)
    groups = [
        KeyGroup(title, tuple(KeyRow(" / ".join(k), d, i) for k, d, i in group.values()))
        for title, group in rows.items()
    ]
    # The screen's own keys first, then its widgets', the app-wide ones last.
    return sorted(groups, key=lambda g: (g.title == EVERYWHERE, g.title != screen_title))


def keys_table(group: KeyGroup) -> Table:
    """One group as a table of key, what it does, binding id: no rule between rows."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    table.add_column("Key", no_wrap=True, ratio=1)
    table.add_column("What it does", ratio=3)
    table.add_column(Text("Id in [keys]"), no_wrap=True, ratio=2)
    for row in group.rows:
        # Descriptions are the app's; keys and ids go in as Text, never markup.
        table.add_row(Text(row.keys, style="bold"), Text(row.does), Text(row.binding_id))
    return table


class HelpModal(ModalScreen[None]):
    """Help for the screen below: what it is for, then its keys."""

    BINDINGS = [
        Binding("escape,f1,q", "close", "Close", id="help.close", tooltip="Close help"),
    ]

    def __init__(self, title: str, help_markdown: str, groups: list[KeyGroup]) -> None:
        super().__init__(classes="dialog")
        self.help_title = title
        self.help_markdown = help_markdown
        self.groups = groups

    @property
    def rows(self) -> list[KeyRow]:
        """Every listed key, all groups together."""
        return [row for group in self.groups for row in group.rows]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="-help"):
            # The title can be a page's (data): never markup.
            yield Label(f"Help · {self.help_title}", id="dialog-title", markup=False)
            yield Markdown(self.help_markdown, id="help-text")
            for index, group in enumerate(self.groups):
                yield Label(f"Keys · {group.title}", classes="help-group-title", markup=False)
                yield Static(keys_table(group), id=f"help-keys-{index}", classes="help-keys")
            with Horizontal(id="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")
        yield AppFooter()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
