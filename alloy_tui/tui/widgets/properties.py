"""Property editors: one field per Notion property, by type, and the form that holds them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from alloy_tui.notion.models import PropertySchema
from alloy_tui.notion.values import (
    PropertyValueError,
    diff_properties,
    display,
    editor_value,
    empty_editor_value,
    parse_value,
)
from alloy_tui.tui.modals.picker import PickerModal, PickItem, SearchFunction
from alloy_tui.tui.widgets.text_input import TextInput

TYPE_LABELS: dict[str, str] = {
    "title": "title",
    "rich_text": "text",
    "number": "number",
    "select": "select",
    "multi_select": "multi-select",
    "status": "status",
    "date": "date",
    "checkbox": "checkbox",
    "url": "URL",
    "email": "email",
    "phone_number": "phone",
    "people": "people",
    "relation": "relation",
    "files": "files (URLs)",
    "formula": "formula",
    "rollup": "rollup",
    "created_time": "created time",
    "last_edited_time": "last edited time",
    "created_by": "created by",
    "last_edited_by": "last edited by",
    "unique_id": "ID",
}

PLACEHOLDERS: dict[str, str] = {
    "number": "a number, e.g. 3 or 2.5",
    "date": "YYYY-MM-DD [HH:MM]  (range: start → end)",
    "url": "https://…",
    "email": "name@example.com",
    "phone_number": "+1 555 0100",
    "files": "https://… (several separated by spaces)",
    "title": "Untitled",
}

NEW_OPTION = "\x00new-option"
"""The value of a select's "New option…" entry (never a real option: names can't hold NUL)."""
NEW_OPTION_LABEL = "New option…"
NEW_STATUS_LABEL = "New status… (only in Notion)"
STATUS_CANNOT_CREATE = (
    "Notion's API cannot add a status option. Add it in Notion (the database's property "
    "settings), then reload the page with r to choose it here."
)


@dataclass(frozen=True)
class UserChoice:
    id: str
    name: str


def user_choices(users: Iterable[Mapping[str, Any]]) -> list[UserChoice]:
    """Workspace users as choices: people first (by name), then bots."""
    people = [u for u in users if u.get("type", "person") == "person" and u.get("id")]
    return [
        UserChoice(str(u["id"]), str(u.get("name") or u["id"]))
        for u in sorted(people, key=lambda u: str(u.get("name") or ""))
    ]


class PropertyField(Vertical):
    """A property's label, its editor widget (or read-only text) and its error line.

    In a form opened for viewing (`view_mode`), the field itself takes the focus and its editor
    does not: single-letter keys stay commands, and Enter, `i` or a click edits the field (Esc
    leaves the editor). Each change of value can be undone (Ctrl+Z or `u`), and `x` puts the
    server's value back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,i", "edit", "Edit", id="property.edit", tooltip="Edit this field"),
        Binding(
            "escape",
            "stop_editing",
            "Done",
            id="property.stop_editing",
            tooltip="Leave the field's editor (the value stays)",
        ),
        Binding(
            "ctrl+z,u",
            "undo",
            "Undo",
            show=False,
            id="property.undo",
            tooltip="Undo this field's last change",
        ),
        Binding(
            "x",
            "revert",
            "Revert",
            id="property.revert",
            tooltip="Put back the value Notion has",
        ),
        Binding(
            "plus",
            "new_option",
            "New option",
            id="property.new_option",
            tooltip="Add an option to this multi-select (Notion creates it on save)",
        ),
    ]

    class Changed(Message):
        """The field's value changed (in either direction: also back to the original)."""

        def __init__(self, field: PropertyField) -> None:
            super().__init__()
            self.field = field

        @property
        def control(self) -> PropertyField:
            return self.field

    class RelationRequested(Message):
        """The user pressed the relation field's button: the screen, which knows the
        connection, answers with `pick_relation` and the pages the relation can link."""

        def __init__(self, field: PropertyField) -> None:
            super().__init__()
            self.field = field

        @property
        def control(self) -> PropertyField:
            return self.field

    def __init__(
        self,
        schema: PropertySchema,
        value: Mapping[str, Any] | None,
        *,
        users: Sequence[UserChoice] = (),
        names: Mapping[str, str] | None = None,
        id: str | None = None,
        view_mode: bool = False,
    ) -> None:
        super().__init__(id=id, classes=f"property-field -type-{schema.type}")
        self.view_mode = view_mode
        self.can_focus = view_mode
        self._editor: Widget | None = None
        self._history: list[Any] = []
        """Values before each change (for undo), oldest first."""
        self._restoring = False
        self._typing = False
        self._last_value: Any = None
        self.schema = schema
        self.value_object: Mapping[str, Any] | None = value
        self.original: Any = (
            editor_value(value, schema.type) if value else empty_editor_value(schema.type)
        )
        self._users = list(users)
        self._names: dict[str, str] = dict(names or {})
        self._relation_ids: list[str] = list(self.original) if schema.type == "relation" else []
        # A select's value before the last change (restored when "New option…" is picked), and
        # the options the user added here: Notion creates them when the page is saved.
        self._select_value: str = self.original if isinstance(self.original, str) else ""
        self._new_options: list[str] = []
        if schema.read_only:
            self.add_class("-read-only")

    # ---- compose ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        kind = self.schema.type
        with Horizontal(classes="property-label-row"):
            if kind == "title" and self.schema.name == "title":
                # A page outside a database has one property, named "title" by Notion.
                yield Label("Title", classes="property-name")
            else:
                yield Label(self.schema.name, classes="property-name", markup=False)
                yield Label(TYPE_LABELS.get(kind, kind.replace("_", " ")), classes="property-type")
            if self.schema.read_only:
                yield Label("read-only", classes="property-read-only")
            yield Label("●", classes="property-dirty")
        yield from self._compose_editor()
        yield Static("", classes="property-error", markup=False)

    def _compose_editor(self) -> ComposeResult:
        schema, kind, original = self.schema, self.schema.type, self.original
        if schema.read_only:
            yield Static(
                display(self.value_object, names=self._names) or "—",
                classes="property-value",
                markup=False,
            )
        elif kind == "checkbox":
            yield Checkbox("", value=bool(original), classes="property-editor", compact=True)
        elif kind in ("select", "status"):
            editor: Select[str] = Select(
                self._select_options(),
                value=original if original else Select.NULL,
                allow_blank=kind == "select" or not original,
                prompt="(none)" if kind == "select" else "Choose a status",
                classes="property-editor",
                compact=True,
            )
            if kind == "status":
                editor.tooltip = "Status options come from Notion; the API cannot add new ones."
            yield editor
        elif kind == "multi_select":
            names = list(schema.options) + [n for n in original if n not in schema.options]
            yield SelectionList[str](
                *(Selection(n, n, n in original) for n in names),
                classes="property-editor",
                compact=True,
            )
        elif kind == "people":
            yield SelectionList[str](
                *self._people_selections(self._users), classes="property-editor", compact=True
            )
        elif kind == "relation":
            with Horizontal(classes="relation-row"):
                yield Static(self._relation_text(), classes="relation-value", markup=False)
                yield Button("Link pages…", classes="relation-edit", compact=True)
        else:
            yield TextInput(
                value=str(original or ""),
                select_on_focus=False,  # editing a field must not replace it at the first key
                placeholder=PLACEHOLDERS.get(kind, ""),
                classes="property-editor",
                compact=True,
            )

    def _select_options(self) -> list[tuple[str, str]]:
        """A select's or status's options, then the entry that adds one (or says it can't)."""
        names = list(self.schema.options)
        for name in (self.original, *self._new_options):
            if isinstance(name, str) and name and name not in names:
                names.append(name)
        last = NEW_OPTION_LABEL if self.schema.type == "select" else NEW_STATUS_LABEL
        return [(name, name) for name in names] + [(last, NEW_OPTION)]

    def _people_selections(self, users: Sequence[UserChoice]) -> list[Selection[str]]:
        known = {u.id for u in users}
        chosen = set(self.original) | set(self._current_people())
        out = [Selection(u.name, u.id, u.id in chosen) for u in users]
        # People set on the page but not listed (e.g. guests) stay selectable and selected.
        out += [Selection(self._names.get(uid, uid[:8]), uid, True) for uid in chosen - known]
        return out

    def _current_people(self) -> list[str]:
        if not self.is_mounted:
            return []
        lists = self.query(SelectionList)
        return list(lists.first().selected) if lists else []

    # ---- values ----------------------------------------------------------------------

    @property
    def editor(self) -> Widget | None:
        if self._editor is None or self._editor.parent is None:
            found = self.query(".property-editor")
            self._editor = found.first() if found else None
        return self._editor

    def on_mount(self) -> None:
        if self.view_mode:
            for widget in self.query(".property-editor, .relation-edit"):
                widget.can_focus = False
        self._last_value = self.value

    @property
    def editing(self) -> bool:
        """The field's editor has the focus."""
        focused = self.screen.focused if self.is_mounted else None
        return focused is not None and focused is not self and self in focused.ancestors

    @property
    def value(self) -> Any:
        """The editor's current value, in values.editor_value's form."""
        kind = self.schema.type
        if self.schema.read_only or not self.is_mounted:
            return self.original
        if kind == "relation":
            return list(self._relation_ids)
        editor = self.editor
        if isinstance(editor, Checkbox):
            return editor.value
        if isinstance(editor, Select):
            if editor.value is Select.NULL or editor.value == NEW_OPTION:
                return "" if editor.value is Select.NULL else self._select_value
            return str(editor.value)
        if isinstance(editor, SelectionList):
            selected = [str(v) for v in editor.selected]
            return sorted(selected) if kind == "people" else selected
        if isinstance(editor, Input):
            return editor.value
        return self.original

    @property
    def changed(self) -> bool:
        if self.schema.read_only:
            return False
        now, before = self.value, self.original
        if self.schema.type in ("people", "relation", "multi_select"):
            return sorted(now) != sorted(before)
        if isinstance(now, str) and isinstance(before, str):
            return now.strip() != before.strip()
        return bool(now != before)

    def request_value(self) -> dict[str, Any]:
        """The validated request value; raises PropertyValueError naming this property."""
        return parse_value(self.schema, self.value, original=self.value_object)

    def set_error(self, message: str | None) -> None:
        self.set_class(bool(message), "-error")
        self.query_one(".property-error", Static).update(message or "")

    def commit(self, value: Mapping[str, Any] | None) -> None:
        """The page was saved: `value` is the new original; the editor keeps what it shows."""
        self.value_object = value
        self.original = (
            editor_value(value, self.schema.type) if value else empty_editor_value(self.schema.type)
        )
        if self.schema.read_only:
            self._show_read_only()
        self._refresh_dirty()

    def _show_read_only(self) -> None:
        """Draw a read-only field's value, now or (mounted but children not yet) once they
        are: users and titles can arrive before a new field's children are in the DOM."""
        if not self.is_mounted:
            return  # compose draws the value
        label = next(self.query(".property-value").results(Static), None)
        if label is None:
            self.call_after_refresh(self._show_read_only)
            return
        label.update(display(self.value_object, names=self._names) or "—")

    def set_users(self, users: Sequence[UserChoice]) -> None:
        """The workspace's users arrived: fill the people list, keeping the selection."""
        self._users = list(users)
        self._names.update({u.id: u.name for u in users})
        if self.schema.type == "people" and not self.schema.read_only and self.is_mounted:
            found = self.query(SelectionList)
            if not found:
                # Mounted, but its children not yet: fill the list once they are.
                self.call_after_refresh(self.set_users, list(users))
                return
            editor = found.first()
            selections = self._people_selections(self._users)
            editor.clear_options()
            editor.add_options(selections)
        elif self.schema.read_only and self.is_mounted:
            self.commit(self.value_object)

    def set_names(self, names: Mapping[str, str]) -> None:
        """Titles of related pages (or names of users) became known."""
        self._names.update(names)
        if self.schema.type == "relation":
            self._show_relation()

    def set_relation(self, ids: Sequence[str], names: Mapping[str, str] | None = None) -> None:
        self._relation_ids = list(ids)
        if names:
            self._names.update(names)
        self._show_relation()
        self._on_editor_changed()

    def _show_relation(self) -> None:
        """Draw the linked pages' names, now or (mounted but children not yet) once they are."""
        if not self.is_mounted or self.schema.read_only:
            return  # a read-only field draws its value with commit(), not here
        found = self.query(".relation-value").results(Static)
        label = next(found, None)
        if label is None:
            self.call_after_refresh(self._show_relation)
            return
        label.update(self._relation_text())

    def pick_relation(self, search: SearchFunction) -> None:
        """Open the relation's picker over `search` (its linked pages ticked); what the user
        confirms becomes the field's value."""
        selected = [PickItem(i, self.name_of(i)) for i in self._relation_ids]

        def picked(items: list[PickItem] | None) -> None:
            if items is not None:
                self.set_relation([i.id for i in items], {i.id: i.label for i in items})

        self.app.push_screen(
            PickerModal(
                f"Link pages · {self.schema.name}", search, multiple=True, selected=selected
            ),
            picked,
        )

    @property
    def relation_ids(self) -> list[str]:
        return list(self._relation_ids)

    def name_of(self, object_id: str) -> str:
        """A linked page's title (or a user's name) when known, else the id's start."""
        return self._names.get(object_id, object_id[:8])

    def _relation_text(self) -> str:
        if not self._relation_ids:
            return "(no linked pages)"
        return ", ".join(self._names.get(i, "…") for i in self._relation_ids)

    def focus_editor(self) -> bool:
        """Move the focus into the field's editor (in a view-mode form: start editing)."""
        target = self.query(".property-editor, .relation-edit")
        if not target:
            if self.view_mode:
                self.focus()
            return False
        widget = target.first()
        widget.can_focus = True
        widget.focus()
        if isinstance(widget, Input):
            widget.cursor_position = len(widget.value)
        self._typing = False  # the next keystroke starts a new undo step
        return True

    def stop_editing(self) -> None:
        """Leave the editor: the field (not its editor) is focusable again."""
        self._typing = False
        if not self.view_mode:
            return
        for widget in self.query(".property-editor, .relation-edit"):
            widget.can_focus = False

    def action_edit(self) -> None:
        if self.editing:
            return
        if self.schema.read_only:
            self.notify(
                f"{self.schema.name} is read-only: Notion computes it.", timeout=3, markup=False
            )
            return
        editor = self.editor
        if isinstance(editor, Checkbox):
            editor.toggle()  # one key: a checkbox has nothing else to edit
            return
        if self.schema.type == "relation":
            self.post_message(self.RelationRequested(self))
            return
        self.focus_editor()
        if isinstance(editor, Select):
            editor.action_show_overlay()

    def action_stop_editing(self) -> None:
        self.stop_editing()
        self.focus()

    def action_undo(self) -> None:
        if not self._history:
            self.notify(f"{self.schema.name}: nothing to undo.", timeout=2, markup=False)
            return
        self._put_back(self._history.pop())

    def action_revert(self) -> None:
        if not self.changed:
            self.notify(f"{self.schema.name} already has Notion's value.", timeout=2, markup=False)
            return
        self.set_value(self.original)

    def set_value(self, value: Any) -> bool:
        """Show `value` (an editor value, as `value` gives it); the change can be undone.
        False if the field cannot show it (read-only, or an option that no longer exists)."""
        self._typing = False  # its own undo step
        return self._set_editor_value(value)

    def _put_back(self, value: Any) -> None:
        self._restoring = True
        try:
            self._set_editor_value(value)
        finally:
            self._restoring = False
        self._last_value = self.value

    def _set_editor_value(self, value: Any) -> bool:
        if self.schema.read_only:
            return False
        if self.schema.type == "relation":
            self.set_relation([str(v) for v in value] if isinstance(value, list) else [])
            return True
        editor = self.editor
        try:
            if isinstance(editor, Checkbox):
                editor.value = bool(value)
            elif isinstance(editor, Select):
                editor.value = str(value) if value else Select.NULL
            elif isinstance(editor, SelectionList):
                wanted = {str(v) for v in value} if isinstance(value, list) else set()
                editor.deselect_all()
                known = {
                    str(editor.get_option_at_index(i).value) for i in range(editor.option_count)
                }
                for item in wanted & known:
                    editor.select(item)
                return wanted <= known
            elif isinstance(editor, Input):
                editor.value = "" if value is None else str(value)
            else:
                return False
        except Exception:  # an option the schema no longer has: Textual refuses the value
            return False
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new_option":
            return self.schema.type == "multi_select" and not self.schema.read_only
        if action in ("edit", "revert"):
            # Typing in a text editor: these letters are text, not commands.
            return self.view_mode and not self.editing
        if action == "undo":
            return self.view_mode and not (self.editing and isinstance(self.editor, Input))
        if action == "stop_editing":
            return self.view_mode and self.editing
        return True

    # ---- events ----------------------------------------------------------------------

    def _refresh_dirty(self) -> None:
        self.set_class(self.changed, "-dirty")

    def _on_editor_changed(self) -> None:
        now = self.value
        previous = self._last_value
        if not self._restoring and previous != now:
            # One undo step per visit to a text editor (not one per key), one per pick.
            typing = isinstance(self.editor, Input) and self.editing
            if not (typing and self._typing):
                self._history.append(previous)
            self._typing = typing
        self._last_value = now
        if self.has_class("-error"):
            try:
                self.request_value()
            except PropertyValueError:
                pass
            else:
                self.set_error(None)
        self._refresh_dirty()
        self.post_message(self.Changed(self))

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    def _editor_changed(self, event: Message) -> None:
        event.stop()
        if isinstance(event, Select.Changed):
            if event.value == NEW_OPTION:
                self._restore_select()
                self._ask_new_option()
                return
            self._select_value = "" if event.value is Select.NULL else str(event.value)
        self._on_editor_changed()

    def _restore_select(self) -> None:
        """Put back the value shown before "New option…" was picked (no Changed message)."""
        editor = self.editor
        if isinstance(editor, Select):
            with self.prevent(Select.Changed):
                if self._select_value:
                    editor.value = self._select_value
                else:
                    editor.clear()

    def action_new_option(self) -> None:
        """+ in a multi-select: name a new option; it is ticked and created by Notion on save."""
        self._ask_new_option()

    def _ask_new_option(self) -> None:
        if self.schema.type == "status":
            self.notify(STATUS_CANNOT_CREATE, title=self.schema.name, severity="warning")
            return
        from alloy_tui.tui.modals.confirm import PromptModal

        self.app.push_screen(
            PromptModal(
                f"New option for {self.schema.name}",
                "Notion adds the option to the database when you save the page. "
                "Names can't contain commas.",
                placeholder="Option name",
                confirm="Add",
            ),
            self.add_option,
        )

    def add_option(self, name: str | None) -> None:
        """Offer `name` as an option and choose it; a name Notion would refuse is an error."""
        if not name:
            self.focus_editor()
            return
        try:
            parse_value(self.schema, name)
        except PropertyValueError as error:
            self.set_error(error.message)
            self.focus_editor()
            return
        name = name.strip()
        editor = self.editor
        if isinstance(editor, SelectionList):
            if any(getattr(option, "value", None) == name for option in editor.options):
                editor.select(name)
            else:
                editor.add_option(Selection(name, name, True))
            self.focus_editor()
            return
        if not isinstance(editor, Select):
            return
        if name not in self.schema.options and name not in self._new_options:
            self._new_options.append(name)
            with self.prevent(Select.Changed):
                editor.set_options(self._select_options())
        editor.value = name  # posts Changed: the field turns dirty like any other pick
        self.focus_editor()

    @on(Input.Blurred)
    def _validate_on_leave(self, event: Input.Blurred) -> None:
        if not self.changed:
            self.set_error(None)
            return
        try:
            self.request_value()
        except PropertyValueError as error:
            self.set_error(error.message)

    @on(Button.Pressed, ".relation-edit")
    def _edit_relation(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.RelationRequested(self))


