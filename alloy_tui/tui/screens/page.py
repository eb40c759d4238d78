"""PageScreen: a page's title and properties, edited by type and saved as a diff, plus its body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Markdown, Static

from alloy_tui.alloy.errors import AlloyError, PageTooLargeError, ValidationError
from alloy_tui.notion.ids import id_from_text
from alloy_tui.notion.markdown import NOTION_URL, blocks_to_markdown
from alloy_tui.notion.models import (
    PropertySchema,
    database_title,
    is_trashed,
    object_icon,
    page_title,
    parent_of,
    relative_time,
    schema_from_database,
    schema_from_page,
)
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.picker import PickerModal, PickItem, search_database, search_workspace
from alloy_tui.tui.screens import AlloyScreen
from alloy_tui.tui.widgets.properties import PropertyField, PropertyForm, user_choices


def _error_text(error: BaseException) -> str:
    sentence = getattr(error, "sentence", None) or str(error)
    remedy = getattr(error, "remedy", None)
    return f"{sentence}\n{remedy}" if remedy else str(sentence)


class PageScreen(AlloyScreen[None]):
    """Open one page: every property by type (read-only ones marked), the body below."""

    HELP: ClassVar[str] = """\
## Page

The page's title and properties, each with an editor that fits its type, and the page's
body (read-only here) below them.

- **Tab / Shift+Tab** (or **↑/↓**, **j/k** outside a text box) move between fields.
- A changed field is marked **●**; the title shows **● unsaved changes** until you save.
- **Ctrl+S** saves only the properties you changed. If Notion refuses a value, the field
  says why and your edit stays.
