"""FilterBuilderModal: build a database filter from the schema, one condition per row."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from alloy_tui.alloy.errors import AlloyError
from alloy_tui.notion.filters import CONDITIONS, TIMESTAMP_FILTERS, conditions_for, operand_for
from alloy_tui.notion.ids import normalize_id
from alloy_tui.notion.models import PropertySchema
from alloy_tui.tui.modals.picker import PickerModal, PickItem, search_related
from alloy_tui.tui.widgets.footer import AppFooter
from alloy_tui.tui.widgets.properties import user_choices

Combinator = Literal["and", "or"]

TIMESTAMP_PREFIX = "timestamp:"
"""Property choices that are a page's own timestamps rather than schema properties."""
PEOPLE_TYPES = frozenset({"people", "created_by", "last_edited_by"})


def condition_label(condition: str) -> str:
    return condition.replace("_", " ")


@dataclass(frozen=True)
class FilterCondition:
    """One row: a property (or a timestamp), a condition valid for its type, and its operand."""

    property: str
    """The property's name, or 'created_time' / 'last_edited_time' when `timestamp`."""
    type: str
    condition: str
    value: Any = None
    timestamp: bool = False
    label: str | None = field(default=None, compare=False)
    """What the user saw for an id operand (a person's name, a page's title)."""

    def to_notion(self) -> dict[str, Any]:
        kind = operand_for(self.type, self.condition)
        value: Any = self.value
        if kind == "true":
            value = True
        elif kind == "empty_object":
            value = {}
        head: dict[str, Any] = (
            {"timestamp": self.property} if self.timestamp else {"property": self.property}
        )
        return {**head, self.type: {self.condition: value}}

    def summary(self) -> str:
        kind = operand_for(self.type, self.condition)
        text = f"{self.property} {condition_label(self.condition)}"
        if kind in ("true", "empty_object"):
            return text
        if kind == "string":
            return f"{text} “{self.value}”"
        if kind == "boolean":
            return f"{text} {'checked' if self.value else 'unchecked'}"
        if kind == "uuid" and self.label:
            return f"{text} {self.label}"
        return f"{text} {self.value}"


@dataclass(frozen=True)
class FilterSpec:
    """Conditions combined with one and/or (Notion nests at most two levels; one is enough)."""

    conditions: tuple[FilterCondition, ...] = ()
    combinator: Combinator = "and"

    def to_notion(self) -> dict[str, Any] | None:
        if not self.conditions:
            return None
        if len(self.conditions) == 1:
            return self.conditions[0].to_notion()
        return {self.combinator: [c.to_notion() for c in self.conditions]}

    def summary(self) -> str:
        joiner = f" {self.combinator} "
        return joiner.join(c.summary() for c in self.conditions)

    def __bool__(self) -> bool:
        return bool(self.conditions)


class OperandError(ValueError):
    """A condition row the user has not finished, or an operand of the wrong kind."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


def parse_operand(prop_type: str, condition: str, raw: Any, *, label: str) -> Any:
    """The condition's operand from what the user entered, or OperandError saying why not."""
    kind = operand_for(prop_type, condition)
    if kind is None:
        raise OperandError(f"{label}: '{condition_label(condition)}' does not apply to {prop_type}")
    if kind in ("true", "empty_object"):
        return None
    text = "" if raw is None or raw is Select.NULL else str(raw).strip()
    if kind == "boolean":
        if text not in ("true", "false"):
            raise OperandError(f"{label}: choose checked or unchecked")
        return text == "true"
    if text == "":
        raise OperandError(f"{label}: enter a value to compare with")
    if kind == "number":
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
            raise OperandError(f"{label}: '{text}' is not a number")
        number = float(text)
        return (
            int(number)
            if number.is_integer() and "." not in text and "e" not in text.lower()
            else number
        )
    if kind == "date":
        try:
            return date.fromisoformat(text[:10]).isoformat() + text[10:]
        except ValueError:
            raise OperandError(f"{label}: '{text}' is not a date (YYYY-MM-DD)") from None
    if kind == "uuid":
        try:
            return normalize_id(text)
        except ValueError:
            raise OperandError(f"{label}: '{text}' is not an id") from None
    return text


def filterable(schema: Sequence[PropertySchema]) -> list[PropertySchema]:
    """The properties a filter can use (formula and rollup filters are not offered)."""
    return [p for p in schema if p.type in CONDITIONS]


