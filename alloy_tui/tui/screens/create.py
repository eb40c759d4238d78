"""CreatePageScreen: a new page in the workspace, under a page, or as a database row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from alloy_tui.alloy.errors import (
    AlloyError,
    ValidationError,
    describe,
)
from alloy_tui.creating import CreateUncertain, NewPage
from alloy_tui.notion.models import (
    ParentRef,
    PropertySchema,
    page_title,
    parent_from_request,
)
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.picker import (
    PickerModal,
    PickItem,
    search_items,
    search_related,
    search_workspace,
)
from alloy_tui.tui.screens import AlloyScreen, stop_loading
from alloy_tui.tui.screens.page import PageScreen
from alloy_tui.tui.widgets.properties import PropertyField, PropertyForm, user_choices


class CreatePageScreen(AlloyScreen[None]):
    """Choose where the page goes, fill its title (and a database's properties), Ctrl+S."""

    HELP: ClassVar[str] = """\
## New page

1. Choose where it goes: the **workspace**, **under a page** or **in a database**
   (a search opens to pick the page or database; a database with several data sources
   then asks which one gets the page).
2. Type the title; a database row also gets the database's writable properties.
3. **Ctrl+S** creates the page (sent once) and opens it.

If Notion refuses a value, the field says why and nothing you typed is lost.
**Esc** goes back (asks first when something is typed).
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "create", "Create", id="create.create", tooltip="Create the page"),
        Binding("escape", "back", "Back", id="create.back", tooltip="Back (asks if typed)"),
        Binding("ctrl+o", "choose_parent", "Where", id="create.where", tooltip="Change where"),
    ]

    def __init__(self, parent: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.parent_request: dict[str, Any] | None = dict(parent) if parent else None
        self.parent_ref: ParentRef | None = parent_from_request(parent) if parent else None
        self.parent_label = ""
        self.schema: list[PropertySchema] = []
        self.creating = False
        self.created: dict[str, Any] | None = None
        self.new_page: NewPage
        self.title = "New page"

    def compose_body(self) -> ComposeResult:
        yield Static("New page", id="create-title", classes="screen-title")
        with Horizontal(id="create-where"):
            with RadioSet(id="create-kind"):
                yield RadioButton("In the workspace", id="where-workspace")
                yield RadioButton("Under a page…", id="where-page")
                yield RadioButton("In a database…", id="where-database")
            yield Static("", id="create-parent", markup=False)
        yield Static("", id="create-error", classes="error-state hidden", markup=False)
        with VerticalScroll(id="create-scroll"):
            yield Vertical(id="create-form-slot")
        with Horizontal(id="create-buttons", classes="button-row"):
            yield Button("Create  (Ctrl+S)", id="create", variant="primary", disabled=True)

    def on_mount(self) -> None:
        self.new_page = NewPage(self.app.state.notion, now=self.app.state.now)
        if self.parent_ref is None:
            self.query_one(RadioSet).focus()
            self._refresh_parent()
            return
        button_id = {
            "workspace": "where-workspace",
            "page_id": "where-page",
            "database_id": "where-database",
            "data_source_id": "where-database",
        }.get(self.parent_ref.kind)
        if button_id:
            with self.prevent(RadioSet.Changed):
                self.query_one(f"#{button_id}", RadioButton).value = True
        if self.parent_ref.kind == "database_id" and self.parent_ref.id:
            self.choose_source(self.parent_ref.id)  # a database may hold several sources
            return
        self.prepare_form()

    # ---- where -------------------------------------------------------------------------

    @on(RadioSet.Changed, "#create-kind")
    def _kind_changed(self, event: RadioSet.Changed) -> None:
        chosen = event.pressed.id
        if chosen == "where-workspace":
            self._set_parent({"type": "workspace", "workspace": True}, "Workspace")
        elif chosen in ("where-page", "where-database"):
            self.action_choose_parent("page" if chosen == "where-page" else "database")

    def action_choose_parent(self, kind: str | None = None) -> None:
        if kind is None:
            kind = (
                "database"
                if (self.parent_ref and self.parent_ref.kind in ("database_id", "data_source_id"))
                else "page"
            )
        what: Any = "database" if kind == "database" else "page"

        def picked(items: list[PickItem] | None) -> None:
            if not items:
                return
            item = items[0]
            if what == "page":
                self._set_parent({"type": "page_id", "page_id": item.id}, item.label)
            elif item.kind == "data_source":  # a 2025-09-03 search names the source itself
                self._set_parent({"type": "data_source_id", "data_source_id": item.id}, item.label)
            else:
                self.choose_source(item.id, item.label)

        self.app.push_screen(
            PickerModal(
                "Create it in which database?"
                if what == "database"
                else "Create it under which page?",
                search_workspace(self.app.state.notion, what),
            ),
            picked,
        )

    @work(exclusive=True, group="create-where")
    async def choose_source(self, database_id: str, label: str = "") -> None:
        """A database was picked: the page goes into its data source, asked for when it holds
        several (Notion 2025-09-03), or into the database itself (2022-06-28, one source)."""
        slot = self.query_one("#create-scroll")
        slot.loading = True
        try:
            choice = await self.new_page.database(database_id)
        except AlloyError as error:
            self._show_error(error)
            self.app.report_error(error, where="New page")
            return
        finally:
            stop_loading(slot)
        if not choice.needs_source:
            self._set_parent(choice.parent(), label or choice.title)
            return
        items = [PickItem(ident, name or "Untitled") for ident, name in choice.sources]

        def chosen(picked: list[PickItem] | None) -> None:
            if picked:
                source = picked[0].id
                self._set_parent(choice.parent(source), choice.source_label(source))
            elif self.parent_ref is not None and self.parent_ref.id == database_id:
                # Opened on this database, no source chosen: it cannot take the page as it is.
                self.parent_request = self.parent_ref = None
                self._refresh_parent()

        self.app.push_screen(
            PickerModal(
                f"{choice.title} has {len(items)} data sources: which one gets the page?",
                search_items(items),
                placeholder="Type to filter by name",
            ),
            chosen,
        )

    def _set_parent(self, parent: dict[str, Any], label: str) -> None:
        self.parent_request = parent
        self.parent_ref = parent_from_request(parent)
        self.parent_label = label
        self.prepare_form()

    def _refresh_parent(self) -> None:
        where = self.query_one("#create-parent", Static)
        ref = self.parent_ref
        if ref is None:
            where.update("Choose where the new page goes.")
        elif ref.is_workspace:
            where.update("A top-level page of the workspace.")
        elif ref.kind in ("database_id", "data_source_id"):
            where.update(f"A new row of {self.parent_label or 'the database'}.")
        else:
            where.update(f"A sub-page of {self.parent_label or 'the page'}.")
        self.query_one("#create", Button).disabled = ref is None

    # ---- the form ----------------------------------------------------------------------

    @on(PropertyField.RelationRequested)
    def _pick_relation(self, event: PropertyField.RelationRequested) -> None:
        event.field.pick_relation(search_related(self.app.state.notion, event.field.schema))

    @property
    def form(self) -> PropertyForm | None:
        found = self.query(PropertyForm)
        return found.first() if found else None

    @work(exclusive=True, group="create-load")
    async def prepare_form(self) -> None:
        ref = self.parent_ref
        if ref is None:
            return
        typed = self._typed_title()
        slot = self.query_one("#create-scroll")
        slot.loading = ref.kind in ("database_id", "data_source_id")
        try:
            destination = await self.new_page.destination(ref, self.parent_label)
        except AlloyError as error:
            self._show_error(error)
            self.app.report_error(error, where="New page")
            return
        finally:
            stop_loading(slot)
        self.parent_label = destination.label
        schema = destination.schema
        self.schema = schema
        self._show_error(None)
        slot = self.query_one("#create-form-slot")
        await slot.remove_children()
        form = PropertyForm(schema, {})
        await slot.mount(form)
        self._refresh_parent()
        title = next((f for f in form.fields if f.schema.type == "title"), None)
        if title is not None:
            if typed:
                # Changing where the page goes keeps the title already typed.
                title.query_one(Input).value = typed
            title.focus_editor()
        if any(p.type == "people" for p in schema):
            self.load_people()

    def _typed_title(self) -> str:
        form = self.form
        if form is None:
            return ""
        title = next((f for f in form.fields if f.schema.type == "title"), None)
        return str(title.value) if title is not None else ""

    @work(exclusive=True, group="create-users")
    async def load_people(self) -> None:
        try:
            users = await self.app.state.users()
        except AlloyError:
            return
        form = self.form
        if form is not None:
            form.set_users(user_choices(users))

    def _show_error(self, error: BaseException | None) -> None:
        banner = self.query_one("#create-error", Static)
        banner.update("" if error is None else describe(error))
        banner.set_class(error is None, "hidden")

    # ---- create ------------------------------------------------------------------------

    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        form = self.form
        if form is None or self.parent_request is None:
            self.notify("Choose where the new page goes first.", severity="warning")
            return
        if self.creating or self.created is not None:
            return
        properties, errors = form.collect()
        if errors:
            first = form.show_errors(errors)
            if first is not None:
                first.focus_editor()
            self.notify("Fix the marked fields before creating the page.", severity="error")
            return
        form.show_errors({})
        self.create(dict(self.parent_request), properties)

    @work(exclusive=True, group="page-create")
    async def create(self, parent: dict[str, Any], properties: dict[str, Any]) -> None:
        self.creating = True
        self.query_one("#create", Button).disabled = True
        try:
            created = await self.new_page.create(parent, properties)
        except ValidationError as error:
            self._failed(error, properties)
            return
        except CreateUncertain as error:
            self._show_error(error)  # the banner says whether sending it again is safe
            return
        except AlloyError as error:
            self._show_error(error)
            self.app.report_error(error, where="Create page")
            return
        finally:
            self.creating = False
            self.query_one("#create", Button).disabled = False
        page = self.created = created.page
        if created.recovered:
            self.notify(
                "The answer was lost on the way back, but Notion created the page.",
                title="New page",
            )
        self.notify(f"Created “{page_title(page)}”.", title="New page", timeout=3, markup=False)
        # The new page replaces this form, so Esc from it goes back to where "new" was pressed.
        # Not awaited: replacing this screen ends this worker.
        self.app.switch_screen(PageScreen(str(page["id"])))

    def _failed(self, error: ValidationError, properties: Mapping[str, Any]) -> None:
        form = self.form
        field: PropertyField | None = None
        if form is not None and error.field:
            name = error.field.removeprefix("properties.").split(".")[0].split("[")[0]
            field = form.field(name) or form.field(error.field)
        if field is not None:
            field.set_error(error.sentence)
            field.focus_editor()
            self.notify(
                f"{field.schema.name}: {error.sentence}",
                title="Not created",
                severity="error",
                markup=False,
            )
            return
        self._show_error(error)
        self.app.report_error(error, where="Create page")

    # ---- leaving -----------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """Whether the form holds input that leaving would lose (nothing once created)."""
        form = self.form
        return form is not None and form.dirty and self.created is None

    def action_back(self) -> None:
        if not self.dirty:
            self.dismiss()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss()

        self.app.push_screen(
            ConfirmModal(
                "Discard the new page?",
                "What you typed has not been created yet and will be lost.",
                confirm="Discard",
                cancel="Stay",
                danger=True,
            ),
            answered,
        )