- Read-only properties (formulas, rollups, created/edited, IDs) are dimmed and marked.
- Relations: press *Link pages…* and search the related database; people: tick users.
- Dates: `2024-05-01`, `2024-05-01 14:30`, a range `2024-05-01 → 2024-05-03`.
- **o** opens the page in the browser, **Ctrl+D** moves it to the trash (asks first).
- **Esc** goes back; with unsaved changes it asks first.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="page.save", tooltip="Save the changed properties"),
        Binding("escape", "back", "Back", id="page.back", tooltip="Back (asks if unsaved)"),
        Binding("o", "open_browser", "Open in browser", id="page.open", tooltip="Open in Notion"),
        # priority: a focused Input would otherwise take ctrl+d as "delete right".
        Binding(
            "ctrl+d", "trash", "Trash", id="page.trash", tooltip="Move to the trash", priority=True
        ),
        Binding(
            "delete",
            "trash",
            "Trash",
            show=False,
            id="page.trash_delete",
            tooltip="Move to the trash",
        ),
        Binding("ctrl+r", "reload", "Reload", id="page.reload", tooltip="Load the page again"),
        Binding("j,down", "next_field", "Next", show=False, id="page.next", tooltip="Next field"),
        Binding(
            "k,up",
            "previous_field",
            "Previous",
            show=False,
            id="page.previous",
            tooltip="Previous field",
        ),
    ]

    def __init__(self, page_id: str) -> None:
        super().__init__()
        self.page_id = page_id
        self.page: dict[str, Any] | None = None
        self.database: dict[str, Any] | None = None
        self.schema: list[PropertySchema] = []
        self.saving = False
        self.title = "Page"

    # ---- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="page-header", classes="screen-title-row"):
            yield Label("", id="page-title", classes="screen-title", markup=False)
            yield Label("", id="page-dirty", classes="dirty-marker")
        yield Static("", id="page-meta", classes="screen-hint", markup=False)
        yield Static("", id="page-error", classes="error-state hidden", markup=False)
        with VerticalScroll(id="page-scroll"):
            yield Vertical(id="page-form-slot")
            yield Label("Body", id="page-body-label", classes="section-label")
            yield Markdown("", id="page-body", open_links=False)

    def on_mount(self) -> None:
        self.load_page()

    # ---- loading ---------------------------------------------------------------------

    @property
    def form(self) -> PropertyForm | None:
        found = self.query(PropertyForm)
        return found.first() if found else None

    @work(exclusive=True, group="page-load")
    async def load_page(self) -> None:
        slot = self.query_one("#page-scroll")
        slot.loading = True
        try:
            notion = self.app.state.notion
            page = await notion.get_page(self.page_id)
            parent = parent_of(page)
            database: dict[str, Any] | None = None
            if parent.kind == "database_id" and parent.id:
                database = await notion.get_database(parent.id)
        except AlloyError as error:
            self._show_error(error)
            self.app.report_error(error, where="Open page")
            return
        finally:
            slot.loading = False
        self.page, self.database = page, database
        self.schema = schema_from_database(database) if database else schema_from_page(page)
        await self._mount_form(page)
        self._fill_header()
        self.load_people()
        self.load_relation_titles()
        self.load_body()

    async def _mount_form(self, page: Mapping[str, Any]) -> None:
        slot = self.query_one("#page-form-slot")
        await slot.remove_children()
        await slot.mount(PropertyForm(self.schema, page.get("properties") or {}))
        form = self.form
        if form is not None and form.fields:
            form.fields[0].focus_editor()

    def _fill_header(self) -> None:
        page = self.page or {}
        icon = object_icon(page)
        title = page_title(page)
        self.title = title
        self.query_one("#page-title", Label).update(f"{icon} {title}" if icon else title)
        where = "Workspace"
        if self.database is not None:
            where = f"in {database_title(self.database)}"
        elif parent_of(page).kind == "page_id":
            where = "in a page"
        edited = relative_time(page.get("last_edited_time"), self.app.state.now())
        parts = [
            where,
            f"edited {edited}" if edited else "",
            "in trash" if is_trashed(page) else "",
        ]
        self.query_one("#page-meta", Static).update(" · ".join(p for p in parts if p))
        self._refresh_dirty()

    def _show_error(self, error: BaseException | None) -> None:
        banner = self.query_one("#page-error", Static)
        banner.update(_error_text(error) if error else "")
        banner.set_class(error is None, "hidden")

    @work(exclusive=True, group="page-users")
    async def load_people(self) -> None:
        form = self.form
        if form is None:
            return
        wanted = {"people", "created_by", "last_edited_by"}
        if not any(f.schema.type in wanted for f in form.fields):
            return
        try:
            users = await self.app.state.users()
        except AlloyError as error:
            self.notify(
                f"Could not list the workspace's users: {error.sentence}", severity="warning"
            )
            return
        form.set_users(user_choices(users))

    @work(exclusive=True, group="page-relations")
    async def load_relation_titles(self) -> None:
        form = self.form
        if form is None:
            return
        notion = self.app.state.notion
        for field in form.fields:
            if field.schema.type != "relation":
                continue
            names: dict[str, str] = {}
            # Titles of linked pages: one read each, bounded so a huge relation stays cheap.
            for page_id in field.relation_ids[:20]:
                try:
                    names[page_id] = page_title(await notion.get_page(page_id))
                except AlloyError:
                    names[page_id] = page_id[:8]
            field.set_names(names)

    @work(exclusive=True, group="page-body")
    async def load_body(self) -> None:
        body = self.query_one("#page-body", Markdown)
        body.loading = True
        try:
            blocks = await self.app.state.notion.get_blocks_recursive(self.page_id)
        except PageTooLargeError as error:
            await body.update(f"*{error.sentence}* {error.remedy}")
            return
        except AlloyError as error:
            await body.update(f"*The body could not be loaded: {error.sentence}*")
            return
        finally:
            body.loading = False
        await body.update(blocks_to_markdown(blocks) or "*This page has no content yet.*")

    # ---- dirty state -----------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        form = self.form
        return form is not None and form.dirty

    def _refresh_dirty(self) -> None:
        marker = self.query_one("#page-dirty", Label)
        if self.saving:
            marker.update("saving…")
        elif self.dirty:
            count = len(self.form.changed_fields) if self.form else 0
            marker.update(f"● unsaved changes ({count})")
        else:
            marker.update("")
        marker.set_class(self.dirty, "-dirty")
        base = page_title(self.page or {})
        self.sub_title = "● unsaved" if self.dirty else ""
        self.title = base

    @on(PropertyForm.Changed)
    def _form_changed(self, event: PropertyForm.Changed) -> None:
        self._refresh_dirty()

    # ---- save ------------------------------------------------------------------------

    def action_save(self) -> None:
        form = self.form
        if form is None or self.saving:
            return
        changes, errors = form.collect()
        if errors:
            first = form.show_errors(errors)
            if first is not None:
                first.focus_editor()
                first.scroll_visible()
            count = len(errors)
            self.notify(
                f"{count} field{'s' if count > 1 else ''} need{'s' if count == 1 else ''} "
                "fixing before saving.",
                severity="error",
            )
            return
        form.show_errors({})
        if not changes:
            self.notify("Nothing to save: no property has changed.", timeout=3)
            return
        self.save(changes)

    @work(exclusive=True, group="page-save")
    async def save(self, changes: dict[str, dict[str, Any]]) -> None:
        self.saving = True
        self._refresh_dirty()
        try:
            page = await self.app.state.notion.update_page(self.page_id, properties=changes)
        except ValidationError as error:
            self._save_failed(error, changes)
            return
        except AlloyError as error:
            self._show_error(error)
            self.app.report_error(error, where="Save")
            return
        finally:
            self.saving = False
            self._refresh_dirty()
        self._show_error(None)
        self.page = page
        form = self.form
        if form is not None:
            form.commit(page.get("properties") or {})
        self._fill_header()
        names = ", ".join(changes)
        self.notify(f"Saved {names}.", title="Saved", timeout=3)

    def _save_failed(self, error: ValidationError, changes: Mapping[str, Any]) -> None:
        """Put a validation error under the field it names; the edits stay in the form."""
        form = self.form
        field: PropertyField | None = None
        if form is not None and error.field:
            name = error.field.removeprefix("properties.").split(".")[0].split("[")[0]
            field = form.field(name) or form.field(error.field)
        if field is None and form is not None and len(changes) == 1:
            field = form.field(next(iter(changes)))
        if field is not None:
            field.set_error(error.sentence)
            field.focus_editor()
            field.scroll_visible()
            self.notify(
                f"{field.schema.name}: {error.sentence}",
                title="Not saved",
                severity="error",
                timeout=8,
            )
        else:
            self._show_error(error)
            self.app.report_error(error, where="Save")

    # ---- relations -------------------------------------------------------------------

    @on(PropertyField.RelationRequested)
    def _pick_relation(self, event: PropertyField.RelationRequested) -> None:
        field = event.field
        notion = self.app.state.notion
        related = field.schema.related_database_id
        search = search_database(notion, related) if related else search_workspace(notion, "page")
        selected = [PickItem(i, field._names.get(i, i[:8])) for i in field.relation_ids]

        def picked(items: list[PickItem] | None) -> None:
            if items is not None:
                field.set_relation([i.id for i in items], {i.id: i.label for i in items})

        self.app.push_screen(
            PickerModal(
                f"Link pages · {field.schema.name}", search, multiple=True, selected=selected
            ),
            picked,
        )

    # ---- navigation and actions ------------------------------------------------------

    def action_back(self) -> None:
        if not self.dirty:
            self.dismiss()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss()

        count = len(self.form.changed_fields) if self.form else 0
        self.app.push_screen(
            ConfirmModal(
                "Discard unsaved changes?",
                f"{count} changed propert{'y' if count == 1 else 'ies'} of "
                f"“{page_title(self.page or {})}” will be lost. Press Ctrl+S to keep them.",
                confirm="Discard",
                cancel="Stay",
                danger=True,
            ),
            answered,
        )

    def action_open_browser(self) -> None:
        url = (self.page or {}).get("url")
        if url:
            self.app.open_url(str(url))
            self.notify(f"Opening {url}", timeout=3)

    def action_reload(self) -> None:
        if self.dirty:
            self.notify("Save or undo your changes before reloading.", severity="warning")
            return
        self.load_page()

    def action_trash(self) -> None:
        if self.page is None:
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.trash()

        self.app.push_screen(
            ConfirmModal(
                "Move to trash?",
                f"“{page_title(self.page)}” will be moved to Notion's trash. "
                "You can restore it from Notion's trash for 30 days.",
                confirm="Move to trash",
                danger=True,
            ),
            answered,
        )

    @work(exclusive=True, group="page-save")
    async def trash(self) -> None:
        try:
            await self.app.state.notion.trash_page(self.page_id)
        except AlloyError as error:
            self.app.report_error(error, where="Move to trash")
            return
        self.notify(f"Moved “{page_title(self.page or {})}” to the trash.", timeout=4)
        self.dismiss()

    def _move(self, step: int) -> None:
        form = self.form
        if form is None:
            return
        fields = [f for f in form.fields if not f.schema.read_only]
        if not fields:
            return
        focused = self.focused
        index = next(
            (i for i, f in enumerate(fields) if focused is not None and f in focused.ancestors),
            -1 if step > 0 else 0,
        )
        target = fields[(index + step) % len(fields)]
        target.focus_editor()
        target.scroll_visible()

    def action_next_field(self) -> None:
        self._move(1)

    def action_previous_field(self) -> None:
        self._move(-1)

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        """Links to Notion pages open in the app; other links in the browser."""
        href = event.href
        if href.startswith(NOTION_URL):
            object_id = id_from_text(href)
            if object_id is not None:
                self.app.open_by_text(object_id)
                return
        self.app.open_url(href)