class RelationOperand(Button):
    """A relation condition's page: pressing it searches the related data source (or
    database) for one."""

    NONE = "Choose a page…"

    def __init__(self, prop: PropertySchema, page_id: str | None, label: str | None) -> None:
        super().__init__(
            # A page's title: a str label would be parsed as markup.
            Text(label or (page_id[:8] if page_id else self.NONE)),
            classes="operand operand-select relation-operand",
            tooltip="Search the pages this relation links to",
        )
        self.prop = prop
        self.page_id = page_id
        self.page_label = label

    def choose(self, item: PickItem) -> None:
        self.page_id = item.id
        self.page_label = item.label
        self.label = Text(item.label)

    @on(Button.Pressed)
    def _open_picker(self, event: Button.Pressed) -> None:
        event.stop()
        from alloy_tui.tui.app import AlloyApp

        app = self.app
        if not isinstance(app, AlloyApp):
            return
        try:
            notion = app.state.notion
        except AlloyError as error:
            app.report_error(error, where="Filter")
            return

        def picked(items: list[PickItem] | None) -> None:
            if items:
                self.choose(items[0])
            self.focus()

        app.push_screen(
            PickerModal(
                f"{self.prop.name}: which page?",
                search_related(notion, self.prop),
                placeholder="Type a title, or paste a page link or id",
            ),
            picked,
        )