class PropertyForm(Vertical):
    """Every property of a page (or a new page's writable ones), in schema order. A field's
    change bubbles through as `PropertyField.Changed`, posted once per key."""

    def __init__(
        self,
        schema: Sequence[PropertySchema],
        values: Mapping[str, Mapping[str, Any]],
        *,
        users: Sequence[UserChoice] = (),
        id: str | None = None,
        view_mode: bool = False,
    ) -> None:
        super().__init__(id=id, classes="property-form")
        self.schema = list(schema)
        self.values = dict(values)
        self._users = list(users)
        self._fields = [
            PropertyField(
                prop,
                self.values.get(prop.name),
                users=self._users,
                id=f"property-{index}",
                view_mode=view_mode,
            )
            for index, prop in enumerate(self.schema)
        ]

    def compose(self) -> ComposeResult:
        yield from self._fields

    @property
    def fields(self) -> list[PropertyField]:
        return list(self._fields)

    def field(self, name_or_id: str) -> PropertyField | None:
        """The field of a property by name or id (a server error names either)."""
        wanted = name_or_id.strip()
        for field in self.fields:
            if wanted in (field.schema.name, field.schema.id):
                return field
        lowered = wanted.lower()
        return next((f for f in self.fields if f.schema.name.lower() == lowered), None)

    @property
    def dirty(self) -> bool:
        return any(field.changed for field in self.fields)

    @property
    def changed_fields(self) -> list[PropertyField]:
        return [field for field in self.fields if field.changed]

    def collect(
        self, *, everything: bool = False
    ) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        """(changed properties as request values, errors by property name).

        Only changed fields are validated and sent (`everything` includes unchanged writable
        ones, e.g. a new page's defaults, which diff_properties then drops when empty)."""
        edits: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        for field in self.fields:
            if field.schema.read_only or not (everything or field.changed):
                continue
            try:
                edits[field.schema.name] = field.request_value()
            except PropertyValueError as error:
                errors[field.schema.name] = error.message
        return diff_properties(self.values, edits), errors

    def show_errors(self, errors: Mapping[str, str]) -> PropertyField | None:
        """Mark each field with its error (clearing the others); returns the first marked."""
        first: PropertyField | None = None
        for field in self.fields:
            message = errors.get(field.schema.name)
            field.set_error(message)
            if message and first is None:
                first = field
        return first

    def commit(self, values: Mapping[str, Mapping[str, Any]]) -> None:
        """A save succeeded: the page's new values become the originals."""
        self.values = dict(values)
        for field in self.fields:
            field.commit(values.get(field.schema.name))
            field.set_error(None)

    def set_users(self, users: Sequence[UserChoice]) -> None:
        self._users = list(users)
        for field in self.fields:
            if field.schema.type in ("people", "created_by", "last_edited_by"):
                field.set_users(users)
