"""PlanPreviewModal: what a save will change in the page body (and properties), before it runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from alloy_tui.notion.bodyplan import AppendAfter, BodyPlan, DeleteBlock, UpdateBlock, count_blocks
from alloy_tui.tui.widgets.footer import AppFooter


def plan_counts(plan: BodyPlan) -> tuple[int, int, int]:
    """(blocks updated in place, blocks inserted, blocks deleted)."""
    updates = sum(1 for op in plan.ops if isinstance(op, UpdateBlock))
    inserts = sum(count_blocks(op.blocks) for op in plan.ops if isinstance(op, AppendAfter))
    deletes = sum(1 for op in plan.ops if isinstance(op, DeleteBlock))
    return updates, inserts, deletes


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def counts_line(plan: BodyPlan) -> str:
    updates, inserts, deletes = plan_counts(plan)
    parts = [
        _plural(updates, "update"),
        _plural(inserts, "insert"),
        _plural(deletes, "delete"),
    ]
    kept = len(plan.kept)
    if kept:
        parts.append(_plural(kept, "protected block") + " kept")
    return " · ".join(parts)


class PlanPreviewModal(ModalScreen[bool]):
    """The body plan's summary lines and counts, and the properties that will be sent;
    dismisses True to apply, False to go back to editing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="plan.cancel", tooltip="Back to editing"),
        Binding("a", "apply", "Apply", id="plan.apply", tooltip="Send these changes to Notion"),
    ]

    def __init__(self, plan: BodyPlan | None, property_names: Sequence[str] = ()) -> None:
        super().__init__(classes="dialog")
        self.plan = plan
        self.property_names = list(property_names)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-plan"):
            yield Label("Review the changes before saving", id="dialog-title")
            if self.plan is not None:
                yield Static(counts_line(self.plan), id="plan-counts", markup=False)
                with VerticalScroll(id="plan-lines"):
                    lines = list(self.plan.summary()) or ["The body is unchanged."]
                    for line in lines:
                        yield Static(f"• {line}", classes="plan-line", markup=False)
            if self.property_names:
                yield Static(
                    "Properties: " + ", ".join(self.property_names),
                    id="plan-properties",
                    markup=False,
                )
            yield Static(
                "Nothing is sent until you press Apply. Your draft stays on disk until Notion "
                "confirms the save.",
                id="dialog-remedy",
                markup=False,
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Apply", id="confirm", variant="primary")
        yield AppFooter()  # the dialog's own keys, over the page's

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    @on(Button.Pressed, "#confirm")
    def action_apply(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