class ConditionRow(Horizontal):
    """Property → condition (only those valid for its type) → an operand input fitting it."""

    def __init__(
        self,
        schema: Sequence[PropertySchema],
        *,
        users: Sequence[tuple[str, str]] = (),
        initial: FilterCondition | None = None,
    ) -> None:
        super().__init__(classes="builder-row")
        self.schema = filterable(schema)
        self.users = list(users)
        self.initial = initial

    def _choices(self) -> list[tuple[Text, str]]:
        # Property names, option names and people are data: Text prompts are never markup.
        choices = [(Text(p.name), p.name) for p in self.schema]
        own = {p.type for p in self.schema}
        for stamp in sorted(TIMESTAMP_FILTERS - own):
            choices.append((Text(f"⏱ {condition_label(stamp)}"), TIMESTAMP_PREFIX + stamp))
        return choices

    def compose(self) -> ComposeResult:
        initial = self.initial
        chosen: str | Any = Select.NULL
        if initial is not None:
            chosen = TIMESTAMP_PREFIX + initial.property if initial.timestamp else initial.property
        yield Select(self._choices(), value=chosen, prompt="Property", classes="property-select")
        yield Select[str]([], prompt="Condition", classes="condition-select", disabled=True)
        yield Static("", classes="operand-none")
        yield Button("✕", classes="remove-row", tooltip="Remove this condition")

    async def on_mount(self) -> None:
        if self.initial is not None:
            await self._property_chosen(keep=self.initial)

    @property
    def prop(self) -> tuple[str, str, bool] | None:
        """(name, type, is_timestamp) of the chosen property."""
        value = self.query_one(".property-select", Select).value
        if value is Select.NULL:
            return None
        text = str(value)
        if text.startswith(TIMESTAMP_PREFIX):
            stamp = text.removeprefix(TIMESTAMP_PREFIX)
            return stamp, stamp, True
        found = next((p for p in self.schema if p.name == text), None)
        return (found.name, found.type, False) if found else None

    @property
    def condition(self) -> str | None:
        value = self.query_one(".condition-select", Select).value
        return None if value is Select.NULL else str(value)

    @on(Select.Changed, ".property-select")
    async def _on_property(self, event: Select.Changed) -> None:
        event.stop()
        await self._property_chosen()

    async def _property_chosen(self, keep: FilterCondition | None = None) -> None:
        conditions = self.query_one(".condition-select", Select)
        prop = self.prop
        if prop is None:
            conditions.set_options([])
            conditions.disabled = True
            await self._set_operand(None)
            return
        offered = conditions_for(prop[1])
        conditions.set_options([(condition_label(c), c) for c in offered])
        conditions.disabled = False
        wanted = keep.condition if keep and keep.condition in offered else offered[0]
        with self.prevent(Select.Changed):
            conditions.value = wanted
        await self._set_operand(keep.value if keep else None)

    @on(Select.Changed, ".condition-select")
    async def _on_condition(self, event: Select.Changed) -> None:
        event.stop()
        await self._set_operand(self.operand_value())

    def _schema_of(self, name: str) -> PropertySchema | None:
        return next((p for p in self.schema if p.name == name), None)

    async def _set_operand(self, value: Any) -> None:
        for old in self.query(".operand"):
            await old.remove()
        placeholder = self.query_one(".operand-none", Static)
        prop, condition = self.prop, self.condition
        kind = operand_for(prop[1], condition) if prop and condition else None
        widget: Widget | None = None
        if prop is not None and kind is not None:
            schema = self._schema_of(prop[0])
            if kind == "boolean":
                widget = Select(
                    [("checked", "true"), ("unchecked", "false")],
                    value="false" if value is False else "true",
                    allow_blank=False,
                )
            elif kind == "string" and schema is not None and schema.options:
                options = list(schema.options)
                if value and value not in options:
                    options.append(str(value))
                widget = Select(
                    [(Text(o), o) for o in options],
                    value=value if value else Select.NULL,
                    prompt="Option",
                )
            elif kind == "uuid" and prop[1] in PEOPLE_TYPES:
                widget = self._people_select(value)
            elif kind == "uuid" and prop[1] == "relation" and schema is not None:
                label = self.initial.label if self.initial and self.initial.value == value else None
                widget = RelationOperand(schema, str(value) if value else None, label)
            elif kind in ("string", "number", "date", "uuid"):
                hints = {
                    "string": "text",
                    "number": "a number",
                    "date": "YYYY-MM-DD",
                    "uuid": "a page id",
                }
                widget = Input(
                    value="" if value is None else str(value),
                    placeholder=hints[kind],
                    type="number" if kind == "number" else "text",
                )
        placeholder.display = widget is None
        placeholder.update("(no value needed)" if prop and condition and widget is None else "")
        if widget is not None:
            widget.add_class("operand")
            await self.mount(widget, before=placeholder)

    def _people_select(self, value: Any) -> Select[str]:
        """The workspace's people to pick from (listed by the dialog; 'Loading' until then)."""
        people = list(self.users)
        if value and value not in {uid for uid, _ in people}:
            people.append((str(value), str(value)[:8]))  # e.g. a guest no longer listed
        return Select(
            [(Text(name), uid) for uid, name in people],
            value=value if value else Select.NULL,
            prompt="Person" if self.users else "Loading people…",
            classes="operand-select",
        )

    async def set_users(self, users: Sequence[tuple[str, str]]) -> None:
        """The workspace's people arrived: refill this row's person list, keeping its choice."""
        self.users = list(users)
        prop = self.prop
        if prop is not None and prop[1] in PEOPLE_TYPES:
            await self._set_operand(self.operand_value())

    def operand_value(self) -> Any:
        found = self.query(".operand")
        if not found:
            return None
        widget = found.first()
        if isinstance(widget, Input):
            return widget.value
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, RelationOperand):
            return widget.page_id
        return None

    def operand_label(self) -> str | None:
        """What the user picked, in words, for an id operand (a name or a title)."""
        found = self.query(".operand")
        widget = found.first() if found else None
        if isinstance(widget, RelationOperand):
            return widget.page_label
        value = self.operand_value()
        return next((name for uid, name in self.users if uid == value), None)

    def to_condition(self) -> FilterCondition:
        prop, condition = self.prop, self.condition
        if prop is None:
            raise OperandError("choose a property")
        if condition is None:
            raise OperandError(f"{prop[0]}: choose a condition")
        raw = self.operand_value()
        if operand_for(prop[1], condition) == "uuid" and not raw:
            what = "a person" if prop[1] in PEOPLE_TYPES else "a page"
            raise OperandError(f"{prop[0]}: choose {what}")
        value = parse_operand(prop[1], condition, raw, label=prop[0])
        label = self.operand_label() if operand_for(prop[1], condition) == "uuid" else None
        return FilterCondition(prop[0], prop[1], condition, value, timestamp=prop[2], label=label)


