"""SortBuilderModal: order database rows by properties or timestamps, each with a direction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

from alloy_tui.notion.filters import SORT_DIRECTIONS, TIMESTAMP_FILTERS
from alloy_tui.notion.models import PropertySchema
from alloy_tui.tui.widgets.footer import AppFooter

TIMESTAMP_PREFIX = "timestamp:"


def sort_summary(sorts: Sequence[Mapping[str, Any]]) -> str:
    """'Estimate ↑, last edited time ↓' for Notion sort objects."""
    parts = []
    for sort in sorts:
        name = str(sort.get("property") or str(sort.get("timestamp", "")).replace("_", " "))
        arrow = "↑" if sort.get("direction") == "ascending" else "↓"
        parts.append(f"{name} {arrow}")
    return ", ".join(parts)


class SortRow(Horizontal):
    def __init__(
        self, schema: Sequence[PropertySchema], initial: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(classes="builder-row")
        self.schema = list(schema)
        self.initial = dict(initial or {})

    def compose(self) -> ComposeResult:
        # Property names are data: a Text prompt is shown as is, a str one parsed as markup.
        choices = [(Text(p.name), p.name) for p in self.schema]
        choices += [
            (Text(f"⏱ {stamp.replace('_', ' ')}"), TIMESTAMP_PREFIX + stamp)
            for stamp in sorted(TIMESTAMP_FILTERS)
        ]
        chosen: Any = Select.NULL
        if self.initial.get("property"):
            chosen = self.initial["property"]
        elif self.initial.get("timestamp"):
            chosen = TIMESTAMP_PREFIX + self.initial["timestamp"]
        yield Select(choices, value=chosen, prompt="Property", classes="property-select")
        yield Select(
            [("ascending ↑", "ascending"), ("descending ↓", "descending")],
            value=self.initial.get("direction", "ascending"),
            allow_blank=False,
            classes="direction-select",
        )
        yield Button("✕", classes="remove-row", tooltip="Remove this sort")

    def to_sort(self) -> dict[str, Any] | None:
        value = self.query_one(".property-select", Select).value
        if value is Select.NULL:
            return None
        direction = str(self.query_one(".direction-select", Select).value)
        if direction not in SORT_DIRECTIONS:
            direction = "ascending"
        text = str(value)
        if text.startswith(TIMESTAMP_PREFIX):
            return {"timestamp": text.removeprefix(TIMESTAMP_PREFIX), "direction": direction}
        return {"property": text, "direction": direction}


class SortBuilderModal(ModalScreen[list[dict[str, Any]] | None]):
    """Dismisses the sorts in order (empty = Notion's default order), or None on cancel."""

    TITLE = "Sort rows"
    HELP = """\
Each row sorts by one property (or by created / last edited time), ascending or descending.
The first row decides the order; each next one breaks the ties left by those above.

- **Tab** moves between the fields; **Enter** opens a list, the arrows choose.
- **Ctrl+A** adds a sort; **✕** removes one; **Clear** removes them all.
- **Ctrl+S** applies; **Esc** keeps the old order.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="sort.cancel", tooltip="Keep the old order"),
        Binding("ctrl+s", "apply", "Apply", id="sort.apply", tooltip="Apply these sorts"),
        Binding("ctrl+a", "add", "Add sort", id="sort.add", tooltip="Add a sort"),
    ]

    def __init__(
        self, schema: Sequence[PropertySchema], current: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        super().__init__(classes="dialog")
        self.schema = list(schema)
        self.current = [dict(s) for s in current]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-builder"):
            yield Label("Sort rows", id="dialog-title")
            yield Static(
                "Sorts apply in order: the first decides, the next breaks ties.",
                classes="builder-empty",
            )
            with VerticalScroll(classes="builder-rows", id="sort-rows"):
                for sort in self.current:
                    yield SortRow(self.schema, sort)
            with Horizontal(id="dialog-buttons"):
                yield Button("+ Sort", id="add", classes="builder-add")
                yield Static("", classes="spacer")
                yield Button("Clear", id="clear")
                yield Button("Cancel", id="cancel")
                yield Button("Apply", id="confirm", variant="primary")
        yield AppFooter()

    async def on_mount(self) -> None:
        if not self.current:
            await self.action_add()

    @on(Button.Pressed, "#add")
    async def action_add(self) -> None:
        row = SortRow(self.schema)
        await self.query_one("#sort-rows").mount(row)
        row.query_one(".property-select", Select).focus()

    @on(Button.Pressed, ".remove-row")
    async def _remove(self, event: Button.Pressed) -> None:
        row = next((a for a in event.button.ancestors if isinstance(a, SortRow)), None)
        if row is not None:
            await row.remove()

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.dismiss([])

    def build(self) -> list[dict[str, Any]]:
        sorts = [row.to_sort() for row in self.query(SortRow)]
        return [s for s in sorts if s is not None]

    @on(Button.Pressed, "#confirm")
    def action_apply(self) -> None:
        self.dismiss(self.build())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