class FilterBuilderModal(ModalScreen[FilterSpec | None]):
    """Dismisses the new FilterSpec (empty = no filter), or None when cancelled."""

    TITLE = "Filter rows"
    HELP = """\
Each row is one condition: a property, then one of the conditions its type allows (text
*contains*, number *greater than*, date *is within the past week*, checkbox *is checked*…),
then a value where the condition needs one. Several rows combine with *and* or *or*.

- **Tab** moves between the fields; **Enter** opens a list, the arrows choose.
- **Ctrl+A** adds a condition; **✕** removes one; **Clear** removes them all.
- **Ctrl+S** applies; **Esc** keeps the old filter.

A value that does not fit its property (a word for a number, a malformed date) is named
under the rows, and the filter is not applied until it is fixed.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filter.cancel", tooltip="Keep the old filter"),
        Binding("ctrl+s", "apply", "Apply", id="filter.apply", tooltip="Apply this filter"),
        Binding("ctrl+a", "add", "Add condition", id="filter.add", tooltip="Add a condition"),
    ]

    def __init__(
        self,
        schema: Sequence[PropertySchema],
        current: FilterSpec | None = None,
        *,
        users: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(classes="dialog")
        self.schema = list(schema)
        self.current = current or FilterSpec()
        self.users = list(users)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-builder"):
            yield Label("Filter rows", id="dialog-title")
            with Horizontal(classes="builder-combinator"):
                yield Label("Rows must match")
                yield Select(
                    [("all conditions (and)", "and"), ("any condition (or)", "or")],
                    value=self.current.combinator,
                    allow_blank=False,
                    id="filter-combinator",
                )
            yield Static(
                "No conditions: every row is shown. Add one with Ctrl+A.",
                classes="builder-empty",
                id="filter-empty",
            )
            with VerticalScroll(classes="builder-rows", id="filter-rows"):
                for condition in self.current.conditions:
                    yield ConditionRow(self.schema, users=self.users, initial=condition)
            yield Static("", classes="builder-error", id="filter-error", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("+ Condition", id="add", classes="builder-add")
                yield Static("", classes="spacer")
                yield Button("Clear", id="clear")
                yield Button("Cancel", id="cancel")
                yield Button("Apply", id="confirm", variant="primary")
        yield AppFooter()

    async def on_mount(self) -> None:
        if not self.current.conditions:
            await self.action_add()
        self._refresh_empty()
        if not self.users and any(p.type in PEOPLE_TYPES for p in filterable(self.schema)):
            self.load_users()

    @work(exclusive=True, group="filter-users")
    async def load_users(self) -> None:
        """List the workspace's people (once per connection) for the person conditions."""
        from alloy_tui.tui.app import AlloyApp

        app = self.app
        if not isinstance(app, AlloyApp):
            return
        try:
            users = await app.state.users()
        except AlloyError as error:
            self.query_one("#filter-error", Static).update(
                f"Could not list the workspace's people: {error.sentence} {error.remedy}"
            )
            return
        self.users = [(choice.id, choice.name) for choice in user_choices(users)]
        for row in self.rows:
            await row.set_users(self.users)

    @property
    def rows(self) -> list[ConditionRow]:
        return list(self.query(ConditionRow))

    def _refresh_empty(self) -> None:
        self.query_one("#filter-empty").display = not self.rows
        self.query_one(".builder-combinator").display = len(self.rows) > 1

    @on(Button.Pressed, "#add")
    async def action_add(self) -> None:
        row = ConditionRow(self.schema, users=self.users)
        await self.query_one("#filter-rows").mount(row)
        row.query_one(".property-select", Select).focus()
        self._refresh_empty()

    @on(Button.Pressed, ".remove-row")
    async def _remove(self, event: Button.Pressed) -> None:
        row = next((a for a in event.button.ancestors if isinstance(a, ConditionRow)), None)
        if row is not None:
            await row.remove()
        self._refresh_empty()

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.dismiss(FilterSpec())

    def build(self) -> FilterSpec:
        """The spec the rows describe; OperandError for the first row that is incomplete."""
        conditions: list[FilterCondition] = []
        for index, row in enumerate(self.rows):
            try:
                conditions.append(row.to_condition())
            except OperandError as error:
                raise OperandError(error.message, index) from None
        combinator = self.query_one("#filter-combinator", Select).value
        return FilterSpec(tuple(conditions), "or" if combinator == "or" else "and")

    @on(Button.Pressed, "#confirm")
    def action_apply(self) -> None:
        try:
            spec = self.build()
        except OperandError as error:
            self.query_one("#filter-error", Static).update(
                f"Condition {error.row + 1}: {error.message}"
            )
            return
        self.dismiss(spec)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
